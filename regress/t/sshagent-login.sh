# ssh logs in to a real sshd with each key of an ssh-agent service (RSA
# with rsa-sha2-512, ECDSA on P-256, P-384 and P-521, Ed25519; PEM and
# OpenSSH's format): the monitor signs, and sshd accepts that very key.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start
ssh_agent_typed >"$T/services.yml"
ssh_airlock <"$T/services.yml"

for s in "a $SSH_AGENT_A" "b $SSH_AGENT_B" "c $SSH_AGENT_C"; do
	set -- $s
	sock=$T/agent-$1.sock
	shift
	for k in "$@"; do
		ssh_agent_login "$sock" "$k" >"$T/ssh.out" 2>&1 ||
		    fail "ssh with $k through agent $sock: $(cat "$T/ssh.out")"
		ssh_sshd_accepted "$k" ||
		    fail "sshd did not accept $k: $(tail -n 5 "$SSHD_LOG")"
		ok "ssh logged in with $k ($(ssh_fp "$k"))"
	done
done
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
