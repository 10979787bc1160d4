# A backend that asks for a cleartext password gets it only where the
# service says so: cleartextPassword: tls over verified TLS (sslmode
# verify-ca or verify-full, or require with sslrootcert, which verifies the
# chain as verify-ca does), or cleartextPassword: always.  By default
# (never), and for tls over TLS that verifies nothing (sslmode require
# without sslrootcert: any certificate passes, a man in the middle's too)
# or no TLS, the client gets a clean error that says what to set.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
PW="password: {from: env, get: PG_CLEAR_PASSWORD}"
CA="sslrootcert: {from: file, get: $PG_CA}"

# service NAME SSLMODE POLICY [CREDENTIAL LINE...]: a clear_user service;
# POLICY "-" leaves cleartextPassword out.
service()
{
	_s=$1 _m=$2 _c=$3
	shift 3
	pg_service "$_s" "$(service_port "$_s")" clear_user "$_m" "$PW" "$@"
	[ "$_c" = - ] || printf '    config:\n      cleartextPassword: %s\n' "$_c"
}
{
	airlock_head
	service default require -
	service default-verified verify-full - "$CA" "sslhost: localhost"
	service tls-unverified require tls
	service tls-verify-full verify-full tls "$CA" "sslhost: localhost"
	service tls-verify-ca verify-ca tls "$CA"
	service tls-require-rootcert require tls "$CA"
	service tls-plain disable tls
	service always disable always
	service never verify-full never "$CA" "sslhost: localhost"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# sent NAME SSL: the password went, over TLS or not (SSL true or false).
sent()
{
	out=$(airlock_psql "$(port_of "$1")" \
	    "select current_user || ' ' || ($PG_SSL_SQL)" 2>&1) || fail "$1: $out"
	[ "$out" = "clear_user $2" ] || fail "$1: got '$out'"
	ok "$1: the password was sent (TLS: $2)"
}

TELL="set sslmode: verify-full with sslrootcert and config: cleartextPassword: tls, or cleartextPassword: always"
airlock_refused default "refuses to send" "$TELL"
airlock_refused default-verified "refuses to send" "$TELL"
airlock_refused tls-unverified "over TLS without sslrootcert" \
    "sends it only over verified TLS (cleartextPassword: tls)"
sent tls-verify-full true
sent tls-verify-ca true
sent tls-require-rootcert true
airlock_refused tls-plain "in clear without TLS" "cleartextPassword: always"
sent always false
airlock_refused never "refuses to send"

airlock_unharmed "$PG_CLEAR_PASSWORD"
exit 0
