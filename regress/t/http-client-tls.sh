# The HTTP listener as an HTTPS proxy (clientTLS): curl reaches airlock
# with --proxy https://localhost:PORT, TLS from the first byte, and
# basic_auth still adds the credentials that nginx checks.  Keep-alive
# keeps one TLS connection for two requests; a 2 MB body goes up and
# comes back whole.  clientAuth cert: app's certificate is accepted, none
# gets 403 with the reason, a stranger's (another CA) 403 too;
# allowedClients [URI:spiffe://airlock.test/app] takes app and not other.
# A plain request (http_proxy=http://) to the TLS listener gets a 400 in
# the clear.  Two services on one listenOn share its clientTLS (clientAuth
# none) and each routes its own URLs; two clientTLS on one listenOn are
# refused by airlockd -t.  Each refusal is logged, and every
# outcome is counted in /metrics (airlock_client_tls_total).  Python's
# requests and urllib3 go through the HTTPS proxy too.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"
. "$TOP/regress/ctls.sh"

command -v curl >/dev/null || skip "curl is needed"
http_start
ctls_make
P=$(free_port)
PA=$(free_port)
PS=$(free_port)
H=$(free_port)
U=http://127.0.0.1:$HTTP_PORT
SHARED_B=pw-$(openssl rand -hex 8)
# services SHAREB_AUTH: the services, shareb's clientAuth as given.
services()
{
	http_basic_service tlsbasic "$P" \
	    "authenticateURLsMatching: $HTTP_PATTERN" "allowPlainHTTP: true"
	ctls_yaml 6 cert
	http_basic_service allowed "$PA" \
	    "authenticateURLsMatching: $HTTP_PATTERN" "allowPlainHTTP: true"
	ctls_yaml 6 cert "URI:spiffe://airlock.test/app"
	# One listener for both: the first by name (sharea) takes it.
	http_basic_service sharea "$PS" \
	    "authenticateURLsMatching: ^$U/basic" "allowPlainHTTP: true"
	ctls_yaml 6 none
	cat <<EOF
  shareb:
    connector: basic_auth
    listenOn: tcp://127.0.0.1:$PS
    credentials: {username: bob, password: $SHARED_B}
    config:
      authenticateURLsMatching: ^$U/echo
      allowPlainHTTP: true
EOF
	ctls_yaml 6 "$1"
}
{
	airlock_head
	services cert
} >"$T/other.yml"
config_refused "$T/other.yml" "one listenOn, two clientTLS" \
    "shares listenOn.*clientTLS"
services none >"$T/services.yml"
http_airlock "health: 127.0.0.1:$H" <"$T/services.yml"

# tls_curl PORT URL [CURL_OPTION...]: curl through the HTTPS proxy on
# localhost:PORT, with $WHO's client certificate (none when empty).
tls_curl()
{
	_p=$1 _u=$2
	shift 2
	set -- --proxy "https://localhost:$_p" \
	    --proxy-cacert "$CTLS/server-ca.crt" "$@"
	[ -z "$WHO" ] || set -- --proxy-cert "$CTLS/$WHO.crt" \
	    --proxy-key "$CTLS/$WHO.key" "$@"
	timeout -k 5 120 curl -sS --max-time 100 "$@" "$_u"
}

# tls_expect WHAT STATUS PORT WHO URL [CURL_OPTION...]: http_expect's
# through the HTTPS proxy.
tls_expect()
{
	_w=$1 _s=$2 _p=$3 WHO=$4
	shift 4
	HTTP_CURL=tls_curl
	http_expect "$_w" "$_s" "$_p" "$@"
	HTTP_CURL=
}

# refused WHAT PORT WHO OUTCOME: 403 with the reason over TLS, and the
# monitor's log says which outcome it was.
refused()
{
	_from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
	tls_expect "$1" 403 "$2" "$3" "$U/basic"
	http_body_has "$1" "airlock: "
	http_body_lacks "$1" "basic ok"
	wait_for_log "client refused \\($4\\)" 10 "$AIRLOCK_LOG" "$_from" ||
	    fail "$1: no '$4' in the log: $(tail -n +"$_from" "$AIRLOCK_LOG")"
}

# 1. basic_auth through the HTTPS proxy, with app's certificate.
want="Basic $(printf '%s:%s' "$HTTP_USER" "$HTTP_PASSWORD" | base64 -w 0)"
http_log_mark
tls_expect "app through the HTTPS proxy" 200 "$P" app "$U/basic"
http_body_has "app through the HTTPS proxy" "basic ok $HTTP_USER"
http_log_new | grep -qF "\"$want\"" ||
    fail "nginx did not see the injected header: $(http_log_new)"
ok "nginx saw the injected Authorization"

# 2. Keep-alive: two requests, one TLS connection to the proxy.
WHO=app
got=$(tls_curl "$P" "$U/basic" -o /dev/null -o /dev/null \
    -w '%{http_code} %{num_connects}\n' "$U/echo" 2>"$T/curl.err") ||
    fail "two requests: $(cat "$T/curl.err")"
[ "$(echo $got)" = "200 1 200 0" ] ||
    fail "two requests on one connection: $got $(cat "$T/curl.err")"
ok "two requests on one TLS connection: $(echo $got)"

