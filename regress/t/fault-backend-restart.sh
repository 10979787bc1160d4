# PostgreSQL restarts (pg_ctl restart -m fast) under load through airlock:
# the sessions in flight end (pgbench reports them: expected), but airlockd
# lives on, no worker dies of a signal or is killed, new connections
# succeed once the server is back, full load runs again without a failed
# transaction, and airlockd's workers are all gone when the load ends.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
{
	# Its children are counted as connections: no idle workers.
	airlock_head "maxWorkers: 100" "workerPoolMinIdle: 0"
	pg_service pg-bench "$P" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# workers: airlockd's live children.
workers()
{
	pgrep -P "$AIRLOCK_PID" | wc -l
}

# pg_restart: with the variables that pg.sh set.
pg_restart()
{
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/log" \
	    -m fast -w -t 30 restart >"$T/pg_restart.log" 2>&1
}

PGBENCH="pgbench -h 127.0.0.1 -p $P -U someoneelse"
timeout -k 5 60 $PGBENCH -i -s 1 -q postgres >"$T/pgbench-init.log" 2>&1 ||
    fail "pgbench -i: $(tail -n 20 "$T/pgbench-init.log")"

timeout -k 5 60 $PGBENCH -n -c 4 -j 2 -T 10 postgres \
    >"$T/pgbench-restart.log" 2>&1 &
bench=$!
at_exit "kill $bench"
# The load is on: four pgbench clients in PostgreSQL, through airlock.
n=100
while [ "$n" -gt 0 ] && [ "$(pg_admin "select count(*) from pg_stat_activity
    where usename = 'scram_user'")" != 4 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || fail "pgbench's clients did not connect: $(cat "$T/pgbench-restart.log")"
sleep 2
kill -0 "$bench" 2>/dev/null ||
    fail "pgbench ended before the restart: $(cat "$T/pgbench-restart.log")"
ok "pgbench -c 4 is running through airlock ($(workers) workers)"

pg_restart || fail "pg_ctl restart: $(cat "$T/pg_restart.log")"
ok "PostgreSQL restarted under load"
airlock_alive || fail "airlockd died when PostgreSQL restarted"

# New connections succeed again (within 10 s).
n=20
while [ "$n" -gt 0 ]; do
	out=$(airlock_psql "$P" "select 'back'" 2>&1) && break
	sleep 0.5
	n=$((n - 1))
done
[ "$out" = back ] || fail "no connection through airlock after the restart: $out"
ok "a new connection through airlock works after the restart"

wait "$bench"
rc=$?
[ "$rc" -eq 124 ] || [ "$rc" -eq 137 ] &&
    fail "pgbench hung after the restart: $(cat "$T/pgbench-restart.log")"
say "pgbench across the restart (exit status $rc, errors expected):"
grep -E "aborted|terminat|processed|failed" "$T/pgbench-restart.log" |
    sed 's/^/    /'

# Full load again, and now without a failed transaction.
timeout -k 5 60 $PGBENCH -n -c 4 -j 2 -T 3 postgres >"$T/pgbench-after.log" 2>&1 ||
    fail "pgbench after the restart: $(tail -n 30 "$T/pgbench-after.log")"
grep -q "^number of failed transactions: 0 " "$T/pgbench-after.log" ||
    fail "failed transactions after the restart: $(grep failed "$T/pgbench-after.log")"
ok "pgbench -c 4 -T 3 after the restart: $(sed -n \
    's/^number of transactions actually processed: \([0-9]*\).*/\1/p' \
    "$T/pgbench-after.log") transactions, none failed"

n=100
while [ "$n" -gt 0 ] && [ "$(workers)" != 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(workers)" = 0 ] || fail "airlockd still has $(workers) worker(s) after the load"
ok "airlockd's workers all exited"
airlock_alive || fail "airlockd died"
grep -E "died of signal|worker [0-9]+ killed" "$AIRLOCK_LOG" &&
    fail "a worker died of a signal or was killed"
ok "no worker died of a signal or was killed"
exit 0
