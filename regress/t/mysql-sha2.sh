# caching_sha2_password through airlock, against regress/tools/fakemysql.py
# (MySQL 8's method; MariaDB has none): the fast path; full authentication
# over RSA, refused by default (whoever holds the key the server sent reads
# the password: a cleartext release), allowed with cleartextPassword:
# always or under a pinned serverPublicKey, refused under a pin that is not
# the server's key; full authentication over verified TLS under
# cleartextPassword: tls; an auth switch from mysql_native_password.  The
# stand-in's log says which way each login went, airlockd's that the
# monitor answered for caching_sha2_password.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

require_root
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/server.key" 2>/dev/null &&
    openssl pkey -in "$T/server.key" -pubout -out "$T/server.pub" &&
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/other.key" 2>/dev/null &&
    openssl pkey -in "$T/other.key" -pubout -out "$T/other.pub" ||
    fail "making RSA keys failed"

my_standin --cache full
FAST=$MY_STANDIN_PORT FAST_LOG=$MY_STANDIN_LOG
{
	airlock_head
	my_standin_service my-fast "$(free_port)" disable
} >"$T/services.fast"
my_standin --cache empty --rsa-key "$T/server.key"
RSA_LOG=$MY_STANDIN_LOG
{
	my_standin_service my-rsa "$(free_port)" disable
	my_standin_service my-rsa-always "$(free_port)" disable
	printf '    config:\n      cleartextPassword: always\n'
	my_standin_service my-rsa-pinned "$(free_port)" disable \
	    "serverPublicKey: {from: file, get: $T/server.pub}"
	my_standin_service my-rsa-wrong-pin "$(free_port)" disable \
	    "serverPublicKey: {from: file, get: $T/other.pub}"
	printf '    config:\n      cleartextPassword: always\n'
} >"$T/services.rsa"
my_standin tls --cache empty
TLS_LOG=$MY_STANDIN_LOG
{
	my_standin_service my-tls "$(free_port)" verify-full \
	    "sslrootcert: {from: file, get: $MY_CA}" "sslhost: localhost"
	printf '    config:\n      cleartextPassword: tls\n'
} >"$T/services.tls"
my_standin --switch --cache full
SWITCH_LOG=$MY_STANDIN_LOG
my_standin_service my-switch "$(free_port)" disable >"$T/services.switch"
cat "$T"/services.fast "$T"/services.rsa "$T"/services.tls \
    "$T"/services.switch >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# port SERVICE: where airlock listens for it.
port()
{
	awk -v s="  $1:" '$0 == s { f = 1 } f && /listenOn/ {
	    sub(/.*:/, ""); print; exit }' "$T/airlock.yml"
}
unset MYSQL_PWD

# login SERVICE LOG: "select current_user()" through airlock with no
# password; sets OUT (the client's output) and STEPS (the stand-in's lines).
login()
{
	OUT=$(my_mariadb "$(port "$1")" nobody "select current_user()" 2>&1)
	_rc=$?
	STEPS=$(my_standin_steps "$2")
	return $_rc
}

# works SERVICE LOG TEXT...: the login succeeds as sha2_user, the stand-in
# logged each TEXT, and the monitor answered for caching_sha2_password.
works()
{
	_s=$1 _l=$2
	shift 2
	login "$_s" "$_l" || fail "$_s: $OUT
$STEPS"
	[ "$OUT" = sha2_user@% ] || fail "$_s: current_user() is '$OUT'"
	for _t in "$@" "OK: authenticated"; do
		echo "$STEPS" | grep -qF -- "$_t" ||
		    fail "$_s: the stand-in did not log '$_t': $STEPS"
	done
	wait_for_log "\] $_s#[0-9]+: authenticated \(caching_sha2_password\)" \
	    5 || fail "$_s: no caching_sha2_password login in airlockd's log"
	ok "$_s: $(echo "$STEPS" | grep -E "fast auth|full auth" |
	    sed 's/^fakemysql: #[0-9]*: //' | tr '\n' ';')"
}

# refused SERVICE LOG TEXT: the login fails, the client is told TEXT, and
# the stand-in never received the password.
refused()
{
	login "$1" "$2" && fail "$1: logged in: $OUT"
	echo "$OUT" | grep -qF -- "$3" || fail "$1: the client got: $OUT"
	echo "$STEPS" | grep -q "RSA-OAEP\|clear password" &&
	    fail "$1: the password went out: $STEPS"
	ok "$1: refused: $OUT"
}

works my-fast "$FAST_LOG" "fast authentication: success"
refused my-rsa "$RSA_LOG" "which service my-rsa refuses to send"
works my-rsa-always "$RSA_LOG" "perform full authentication" \
    "public key requested; sent" "RSA-OAEP decrypted"
works my-rsa-pinned "$RSA_LOG" "perform full authentication" \
    "RSA-OAEP decrypted"
refused my-rsa-wrong-pin "$RSA_LOG" \
    "the backend's RSA key is not the serverPublicKey of service my-rsa-wrong-pin"
grep -q "my-rsa-wrong-pin#[0-9]*: .*a man in the middle" "$AIRLOCK_LOG" ||
    fail "my-rsa-wrong-pin: no warning in airlockd's log"
works my-tls "$TLS_LOG" "TLS: TLSv1" "perform full authentication" \
    "clear password over TLS"
works my-switch "$SWITCH_LOG" "greeting: mysql_native_password" \
    "AuthSwitchRequest: caching_sha2_password" "fast authentication: success"

airlock_alive || fail "airlockd died"
grep -F -q -- "$MY_SHA2_PASSWORD" "$AIRLOCK_LOG" &&
    fail "the password is in airlockd's log"
ok "the password is not in airlockd's log"
exit 0
