# A throwaway OpenSSH server and keys for the ssh-agent and ssh connectors'
# tests (sourced after lib.sh).
#
# ssh_key NAME: the private key $SSH_KEYS/NAME (and NAME.pub), made by
#	ssh-keygen at its first use in a run.  NAMEs: rsa (3072 bits), ecdsa256,
#	ecdsa384, ecdsa521 (PEM: Secretless Broker's `rsa` and `ecdsa` are
#	PEM), ed25519, rsa-openssh, ecdsa-openssh (nistp384) (OpenSSH's own
#	format, for `ed25519` and `privateKey`), and any other name that
#	begins with one of these (another key of that kind: "ed25519-b").
# ssh_sshd_start [SSHD_CONFIG_LINE...]: Debian's sshd (/usr/sbin/sshd, as
#	root, -D -e) on 127.0.0.1:$SSHD_PORT with its own configuration, an
#	Ed25519 host key ($SSH_KEYS/sshd-host.pub), the authorized keys file
#	$SSHD_AUTHORIZED (every key of $SSH_AUTHORIZED: names of ssh_key,
#	default all but the ed25519-b kind), no PAM, the sftp subsystem; its
#	log (VERBOSE: "Accepted publickey ... SHA256:...") in $SSHD_LOG.
#	Stopped at exit.  The host key is in $T/known_hosts.
# ssh_agent_service NAME SOCKET [CREDENTIAL-LINE...]: an ssh-agent service
#	listening on the Unix socket SOCKET.  ssh_service NAME PORT
#	[CREDENTIAL-LINE...]: an ssh service on 127.0.0.1:PORT to the test
#	sshd as root with the key ed25519 (a CREDENTIAL-LINE "privateKey: ..."
#	or "user: ..." replaces the default), the sshd's host key, and the
#	front host key $SSH_KEYS/front, which $T/known_hosts lists for PORT;
#	its config: section is open, for ssh_config_lines LINE... (after an
#	ssh-agent service, echo "    config:" first).
# ssh_airlock [SETTING...] <SERVICES: airlock.yml (airlock_head with a
#	stateDirectory in $T) and airlockd started.  ssh_front_start: sshd
#	and one ssh service, "front"; ssh_front CMD: ssh through it.
#	ssh_agent_typed: three ssh-agent services with every kind of key.
# Clients, with -F /dev/null, $T/known_hosts only (strict), BatchMode, a
#	ConnectTimeout and a time limit: ssh_c, ssh_bg, scp_c, sftp_c,
#	ssh_add SOCKET OPTION..., ssh_agent_login SOCKET KEY [USER [OPTION...]]
#	(ssh to the test sshd with the agent key KEY only).
# Checks: ssh_fp KEY, ssh_sshd_accepted KEY, ssh_agent_listed SOCKET KEY...;
#	for the residency tests ssh_key_needles KEY, ssh_no_key_in WHAT PID
#	KEY... and ssh_worker_of SERVICE.

SSHD=/usr/sbin/sshd
SSH_KEYS=$T/keys
SSHD_DIR=$T/sshd
SSHD_LOG=$SSHD_DIR/sshd.log
SSHD_AUTHORIZED=$SSHD_DIR/authorized_keys
SSH_AUTHORIZED=${SSH_AUTHORIZED:-"rsa ecdsa256 ecdsa384 ecdsa521 ed25519
    rsa-openssh ecdsa-openssh"}
# No agent of the caller's, no ambient client settings.
unset SSH_AUTH_SOCK SSH_AGENT_PID SSH_ASKPASS
mkdir -p "$SSH_KEYS" && chmod 0700 "$SSH_KEYS" || fail "mkdir $SSH_KEYS"
: >"$T/known_hosts"

ssh_key()
{
	[ -f "$SSH_KEYS/$1" ] && return 0
	case $1 in
	rsa-openssh*)	set -- "$1" -t rsa -b 3072 ;;
	ecdsa-openssh*)	set -- "$1" -t ecdsa -b 384 ;;
	rsa*)		set -- "$1" -t rsa -b 3072 -m PEM ;;
	ecdsa256*)	set -- "$1" -t ecdsa -b 256 -m PEM ;;
	ecdsa384*)	set -- "$1" -t ecdsa -b 384 -m PEM ;;
	ecdsa521*)	set -- "$1" -t ecdsa -b 521 -m PEM ;;
	ed25519*|front*|sshd-host*) set -- "$1" -t ed25519 ;;
	*)		fail "ssh_key: no kind of key named $1" ;;
	esac
	_kname=$1
	shift
	ssh-keygen -q "$@" -N '' -C "test-$_kname" -f "$SSH_KEYS/$_kname" \
	    >"$T/ssh-keygen.log" 2>&1 ||
	    fail "ssh-keygen $_kname: $(cat "$T/ssh-keygen.log")"
}

