# basic_auth: nginx demands basic auth (401 without it); through airlock a
# client that knows no password gets 200, and nginx saw the Authorization
# that airlock added: Basic base64(user:password).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start
U=http://127.0.0.1:$HTTP_PORT/basic

s=$(timeout 30 curl -sS -o /dev/null -w '%{http_code}' "$U")
[ "$s" = 401 ] || fail "nginx without a password: $s, not 401"
ok "nginx without a password: 401"
http_log_mark
http_expect "through airlock" 200 "$P" "$U"
http_body_has "through airlock" "basic ok $HTTP_USER"
want="Basic $(printf '%s:%s' "$HTTP_USER" "$HTTP_PASSWORD" | base64 -w 0)"
http_log_new | grep -qF "\"GET /basic HTTP/1.1\" 200 " ||
    fail "nginx's log lacks the request in origin form: $(http_log_new)"
http_log_new | grep -qF "\"$want\"" ||
    fail "nginx did not see the injected header: $(http_log_new)"
ok "nginx saw the request in origin form with the injected Authorization"
grep -qF "$HTTP_PASSWORD" "$AIRLOCK_LOG" && fail "the password is in the log"
airlock_alive || fail "airlockd died"
exit 0
