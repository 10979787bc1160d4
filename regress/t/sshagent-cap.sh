# maxSignatures caps the signatures of one agent connection.  sshd asks
# for two public keys (AuthenticationMethods publickey,publickey), so ssh
# needs two signatures over its one connection to the agent: a service
# with maxSignatures: 1 gets the client only one (the second sign request
# answered SSH_AGENT_FAILURE by the worker itself, which the monitor need
# not kill), one with 2 lets it in; the next connection starts afresh.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start "AuthenticationMethods publickey,publickey"
for n in 1 2; do
	ssh_agent_service "cap$n" "$T/cap$n.sock" \
	    "$(ssh_cred ed25519 ed25519)" "$(ssh_cred ecdsa ecdsa256)"
	echo "    config:"
	ssh_config_lines "maxSignatures: $n"
done >"$T/services.yml"
ssh_airlock <"$T/services.yml"

login()
{
	ssh_agent_login "$1" ed25519 root \
	    -o "IdentityFile=$SSH_KEYS/ecdsa256.pub" >"$T/ssh.out" 2>&1
}
login "$T/cap2.sock" || fail "two signatures allowed: $(cat "$T/ssh.out")"
ok "maxSignatures 2: logged in with two keys"
partial=$(grep -c "Partial publickey for root" "$SSHD_LOG")
login "$T/cap1.sock" && fail "maxSignatures 1: logged in with two keys"
[ "$(grep -c "Partial publickey for root" "$SSHD_LOG")" -gt "$partial" ] ||
    fail "the first key was not accepted: $(tail -n 5 "$SSHD_LOG")"
ok "maxSignatures 1: the first signature only ($(tail -n 1 "$T/ssh.out"))"
login "$T/cap2.sock" || fail "a new connection: $(cat "$T/ssh.out")"
ok "a new connection has its own count"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
