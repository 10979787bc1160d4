#!/bin/sh
#
# The worker's sandbox (privsep/sandbox.c), seen from outside: what a
# sandboxed process may still do, what kills it, and what /proc says about
# its credentials, capabilities, limits and root directory.
#
# Run from the repository root; the probe is
# ${BUILDDIR:-.}/regress/tools/sandboxprobe.  As root the full sandbox is
# checked (chroot, uid drop, bounding set); otherwise only what an
# unprivileged process can apply (no_new_privs, capabilities, seccomp).

. "$(dirname "$0")/../lib.sh"
skip_under valgrind "runs the sandbox probe only, never airlockd; ran in the plain and asan runs"
# In the ASan build the probe exits inside the filter, where LeakSanitizer
# cannot run (it stops the world with clone and ptrace).
if [ "${AIRLOCK_SANITIZE:-}" = asan ]; then
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
	export ASAN_OPTIONS
fi

PROBE=${BUILDDIR:-.}/regress/tools/sandboxprobe
SIGSYS_STATUS=159	# 128 + SIGSYS (31), as sh reports a death by signal
ZEROCAP=0000000000000000

failed=0
n=0

ok()
{
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok()
{
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
}

# check DESCRIPTION: ok or not ok according to the status of the last test.
check()
{
	if [ "$?" -eq 0 ]; then ok "$1"; else not_ok "$1"; fi
}

if [ ! -x "$PROBE" ]; then
	not_ok "probe $PROBE not built (make regress/tools/sandboxprobe)"
	exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
	root=1
	uid=$(id -u nobody) || exit 1
	gid=$(getent group nogroup | cut -d: -f3)
	[ -n "$gid" ] || gid=$(id -g nobody) || exit 1
else
	root=0
	uid=$(id -u)
	gid=$(id -g)
	echo "# not root: checking only no_new_privs, capabilities and" \
	    "seccomp; chroot, uid drop and bounding set need root"
fi

tmp=$T		# lib.sh's: 0755, root's when root runs the test
# The chroot: empty, root-owned, 755.  Its canonical name is what
# /proc/PID/root shows.
root_dir=$tmp/empty
mkdir -m 755 "$root_dir"
root_dir=$(cd "$root_dir" && pwd -P)
bgpid=
at_exit 'if [ -n "$bgpid" ]; then kill "$bgpid"; fi'

# probe [-t] ACTION: run the probe; sets $st (status) and $out (stdout and
# stderr together: a pipe, never a regular file, since RLIMIT_FSIZE is 0).
# The braces catch the shell's own "Bad system call" report too.
probe()
{
	out=$( { "$PROBE" -u "$uid" -g "$gid" -c "$root_dir" "$@"; } 2>&1)
	st=$?
}

# expect STATUS ACTION WHY: the probe running ACTION exits with STATUS.
expect()
{
	probe "$2"
	if [ "$st" -eq "$1" ]; then
		ok "$2: $3"
	else
		not_ok "$2: $3 (status $st, expected $1)"
		[ -n "$out" ] && echo "$out" | sed 's/^/# /'
	fi
}

# Allowed: what the worker does after the sandbox.
expect 0 write "write to a descriptor it holds"
expect 0 getrandom "getrandom for OpenSSL and libsodium"
expect 0 malloc "malloc, realloc, sodium_malloc, mlock, madvise"
expect 0 fcntl "fcntl F_GETFL/F_SETFL (O_NONBLOCK)"
expect 0 sockopt "setsockopt TCP_NODELAY and SO_KEEPALIVE"
expect 0 send "send(2): sendto without an address"
expect 0 splice "pipe2, poll and splice for the relay"

# Forbidden: the default action kills the process with SIGSYS.
expect $SIGSYS_STATUS open "openat kills"
expect $SIGSYS_STATUS socket "socket kills"
expect $SIGSYS_STATUS connect "connect kills"
expect $SIGSYS_STATUS execve "execve kills"
expect $SIGSYS_STATUS fork "fork (clone) kills"
expect $SIGSYS_STATUS ptrace "ptrace kills"
expect $SIGSYS_STATUS keyctl "keyctl kills (airlockd's keys stay its own)"
expect $SIGSYS_STATUS kill "kill kills"
# The drop itself is proved irreversible inside sandbox_apply() (before the
# filter); after the filter, even trying is fatal.
expect $SIGSYS_STATUS setuid0 "setuid(0) kills"
expect $SIGSYS_STATUS mmap-exec "mmap with PROT_EXEC kills"
expect $SIGSYS_STATUS fcntl-dupfd "fcntl F_DUPFD kills"
expect $SIGSYS_STATUS sockopt-other "setsockopt SO_RCVBUF kills"
expect $SIGSYS_STATUS sendto-addr "sendto with an address kills"

# Harmless probes of glibc fail softly, with the errno that makes it fall
# back.
probe clone3
case $st:$out in
3:*ENOSYS*)	ok "clone3: fails with ENOSYS (glibc falls back to clone)" ;;
*)		not_ok "clone3: status $st, expected 3 and ENOSYS: $out" ;;
esac
probe isatty
case $st:$out in
3:*ENOTTY*)	ok "isatty: ioctl TCGETS fails with ENOTTY" ;;
*)		not_ok "isatty: status $st, expected 3 and ENOTTY: $out" ;;
esac
# libssh's fopen(known_hosts, "r") (the ssh connector): that exact open
# fails with EACCES; with O_CLOEXEC (above) or any other flag it kills.
probe open-read
case $st:$out in
3:*EACCES*|3:*"Permission denied"*)
	ok "open-read: openat O_RDONLY fails with EACCES" ;;
