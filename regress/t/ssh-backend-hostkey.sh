# The backend's host key is verified by default: against the hostKey
# credential, a pinned hostKeyFingerprint, or a knownHostsFile.  A key
# that does not match is refused, and the client is told why in words
# ("airlock: the backend's host key SHA256:... does not match"); a
# service that knows no key for its backend refuses to connect and says
# what to set.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start
ssh_key ed25519-b
HOSTFP=$(ssh_fp sshd-host)
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" \
    "$(cut -d ' ' -f 1,2 "$SSH_KEYS/sshd-host.pub")" >"$T/backend_known_hosts"
printf '[127.0.0.1]:%s %s\n' "$SSHD_PORT" \
    "$(cut -d ' ' -f 1,2 "$SSH_KEYS/ed25519-b.pub")" >"$T/wrong_known_hosts"
: >"$T/empty_known_hosts"
chmod 0644 "$T"/*_known_hosts

# service NAME KEY [CONFIG_LINE...]: an ssh service (port_of NAME, pg.sh)
# whose hostKey is KEY's ("" for none), with CONFIG_LINEs.
service()
{
	_p=$(service_port "$1")
	ssh_service "$1" "$_p" | if [ -n "$2" ]; then
		sed "s#get: $SSH_KEYS/sshd-host.pub#get: $SSH_KEYS/$2.pub#"
	else
		grep -v "hostKey: "
	fi
	shift 2
	ssh_config_lines "$@"
}
{
	service right sshd-host
	service wrong ed25519-b
	service pinned "" "hostKeyFingerprint: \"$HOSTFP\""
	service badpin "" "hostKeyFingerprint: \"$(ssh_fp ed25519-b)\""
	service known "" "knownHostsFile: $T/backend_known_hosts"
	service badknown "" "knownHostsFile: $T/wrong_known_hosts"
	service unknown "" "knownHostsFile: $T/empty_known_hosts"
} >"$T/services.yml"
ssh_airlock <"$T/services.yml"

for s in right pinned known; do
	out=$(ssh_c -p "$(port_of "$s")" anyone@127.0.0.1 echo in 2>&1) ||
	    fail "$s: $out"
	[ "$out" = in ] || fail "$s: $out"
	ok "$s: the backend's key matches, the command ran"
done
for s in wrong badpin badknown; do
	out=$(ssh_c -p "$(port_of "$s")" anyone@127.0.0.1 echo in 2>&1) &&
	    fail "$s: connected: $out"
	echo "$out" | grep -q "airlock: the backend's host key $HOSTFP does not match" ||
	    fail "$s: the client is not told why: $out"
	ok "$s: refused: $(echo "$out" | grep airlock: | head -n 1)"
done
out=$(ssh_c -p "$(port_of unknown)" anyone@127.0.0.1 echo in 2>&1) &&
    fail "unknown: connected: $out"
grep -q "no known host key for 127.0.0.1:$SSHD_PORT" "$AIRLOCK_LOG" ||
    fail "unknown: airlockd does not say why: $(tail -n 5 "$AIRLOCK_LOG")"
ok "unknown: refused, $(grep -o "no known host key for [^ ]*" \
    "$AIRLOCK_LOG" | head -n 1)"
grep -q "Accepted publickey" "$SSHD_LOG" || fail "sshd logged no login"
[ "$(grep -c "Accepted publickey" "$SSHD_LOG")" -eq 3 ] ||
    fail "sshd saw logins past a refused host key:" \
    "$(grep "Accepted publickey" "$SSHD_LOG")"
ok "no service logged in to a backend it did not recognise"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
