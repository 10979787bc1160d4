# A URL that no service of the listener matches is refused with 403 and
# the reason (the URL without its query), where Secretless Broker would
# forward it unauthenticated; nothing reaches nginx.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
http_basic_service only-basic "$P" \
    "authenticateURLsMatching: ^http://127\\.0\\.0\\.1:$HTTP_PORT/basic" \
    "allowPlainHTTP: true" >"$T/services.yml"
http_airlock <"$T/services.yml"
H=http://127.0.0.1:$HTTP_PORT
http_expect "a matched URL" 200 "$P" "$H/basic"
http_log_mark
http_expect "an unmatched URL" 403 "$P" "$H/echo?q=hidden"
http_body_has unmatched "airlock: no service of this listener matches $H/echo;"
http_body_has unmatched "; airlock does not forward unauthenticated requests"
http_body_lacks unmatched "hidden"
http_expect "another host" 403 "$P" "http://127.0.0.2:$HTTP_PORT/basic"
[ -z "$(http_log_new)" ] || fail "nginx logged requests: $(http_log_new)"
ok "nothing reached nginx"
airlock_alive || fail "airlockd died"
exit 0
