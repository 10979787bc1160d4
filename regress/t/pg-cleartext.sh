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
TLS=$(printf '    config:\n      cleartextPassword: tls')

# service NAME SSLMODE POLICY [CREDENTIAL LINE...]: a clear_user service on
# a free port (PORT_<NAME>); POLICY "-" leaves cleartextPassword out.
service()
{
	_p=$(free_port)
	eval "PORT_$(echo "$1" | tr - _)=$_p"
	_s=$1 _m=$2 _c=$3
	shift 3
	pg_service "$_s" "$_p" clear_user "$_m" "$PW" "$@"
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
	eval "_p=\$PORT_$(echo "$1" | tr - _)"
	out=$(airlock_psql "$_p" "select current_user || ' ' || ($PG_SSL_SQL)" \
	    2>&1) || fail "$1: $out"
	[ "$out" = "clear_user $2" ] || fail "$1: got '$out'"
	ok "$1: the password was sent (TLS: $2)"
}

# refused NAME WORDS...: a clean error that says each of WORDS.
refused()
{
	eval "_p=\$PORT_$(echo "$1" | tr - _)"
	_n=$1
	shift
	out=$(airlock_psql "$_p" "select current_user" 2>&1) &&
	    fail "$_n: the password was sent: $out"
	echo "$out" | grep -q "closed the connection unexpectedly" &&
	    fail "$_n: no clean error: $out"
	for _w in "$@"; do
		echo "$out" | grep -qF -- "$_w" ||
		    fail "$_n: the error does not say '$_w': $out"
	done
	ok "$_n refused: $(echo "$out" | tail -n 1)"
}

TELL="set sslmode: verify-full with sslrootcert and config: cleartextPassword: tls, or cleartextPassword: always"
refused default "refuses to send" "$TELL"
refused default-verified "refuses to send" "$TELL"
refused tls-unverified "over TLS without sslrootcert" \
    "sends it only over verified TLS (cleartextPassword: tls)"
sent tls-verify-full true
sent tls-verify-ca true
sent tls-require-rootcert true
refused tls-plain "in clear without TLS" "cleartextPassword: always"
sent always false
refused never "refuses to send"

airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed: $(grep killed \
    "$AIRLOCK_LOG")"
if grep -F -q -- "$PG_CLEAR_PASSWORD" "$AIRLOCK_LOG"; then
	fail "the password appears in airlockd's log"
fi
ok "the password is not in the log"
exit 0
