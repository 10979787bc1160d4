# An ssh-agent service lists its keys to ssh-add -l: RSA 3072 (PEM, as
# Secretless Broker's `rsa`, and OpenSSH's format as `privateKey`), ECDSA
# on P-256, P-384 and P-521 (PEM `ecdsa`, and OpenSSH's format), Ed25519
# (`ed25519`), each by its fingerprint, with the service's `comment`, or
# else the credential's name.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

require_root
ssh_agent_typed >"$T/services.yml"
ssh_airlock <"$T/services.yml"

# shellcheck disable=SC2086
ssh_agent_listed "$T/agent-a.sock" $SSH_AGENT_A
grep -q " rsa (RSA)$" "$T/ssh-add.out" && grep -q " ed25519 (ED25519)$" \
    "$T/ssh-add.out" && grep -q " privateKey (RSA)$" "$T/ssh-add.out" ||
    fail "agent-a: not the credentials' names as comments:" \
    "$(cat "$T/ssh-add.out")"
ok "agent-a lists $SSH_AGENT_A, named after their credentials"
# shellcheck disable=SC2086
ssh_agent_listed "$T/agent-b.sock" $SSH_AGENT_B
ok "agent-b lists $SSH_AGENT_B"
ssh_agent_listed "$T/agent-c.sock" $SSH_AGENT_C
grep -q "^521 .* the P-521 key (ECDSA)$" "$T/ssh-add.out" ||
    fail "agent-c: not the comment: $(cat "$T/ssh-add.out")"
ok "agent-c lists $SSH_AGENT_C with its comment"

# ssh-add -L: the public keys themselves, as ssh-keygen wrote them.
ssh_add "$T/agent-b.sock" -L >"$T/ssh-add.L" 2>&1 ||
    fail "ssh-add -L: $(cat "$T/ssh-add.L")"
for k in $SSH_AGENT_B; do
	grep -qF -- "$(cut -d ' ' -f 1,2 "$SSH_KEYS/$k.pub") " "$T/ssh-add.L" ||
	    fail "ssh-add -L lacks $k: $(cat "$T/ssh-add.L")"
done
ok "ssh-add -L gives the public keys"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
