# SIGTERM: airlockd stops accepting at once, lets the connections in flight
# finish, and exits 0 when the last one has closed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
{
	airlock_head
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

airlock_psql "$P" "select pg_sleep(2), 'finished'" >"$T/s1" 2>&1 &
s1=$!
wait_for_log "pg-trust#[0-9]+: authenticated" 10 || fail "session did not start"
kill -TERM "$AIRLOCK_PID"
wait_for_log "not accepting; 1 connection" 5 ||
    fail "airlockd did not start draining"
out=$(airlock_psql "$P" "select 1" 2>&1) &&
    fail "a new connection was accepted while draining: $out"
ok "no new connection while draining"
wait "$s1" || fail "the session in flight was cut: $(cat "$T/s1")"
grep -q finished "$T/s1" || fail "the session did not finish: $(cat "$T/s1")"
ok "the session in flight finished"
wait "$AIRLOCK_PID"
rc=$?
AIRLOCK_PIDS=
[ "$rc" -eq 0 ] || fail "airlockd exited with $rc"
ok "airlockd exited 0 after the last connection"
exit 0
