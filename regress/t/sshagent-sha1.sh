# ssh-rsa (RSA with SHA-1) signatures only where the service says
# allowSHA1: true.  sshd accepts ssh-rsa here (PubkeyAcceptedAlgorithms
# +ssh-rsa) and the client offers nothing else: through a service without
# allowSHA1 the login fails (and the log says why), while rsa-sha2-512
# through the same service works; through a service with allowSHA1 the
# ssh-rsa login works.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start "PubkeyAcceptedAlgorithms +ssh-rsa"
{
	ssh_agent_service nosha1 "$T/nosha1.sock" "$(ssh_cred rsa rsa)"
	ssh_agent_service sha1 "$T/sha1.sock" "$(ssh_cred rsa rsa)"
	echo "    config:"
	ssh_config_lines "allowSHA1: true"
} >"$T/services.yml"
ssh_airlock <"$T/services.yml"

SHA1="-o PubkeyAcceptedAlgorithms=ssh-rsa"
# shellcheck disable=SC2086
ssh_agent_login "$T/nosha1.sock" rsa root $SHA1 >"$T/ssh.out" 2>&1 &&
    fail "ssh-rsa (SHA-1) signed without allowSHA1"
grep -q "SHA-1" "$AIRLOCK_LOG" ||
    fail "airlockd does not say why: $(tail -n 5 "$AIRLOCK_LOG")"
ok "ssh-rsa refused without allowSHA1 ($(tail -n 1 "$T/ssh.out"))"
ssh_agent_login "$T/nosha1.sock" rsa root \
    -o PubkeyAcceptedAlgorithms=rsa-sha2-512 >"$T/ssh.out" 2>&1 ||
    fail "rsa-sha2-512: $(cat "$T/ssh.out")"
ok "rsa-sha2-512 through the same service"
# shellcheck disable=SC2086
ssh_agent_login "$T/sha1.sock" rsa root $SHA1 >"$T/ssh.out" 2>&1 ||
    fail "ssh-rsa with allowSHA1: $(cat "$T/ssh.out")"
ok "ssh-rsa with allowSHA1: true"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
