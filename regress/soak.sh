#!/bin/sh
#
# Soak airlock: mixed load through one airlockd for a while, then check
# that nothing failed and that airlockd did not grow.
#
#	sh regress/soak.sh [DURATION_SECONDS]	default 60; e.g. 3600 by hand
#	KEEP=1 sh regress/soak.sh 600		... and keep the logs
#
# It starts a throwaway PostgreSQL and airlockd (a SCRAM service, logging at
# info level: two lines per connection) and runs, for the duration:
#	- pgbench -S -c 4 -R 500: four persistent clients, select-only, at
#	  500 transactions a second in all (unthrottled they would take every
#	  CPU and starve the connections that the soak is mostly about);
#	- pgbench -S -C -c 2: two clients that reconnect for every
#	  transaction (a new worker each time);
#	- a psql loop: one connection every 0.2 s that checks its answer.
# Then it prints a table of airlockd's resident memory (VmRSS) and open
# descriptors when idle after a warm-up and when idle at the end, and the
# load's figures.  Exit status 0 when no error happened (no failed or
# aborted transaction, no failed psql, no worker killed or dead of a
# signal, airlockd alive) and airlockd grew by at most 20% + 1 MiB of RSS
# and 2 descriptors; 1 otherwise; 77 when PostgreSQL is not installed.
. "$(dirname "$0")/lib.sh"
. "$TOP/regress/pg.sh"

DURATION=${1:-60}
case "$DURATION" in
''|*[!0-9]*) echo "usage: sh regress/soak.sh [DURATION_SECONDS]" >&2; exit 2 ;;
esac
[ "$DURATION" -ge 5 ] || { echo "soak: at least 5 seconds" >&2; exit 2; }

pg_start
P=$(free_port)
{
	# No idle workers of the pool: wait_idle counts airlockd's children
	# as connections that have not ended.
	airlock_head "logLevel: info" "maxWorkers: 100" "workerPoolMinIdle: 0"
	pg_service soak "$P" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
} >"$T/airlock.yml"
# Foreground without debug logging: a long soak would fill the disk.
AIRLOCK_FLAGS=-D
start_airlock "$T/airlock.yml"

