# The pool of idle workers (monitor/pool.c): workers started and
# sandboxed before their clients come, holding no service's data.
#	(a) a client is served by an idle worker that existed before it came
#	    (a hit on /metrics); the pool refills to workerPoolMinIdle;
#	(b) an idle worker holds nothing of the service: not its password,
#	    which airlockd has resolved for a connection before;
#	(c) a burst larger than the pool is served all the same (misses), and
#	    the pool grows for it;
#	(d) an idle worker killed by SIGKILL is logged, counted and replaced;
#	(e) a reload that changes what a worker is started with (its memory
#	    limit) retires the idle workers (new pids, the old ones gone); a
#	    reload that changes nothing of it keeps them;
#	(f) draining kills the idle workers at once, while a session runs on;
#	(g) workerPoolMinIdle 0: no idle worker process at all, clients served;
#	    then raised to 4 by a reload: airlockd holds one descriptor per
#	    idle worker (its channel; the workers share one stderr socket);
#	(h) a worker executable that dies at start does not make airlockd
#	    spin: the starts over a few seconds are few (back-off);
#	(i) an idle worker that sends a request before its assignment, or
#	    floods its stderr, is killed (regress/tools/rogueworker), and the
#	    pool starts afresh; the flood's lines are logged as that worker's;
#	    an idle worker that shuts the workers' stderr socket down, or
#	    makes it non-blocking, gets it replaced: the workers started
#	    after it have their stderr logged.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/residency.sh"

require_root
command -v curl >/dev/null || skip "curl is needed"
ROGUE=$TOP/regress/tools/rogueworker
[ -x "$ROGUE" ] || fail "$ROGUE not built (make)"

# metric NAME: its value on /metrics (the first series of that name).
metric()
{
	curl -s --max-time 10 "http://127.0.0.1:$H/metrics" |
	    awk -v n="$1" 'index($0, n " ") == 1 { print $NF; exit }'
}

# wait_metric NAME VALUE [SECONDS]: until NAME is VALUE, 10 s at most.
wait_metric()
{
	_n=$(( ${3:-10} * 5 ))
	while [ "$_n" -gt 0 ]; do
		[ "$(metric "$1")" = "$2" ] && return 0
		sleep 0.2
		_n=$((_n - 1))
	done
	fail "$1 is $(metric "$1"), not $2, after ${3:-10} s"
}

# idle_pids: the idle workers now: started by the pool, not taken, alive.
idle_pids()
{
	{
		pgrep -P "$AIRLOCK_PID" | sed 's/^/child /'
		cat "$AIRLOCK_LOG"
	} | awk '$1 == "child" { kid[$2] = 1; next }
	    / worker pool: worker [0-9]+ started/ {
		for (i = 1; i < NF; i++) if ($i == "worker" && $(i + 1) ~ /^[0-9]+$/)
		    pool[$(i + 1)] = 1 }
	    /: worker [0-9]+ started \(from the pool\)/ {
		for (i = 1; i < NF; i++) if ($i == "worker" && $(i + 1) ~ /^[0-9]+$/)
		    taken[$(i + 1)] = 1 }
	    END { for (p in pool) if (kid[p] && !taken[p]) print p }'
}

# gone PID SECONDS WHAT: PID ends within SECONDS, or the test fails.
gone()
{
	_n=$(($2 * 10))
	while [ "$_n" -gt 0 ] && kill -0 "$1" 2>/dev/null; do
		sleep 0.1
		_n=$((_n - 1))
	done
	kill -0 "$1" 2>/dev/null && fail "$3"
	return 0
}

# children: airlockd's live children.
children()
{
	pgrep -P "$AIRLOCK_PID" | wc -l
}

pg_start
P=$(free_port)
H=$(free_port)
write_config()
{
	{
		airlock_head "health: 127.0.0.1:$H" "workerPoolMinIdle: 2" \
		    "workerPoolMaxIdle: 6" "$@"
		pg_service pg-scram "$P" scram_user disable \
		    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	} >"$T/airlock.yml"
}
write_config
start_airlock "$T/airlock.yml"

# (a) A hit, then the refill.
wait_metric 'airlock_worker_pool_idle{kind="plain"}' 2
before=$(idle_pids | sort -n | tr '\n' ' ')
out=$(airlock_psql "$P" "select 'served'" 2>&1) || fail "(a) psql: $out"
[ "$out" = served ] || fail "(a) got '$out'"
w=$(sed -nE 's/.*\] pg-scram#[0-9]+: worker ([0-9]+) started.*/\1/p' \
    "$AIRLOCK_LOG")
