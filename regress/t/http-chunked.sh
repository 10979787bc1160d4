# Chunked bodies both ways: a chunked upload (curl -T - sends
# Transfer-Encoding: chunked) arrives whole at nginx's WebDAV PUT, and
# nginx's chunked answer (/chunked, 1,000,000 bytes) arrives whole.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start
H=http://127.0.0.1:$HTTP_PORT
head -c 3000000 /dev/urandom >"$T/up"
http_expect "chunked PUT" 201 "$P" "$H/upload/c" -T - -v <"$T/up"
grep -qi "^> Transfer-Encoding: chunked" "$T/curl.err" ||
    fail "curl did not send chunked"
cmp -s "$T/up" "$HTTP_DIR/www/upload/c" || fail "the chunked upload differs"
ok "the chunked upload arrived whole"
http_expect "chunked answer" 200 "$P" "$H/chunked" -D "$T/head"
[ "$(wc -c <"$T/body")" = 1000000 ] ||
    fail "the chunked answer: $(wc -c <"$T/body") bytes"
[ "$(tr -d 0-9 <"$T/body" | wc -c)" = 0 ] || fail "the chunked answer differs"
grep -qi "^transfer-encoding: chunked" "$T/head" ||
    fail "the answer came not chunked: $(cat "$T/head")"
ok "the chunked answer arrived whole, chunked"
airlock_alive || fail "airlockd died"
exit 0
