# acceptAnyHostKey: true verifies nothing of the backend (Secretless
# Broker's behaviour), and says so: airlockd -t and the start warn that
# the backend's host key is not verified, naming the service; the
# connection then works with no hostKey, fingerprint or known_hosts entry.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start
P=$(free_port)
{
	ssh_service anykey "$P" | grep -v "hostKey: "
	ssh_config_lines "knownHostsFile: /dev/null" "acceptAnyHostKey: true"
} >"$T/services.yml"
{
	airlock_head "stateDirectory: $T/state"
	cat "$T/services.yml"
} >"$T/check.yml"
mkdir -p -m 0700 "$T/state"
"$AIRLOCKD" -t -f "$T/check.yml" >"$T/check.out" 2>&1 ||
    fail "airlockd -t: $(cat "$T/check.out")"
grep -q "anykey.*host key is not verified" "$T/check.out" ||
    fail "airlockd -t does not warn: $(cat "$T/check.out")"
ok "airlockd -t warns: $(grep "not verified" "$T/check.out" | head -n 1)"
ssh_airlock <"$T/services.yml"
grep -q "anykey.*host key is not verified" "$AIRLOCK_LOG" ||
    fail "the start does not warn"
ok "so does the start"
out=$(ssh_c -p "$P" anyone@127.0.0.1 echo in 2>&1) || fail "ssh: $out"
[ "$out" = in ] || fail "ssh: $out"
ok "the connection works unverified"
airlock_alive || fail "airlockd died"
exit 0