grep -Eq "pg-scram#[0-9]+: worker $w started \(from the pool\)" \
    "$AIRLOCK_LOG" || fail "(a) the client's worker $w was not the pool's"
case " $before" in
*" $w "*) ;;
*) fail "(a) worker $w was not idle before the client came ($before)" ;;
esac
[ "$(metric airlock_worker_pool_hits_total)" = 1 ] ||
    fail "(a) hits: $(metric airlock_worker_pool_hits_total)"
ok "(a) served by worker $w, idle before its client came; a hit"
wait_metric 'airlock_worker_pool_idle{kind="plain"}' 2
wait_metric airlock_worker_pool_spawned_total 3
ok "(a) the pool refilled to 2 (3 started in all)"

# (b) The monitor has resolved the password (for pg-scram#1); the idle
# workers started since hold neither it nor the service's name.
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/password"
printf '%s' "pg-scram" >"$T/svcname"
printf '%s' "$T/empty" >"$T/chrootpath"
for p in $(idle_pids); do
	residency_scan "(b) idle worker $p" "$p" "$T/password" "the password"
	residency_scan "(b) idle worker $p" "$p" "$T/svcname" "the service name"
	residency_found "(b) idle worker $p" "$p" "$T/chrootpath" "its chroot"
done
ok "(b) idle workers hold neither the password nor the service's name"

# (c) A burst: 12 connections opened at once against 2 idle workers (each
# gets its worker, the pool's or a new one), then 6 sessions at once.
n0=$(grep -c "pg-scram#[0-9]*: worker [0-9]* started" "$AIRLOCK_LOG")
python3 - "$P" <<'EOF2' || fail "(c) the burst of connections failed"
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
     for i in range(12)]
time.sleep(1)
EOF2
n=$(($(grep -c "pg-scram#[0-9]*: worker [0-9]* started" "$AIRLOCK_LOG") - n0))
[ "$n" = 12 ] || fail "(c) $n workers for 12 connections"
m=$(metric airlock_worker_pool_misses_total)
[ "$m" -ge 1 ] || fail "(c) no miss counted for 12 connections at once"
i=0
while [ "$i" -lt 6 ]; do
	airlock_psql "$P" "select pg_sleep(1), 'burst'" >"$T/burst.$i" 2>&1 &
	eval "b$i=$!"
	i=$((i + 1))
done
i=0
while [ "$i" -lt 6 ]; do
	eval "wait_pid \$b$i 30" || fail "(c) client $i: $(cat "$T/burst.$i")"
	grep -q burst "$T/burst.$i" || fail "(c) client $i: $(cat "$T/burst.$i")"
	i=$((i + 1))
done
ok "(c) 12 connections at once: a worker each, $m miss(es); 6 sessions at" \
    "once all served ($(metric airlock_worker_pool_hits_total) hits in all)"
t=$(curl -s --max-time 10 "http://127.0.0.1:$H/ready?full=1" |
    sed -nE 's/.*"plain":\{"idle":[0-9]+,"target":([0-9]+)\}.*/\1/p')
[ -n "$t" ] && [ "$t" -gt 2 ] && [ "$t" -le 6 ] ||
    fail "(c) the pool's target is '$t' after the misses (2 to 6)"
ok "(c) the misses raised the pool's target to $t (workerPoolMaxIdle 6)"
# It shrinks back to workerPoolMinIdle when no miss comes (POOL_TICK_MS).
wait_metric 'airlock_worker_pool_idle{kind="plain"}' 2 30
ok "(c) back to 2 idle workers"

# (d) An idle worker killed from outside is replaced.
wait_metric 'airlock_worker_pool_idle{kind="plain"}' 2 20
victim=$(idle_pids | head -n 1)
[ -n "$victim" ] || fail "(d) no idle worker"
kill -KILL "$victim"
wait_for_log "idle worker $victim died of signal 9" 5 ||
    fail "(d) the death of idle worker $victim was not logged"
wait_metric airlock_worker_pool_died_total 1
wait_metric 'airlock_worker_pool_idle{kind="plain"}' 2
idle_pids | grep -qx "$victim" && fail "(d) $victim still counted"
ok "(d) idle worker $victim killed: logged, counted, replaced"

