# The password of a basic_auth service does not rest where it does not
# belong.  With a canary password (nginx's htpasswd has it), a request
# through airlock gets 200; while the client keeps its connection open
# the worker, which relayed the request (it holds the request's marker),
# holds neither the canary nor the header value it wrote (Basic
# base64(user:canary)): it wiped it once written; nor does airlockd, once
# the answer was sent.  Neither is in any log line (debug) or the
# client's output.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"
. "$TOP/regress/residency.sh"

residency_canary
HTTP_PASSWORD=$CANARY
http_basic_start
cmp -s "$T/canary" "$T/http.pw" || fail "the canary is not nginx's password"
printf 'Basic %s' "$(printf '%s:%s' "$HTTP_USER" "$CANARY" | base64 -w 0)" \
    >"$T/header"
chmod 0600 "$T/header"
residency_marker basic
: >"$T/client.out"
"$HTTP_PYTHON" "$HTTPTOOL" hold "$P" \
    "http://127.0.0.1:$HTTP_PORT/basic?$MARKER" 20 >"$T/client.out" 2>&1 &
C=$!
at_exit "kill $C"
n=100
while [ "$n" -gt 0 ] && ! grep -q "basic ok" "$T/client.out"; do
	kill -0 "$C" 2>/dev/null || fail "the client ended: $(cat "$T/client.out")"
	sleep 0.1
	n=$((n - 1))
done
[ "$(head -n 1 "$T/client.out")" = 200 ] ||
    fail "the request: $(cat "$T/client.out")"
ok "200 through airlock with the canary password"
sleep 0.5
W=$(http_worker_pids | head -n 1)
[ -n "$W" ] || fail "no live worker"
"$MEMSCAN" "$W" "$T/marker" >"$T/scan.marker" 2>&1
[ $? -eq 1 ] || fail "control: the marker is not in worker $W:" \
    "$(cat "$T/scan.marker")"
residency_scan "worker" "$W"
residency_scan "worker" "$W" "$T/header" "the Authorization value"
ok "worker $W holds the request's marker, not the canary nor the header"
residency_scan "monitor" "$AIRLOCK_PID"
residency_scan "monitor" "$AIRLOCK_PID" "$T/header" "the Authorization value"
ok "nor does airlockd"
kill "$C" 2>/dev/null
wait "$C" 2>/dev/null
residency_logs "$T/client.out"
airlock_alive || fail "airlockd died"
exit 0
