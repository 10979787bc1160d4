# Services with the same listenOn share the listener; each request goes
# to the first of them, in service-name order (not file order), whose
# pattern matches: "a-echo" matches /echo only and "b-all" everything, so
# /echo gets a-echo's header and /basic b-all's credentials, on one
# client connection.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
http_airlock <<EOF2
  b-all:
    connector: basic_auth
    listenOn: tcp://127.0.0.1:$P
    credentials:
      username: $HTTP_USER
      password: {from: file, get: $T/http.pw}
    config:
      authenticateURLsMatching: $HTTP_PATTERN
      allowPlainHTTP: true
  a-echo:
    connector: generic_http
    listenOn: tcp://127.0.0.1:$P
    credentials:
      key: from-a-echo
    config:
      authenticateURLsMatching: ^http://127\.0\.0\.1:$HTTP_PORT/echo
      allowPlainHTTP: true
      headers:
        X-Api-Key: "{{ .key }}"
EOF2
H=http://127.0.0.1:$HTTP_PORT
# One curl, two URLs: one client connection.
timeout 60 curl -sS -x "http://127.0.0.1:$P" -o "$T/echo.out" "$H/echo" \
    -o "$T/basic.out" "$H/basic" >"$T/curl.out" 2>&1 ||
    fail "curl: $(cat "$T/curl.out")"
grep -qx "x-api-key=from-a-echo" "$T/echo.out" ||
    fail "/echo did not go to a-echo: $(cat "$T/echo.out")"
grep -qx "authorization=" "$T/echo.out" ||
    fail "/echo got b-all's Authorization too: $(cat "$T/echo.out")"
ok "/echo: a-echo's header only"
[ "$(cat "$T/basic.out")" = "basic ok $HTTP_USER" ] ||
    fail "/basic did not go to b-all: $(cat "$T/basic.out")"
ok "/basic: b-all's credentials"
airlock_alive || fail "airlockd died"
exit 0
