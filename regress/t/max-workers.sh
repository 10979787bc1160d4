# At maxWorkers airlockd stops accepting instead of dropping connections:
# a further client waits in the listen backlog and is served as soon as a
# worker exits.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
{
	airlock_head "maxWorkers: 2"
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

airlock_psql "$P" "select pg_sleep(3)" >"$T/s1" 2>&1 &
s1=$!
airlock_psql "$P" "select pg_sleep(3)" >"$T/s2" 2>&1 &
s2=$!
wait_for_log "not accepting until one exits" 10 ||
    fail "airlockd did not stop accepting at maxWorkers"
ok "at 2 workers airlockd stops accepting"

# The third client is held in the backlog, then served.
out=$(airlock_psql "$P" "select 'third'" 2>&1) ||
    fail "third client failed instead of waiting: $out"
[ "$out" = third ] || fail "third client got '$out'"
ok "the third client waited and was served"
wait "$s1" || fail "first session failed: $(cat "$T/s1")"
wait "$s2" || fail "second session failed: $(cat "$T/s2")"
wait_for_log "below maxWorkers again: accepting" 5 ||
    fail "no 'accepting' line after workers exited"
grep -q "connection refused" "$AIRLOCK_LOG" &&
    fail "a connection was dropped"
ok "no connection dropped"
exit 0
