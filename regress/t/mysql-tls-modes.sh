# The mysql connector's backend leg: sslmode disable, require (the
# default), verify-ca and verify-full (by name with sslhost, by IP address
# without) against a MariaDB with TLS, sslrootcert from a file provider;
# verify-ca and verify-full against a wrong CA refused with an error that
# says why; a REQUIRE SSL user over sslmode require; a client certificate
# (sslcert, sslkey: the key stays in the monitor, which signs the TLS 1.3
# CertificateVerify); and sslmode require against the same server started
# without TLS, refused.  The server tells which connections are TLS, and
# which version (MariaDB 10.11 with OpenSSL 3 negotiates TLSv1.3).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_start tls

# service NAME USER SSLMODE|"" [CREDENTIAL LINE...]: my_service on a free
# port; sets PORT_<NAME> (dashes as underscores) to that port.
service()
{
	_p=$(free_port)
	eval "PORT_$(echo "$1" | tr - _)=$_p"
	_s=$1 _u=$2 _m=$3
	shift 3
	my_service "$_s" "$_p" "$_u" "$_m" "$@" >>"$T/airlock.yml"
}
CA="sslrootcert: {from: file, get: $MY_CA}"
WRONG_CA="sslrootcert: {from: file, get: $MY_WRONG_CA}"
N="password: {from: file, get: $T/native.pw}"

airlock_head >"$T/airlock.yml"
service disable native_user disable "$N"
service require native_user require "$N"
service default native_user "" "$N"
service verify-ca native_user verify-ca "$N" "$CA"
service verify-ca-wrong native_user verify-ca "$N" "$WRONG_CA"
service verify-full native_user verify-full "$N" "$CA" "sslhost: localhost"
service verify-full-ip native_user verify-full "$N" "$CA"
service verify-full-wrong native_user verify-full "$N" "$WRONG_CA" \
    "sslhost: localhost"
service verify-full-name native_user verify-full "$N" "$CA" \
    "sslhost: wrong.example"
service tls-only tls_user require "password: {from: file, get: $T/tls.pw}"
service cert cert_user verify-full "$CA" "sslhost: localhost" \
    "sslcert: {from: file, get: $MY_CLIENT_CERT}" \
    "sslkey: {from: file, get: $MY_CLIENT_KEY}"
"$AIRLOCKD" -t -f "$T/airlock.yml" >"$T/check.out" 2>&1 ||
    fail "airlockd -t refuses the configuration: $(cat "$T/check.out")"
start_airlock "$T/airlock.yml"

Q="select concat_ws(' ', current_user(), variable_value)
    from information_schema.session_status
    where variable_name = 'Ssl_version'"

port()
{
	eval "echo \$PORT_$(echo "$1" | tr - _)"
}

# expect NAME RESULT: the query through the service prints RESULT.
expect()
{
	_out=$(my_mariadb "$(port "$1")" nobody "$Q" 2>&1) ||
	    fail "$1: $_out"
	[ "$_out" = "$2" ] || fail "$1: expected '$2', got '$_out'"
	ok "$1: $_out"
}

# refused NAME PATTERN: an ERR packet from airlock (my_refused).
refused()
{
	my_refused "$1" "$(port "$1")" "$2"
}

V=TLSv1.3
expect disable "native_user@% "
expect require "native_user@% $V"
expect default "native_user@% $V"
expect verify-ca "native_user@% $V"
refused verify-ca-wrong "airlock: .*certificate"
expect verify-full "native_user@% $V"
expect verify-full-ip "native_user@% $V"
refused verify-full-wrong "airlock: .*certificate"
refused verify-full-name "airlock: .*(host ?name|name|certificate)"
expect tls-only "tls_user@% $V"
expect cert "cert_user@% $V"
n=$(grep -Ec "\] cert#[0-9]+: signed the TLS client CertificateVerify" \
    "$AIRLOCK_LOG")
[ "$n" -eq 1 ] || fail "cert: $n CertificateVerify signatures in the log"
ok "cert: the monitor signed the CertificateVerify"

# The same server, without TLS: require cannot be met.
my_stop
my_start
refused require "airlock: the backend does not support TLS, and sslmode is require"
expect disable "native_user@% "

for pw in "$MY_NATIVE_PASSWORD" "$MY_TLS_PASSWORD"; do
	grep -F -q -- "$pw" "$AIRLOCK_LOG" && fail "a password is in the log"
done
airlock_alive || fail "airlockd died"
exit 0
