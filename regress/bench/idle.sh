# What idle connections cost: IDLE_N PostgreSQL connections held open and
# idle (regress/bench/idleclient.py: startup, ReadyForQuery, then
# nothing), directly, through airlock and through PgBouncer; for each,
# the memory per connection (a worker's USS: Private_Clean + Private_Dirty
# of /proc/PID/smaps_rollup; a backend's for the direct path, for scale:
# the backend is not airlock's cost) and the proxy's own RSS and open
# descriptors.  Not part of the test suite: `make bench` runs it.
#
#	IDLE_N=1000	connections held at once (10000 works here, with the
#			settings below)
#	IDLE_SAMPLE=100	connections of the first round (all paths, and the
#			airlock worker with a TLS backend leg)
#	KEEP=1		keep the temporary directory
#
# The settings README tells users to change for many connections, as set
# here: ulimit -n (this shell's, which airlockd, PgBouncer and the client
# inherit; the systemd unit's LimitNOFILE), airlock's maxWorkers, and the
# backend's max_connections; pid_max must leave room for a worker per
# connection (checked).
#
# First IDLE_SAMPLE connections on every path: direct as trust_user;
# airlock with a plaintext backend leg (sslmode: disable) and with a TLS
# one (sslmode: require); PgBouncer.  Then, if IDLE_N is more, IDLE_N
# through airlock's plaintext leg and through PgBouncer.  The backends of
# IDLE_N direct connections must fit in half the available memory (from
# the USS the sample measured): if not, airlock's IDLE_N go to PgBouncer
# instead (in transaction pooling, which holds thousands of idle clients
# on a few backends: a plaintext PostgreSQL leg all the same), and the
# direct row of that round is n/a.  PgBouncer runs in transaction pooling
# throughout, its cheapest mode for idle clients.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/bench/report.sh"

N=${IDLE_N:-1000}
SAMPLE=${IDLE_SAMPLE:-100}
bench_whole "IDLE_N, IDLE_SAMPLE" "$N" "$SAMPLE"
[ "$SAMPLE" -le "$N" ] || SAMPLE=$N
require_root
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] ||
    skip "no pgbouncer"

# Per connection: the client's socket, airlockd's channel to the worker
# (the workers share one stderr socket), PgBouncer's two sockets; and
# spares.
NOFILE=$((4 * N + 1024))
[ "$NOFILE" -ge 65536 ] || NOFILE=65536
# Without CAP_SYS_RESOURCE (a container), the hard limit is as far as it
# goes: said in the notes.
if ! ulimit -n "$NOFILE" 2>/dev/null; then
	NOFILE="$(ulimit -H -n) (the hard limit: $NOFILE was refused)"
	ulimit -n "$(ulimit -H -n)"
fi
PIDMAX=$(cat /proc/sys/kernel/pid_max)
[ "$PIDMAX" -gt $((2 * N + 2000)) ] ||
    fail "pid_max is $PIDMAX: raise it (sysctl kernel.pid_max) above" \
    "$((2 * N + 2000)) for $N workers and what else runs"

pg_start "max_connections = $((SAMPLE + 100))"
PG_POSTMASTER=$(head -n 1 "$PG_DATA/postmaster.pid")
PA=$(free_port)
PT=$(free_port)
PX=$(free_port)

# PgBouncer, in transaction pooling: idle clients hold no backend.
bench_pgbouncer '"trust_user" ""' "pool_mode = transaction" \
    "listen_backlog = 4096" "max_client_conn = $((N + 100))" \
    "default_pool_size = 10"

# The airlock services: a plaintext and a TLS leg to PostgreSQL, and a
# plaintext leg to PgBouncer (for IDLE_N backends that would not fit).
{
	airlock_head "logLevel: info" "maxWorkers: $((N + 100))"
	pg_service idle-plain "$PA" trust_user disable
	pg_service idle-tls "$PT" trust_user require
	pgport=$PG_PORT
	PG_PORT=$PB
	pg_service idle-bouncer "$PX" trust_user disable
	PG_PORT=$pgport
} >"$T/airlock.yml"
AIRLOCK_FLAGS=-D start_airlock "$T/airlock.yml"