# ssh_fp NAME: the SHA256 fingerprint of key NAME, as ssh-add -l shows it.
ssh_fp()
{
	ssh_key "$1"
	ssh-keygen -l -E sha256 -f "$SSH_KEYS/$1.pub" | awk '{ print $2 }'
}

# ssh_known PORT KEY: KEY's public key is the one of 127.0.0.1:PORT.
ssh_known()
{
	ssh_key "$2"
	echo "[127.0.0.1]:$1 $(cut -d ' ' -f 1,2 "$SSH_KEYS/$2.pub")" \
	    >>"$T/known_hosts"
}

ssh_sshd_start()
{
	[ -x "$SSHD" ] || skip "no $SSHD (openssh-server)"
	[ -x /usr/lib/openssh/sftp-server ] ||
	    skip "no /usr/lib/openssh/sftp-server (openssh-sftp-server)"
	require_root
	# sshd's privilege separation directory (the package makes it at
	# boot only, and the tests never start the packaged service).
	mkdir -p -m 0755 /run/sshd || fail "mkdir /run/sshd"
	mkdir -p "$SSHD_DIR" || fail "mkdir $SSHD_DIR"
	SSHD_PORT=$(free_port)
	ssh_key sshd-host
	: >"$SSHD_AUTHORIZED"
	for _k in $SSH_AUTHORIZED; do
		ssh_key "$_k"
		cat "$SSH_KEYS/$_k.pub" >>"$SSHD_AUTHORIZED"
	done
	chmod 0644 "$SSHD_AUTHORIZED"
	cat >"$SSHD_DIR/sshd_config" <<EOF
ListenAddress 127.0.0.1:$SSHD_PORT
HostKey $SSH_KEYS/sshd-host
PidFile none
AuthorizedKeysFile $SSHD_AUTHORIZED
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
MaxAuthTries 20
LogLevel VERBOSE
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
	# Lines of the caller's come first: sshd takes a keyword's first value.
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" | cat - "$SSHD_DIR/sshd_config" \
		    >"$SSHD_DIR/sshd_config.new" &&
		    mv "$SSHD_DIR/sshd_config.new" "$SSHD_DIR/sshd_config"
	fi
	"$SSHD" -t -f "$SSHD_DIR/sshd_config" >"$SSHD_DIR/check.log" 2>&1 ||
	    fail "sshd -t: $(cat "$SSHD_DIR/check.log")"
	"$SSHD" -D -e -f "$SSHD_DIR/sshd_config" </dev/null >"$SSHD_LOG" 2>&1 &
	SSHD_PID=$!
	at_exit "ssh_sshd_stop"
	_n=100
	while [ "$_n" -gt 0 ] && [ -z "$(listen_inode "$SSHD_PORT")" ]; do
		kill -0 "$SSHD_PID" 2>/dev/null ||
		    fail "sshd exited: $(tail -n 20 "$SSHD_LOG")"
		sleep 0.1
		_n=$((_n - 1))
	done
	[ "$_n" -gt 0 ] || fail "sshd did not listen within 10 s"
	ssh_known "$SSHD_PORT" sshd-host
}

ssh_sshd_stop()
{
	[ -n "${SSHD_PID:-}" ] || return 0
	kill -TERM "$SSHD_PID" 2>/dev/null && wait_pid "$SSHD_PID" 10
	SSHD_PID=
	return 0
}

# ssh_sshd_accepted KEY: sshd logged a login with key KEY (its fingerprint).
ssh_sshd_accepted()
{
	_fp=$(ssh_fp "$1")
	_n=50
	while [ "$_n" -gt 0 ]; do
		grep "Accepted publickey for " "$SSHD_LOG" | grep -qF -- " $_fp" &&
		    return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# ssh_cred NAME KEY: a credential line, key KEY from a file.
ssh_cred()
{
	ssh_key "$2"
	echo "$1: {from: file, get: $SSH_KEYS/$2}"
}

ssh_agent_service()
{
	_name=$1 _sock=$2
	shift 2
	cat <<EOF
  $_name:
    connector: ssh-agent
    listenOn: unix://$_sock
    credentials:
EOF
	for _line in "$@"; do
		echo "      $_line"
	done
}

ssh_service()
{
	_name=$1 _port=$2
	shift 2
	ssh_key front
	ssh_known "$_port" front
	cat <<EOF
  $_name:
    connector: ssh
    listenOn: tcp://127.0.0.1:$_port
    credentials:
      address: 127.0.0.1:$SSHD_PORT
      hostKey: {from: file, get: $SSH_KEYS/sshd-host.pub}
EOF
	case " $* " in
	*" privateKey:"*) ;;
	*) echo "      $(ssh_cred privateKey ed25519)" ;;
	esac
	case " $* " in
	*" user:"*) ;;
	*) echo "      user: root" ;;
	esac
	for _line in "$@"; do
		echo "      $_line"
	done
	echo "    config:"
	echo "      hostKeyFile: $SSH_KEYS/front"
}

