# The HTTP harness against the real servers, with no airlock: nginx's
# locations answer what regress/http.sh says (basic auth with and without
# the password, the bearer token, echo, the redirect, a PUT, the sparse
# file, a chunked answer, TLS verified against the test CA by IP and by
# name, refused against another CA and for the other.invalid certificate),
# and fakeaws.py accepts a request that botocore and curl sign with the
# real key and refuses one signed with another secret.  The tests of the
# HTTP connectors stand on what this proves.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
fakeaws_start
fakeoauth1_start
H=http://127.0.0.1:$HTTP_PORT

# direct WHAT STATUS URL [CURL_OPTION...]: curl with no proxy.
direct()
{
	_what=$1 _want=$2 _u=$3
	shift 3
	_got=$(timeout 60 curl -sS --max-time 50 -o "$T/body" \
	    -w '%{http_code}' "$@" "$_u" 2>"$T/curl.err")
	[ "$_got" = "$_want" ] || fail "$_what: status $_got, not $_want:" \
	    "$(cat "$T/curl.err" "$T/body" | head -c 2000)"
	ok "$_what: $_got $(head -n 1 "$T/body" | head -c 100)"
}

direct "basic, no password" 401 "$H/basic"
direct "basic, wrong password" 401 "$H/basic" -u "$HTTP_USER:wrong"
direct "basic, password" 200 "$H/basic" -u "$HTTP_USER:$HTTP_PASSWORD"
http_body_has basic "basic ok $HTTP_USER"
direct "bearer, none" 401 "$H/bearer"
direct "bearer, raw token" 401 "$H/bearer" \
    -H "Authorization: Token token=\"$HTTP_TOKEN\""
direct "bearer, base64 token" 200 "$H/bearer" \
    -H "Authorization: Token token=\"$HTTP_TOKEN_B64\""
direct echo 200 "$H/echo?a=1&b=2" -H "Authorization: Bearer x" \
    -H "Proxy-Authorization: Basic y" -H "X-Marker: m1"
for l in "method=GET" "uri=/echo?a=1&b=2" "args=a=1&b=2" \
    "authorization=Bearer x" "proxy-authorization=Basic y" "x-marker=m1"; do
	http_body_has echo "$l"
done
direct redirect 302 "$H/redirect"
direct "redirect, followed" 200 "$H/redirect" -L
http_body_has redirect landing
grep -q '"GET /landing HTTP/1.1" 200' "$HTTP_OTHER_LOG" ||
    fail "the other server's log lacks the landing request"
head -c 100000 /dev/urandom >"$T/up"
direct "PUT" 201 "$H/upload/x" -T "$T/up"
cmp -s "$T/up" "$HTTP_DIR/www/upload/x" || fail "the PUT file differs"
http_big
direct "big file" 200 "$H/big" -I
grep -qi "^content-length: $HTTP_BIG_SIZE" "$T/body" ||
    fail "/big: $(cat "$T/body")"
direct chunked 200 "$H/chunked" -D "$T/head"
grep -qi "^transfer-encoding: chunked" "$T/head" ||
    fail "/chunked is not chunked: $(cat "$T/head")"
[ "$(wc -c <"$T/body")" -eq 1000000 ] || fail "/chunked: $(wc -c <"$T/body")"

# TLS: verified by IP address and by name; refused otherwise.
direct "TLS by IP" 200 "https://127.0.0.1:$HTTPS_PORT/echo" --cacert "$HTTP_CA"
direct "TLS by name" 200 "https://localhost:$HTTPS_PORT/echo" \
    --cacert "$HTTP_CA"
timeout 30 curl -sS --cacert "$HTTP_WRONG_CA" \
    "https://127.0.0.1:$HTTPS_PORT/" >/dev/null 2>"$T/err" &&
    fail "TLS with the wrong CA was accepted"
ok "TLS with the wrong CA refused: $(cat "$T/err")"
timeout 30 curl -sS --cacert "$HTTP_CA" \
    "https://127.0.0.1:$HTTPS_OTHER_PORT/" >/dev/null 2>"$T/err" &&
    fail "the other.invalid certificate was accepted for 127.0.0.1"
ok "name mismatch refused: $(cat "$T/err")"

