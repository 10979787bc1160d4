# SCRAM-SHA-256-PLUS with tls-server-end-point channel binding (RFC 5929
# section 4), against the real PostgreSQL, which offers it over TLS and
# checks the binding data: the worker hashes the server's certificate with
# the hash of its signature (SHA-256, and SHA-384 and SHA-512 with
# certificates signed so), the monitor puts it in the exchange.  libpq's
# channel_binding: prefer (the default) binds whenever the server offers
# it, disable never, require nothing else: no TLS, a password that is not
# SCRAM, or a server that lets the client in unasked (trust) all fail with
# libpq's words.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
CA="sslrootcert: {from: file, get: $PG_CA}"
S="password: {from: env, get: PG_SCRAM_PASSWORD}"

# service NAME USER SSLMODE CHANNEL_BINDING [LINE...]; "-": left out.
service()
{
	_svc=$1 _u=$2 _m=$3 _cb=$4
	shift 4
	pg_service "$_svc" "$(service_port "$_svc")" "$_u" "$_m" "$@"
	[ "$_cb" = - ] || echo "      channel_binding: $_cb"
}
{
	airlock_head
	service default scram_user "" - "$S"
	service require scram_user verify-full require "$S" "$CA" \
	    "sslhost: localhost"
	service disable scram_user require disable "$S"
	service require-notls scram_user "" require "$S" \
	    "sslmode: {from: env, get: SSLMODE_DISABLE}"
	service require-md5 md5_user require require \
	    "password: {from: env, get: PG_MD5_PASSWORD}"
	service require-trust trust_user require require
} >"$T/airlock.yml"
SSLMODE_DISABLE=disable
export SSLMODE_DISABLE
start_airlock "$T/airlock.yml"

# works NAME MECHANISM: logged in, and the monitor says with which.
works()
{
	_from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
	out=$(airlock_psql "$(port_of "$1")" "select current_user" 2>&1) ||
	    fail "$1: $out"
	[ "$out" = scram_user ] || fail "$1: got '$out'"
	# Its own line: airlockd may log it after psql has its answer.
	wait_for_log "\] $1#[0-9]+: authenticated" 5 "$AIRLOCK_LOG" "$_from" ||
	    fail "$1: no login"
	tail -n "+$_from" "$AIRLOCK_LOG" |
	    grep -Eq "\] $1#[0-9]+: authenticated \($2\)$" ||
	    fail "$1: not with $2: $(tail -n "+$_from" "$AIRLOCK_LOG" |
	    grep authenticated)"
	ok "$1: $2"
}

works default SCRAM-SHA-256-PLUS
works require SCRAM-SHA-256-PLUS
works disable SCRAM-SHA-256
airlock_refused require-notls "channel binding required, but SSL not in use"
airlock_refused require-md5 "channel binding required, but not supported by the server's authentication request"
airlock_refused require-trust "channel binding required, but server authenticated client without channel binding"

# Certificates signed with SHA-384 and SHA-512: the binding data is that
# hash of the certificate (RFC 5929 4.1), which the server checks.
for h in sha384 sha512; do
	openssl x509 -req -days 2 -"$h" -in "$PG_TLS/server.csr" \
	    -CA "$PG_CA" -CAkey "$PG_TLS/ca.key" -CAcreateserial \
	    -extfile "$PG_TLS/openssl.cnf" -extensions server \
	    -out "$PG_DIR/server-$h.crt" >>"$T/openssl.log" 2>&1 ||
	    fail "openssl: $(tail -n 5 "$T/openssl.log")"
	openssl x509 -in "$PG_DIR/server-$h.crt" -noout -text |
	    grep -q "Signature Algorithm: ecdsa-with-$(echo "$h" |
	    tr a-z A-Z)" || fail "the $h certificate is not signed with $h"
	chown postgres "$PG_DIR/server-$h.crt"
	pg_admin "ALTER SYSTEM SET ssl_cert_file = '$PG_DIR/server-$h.crt'" \
	    >/dev/null && pg_admin "SELECT pg_reload_conf()" >/dev/null ||
	    fail "reloading PostgreSQL with the $h certificate"
	n=50
	until [ "$(pg_admin "SHOW ssl_cert_file")" = "$PG_DIR/server-$h.crt" ]
	do
		n=$((n - 1))
		[ "$n" -gt 0 ] || fail "PostgreSQL did not take the $h certificate"
		sleep 0.1
	done
	# The server presents it now.
	served=$(openssl s_client -starttls postgres -connect \
	    "127.0.0.1:$PG_PORT" </dev/null 2>/dev/null |
	    openssl x509 -noout -fingerprint -sha256 2>&1)
	[ "$served" = "$(openssl x509 -in "$PG_DIR/server-$h.crt" -noout \
	    -fingerprint -sha256)" ] ||
	    fail "PostgreSQL does not present the $h certificate: $served"
	works require SCRAM-SHA-256-PLUS
	ok "... with the server's certificate signed with $h"
done

airlock_unharmed "$PG_SCRAM_PASSWORD"
exit 0
