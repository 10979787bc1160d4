# PostgreSQL: what a connection and a query cost through airlock, against
# a direct connection and PgBouncer (Debian's package) in the same run, for
# a trust backend user and a SCRAM-SHA-256 one, as the ratios and bounds of
# issue 13.  Not part of the test suite: `make bench` runs it.
#
#	BENCH_SECONDS=10		duration of each pgbench run
#	BENCH_COPY_BYTES=1073741824	bytes of the COPY TO STDOUT
#	KEEP=1				keep the temporary directory
#
# Runs, each on every path one after the other:
#  - connect + SELECT 1: pgbench -C -c1 with a "SELECT 1" script, its
#    latency average (a new connection per transaction);
#  - pgbench -S -C -c4 (a connection per transaction), and -S at 1, 8 and
#    32 clients on open connections: tps;
#  - COPY (SELECT ...) TO STDOUT of BENCH_COPY_BYTES through psql into
#    /dev/null, seconds (trust user only: the login does not matter here).
# Beside each figure, the CPU time per transaction of the path's own
# processes, from /proc/PID/stat: airlockd with its workers (reaped:
# cutime + cstime; live: their utime + stime), PgBouncer's process; a
# direct connection has none.  The backend's and pgbench's are not counted.
#
# Every leg is TCP on 127.0.0.1 without TLS (sslmode=disable at the
# client: PostgreSQL here has TLS on, and libpq's default would encrypt the
# direct path only); with BENCH_PG_TLS=1 (regress/bench/pgtls.sh) the
# client's leg is TLS on every path (sslmode=require: to PostgreSQL
# itself, to airlock's clientTLS, to PgBouncer's client_tls), and the
# backend legs stay plaintext.  The clients authenticate to no proxy: airlock ignores
# them, and PgBouncer runs with auth_type trust and the backend passwords
# in its auth_file (its session pool keeps server connections between
# clients).  airlockd runs at log level info (not -d).  Where this build
# has backend reuse (a service setting poolMode: session), "reuse" is an
# airlock service with it, else n/a.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/bench/report.sh"
. "$TOP/regress/ctls.sh"

SECS=${BENCH_SECONDS:-10}
TLS=${BENCH_PG_TLS:-}
SSLMODE=disable
[ -z "$TLS" ] || SSLMODE=require
COPY_BYTES=${BENCH_COPY_BYTES:-1073741824}
bench_whole "BENCH_SECONDS, BENCH_COPY_BYTES" "$SECS" "$COPY_BYTES"
require_root
command -v pgbench >/dev/null || skip "no pgbench"
PGBOUNCER=$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null)
REUSE=
TICK=$(getconf CLK_TCK)

pg_start "max_connections = 300"
[ -z "$TLS" ] || ctls_make

# services [REUSE]: the airlock services, one per backend user, and with
# REUSE one more per user with backend reuse.
services()
{
	for _u in trust scram; do
		for _p in airlock ${1:+reuse}; do
			_cred=
			[ "$_u" = scram ] &&
			    _cred="password: {from: env, get: PG_SCRAM_PASSWORD}"
			pg_service "$_p-$_u" "$(port_of "$_p-$_u")" \
			    "${_u}_user" disable ${_cred:+"$_cred"}
			[ "$_p" = reuse ] || [ -n "$TLS" ] || continue
			echo "    config:"
			[ "$_p" != reuse ] || echo "      $REUSE_SETTING"
			[ -z "$TLS" ] || ctls_yaml 6 none
		done
	done
}
for s in airlock-trust airlock-scram reuse-trust reuse-scram; do
	service_port "$s" >/dev/null
