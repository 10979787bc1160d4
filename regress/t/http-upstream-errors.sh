# An upstream that cannot be reached (a closed port), or that answers with
# bytes that are no HTTP response, is answered with 502 and a short reason
# (never the credentials), and airlockd and later requests go on.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

CLOSED=$(free_port)
G=$(free_port)
_http_tool httptool "$T/garbage.log" garbage "$G"
http_start
P=$(free_port)
http_basic_service basic "$P" \
    "authenticateURLsMatching: '^http://127\\.0\\.0\\.1:'" \
    "allowPlainHTTP: true" >"$T/services.yml"
http_airlock <"$T/services.yml"

http_expect "a closed port" 502 "$P" "http://127.0.0.1:$CLOSED/basic"
http_body_has "closed port" "airlock: "
http_body_lacks "closed port" "$HTTP_PASSWORD"
http_expect "an answer that is not HTTP" 502 "$P" "http://127.0.0.1:$G/basic"
http_body_has "garbage" "airlock: "
http_body_lacks "garbage" "$HTTP_PASSWORD"
http_expect "nginx afterwards" 200 "$P" "http://127.0.0.1:$HTTP_PORT/basic"
airlock_alive || fail "airlockd died"
exit 0
