# The private key with which the ssh connector logs in to the backend
# never enters the worker: while a session runs, the worker (which holds
# the command output it relays: the control) holds neither the key's
# private numbers nor a line of its text; its signatures come from the
# monitor over the agent socketpair.  airlockd holds none of it once the
# session is over.  (The front host key is the worker's by design.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/residency.sh"
. "$TOP/regress/ssh.sh"

ssh_sshd_start
KEYS="ed25519 rsa ecdsa384"
for k in $KEYS; do
	p=$(free_port)
	echo "$k $p" >>"$T/ports"
	ssh_service "front-$k" "$p" "$(ssh_cred privateKey "$k")"
done >"$T/services.yml"
ssh_airlock <"$T/services.yml"
residency_marker ssh

while read -r k p; do
	svc=front-$k
	ssh_c -p "$p" anyone@127.0.0.1 "cat $T/marker; echo; sleep 20" \
	    >"$T/out.$svc" 2>&1 </dev/null &
	C=$!
	at_exit "kill $C"
	wait_for_log "^marker-" 20 "$T/out.$svc" ||
	    fail "$svc: $(cat "$T/out.$svc")"
	W=$(ssh_worker_of "$svc")
	"$MEMSCAN" "$W" "$T/marker" >"$T/scan.marker" 2>&1
	[ $? -eq 1 ] || fail "$svc: control: the output it relayed is not in" \
	    "worker $W: $(cat "$T/scan.marker")"
	ssh_no_key_in "$svc worker" "$W" "$k"
	ok "$svc: worker $W relays the session, holds nothing of key $k"
	kill "$C"
	wait "$C" 2>/dev/null
done <"$T/ports"
wait_for_log "\] front-ecdsa384#[0-9]+: closed" 10 || true
# shellcheck disable=SC2086
ssh_no_key_in "monitor, sessions over" "$AIRLOCK_PID" $KEYS
ok "nor does airlockd once the sessions are over"
airlock_alive || fail "airlockd died"
exit 0
