# A redirect from upstream goes back to the client as it is: airlock never
# follows it, so the server of the Location never sees the credentials,
# even when a pattern would match it (here every port of 127.0.0.1).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
http_basic_service basic "$P" \
    "authenticateURLsMatching: '^http://127\\.0\\.0\\.1:'" \
    "allowPlainHTTP: true" >"$T/services.yml"
http_airlock <"$T/services.yml"
http_expect "a redirect" 302 "$P" "http://127.0.0.1:$HTTP_PORT/redirect" \
    -D "$T/head"
grep -qi "^location: http://127.0.0.1:$HTTP_OTHER_PORT/landing" "$T/head" ||
    fail "the Location is not the server's: $(cat "$T/head")"
sleep 0.5
[ -s "$HTTP_OTHER_LOG" ] &&
    fail "the Location's server got a request: $(cat "$HTTP_OTHER_LOG")"
ok "returned as it is; the Location's server saw nothing"
airlock_alive || fail "airlockd died"
exit 0
