# forceSSL: a client's http:// URL goes upstream over TLS, the server's
# certificate verified against the airlock: section's httpCABundle (here
# the test CA; no SECRETLESS_HTTP_CA_BUNDLE): by IP address for
# 127.0.0.1, and by name for localhost (a service with allowLoopback, as
# localhost resolves to a loopback address).  No allowPlainHTTP needed:
# the credentials go over verified TLS only.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
PL=$(free_port)
{
	http_basic_service by-ip "$P" \
	    "authenticateURLsMatching: ^http://127\\.0\\.0\\.1:$HTTPS_PORT/" \
	    "forceSSL: true"
	http_basic_service by-name "$PL" \
	    "authenticateURLsMatching: ^http://localhost:$HTTPS_PORT/" \
	    "forceSSL: true" "allowLoopback: true"
} >"$T/services.yml"
SECRETLESS_HTTP_CA_BUNDLE= http_airlock "httpCABundle: $HTTP_CA" \
    <"$T/services.yml"

http_log_mark
http_expect "forceSSL by IP" 200 "$P" "http://127.0.0.1:$HTTPS_PORT/basic"
http_body_has "by IP" "basic ok $HTTP_USER"
http_expect "forceSSL by name" 200 "$PL" "http://localhost:$HTTPS_PORT/basic"
n=$(http_log_new | grep -c " 200 .* $HTTPS_PORT\$")
[ "$n" = 2 ] || fail "nginx's TLS server logged $n requests: $(http_log_new)"
ok "both went to nginx's TLS server"
airlock_alive || fail "airlockd died"
exit 0