# Keep-alive: nginx sees one connection for many requests.
http_log_mark
timeout 60 curl -sS "$H/echo?1" "$H/echo?2" "$H/echo?3" >/dev/null ||
    fail "three requests"
n=$(http_log_new | awk '{ print $2 }' | sort -u | wc -l)
[ "$n" = 1 ] || fail "three keep-alive requests used $n connections"
ok "three requests on one connection"

# The stand-in: the real key signs, another secret does not.
A=http://127.0.0.1:$FAKEAWS_PORT
out=$("$HTTP_PYTHON" "$HTTPTOOL" sigv4 "" "$A/things?b=2&a=1" execute-api \
    us-east-1 "$AWS_KEY_ID" "$AWS_SECRET" 2>&1)
case "$out" in
200*'"ok": true'*) ok "botocore SigV4Auth with the real key: 200" ;;
*) fail "botocore SigV4Auth with the real key: $out" ;;
esac
out=$("$HTTP_PYTHON" "$HTTPTOOL" sigv4 "" "$A/things" execute-api \
    us-east-1 "$AWS_KEY_ID" wrong-secret 2>&1)
case "$out" in
403*SignatureDoesNotMatch*) ok "another secret: 403 SignatureDoesNotMatch" ;;
*) fail "botocore SigV4Auth with another secret: $out" ;;
esac
out=$(timeout 60 curl -sS --aws-sigv4 "aws:amz:us-east-1:execute-api" \
    --user "$AWS_KEY_ID:$AWS_SECRET" -d '{"a":1}' "$A/curl?x=1" 2>&1)
case "$out" in
*'"ok": true'*) ok "curl --aws-sigv4 with the real key: 200" ;;
*) fail "curl --aws-sigv4 with the real key: $out" ;;
esac
out=$(timeout 60 curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$AWS_KEY_ID:wrong" "$A/bucket/key" 2>&1)
case "$out" in
*"<Code>SignatureDoesNotMatch</Code>"*) ok "curl, another secret: S3's error" ;;
*) fail "curl --aws-sigv4 s3 with another secret: $out" ;;
esac
out=$("$HTTP_PYTHON" "$HTTPTOOL" s3 "" "$A" "$AWS_KEY_ID" "$AWS_SECRET" \
    bucket obj 2>&1)
[ "$out" = "put 200
get 200 102400 same" ] || fail "botocore s3 with the real key: $out"
ok "botocore s3 put and get with the real key"
n=$(timeout 60 curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$AWS_KEY_ID:$AWS_SECRET" "$A/bucket/obj" | wc -c)
[ "$n" = 102400 ] || fail "curl --aws-sigv4 s3 GET: $n bytes"
ok "curl --aws-sigv4 s3 GET with the real key: the object"
out=$("$HTTP_PYTHON" "$HTTPTOOL" s3 "" "$A" AKIADUMMY dummy bucket obj 2>&1)
case "$out" in
"error InvalidAccessKeyId 403") ok "botocore s3 with dummy keys: $out" ;;
*) fail "botocore s3 with dummy keys: $out" ;;
esac

# The OAuth 1.0a verifier: oauthlib's client with the secrets, and not.
O=http://127.0.0.1:$FAKEOAUTH1_PORT/oauth?z=1
out=$("$HTTP_PYTHON" "$HTTPTOOL" oauth1 "" "$O" "$OAUTH_CONSUMER_KEY" \
    "$T/oauth.consumer_secret" "$OAUTH_TOKEN" "$T/oauth.token_secret" 2>&1)
case "$out" in
"200"*"oauth1 ok"*) ok "oauthlib's signature verified: $(echo $out)" ;;
*) fail "oauthlib's signature: $out" ;;
esac
out=$("$HTTP_PYTHON" "$HTTPTOOL" oauth1 "" "$O" "$OAUTH_CONSUMER_KEY" \
    "$T/oauth.token_secret" "$OAUTH_TOKEN" "$T/oauth.token_secret" 2>&1)
case "$out" in
"401"*"signature mismatch"*) ok "another consumer secret: 401" ;;
*) fail "oauthlib's signature with another secret: $out" ;;
esac
exit 0
