# clientAuth: publickey: only clients that prove one of authorizedKeys
# get through.  A client with no key, or with another key, is refused by
# airlock before it dials the backend; one with a listed key runs its
# command.  With clientAuth: none (the default), no key is asked.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start
ssh_key ecdsa256
ssh_key ed25519-b
P=$(free_port)
{
	ssh_service withkey "$P"
	ssh_config_lines "clientAuth: publickey" \
	    "authorizedKeys: [\"$(cut -d ' ' -f 1,2 "$SSH_KEYS/ecdsa256.pub")\"]"
} >"$T/services.yml"
ssh_airlock <"$T/services.yml"

out=$(ssh_c -p "$P" anyone@127.0.0.1 echo in 2>&1) &&
    fail "no key: connected: $out"
ok "no key: refused: $out"
out=$(ssh_c -o "IdentityFile=$SSH_KEYS/ed25519-b" -p "$P" anyone@127.0.0.1 \
    echo in 2>&1) && fail "another key: connected: $out"
ok "another key: refused: $out"
grep -q "Accepted publickey" "$SSHD_LOG" &&
    fail "the backend was logged in to for a refused client"
out=$(ssh_c -o "IdentityFile=$SSH_KEYS/ecdsa256" -p "$P" anyone@127.0.0.1 \
    echo in 2>&1) || fail "the listed key: $out"
[ "$out" = in ] || fail "the listed key: $out"
ok "the listed key: the command ran"
airlock_alive || fail "airlockd died"
exit 0
