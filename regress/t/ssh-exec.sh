# ssh through the ssh connector runs a command on the backend sshd as the
# service's user (the client's user name is not used), with its standard
# input, output and error relayed and its exit status returned.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_front_start
out=$(ssh_front 'echo "$(id -un) $SSH_CONNECTION"' 2>"$T/err") ||
    fail "ssh: $(cat "$T/err")"
case "$out" in
"root 127.0.0.1 "*" 127.0.0.1 $SSHD_PORT") ;;
*) fail "ssh ran as or on something else: $out" ;;
esac
ok "the command ran on the backend as root: $out"
ssh_sshd_accepted ed25519 || fail "sshd did not log the service's key"
ok "with the service's key"

ssh_front 'echo to-stderr >&2; exit 3' >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" -eq 3 ] || fail "exit status $rc, not 3: $(cat "$T/err")"
[ "$(cat "$T/err")" = to-stderr ] || fail "stderr: $(cat "$T/err")"
[ -s "$T/out" ] && fail "stdout: $(cat "$T/out")"
ok "exit status 3, and stderr apart from stdout"

seq 1 100000 >"$T/in"
ssh_front 'sha256sum' <"$T/in" >"$T/out" 2>"$T/err" ||
    fail "stdin: $(cat "$T/err")"
[ "$(cut -d ' ' -f 1 "$T/out")" = "$(sha256sum <"$T/in" | cut -d ' ' -f 1)" ] ||
    fail "stdin arrived changed: $(cat "$T/out")"
ok "standard input relayed, whole ($(wc -c <"$T/in") bytes)"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
