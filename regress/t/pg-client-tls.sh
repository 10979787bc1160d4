# psql over TLS to airlock's listener (a service's clientTLS): sslmode
# require and verify-full (the listener's chain, EC and RSA keys), with
# clientAuth cert a client certificate of the client CA is accepted, and
# none, another CA's, or one that allowedClients does not name is refused
# with SQLSTATE 28000 and airlock's reason; a plaintext client
# (sslmode=disable) is told that the service takes TLS only; a client that
# insists on TLS 1.2 fails the handshake; bytes sent after the SSLRequest
# before the answer are refused (CVE-2021-23222), and an SSLRequest or a
# GSSENCRequest inside TLS is a protocol error.  Each refusal is logged
# with its reason and counted in /metrics
# (airlock_client_tls_total{service,outcome}).  A query of a few MB comes
# through the TLS leg byte for byte.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/ctls.sh"

command -v curl >/dev/null || skip "curl not found"
RAWPG=$TOP/regress/tools/rawpg
[ -x "$RAWPG" ] || fail "$RAWPG not built"
pg_start
ctls_make
H=$(free_port)
{
	airlock_head "health: 127.0.0.1:$H"
	# svc NAME AUTH [ALLOWED...]
	svc()
	{
		_s=$1
		shift
		pg_ctls_service "$_s" "$(service_port "$_s")" "$@"
	}
	svc none none
	(CTLS_KEY=listener-rsa svc rsa none)
	svc cert cert
	svc cn cert "CN=app"
	svc dns cert "DNS:other.test"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

APP="sslcert=$CTLS/app.crt sslkey=$CTLS/app.key"
OTHER="sslcert=$CTLS/other.crt sslkey=$CTLS/other.key"
STRANGER="sslcert=$CTLS/stranger.crt sslkey=$CTLS/stranger.key"
# No client certificate: not even libpq's default, ~/.postgresql's.
NOCERT="sslcert=$T/none.crt sslkey=$T/none.key"
FULL="sslmode=verify-full sslrootcert=$CTLS/server-ca.crt"
WHO="select current_user"

# tls_psql SERVICE CONNINFO...: psql through SERVICE's listener, by name.
tls_psql()
{
	_svc=$1
	shift
	pg_psql "host=localhost hostaddr=127.0.0.1 port=$(port_of "$_svc") \
	    dbname=postgres user=someoneelse $*" "$WHO"
}

# accepted SERVICE WHAT CONNINFO...
accepted()
{
	_svc=$1 _what=$2
	shift 2
	_out=$(tls_psql "$_svc" "$@" 2>&1) || fail "$_svc, $_what: $_out"
	[ "$_out" = scram_user ] || fail "$_svc, $_what: got '$_out'"
	ok "$_svc, $_what: accepted"
}

# refused SERVICE WHAT TEXT CONNINFO...: psql fails and says TEXT.
refused()
{
	_svc=$1 _what=$2 _text=$3
	shift 3
	_out=$(tls_psql "$_svc" "$@" 2>&1) &&
	    fail "$_svc, $_what: logged in: $_out"
	echo "$_out" | grep -qF -- "$_text" ||
	    fail "$_svc, $_what: the error does not say '$_text': $_out"
	ok "$_svc, $_what: refused: $(echo "$_out" | sed 's/.*failed: //' |
	    head -n 1)"
}

# logged SERVICE OUTCOME: airlockd logged a client of SERVICE refused for
# OUTCOME (or, for ok, one accepted).
logged()
{
	_l="client refused \($2\)"
	[ "$2" != ok ] || _l="client accepted over TLS"
	wait_for_log "\] $1#[0-9]+: $_l" 10 ||
	    fail "$1: no log line for the outcome $2"
	ok "logged: $(grep -Eo "\] $1#[0-9]+: $_l.*" "$AIRLOCK_LOG" | tail -n 1)"
}

