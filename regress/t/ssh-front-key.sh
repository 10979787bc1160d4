# The host key airlock shows ssh clients, when no hostKeyFile is set, is
# made once (Ed25519) in stateDirectory as ssh_host_ed25519_key, root's
# and mode 0600, and kept: after a restart the same key is shown, so a
# client's known_hosts entry stays valid.  A configured hostKeyFile is the
# one shown.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start
P=$(free_port)
Q=$(free_port)
{
	ssh_service made "$P" | grep -v "hostKeyFile: "
	ssh_service given "$Q"
} >"$T/services.yml"
KEY=$T/state/ssh_host_ed25519_key
[ -e "$KEY" ] && fail "$KEY exists before the start"
ssh_airlock <"$T/services.yml"
[ -f "$KEY" ] || fail "no $KEY after the start: $(ls -la "$T/state")"
[ "$(stat -c '%a %U' "$KEY")" = "600 root" ] ||
    fail "$KEY: $(stat -c '%a %U' "$KEY")"
# PKCS#8 PEM, which ssh-keygen does not read for Ed25519: python's
# cryptography (OpenSSL) gives its public key in OpenSSH's form.
PUB=$(python3 -c '
import sys
from cryptography.hazmat.primitives import serialization as s
k = s.load_pem_private_key(open(sys.argv[1], "rb").read(), password=None)
print(k.public_key().public_bytes(s.Encoding.OpenSSH,
    s.PublicFormat.OpenSSH).decode())' "$KEY") || fail "cannot read $KEY"
ok "$KEY made, 0600 root, an ${PUB%% *} key"
# The client knows it from the file alone, strictly.
echo "[127.0.0.1]:$P $PUB" >>"$T/known_hosts"
out=$(ssh_c -p "$P" anyone@127.0.0.1 echo in 2>&1) || fail "ssh: $out"
ok "the client connects knowing that key"
out=$(ssh_c -p "$Q" anyone@127.0.0.1 echo in 2>&1) ||
    fail "hostKeyFile: $out"
ok "a configured hostKeyFile is the one shown"

sum=$(sha256sum <"$KEY")
stop_airlock
start_airlock "$T/airlock.yml"
[ "$(sha256sum <"$KEY")" = "$sum" ] || fail "the key changed on restart"
out=$(ssh_c -p "$P" anyone@127.0.0.1 echo in 2>&1) ||
    fail "after the restart: $out"
ok "after a restart the same key, and the client still connects"
exit 0
