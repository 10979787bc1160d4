#!/bin/sh
#
# The SSH part of `make demo` (regress/demo.sh runs it): a throwaway
# OpenSSH sshd that accepts one key, and airlock in front of it twice: as
# an ssh agent that holds the key (ssh-add -l, then ssh signing through
# it), and as an SSH server that logs in there with the key itself.  No
# client ever holds the key.  Everything stops at the end.

. "$(dirname "$0")/lib.sh"
. "$TOP/regress/ssh.sh"

echo "Starting a throwaway sshd that accepts one Ed25519 key..."
SSH_AUTHORIZED=ed25519
ssh_sshd_start
P=$(free_port)
{
	ssh_agent_service demo-agent "$T/agent.sock" \
	    "$(ssh_cred ed25519 ed25519)" "comment: the demo key"
	ssh_service demo-ssh "$P"
} >"$T/services.yml"
ssh_airlock <"$T/services.yml"
ssh_key ecdsa256
A=$T/agent.sock
CMD='echo hello from $(hostname) as $(id -un)'

cat <<EOT

sshd listens on 127.0.0.1:$SSHD_PORT and lets in root with one key, whose
private half is in $SSH_KEYS, readable by root only, and which only
airlockd reads.  airlockd serves it as an ssh agent on $A:

\$ SSH_AUTH_SOCK=$A ssh-add -l
EOT
ssh_add "$A" -l || fail "ssh-add -l through airlock failed"
cat <<EOT

\$ SSH_AUTH_SOCK=$A ssh -p $SSHD_PORT root@127.0.0.1 '$CMD'
EOT
ssh_c -o "IdentityAgent=$A" -o "IdentityFile=$SSH_KEYS/ed25519.pub" \
    -p "$SSHD_PORT" root@127.0.0.1 "$CMD" ||
    fail "ssh through airlock's agent failed"
cat <<EOT

A client can neither add keys to it nor remove any:

\$ SSH_AUTH_SOCK=$A ssh-add $SSH_KEYS/ecdsa256
EOT
ssh_add "$A" "$SSH_KEYS/ecdsa256" 2>&1
cat <<EOT

And as an SSH server on 127.0.0.1:$P, airlock logs in to sshd with that
key itself; the client needs no key at all:

\$ ssh -p $P 127.0.0.1 '$CMD'
EOT
ssh_c -p "$P" anyone@127.0.0.1 "$CMD" ||
    fail "ssh through airlock's ssh connector failed"
cat <<EOT

What happened: each signature that logged in to sshd was made by airlockd,
the monitor; the sandboxed workers that spoke to ssh-add, ssh and sshd saw
public keys and signatures only.  airlockd's log says:
EOT
wait_for_log "demo-ssh#[0-9]+: closed" 5
grep -E "\[INFO\] demo-(agent|ssh)#" "$AIRLOCK_LOG" | sed 's/^/    /'
exit 0
