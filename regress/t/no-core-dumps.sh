# airlockd holds every credential it resolves: it runs with a core size
# limit of 0 (and is not dumpable), so a crash cannot write them to disk.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
# ASan would report the SIGSEGV below as a crash, and set the core limit
# itself: here airlockd handles both as it does without it.
if [ "${AIRLOCK_SANITIZE:-}" = asan ]; then
	ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0:disable_coredump=0"
	export ASAN_OPTIONS
fi

pg_start
P=$(free_port)
{
	airlock_head
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"
# Even when started from a shell that allows core files.
ulimit -c unlimited 2>/dev/null || true
start_airlock "$T/airlock.yml"
lim=$(awk '/^Max core file size/ { print $5 " " $6 }' "/proc/$AIRLOCK_PID/limits")
[ "$lim" = "0 0" ] || fail "airlockd's core file limit is '$lim'"
ok "airlockd: core file size limit 0 (soft and hard)"

# A crash writes no core file in its working directory either.
cd "$T" || fail "cd $T"
kill -SEGV "$AIRLOCK_PID"
wait "$AIRLOCK_PID" 2>/dev/null
AIRLOCK_PIDS=
ls "$T" | grep -q '^core' && fail "a core file was written: $(ls "$T")"
ok "no core file after SIGSEGV"
exit 0
