# Ambiguous framing is refused with 400 and the connection closed, before
# anything goes upstream (request smuggling): Content-Length with
# Transfer-Encoding, two Content-Lengths (even equal), a Transfer-Encoding
# other than chunked alone, obs-fold, NUL, CR or LF inside a field, a
# field name that is not a token (or with a blank before its colon).
# Every request's URL is one the service matches; nginx's access log shows
# that none arrived.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start
A=127.0.0.1:$HTTP_PORT
L="POST http://$A/echo HTTP/1.1\r\nHost: $A\r\n"

# refused WHAT FIELDS BODY: the request (L, then FIELDS, printf escapes)
# gets 400 and the connection closes.
refused()
{
	printf "$L$2\r\n$3" | http_raw "$P"
	[ "$(http_raw_code)" = 400 ] ||
	    fail "$1: not 400: $(head -c 1000 "$T/raw.out")"
	grep -q "^\[httptool: no more bytes" "$T/raw.out" &&
	    fail "$1: 400, but the connection stays open"
	grep -qi "^connection: close" "$T/raw.out" ||
	    fail "$1: no Connection: close: $(cat "$T/raw.out")"
	ok "$1: $(http_raw_status)"
}

# A well-formed request passes, so the refusals below are the framing's.
printf "${L}Content-Length: 5\r\nConnection: close\r\n\r\nhello" | http_raw "$P"
[ "$(http_raw_code)" = 200 ] || fail "a good POST: $(cat "$T/raw.out")"
http_log_mark

refused "Content-Length and Transfer-Encoding" \
    'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n' '0\r\n\r\n'
refused "Transfer-Encoding and Content-Length" \
    'Transfer-Encoding: chunked\r\nContent-Length: 5\r\n' '0\r\n\r\n'
refused "two equal Content-Lengths" \
    'Content-Length: 5\r\nContent-Length: 5\r\n' 'hello'
refused "two different Content-Lengths" \
    'Content-Length: 5\r\nContent-Length: 0\r\n' 'hello'
refused "Transfer-Encoding: gzip, chunked" \
    'Transfer-Encoding: gzip, chunked\r\n' '0\r\n\r\n'
refused "Transfer-Encoding: identity" 'Transfer-Encoding: identity\r\n' ''
refused "Transfer-Encoding: chunked, chunked" \
    'Transfer-Encoding: chunked, chunked\r\n' '0\r\n\r\n'
refused "two Transfer-Encodings" \
    'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n' '0\r\n\r\n'
refused "obs-fold" 'X-Marker: a\r\n folded\r\n' ''
refused "obs-fold with a tab" 'X-Marker: a\r\n\tfolded\r\n' ''
refused "NUL in a value" 'X-Marker: a\000b\r\n' ''
refused "CR in a value" 'X-Marker: a\rb\r\n' ''
refused "LF in a value" 'X-Marker: a\nb\r\n' ''
refused "a blank before the colon" 'X-Marker : a\r\n' ''
refused "a field name that is not a token" 'X(Marker): a\r\n' ''
refused "NUL in a name" 'X-Mar\000ker: a\r\n' ''
sleep 0.5
[ -z "$(http_log_new)" ] || fail "nginx logged requests: $(http_log_new)"
ok "nothing reached nginx"
airlock_alive || fail "airlockd died"
exit 0