# 3. A 2 MB body up and down through the TLS leg.
# (In base64: lines of text, for the log's ok.)
openssl rand -base64 $((1536 * 1024)) >"$T/two" || fail "openssl rand"
tls_expect "2 MB upload" 201 "$P" app "$U/upload/two" -T "$T/two"
cmp -s "$T/two" "$HTTP_DIR/www/upload/two" ||
    fail "the upload arrived changed"
tls_expect "2 MB download" 200 "$P" app "$U/upload/two"
cmp -s "$T/two" "$T/body" || fail "the download arrived changed"
ok "2 MB both ways, byte for byte"

# 4. Refused: no certificate, one of another CA; allowedClients.
refused "no certificate" "$P" "" no_certificate
refused "a stranger's certificate" "$P" stranger unknown_ca
tls_expect "allowedClients: app" 200 "$PA" app "$U/basic"
http_body_has "allowedClients: app" "basic ok $HTTP_USER"
refused "allowedClients: other" "$PA" other not_allowed

# 5. A plain request to the HTTPS proxy: 400, in the clear.
from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
http_expect "a plain request to the HTTPS proxy" 400 "$P" "$U/basic"
http_body_has "a plain request" "proxy's URL is https://"
http_body_lacks "a plain request" "basic ok"
wait_for_log "client refused \\(plaintext\\)" 10 "$AIRLOCK_LOG" "$from" ||
    fail "the plain request is not logged: $(tail -n +"$from" "$AIRLOCK_LOG")"

# 6. Two services on one listener, its clientTLS for both (clientAuth
# none: no certificate needed), each with its own credentials.
tls_expect "sharea over TLS" 200 "$PS" "" "$U/basic"
http_body_has "sharea over TLS" "basic ok $HTTP_USER"
tls_expect "shareb over TLS" 200 "$PS" "" "$U/echo"
http_body_has "shareb over TLS" \
    "authorization=Basic $(printf 'bob:%s' "$SHARED_B" | base64 -w 0)"
http_expect "a plain request to the shared listener" 400 "$PS" "$U/echo"

# 7. Python's clients.  Debian's requests (2.28, on urllib3 1.26) checks
# no proxy certificate for an http:// URL (its cert_verify sets
# CERT_NONE); urllib3's ProxyManager, which does, is the second client.
# py CLIENT CA [WHO]: tlsproxy's line in $T/py.out (warnings in py.err).
py()
{
	set -- "$1" "$CTLS/$2.crt" ${3:+"$CTLS/$3.crt" "$CTLS/$3.key"}
	timeout -k 5 60 "$HTTP_PYTHON" "$HTTPTOOL" tlsproxy "$1" \
	    "https://localhost:$P" "$U/basic" "$2" "$3" "$4" >"$T/py.out" \
	    2>"$T/py.err" || fail "httptool tlsproxy $1: $(cat "$T/py.err")"
}
for c in requests urllib3; do
	py "$c" server-ca app
	[ "$(cat "$T/py.out")" = "200 basic ok $HTTP_USER" ] ||
	    fail "$c with app's certificate: $(cat "$T/py.out")"
	py "$c" server-ca
	grep -q "^403 airlock: " "$T/py.out" ||
	    fail "$c without a certificate: $(cat "$T/py.out")"
	ok "$c through the HTTPS proxy: 200 with app's certificate, 403" \
	    "without"
done
from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
py urllib3 client-ca app
grep -q "^error: .*CERTIFICATE_VERIFY_FAILED" "$T/py.out" ||
    fail "urllib3 trusting another CA: $(cat "$T/py.out")"
wait_for_log "client refused \\(handshake\\)" 10 "$AIRLOCK_LOG" "$from" ||
    fail "the failed handshake is not logged:" \
    "$(tail -n +"$from" "$AIRLOCK_LOG")"
ok "urllib3 trusting another CA refuses the proxy"

# 8. /metrics: every outcome, per service (a shared listener's under the
# service that holds it).  tlsbasic: ok for 4 curls and 2 Pythons; the
# client that did not trust the proxy ended the handshake.
curl -s --max-time 10 -o "$T/metrics" "http://127.0.0.1:$H/metrics" ||
    fail "curl /metrics"
# count SERVICE OUTCOME: the counter's value, 0 when it has no line.
count()
{
	awk -v s="service=\"$1\"" -v o="outcome=\"$2\"" '
	    $1 ~ /^airlock_client_tls_total\{/ && index($1, s) &&
	    index($1, o) { n = $2 } END { print n + 0 }' "$T/metrics"
}
check()
{
	_n=$(count "$1" "$2")
	[ "$_n" = "$3" ] || fail "airlock_client_tls_total{$1,$2} is $_n," \
	    "not $3: $(grep airlock_client_tls "$T/metrics")"
}
check tlsbasic ok 6
check tlsbasic no_certificate 3
check tlsbasic unknown_ca 1
check tlsbasic plaintext 1
check tlsbasic handshake 1
check allowed ok 1
check allowed not_allowed 1
check sharea ok 2
check sharea plaintext 1
ok "/metrics counts each outcome per service"
grep -qF "$HTTP_PASSWORD" "$AIRLOCK_LOG" && fail "the password is in the log"
grep -qF "$SHARED_B" "$AIRLOCK_LOG" && fail "bob's password is in the log"
airlock_alive || fail "airlockd died"
exit 0
