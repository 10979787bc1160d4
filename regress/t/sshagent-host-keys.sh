# allowedHostKeys: the agent signs only userauth requests of sessions
# that ssh bound (session-bind@openssh.com, verified by the monitor) to
# one of the listed host keys, given as a public key line or a SHA256
# fingerprint.  The test sshd's key, listed either way, lets ssh in; a
# list with another host's key does not.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start
ssh_key ed25519-b
HOSTLINE=$(cut -d ' ' -f 1,2 "$SSH_KEYS/sshd-host.pub")
for s in "byline \"$HOSTLINE\"" "byfp $(ssh_fp sshd-host)" \
    "other $(ssh_fp ed25519-b)"; do
	set -- $s
	ssh_agent_service "$1" "$T/$1.sock" "$(ssh_cred ed25519 ed25519)"
	echo "    config:"
	shift
	ssh_config_lines "allowedHostKeys: [$*]"
done >"$T/services.yml"
ssh_airlock <"$T/services.yml"

for s in byline byfp; do
	ssh_agent_login "$T/$s.sock" ed25519 >"$T/ssh.out" 2>&1 ||
	    fail "$s: $(cat "$T/ssh.out")"
	ok "$s: ssh logs in to the listed host"
done
ssh_agent_login "$T/other.sock" ed25519 >"$T/ssh.out" 2>&1 &&
    fail "other: signed for a host that is not listed"
ok "other: refused ($(tail -n 1 "$T/ssh.out"))"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
