# ssh -L through the ssh connector: a direct-tcpip channel opened by the
# client is opened on the backend, and an HTTP request through the local
# port reaches a python3 http.server there, its answer coming back whole;
# two requests at once, each on its own channel.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ssh.sh"

ssh_front_start
mkdir "$T/www" && head -c 2097152 /dev/urandom >"$T/www/blob" || fail "blob"
HP=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$HP" \
    >"$T/http.log" 2>&1 &
at_exit "kill $!"
LP=$(free_port)
ssh_bg "$T/ssh.out" -N -o ExitOnForwardFailure=yes -L "$LP:127.0.0.1:$HP" \
    -p "$FRONT_PORT" anyone@127.0.0.1
SSHPID=$SSH_BG_PID
n=100
while [ "$n" -gt 0 ] && { [ -z "$(listen_inode "$LP")" ] ||
    [ -z "$(listen_inode "$HP")" ]; }; do
	kill -0 "$SSHPID" 2>/dev/null || fail "ssh -L: $(cat "$T/ssh.out")"
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || fail "ssh -L or http.server did not listen within 10 s"

pids=
for i in 1 2; do
	curl -sS --max-time 30 -o "$T/got.$i" "http://127.0.0.1:$LP/blob" \
	    2>"$T/curl.$i" &
	pids="$pids $!"
done
i=0
for p in $pids; do
	i=$((i + 1))
	wait_pid "$p" 40 || fail "curl $i: $(cat "$T/curl.$i")"
	cmp -s "$T/www/blob" "$T/got.$i" ||
	    fail "request $i: the body arrived changed: $(cat "$T/curl.$i")"
done
ok "two requests through ssh -L, 2 MiB each, whole"
kill "$SSHPID"
airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