# (e) A reload that keeps the workers' arguments keeps the idle workers;
# one that changes the memory limit retires them.
old=$(idle_pids | sort -n | tr '\n' ' ')
write_config "idleTimeout: 1h"
reload_airlock HUP || fail "(e) reload: $RELOAD_LINE"
sleep 0.5
[ "$(idle_pids | sort -n | tr '\n' ' ')" = "$old" ] ||
    fail "(e) idleTimeout changed the idle workers: $old -> $(idle_pids)"
ok "(e) a reload of idleTimeout keeps idle workers $old"
write_config "idleTimeout: 1h" "workerMemoryLimit: 96M"
reload_airlock HUP || fail "(e) reload: $RELOAD_LINE"
wait_for_log "2 idle worker\(s\) retired" 5 || fail "(e) none retired"
for p in $old; do
	gone "$p" 5 "(e) old idle worker $p still runs"
done
wait_metric 'airlock_worker_pool_idle{kind="plain"}' 2
for p in $(idle_pids); do
	case " $old" in
	*" $p "*) fail "(e) $p is one of the old idle workers" ;;
	esac
	# Its arguments (the ASan build's workers set no RLIMIT_AS).
	args=$(tr '\0' ' ' <"/proc/$p/cmdline")
	case "$args" in
	*" -m $((96 * 1024 * 1024)) "*) ;;
	*) fail "(e) idle worker $p was started as: $args" ;;
	esac
done
out=$(airlock_psql "$P" "select 'after'" 2>&1) && [ "$out" = after ] ||
    fail "(e) psql after the reload: $out"
ok "(e) workerMemoryLimit: the old idle workers ($old) are gone, new ones" \
    "were started with 96M"

# (f) Draining: the idle workers go at once; the session goes on.
airlock_session "$P" pg-scram "select pg_sleep(4), 'drained'" "$T/drain.out"
idle=$(idle_pids)
[ -n "$idle" ] || fail "(f) no idle worker before the drain"
kill -TERM "$AIRLOCK_PID"
for p in $idle; do
	gone "$p" 2 "(f) idle worker $p outlives the drain"
done
kill -0 "$WORKER_PID" 2>/dev/null || fail "(f) the session's worker is gone"
wait_pid "$SESSION_PID" 20 || fail "(f) session: $(cat "$T/drain.out")"
grep -q drained "$T/drain.out" || fail "(f) session: $(cat "$T/drain.out")"
ok "(f) draining killed idle workers $(echo $idle) at once; the session ended well"
stop_airlock

# (g) No pool.
{
	airlock_head "workerPoolMinIdle: 0"
	pg_service pg-scram "$P" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
} >"$T/nopool.yml"
start_airlock "$T/nopool.yml" "$T/nopool.log"
sleep 1
[ "$(children)" = 0 ] || fail "(g) $(children) worker(s) with workerPoolMinIdle 0"
out=$(airlock_psql "$P" "select 'on demand'" 2>&1) && [ "$out" = "on demand" ] ||
    fail "(g) psql: $out"