done
# accepts [SETTING] [SERVICES...]: airlockd -t takes a configuration with
# SETTING in its airlock: section and those services.
accepts()
{
	_s=$1
	shift
	{ airlock_head "logLevel: info" ${_s:+"$_s"}; services "$@"; } \
	    >"$T/probe.yml"
	"$AIRLOCKD" -t -f "$T/probe.yml" >"$T/probe.out" 2>&1
}
# Backend reuse is in this build if a service's config takes poolMode:
# session and refuses a mode that does not exist (a pg service ignores
# config keys it does not know).
REUSE_SETTING="poolMode: no-such-mode"
accepts "" 1 || REUSE=1
REUSE_SETTING="poolMode: session"
accepts "" 1 || REUSE=
POOL="no worker pool in this build"
accepts "workerPoolMinIdle: 4" &&
    POOL="worker pool at its defaults (workerPoolMinIdle)"
{ airlock_head "logLevel: info"; services "$REUSE"; } >"$T/airlock.yml"
AIRLOCK_FLAGS=-D start_airlock "$T/airlock.yml"

# With TLS, PgBouncer serves the listener's certificate too (a copy it
# may read: it runs as postgres).
PGB_TLS=
if [ -n "$TLS" ] && [ -n "$PGBOUNCER" ]; then
	mkdir -p "$T/pgbouncer"
	cp "$CTLS/listener.crt" "$CTLS/listener.key" "$T/pgbouncer/"
	PGB_TLS="client_tls_sslmode = require
client_tls_cert_file = $T/pgbouncer/listener.crt
client_tls_key_file = $T/pgbouncer/listener.key"
fi
[ -z "$PGBOUNCER" ] || bench_pgbouncer "$(printf '"%s" "%s"\n' \
    scram_user "$PG_SCRAM_PASSWORD" trust_user "")" "pool_mode = session" \
    "max_client_conn = 200" "default_pool_size = 40" \
    "ignore_startup_parameters = extra_float_digits" ${PGB_TLS:+"$PGB_TLS"}

# conninfo PATH USER: how to reach the backend as USER (trust, scram).
conninfo()
{
	case $1 in
	direct)	_ci="port=$PG_PORT user=$2_user" ;;
	airlock|reuse) _ci="port=$(port_of "$1-$2") user=someoneelse" ;;
	pgbouncer) _ci="port=$PB user=$2_user" ;;
	esac
	echo "host=127.0.0.1 $_ci dbname=postgres sslmode=$SSLMODE"
}
# password PATH USER: only the direct SCRAM path needs one.
password()
{
	[ "$1$2" != directscram ] || echo "$PG_SCRAM_PASSWORD"
}

PATHS="direct airlock"
[ -n "$REUSE" ] && PATHS="$PATHS reuse"
[ -n "$PGBOUNCER" ] && PATHS="$PATHS pgbouncer"
for u in trust scram; do
	for p in $PATHS; do
		n=50
		while :; do
			out=$(PGPASSWORD=$(password "$p" "$u") pg_psql \
			    "$(conninfo "$p" "$u")" "select current_user" \
			    2>&1) && break
			n=$((n - 1))
			[ "$n" -gt 0 ] || fail "$p $u: cannot connect: $out"
			sleep 0.1
		done
		[ "$out" = "${u}_user" ] ||
		    fail "$p $u: current_user is '$out'"
	done
done

pgbench -i -q -s 1 -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres postgres \
    >"$T/pgbench-init.log" 2>&1 ||
    fail "pgbench -i: $(tail -n 20 "$T/pgbench-init.log")"
pg_admin "GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC" >/dev/null ||
    fail "GRANT SELECT"
echo "SELECT 1;" >"$T/select1.sql"

# cpu PATH: the CPU ticks of the path's own processes so far.
cpu()
{
	case $1 in
	airlock|reuse) bench_cpu_ticks "$AIRLOCK_PID" children ;;
	pgbouncer) bench_cpu_ticks "$PGB_PID" ;;
	esac
}

# quiet PATH CHILDREN: wait (10 s at most) until airlockd has no more
# children than it had before the run: the workers of the run are reaped
# and their CPU time is in airlockd's cutime.
quiet()
{
	case $1 in
	airlock|reuse) ;;
	*) return 0 ;;
	esac
	_n=100
	while [ "$(pgrep -c -P "$AIRLOCK_PID")" -gt "$2" ] && [ "$_n" -gt 0 ]
	do
		sleep 0.1
		_n=$((_n - 1))
	done
}

