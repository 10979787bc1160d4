# MariaDB throughput, direct and through airlock (a mysql service in front
# of the same server), with mysqlslap (from mariadb-client) running
# "SELECT 1" on one connection, on eight, and on eight with a new
# connection for every query (--detach=1), and the ratio airlock/direct.  ProxySQL, the MySQL counterpart of PgBouncer, is not
# packaged in Debian 12: there is no column for it.  Not part of the test
# suite: `make bench` runs it.
#
#	BENCH_QUERIES=100000	queries per run (a tenth of it for the runs
#				that connect for every query)
#	KEEP=1			keep the temporary directory (mysqlslap outputs)
#
# Every target authenticates as native_user with mysql_native_password,
# over TCP on 127.0.0.1 without TLS (through airlock, airlockd does, and
# the client sends no password).  airlock runs at log level info (not -d).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"
. "$TOP/regress/bench/report.sh"

QUERIES=${BENCH_QUERIES:-100000}
bench_whole BENCH_QUERIES "$QUERIES"
require_root
command -v mysqlslap >/dev/null || skip "no mysqlslap (mariadb-client)"
PROXYSQL=$(command -v proxysql)

my_start
PA=$(free_port)
# -D and logLevel info, not -d: debug lines on every connection would be
# part of what we measure.
{
	airlock_head "logLevel: info"
	my_service my-native "$PA" native_user disable \
	    "password: {from: env, get: MY_NATIVE_PASSWORD}"
} >"$T/airlock.yml"
AIRLOCK_FLAGS=-D start_airlock "$T/airlock.yml"

# port TARGET: its port on 127.0.0.1.
port()
{
	case $1 in
	direct) echo "$MY_PORT" ;;
	airlock) echo "$PA" ;;
	esac
}
# password TARGET: only where it is needed.
password()
{
	[ "$1" = airlock ] || echo "$MY_NATIVE_PASSWORD"
}

TARGETS="direct airlock"
for t in $TARGETS; do
	out=$(MYSQL_PWD=$(password "$t") my_mariadb "$(port "$t")" native_user \
	    "select current_user()" --skip-ssl 2>&1) ||
	    fail "$t: cannot connect: $out"
	[ "$out" = native_user@% ] || fail "$t: current_user() is '$out'"
done

# The runs: label, queries, then mysqlslap's options.
RUNS="select-c1:$QUERIES:--concurrency=1
select-c8:$QUERIES:--concurrency=8
connect-c8:$((QUERIES / 10 + 1)):--concurrency=8 --detach=1"

# qps TARGET LABEL QUERIES OPTIONS...: queries per second.
qps()
{
	_t=$1 _l=$2 _n=$3
	shift 3
	_log=$T/mysqlslap-$_t-$_l.log
	MYSQL_PWD=$(password "$_t") timeout -k 5 600 mysqlslap --no-defaults \
	    --host=127.0.0.1 --port="$(port "$_t")" --protocol=TCP \
	    --user=native_user --skip-ssl \
	    --create-schema=airlock_test --query="SELECT 1" --iterations=1 \
	    --number-of-queries="$_n" "$@" >"$_log" 2>&1 ||
	    fail "mysqlslap $_t $_l: $(tail -n 20 "$_log")"
	awk -v n="$_n" '/Average number of seconds to run all queries:/ {
		if ($(NF - 1) > 0) printf "%.2f\n", n / $(NF - 1); exit }' "$_log"
}

echo "$RUNS" | while IFS=: read -r label n opts; do
	for t in $TARGETS; do
		# shellcheck disable=SC2086
		v=$(qps "$t" "$label" "$n" $opts) || exit 1
		[ -n "$v" ] || fail "no time in $T/mysqlslap-$t-$label.log"
		echo "$label $t $v" >>"$T/results"
	done
done || exit 1

airlock_alive || fail "airlockd died during the benchmark"

echo "## MariaDB (regress/bench/mysql.sh)"
echo
echo "mysqlslap \"SELECT 1\", $QUERIES queries per run ($((QUERIES / 10 + 1))" \
    "when connecting for each), mysql_native_password, TCP 127.0.0.1," \
    "no TLS. Queries per second: the queries of a run over mysqlslap's" \
    "\"seconds to run all queries\" (connections included)."
echo
bench_ratio_table "$T/results" "direct airlock proxysql" airlock/direct |
    bench_table
if [ -z "$PROXYSQL" ]; then
	echo
	echo "proxysql: not installed (Debian 12 does not package ProxySQL)."
fi
exit 0
