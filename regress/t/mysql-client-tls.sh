# The mysql connector's client leg over TLS (a service's clientTLS): the
# mariadb client verifies the listener's certificate (--ssl-ca,
# --ssl-verify-server-cert, host 127.0.0.1) with clientAuth none and with
# clientAuth cert and the app certificate; PyMySQL, a second client
# library, with a client certificate.  Refused, each with an ERR packet
# whose message the client prints: no certificate, a certificate of
# another CA, a name not in allowedClients, and a client without TLS
# (--skip-ssl) to a service that has it.  Each refusal is in airlockd's
# log and counted in /metrics (airlock_client_tls_total).  The raw
# client (myraw.py): the sequence ids over TLS (SSLRequest 1, response 2,
# its answer 3), a wrong one, an SSLRequest twice, no TLS after the
# SSLRequest, TLS 1.2.  Logins behind the TLS client leg:
# mysql_native_password over a plaintext and a TLS backend leg, a client
# certificate on the backend leg too (both keys stay in airlockd),
# client_ed25519, and caching_sha2_password (the MySQL 8 stand-in, its
# fast authentication).  A service without clientTLS is as before: no TLS
# offered.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"
. "$TOP/regress/ctls.sh"

my_start tls
my_standin --cache full
ctls_make
PH=$(free_port)

# service NAME USER SSLMODE CTLS|"" [CREDENTIAL LINE...]: my_service on a
# free port, with a clientTLS block of ctls_yaml's words CTLS ("cert",
# "none", "cert CN=app"); sets PORT_<NAME> (dashes as underscores).
service()
{
	_p=$(free_port)
	eval "PORT_$(echo "$1" | tr - _)=$_p"
	_s=$1 _u=$2 _m=$3 _c=$4
	shift 4
	my_service "$_s" "$_p" "$_u" "$_m" "$@"
	if [ -n "$_c" ]; then
		echo "    config:"
		# shellcheck disable=SC2086
		ctls_yaml 6 $_c
	fi
}
N="password: {from: file, get: $T/native.pw}"
{
	airlock_head "health: 127.0.0.1:$PH"
	service plain native_user disable "" "$N"
	service anon native_user disable none "$N"
	service cert native_user disable cert "$N"
	service only-app native_user disable "cert CN=app" "$N"
	service tls-back native_user verify-full cert "$N" \
	    "sslrootcert: {from: file, get: $MY_CA}" "sslhost: localhost"
	service both-keys cert_user verify-full cert \
	    "sslrootcert: {from: file, get: $MY_CA}" "sslhost: localhost" \
	    "sslcert: {from: file, get: $MY_CLIENT_CERT}" \
	    "sslkey: {from: file, get: $MY_CLIENT_KEY}"
	service ed ed_user disable cert "password: {from: file, get: $T/ed.pw}"
	_p=$(free_port)
	# shellcheck disable=SC2034 # read by port(), through eval
	PORT_sha2=$_p
	my_standin_service sha2 "$_p" disable
	echo "    config:"
	ctls_yaml 6 cert
} >"$T/airlock.yml"
"$AIRLOCKD" -t -f "$T/airlock.yml" >"$T/check.out" 2>&1 ||
    fail "airlockd -t refuses the configuration: $(cat "$T/check.out")"
start_airlock "$T/airlock.yml"

port()
{
	eval "echo \$PORT_$(echo "$1" | tr - _)"
}

VERIFY="--ssl --ssl-ca=$CTLS/server-ca.crt --ssl-verify-server-cert"
APP="--ssl-cert=$CTLS/app.crt --ssl-key=$CTLS/app.key"

# mariadb NAME SQL [OPTION...]: the mariadb client through service NAME.
mariadb()
{
	_n=$1 _q=$2
	shift 2
	my_mariadb "$(port "$_n")" nobody "$_q" "$@"
}

# expect NAME RESULT [OPTION...]: current_user() through the service.
expect()
{
	_n=$1 _want=$2
	shift 2
	_out=$(mariadb "$_n" "select current_user()" "$@" 2>&1) ||
	    fail "$_n: $_out"
	[ "$_out" = "$_want" ] || fail "$_n: expected '$_want', got '$_out'"
	ok "$_n: $_want"
}

