# airlockd out of file descriptors: it neither crashes nor spins, and it
# serves again once descriptors are free.
#
# airlockd runs with RLIMIT_NOFILE barely above what it holds when idle
# (measured: its open descriptors after start plus 16); each connection
# costs it one descriptor while it lives (the worker's channel; the
# workers share one stderr socket), and a few more while it starts: the 5
# clients of part 2
# fit at once, no more.  Part 1: 30 concurrent clients; some are served, the others may
# fail, but never silently (airlock promises a log line for each, no
# crash, no spin, recovery).  Part 2 makes accept(2) itself fail,
# deterministically: the soft limit is lowered to the lowest free
# descriptor number, so that no new descriptor can exist
# (only the soft limit: raising a hard limit again needs CAP_SYS_RESOURCE,
# which root in a container may lack);
# airlockd must log the back-off ("pausing listeners") about once a second,
# keep the clients waiting in the listen backlog, and serve them once the
# limit is raised again.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
command -v prlimit >/dev/null || skip "prlimit (util-linux) not found"

CLIENTS=30
SPARE=16
HZ=$(getconf CLK_TCK)

pg_start
P=$(free_port)
{
	# Its children are counted as connections: no idle workers.
	airlock_head "workerPoolMinIdle: 0"
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"

# nfds PID: how many descriptors PID has open.
nfds()
{
	ls "/proc/$1/fd" | wc -l
}
# cpu_ticks PID: its user plus system time, in clock ticks (the fields
# after the command name, which has no spaces here).
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
# lowest_free_fd PID: the number the next descriptor of PID would get.
lowest_free_fd()
{
	ls "/proc/$1/fd" | sort -n | awk '$1 != n { exit } { n++ } END { print n }'
}
workers()
{
	pgrep -P "$AIRLOCK_PID" | wc -l
}

# What airlockd holds when it is idle, without a limit.
start_airlock "$T/airlock.yml"
base=$(nfds "$AIRLOCK_PID")
stop_airlock
N=$((base + SPARE))

# A soft limit below the hard one is only a default: airlockd takes the
# whole hard limit (each worker costs it up to two descriptors).
cat >"$T/airlockd-softfd" <<EOF
#!/bin/sh
exec prlimit --nofile=256:4096 -- $TOP/airlockd "\$@"
EOF
chmod 0755 "$T/airlockd-softfd"
AIRLOCKD=$T/airlockd-softfd
start_airlock "$T/airlock.yml"
grep -Eq "^Max open files +4096 +4096 " "/proc/$AIRLOCK_PID/limits" ||
    fail "the soft limit was not raised: $(grep "open files" \
    "/proc/$AIRLOCK_PID/limits")"
stop_airlock
ok "a soft limit of 256 under a hard one of 4096 is raised to 4096"

cat >"$T/airlockd-lowfd" <<EOF
#!/bin/sh
exec prlimit --nofile=$N:$N -- $TOP/airlockd "\$@"
EOF
chmod 0755 "$T/airlockd-lowfd"
AIRLOCKD=$T/airlockd-lowfd
start_airlock "$T/airlock.yml"
grep -Eq "^Max open files +$N +$N " "/proc/$AIRLOCK_PID/limits" ||
    fail "the limit did not apply: $(grep "open files" "/proc/$AIRLOCK_PID/limits")"
idle=$(nfds "$AIRLOCK_PID")
cpu0=$(cpu_ticks "$AIRLOCK_PID")
ok "airlockd holds $idle descriptors when idle; limit $N"

# Part 1: many more clients than descriptors.
pids=
for i in $(seq 1 "$CLIENTS"); do
	airlock_psql "$P" "select pg_sleep(3), 'client $i'" >"$T/c$i" 2>&1 &
	pids="$pids $!"
	at_exit "kill $!"
done
served=0
failed=0
i=0
for p in $pids; do
	i=$((i + 1))
	wait_pid "$p" 60
	rc=$?
	[ "$rc" -eq 124 ] && fail "client $i hangs (60 s)"
	if [ "$rc" -eq 0 ] && grep -q "client $i\$" "$T/c$i"; then
		served=$((served + 1))
	else
		failed=$((failed + 1))
	fi
done
airlock_alive || fail "airlockd died out of descriptors"
[ "$served" -gt 0 ] || fail "no client at all was served"
ok "$CLIENTS clients: $served served, $failed refused or closed; airlockd alive"
echo "    (failures: $(cat "$T"/c* | grep -Eo 'closed the connection unexpectedly|Too many open files|timeout expired' |
    sort | uniq -c | tr -s ' \n' ' '))"
