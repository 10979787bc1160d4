# What maxWorkers asks of the limits (limits.c): airlockd raises its
# open-file soft limit to the hard one, so that a low soft limit does not
# stop it short of maxWorkers (a soft 64 carries about 50 connections, and
# 60 are held here at once, then one more is served); it says at start
# when the hard limit cannot carry maxWorkers, with the number it would
# need, and again at a reload that raises maxWorkers; and it says when the
# cgroup's pids.max (systemd's TasksMax=) cannot.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
command -v prlimit >/dev/null || skip "prlimit (util-linux) not found"
command -v python3 >/dev/null || skip "python3 not found"
skip_under valgrind "valgrind keeps RLIMIT_NOFILE to itself (airlockd's setrlimit never reaches the kernel, and /proc/PID/limits is valgrind's); ran in the plain and asan runs"

HELD=60
REAL=$AIRLOCKD

pg_start
P=$(free_port)
# conf MAXWORKERS: one trust service.
conf()
{
	{
		airlock_head "maxWorkers: $1" "workerPoolMinIdle: 0"
		pg_service pg-trust "$P" trust_user disable
	} >"$T/airlock.yml"
}
# limited SOFT:HARD [CGROUP]: airlockd started with these open-file limits
# (and in the cgroup's directory CGROUP).
limited()
{
	{
		echo "#!/bin/sh"
		[ -z "${2:-}" ] || echo "echo \$\$ >$2/cgroup.procs || exit 1"
		echo "exec prlimit --nofile=$1 -- $REAL \"\$@\""
	} >"$T/airlockd-limited"
	chmod 0755 "$T/airlockd-limited"
	AIRLOCKD=$T/airlockd-limited
}
workers()
{
	pgrep -P "$AIRLOCK_PID" | wc -l
}

# A soft limit below the hard one, which carries maxWorkers: raised, and
# nothing to say.
conf 1000
limited 256:4096
start_airlock "$T/airlock.yml"
soft=$(proc_limit "$AIRLOCK_PID" "Max open files")
[ "$soft" = 4096 ] || fail "the soft limit is $soft, not the hard 4096"
grep -E "open files, but|processes, but" "$AIRLOCK_LOG" &&
    fail "a warning, though the limits carry 1000 workers"
stop_airlock
ok "soft 256 under hard 4096 is raised to 4096 for maxWorkers 1000, silently"

# A hard limit too low: said once at start, with the number needed.
limited 256:1024
start_airlock "$T/airlock.yml"
pat="maxWorkers 1000 needs about ([0-9]+) open files, but the limit is 1024"
grep -Eq "$pat" "$AIRLOCK_LOG" || fail "no warning of the hard limit 1024"
need=$(sed -nE "s/.*$pat.*/\1/p" "$AIRLOCK_LOG" | head -n 1)
[ "$need" -gt 2000 ] || fail "needs $need: fewer than 2 per worker"
# What fits: the limit less what is not per worker, at 2 per worker.
beyond=$(sed -nE "s/.*$pat: connections beyond about ([0-9]+) .*/\2/p" \
    "$AIRLOCK_LOG" | head -n 1)
[ "$beyond" = $(((1024 - (need - 2000)) / 2)) ] ||
    fail "connections beyond about '$beyond' wait, for a need of $need"
ok "$(grep -E "$pat" "$AIRLOCK_LOG" | sed 's/^.*\] //')"
# A reload that raises maxWorkers says it again; one that does not, not.
conf 2000
reload_airlock HUP || fail "reload: $RELOAD_LINE"
grep -q "maxWorkers 2000 needs about" "$AIRLOCK_LOG" ||
    fail "no warning after a reload raised maxWorkers to 2000"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
[ "$(grep -c "maxWorkers 2000 needs about" "$AIRLOCK_LOG")" = 1 ] ||
    fail "a reload that did not raise maxWorkers warned again"
stop_airlock
ok "a reload that raises maxWorkers says it again, once"

# A soft limit of 64 (about 50 connections at one descriptor each) no
# longer stops airlockd: $HELD connections are held at once, each with its
# worker waiting for the client's startup packet, and one more is served.
conf 200
limited 64:4096
start_airlock "$T/airlock.yml"
idle=$(ls "/proc/$AIRLOCK_PID/fd" | wc -l)
[ "$HELD" -gt $((64 - idle)) ] ||
    fail "$HELD connections would fit in a soft limit of 64 anyway"
python3 -c '
import socket, sys, time
held = [socket.create_connection(("127.0.0.1", int(sys.argv[1])))
    for _ in range(int(sys.argv[2]))]
time.sleep(60)' "$P" "$HELD" &
HOLDER=$!
at_exit "kill $HOLDER"
n=300
while [ "$n" -gt 0 ] && [ "$(workers)" -lt "$HELD" ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(workers)" -ge "$HELD" ] ||
    fail "only $(workers) workers for $HELD connections held"
out=$(airlock_psql "$P" "select 'served'" 2>&1) ||
    fail "a connection beside the $HELD held: $out"
[ "$out" = served ] || fail "got '$out'"
grep -q "Too many open files" "$AIRLOCK_LOG" &&
    fail "airlockd ran out of descriptors"
ok "soft 64: $HELD connections held at once ($(ls "/proc/$AIRLOCK_PID/fd" |
    wc -l) descriptors), and one more served"
kill "$HOLDER"
wait "$HOLDER" 2>/dev/null
stop_airlock

# The cgroup's pids.max: a cgroup of the v1 pids controller, or of the
# unified hierarchy where it has the pids controller.
CG=
for d in /sys/fs/cgroup/pids /sys/fs/cgroup; do
	[ -f "$d/cgroup.procs" ] || continue
	[ "$d" = /sys/fs/cgroup ] &&
	    ! grep -qw pids "$d/cgroup.subtree_control" 2>/dev/null && continue
	mkdir "$d/airlock-test-$$" 2>/dev/null || continue
	CG=$d/airlock-test-$$
	at_exit "rmdir $CG"
	break
done
[ -n "$CG" ] || skip "no cgroup with a pids controller to make here"
echo 50 >"$CG/pids.max" || fail "cannot set $CG/pids.max"
conf 1000
limited 4096:4096 "$CG"
start_airlock "$T/airlock.yml"
grep -Eq "maxWorkers 1000 needs about [0-9]+ processes, but the cgroup's pids.max is 50" \
    "$AIRLOCK_LOG" || fail "no warning of pids.max 50"
ok "$(grep "pids.max is 50" "$AIRLOCK_LOG" | sed 's/^.*\] //')"
stop_airlock
exit 0
