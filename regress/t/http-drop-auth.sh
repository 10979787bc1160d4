# A client's own Authorization and Proxy-Authorization are dropped before
# injection: nginx's /echo shows the injected Authorization only and no
# Proxy-Authorization (curl's -U sends one for the proxy).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start
want="Basic $(printf '%s:%s' "$HTTP_USER" "$HTTP_PASSWORD" | base64 -w 0)"
http_expect "client headers" 200 "$P" "http://127.0.0.1:$HTTP_PORT/echo" \
    -H "Authorization: Bearer client-own-token" -U "proxyuser:proxypass" \
    -H "Proxy-Authorization: Basic c2Vjb25kOm9uZQ=="
http_body_has echo "authorization=$want"
grep -qx "proxy-authorization=" "$T/body" ||
    fail "a Proxy-Authorization arrived: $(cat "$T/body")"
http_body_lacks echo "client-own-token"
[ "$(grep -c '^authorization=' "$T/body")" = 1 ] || fail "two Authorizations"
ok "only the injected Authorization arrived"
airlock_alive || fail "airlockd died"
exit 0