grep -q "worker pool" "$T/nopool.log" && fail "(g) the pool started workers"
ok "(g) workerPoolMinIdle 0: no worker before a client, and one for it"
# Each idle worker costs airlockd its channel, and no stderr pipe
# (monitor/stderr.c): 4 more descriptors for 4 idle workers, not 8.
n=50
while [ "$(children)" != 0 ] && [ "$n" -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(children)" = 0 ] || fail "(g) the client's worker outlives it"
fd0=$(ls "/proc/$AIRLOCK_PID/fd" | wc -l)
sed -i 's/workerPoolMinIdle: 0/workerPoolMinIdle: 4/' "$T/nopool.yml"
reload_airlock HUP || fail "(g) reload: $RELOAD_LINE"
n=100
while [ "$(children)" != 4 ] && [ "$n" -gt 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(children)" = 4 ] || fail "(g) $(children) idle workers, not 4"
fd4=$(ls "/proc/$AIRLOCK_PID/fd" | wc -l)
[ "$((fd4 - fd0))" = 4 ] ||
    fail "(g) airlockd holds $fd0 descriptors without idle workers and" \
    "$fd4 with 4: $(ls -l "/proc/$AIRLOCK_PID/fd")"
ok "(g) workerPoolMinIdle 4: $fd0 descriptors, then $fd4 (one per idle worker)"
stop_airlock

# (h) A worker executable that dies at start.
mkdir -m 0755 "$T/bin"
printf '#!/bin/sh\nexit 1\n' >"$T/bin/dies"
# Plaintext pg's image, beside it, dies the same way.
cp "$T/bin/dies" "$T/bin/airlock-worker-plain"
chmod 0755 "$T/bin/dies" "$T/bin/airlock-worker-plain"
{
	airlock_head "worker: $T/bin/dies"
	pg_service pg-scram "$P" scram_user disable
} >"$T/dies.yml"
start_airlock "$T/dies.yml" "$T/dies.log"
sleep 4
n=$(grep -c "worker pool: worker [0-9]* started" "$T/dies.log")
airlock_alive || fail "(h) airlockd died"
grep -q "starting none for" "$T/dies.log" || fail "(h) no back-off logged"
[ "$n" -le 40 ] || fail "(h) $n idle workers started in 4 s"
ok "(h) a worker that dies at start: $n starts in 4 s, then it backs off"
stop_airlock

# (i) An idle worker that asks before its assignment.
{
	airlock_head "worker: $ROGUE" "workerPoolMinIdle: 1"
	pg_service pg-scram "$P" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
} >"$T/rogue.yml"
: >"$T/empty.rogue-pool"
start_airlock "$T/rogue.yml" "$T/rogue.log"
wait_for_log "idle worker [0-9]+ killed: DIAL before its assignment" 10 \
    "$T/rogue.log" || fail "(i) the rogue idle worker was not killed"
grep -q "rogueworker: not killed" "$T/rogue.log" &&
    fail "(i) a rogue idle worker lived on"
wait_for_log "starting none for" 10 "$T/rogue.log" ||
    fail "(i) the pool did not back off from idle workers it had to kill"
echo stderr >"$T/empty.rogue-pool"
wait_for_log "idle worker [0-9]+ killed: stderr budget exceeded" 20 \
    "$T/rogue.log" || fail "(i) the idle worker's stderr flood went on"
# Every idle worker started now floods: each one's lines are logged under
# its pid, the one the kernel gave its datagrams, and within its own
# budget (the last may still be flooding).
pids=$(sed -nE 's/.*worker pool: worker ([0-9]+): worker stderr: flood.*/\1/p' \
    "$T/rogue.log" | sort -u)
[ -n "$pids" ] || fail "(i) no stderr line of an idle worker logged"
for p in $pids; do
	grep -q "worker pool: worker $p started" "$T/rogue.log" ||
	    fail "(i) stderr lines logged as worker $p's, not a worker's"
	[ "$(grep -c "worker pool: worker $p: worker stderr: " \
	    "$T/rogue.log")" -le 400 ] ||
	    fail "(i) more than its budget logged as worker $p's"
done
airlock_alive || fail "(i) airlockd died"
rm -f "$T/empty.rogue-pool"
out=$(airlock_psql "$P" "select 'honest'" 2>&1) && [ "$out" = honest ] ||
    fail "(i) psql after the rogue: $out"
ok "(i) an idle worker's DIAL before its assignment killed it, so did a" \
    "stderr flood; the pool backed off, and clients are served"

# The workers share one stderr socket (monitor/stderr.c): one that shuts
# it down, or makes it non-blocking, must not silence the workers after
# it.  The next start finds out and makes a new one, and the stderr of a
# worker started then (a flood, once the rogue has had its turn) is
# logged and budgeted again.
for how in shutdown nonblock; do
	n0=$(grep -c "killed: stderr budget exceeded" "$T/rogue.log")
	r0=$(grep -c "stderr socket was shut down or made non-blocking" \
	    "$T/rogue.log")
	echo "$how" >"$T/empty.rogue-pool"
	# A client takes the idle worker, if it is an honest one: the one
	# started for the pool then reads the file.  (It may be served by
	# the rogue, and fail.)
	airlock_psql "$P" "select 1" >/dev/null 2>&1 &
	n=300
	while [ "$(grep -c "stderr socket was shut down or made non-blocking" \
	    "$T/rogue.log")" = "$r0" ] && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	[ "$n" -gt 0 ] || fail "(i) $how: the spoiled stderr socket was kept"
	echo stderr >"$T/empty.rogue-pool"
	n=300
	while [ "$(grep -c "killed: stderr budget exceeded" \
	    "$T/rogue.log")" = "$n0" ] && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	[ "$n" -gt 0 ] ||
	    fail "(i) $how: no stderr of a worker started after it was logged"
	rm -f "$T/empty.rogue-pool"
	ok "(i) an idle worker's $how of the stderr socket: a new one, and" \
	    "the stderr of the workers after it is logged again"
done
exit 0
