# Keep-alive on both legs: 10,000 requests on one client connection
# (python's http.client), each answered in order (the echo of its own
# URI), and nginx saw them all on one connection.  airlockd runs at log
# level info (-D, as the bench): at debug level the worker logs lines for
# each request, and the log budget would end it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

AIRLOCK_FLAGS=-D http_basic_start "logLevel: info"
http_log_mark
out=$(timeout -k 5 600 "$HTTP_PYTHON" "$HTTPTOOL" keepalive "$P" \
    "http://127.0.0.1:$HTTP_PORT/echo?k=1" 10000 2>&1) ||
    fail "keep-alive client: $out"
case "$out" in
"10000 ok, connections: "*", proxy connections: 1") ;;
*) fail "keep-alive: $out" ;;
esac
ok "$out"
sleep 0.5
n=$(http_log_new | wc -l)
c=$(http_log_new | awk '{ print $2 }' | sort -u | wc -l)
[ "$n" = 10000 ] && [ "$c" = 1 ] ||
    fail "nginx logged $n requests on $c connections"
ok "nginx: 10000 requests on one connection"
airlock_alive || fail "airlockd died"
exit 0
