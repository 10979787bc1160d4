# conjur: the Authorization is Token token="<base64 of the access token>"
# (Secretless Broker's conjur connector): nginx's /bearer accepts exactly
# that (401 otherwise), and /echo shows it.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
http_airlock <<EOF2
  conjur:
    connector: conjur
    listenOn: tcp://127.0.0.1:$P
    credentials:
      accessToken:
        from: file
        get: $T/http.token
    config:
      authenticateURLsMatching:
        - $HTTP_PATTERN
      allowPlainHTTP: true
EOF2
H=http://127.0.0.1:$HTTP_PORT
s=$(timeout 30 curl -sS -o /dev/null -w '%{http_code}' "$H/bearer")
[ "$s" = 401 ] || fail "nginx without a token: $s, not 401"
http_expect "bearer through airlock" 200 "$P" "$H/bearer"
http_body_has bearer "bearer ok"
http_expect "echo through airlock" 200 "$P" "$H/echo"
http_body_has echo "authorization=Token token=\"$HTTP_TOKEN_B64\""
airlock_alive || fail "airlockd died"
exit 0
