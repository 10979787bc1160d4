# Query cancellation through airlock: psql runs a long query and gets
# SIGINT, so it sends a CancelRequest (on a new connection, with the key it
# got from BackendKeyData) to airlock, which must deliver it to the right
# backend.  The query ends at once with PostgreSQL's "canceling statement
# due to user request".  Both with a plain and with a TLS backend leg.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
PP=$(free_port)
PT=$(free_port)
{
	airlock_head
	for s in "pg-plain $PP disable" "pg-tls $PT require"; do
		set -- $s
		pg_service "$1" "$2" scram_user "$3" \
		    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	done
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

for p in "$PP" "$PT"; do
	psql -X -A -t -w -d "host=127.0.0.1 port=$p dbname=postgres" \
	    -c "select pg_sleep(30)" >"$T/cancel.out" 2>&1 &
	psql_pid=$!
	pg_sleeping "$psql_pid" "$T/cancel.out" "port $p"

	kill -INT "$psql_pid"
	n=100
	while [ "$n" -gt 0 ] && kill -0 "$psql_pid" 2>/dev/null; do
		sleep 0.1
		n=$((n - 1))
	done
	if kill -0 "$psql_pid" 2>/dev/null; then
		kill -KILL "$psql_pid"
		wait "$psql_pid"
		fail "port $p: the query was not cancelled within 10 s: $(cat "$T/cancel.out")"
	fi
	wait "$psql_pid" && fail "port $p: psql exited 0: $(cat "$T/cancel.out")"
	grep -q "canceling statement due to user request" "$T/cancel.out" ||
	    fail "port $p: unexpected output: $(cat "$T/cancel.out")"
	ok "port $p: $(tail -n 1 "$T/cancel.out")"
	[ "$(pg_admin "$PG_SLEEPING")" = 0 ] || fail "port $p: the query still runs"
done

airlock_alive || fail "airlockd died"
exit 0
