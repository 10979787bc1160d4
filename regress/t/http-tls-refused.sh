# forceSSL refuses what it cannot verify, with 502 and a reason, and
# nothing reaches the server: a certificate for another name
# (other.invalid for 127.0.0.1), and a server whose CA is not the one
# configured (SECRETLESS_HTTP_CA_BUNDLE set to an unrelated CA).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_start
P=$(free_port)
conf()
{
	http_basic_service tls "$P" \
	    "authenticateURLsMatching: '^http://127\\.0\\.0\\.1:'" \
	    "forceSSL: true"
}

# refused WHAT URL
refused()
{
	http_log_mark
	http_expect "$1" 502 "$P" "$2"
	http_body_has "$1" "airlock: "
	http_body_lacks "$1" "$HTTP_PASSWORD"
	[ -z "$(http_log_new)" ] ||
	    fail "$1: nginx logged a request: $(http_log_new)"
}

conf >"$T/services.yml"
http_airlock <"$T/services.yml"
http_expect "the right name" 200 "$P" "http://127.0.0.1:$HTTPS_PORT/basic"
refused "a certificate for other.invalid" \
    "http://127.0.0.1:$HTTPS_OTHER_PORT/basic"
stop_airlock

conf >"$T/services.yml"
SECRETLESS_HTTP_CA_BUNDLE=$HTTP_WRONG_CA http_airlock <"$T/services.yml"
refused "a server of another CA" "http://127.0.0.1:$HTTPS_PORT/basic"
airlock_alive || fail "airlockd died"
exit 0
