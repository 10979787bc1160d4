# The TLS client certificate's private key (sslkey) signs in the backend
# handshake only: once the handshake is done the worker holds it no more.
# Its private scalar (P-256, 32 bytes) is looked for in the worker's
# memory in both byte orders (big-endian as in DER, little-endian as
# OpenSSL's BIGNUM keeps it).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
pg_start
P=$(free_port)
{
	airlock_head
	pg_service cert "$P" cert_user verify-full \
	    "sslrootcert: {from: file, get: $PG_CA}" "sslhost: localhost" \
	    "sslcert: {from: file, get: $PG_CLIENT_CERT}" \
	    "sslkey: {from: file, get: $PG_CLIENT_KEY}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# The scalar, from "priv:" of openssl's text dump, as raw bytes.
hex=$(openssl pkey -in "$PG_CLIENT_KEY" -noout -text |
    sed -n '/^priv:/,/^pub:/{/^priv:/d;/^pub:/d;p;}' | tr -d ' :\n' |
    sed 's/^00\(.\{64\}\)$/\1/')
[ ${#hex} -eq 64 ] || fail "cannot read the private scalar (${#hex} hex digits)"
printf '%s' "$hex" | sed 's/../\\x&/g' | xargs -0 printf >"$T/key-be"
printf '%s' "$hex" | sed 's/../& /g' | tr ' ' '\n' | grep . | tac | tr -d '\n' |
    sed 's/../\\x&/g' | xargs -0 printf >"$T/key-le"
[ "$(wc -c <"$T/key-be")" -eq 32 ] && [ "$(wc -c <"$T/key-le")" -eq 32 ] ||
    fail "the scalar is not 32 bytes"

airlock_session "$P" cert "select pg_sleep(3)" "$T/s1"
sleep 0.5
for order in be le; do
	"$TOP/regress/tools/memscan" "$WORKER_PID" "$T/key-$order"
	case $? in
	0) ;;
	1) fail "the client key ($order) is in the worker's memory after the handshake" ;;
	*) fail "memscan of worker $WORKER_PID failed" ;;
	esac
done
ok "no trace of the client key in worker $WORKER_PID after the handshake"
wait "$SESSION_PID" || fail "the session failed: $(cat "$T/s1")"
ok "the session over TLS with a client certificate worked"
exit 0
