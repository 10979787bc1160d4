# The container seccomp profile, contrib/seccomp/airlockd.json: it is what
# contrib/seccomp/gen.sh makes from the monitor's list and the worker's
# own allow-list (so the two cannot drift apart), it is valid JSON of the
# runtimes' format, every name is a system call, and, the real proof,
# airlockd runs under it (loaded by regress/tools/seccompload as a runtime
# would, no_new_privs included): psql sessions over TCP and a Unix socket
# with passwords from a file and from systemd's credentials, then a drain
# on SIGTERM, and a password from the kernel keyring (keyctl), with the
# secrets in the memfd_secret arena.  Calls that the profile does not allow
# fail with EPERM.
. "$(dirname "$0")/../lib.sh"
skip_under valgrind "it runs airlockd under the container profile, which is for airlockd's calls, not valgrind's; ran in the plain and asan runs"

P=$TOP/contrib/seccomp/airlockd.json
LOAD=$TOP/regress/tools/seccompload
[ -x "$LOAD" ] && [ -x "$TOP/regress/tools/sandboxlist" ] ||
    fail "regress/tools not built"

sh "$TOP/contrib/seccomp/gen.sh" >"$T/gen.json" || fail "gen.sh failed"
if ! cmp -s "$T/gen.json" "$P"; then
	diff -u "$P" "$T/gen.json" | head -n 40 >&2
	fail "airlockd.json is stale: run sh contrib/seccomp/gen.sh >$P"
fi
ok "the committed profile is what gen.sh makes"

jq -e '.defaultAction == "SCMP_ACT_ERRNO" and .defaultErrnoRet == 1 and
    (.archMap | length > 0) and
    all(.syscalls[]; (.names | length > 0) and
	(.action == "SCMP_ACT_ALLOW" or .action == "SCMP_ACT_ERRNO"))' \
    "$P" >/dev/null || fail "jq: not a profile of the expected shape"
ok "jq: valid, default EPERM, every entry with names and an action"

out=$("$LOAD" -c "$P" 2>&1) || fail "seccompload -c: $out"
ok "libseccomp knows every name and architecture ($out)"

allowed=$(jq -r '.syscalls[] | select(.action == "SCMP_ACT_ALLOW" and
    .args == null) | .names[]' "$P")
for n in $("$TOP/regress/tools/sandboxlist" x86_64 aarch64); do
	echo "$allowed" | grep -qx "$n" || fail "worker's $n is not allowed"
done
ok "every call of the worker's allow-list is allowed"

# In the ASan build LeakSanitizer would stop the world at exit with clone and
# ptrace, which the profile refuses, and wait forever: inside the profile, as
# inside the workers' filter, leaks are not checked (every other test of
# sanitize.sh asan checks airlockd's).
if [ "${AIRLOCK_SANITIZE:-}" = asan ]; then
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
	export ASAN_OPTIONS
fi

# Calls that nothing in airlock makes.
for c in unshare mount ptrace bpf; do
	out=$("$LOAD" -p "$P" "$c" 2>&1)
	[ "$out" = "$c: errno 1 (Operation not permitted)" ] ||
	    fail "$c under the profile: $out"
done
out=$("$LOAD" -p "$P" clone 0x10000000 2>&1)	# CLONE_NEWUSER
[ "$out" = "clone: errno 1 (Operation not permitted)" ] ||
    fail "clone(CLONE_NEWUSER) under the profile: $out"
out=$("$LOAD" -p "$P" clone3 2>&1)
[ "$out" = "clone3: errno 38 (Function not implemented)" ] ||
    fail "clone3 under the profile: $out (glibc needs ENOSYS to fall back)"
out=$("$LOAD" -p "$P" getpid 2>&1)
[ "$out" = "getpid: ok" ] || fail "getpid under the profile: $out"
ok "unshare, mount, ptrace, bpf, clone(CLONE_NEWUSER) fail with EPERM; clone3 with ENOSYS"

require_root
. "$TOP/regress/pg.sh"
pg_start
C=$T/credentials
mkdir -m 0700 "$C"
printf '%s' "$PG_SCRAM_PASSWORD" >"$C/pg-password"
printf '%s' "$PG_MD5_PASSWORD" >"$T/md5.pw"
chmod 0600 "$T/md5.pw"
S=$T/sock
mkdir -m 0755 "$S"
PT=$(free_port)
PU=$(free_port)
PH=$(free_port)
PK=$(free_port)
# The keyring provider's keyctl(2): a key in a session keyring of this
# test's own, which airlockd inherits.
command -v keyctl >/dev/null 2>&1 || fail "no keyctl (keyutils)"
keyctl new_session >/dev/null || fail "keyctl new_session"
printf '%s' "$PG_SCRAM_PASSWORD" | keyctl padd user seccomp-pw @s >/dev/null ||
    fail "keyctl padd"
{
	airlock_head "watch: true" "health: 127.0.0.1:$PH"
	pg_service seccomp-tcp "$PT" scram_user require \
	    "password: {from: credential, get: pg-password}"
	pg_service seccomp-unix "unix://$S/.s.PGSQL.$PU" md5_user disable \
	    "password: {from: file, get: $T/md5.pw}"
	pg_service seccomp-keyring "$PK" scram_user disable \
	    "password: {from: keyring, get: \"@s:seccomp-pw\"}"
} >"$T/airlock.yml"

