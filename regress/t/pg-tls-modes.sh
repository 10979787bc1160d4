# The backend leg's sslmode: disable, require (the default), verify-ca and
# verify-full (with and without sslhost) against the right and a wrong CA
# or name, and a client certificate (sslcert/sslkey) for cert
# authentication.  The server tells which connections are TLS
# (pg_stat_ssl).  Verification failures reach the client as clean errors.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start

# service NAME USER SSLMODE|"" [CREDENTIAL LINE...]: pg_service on a free
# port; sets PORT_<NAME> (dashes as underscores) to that port.
service()
{
	_p=$(free_port)
	eval "PORT_$(echo "$1" | tr - _)=$_p"
	_s=$1 _u=$2 _m=$3
	shift 3
	pg_service "$_s" "$_p" "$_u" "$_m" "$@" >>"$T/airlock.yml"
}
CA="sslrootcert: {from: file, get: $PG_CA}"
WRONG_CA="sslrootcert: {from: file, get: $PG_WRONG_CA}"
S="password: {from: env, get: PG_SCRAM_PASSWORD}"

airlock_head >"$T/airlock.yml"
service disable scram_user disable "$S"
service require scram_user require "$S"
service default scram_user "" "$S"
service verify-ca scram_user verify-ca "$S" "$CA"
service verify-ca-wrong scram_user verify-ca "$S" "$WRONG_CA"
service verify-full scram_user verify-full "$S" "$CA" "sslhost: localhost"
service verify-full-ip scram_user verify-full "$S" "$CA"
service verify-full-wrong scram_user verify-full "$S" "$CA" \
    "sslhost: wrong.example"
# tls_user may log in only over TLS (hostssl).
service tls-only tls_user require \
    "password: {from: env, get: PG_TLS_PASSWORD}"
service cert cert_user verify-full "$CA" "sslhost: localhost" \
    "sslcert: {from: file, get: $PG_CLIENT_CERT}" \
    "sslkey: {from: file, get: $PG_CLIENT_KEY}"
start_airlock "$T/airlock.yml"

# expect NAME RESULT: "select current_user, ssl" through the service.
expect()
{
	eval "_p=\$PORT_$(echo "$1" | tr - _)"
	_out=$(airlock_psql "$_p" "select current_user || ' ' || ($PG_SSL_SQL)" 2>&1) ||
	    fail "$1: $_out"
	[ "$_out" = "$2" ] || fail "$1: expected '$2', got '$_out'"
	ok "$1: $_out"
}

# refused NAME: a clean error (an ErrorResponse, not a dropped connection)
# that says what failed.
refused()
{
	eval "_p=\$PORT_$(echo "$1" | tr - _)"
	_out=$(airlock_psql "$_p" "select 1" 2>&1) &&
	    fail "$1: expected an error, got '$_out'"
	echo "$_out" | grep -q "closed the connection unexpectedly" &&
	    fail "$1: no clean error: $_out"
	echo "$_out" | grep -Eqi "certificate|verif|host ?name|tls|ssl" ||
	    fail "$1: the error does not say what failed: $_out"
	ok "$1 refused: $(echo "$_out" | tail -n 1)"
}

expect disable "scram_user false"
expect require "scram_user true"
expect default "scram_user true"
expect verify-ca "scram_user true"
refused verify-ca-wrong
expect verify-full "scram_user true"
expect verify-full-ip "scram_user true"
refused verify-full-wrong
expect tls-only "tls_user true"
expect cert "cert_user true"

out=$(airlock_psql "$PORT_cert" \
    "select client_dn from pg_stat_ssl where pid = pg_backend_pid()" 2>&1) ||
    fail "client_dn: $out"
[ "$out" = "/CN=cert_user" ] || fail "client certificate DN is '$out'"
ok "the server saw the client certificate $out"

airlock_alive || fail "airlockd died"
exit 0
