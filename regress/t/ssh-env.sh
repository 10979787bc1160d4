# Environment requests (RFC 4254 6.4) reach the backend through the ssh
# connector: a variable the client sends (SetEnv) and sshd accepts
# (AcceptEnv) is in the command's environment; one sshd does not accept
# is not.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start "AcceptEnv AIRLOCK_TEST_*"
P=$(free_port)
ssh_service front "$P" >"$T/services.yml"
ssh_airlock <"$T/services.yml"

out=$(ssh_c -o "SetEnv=AIRLOCK_TEST_A=hello OTHER_TEST_B=no" -p "$P" \
    anyone@127.0.0.1 'echo "${AIRLOCK_TEST_A:-unset} ${OTHER_TEST_B:-unset}"' \
    2>&1) || fail "ssh: $out"
[ "$out" = "hello unset" ] || fail "the backend's environment: $out"
ok "AIRLOCK_TEST_A relayed, OTHER_TEST_B refused by sshd as asked"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