# The loader execs airlockd under the profile, as a runtime would (in the
# ASan run too: that run's airlockd is the binary itself, no wrapper).
# The ASan build's runtime reads /proc/self/environ and maps with open(2),
# and asks each new thread's attributes (pthread_getattr_np, which calls
# sched_getaffinity): airlockd itself makes neither call, and the profile
# refuses both, so that build runs under the profile plus these two.
LIVE=$P
if [ "${AIRLOCK_SANITIZE:-}" = asan ]; then
	LIVE=$T/asan-profile.json
	jq '.syscalls += [{"names": ["open", "sched_getaffinity"],
	    "action": "SCMP_ACT_ALLOW"}]' "$P" >"$LIVE" ||
	    fail "jq: the ASan build's profile"
fi
printf '#!/bin/sh\nexec %s %s "%s" "$@"\n' "$LOAD" "$LIVE" "$AIRLOCKD" \
    >"$T/airlockd"
chmod 0755 "$T/airlockd"
AIRLOCKD=$T/airlockd
CREDENTIALS_DIRECTORY=$C
export CREDENTIALS_DIRECTORY
start_airlock "$T/airlock.yml"
grep -q '^Seccomp:[[:space:]]*2' "/proc/$AIRLOCK_PID/status" ||
    fail "airlockd is not under a seccomp filter"
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$AIRLOCK_PID/status" ||
    fail "airlockd does not have no_new_privs"
ok "airlockd runs under the filter, with no_new_privs"
# The profile allows the arena (memfd_secret, ftruncate): airlockd keeps
# its secrets there, as it does without the profile.
want=$(secret_memory_expected)
[ "$(secret_backing)" = "$want" ] || fail "under the profile, airlockd" \
    "does not use $want: $(grep 'secret memory' "$AIRLOCK_LOG")"
ok "under the profile, secrets in $want memory"

out=$(airlock_psql "$PT" "select current_user" 2>&1) ||
    fail "psql over TCP (TLS to the backend) under the profile: $out"
[ "$out" = scram_user ] || fail "TCP: current_user is '$out'"
out=$(pg_psql "host=$S port=$PU dbname=postgres" "select current_user" 2>&1) ||
    fail "psql over the Unix socket under the profile: $out"
[ "$out" = md5_user ] || fail "Unix: current_user is '$out'"
out=$(airlock_psql "$PK" "select current_user" 2>&1) ||
    fail "psql with the password from the keyring under the profile: $out"
[ "$out" = scram_user ] || fail "keyring: current_user is '$out'"
ok "psql through airlockd under the profile (SCRAM over TLS, MD5; credential, file and keyring)"

# The watch (inotify), a reload, and a health worker, under the profile.
reload_airlock HUP || fail "a reload under the profile: $RELOAD_LINE"
code=$(curl -s --max-time 10 -o "$T/metrics" -w '%{http_code}' \
    "http://127.0.0.1:$PH/metrics") || fail "/metrics under the profile"
[ "$code" = 200 ] || fail "/metrics under the profile: $code"
grep -q "seccomp-tcp" "$T/metrics" || fail "/metrics names no service"
ok "the file watch, a reload and /metrics under the profile"

# A session still open at SIGTERM: the drain waits for it, then exits 0.
airlock_session "$PT" seccomp-tcp "select pg_sleep(2), 'drained'" "$T/s.out"
kill -TERM "$AIRLOCK_PID"
wait "$AIRLOCK_PID"
rc=$?
AIRLOCK_PIDS=
wait "$SESSION_PID" || fail "the session was cut: $(cat "$T/s.out")"
grep -q drained "$T/s.out" || fail "the session's answer: $(cat "$T/s.out")"
[ "$rc" -eq 0 ] || fail "airlockd exited with status $rc after the drain"
if grep -Eiq "not permitted|sandbox: |fatal" "$AIRLOCK_LOG"; then
	grep -Ei "not permitted|sandbox: |fatal" "$AIRLOCK_LOG" | head -n 5 >&2
	fail "airlockd's log shows a refused call"
fi
ok "a drain on SIGTERM under the profile; exit status 0, nothing refused"
exit 0