# record LABEL USER PATH VALUE TRANSACTIONS TICKS: a result line, with the
# CPU per transaction in µs (empty for a path without processes).
record()
{
	_us=$(awk -v t="$6" -v n="$5" -v hz="$TICK" 'BEGIN {
		if (t != "" && n > 0) printf "%.0f", t * 1000000 / hz / n }')
	echo "$1 $2 $3 $4 ${_us:-n/a}" >>"$T/results"
}

# measure LABEL USER PATH WHAT...: run WHAT (a function that leaves the
# figure in $value and the number of transactions in $count) between two
# readings of the path's CPU time.
measure()
{
	_label=$1 _user=$2 _path=$3
	shift 3
	_kids=$(pgrep -c -P "$AIRLOCK_PID")
	_c0=$(cpu "$_path")
	"$@" "$_path" "$_user" "$_label" || exit 1
	quiet "$_path" "$_kids"
	_c1=$(cpu "$_path")
	record "$_label" "$_user" "$_path" "$value" "$count" \
	    "${_c1:+$((_c1 - _c0))}"
}

# pgb OPTIONS... PATH USER LABEL: a pgbench run; the latency average
# (ms) for the connect label, else tps.
pgb()
{
	_opts=
	while [ $# -gt 3 ]; do
		_opts="$_opts $1"
		shift
	done
	_log=$T/pgbench-$3-$2-$1.log
	# shellcheck disable=SC2086
	PGPASSWORD=$(password "$1" "$2") timeout -k 5 $((SECS + 120)) \
	    pgbench -n -T "$SECS" $_opts "$(conninfo "$1" "$2")" \
	    >"$_log" 2>&1 || fail "pgbench $*: $(tail -n 20 "$_log")"
	grep -q "number of failed transactions: [1-9]" "$_log" &&
	    fail "pgbench $*: failed transactions: $(cat "$_log")"
	count=$(awk '/^number of transactions actually processed:/ {
		print $NF; exit }' "$_log")
	if [ "$3" = connect ]; then
		value=$(awk '$1 == "latency" && $2 == "average" {
		    printf "%.2f", $4; exit }' "$_log")
	else
		value=$(awk '$1 == "tps" && $2 == "=" { printf "%.0f", $3;
		    exit }' "$_log")
	fi
	# A run too short for its connections to be made has no figure.
	if [ -z "$value" ] || [ -z "$count" ]; then
		echo "pgbench $*: no figure in $_log" >&2
		value=n/a count=0
	fi
}

# copyout PATH USER LABEL: seconds to COPY COPY_BYTES to /dev/null.
copyout()
{
	_rows=$((COPY_BYTES / 1001))
	_s=$(date +%s%N)
	PGPASSWORD=$(password "$1" "$2") timeout -k 5 900 psql -X -q -w \
	    -v ON_ERROR_STOP=1 -d "$(conninfo "$1" "$2")" -c "COPY (SELECT
	    repeat('x', 1000) FROM generate_series(1, $_rows)) TO STDOUT" \
	    >/dev/null 2>"$T/copy-$1.err" ||
	    fail "COPY through $1: $(cat "$T/copy-$1.err")"
	value=$(awk -v a="$_s" -v b="$(date +%s%N)" 'BEGIN {
		printf "%.2f", (b - a) / 1e9 }')
	count=1
}

# The runs: label, then what measures them.
RUNS="connect:pgb -C -c 1 -j 1 -f $T/select1.sql
connect-c4:pgb -S -C -c 4 -j 2
select-c1:pgb -S -c 1 -j 1
select-c8:pgb -S -c 8 -j 2
select-c32:pgb -S -c 32 -j 2
copy:copyout"
for u in trust scram; do
	echo "$RUNS" | while IFS=: read -r label what; do
		[ "$label$u" = copyscram ] && continue
		for p in $PATHS; do
			# shellcheck disable=SC2086
			measure "$label" "$u" "$p" $what || exit 1
		done
	done || exit 1
done
airlock_alive || fail "airlockd died during the benchmark"

