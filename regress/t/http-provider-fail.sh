# A provider that fails for a request (a file provider whose file is
# missing) is answered with 503 and "airlock: could not fetch the
# credentials of service S: ...", and nothing goes upstream; once the
# file is there, the next request succeeds (credentials are fetched per
# request).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
http_airlock <<EOF2
  late:
    connector: basic_auth
    listenOn: tcp://127.0.0.1:$P
    credentials:
      username: $HTTP_USER
      password: {from: file, get: $T/later.pw}
    config:
      authenticateURLsMatching: $HTTP_PATTERN
      allowPlainHTTP: true
EOF2
U=http://127.0.0.1:$HTTP_PORT/basic
http_log_mark
http_expect "the file is missing" 503 "$P" "$U"
http_body_has "missing file" \
    "airlock: could not fetch the credentials of service late: "
[ -z "$(http_log_new)" ] || fail "nginx logged a request: $(http_log_new)"
cp "$T/http.pw" "$T/later.pw"
http_expect "the file is there" 200 "$P" "$U"
airlock_alive || fail "airlockd died"
exit 0