# ssh_config_lines LINE...: the lines of a service's config: section
# (after ssh_service, which opened it, only the lines).
ssh_config_lines()
{
	for _line in "$@"; do
		echo "      $_line"
	done
}

ssh_airlock()
{
	mkdir -p -m 0700 "$T/state" || fail "mkdir $T/state"
	{
		airlock_head "stateDirectory: $T/state" "$@"
		cat
	} >"$T/airlock.yml"
	start_airlock "$T/airlock.yml"
}

_ssh_opts()
{
	echo "-F /dev/null -o UserKnownHostsFile=$T/known_hosts" \
	    "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes" \
	    "-o BatchMode=yes -o ConnectTimeout=10 -o LogLevel=ERROR" \
	    "-o IdentitiesOnly=yes" \
	    "-o IdentityFile=$T/no-such-key"
}

# ssh_c OPTION...: ssh, at most SSH_TIMEOUT seconds (default 60).
ssh_c()
{
	# shellcheck disable=SC2046
	timeout -k 5 "${SSH_TIMEOUT:-60}" ssh $(_ssh_opts) "$@"
}

# ssh_bg OUT OPTION...: ssh_c in the background, its output in OUT;
# SSH_BG_PID is timeout(1)'s, which passes a kill on to ssh.  Killed at
# exit.
ssh_bg()
{
	_out=$1
	shift
	# shellcheck disable=SC2046
	timeout -k 5 "${SSH_TIMEOUT:-60}" ssh $(_ssh_opts) "$@" >"$_out" 2>&1 \
	    </dev/null &
	SSH_BG_PID=$!
	at_exit "kill $SSH_BG_PID"
}

scp_c()
{
	# shellcheck disable=SC2046
	timeout -k 5 "${SSH_TIMEOUT:-60}" scp -q $(_ssh_opts) "$@"
}

sftp_c()
{
	# shellcheck disable=SC2046
	timeout -k 5 "${SSH_TIMEOUT:-60}" sftp -q $(_ssh_opts) "$@"
}

ssh_add()
{
	_sock=$1
	shift
	SSH_AUTH_SOCK=$_sock timeout -k 5 30 ssh-add "$@"
}

