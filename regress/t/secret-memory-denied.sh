# Without memfd_secret, airlockd falls back or refuses, and says why.  It
# runs under a seccomp filter (regress/tools/seccompload, as a container
# runtime would load one) that allows everything but memfd_secret, which
# fails with ENOSYS (an old kernel, secretmem.enable=0, valgrind) or EPERM
# (Docker's default profile); and with an RLIMIT_MEMLOCK below the arena,
# without CAP_IPC_LOCK.  secretMemory: auto starts with libsodium's guarded
# memory, warns with the reason, and /metrics and /ready?full=1 say so;
# secretMemory: memfd_secret refuses to start, with the reason, and a
# non-zero exit status.
. "$(dirname "$0")/../lib.sh"
require_root
LOAD=$TOP/regress/tools/seccompload
[ -x "$LOAD" ] || fail "$LOAD not built"

PH=$(free_port)
PS=$(free_port)
# config SETTING...: one service (never connected to), the health listener.
config()
{
	{
		airlock_head "health: 127.0.0.1:$PH" "$@"
		cat <<EOF
  db:
    connector: pg
    listenOn: tcp://127.0.0.1:$PS
    credentials:
      host: 127.0.0.1
      port: 1
      username: u
EOF
	} >"$T/airlock.yml"
}

# wrap NAME COMMAND...: $T/NAME runs airlockd under COMMAND.
wrap()
{
	_n=$1
	shift
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$*" "$AIRLOCKD" >"$T/$_n"
	chmod 0755 "$T/$_n"
}

secret_memory_profile 38 "$T/enosys.json"
secret_memory_profile 1 "$T/eperm.json"
wrap enosys "$LOAD" "$T/enosys.json"
wrap eperm "$LOAD" "$T/eperm.json"
# Root without CAP_IPC_LOCK, 1 MiB of locked memory: a 16M arena is over.
wrap memlock prlimit --memlock=1048576 setpriv --inh-caps=-ipc_lock \
    --bounding-set=-ipc_lock

# auto: airlockd starts, warns and says why, and so do the figures.
config
# valgrind 3.19 answers ENOSYS itself, before any filter or limit counts:
# there, the ENOSYS cases only.
for c in "enosys Function not implemented (ENOSYS:" \
    "eperm Operation not permitted (EPERM: a seccomp profile"; do
	w=${c%% *}
	why=${c#* }
	[ "$w" != enosys ] && [ "${AIRLOCK_SANITIZE:-}" = valgrind ] && continue
	AIRLOCKD=$T/$w start_airlock "$T/airlock.yml"
	grep -F -q "[WARN] secret memory: libsodium guarded memory (memfd_secret: $why" \
	    "$AIRLOCK_LOG" || fail "$w, auto: $(grep 'secret memory' "$AIRLOCK_LOG")"
	code=$(curl -s --max-time 10 -o "$T/metrics" -w '%{http_code}' \
	    "http://127.0.0.1:$PH/metrics") || fail "$w: /metrics"
	[ "$code" = 200 ] || fail "$w: /metrics: $code"
	grep -qx 'airlock_secret_memory_info{backing="libsodium"} 1' \
	    "$T/metrics" || fail "$w: /metrics: $(grep secret_memory "$T/metrics")"
	curl -s --max-time 10 -o "$T/ready" "http://127.0.0.1:$PH/ready?full=1" ||
	    fail "$w: /ready?full=1"
	grep -F -q "\"backing\":\"libsodium\",\"size\":0," "$T/ready" &&
	    grep -F -q "\"fallback\":\"memfd_secret: $why" "$T/ready" ||
	    fail "$w: /ready?full=1: $(cat "$T/ready")"
	stop_airlock
	ok "$w, auto: $(sed -n 's/.*\] \(secret memory: .*\)/\1/p' \
	    "$AIRLOCK_LOG"); /metrics and /ready?full=1 say libsodium, and why"
done

# required: airlockd refuses to start, with the reason.
config "secretMemory: memfd_secret"
for c in "enosys memfd_secret: Function not implemented" \
    "eperm memfd_secret: Operation not permitted" \
    "memlock mmap: Resource temporarily unavailable (an arena of 16384 KiB"; do
	w=${c%% *}
	why=${c#* }
	[ "$w" != enosys ] && [ "${AIRLOCK_SANITIZE:-}" = valgrind ] && continue
	timeout 30 "$T/$w" -d -f "$T/airlock.yml" >"$T/$w.out" 2>&1 </dev/null
	rc=$?
	keep_log "$T/$w.out"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
	    fail "$w, required: exit status $rc: $(tail -n 5 "$T/$w.out")"
	grep -F -q "secret memory: secretMemory is memfd_secret, and the arena cannot be mapped: $why" \
	    "$T/$w.out" || fail "$w, required: $(tail -n 5 "$T/$w.out")"
	grep -q "airlockd ready" "$T/$w.out" && fail "$w, required: it was ready"
	ok "$w, required: exit status $rc, $(grep -o 'secret memory: .*' \
	    "$T/$w.out")"
done
grep -q "LimitMEMLOCK" "$T/memlock.out" 2>/dev/null ||
    [ "${AIRLOCK_SANITIZE:-}" = valgrind ] ||
    fail "the memlock refusal does not name LimitMEMLOCK"
exit 0