accepted none "sslmode=require" "sslmode=require $NOCERT"
accepted none "verify-full" "$FULL $NOCERT"
accepted rsa "verify-full, RSA key" "$FULL $NOCERT"
logged none ok
accepted cert "app's certificate" "$FULL $APP"
refused cert "no certificate" "FATAL:  airlock:" "$FULL $NOCERT"
logged cert no_certificate
refused cert "another CA's certificate" "FATAL:  airlock:" "$FULL $STRANGER"
logged cert unknown_ca
refused cn "other (CN=app allowed)" "FATAL:  airlock:" "$FULL $OTHER"
logged cn not_allowed
accepted cn "app (CN=app allowed)" "$FULL $APP"
accepted dns "other (DNS:other.test allowed)" "$FULL $OTHER"

refused none "sslmode=disable" \
    "FATAL:  airlock: service none accepts TLS connections only" \
    "sslmode=disable"
logged none plaintext
refused none "TLS 1.2 only" "alert protocol version" \
    "sslmode=require $NOCERT ssl_max_protocol_version=TLSv1.2"
logged none handshake
airlock_alive || fail "airlockd died"
ok "airlockd lives on"

# The SSLRequest and a StartupMessage in one write: the startup bytes
# came before the client knew of TLS (and could be a man in the middle's).
"$RAWPG" 127.0.0.1 "$(port_of none)" \
    "x:0000000804d2162f$(startup 00030000 user x database postgres)" r \
    >"$T/raw.out" 2>"$T/raw.err" || fail "rawpg: $(cat "$T/raw.err")"
grep -qx "E S=FATAL C=08P01 M=received unencrypted data after SSL request" \
    "$T/raw.out" || fail "bytes after the SSLRequest: $(cat "$T/raw.out")"
grep -qx S "$T/raw.out" && fail "bytes after the SSLRequest were answered 'S'"
ok "bytes after the SSLRequest: $(head -n 1 "$T/raw.out")"

# Inside TLS an encryption request means nothing: a protocol error.
for r in 'SSLRequest sent twice:\000\000\000\010\004\322\026\057' \
    'GSSENCRequest inside an SSL session:\000\000\000\010\004\322\026\060'; do
	printf "${r#*:}" | timeout -k 2 20 openssl s_client -starttls postgres \
	    -connect "127.0.0.1:$(port_of none)" -CAfile "$CTLS/server-ca.crt" \
	    -verify_return_error -quiet >"$T/inside.out" 2>&1
	tr '\000' '|' <"$T/inside.out" | grep -aq "|C08P01|M${r%%:*}|" ||
	    fail "inside TLS, ${r%%:*}: $(tr -c '[:print:]' . <"$T/inside.out")"
	ok "inside TLS: ${r%%:*}"
done

curl -s --max-time 10 "http://127.0.0.1:$H/metrics" >"$T/metrics" ||
    fail "cannot read /metrics"
for c in "none ok 4" "rsa ok 1" "cert ok 1" "cert no_certificate 1" \
    "cert unknown_ca 1" "cn not_allowed 1" "cn ok 1" "dns ok 1" \
    "none plaintext 1" "none handshake 1"; do
	set -- $c
	grep -qx "airlock_client_tls_total{service=\"$1\",outcome=\"$2\"} $3" \
	    "$T/metrics" || fail "$1 $2: not counted $3 time(s):" \
	    "$(grep airlock_client_tls_total "$T/metrics")"
done
ok "each outcome counted in /metrics"

# A few MB through the TLS leg, compared with the server's own answer.
BIG="select md5(i::text) || repeat('x', 100) from generate_series(1, 30000) i"
pg_psql "host=127.0.0.1 port=$PG_PORT dbname=postgres user=postgres" \
    "$BIG" >"$T/big.direct" || fail "the query, direct: failed"
pg_psql "host=localhost hostaddr=127.0.0.1 port=$(port_of cert) \
    dbname=postgres $FULL $APP" "$BIG" >"$T/big.tls" ||
    fail "the query over TLS failed"
[ "$(wc -c <"$T/big.direct")" -gt 3000000 ] ||
    fail "the query's output is short: $(wc -c <"$T/big.direct") bytes"
[ "$(md5sum <"$T/big.tls")" = "$(md5sum <"$T/big.direct")" ] ||
    fail "the output over TLS differs ($(wc -c <"$T/big.tls") bytes)"
ok "$(wc -c <"$T/big.tls") bytes over the TLS leg, the same as direct"

airlock_alive || fail "airlockd died"
exit 0
