# Pipelined requests (three in one write, the last with Connection: close)
# are answered one after another, in order.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start
H="127.0.0.1:$HTTP_PORT"
# req METHOD N MARKER [FIELD...]: a request line and head for /echo?n=N.
req()
{
	printf '%s http://%s/echo?n=%s HTTP/1.1\r\nHost: %s\r\n' "$1" "$H" \
	    "$2" "$H"
	printf 'X-Marker: %s\r\n' "$3"
	shift 3
	for f in "$@"; do
		printf '%s\r\n' "$f"
	done
	printf '\r\n'
}
{
	req GET 1 first
	req POST 2 second "Content-Length: 4"
	printf body
	req GET 3 third "Connection: close"
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
