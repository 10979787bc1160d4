# generic_http: headers and queryParams rendered from templates over the
# credentials (a credential, printf and base64, plain text), added to each
# request; the query re-encoded sorted by name as Go's url.Values.Encode
# does (Secretless Broker's generic connector); a client's own header of
# an injected name is replaced, not doubled.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
KEY=key-$(openssl rand -hex 8)
printf '%s' "$KEY" >"$T/apikey"
chmod 0600 "$T/apikey"
http_airlock <<EOF2
  generic:
    connector: generic_http
    listenOn: tcp://127.0.0.1:$P
    credentials:
      apikey:
        from: file
        get: $T/apikey
      user: robot
    config:
      authenticateURLsMatching: $HTTP_PATTERN
      allowPlainHTTP: true
      headers:
        X-Api-Key: "{{ .apikey }}"
        Authorization: 'Basic {{ printf "%s:%s" .user .apikey | base64 }}'
      queryParams:
        token: "{{ .apikey }}"
        note: "a b&c"
EOF2
H=http://127.0.0.1:$HTTP_PORT
B64=$(printf 'robot:%s' "$KEY" | base64 -w 0)
http_expect "headers and query" 200 "$P" "$H/echo?z=9&a=1" \
    -H "X-Api-Key: the-client-s-own"
http_body_has headers "x-api-key=$KEY"
http_body_has headers "authorization=Basic $B64"
http_body_has query "args=a=1&note=a+b%26c&token=$KEY&z=9"
http_body_lacks headers "the-client-s-own"
ok "X-Api-Key replaced, Authorization rendered, query sorted and encoded"
airlock_alive || fail "airlockd died"
exit 0
