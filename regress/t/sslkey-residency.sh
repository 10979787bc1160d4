# The TLS client certificate's private key (sslkey) never enters the worker:
# the monitor makes its one signature, of the TLS 1.3 CertificateVerify.
# The key's bytes are looked for in the worker's memory at two points:
#  - while its TLS handshake waits, where a worker that held the key would
#    have it loaded (a stand-in backend that answers the SSLRequest with 'S'
#    and then says nothing: no real server stops there);
#  - once a real PostgreSQL has accepted the certificate (cert
#    authentication), the signature made.
# The bytes: the PEM text of the key file, its DER, and the private scalar
# (P-256, 32 bytes) in both byte orders (big-endian as in DER,
# little-endian as OpenSSL's BIGNUM keeps it).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/residency.sh"

FAKEPG=$TOP/regress/tools/fakepg
[ -x "$FAKEPG" ] || fail "$FAKEPG not built (make)"
pg_start

HOLD=$(free_port)
FAKEPG_LOG=$T/fake.log "$FAKEPG" "$HOLD" ssl-s-hold >"$T/fake.err" 2>&1 \
    </dev/null &
at_exit "kill $!"
wait_for_log "^listening $HOLD ssl-s-hold\$" 5 "$T/fake.log" ||
    fail "fakepg not listening: $(cat "$T/fake.err")"

P=$(free_port)
PH=$(free_port)
{
	airlock_head
	pg_service cert "$P" cert_user verify-full \
	    "sslrootcert: {from: file, get: $PG_CA}" "sslhost: localhost" \
	    "sslcert: {from: file, get: $PG_CLIENT_CERT}" \
	    "sslkey: {from: file, get: $PG_CLIENT_KEY}"
	# The same certificate, with the stand-in as its backend.
	(PG_PORT=$HOLD; pg_service hold "$PH" cert_user require \
	    "sslcert: {from: file, get: $PG_CLIENT_CERT}" \
	    "sslkey: {from: file, get: $PG_CLIENT_KEY}")
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# The needles, in files (memscan never takes them in argv).
cp "$PG_CLIENT_CERT" "$T/cert-pem"
residency_key_needles "$PG_CLIENT_KEY" "$T/key"

# scan PID WHEN: none of the key's forms is in the memory of worker PID,
# where the certificate is (which shows that the scan sees its data).
scan()
{
	"$TOP/regress/tools/memscan" "$1" "$T/cert-pem" >/dev/null
	[ $? -eq 1 ] || fail "memscan of worker $1 finds no certificate $2"
	for _n in pem der be le; do
		"$TOP/regress/tools/memscan" "$1" "$T/key-$_n"
		case $? in
		0) ;;
		1) fail "the client key ($_n) is in the worker's memory $2" ;;
		*) fail "memscan of worker $1 failed" ;;
		esac
	done
	ok "no trace of the client key in worker $1 $2"
}

# 1. The handshake waits for the stand-in's ServerHello.
from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
timeout -k 2 15 psql -X -w -q -d "host=127.0.0.1 port=$PH dbname=postgres \
    user=x connect_timeout=10" -c "select 1" >"$T/hold.out" 2>&1 &
HOLD_PSQL=$!
at_exit "kill $HOLD_PSQL"
wait_for_log "^tls-record\$" 10 "$T/fake.log" ||
    fail "no TLS handshake reached the stand-in: $(cat "$T/fake.log")"
wpid=$(tail -n "+$from" "$AIRLOCK_LOG" |
    sed -nE 's/.*\] hold#[0-9]+: worker ([0-9]+) started.*/\1/p' | head -n 1)
[ -n "$wpid" ] && [ "$(cat "/proc/$wpid/comm" 2>/dev/null)" = airlock-worker ] ||
    fail "no live worker for the held handshake (pid '$wpid')"
scan "$wpid" "during its TLS handshake"
kill "$HOLD_PSQL" 2>/dev/null

# 2. A real server has accepted the certificate: the monitor signed.
airlock_session "$P" cert "select pg_sleep(3)" "$T/s1"
grep -Eq "\] cert#[0-9]+: signed the TLS client CertificateVerify \(ecdsa_secp256r1_sha256\)" \
    "$AIRLOCK_LOG" || fail "the monitor did not sign for the session"
scan "$WORKER_PID" "after the handshake"
wait "$SESSION_PID" || fail "the session failed: $(cat "$T/s1")"
ok "the session over TLS with a client certificate worked"

residency_key_unlogged "$T/key" "the key"
exit 0
