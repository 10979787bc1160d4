# A client certificate of each kind of key that TLS 1.3 signs with (RFC
# 8446 section 4.2.3) logs in to a real PostgreSQL (hostssl, cert
# authentication) through airlock: EC P-256 (ECDSA), RSA (RSASSA-PSS) and
# Ed25519 (EdDSA), each connection with one signature, made by the monitor.
# A key that is not the certificate's is refused with an error that says
# so.  Then the server is limited to TLS 1.2: a service with a client
# certificate is refused with a clear error (TLS 1.2's CertificateVerify
# signs what the monitor cannot check), while one without still connects.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start

# client_cert NAME ALGORITHM [PKEYOPT]: a key and a certificate for
# cert_user, signed by the test CA, in $T/NAME.key and $T/NAME.crt.
client_cert()
{
	{
		openssl genpkey -algorithm "$2" ${3:+-pkeyopt "$3"} \
		    -out "$T/$1.key" &&
		openssl req -config "$PG_TLS/openssl.cnf" -new \
		    -key "$T/$1.key" -subj "/CN=cert_user" -out "$T/$1.csr" &&
		openssl x509 -req -days 2 -in "$T/$1.csr" -CA "$PG_CA" \
		    -CAkey "$PG_TLS/ca.key" -CAcreateserial \
		    -extfile "$PG_TLS/openssl.cnf" -extensions client \
		    -out "$T/$1.crt"
	} >>"$T/openssl.log" 2>&1 ||
	    fail "making the $2 certificate: $(tail -n 5 "$T/openssl.log")"
	chmod 0600 "$T/$1.key"
}
client_cert rsa RSA rsa_keygen_bits:2048
client_cert ed25519 ED25519
cp "$PG_CLIENT_CERT" "$T/ec.crt"
cp "$PG_CLIENT_KEY" "$T/ec.key"

KINDS="ec ecdsa_secp256r1_sha256
rsa rsa_pss_rsae_sha256
ed25519 ed25519"
CA="sslrootcert: {from: file, get: $PG_CA}"
{
	airlock_head
	echo "$KINDS" | while read -r kind scheme; do
		p=$(free_port)
		echo "$kind $p" >>"$T/ports"
		pg_service "cert-$kind" "$p" cert_user verify-full "$CA" \
		    "sslhost: localhost" \
		    "sslcert: {from: file, get: $T/$kind.crt}" \
		    "sslkey: {from: file, get: $T/$kind.key}"
	done
	PM=$(free_port)
	echo "mismatch $PM" >>"$T/ports"
	pg_service cert-mismatch "$PM" cert_user verify-full "$CA" \
	    "sslhost: localhost" "sslcert: {from: file, get: $T/ec.crt}" \
	    "sslkey: {from: file, get: $T/rsa.key}"
	PT=$(free_port)
	echo "tls $PT" >>"$T/ports"
	pg_service tls "$PT" tls_user verify-full "$CA" "sslhost: localhost" \
	    "password: {from: env, get: PG_TLS_PASSWORD}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

port_of()
{
	awk -v k="$1" '$1 == k { print $2 }' "$T/ports"
}

WHO="select current_user || ' ' || version from pg_stat_ssl
    where pid = pg_backend_pid()"

echo "$KINDS" | while read -r kind scheme; do
	out=$(airlock_psql "$(port_of "$kind")" "$WHO" 2>&1) ||
	    fail "$kind: $out"
	[ "$out" = "cert_user TLSv1.3" ] || fail "$kind: got '$out'"
	n=$(grep -Ec "\] cert-$kind#[0-9]+: signed the TLS client CertificateVerify \($scheme\)" \
	    "$AIRLOCK_LOG")
	[ "$n" -eq 1 ] || fail "$kind: $n signatures with $scheme in the log"
	ok "$kind: $out, the monitor signed with $scheme"
done || exit 1

out=$(airlock_psql "$(port_of mismatch)" "select 1" 2>&1) &&
    fail "a key that is not the certificate's: got '$out'"
echo "$out" | grep -q "FATAL:  airlock: sslkey does not match sslcert" ||
    fail "a key that is not the certificate's: unclear error: $out"
grep -q "cert-mismatch#[0-9]*: worker [0-9]* killed" "$AIRLOCK_LOG" &&
    fail "the worker of the mismatched key was killed"
ok "a key that is not the certificate's: $(echo "$out" | tail -n 1)"

# The server stops at TLS 1.2 (reloaded: new connections only).
pg_admin "alter system set ssl_max_protocol_version = 'TLSv1.2'" >/dev/null &&
    pg_admin "select pg_reload_conf()" >/dev/null ||
    fail "cannot limit the server to TLS 1.2"
n=50
while [ "$n" -gt 0 ]; do
	v=$(pg_psql "host=127.0.0.1 port=$PG_PORT dbname=postgres user=postgres sslmode=require" \
	    "select version from pg_stat_ssl where pid = pg_backend_pid()" 2>&1)
	[ "$v" = TLSv1.2 ] && break
	sleep 0.1
	n=$((n - 1))
done
[ "$v" = TLSv1.2 ] || fail "the server still speaks '$v'"

out=$(airlock_psql "$(port_of ec)" "select 1" 2>&1) &&
    fail "a client certificate over TLS 1.2: got '$out'"
echo "$out" | grep -q "a client certificate needs TLS 1.3 with the backend" ||
    fail "TLS 1.2 with a client certificate: unclear error: $out"
ok "TLS 1.2 with a client certificate refused: $(echo "$out" | tail -n 1)"
[ "$(grep -c "signed the TLS client" "$AIRLOCK_LOG")" -eq 3 ] ||
    fail "the monitor signed in a TLS 1.2 handshake"

out=$(airlock_psql "$(port_of tls)" "$WHO" 2>&1) || fail "tls: $out"
[ "$out" = "tls_user TLSv1.2" ] || fail "tls: got '$out'"
ok "without a client certificate, TLS 1.2 still works: $out"

airlock_alive || fail "airlockd died"
exit 0