*)	not_ok "open-read: status $st, expected 3 and EACCES: $out" ;;
esac

# Debug mode: the trap names the syscall.
probe -t open
case $st:$out in
$SIGSYS_STATUS:*"airlock-worker: sandbox: syscall openat ("*") not permitted"*)
	ok "trap mode names openat" ;;
*)	not_ok "trap mode names openat (status $st): $out" ;;
esac
probe -t write
[ "$st" -eq 0 ]
check "trap mode: allowed calls still work"

# The process as /proc sees it, while it sleeps inside the sandbox.
"$PROBE" -u "$uid" -g "$gid" -c "$root_dir" sleep >/dev/null 2>&1 &
bgpid=$!
status=/proc/$bgpid/status
i=0
while [ $i -lt 50 ]; do
	grep -q '^Seccomp:[[:space:]]*2$' "$status" 2>/dev/null && break
	sleep 0.1
	i=$((i + 1))
done

# field NAME: the value(s) of a line of /proc/PID/status.
field()
{
	sed -n "s/^$1:[[:space:]]*//p" "$status" | tr -s ' \t' '  ' |
	    sed 's/ $//'
}

[ "$(field Seccomp)" = 2 ]
check "sleeping probe: Seccomp: 2 (filter mode)"
[ "$(field NoNewPrivs)" = 1 ]
check "sleeping probe: NoNewPrivs: 1"
for c in CapEff CapPrm CapInh CapAmb; do
	[ "$(field $c)" = $ZEROCAP ]
	check "sleeping probe: $c is empty"
done
limits=/proc/$bgpid/limits
grep -Eq '^Max open files +16 +16 ' "$limits"
check "sleeping probe: RLIMIT_NOFILE 16"
grep -Eq '^Max file size +0 +0 ' "$limits"
check "sleeping probe: RLIMIT_FSIZE 0"
grep -Eq '^Max core file size +0 +0 ' "$limits"
check "sleeping probe: RLIMIT_CORE 0"
grep -Eq '^Max processes +0 +0 ' "$limits"
check "sleeping probe: RLIMIT_NPROC 0"

if [ "$root" -eq 1 ]; then
	[ "$(field Uid)" = "$uid $uid $uid $uid" ]
	check "sleeping probe: Uid is $uid everywhere ($(field Uid))"
	[ "$(field Gid)" = "$gid $gid $gid $gid" ]
	check "sleeping probe: Gid is $gid everywhere ($(field Gid))"
	[ "$(field Groups)" = "$gid" ]
	check "sleeping probe: Groups is $gid alone"
	[ "$(field CapBnd)" = $ZEROCAP ]
	check "sleeping probe: CapBnd is empty"
	[ "$(readlink /proc/$bgpid/root)" = "$root_dir" ]
	check "sleeping probe: root is $root_dir"
	# A process that is not dumpable has its /proc files owned by root.
	[ "$(stat -c %u:%g "$status")" = 0:0 ]
	check "sleeping probe: not dumpable (/proc/PID/status owned by root)"
else
	[ "$(field Uid | cut -d' ' -f1)" != 0 ]
	check "sleeping probe: not root"
fi
kill "$bgpid" 2>/dev/null
wait "$bgpid" 2>/dev/null
bgpid=

# sandbox_apply() refuses what it must refuse (as root only: an
# unprivileged probe checks none of this).
if [ "$root" -eq 1 ]; then
	refuse()
	{
		if [ "$st" -eq 1 ] && echo "$out" | grep -q "$1"; then
			ok "refused: $2"
		else
			not_ok "refused: $2 (status $st): $out"
		fi
	}

	touch "$root_dir/file"
	probe write
	refuse "not empty" "a chroot directory that is not empty"
	rm -f "$root_dir/file"

	chmod 775 "$root_dir"
	probe write
	refuse "writable by group or others" "a group-writable chroot directory"
	chmod 755 "$root_dir"

	chown "$uid" "$root_dir"
	probe write
	refuse "not owned by root" "a chroot directory not owned by root"
	chown 0 "$root_dir"

	out=$( { "$PROBE" -u "$uid" -g "$gid" -c "$tmp/missing" write; } 2>&1)
	st=$?
	refuse "chroot" "a missing chroot directory"

	out=$( { "$PROBE" -u 0 -g "$gid" -c "$root_dir" write; } 2>&1)
	st=$?
	refuse "refusing to run as uid 0" "uid 0 as the target"

	# Back to a good directory: the probe works again.
	expect 0 write "write after the refusals (same directory, fixed)"

	# The unprivileged path, as the worker takes it when not run as root.
	if command -v setpriv >/dev/null 2>&1; then
		out=$(setpriv --reuid="$uid" --regid="$gid" --clear-groups \
		    "$PROBE" -u "$uid" -g "$gid" -c "$root_dir" write 2>&1)
		[ "$?" -eq 0 ]
		check "unprivileged: allowed write works"
		out=$( { setpriv --reuid="$uid" --regid="$gid" \
		    --clear-groups "$PROBE" -u "$uid" -g "$gid" \
		    -c "$root_dir" open; } 2>&1)
		[ "$?" -eq $SIGSYS_STATUS ]
		check "unprivileged: openat kills"
	else
		echo "# setpriv not found: unprivileged path not checked"
	fi
fi

echo "# $n checks, $failed failed"
[ "$failed" -eq 0 ]
