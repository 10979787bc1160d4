# The private key with which the ssh connector logs in to the backend
# never enters the worker: while a session runs, the worker holds neither
# the key's private numbers nor a line of its text; its signatures come
# from the monitor over the agent socketpair.  The control: the worker
# does hold the front host key's seed (the front leg's key is the
# worker's by design: libssh signs the key exchange with it), which the
# same scan finds.  airlockd holds none of the backend key once the
# sessions are over.
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

while read -r k p; do
	svc=front-$k
	ssh_bg "$T/out.$svc" -p "$p" anyone@127.0.0.1 "echo in; sleep 20"
	wait_for_log "^in$" 20 "$T/out.$svc" ||
	    fail "$svc: $(cat "$T/out.$svc")"
	W=$(ssh_worker_of "$svc")
	residency_found "$svc worker" "$W" \
	    "$(ssh_key_needles front | grep '\.seed$')" "the front key's seed"
	ssh_no_key_in "$svc worker" "$W" "$k"
	ok "$svc: worker $W holds the front key, and nothing of key $k"
	kill "$SSH_BG_PID"
	wait "$SSH_BG_PID" 2>/dev/null
	wait_for_log "\] $svc#[0-9]+: closed" 10 ||
	    fail "$svc: the session did not end with its client"
done <"$T/ports"
# shellcheck disable=SC2086
ssh_no_key_in "monitor, sessions over" "$AIRLOCK_PID" $KEYS
ok "nor does airlockd once the sessions are over"
airlock_alive || fail "airlockd died"
exit 0
