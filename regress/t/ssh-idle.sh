# An ssh connection on which no byte moves either way for idleTimeout (2 s
# here: under load a shell may take a second to start and say something)
# is closed by airlock, its channels with it; a command that keeps
# talking is not cut.  The idle session's command would print after 8 s;
# the test allows 20 (a hang detector, not a timing assertion).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_front_start "idleTimeout: 2s"
SSH_TIMEOUT=20 ssh_front 'sleep 8; echo late' >"$T/out" 2>"$T/err" &&
    fail "the idle session ended well: $(cat "$T/out" "$T/err")"
grep -q late "$T/out" && fail "the idle session ran to its end"
wait_for_log "idle for 2000 ms; closing" 10 ||
    fail "airlockd logged no idle close: $(tail -n 5 "$AIRLOCK_LOG")"
ok "an idle session was closed"
out=$(ssh_front 'for i in 1 2 3 4 5 6 7 8; do echo $i; sleep 0.5; done' \
    2>"$T/err") || fail "a talking session: $(cat "$T/err")"
[ "$(echo $out)" = "1 2 3 4 5 6 7 8" ] || fail "a talking session: $out"
ok "a session that keeps talking outlives the idle timeout"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
