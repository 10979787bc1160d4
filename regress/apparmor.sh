# Tracing airlockd for the AppArmor profiles (regress/tools/aacheck.py), for
# regress/t/apparmor-profiles.sh and deb-package.sh; sourced after lib.sh.

# start_airlock_traced BINARY CONFIG: start_airlock, from / as under
# systemd, with BINARY under strace -f, which follows the workers; -yy
# names each descriptor's file or socket, which aacheck.py needs.  The
# trace goes to $T/strace.log.  AIRLOCK_PID is airlockd's; STRACE_PID is
# strace's, in front of it, which the caller waits for after stop_airlock.
start_airlock_traced()
{
	cat >"$T/traced" <<TRACED
#!/bin/sh
exec strace -f -yy -qq -s 256 -o "$T/strace.log" \\
    -e trace=%file,%process,%network,fchdir,mmap "$1" "\$@"
TRACED
	chmod 0755 "$T/traced" || fail "chmod $T/traced"
	cd / || fail "cd /"
	_tree_airlockd=$AIRLOCKD
	AIRLOCKD=$T/traced
	start_airlock "$2"
	AIRLOCKD=$_tree_airlockd
	STRACE_PID=$AIRLOCK_PID
	AIRLOCK_PID=$(pgrep -P "$STRACE_PID" -x airlockd) ||
	    fail "no airlockd under strace $STRACE_PID"
	AIRLOCK_PIDS="$AIRLOCK_PID $AIRLOCK_PIDS"
}

# aa_allowed [--map OLD=NEW]... PROFILE...: every access in $T/strace.log
# is allowed by the profiles, and the trace has calls of both airlockd and
# a worker (a trace without one proves nothing).  AA_CHECKED: aacheck.py's
# count of the calls it checked.
aa_allowed()
{
	AA_CHECKED=$(/usr/bin/python3 "$TOP/regress/tools/aacheck.py" "$@" \
	    "$T/strace.log") || fail "accesses the profiles do not allow:
$AA_CHECKED"
	echo "$AA_CHECKED" | grep -Eq \
	    '^checked: airlock-worker [0-9]+ calls, airlockd [0-9]+ calls$' ||
	    fail "the trace did not have both airlockd and a worker: $AA_CHECKED"
}
