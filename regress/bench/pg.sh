# PostgreSQL throughput: direct, through airlock, and through PgBouncer
# (Debian's package, for scale), with pgbench's select-only transactions on
# one connection, on eight, and on eight with a new connection for every
# transaction.  Not part of the test suite: `make bench` runs it.
#
#	BENCH_SECONDS=10	duration of each pgbench run
#	KEEP=1			keep the temporary directory (pgbench outputs)
#
# All three targets authenticate as scram_user with SCRAM-SHA-256, over TCP
# on 127.0.0.1 without TLS.  airlock runs at log level info (not -d).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

SECS=${BENCH_SECONDS:-10}
case $SECS in
''|*[!0-9]*|0) fail "BENCH_SECONDS must be a positive number of seconds" ;;
esac
require_root
command -v pgbench >/dev/null || skip "no pgbench"
PGBOUNCER=$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null)

pg_start "max_connections = 200"
PA=$(free_port)
PB=$(free_port)

# -D and logLevel info, not -d: debug lines on every connection would be
# part of what we measure.
{
	airlock_head "logLevel: info"
	pg_service pg-scram "$PA" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
} >"$T/airlock.yml"
AIRLOCK_FLAGS=-D start_airlock "$T/airlock.yml"

# PgBouncer runs as postgres (it refuses root), in the foreground of a
# background job so that $! is its pid.
if [ -n "$PGBOUNCER" ]; then
	mkdir -p "$T/pgbouncer"
	printf '"scram_user" "%s"\n' "$PG_SCRAM_PASSWORD" \
	    >"$T/pgbouncer/userlist.txt"
	cat >"$T/pgbouncer/pgbouncer.ini" <<EOF
[databases]
postgres = host=127.0.0.1 port=$PG_PORT dbname=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PB
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $T/pgbouncer/userlist.txt
pool_mode = session
max_client_conn = 100
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
logfile = $T/pgbouncer/pgbouncer.log
log_connections = 0
log_disconnections = 0
EOF
	chown -R postgres:postgres "$T/pgbouncer"
	chmod 0600 "$T/pgbouncer/userlist.txt"
	setpriv --reuid=postgres --regid=postgres --init-groups -- \
	    "$PGBOUNCER" "$T/pgbouncer/pgbouncer.ini" \
	    >"$T/pgbouncer/stderr" 2>&1 </dev/null &
	PGB_PID=$!
	at_exit "kill $PGB_PID"
fi

# conninfo TARGET: how to reach it; PGPASSWORD only where it is needed.
conninfo()
{
	case $1 in
	direct)	 echo "host=127.0.0.1 port=$PG_PORT user=scram_user" ;;
	airlock) echo "host=127.0.0.1 port=$PA user=nobody_in_particular" ;;
	pgbouncer) echo "host=127.0.0.1 port=$PB user=scram_user" ;;
	esac
}
password()
{
	[ "$1" = airlock ] || echo "$PG_SCRAM_PASSWORD"
}

TARGETS="direct airlock"
[ -n "$PGBOUNCER" ] && TARGETS="$TARGETS pgbouncer"
for t in $TARGETS; do
	n=50
	while :; do
		out=$(PGPASSWORD=$(password "$t") pg_psql \
		    "$(conninfo "$t") dbname=postgres" "select current_user" \
		    2>&1) && break
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "$t: cannot connect: $out"
		sleep 0.1
	done
	[ "$out" = scram_user ] || fail "$t: current_user is '$out'"
done

PGPASSWORD=$PG_SCRAM_PASSWORD pgbench -i -q -s 1 \
    -h 127.0.0.1 -p "$PG_PORT" -U scram_user postgres \
    >"$T/pgbench-init.log" 2>&1 ||
    fail "pgbench -i: $(tail -n 20 "$T/pgbench-init.log")"

# The runs: label, then pgbench's options.
RUNS="select-c1:-c 1 -j 1
select-c8:-c 8 -j 2
connect-c8:-C -c 8 -j 2"

# tps TARGET LABEL OPTIONS...
tps()
{
	_t=$1
	_l=$2
	shift 2
	_log=$T/pgbench-$_t-$_l.log
	set -- "$@" -n -S -T "$SECS"
	PGPASSWORD=$(password "$_t") pgbench "$@" \
	    "$(conninfo "$_t") dbname=postgres" >"$_log" 2>&1 ||
	    fail "pgbench $_t $_l: $(tail -n 20 "$_log")"
	grep -q "number of failed transactions: 0 " "$_log" ||
	    ! grep -q "number of failed transactions" "$_log" ||
	    fail "pgbench $_t $_l had failed transactions: $(cat "$_log")"
	awk '$1 == "tps" && $2 == "=" { print $3; exit }' "$_log"
}

echo "pgbench -S, $SECS s per run, SCRAM-SHA-256, TCP 127.0.0.1, no TLS" \
    "($(nproc) CPUs)"
echo "$RUNS" | while IFS=: read -r label opts; do
	for t in $TARGETS; do
		v=$(tps "$t" "$label" $opts) || exit 1
		[ -n "$v" ] || fail "no tps in $T/pgbench-$t-$label.log"
		echo "$label $t $v" >>"$T/results"
	done
done || exit 1

airlock_alive || fail "airlockd died during the benchmark"

echo
awk -v pgb="$([ -n "$PGBOUNCER" ] && echo 1)" '
	{ v[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[n++] = $1 } }
	END {
		printf "%-12s %12s %12s %12s %15s %17s\n", "run", "direct",
		    "airlock", "pgbouncer", "airlock/direct",
		    "pgbouncer/direct"
		for (i = 0; i < n; i++) {
			r = order[i]
			d = v[r, "direct"]
			a = v[r, "airlock"]
			b = pgb ? v[r, "pgbouncer"] : ""
			printf "%-12s %12.2f %12.2f %12s %15.2f %17s\n", r, d, a,
			    b == "" ? "n/a" : sprintf("%.2f", b), a / d,
			    b == "" ? "n/a" : sprintf("%.2f", b / d)
		}
	}' "$T/results"
echo
echo "tps from pgbench (\"without initial connection time\" except for" \
    "connect-c8, where every transaction opens a connection)"
exit 0
