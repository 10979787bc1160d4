# A worker killed with SIGKILL in the middle of a query: its client gets a
# clean disconnect, the other session through the same airlockd finishes
# normally, airlockd logs the death, lives on and serves new connections,
# and the backend connection of the dead worker goes away (nothing else,
# the monitor least of all, holds a copy of its socket).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

# PostgreSQL notices a vanished client during a long query only if it
# polls the socket (PostgreSQL 14 and later); without it the backend would
# linger until pg_sleep ends.
pg_start "client_connection_check_interval = 200ms"
P=$(free_port)
{
	# Its children are counted as connections: no idle workers.
	airlock_head "workerPoolMinIdle: 0"
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

VICTIM="select pg_sleep(30), 'victim'"
SURVIVOR="select pg_sleep(4), 'survivor finished'"
# count_query TEXT: how many trust_user backends run exactly TEXT.
count_query()
{
	pg_admin "select count(*) from pg_stat_activity
	    where usename = 'trust_user' and query = '$(echo "$1" |
	    sed "s/'/''/g")'"
}
# workers: airlockd's live children.
workers()
{
	pgrep -P "$AIRLOCK_PID" | wc -l
}

airlock_session "$P" pg-trust "$VICTIM" "$T/victim"
victim=$SESSION_PID
victim_worker=$WORKER_PID
airlock_session "$P" pg-trust "$SURVIVOR" "$T/survivor"
survivor=$SESSION_PID
survivor_worker=$WORKER_PID
pgrep -P "$AIRLOCK_PID" | grep -qx "$victim_worker" ||
    fail "worker $victim_worker is not a child of airlockd $AIRLOCK_PID"
n=50
while [ "$n" -gt 0 ] && [ "$(count_query "$VICTIM")" != 1 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(count_query "$VICTIM")" = 1 ] ||
    fail "the victim's query is not running in PostgreSQL"
[ "$(workers)" = 2 ] || fail "airlockd has $(workers) workers, not 2"
ok "two sessions, workers $victim_worker and $survivor_worker"

kill -KILL "$victim_worker" || fail "cannot kill worker $victim_worker"

# The victim's client: a prompt, clean end of the connection.
n=50
while [ "$n" -gt 0 ] && kill -0 "$victim" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
kill -0 "$victim" 2>/dev/null &&
    fail "the victim's psql still runs 5 s after its worker was killed"
wait "$victim" && fail "the victim's psql exited 0: $(cat "$T/victim")"
grep -Eq "closed the connection unexpectedly|connection to server was lost|terminated abnormally|no connection to the server" \
    "$T/victim" || fail "the victim's psql: unexpected output: $(cat "$T/victim")"
ok "the victim's client was disconnected: $(head -n 1 "$T/victim")"

wait_for_log "pg-trust#[0-9]+: worker $victim_worker died of signal 9 \(SIGKILL\)" 5 ||
    fail "airlockd did not log the death of worker $victim_worker"
ok "airlockd logged: $(grep -E "worker $victim_worker died" "$AIRLOCK_LOG" |
    sed 's/^.*\] //')"
airlock_alive || fail "airlockd died with its worker"

# The dead worker's backend connection goes away; the survivor's stays.
n=50
while [ "$n" -gt 0 ] && [ "$(count_query "$VICTIM")" != 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(count_query "$VICTIM")" = 0 ] ||
    fail "the killed worker's backend connection is still there after 5 s"
ok "the killed worker's backend connection went away"

out=$(airlock_psql "$P" "select 'after the kill'" 2>&1) ||
    fail "a new connection after the kill failed: $out"
[ "$out" = "after the kill" ] || fail "a new connection got '$out'"
ok "airlockd serves a new connection"

wait "$survivor" ||
    fail "the other session failed: $(cat "$T/survivor")"
grep -q "survivor finished" "$T/survivor" ||
    fail "the other session did not finish: $(cat "$T/survivor")"
ok "the other session finished normally"

[ "$(grep -c "died of signal" "$AIRLOCK_LOG")" = 1 ] ||
    fail "other workers died: $(grep "died of signal" "$AIRLOCK_LOG")"
n=50
while [ "$n" -gt 0 ] && [ "$(workers)" != 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(workers)" = 0 ] || fail "airlockd still has $(workers) worker(s)"
[ "$(pg_admin "select count(*) from pg_stat_activity
    where usename = 'trust_user'")" = 0 ] ||
    fail "backend connections left behind"
ok "no worker and no backend connection left"
airlock_alive || fail "airlockd died"
exit 0
