# allowedRemoteUsers: the agent signs only userauth requests (RFC 4252 7,
# parsed in the monitor from the data to sign) for the users listed.
# Through a service that allows root, root logs in and nobody does not;
# through one without the setting, nobody does (sshd lets nobody in, then
# nologin says "This account is currently not available").
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start
{
	ssh_agent_service rootonly "$T/rootonly.sock" \
	    "$(ssh_cred ed25519 ed25519)"
	echo "    config:"
	ssh_config_lines "allowedRemoteUsers: [root]"
	ssh_agent_service anyone "$T/anyone.sock" "$(ssh_cred ed25519 ed25519)"
} >"$T/services.yml"
ssh_airlock <"$T/services.yml"

ssh_agent_login "$T/rootonly.sock" ed25519 root >"$T/ssh.out" 2>&1 ||
    fail "root through rootonly: $(cat "$T/ssh.out")"
ok "root logs in through rootonly"
ssh_agent_login "$T/rootonly.sock" ed25519 nobody >"$T/ssh.out" 2>&1
grep -q "Permission denied (publickey)" "$T/ssh.out" ||
    fail "nobody through rootonly: $(cat "$T/ssh.out")"
grep -q "Accepted publickey for nobody" "$SSHD_LOG" &&
    fail "sshd let nobody in through rootonly"
ok "nobody does not: $(tail -n 1 "$T/ssh.out")"
ssh_agent_login "$T/anyone.sock" ed25519 nobody >"$T/ssh.out" 2>&1
grep -q "Accepted publickey for nobody" "$SSHD_LOG" ||
    fail "nobody through anyone: $(cat "$T/ssh.out")"
ok "without allowedRemoteUsers nobody is let in: $(tail -n 1 "$T/ssh.out")"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
