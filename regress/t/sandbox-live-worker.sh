# The sandbox of a real worker, seen from outside while it serves a live
# session: unprivileged user and group, no capability in any set,
# no_new_privs, a seccomp filter, not dumpable, chrooted to the configured
# empty directory, tight limits, no secret in its argv or environment, and
# nothing open but its sockets and pipes.  (regress/t/sandbox-syscalls.sh
# tests the sandbox on a probe; this tests the worker airlockd starts.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
pg_start
PA=$(free_port)
{
	airlock_head
	pg_service pg-scram "$PA" scram_user require \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}" \
	    "sslrootcert: {from: file, get: $PG_CA}" "sslhost: localhost"
} >"$T/airlock.yml"
CHROOT=$T/empty
start_airlock "$T/airlock.yml"

# The password is in airlockd's environment (the env provider's source),
# which makes it a fair test that none of it reaches the worker's.
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/needle"

airlock_session "$PA" pg-scram "select pg_sleep(6)" "$T/psql.out"
PSQL=$SESSION_PID
W=$WORKER_PID
# The session's worker came from the pool (started before its client):
# the others are idle ones.
kids=$(pgrep -P "$AIRLOCK_PID")
echo "$kids" | grep -qx "$W" ||
    fail "$W is not a child of airlockd: $(echo "$kids" | tr '\n' ' ')"
grep -Eq "pg-scram#[0-9]+: worker $W started \(from the pool\)" \
    "$AIRLOCK_LOG" || fail "worker $W did not come from the pool"
S=/proc/$W/status
[ -r "$S" ] || fail "worker $W vanished"
say "worker $W ($(cat "/proc/$W/comm"))"
[ "$(cat "/proc/$W/comm")" = airlock-worker ] || fail "not airlock-worker"

field()
{
	proc_field "$W" "$1"
}

uid=$(id -u "$AIRLOCK_USER")
gid=$(id -g "$AIRLOCK_USER")
[ "$uid" -ne 0 ] && [ "$gid" -ne 0 ] || fail "$AIRLOCK_USER is root?"
for f in Uid Gid; do
	want=$uid
	[ "$f" = Gid ] && want=$gid
	v=$(field "$f")
	# real, effective, saved, filesystem: all four the worker user's.
	echo "$v" | awk -v w="$want" '{ for (i = 1; i <= 4; i++)
	    if ($i != w) exit 1; exit NF == 4 ? 0 : 1 }' ||
	    fail "$f: $v (want $want in all four)"
	ok "$f: $v ($AIRLOCK_USER)"
done
groups=$(field Groups)
for g in $groups; do
	[ "$g" = "$gid" ] || fail "supplementary group $g (Groups: $groups)"
done
ok "Groups: ${groups:-none}"

for f in CapInh CapPrm CapEff CapBnd CapAmb; do
	v=$(field "$f")
	[ "$v" = 0000000000000000 ] || fail "$f: $v"
done
ok "no capability in any set (CapInh CapPrm CapEff CapBnd CapAmb all 0)"

[ "$(field NoNewPrivs)" = 1 ] || fail "NoNewPrivs: $(field NoNewPrivs)"
ok "NoNewPrivs: 1"
[ "$(field Seccomp)" = 2 ] || fail "Seccomp: $(field Seccomp) (want 2, filter)"
n=$(field Seccomp_filters)
ok "Seccomp: 2 (filter mode, ${n:-?} filter(s))"
# That filter is the program the build generated (privsep/gen/sandbox_bpf.c;
# the kill variant, sandboxDebug being off), as the kernel holds it.
prog=$("$TOP/regress/tools/filterof" "$W") ||
    fail "cannot read the worker's filter back"
[ "$prog" = kill ] || fail "the worker's filter is '$prog', not the generated kill program"
ok "its filter is the generated program, kill variant (read back with filterof)"
[ "$(field Threads)" = 1 ] || fail "Threads: $(field Threads)"
ok "Threads: 1"
# Its secrets' arena (SECRET_POLICY_LOCKED), locked before the sandbox:
# sixteen KiB, which no swap and no core dump holds.  (AddressSanitizer's
# mlock does nothing: 0 there.)
lck=$(awk '$1 == "VmLck:" { print $2 }' "/proc/$W/status")
want=16
[ "${AIRLOCK_SANITIZE:-}" = asan ] && want=0
[ "$lck" = "$want" ] ||
    fail "VmLck: ${lck:-?} kB, not the $want kB of the secrets' arena"
