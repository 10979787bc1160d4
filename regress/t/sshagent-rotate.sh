# Keys are fetched per connection: when the file behind a service's
# credential changes, the next connection lists and signs with the new
# key at once, with no reload, and the old key is no longer offered.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

SSH_AUTHORIZED="ed25519 ed25519-b"
ssh_sshd_start
S=$T/agent.sock
cp "$SSH_KEYS/ed25519" "$T/current-key" && chmod 0600 "$T/current-key" ||
    fail "cp"
ssh_agent_service agent "$S" "privateKey: {from: file, get: $T/current-key}" \
    >"$T/services.yml"
ssh_airlock <"$T/services.yml"

ssh_agent_listed "$S" ed25519
ssh_agent_login "$S" ed25519 >"$T/ssh.out" 2>&1 ||
    fail "ssh with the first key: $(cat "$T/ssh.out")"
ok "the first key is listed and logs in"
cp "$SSH_KEYS/ed25519-b" "$T/current-key.new" &&
    mv "$T/current-key.new" "$T/current-key" || fail "mv"
ssh_agent_listed "$S" ed25519-b
ssh_agent_login "$S" ed25519-b >"$T/ssh.out" 2>&1 ||
    fail "ssh with the rotated key: $(cat "$T/ssh.out")"
ssh_sshd_accepted ed25519-b || fail "sshd did not accept the rotated key"
ok "the rotated key is listed and logs in at once"
ssh_agent_login "$S" ed25519 >"$T/ssh.out" 2>&1 &&
    fail "the old key still logs in"
ok "the old key is gone"
grep -q "reload" "$AIRLOCK_LOG" && fail "airlockd reloaded"
airlock_alive || fail "airlockd died"
exit 0