# tls NAME [OPTION...]: the client says that its connection is TLS 1.3.
tls()
{
	_n=$1
	shift
	_out=$(mariadb "$_n" status "$@" 2>&1) || fail "$_n: status: $_out"
	echo "$_out" | grep -Eq "^SSL:[[:space:]]+Cipher in use is TLS_" ||
	    fail "$_n: the client's connection is not TLS: $_out"
	ok "$_n: the client's connection is TLS"
}

# refused NAME PATTERN [OPTION...]: an ERR packet from airlock
# (my_refused).
refused()
{
	_n=$1
	shift
	my_refused "$_n" "$(port "$_n")" "$@"
}

# The mariadb client, verifying the listener (its chain, IP:127.0.0.1).
# shellcheck disable=SC2086
{
	expect anon "native_user@%" $VERIFY
	tls anon $VERIFY
	expect cert "native_user@%" $VERIFY $APP
	tls cert $VERIFY $APP
	expect only-app "native_user@%" $VERIFY $APP
	expect tls-back "native_user@%" $VERIFY $APP
	expect both-keys "cert_user@%" $VERIFY $APP
	expect ed "ed_user@%" $VERIFY $APP
	expect sha2 "sha2_user@%" $VERIFY $APP
}
grep -q "authenticated (client_ed25519)" "$AIRLOCK_LOG" ||
    fail "no client_ed25519 login in the log"
my_standin_steps "$MY_STANDIN_LOG" | grep -q "fast authentication: success" ||
    fail "the stand-in's caching_sha2_password: $(cat "$MY_STANDIN_LOG")"
# Both legs' keys signed in one worker: the listener's, the backend's.
for what in "TLS server" "TLS client"; do
	grep -Eq "\] both-keys#[0-9]+: signed the $what CertificateVerify" \
	    "$AIRLOCK_LOG" || fail "both-keys: no $what signature in the log"
done
ok "both-keys: the monitor signed for the client leg and the backend leg"
# The backend leg is TLS as its sslmode says, whatever the client's.
# shellcheck disable=SC2086
out=$(mariadb tls-back "select variable_value from
    information_schema.session_status where variable_name = 'Ssl_version'" \
    $VERIFY $APP 2>&1) || fail "tls-back: $out"
[ "$out" = TLSv1.3 ] || fail "tls-back: the backend leg is '$out'"
ok "tls-back: the backend leg is $out"

# PyMySQL, with the app certificate, the listener's name checked.
out=$(my_pymysql "$(port cert)" nobody "select current_user()" \
    --ssl-ca "$CTLS/server-ca.crt" --ssl-verify \
    --ssl-cert "$CTLS/app.crt" --ssl-key "$CTLS/app.key" 2>&1) ||
    fail "PyMySQL through cert: $out"
[ "$out" = "native_user@%" ] || fail "PyMySQL through cert: '$out'"
ok "PyMySQL with a client certificate: $out"
out=$(my_pymysql "$(port cert)" nobody "select 1" \
    --ssl-ca "$CTLS/server-ca.crt" --ssl-verify 2>&1) &&
    fail "PyMySQL without a certificate: accepted: $out"
echo "$out" | grep -q "(1045, " ||
    fail "PyMySQL without a certificate: not an ERR 1045: $out"
ok "PyMySQL without a certificate refused: $out"

# Refusals, each with the message that the client prints.
# shellcheck disable=SC2086
{
	refused cert "ERROR 1045 \(28000\).*certificate" $VERIFY
	refused cert "ERROR 1045 \(28000\).*certificate" $VERIFY \
	    --ssl-cert="$CTLS/stranger.crt" --ssl-key="$CTLS/stranger.key"
	refused only-app "ERROR 1045 \(28000\).*(allowed|CN=other)" $VERIFY \
	    --ssl-cert="$CTLS/other.crt" --ssl-key="$CTLS/other.key"
	refused cert "ERROR 1045 \(28000\).*accepts TLS connections only" \
	    --skip-ssl
	refused anon "ERROR 1045 \(28000\).*accepts TLS connections only" \
	    --skip-ssl
}

# raw NAME CASE PATTERN [OPTION...]: regress/tools/myraw.py's CASE
# through service NAME prints lines that match PATTERN (extended).
raw()
{
	_n=$1 _c=$2 _pat=$3
	shift 3
	_out=$(timeout -k 5 30 "$MY_PYTHON" "$TOP/regress/tools/myraw.py" \
	    --port "$(port "$_n")" "$@" "$_c" 2>&1) ||
	    fail "$_n $_c: myraw.py failed: $_out"
	echo "$_out" | tr '\n' '|' | grep -Eq -- "$_pat" ||
	    fail "$_n $_c: expected '$_pat', got: $_out"
	ok "$_n $_c: $(echo "$_out" | tr '\n' '|')"
}
RAW="--tls-ca $CTLS/server-ca.crt --tls-cert $CTLS/app.crt
    --tls-key $CTLS/app.key"
# The sequence ids: SSLRequest 1, the response 2 over TLS, its answer 3.
# The output's lines are joined by '|'.
G="^greeting: CLIENT_SSL\|"
GT="${G}TLS TLSv1.3\|"
E="ERR 1043 08S01: airlock: malformed"
# shellcheck disable=SC2086
{
	raw cert tls "${GT}3 OK\|ROW over tls\|EOF\|" $RAW
	raw cert tls-badseq "${GT}$E packet from the client\|" $RAW
	raw cert tls-again "${GT}$E handshake response\|" $RAW
	raw cert tls-garbage "${G}closed" $RAW
	raw cert tls "${G}(TLS failed|closed)" $RAW --tls12
	raw cert sslbit \
	    "${G}ERR 1045 28000: airlock: service cert accepts TLS connections only\|"
	raw plain ssl \
	    "^ERR 1043 08S01: airlock does not offer TLS to clients \(connect"
}

# Without clientTLS, nothing changed: no TLS offered, plaintext served.
out=$(mariadb plain "select current_user()" 2>&1) || fail "plain: $out"
[ "$out" = "native_user@%" ] || fail "plain: '$out'"
# shellcheck disable=SC2086
out=$(mariadb plain "select 1" $VERIFY 2>&1) &&
    fail "plain: a TLS client was served: $out"
ok "plain: served without TLS, a TLS client refused: $out"

# Each client leg in the log and in /metrics, by its outcome: the monitor
# logs and counts each as it comes, so once all are logged all are counted.
n=0
while [ "$(grep -Ec "\] [a-z-]+#[0-9]+: client (accepted over TLS|refused)" \
    "$AIRLOCK_LOG")" -lt 23 ] && [ "$n" -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
