# Credentials go to a plain-http upstream only with allowPlainHTTP: true;
# without it the request is refused with 403 and a reason that names the
# setting, and nothing reaches nginx.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
PP=$(free_port)
{
	http_basic_service tls-only "$P" "authenticateURLsMatching: $HTTP_PATTERN"
	http_basic_service plain-ok "$PP" \
	    "authenticateURLsMatching: $HTTP_PATTERN" "allowPlainHTTP: true"
} >"$T/services.yml"
http_airlock <"$T/services.yml"
http_log_mark
http_expect "plain http without allowPlainHTTP" 403 "$P" \
    "http://127.0.0.1:$HTTP_PORT/basic"
http_body_has "without allowPlainHTTP" allowPlainHTTP
[ -z "$(http_log_new)" ] || fail "nginx logged a request: $(http_log_new)"
http_expect "with allowPlainHTTP" 200 "$PP" "http://127.0.0.1:$HTTP_PORT/basic"
airlock_alive || fail "airlockd died"
exit 0
