# airlockd cannot start a worker: the client's connection is closed at
# once (no hang), airlockd logs "cannot start worker", leaks nothing, lives
# on, and serves again as soon as workers can be started.
#	(a) the worker executable loses its execute permission (chmod 000 on
#	    the copy of airlock-worker-plain, plaintext pg's, beside the one
#	    named by "airlock: worker:");
#	(b) the process limit: airlockd runs as nobody (as in nonroot.sh) with
#	    a soft RLIMIT_NPROC of 1, which nobody's processes always reach,
#	    so that posix_spawn fails with EAGAIN.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root

nfds()
{
	ls "/proc/$1/fd" | wc -l
}
workers()
{
	pgrep -P "$AIRLOCK_PID" | wc -l
}

# refused LABEL PORT REASON-PATTERN: a client is refused promptly, and
# airlockd says why.
refused()
{
	_expect="cannot start worker"
	# Under valgrind, posix_spawn's child is not a vfork sharing the
	# parent's memory, so an exec failure cannot be reported back: the
	# child exits 127 instead, and that is what airlockd logs.
	[ "${AIRLOCK_SANITIZE:-}" = valgrind ] &&
	    _expect="$_expect|exited with status 127"
	_from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
	_t0=$(date +%s)
	_out=$(airlock_psql "$2" "select 'should not run'" 2>&1) &&
	    fail "$1: the client was served: $_out"
	_secs=$(($(date +%s) - _t0))
	[ "$_secs" -le 5 ] || fail "$1: the client waited $_secs s to be refused"
	echo "$_out" | grep -q "closed the connection unexpectedly" ||
	    fail "$1: unexpected client error: $_out"
	ok "$1: the client's connection was closed in ${_secs}s"
	_n=50
	while [ "$_n" -gt 0 ]; do
		_line=$(tail -n "+$_from" "$AIRLOCK_LOG" |
		    grep -m 1 -E "$_expect")
		[ -n "$_line" ] && break
		sleep 0.1
		_n=$((_n - 1))
	done
	[ -n "$_line" ] || fail "$1: airlockd did not log 'cannot start worker'"
	echo "$_line" | grep -q "exited with status 127" ||
	    echo "$_line" | grep -Eq "$3" ||
	    fail "$1: the log line does not give the reason ($3): $_line"
	ok "$1: airlockd logged: $(echo "$_line" | sed 's/^.*\] //')"
	airlock_alive || fail "$1: airlockd died"
}

# served LABEL PORT: a client is served, at the first try (airlockd keeps
# no memory of a failed start).
served()
{
	_out=$(airlock_psql "$2" "select 'served again'" 2>&1) ||
	    fail "$1: no service once workers can start: $_out"
	[ "$_out" = "served again" ] || fail "$1: the client got '$_out'"
	ok "$1: a client is served"
}

pg_start
mkdir "$T/bin"
cp "$TOP/airlockd" "$TOP/airlock-worker" "$TOP/airlock-worker-plain" "$T/bin/"
chmod 0755 "$T/bin" "$T/bin/airlockd" "$T/bin/airlock-worker" \
    "$T/bin/airlock-worker-plain"

# (a) The worker executable is there at start, then not executable.
P=$(free_port)
{
	# A start on demand must fail: no idle worker started before.
	airlock_head "worker: $T/bin/airlock-worker" "workerPoolMinIdle: 0"
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock-a.yml"
chmod 0644 "$T/airlock-a.yml"
start_airlock "$T/airlock-a.yml"
served "(a) before" "$P"
n=50
while [ "$n" -gt 0 ] && [ "$(workers)" != 0 ]; do
	sleep 0.1
	n=$((n - 1))
done
idle=$(nfds "$AIRLOCK_PID")
chmod 000 "$T/bin/airlock-worker-plain"
refused "(a) chmod 000" "$P" "airlock-worker-plain: Permission denied"
refused "(a) chmod 000, again" "$P" "Permission denied"
[ "$(workers)" = 0 ] || fail "(a) airlockd has $(workers) child(ren)"
[ "$(nfds "$AIRLOCK_PID")" -le "$idle" ] ||
    fail "(a) airlockd holds $(nfds "$AIRLOCK_PID") descriptors, $idle before"
ok "(a) no process and no descriptor left behind"
chmod 0755 "$T/bin/airlock-worker-plain"
served "(a) chmod 755" "$P"
stop_airlock

# (b) airlockd as nobody, with no process to spare.
command -v setpriv >/dev/null && command -v prlimit >/dev/null || {
	skip "(a) passed; (b) needs setpriv and prlimit (util-linux)"
}
AS_NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
# prlimit after the change of user: RLIMIT_NPROC is checked against the
# real user's processes, and setresuid over the limit would fail the exec.
cat >"$T/bin/airlockd-nproc" <<EOF
#!/bin/sh
exec $AS_NOBODY --inh-caps=-all --bounding-set=-all -- \
    prlimit --nproc=1: -- $T/bin/airlockd "\$@"
EOF
chmod 0755 "$T/bin/airlockd-nproc"
AIRLOCKD=$T/bin/airlockd-nproc
P=$(free_port)
{
	airlock_head
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock-b.yml"
chmod 0644 "$T/airlock-b.yml"
start_airlock "$T/airlock-b.yml"
grep -Eq "^Max processes +1 " "/proc/$AIRLOCK_PID/limits" ||
    fail "(b) the limit did not apply: $(grep "Max processes" "/proc/$AIRLOCK_PID/limits")"
[ "$(stat -c %U "/proc/$AIRLOCK_PID")" = nobody ] ||
    fail "(b) airlockd does not run as nobody"
idle=$(nfds "$AIRLOCK_PID")
refused "(b) RLIMIT_NPROC 1" "$P" "Resource temporarily unavailable"
refused "(b) RLIMIT_NPROC 1, again" "$P" "Resource temporarily unavailable"
[ "$(workers)" = 0 ] || fail "(b) airlockd has $(workers) child(ren)"
[ "$(nfds "$AIRLOCK_PID")" -le "$idle" ] ||
    fail "(b) airlockd holds $(nfds "$AIRLOCK_PID") descriptors, $idle before"
ok "(b) no process and no descriptor left behind"
# Back to the hard limit.  Only the soft limit moves: raising a hard limit
# needs CAP_SYS_RESOURCE, and without it (root in a container) only a
# process of the same user may change another's limits: nobody does it.
hard=$(awk '/^Max processes/ { print $4 }' "/proc/$AIRLOCK_PID/limits")
$AS_NOBODY -- prlimit --pid "$AIRLOCK_PID" --nproc="$hard:" ||
    fail "(b) cannot raise airlockd's RLIMIT_NPROC to $hard"
served "(b) RLIMIT_NPROC $hard" "$P"
exit 0