ssh_agent_login()
{
	_sock=$1 _key=$2 _user=${3:-root}
	shift 2
	[ $# -eq 0 ] || shift
	ssh_key "$_key"
	ssh_c -o "IdentityAgent=$_sock" -o "IdentityFile=$SSH_KEYS/$_key.pub" \
	    -p "$SSHD_PORT" "$@" "$_user@127.0.0.1" true
}

# ssh_agent_typed: three ssh-agent services that hold every kind of key
# between them, each under the credential name it suits: agent-a
# ($T/agent-a.sock: $SSH_AGENT_A), agent-b ($SSH_AGENT_B), agent-c
# ($SSH_AGENT_C), names of ssh_key in the order of the credentials.
SSH_AGENT_A="rsa ecdsa256 ed25519 rsa-openssh"
SSH_AGENT_B="ecdsa384 ecdsa-openssh"
SSH_AGENT_C="ecdsa521"
ssh_agent_typed()
{
	ssh_agent_service agent-a "$T/agent-a.sock" "$(ssh_cred rsa rsa)" \
	    "$(ssh_cred ecdsa ecdsa256)" "$(ssh_cred ed25519 ed25519)" \
	    "$(ssh_cred privateKey rsa-openssh)"
	ssh_agent_service agent-b "$T/agent-b.sock" \
	    "$(ssh_cred ecdsa ecdsa384)" "$(ssh_cred privateKey ecdsa-openssh)"
	ssh_agent_service agent-c "$T/agent-c.sock" \
	    "$(ssh_cred ecdsa ecdsa521)" "comment: the P-521 key"
}

# ssh_agent_listed SOCKET KEY...: ssh-add -l through SOCKET lists exactly
# KEYs (by fingerprint, in any order).
ssh_agent_listed()
{
	_sock=$1
	shift
	ssh_add "$_sock" -l >"$T/ssh-add.out" 2>&1 ||
	    fail "ssh-add -l ($_sock): $(cat "$T/ssh-add.out")"
	[ "$(wc -l <"$T/ssh-add.out")" -eq $# ] ||
	    fail "ssh-add -l ($_sock) lists $(wc -l <"$T/ssh-add.out")" \
	    "keys, not $#: $(cat "$T/ssh-add.out")"
	for _k in "$@"; do
		grep -qF -- " $(ssh_fp "$_k") " "$T/ssh-add.out" ||
		    fail "ssh-add -l ($_sock) lacks $_k: $(cat "$T/ssh-add.out")"
	done
}

# ssh_front_start [SETTING...]: the test sshd, and airlockd with one ssh
# service, "front", on 127.0.0.1:$FRONT_PORT (ssh_service's defaults).
# ssh_front CMD...: ssh through it (as "anyone": airlock logs in as the
# service's user), its exit status.
ssh_front_start()
{
	ssh_sshd_start
	FRONT_PORT=$(free_port)
	ssh_service front "$FRONT_PORT" >"$T/services.yml"
	ssh_airlock "$@" <"$T/services.yml"
}

ssh_front()
{
	ssh_c -p "$FRONT_PORT" anyone@127.0.0.1 "$@"
}

# ssh_key_needles KEY: what of private key KEY must rest in no worker, one
# file each, $T/needles/KEY.WHAT: the private numbers (RSA d, p, q; the
# ECDSA scalar; the Ed25519 seed) big-endian as the key files hold them
# and little-endian as OpenSSL's BIGNUM limbs do on this machine, and two
# lines of the key's text.  Prints the files' paths.
ssh_key_needles()
{
	ssh_key "$1"
	mkdir -p "$T/needles" && chmod 0700 "$T/needles" || fail "mkdir"
	python3 - "$SSH_KEYS/$1" "$T/needles/$1" <<'EOP' ||
import sys
from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
text = open(sys.argv[1], "rb").read()
load = (s.load_ssh_private_key if b"OPENSSH" in text.split(b"\n")[0]
    else s.load_pem_private_key)
k = load(text, password=None)
parts = {}
if isinstance(k, rsa.RSAPrivateKey):
    n = k.private_numbers()
    parts = {"d": n.d, "p": n.p, "q": n.q}
elif isinstance(k, ec.EllipticCurvePrivateKey):
    parts = {"scalar": k.private_numbers().private_value}
elif isinstance(k, ed25519.Ed25519PrivateKey):
    open(sys.argv[2] + ".seed", "wb").write(k.private_bytes(
        s.Encoding.Raw, s.PrivateFormat.Raw, s.NoEncryption()))
for name, v in parts.items():
    b = v.to_bytes((v.bit_length() + 7) // 8, "big")
    open(sys.argv[2] + "." + name + "-be", "wb").write(b)
    open(sys.argv[2] + "." + name + "-le", "wb").write(b[::-1])
lines = [l for l in text.split(b"\n") if l and not l.startswith(b"-----")]
open(sys.argv[2] + ".text1", "wb").write(lines[1])
open(sys.argv[2] + ".text2", "wb").write(lines[len(lines) // 2 + 1])
EOP
	    fail "cannot take key $1 apart"
	ls "$T/needles/$1".*
}

# ssh_no_key_in WHAT PID KEY...: no needle of any KEY is in PID's memory
# (residency.sh's residency_scan).
ssh_no_key_in()
{
	_what=$1 _pid=$2
	shift 2
	for _k in "$@"; do
		for _f in $(ssh_key_needles "$_k"); do
			residency_scan "$_what" "$_pid" "$_f" \
			    "${_f#"$T"/needles/}"
		done
	done
}

# ssh_worker_of SERVICE: the pid of the worker that serves SERVICE's last
# connection (airlockd's debug log), checked to be a live airlock-worker
# (ssh-agent) or airlock-worker-ssh (ssh; its comm is cut to 15 bytes).
ssh_worker_of()
{
	_w=$(sed -nE "s/.*\] $1#[0-9]+: worker ([0-9]+) started.*/\1/p" \
	    "$AIRLOCK_LOG" | tail -n 1)
	case $(cat "/proc/$_w/comm" 2>/dev/null) in
	airlock-worker|airlock-worker-) [ -n "$_w" ] ;;
	*) false ;;
	esac || fail "$1: no live worker (pid '$_w')"
	echo "$_w"
}