rss()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$AIRLOCK_PID/status"
}
nfds()
{
	ls "/proc/$AIRLOCK_PID/fd" | wc -l
}
cpu_ms()
{
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' \
	    "/proc/$AIRLOCK_PID/stat"
}
workers()
{
	pgrep -P "$AIRLOCK_PID" | wc -l
}
# wait_idle: until airlockd has no worker left (30 s at most).
wait_idle()
{
	_n=300
	while [ "$_n" -gt 0 ] && [ "$(workers)" != 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	[ "$(workers)" = 0 ] || fail "airlockd still has $(workers) worker(s)"
	# Let the last channel close and the last line of log arrive.
	sleep 0.5
}
# figure NAME LOG: a number from pgbench's report.
figure()
{
	sed -n "s/^number of $1: \([0-9]*\).*/\1/p" "$2" | head -n 1
}

RATE=${SOAK_RATE:-500}
PGBENCH="pgbench -h 127.0.0.1 -p $P -U someoneelse -n"
timeout -k 5 120 pgbench -h 127.0.0.1 -p "$P" -U someoneelse -i -s 1 -q \
    postgres >"$T/pgbench-init.log" 2>&1 ||
    fail "pgbench -i: $(tail -n 20 "$T/pgbench-init.log")"

# Warm-up: the same kinds of load, briefly, so that the first figures are
# those of an airlockd that has served (allocator arenas, libevent's tables,
# OpenSSL's and libsodium's one-time state).
timeout -k 5 60 $PGBENCH -S -c 4 -j 2 -T 2 postgres >"$T/warm1.log" 2>&1 ||
    fail "warm-up pgbench: $(tail -n 20 "$T/warm1.log")"
timeout -k 5 60 $PGBENCH -S -C -c 2 -j 1 -T 2 postgres >"$T/warm2.log" 2>&1 ||
    fail "warm-up pgbench -C: $(tail -n 20 "$T/warm2.log")"
wait_idle
rss0=$(rss)
fds0=$(nfds)
cpu0=$(cpu_ms)
say "warm: RSS $rss0 KiB, $fds0 descriptors; load for ${DURATION}s"

from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
start=$(date +%s)
end=$((start + DURATION))
LIMIT=$((DURATION + 60))
timeout -k 5 "$LIMIT" $PGBENCH -S -c 4 -j 2 -R "$RATE" -T "$DURATION" postgres \
    >"$T/persistent.log" 2>&1 &
pb1=$!
at_exit "kill $pb1"
timeout -k 5 "$LIMIT" $PGBENCH -S -C -c 2 -j 1 -T "$DURATION" postgres \
    >"$T/reconnect.log" 2>&1 &
pb2=$!
at_exit "kill $pb2"
# The psql loop: bounded by the clock and by a count.
(
	i=0 good=0 bad=0
	while [ "$(date +%s)" -lt "$end" ] && [ "$i" -lt $((DURATION * 10)) ]; do
		i=$((i + 1))
		out=$(airlock_psql "$P" "select $i * 2" 2>&1)
		if [ "$out" = $((i * 2)) ]; then
			good=$((good + 1))
		else
			bad=$((bad + 1))
			echo "psql $i: $out" >>"$T/psql-errors"
		fi
		sleep 0.2
	done
	echo "$good $bad" >"$T/psql-counts"
) &
ploop=$!
at_exit "kill $ploop"

# Watch: airlockd alive, the peak of its RSS, descriptors and workers.
peak_rss=$rss0 peak_fds=$fds0 peak_workers=0
n=0
while [ "$(date +%s)" -lt "$end" ] && [ "$n" -lt $((DURATION + 10)) ]; do
	n=$((n + 1))
	sleep 1
	airlock_alive || fail "airlockd died under load"
	r=$(rss) f=$(nfds) w=$(workers)
	[ "$r" -gt "$peak_rss" ] && peak_rss=$r
	[ "$f" -gt "$peak_fds" ] && peak_fds=$f
	[ "$w" -gt "$peak_workers" ] && peak_workers=$w
done

errors=0
error()
{
	echo "soak: ERROR: $*" >&2
	errors=$((errors + 1))
}
for j in "$pb1 persistent" "$pb2 reconnect"; do
	set -- $j
	wait "$1"
	rc=$?
	[ "$rc" -eq 0 ] || error "pgbench ($2) exit status $rc: $(grep -E 'error|abort' "$T/$2.log" | head -n 5)"
done
wait "$ploop"
wait_idle
airlock_alive || fail "airlockd died"
rss1=$(rss)
fds1=$(nfds)
cpu1=$(cpu_ms)
secs=$(($(date +%s) - start))

tx1=$(figure "transactions actually processed" "$T/persistent.log")
tx2=$(figure "transactions actually processed" "$T/reconnect.log")
f1=$(figure "failed transactions" "$T/persistent.log")
f2=$(figure "failed transactions" "$T/reconnect.log")
[ -n "$tx1" ] && [ "$tx1" -gt 0 ] || error "persistent clients: no transaction"
[ -n "$tx2" ] && [ "$tx2" -gt 0 ] || error "reconnecting clients: no transaction"
[ "${f1:-0}" = 0 ] || error "persistent clients: $f1 failed transaction(s)"
[ "${f2:-0}" = 0 ] || error "reconnecting clients: $f2 failed transaction(s)"
grep -l "aborted" "$T/persistent.log" "$T/reconnect.log" >/dev/null 2>&1 &&
    error "aborted pgbench clients: $(grep -h aborted "$T/persistent.log" "$T/reconnect.log" | head -n 5)"
set -- $(cat "$T/psql-counts" 2>/dev/null)
pgood=${1:-0} pbad=${2:-0}
[ -s "$T/psql-counts" ] || error "the psql loop did not report"
[ "$pbad" = 0 ] || error "$pbad psql failure(s): $(head -n 5 "$T/psql-errors")"
[ "$pgood" -gt 0 ] || error "no psql connection succeeded"
conns=$(tail -n "+$from" "$AIRLOCK_LOG" | grep -c ": authenticated")
dead=$(grep -Ec "worker [0-9]+ (died of signal|killed)" "$AIRLOCK_LOG")
[ "$dead" = 0 ] || error "$dead worker(s) killed or dead of a signal: $(grep -E "worker [0-9]+ (died of signal|killed)" "$AIRLOCK_LOG" | head -n 5)"

rss_bound=$((rss0 + rss0 / 5 + 1024))
# Under AddressSanitizer freed memory sits in a quarantine of up to 256 MiB
# before it is reused: RSS grows by design, and LeakSanitizer checks leaks
# in that run instead.
[ "${AIRLOCK_SANITIZE:-}" = asan ] && rss_bound=none
fds_bound=$((fds0 + 2))
echo
echo "soak: ${secs}s of load through airlockd $AIRLOCK_PID"
printf '  %-26s %10s %10s %10s %10s\n' "airlockd" "warm" "peak" "end" "bound"
printf '  %-26s %10s %10s %10s %10s\n' "RSS (KiB)" "$rss0" "$peak_rss" "$rss1" "$rss_bound"
printf '  %-26s %10s %10s %10s %10s\n' "open descriptors" "$fds0" "$peak_fds" "$fds1" "$fds_bound"
printf '  %-26s %10s %10s %10s\n' "workers" 0 "$peak_workers" "$(workers)"
printf '  %-26s %10s\n' "CPU during the load (ms)" $((cpu1 - cpu0))
printf '  %-26s %10s\n' "RSS change per connection" \
    "$(((rss1 - rss0) * 1024 / (conns > 0 ? conns : 1))) B"
printf '  %-26s %10s %10s\n' "load" "done" "failed"
printf '  %-26s %10s %10s\n' "pgbench -S -c 4 -R $RATE (tx)" "${tx1:-0}" "${f1:-?}"
printf '  %-26s %10s %10s\n' "pgbench -S -C -c 2 (tx)" "${tx2:-0}" "${f2:-?}"
printf '  %-26s %10s %10s\n' "psql loop (connections)" "$pgood" "$pbad"
printf '  %-26s %10s %10s\n' "airlock connections" "$conns" "$dead"
echo

[ "$rss_bound" = none ] || [ "$rss1" -le "$rss_bound" ] ||
    error "airlockd's RSS grew from $rss0 to $rss1 KiB (bound $rss_bound)"
[ "$fds1" -le "$fds_bound" ] ||
    error "airlockd's descriptors grew from $fds0 to $fds1: $(ls -l "/proc/$AIRLOCK_PID/fd")"
if [ "$errors" -gt 0 ]; then
	# airlockd's warnings, rather than the last lines of a busy log.
	grep -E "\[(WARN|ERROR)\]" "$AIRLOCK_LOG" | tail -n 20 >&2
	stop_airlock
	fail "$errors error(s) in ${secs}s of soak"
fi
ok "soak of ${secs}s: no error, no growth"
exit 0
