# generic_http oauth1: the Authorization is an OAuth 1.0a HMAC-SHA1 one
# (RFC 5849) made by the monitor with the consumer and token secrets, over
# the request's own parameters (query and form body): regress/tools/
# fakeoauth1.py verifies it with oauthlib, and refuses a nonce used twice,
# so two requests also show a fresh nonce each.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

fakeoauth1_start
P=$(free_port)
http_airlock <<EOF2
  oauth:
    connector: generic_http
    listenOn: tcp://127.0.0.1:$P
    credentials:
      consumer_key: {from: file, get: $T/oauth.consumer_key}
      consumer_secret: {from: file, get: $T/oauth.consumer_secret}
      token: {from: file, get: $T/oauth.token}
      token_secret: {from: file, get: $T/oauth.token_secret}
    config:
      authenticateURLsMatching: ^http://127\.0\.0\.1:$FAKEOAUTH1_PORT/
      allowPlainHTTP: true
      oauth1:
        consumer_key: "{{ .consumer_key }}"
        consumer_secret: "{{ .consumer_secret }}"
        token: "{{ .token }}"
        token_secret: "{{ .token_secret }}"
EOF2
O=http://127.0.0.1:$FAKEOAUTH1_PORT
http_expect "GET with a query" 200 "$P" "$O/1/statuses?count=2&q=a%20b"
http_body_has GET "oauth1 ok "
http_body_has GET "count=2"
http_expect "POST with a form body" 200 "$P" "$O/1/update?x=1" \
    -d "status=hello%20world&b=2"
http_body_has POST "status=hello%20world"
http_expect "the same again (a new nonce)" 200 "$P" "$O/1/update?x=1" \
    -d "status=hello%20world&b=2"
grep -qF "$(cat "$T/oauth.consumer_secret")" "$AIRLOCK_LOG" &&
    fail "the consumer secret is in the log"
airlock_alive || fail "airlockd died"
exit 0
