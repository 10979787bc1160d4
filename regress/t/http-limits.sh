# What a forward proxy cannot serve is refused before anything goes
# upstream: a request in origin form (400: a proxy needs the absolute
# URL), a head over HTTP_HEAD_MAX (64 KiB) or with more than
# HTTP_FIELDS_MAX (128) fields (431), a target over HTTP_TARGET_MAX (8192
# bytes: 414).  nginx's access log shows that none arrived.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start
U=http://127.0.0.1:$HTTP_PORT
http_log_mark

# expect WHAT CODE: $T/raw.out's status.
expect()
{
	[ "$(http_raw_code)" = "$2" ] ||
	    fail "$1: not $2: $(head -c 1000 "$T/raw.out")"
	ok "$1: $(http_raw_status)"
}

printf 'GET /echo HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n\r\n' "$HTTP_PORT" |
    http_raw "$P"
expect "origin form" 400
{
	printf 'GET %s/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n' "$U"
	i=0
	while [ "$i" -lt 130 ]; do
		printf 'X-F%d: v\r\n' "$i"
		i=$((i + 1))
	done
	printf '\r\n'
} | http_raw "$P"
expect "130 fields" 431
{
	printf 'GET %s/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n' "$U"
	printf 'X-Big: %s\r\n\r\n' "$(head -c 70000 /dev/zero | tr '\0' a)"
} | http_raw "$P"
expect "a 70 KB head" 431
printf 'GET %s/echo?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' "$U" \
    "$(head -c 9000 /dev/zero | tr '\0' a)" | http_raw "$P"
expect "a 9000-byte target" 414
printf 'GET %s/echo?%s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n\r\n' \
    "$U" "$(head -c 8000 /dev/zero | tr '\0' a)" "Connection: close" |
    http_raw "$P"
expect "an 8000-byte target" 200
http_log_new | grep -v -c '"GET /echo?aaaa' | grep -qx 0 ||
    fail "nginx logged a refused request: $(http_log_new | cut -c 1-300)"
ok "only the last one reached nginx"
airlock_alive || fail "airlockd died"
exit 0
