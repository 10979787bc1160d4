# Load through airlock: pgbench initialises its tables and then runs 50
# concurrent clients (one worker each) against a SCRAM backend, without a
# failed transaction.  airlockd's maxWorkers (100) and the server's
# max_connections (120) both leave room for the 50 clients plus pgbench's
# own connections.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

CLIENTS=50
pg_start
P=$(free_port)
{
	airlock_head "maxWorkers: 100"
	pg_service pg-bench "$P" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

maxconn=$(pg_admin "show max_connections")
[ "$maxconn" -ge $((CLIENTS + 10)) ] ||
    fail "PostgreSQL's max_connections ($maxconn) is too small for $CLIENTS clients"

timeout -k 5 120 pgbench -i -s 1 -q -h 127.0.0.1 -p "$P" -U someoneelse \
    postgres >"$T/pgbench-init.log" 2>&1 ||
    fail "pgbench -i: $(tail -n 20 "$T/pgbench-init.log")"
owner=$(pg_admin "select tableowner from pg_tables where tablename = 'pgbench_accounts'")
[ "$owner" = scram_user ] || fail "pgbench_accounts is owned by '$owner'"
ok "pgbench -i -s 1 (tables owned by $owner)"

# A count of transactions, not a duration: in a sanitizer build the 50
# logins alone can take longer than a short -T window.
PER_CLIENT=20
timeout -k 5 300 pgbench -c "$CLIENTS" -j 2 -t "$PER_CLIENT" -n -h 127.0.0.1 -p "$P" \
    -U someoneelse postgres >"$T/pgbench.log" 2>&1 ||
    fail "pgbench -c $CLIENTS: $(tail -n 30 "$T/pgbench.log")"
cat "$T/pgbench.log"
grep -q "^number of failed transactions: 0 " "$T/pgbench.log" ||
    fail "failed transactions: $(grep failed "$T/pgbench.log")"
n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' \
    "$T/pgbench.log")
[ "${n:-0}" -eq $((CLIENTS * PER_CLIENT)) ] ||
    fail "$n transactions processed, expected $((CLIENTS * PER_CLIENT))"
ok "pgbench -c $CLIENTS -j 2 -t $PER_CLIENT: $n transactions, none failed"

airlock_alive || fail "airlockd died"
grep -E "worker [0-9]+ (killed|died)" "$AIRLOCK_LOG" &&
    fail "workers were killed or died"
ok "no worker was killed"
exit 0