code=$(curl -s --max-time 10 -o "$T/metrics" -w '%{http_code}' \
    "http://127.0.0.1:$PH/metrics") || fail "curl /metrics"
[ "$code" = 200 ] || fail "/metrics: HTTP $code"
# counted SERVICE OUTCOME N
counted()
{
	_l="airlock_client_tls_total{service=\"$1\",outcome=\"$2\"} $3"
	grep -qxF -- "$_l" "$T/metrics" ||
	    fail "no '$_l' in /metrics: $(grep client_tls "$T/metrics")"
	# The monitor's line for each (CLIENT_TLS_DONE).
	if [ "$2" = ok ]; then
		_w="client accepted over TLS"
	else
		_w="client refused \($2\)"
	fi
	_n=$(grep -Ec "\] $1#[0-9]+: $_w" "$AIRLOCK_LOG")
	[ "$_n" -eq "$3" ] ||
	    fail "$1: $_n log lines of client TLS $2, not $3"
}
counted anon ok 2
counted anon plaintext 1
counted cert ok 6
counted cert no_certificate 2
counted cert unknown_ca 1
counted cert plaintext 2
counted cert handshake 2
counted only-app ok 1
counted only-app not_allowed 1
counted tls-back ok 2
counted both-keys ok 1
counted ed ok 1
counted sha2 ok 1
grep client_tls "$T/metrics" | grep 'service="plain"' | grep -qv ' 0$' &&
    fail "plain is counted: $(grep client_tls "$T/metrics")"
ok "/metrics and the log count every client leg by its outcome"

for pw in "$MY_NATIVE_PASSWORD" "$MY_ED25519_PASSWORD" "$MY_SHA2_PASSWORD"; do
	grep -F -q -- "$pw" "$AIRLOCK_LOG" && fail "a password is in the log"
done
grep -q "BEGIN.*PRIVATE KEY" "$AIRLOCK_LOG" && fail "a key is in the log"
airlock_alive || fail "airlockd died"
exit 0
