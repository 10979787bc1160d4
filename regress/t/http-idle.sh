# A client that says nothing is ended by the handshakeTimeout (as any
# worker in its handshake); one that is idle between requests by the
# idleTimeout.  Here both are 1 s; the test waits up to 15 s for the
# close (a hang detector, not a timing assertion).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start "handshakeTimeout: 1s" "idleTimeout: 1s"
# Silent: the connection closes (no "[httptool: no more bytes" note).
printf '' | http_raw "$P" 15
grep -q "^\[httptool: no more bytes" "$T/raw.out" &&
    fail "a silent client was not ended within 15 s"
ok "a silent client was ended"
printf 'GET http://127.0.0.1:%s/basic HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n\r\n' \
    "$HTTP_PORT" "$HTTP_PORT" | http_raw "$P" 15
[ "$(http_raw_code)" = 200 ] || fail "the request: $(cat "$T/raw.out")"
grep -q "^\[httptool: no more bytes" "$T/raw.out" &&
    fail "an idle keep-alive client was not ended within 15 s"
ok "after its 200, an idle client was ended"
airlock_alive || fail "airlockd died"
exit 0
