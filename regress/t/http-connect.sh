# CONNECT is refused with 405 and the reason (airlock forwards plain http
# requests only): curl's tunnel for an https URL, and a raw CONNECT.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
http_basic_service basic "$P" \
    "authenticateURLsMatching: '^https?://127\\.0\\.0\\.1:'" >"$T/services.yml"
http_airlock <"$T/services.yml"
http_curl "$P" "https://127.0.0.1:$HTTPS_PORT/basic" --cacert "$HTTP_CA" \
    >"$T/out" 2>&1 && fail "CONNECT through airlock worked: $(cat "$T/out")"
grep -q "CONNECT tunnel failed, response 405" "$T/out" ||
    fail "curl's CONNECT: $(cat "$T/out")"
ok "curl: $(cat "$T/out")"
printf 'CONNECT 127.0.0.1:%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n\r\n' \
    "$HTTPS_PORT" "$HTTPS_PORT" | http_raw "$P"
[ "$(http_raw_code)" = 405 ] ||
    fail "raw CONNECT: $(cat "$T/raw.out")"
R="airlock: CONNECT is not supported; airlock forwards plain http"
grep -qF "$R requests only" "$T/raw.out" ||
    fail "raw CONNECT: no reason: $(cat "$T/raw.out")"
ok "raw CONNECT: 405 with the reason"
airlock_alive || fail "airlockd died"
exit 0
