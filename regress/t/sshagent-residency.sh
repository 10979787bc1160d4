# The private keys of an ssh-agent service never enter its worker.  While
# a client holds its agent connection open after a signature, the worker
# (which holds the data it had signed: the control) holds none of the
# keys' private numbers (RSA d, p, q; the ECDSA scalar; the Ed25519 seed,
# in the byte orders of the key file and of OpenSSL's memory) nor any
# line of their text, for every kind of key and both formats; airlockd
# holds none of it once the connections are over, and none is logged.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/residency.sh"
. "$TOP/regress/ssh.sh"

ssh_agent_typed >"$T/services.yml"
ALL="$SSH_AGENT_A $SSH_AGENT_B $SSH_AGENT_C"

# The control of the needles: a process that has loaded each key with
# OpenSSL (as airlockd does) holds each of them (the big-endian numbers
# only where something decoded them so: they are scanned for too).
python3 -c '
import sys, time
from cryptography.hazmat.primitives import serialization as s
keys = []
for p in sys.argv[1:]:
    t = open(p, "rb").read()
    f = s.load_ssh_private_key if b"OPENSSH" in t[:40] else s.load_pem_private_key
    keys.append((t, f(t, password=None)))
print("loaded", flush=True)
time.sleep(60)' $(for k in $ALL; do echo "$SSH_KEYS/$k"; done) \
    >"$T/holder.out" 2>&1 &
HOLDER=$!
at_exit "kill $HOLDER"
wait_for_log loaded 20 "$T/holder.out" || fail "holder: $(cat "$T/holder.out")"
for k in $ALL; do
	for f in $(ssh_key_needles "$k"); do
		case $f in *-be) continue ;; esac
		residency_found "a process that loaded the keys" "$HOLDER" \
		    "$f" "${f#"$T"/needles/}"
	done
done
kill "$HOLDER"
ok "control: every needle is found in a process that loaded the keys"

ssh_airlock <"$T/services.yml"
residency_marker agent
for s in "a $SSH_AGENT_A" "b $SSH_AGENT_B" "c $SSH_AGENT_C"; do
	set -- $s
	svc=agent-$1
	shift
	python3 "$TOP/regress/tools/agentclient.py" hold "$T/$svc.sock" \
	    "$T/marker" 20 >"$T/client.$svc" 2>&1 &
	C=$!
	at_exit "kill $C"
	wait_for_log "^signed" 20 "$T/client.$svc" ||
	    fail "$svc: $(cat "$T/client.$svc")"
	W=$(ssh_worker_of "$svc")
	residency_found "$svc worker" "$W" "$T/marker" "the data it had signed"
	ssh_no_key_in "$svc worker" "$W" "$@"
	ok "$svc: worker $W holds the signed data but nothing of $*"
	kill "$C"
	wait "$C" 2>/dev/null
done

wait_for_log "\] agent-c#[0-9]+: closed" 10 || true
# shellcheck disable=SC2086
ssh_no_key_in "monitor, connections over" "$AIRLOCK_PID" $ALL
ok "nor does airlockd once the connections are over"
for k in $ALL; do
	for f in $(ssh_key_needles "$k"); do
		"$MEMSCAN" -s "$AIRLOCK_LOG" "$f" >/dev/null ||
		    fail "${f#"$T"/needles/} is in airlockd's log"
	done
done
ok "nor is any in airlockd's log ($(wc -l <"$AIRLOCK_LOG") lines, debug)"
airlock_alive || fail "airlockd died"
exit 0