# get LABEL USER PATH [FIELD]: a figure (FIELD 4) or its CPU (5), or n/a.
get()
{
	awk -v l="$1" -v u="$2" -v p="$3" -v f="${4:-4}" '
		$1 == l && $2 == u && $3 == p { v = $f }
		END { print v == "" ? "n/a" : v }' "$T/results"
}

# row LABEL USER NAME: one line of the table (tabs between cells).
row()
{
	_d=$(get "$1" "$2" direct)
	_a=$(get "$1" "$2" airlock)
	_r=$(get "$1" "$2" reuse)
	_b=$(get "$1" "$2" pgbouncer)
	_ar=$(bench_ratio "$_a" "$_d")
	# What the issue asks, and whether it holds (its bounds are for
	# plaintext legs).
	_tgt=- _met=-
	case ${TLS:+tls-}$1-$2 in
	connect-trust) _tgt="airlock/direct <= 1.15"
		_met=$(bench_met "$_ar" "<=" 1.15) ;;
	connect-scram) _tgt="airlock/direct <= 1.0"
		_met=$(bench_met "$_ar" "<=" 1.0) ;;
	connect-c4-*)
		[ "$2" = trust ] && _b0=0.90 || _b0=1.0
		_tgt="airlock/direct >= $_b0; reuse >= pgbouncer"
		_met="$(bench_met "$_ar" ">=" "$_b0");"
		_met="$_met $(bench_met "$(bench_ratio "$_r" "$_b")" ">=" 1)" ;;
	select-c8-*|select-c32-*)
		_tgt="airlock/direct >= 0.85; airlock >= pgbouncer"
		_met="$(bench_met "$_ar" ">=" 0.85);"
		_met="$_met $(bench_met "$(bench_ratio "$_a" "$_b")" ">=" 1)" ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$3" \
	    "$_d" "$_a" "$_r" "$_b" "$_ar" "$(bench_ratio "$_r" "$_d")" \
	    "$(bench_ratio "$_b" "$_d")" "$(get "$1" "$2" airlock 5)" \
	    "$(get "$1" "$2" reuse 5)" "$(get "$1" "$2" pgbouncer 5)" \
	    "$_tgt" "$_met"
}

if [ -n "$TLS" ]; then
	echo "## PostgreSQL, TLS to the clients (regress/bench/pgtls.sh)"
	LEGS="TLS 1.3 on the client's leg (sslmode=require; airlock's"
	LEGS="$LEGS clientTLS with clientAuth none, PgBouncer's"
	LEGS="$LEGS client_tls_sslmode require, both with an EC P-256"
	LEGS="$LEGS certificate), plaintext to the backend"
else
	echo "## PostgreSQL (regress/bench/pg.sh)"
	LEGS="no TLS on any leg"
fi
echo
echo "pgbench runs of $SECS s, COPY of $COPY_BYTES bytes; TCP 127.0.0.1," \
    "$LEGS. Paths: direct, airlock, reuse (airlock with" \
    "backend reuse: $([ -n "$REUSE" ] && echo "$REUSE_SETTING" ||
    echo "not in this build, n/a")), pgbouncer ($([ -n "$PGBOUNCER" ] &&
    echo "session pooling, auth_type trust" || echo "not installed, n/a"))."
echo "airlock: $POOL."
echo "CPU: µs per transaction of the path's own processes (airlockd and" \
    "its workers; PgBouncer)."
for u in trust scram; do
	echo
	echo "### $u backend user (${u}_user)"
	echo
	{
		printf '%s\t' run direct airlock reuse pgbouncer \
		    airlock/direct reuse/direct pgbouncer/direct \
		    "CPU airlock" "CPU reuse" "CPU pgbouncer" target
		printf 'met\n'
		row connect "$u" "connect + SELECT 1 (ms)"
		row connect-c4 "$u" "-S -C -c4 (tps)"
		row select-c1 "$u" "-S -c1 (tps)"
		row select-c8 "$u" "-S -c8 (tps)"
		row select-c32 "$u" "-S -c32 (tps)"
		[ "$u" = trust ] && row copy "$u" "COPY out (s)"
	} | bench_table
done
echo
echo "Ratios are of the figures as printed: for ms and s lower is better," \
    "for tps higher."
exit 0