ok "VmLck: $lck kB (the arena of its secrets)"

# proc(5): the files of a process that is not dumpable belong to root.
owner=$(stat -c %u "/proc/$W/status")
[ "$owner" = 0 ] || fail "/proc/$W is owned by uid $owner: the worker is dumpable"
ok "not dumpable (/proc/$W owned by root while the worker runs as $uid)"

root=$(readlink "/proc/$W/root")
[ "$root" = "$CHROOT" ] || fail "root directory is '$root', not $CHROOT"
cwd=$(readlink "/proc/$W/cwd")
[ "$cwd" = "$CHROOT" ] || fail "working directory is '$cwd', not in the chroot"
ok "chrooted to $root, working directory $cwd"
[ -z "$(ls -A "$CHROOT")" ] || fail "the chroot is not empty: $(ls -A "$CHROOT")"
ok "the chroot is still empty"

limit()
{
	proc_limit "$W" "$1"
}
grep -E "^(Max (core|file size|processes|open files))" "/proc/$W/limits" |
    sed 's/^/  /'
[ "$(limit "Max core file size")" = 0 ] || fail "core files allowed"
[ "$(limit "Max file size")" = 0 ] || fail "RLIMIT_FSIZE is not 0"
[ "$(limit "Max processes")" = 0 ] || fail "RLIMIT_NPROC is not 0"
nofile=$(limit "Max open files")
[ "$nofile" -le 64 ] || fail "RLIMIT_NOFILE is $nofile"
ok "limits: no core, no file growth, no process, $nofile descriptors"

tr '\0' ' ' <"/proc/$W/cmdline" >"$T/cmdline"
say "cmdline: $(cat "$T/cmdline")"
tr '\0' '\n' <"/proc/$W/environ" >"$T/environ"
say "environ: $(wc -l <"$T/environ") variable(s)$(sed 's/^/ /' "$T/environ" |
    tr '\n' ' ')"
for f in cmdline environ; do
	grep -F -q -f "$T/needle" "/proc/$W/$f" &&
	    fail "the password is in the worker's $f"
done
[ "$(wc -l <"$T/environ")" -le 2 ] ||
    fail "the worker's environment is not (nearly) empty"
# The check above can fail: a process started with this test's exported
# environment holds the password there.  (airlockd took it out of its own
# at load: the env provider keeps it in guarded memory.)
sleep 30 &
holder=$!
# Until the child has exec'd sleep, its environ is this shell's from its own
# start, which predates the export.
n=50
while [ "$n" -gt 0 ] && [ "$(cat "/proc/$holder/comm" 2>/dev/null)" != sleep ]; do
	sleep 0.1
	n=$((n - 1))
done
grep -F -q -f "$T/needle" "/proc/$holder/environ" ||
    fail "sanity: the password is not in the environ of a child of the test"
kill "$holder"
ok "no password in the worker's argv or environment (a sleep's has it)"
airlock_environ_lacks "$(cat "$T/needle")" "the password"

ls -l "/proc/$W/fd" | awk 'NR > 1 { print $9, $10, $11 }' >"$T/fds"
sed 's/^/  /' "$T/fds"
# Sockets (channel, client, backend), pipes (splice, log), epoll and
# eventfds; stdin and stdout are /dev/null, opened before the exec.
bad=$(awk '$3 !~ /^(socket|pipe|anon_inode):/ && $3 != "/dev/null"' "$T/fds")
[ -z "$bad" ] || fail "the worker holds files: $bad"
nfds=$(wc -l <"$T/fds")
[ "$nfds" -le "$nofile" ] || fail "$nfds descriptors over the limit $nofile"
ok "$nfds descriptors, only sockets, pipes and anonymous inodes"

wait "$PSQL" || fail "the session failed: $(cat "$T/psql.out")"
ok "the session finished normally"
airlock_alive || fail "airlockd died"
exit 0
