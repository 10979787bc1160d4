# lifetime (Secretless Broker's, as ssh-add -t): a connection signs only
# for that many seconds after it fetched the keys.  A signature asked at
# once is given; one asked 2.5 s after the keys were listed, with
# lifetime 1, is refused; a new connection starts its own time.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

require_root
S=$T/agent.sock
ssh_agent_service agent "$S" "$(ssh_cred ed25519 ed25519)" "lifetime: 1" \
    >"$T/services.yml"
ssh_airlock <"$T/services.yml"
AC="python3 $TOP/regress/tools/agentclient.py"

out=$($AC late "$S" 0 2>&1) || fail "at once: $out"
ok "signed at once"
out=$($AC late "$S" 2.5 2>&1)
[ "$out" = refused ] || fail "2.5 s after the keys, lifetime 1: $out"
ok "refused 2.5 s after the keys were fetched"
out=$($AC late "$S" 0 2>&1) || fail "a new connection: $out"
ok "a new connection signs again"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
