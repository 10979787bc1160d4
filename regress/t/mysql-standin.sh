# regress/tools/fakemysql.py, the MySQL 8 stand-in for caching_sha2_password
# (MariaDB has no such method), against independent clients: the mariadb
# client (libmariadb's caching_sha2_password plugin) and PyMySQL.  The fast
# path with the user cached; full authentication over RSA (the client asks
# for the server's public key) and over verified TLS (the password in
# clear); a full authentication that fills the cache, so that the next
# login takes the fast path; an auth switch from mysql_native_password;
# wrong passwords refused; a server that requires TLS refusing a client
# without it.  The stand-in's log tells which way each login
# went.  Neither client sets CLIENT_DEPRECATE_EOF, so the result sets here
# end with EOF packets.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_standin --cache full
FULL=$MY_STANDIN_PORT FULL_LOG=$MY_STANDIN_LOG
my_standin tls --cache empty
EMPTY=$MY_STANDIN_PORT EMPTY_LOG=$MY_STANDIN_LOG
my_standin --switch
SWITCH=$MY_STANDIN_PORT SWITCH_LOG=$MY_STANDIN_LOG
my_standin tls --require-tls
STRICT=$MY_STANDIN_PORT STRICT_LOG=$MY_STANDIN_LOG

# login WHAT PORT LOG PASSWORD CLIENT [OPTION...]: "select current_user()"
# as sha2_user; sets OUT (the client's output) and STEPS (the stand-in's
# lines for this connection, the last one it took).
login()
{
	_what=$1 _port=$2 _log=$3 _pw=$4 _client=$5
	shift 5
	OUT=$(MYSQL_PWD=$_pw $_client "$_port" sha2_user \
	    "select current_user()" "$@" 2>&1)
	_rc=$?
	# The stand-in logs each step before it answers: all is there.
	_n=$(grep -c "connection from" "$_log")
	STEPS=$(grep "^fakemysql: #$_n: " "$_log")
	return $_rc
}

# says WHAT TEXT...: each TEXT is in STEPS.
says()
{
	_what=$1
	shift
	for _t in "$@"; do
		echo "$STEPS" | grep -qF -- "$_t" ||
		    fail "$_what: the stand-in did not log '$_t':
$STEPS"
	done
}

# works WHAT PORT LOG CLIENT OPTIONS -- TEXT...: the login succeeds as
# sha2_user and the stand-in logged each TEXT.
works()
{
	_w=$1 _p=$2 _l=$3 _c=$4 _o=$5
	shift 6
	# shellcheck disable=SC2086
	login "$_w" "$_p" "$_l" "$MY_SHA2_PASSWORD" "$_c" $_o ||
	    fail "$_w: $OUT
$STEPS"
	[ "$OUT" = sha2_user@% ] || fail "$_w: current_user() is '$OUT'"
	says "$_w" "$@" "OK: authenticated"
	ok "$_w"
}

for c in my_mariadb my_pymysql; do
	case $c in
	my_mariadb)
		PLAIN=--skip-ssl
		VERIFY="--ssl-ca=$MY_CA --ssl-verify-server-cert" ;;
	my_pymysql)
		PLAIN=
		VERIFY="--ssl-ca $MY_CA --ssl-verify" ;;
	esac
	works "$c: fast path" "$FULL" "$FULL_LOG" $c "$PLAIN" -- \
	    "fast authentication: success"
	works "$c: full authentication over RSA" "$EMPTY" "$EMPTY_LOG" $c \
	    "$PLAIN" -- "perform full authentication" \
	    "public key requested; sent" "RSA-OAEP decrypted"
	works "$c: full authentication over TLS" "$EMPTY" "$EMPTY_LOG" $c \
	    "$VERIFY" -- "TLS: TLSv1" "perform full authentication" \
	    "clear password over TLS"
	# The cache learns from a full authentication.
	works "$c: auth switch, full authentication" "$SWITCH" "$SWITCH_LOG" \
	    $c "$PLAIN" -- "greeting: mysql_native_password" \
	    "AuthSwitchRequest: caching_sha2_password" \
	    "perform full authentication" "RSA-OAEP decrypted"
	case $c in
	my_mariadb)
		works "$c: auth switch, then the fast path" "$SWITCH" \
		    "$SWITCH_LOG" $c "$PLAIN" -- \
		    "AuthSwitchRequest: caching_sha2_password" \
		    "fast authentication: success" ;;
	my_pymysql)
		# PyMySQL 1.0.2 hashes the AuthSwitchRequest's data with its
		# trailing NUL (PyMySQL's pull request 1200 fixed that later):
		# its fast path after a switch misses, here as against MySQL,
		# and it falls back to full authentication.
		works "$c: auth switch, a missed fast path, then RSA" \
		    "$SWITCH" "$SWITCH_LOG" $c "$PLAIN" -- \
		    "AuthSwitchRequest: caching_sha2_password" \
		    "fast authentication: mismatch" "RSA-OAEP decrypted" ;;
	esac

	for p in "$FULL $FULL_LOG" "$EMPTY $EMPTY_LOG"; do
		# shellcheck disable=SC2086
		set -- $p
		# shellcheck disable=SC2086
		login "$c: wrong password" "$1" "$2" "wrong-$MY_SHA2_PASSWORD" \
		    $c $PLAIN && fail "$c: a wrong password logged in: $OUT"
		echo "$OUT" | grep -q "Access denied" ||
		    fail "$c: a wrong password: $OUT"
		says "$c: wrong password" "perform full authentication" \
		    "ERR 1045"
	done
	ok "$c: wrong passwords refused, cached or not"
done

# --require-tls: a client that does not start TLS is refused before it
# authenticates.
login "no TLS" "$STRICT" "$STRICT_LOG" "$MY_SHA2_PASSWORD" my_mariadb \
    --skip-ssl && fail "--require-tls let a client in without TLS: $OUT"
echo "$OUT" | grep -q "insecure transport" || fail "--require-tls: $OUT"
says "--require-tls" "ERR 3159"
ok "--require-tls refuses a client without TLS: $OUT"

grep -F -q -- "$MY_SHA2_PASSWORD" "$FULL_LOG" "$EMPTY_LOG" "$SWITCH_LOG" \
    "$STRICT_LOG" &&
    fail "the password is in the stand-in's log"
exit 0
