# The keyring is the configuration's, not the client's: ssh-add KEY
# (ADD_IDENTITY), ssh-add -d KEY (REMOVE_IDENTITY) and ssh-add -D
# (REMOVE_ALL_IDENTITIES) are refused with SSH_AGENT_FAILURE, which
# ssh-add reports, and the service still lists its own key afterwards.
# The refusal is logged (info), and no worker is killed: a client may ask.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

require_root
S=$T/agent.sock
ssh_key ed25519
ssh_key ecdsa256
ssh_agent_service agent "$S" "$(ssh_cred ed25519 ed25519)" >"$T/services.yml"
ssh_airlock <"$T/services.yml"

ssh_add "$S" "$SSH_KEYS/ecdsa256" >"$T/add.out" 2>&1 &&
    fail "ssh-add KEY succeeded: $(cat "$T/add.out")"
grep -q "agent refused operation" "$T/add.out" ||
    fail "ssh-add KEY: $(cat "$T/add.out")"
ok "ssh-add KEY: $(head -n 1 "$T/add.out")"
ssh_add "$S" -d "$SSH_KEYS/ed25519.pub" >"$T/del.out" 2>&1 &&
    fail "ssh-add -d KEY succeeded: $(cat "$T/del.out")"
ok "ssh-add -d KEY: $(head -n 1 "$T/del.out")"
ssh_add "$S" -D >"$T/delall.out" 2>&1 &&
    fail "ssh-add -D succeeded: $(cat "$T/delall.out")"
ok "ssh-add -D: $(head -n 1 "$T/delall.out")"

ssh_agent_listed "$S" ed25519
ok "the service still lists its own key, and only it"
grep -q "refused" "$AIRLOCK_LOG" || fail "airlockd did not log the refusals"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
