# DNS rebinding: a name in the URL that resolves to a loopback address
# (localhost) is refused with 403 unless the service has allowLoopback;
# with it, the request goes through.  A literal 127.0.0.1 that a pattern
# allowed is dialed as it is.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
PL=$(free_port)
RE="^http://(localhost|127\\.0\\.0\\.1):$HTTP_PORT/"
{
	http_basic_service no-loopback "$P" \
	    "authenticateURLsMatching: $RE" \
	    "allowPlainHTTP: true"
	http_basic_service loopback "$PL" \
	    "authenticateURLsMatching: ^http://localhost:$HTTP_PORT/" \
	    "allowPlainHTTP: true" "allowLoopback: true"
} >"$T/services.yml"
http_airlock <"$T/services.yml"
http_log_mark
http_expect "localhost without allowLoopback" 403 "$P" \
    "http://localhost:$HTTP_PORT/basic"
http_body_has "without allowLoopback" "airlock: "
http_body_lacks "without allowLoopback" "$HTTP_PASSWORD"
[ -z "$(http_log_new)" ] || fail "nginx logged a request: $(http_log_new)"
http_expect "localhost with allowLoopback" 200 "$PL" \
    "http://localhost:$HTTP_PORT/basic"
http_expect "127.0.0.1 as written" 200 "$P" "http://127.0.0.1:$HTTP_PORT/basic"
airlock_alive || fail "airlockd died"
exit 0
