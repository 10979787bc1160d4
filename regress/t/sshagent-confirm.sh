# confirm: true (Secretless Broker's, as ssh-add -c) asks that a person
# confirm each signature; airlockd has no one to ask, so it refuses every
# signature (as OpenSSH's agent does when it cannot ask) and warns of it
# at load.  The keys are still listed.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

require_root
S=$T/agent.sock
ssh_agent_service agent "$S" "$(ssh_cred ed25519 ed25519)" "confirm: true" \
    >"$T/services.yml"
ssh_airlock <"$T/services.yml"
grep -q "WARN.*confirm" "$AIRLOCK_LOG" ||
    fail "no warning of confirm at load: $(head -n 20 "$AIRLOCK_LOG")"
ok "warned: $(grep "WARN.*confirm" "$AIRLOCK_LOG" | head -n 1 | cut -c 21-)"
ssh_agent_listed "$S" ed25519
ok "the key is listed"
out=$(python3 "$TOP/regress/tools/agentclient.py" late "$S" 0 2>&1)
[ "$out" = refused ] || fail "a signature with confirm: $out"
ok "a signature is refused"
airlock_alive || fail "airlockd died"
exit 0