# uss PID...: "mean max" of the processes' USS, KiB (one awk for them
# all: a figure over 10,000 processes must not be split as xargs would).
uss()
{
	for _p in "$@"; do
		echo "/proc/$_p/smaps_rollup"
	done | awk '
		{
			cur = 0
			while ((getline l <$0) > 0)
				if (l ~ /^Private_(Clean|Dirty):/) {
					split(l, f, " ")
					cur += f[2]
				}
			close($0)
			n++
			sum += cur
			if (cur > max)
				max = cur
		}
		END { printf "%.0f %d\n", sum / n, max }'
}

# rss_fds PID: "RSS fds" of a process (RSS in KiB).
rss_fds()
{
	echo "$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status")" \
	    "$(ls "/proc/$1/fd" | wc -l)"
}

# members PATH: the processes that hold one connection each: airlockd's
# workers with a client (more than the channel's socket: a pooled worker
# waiting for its connection has one), the backends of trust_user.
members()
{
	case $1 in
	airlock*)
		for _p in $(pgrep -P "$AIRLOCK_PID"); do
			echo "/proc/$_p/fd"
		done | xargs -r sh -c 'find "$@" -lname "socket:*" \
		    -printf "%h\n" 2>/dev/null' sh | sort | uniq -c |
		    awk '$1 >= 2 { split($2, a, "/"); print a[3] }' ;;
	direct)
		pgrep -P "$PG_POSTMASTER" -f "postgres: trust_user" ;;
	esac
}

# hold PATH PORT COUNT: hold COUNT idle connections through the path, and
# leave one result line: path, count, per-connection USS mean and max,
# the proxy's RSS and fds.
hold()
{
	_out=$T/idle-$1-$3.out
	python3 "$TOP/regress/bench/idleclient.py" 127.0.0.1 "$2" trust_user \
	    "$3" >"$_out" 2>&1 &
	_cl=$!
	at_exit "kill $_cl"
	_n=$(($3 / 5 + 120))
	until grep -qs '^ready' "$_out" || ! kill -0 "$_cl" 2>/dev/null; do
		[ "$_n" -gt 0 ] || break
		sleep 1
		_n=$((_n - 1))
	done
	_held=$(sed -n 's/^ready //p' "$_out")
	[ -n "$_held" ] || { kill "$_cl" 2>/dev/null;
	    fail "$1: $3 connections not ready: $(tail -n 5 "$_out")"; }
	[ "$_held" = "$3" ] || echo "$1: $_held of $3 held:" \
	    "$(grep idleclient: "$_out")" >&2
	_m=$(members "$1")
	_u="n/a n/a"
	# shellcheck disable=SC2086
	[ -n "$_m" ] && _u=$(uss $_m)
	case $1 in
	airlock*) _rf=$(rss_fds "$AIRLOCK_PID") ;;
	pgbouncer) _rf=$(rss_fds "$PGB_PID") ;;
	direct) _rf=$(rss_fds "$PG_POSTMASTER") ;;
	esac
	echo "$1 $3 $_held $(echo "$_m" | grep -c .) $_u $_rf" >>"$T/results"
	kill "$_cl"
	wait "$_cl"
	# The workers of this round are gone before the next starts.
	_n=300
	while [ "$(members "$1" | grep -c .)" -gt 0 ] && [ "$_n" -gt 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
}

hold direct "$PG_PORT" "$SAMPLE"
hold airlock-plain "$PA" "$SAMPLE"
hold airlock-tls "$PT" "$SAMPLE"
hold pgbouncer "$PB" "$SAMPLE"

