# Expect: 100-continue: curl sends it for a PUT of 2 MiB and waits (here up
# to 30 s) for the interim answer; airlock forwards nginx's 100 Continue,
# then the body, and the file arrives whole.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start
head -c $((2 * 1024 * 1024)) /dev/urandom >"$T/up"
http_expect "PUT with Expect: 100-continue" 201 "$P" \
    "http://127.0.0.1:$HTTP_PORT/upload/e" -T "$T/up" \
    -H "Expect: 100-continue" --expect100-timeout 30 -v
grep -q "^< HTTP/1.1 100 Continue" "$T/curl.err" ||
    fail "curl got no 100 Continue: $(grep '^[<>]' "$T/curl.err")"
grep -q "^> Expect: 100-continue" "$T/curl.err" ||
    fail "curl sent no Expect"
cmp -s "$T/up" "$HTTP_DIR/www/upload/e" || fail "the uploaded file differs"
ok "100 Continue forwarded, the 2 MiB arrived whole"
airlock_alive || fail "airlockd died"
exit 0
