# passthrough: true is the explicit opt-in to unauthenticated forwarding:
# a service with no credentials whose URLs are forwarded with nothing
# added (and the client's own Authorization still dropped); without it the
# same URL is refused (http-unmatched.sh).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
http_airlock <<EOF2
  open:
    connector: generic_http
    listenOn: tcp://127.0.0.1:$P
    config:
      authenticateURLsMatching: ^http://127\.0\.0\.1:$HTTP_PORT/(echo|basic)
      passthrough: true
EOF2
H=http://127.0.0.1:$HTTP_PORT
http_expect "passthrough" 200 "$P" "$H/echo?x=1" -H "X-Marker: pass" \
    -H "Authorization: Bearer mine"
http_body_has passthrough "x-marker=pass"
http_body_has passthrough "args=x=1"
grep -qx "authorization=" "$T/body" ||
    fail "passthrough: an Authorization arrived: $(cat "$T/body")"
http_expect "passthrough, no credentials added" 401 "$P" "$H/basic"
http_expect "outside the pattern" 403 "$P" "$H/"
airlock_alive || fail "airlockd died"
exit 0