LEG="PostgreSQL"
if [ "$N" -gt "$SAMPLE" ]; then
	# N workers must fit in 80% of the available memory, and N
	# backends with them in half of it for a round to PostgreSQL, from
	# the sample's largest.
	worker=$(awk '$1 == "airlock-plain" { print $6 }' "$T/results")
	backend=$(awk '$1 == "direct" { print $6 }' "$T/results")
	avail=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
	[ $((worker * N)) -lt $((avail * 4 / 5)) ] ||
	    fail "$N workers of $worker KiB would not fit in 80% of the" \
	    "available memory ($((avail / 1024)) MiB)"
	if [ $(((worker + backend) * N)) -lt $((avail / 2)) ]; then
		echo "max_connections = $((N + 100))" >>"$PG_DATA/postgresql.conf"
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" -w -t 60 \
		    -l "$PG_DIR/log" -m fast restart >"$T/pg_restart.log" 2>&1 ||
		    fail "PostgreSQL restart: $(tail -n 5 "$PG_DIR/log")"
		PG_POSTMASTER=$(head -n 1 "$PG_DATA/postmaster.pid")
		hold direct "$PG_PORT" "$N"
		hold airlock-plain "$PA" "$N"
	else
		LEG="PgBouncer (transaction pooling) in front of PostgreSQL:"
		LEG="$LEG $N backends of $backend KiB and as many workers of"
		LEG="$LEG $worker KiB would not fit in half of the"
		LEG="$LEG $((avail / 1024)) MiB available"
		echo "direct $N 0 n/a n/a n/a n/a n/a" >>"$T/results"
		hold airlock-bouncer "$PX" "$N"
	fi
	hold pgbouncer "$PB" "$N"
fi
airlock_alive || fail "airlockd died during the benchmark"

echo "## Idle connections (regress/bench/idle.sh)"
echo
echo "$SAMPLE, then $N idle PostgreSQL connections (startup and" \
    "ReadyForQuery, then nothing) per path, each round alone. USS:" \
    "Private_Clean + Private_Dirty of the process that holds one connection" \
    "(airlock's worker; for direct, PostgreSQL's backend, for scale: it is" \
    "not airlock's cost). RSS and fds: airlockd, PgBouncer, or the" \
    "postmaster."
echo
{
	printf 'path\tconnections\theld\tprocesses\tUSS mean KiB\t'
	printf 'USS max KiB\tproxy RSS KiB\tproxy fds\ttarget\tmet\n'
	while read -r p n held procs mean max rss fds; do
		tgt=- met=-
		case $p in
		airlock-plain|airlock-bouncer) tgt="USS mean <= 512"
			met=$(bench_met "$mean" "<=" 512) ;;
		esac
		if [ "$p" = airlock-plain ] || [ "$p" = airlock-bouncer ] &&
		    [ "$n" -gt "$SAMPLE" ]; then
			tgt="$tgt; $n held"
			met="$met; $([ "$held" = "$n" ] && echo yes || echo no)"
		fi
		[ "$p" = direct ] && [ "$rss" != n/a ] && rss="$rss (postmaster)"
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$p" \
		    "$n" "$held" "$procs" "$mean" "$max" "$rss" "$fds" "$tgt" \
		    "$met"
	done <"$T/results"
} | bench_table
echo
echo "airlock-plain: a plaintext backend leg (sslmode: disable);" \
    "airlock-tls: sslmode: require to the same PostgreSQL;" \
    "airlock-bouncer: a plaintext leg to PgBouncer. The round of $N went" \
    "to $LEG. Settings: ulimit -n $NOFILE, maxWorkers $((N + 100))," \
    "pid_max $PIDMAX, and max_connections $((N + 100)) for a round of $N" \
    "to PostgreSQL."
# What limits the count: airlockd's descriptors per connection, from the
# two rounds (the listeners and the pool are in both).
[ "$N" -le "$SAMPLE" ] || awk -v s="$SAMPLE" -v hard="$(ulimit -H -n)" '
	$1 ~ /^airlock-(plain|bouncer)$/ { f[$2] = $8; h[$2] = $3 }
	END {
		for (n in f)
			if (n != s)
				break
		if (!(s in f) || !(n in f) || h[n] == s)
			exit
		per = (f[n] - f[s]) / (h[n] - s)
		printf "\nairlockd holds %.2f descriptors per connection:", per
		printf " with a hard RLIMIT_NOFILE of %d, one airlockd holds", hard
		printf " %d connections at most.\n", (hard - (f[s] - s * per)) / per
	}' "$T/results"
exit 0
