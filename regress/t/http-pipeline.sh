# Pipelined requests (three in one write, the last with Connection: close)
# are answered one after another, in order.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
http_basic_service basic "$P" "authenticateURLsMatching: $HTTP_PATTERN" \
    "allowPlainHTTP: true" >"$T/services.yml"
http_airlock <"$T/services.yml"
H="127.0.0.1:$HTTP_PORT"
{
	printf 'GET http://%s/echo?n=1 HTTP/1.1\r\nHost: %s\r\nX-Marker: first\r\n\r\n' "$H" "$H"
	printf 'POST http://%s/echo?n=2 HTTP/1.1\r\nHost: %s\r\nX-Marker: second\r\nContent-Length: 4\r\n\r\nbody' "$H" "$H"
	printf 'GET http://%s/echo?n=3 HTTP/1.1\r\nHost: %s\r\nX-Marker: third\r\nConnection: close\r\n\r\n' "$H" "$H"
} | http_raw "$P"
got=$(grep -a -o "x-marker=[a-z]*" "$T/raw.out" | tr '\n' ' ')
[ "$got" = "x-marker=first x-marker=second x-marker=third " ] ||
    fail "pipelined answers: '$got': $(cat "$T/raw.out")"
[ "$(grep -a -c '^HTTP/1.1 200' "$T/raw.out")" = 3 ] ||
    fail "not three 200s: $(cat "$T/raw.out")"
grep -q "^\[httptool: no more bytes" "$T/raw.out" &&
    fail "the connection stayed open after Connection: close"
ok "three pipelined requests answered in order"
airlock_alive || fail "airlockd died"
exit 0