# A client that accept(2) took but that found no descriptor for its
# worker is closed, never silently: each such failure is logged.
logged=$(grep -Ec "Too many open files|cannot start worker|cannot create a worker" \
    "$AIRLOCK_LOG")
[ "$logged" -ge "$failed" ] ||
    fail "$failed client(s) failed but airlockd logged only $logged line(s) about descriptors"
ok "airlockd logged $logged line(s) about descriptors for $failed failed client(s)"

n=100
while [ "$n" -gt 0 ] && [ "$(workers)" != 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(workers)" = 0 ] || fail "$(workers) worker(s) left after the clients ended"
out=$(airlock_psql "$P" "select 'recovered'" 2>&1) ||
    fail "no new connection after the storm: $out"
[ "$out" = recovered ] || fail "a new connection got '$out'"
# The last worker may still be on its way out.
n=50
while [ "$n" -gt 0 ] && { [ "$(workers)" != 0 ] ||
    [ "$(nfds "$AIRLOCK_PID")" -gt "$idle" ]; }; do
	sleep 0.1
	n=$((n - 1))
done
after=$(nfds "$AIRLOCK_PID")
[ "$after" -le "$idle" ] ||
    fail "airlockd holds $after descriptors when idle again, $idle before: leak:
$(ls -l "/proc/$AIRLOCK_PID/fd")"
ok "a new connection succeeds; $after descriptors held again"

# Part 2: not one descriptor left, so accept(2) fails with EMFILE.
from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
L=$(lowest_free_fd "$AIRLOCK_PID")
prlimit --pid "$AIRLOCK_PID" --nofile="$L:" ||
    fail "prlimit --pid $AIRLOCK_PID --nofile=$L:"
cpu1=$(cpu_ticks "$AIRLOCK_PID")
pids=
for i in 1 2 3 4 5; do
	airlock_psql "$P" "select 'waiter $i'" >"$T/w$i" 2>&1 &
	pids="$pids $!"
	at_exit "kill $!"
done
n=50
while [ "$n" -gt 0 ] && ! tail -n "+$from" "$AIRLOCK_LOG" |
    grep -q "Too many open files; pausing listeners"; do
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || fail "no 'pausing listeners' with no descriptor left"
ok "airlockd logged: $(tail -n "+$from" "$AIRLOCK_LOG" | grep -m 1 "pausing listeners" |
    sed 's/^.*\] //')"
# Hold the clients out for three seconds (libpq gives up after
# PGCONNECT_TIMEOUT, 10 s).
sleep 3
for p in $pids; do
	kill -0 "$p" 2>/dev/null ||
	    fail "a client did not wait in the backlog: $(cat "$T"/w*)"
done
cpu2=$(cpu_ticks "$AIRLOCK_PID")
pauses=$(tail -n "+$from" "$AIRLOCK_LOG" | grep -c "pausing listeners")
[ "$pauses" -le 6 ] ||
    fail "$pauses 'pausing listeners' lines in about 3 s: no back-off"
[ $((cpu2 - cpu1)) -lt "$HZ" ] ||
    fail "airlockd used $(((cpu2 - cpu1) * 1000 / HZ)) ms of CPU in 3 s without descriptors: it spins"
ok "the clients wait; $pauses back-off line(s), $(((cpu2 - cpu1) * 1000 / HZ)) ms of CPU in 3 s"

prlimit --pid "$AIRLOCK_PID" --nofile="$N:" ||
    fail "prlimit --pid $AIRLOCK_PID --nofile=$N:"
i=0
for p in $pids; do
	i=$((i + 1))
	wait_pid "$p" 20
	rc=$?
	[ "$rc" -eq 0 ] && grep -q "^waiter $i\$" "$T/w$i" ||
	    fail "waiting client $i (status $rc): $(cat "$T/w$i")"
done
ok "with descriptors again, the 5 waiting clients were served"

airlock_alive || fail "airlockd died"
cpu3=$(cpu_ticks "$AIRLOCK_PID")
[ $((cpu3 - cpu0)) -lt $((2 * HZ)) ] ||
    fail "airlockd used $(((cpu3 - cpu0) * 1000 / HZ)) ms of CPU in all: it spins"
ok "airlockd used $(((cpu3 - cpu0) * 1000 / HZ)) ms of CPU in all"
exit 0
