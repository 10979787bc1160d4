# credentialValidations are checked on each fetch: a credential that does
# not match is answered with 503 naming the credential and the pattern,
# never the value, and nothing goes upstream.  basic_auth's own
# (username: [^:]+, unanchored as Go's regexp matches: only a username
# without any other character than colons fails it) and a generic_http
# service's, anchored.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
PG=$(free_port)
BAD=bad-$(openssl rand -hex 6)
printf ':::' >"$T/bad.user"
printf '%s99' "$BAD" >"$T/bad.key"
chmod 0600 "$T/bad.user" "$T/bad.key"
http_airlock <<EOF2
  colon:
    connector: basic_auth
    listenOn: tcp://127.0.0.1:$P
    credentials:
      username: {from: file, get: $T/bad.user}
      password: {from: file, get: $T/http.pw}
    config:
      authenticateURLsMatching: $HTTP_PATTERN
      allowPlainHTTP: true
  key:
    connector: generic_http
    listenOn: tcp://127.0.0.1:$PG
    credentials:
      apikey: {from: file, get: $T/bad.key}
    config:
      authenticateURLsMatching: $HTTP_PATTERN
      allowPlainHTTP: true
      credentialValidations:
        apikey: '^[a-z-]+$'
      headers:
        X-Api-Key: "{{ .apikey }}"
EOF2
U=http://127.0.0.1:$HTTP_PORT/echo
http_log_mark
http_expect "a username of colons only" 503 "$P" "$U"
http_body_has "username" "username"
http_body_has "username" "[^:]+"
http_body_lacks "username" ":::"
http_expect "an apikey with digits" 503 "$PG" "$U"
http_body_has "apikey" "apikey"
http_body_has "apikey" "^[a-z-]+\$"
http_body_lacks "apikey" "$BAD"
[ -z "$(http_log_new)" ] || fail "nginx logged a request: $(http_log_new)"
grep -qF "$BAD" "$AIRLOCK_LOG" && fail "a bad value is in the log"
ok "refused, naming the credential and the pattern; no value anywhere"
airlock_alive || fail "airlockd died"
exit 0
