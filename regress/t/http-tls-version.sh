# forceSSL speaks TLS 1.2 at least: an upstream that offers TLS 1.1 only
# (and that curl reaches directly with TLS 1.1) is refused with 502 and a
# reason, and nothing reaches it.  (OpenSSL 3's default security level
# refuses TLS 1.1 too; the worker's explicit minimum keeps it so whatever a
# host's openssl.cnf says.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

OLD=$(free_port)
# OpenSSL 3 offers TLS 1.1 only at security level 0.
cat >"$T/old.conf" <<EOF
server {
	listen 127.0.0.1:$OLD ssl;
	access_log $T/old.log;
	ssl_certificate $T/nginx/tls/server.crt;
	ssl_certificate_key $T/nginx/tls/server.key;
	ssl_protocols TLSv1.1;
	ssl_ciphers DEFAULT:@SECLEVEL=0;
	location / {
		return 200 "old\n";
	}
}
EOF
http_start "$T/old.conf"

s=$(timeout 30 curl -sS -o /dev/null -w '%{http_code}' --cacert "$HTTP_CA" \
    --tlsv1.1 --tls-max 1.1 --ciphers 'DEFAULT:@SECLEVEL=0' \
    "https://127.0.0.1:$OLD/" 2>&1)
[ "$s" = 200 ] || fail "curl with TLS 1.1 directly: $s, not 200"
ok "the upstream speaks TLS 1.1 (curl directly: 200)"

P=$(free_port)
http_basic_service tls "$P" \
    "authenticateURLsMatching: '^http://127\\.0\\.0\\.1:'" \
    "forceSSL: true" >"$T/services.yml"
http_airlock <"$T/services.yml"
lines=$(wc -l <"$T/old.log")
http_expect "TLS 1.1 only" 502 "$P" "http://127.0.0.1:$OLD/"
http_body_has "TLS 1.1 only" "airlock: "
http_body_lacks "TLS 1.1 only" "$HTTP_PASSWORD"
[ "$(wc -l <"$T/old.log")" = "$lines" ] ||
    fail "the TLS 1.1 server logged a request: $(tail -n 1 "$T/old.log")"
ok "refused: $(head -c 200 "$T/body")"
http_expect "TLS 1.2 and later" 200 "$P" "http://127.0.0.1:$HTTPS_PORT/basic"
airlock_alive || fail "airlockd died"
exit 0
