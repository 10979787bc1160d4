# The MariaDB harness against the real server, with no airlock: the
# mariadb client and PyMySQL over TCP and the Unix socket, with
# mysql_native_password and ed25519 users, a TLS-only user with the
# server's certificate verified (and refused against another CA), wrong
# passwords refused, a result row larger than 16 MiB, KILL QUERY from a
# second connection ending a SELECT SLEEP(30), and a stopped server started
# again with the same port and users.  The tests of the mysql connector
# stand on what this proves.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_start tls

# expect WHAT WANT CMD...: CMD succeeds and prints WANT.
expect()
{
	_what=$1 _want=$2
	shift 2
	_out=$("$@" 2>&1) || fail "$_what: $_out"
	[ "$_out" = "$_want" ] || fail "$_what: expected '$_want', got '$_out'"
	ok "$_what: $_out"
}

# refused WHAT TEXT CMD...: CMD fails and says TEXT.
refused()
{
	_what=$1 _text=$2
	shift 2
	_out=$("$@" 2>&1) && fail "$_what: not refused: $_out"
	echo "$_out" | grep -qF -- "$_text" ||
	    fail "$_what: the error does not say '$_text': $_out"
	ok "$_what refused: $(echo "$_out" | head -n 1)"
}

Q="select current_user()"
for where in "$MY_PORT" "$MY_SOCKET"; do
	for client in my_mariadb my_pymysql; do
		MYSQL_PWD=$MY_NATIVE_PASSWORD expect "$client native $where" \
		    native_user@% $client "$where" native_user "$Q"
		MYSQL_PWD=$MY_ED25519_PASSWORD expect "$client ed25519 $where" \
		    ed_user@% $client "$where" ed_user "$Q"
		MYSQL_PWD=wrong-$MY_NATIVE_PASSWORD refused \
		    "$client wrong password $where" "Access denied" \
		    $client "$where" native_user "$Q"
		expect "$client no password $where" nopw_user@% \
		    $client "$where" nopw_user "$Q"
	done
done
MYSQL_PWD=wrong-$MY_ED25519_PASSWORD refused "ed25519 wrong password" \
    "Access denied" my_mariadb "$MY_PORT" ed_user "$Q"

# TLS: the server's certificate verified against the CA, by name.
S="select variable_value <> '' from information_schema.session_status
    where variable_name = 'Ssl_version'"
MYSQL_PWD=$MY_TLS_PASSWORD expect "mariadb TLS, verified" 1 \
    my_mariadb "$MY_PORT" tls_user "$S" --ssl-ca="$MY_CA" \
    --ssl-verify-server-cert
MYSQL_PWD=$MY_TLS_PASSWORD expect "pymysql TLS, verified" 1 \
    my_pymysql "$MY_PORT" tls_user "$S" --ssl-ca "$MY_CA" --ssl-verify
MYSQL_PWD=$MY_TLS_PASSWORD refused "mariadb TLS against another CA" \
    "certificate" my_mariadb "$MY_PORT" tls_user "$Q" \
    --ssl-ca="$MY_WRONG_CA" --ssl-verify-server-cert
MYSQL_PWD=$MY_TLS_PASSWORD refused "tls_user without TLS" "Access denied" \
    my_mariadb "$MY_PORT" tls_user "$Q" --skip-ssl
expect "client certificate" cert_user@% my_mariadb "$MY_PORT" cert_user "$Q" \
    --ssl-ca="$MY_CA" --ssl-cert="$MY_CLIENT_CERT" --ssl-key="$MY_CLIENT_KEY"
expect "plain TCP" 0 my_mariadb "$MY_PORT" nopw_user "$S" --skip-ssl

# One row of 17 MiB: a server packet split at 0xFFFFFF bytes.
BIG="select repeat('x', 17 * 1024 * 1024)"
want=$((17 * 1024 * 1024 + 1))
for client in my_mariadb my_pymysql; do
	case $client in
	my_mariadb) opt=--max-allowed-packet=64M ;;
	my_pymysql) opt=--max-allowed-packet=67108864 ;;
	esac
	MYSQL_PWD=$MY_NATIVE_PASSWORD $client "$MY_PORT" native_user "$BIG" \
	    "$opt" >"$T/big" || fail "$client: $BIG failed"
	m=$(wc -c <"$T/big")
	n=$(tr -d x <"$T/big" | wc -c)
	if [ "$m" != "$want" ] || [ "$n" != 1 ]; then
		fail "$client: a 17 MiB row came as $m bytes, $n of them not x"
	fi
	ok "$client: a 17 MiB row"
done

# KILL QUERY from a second connection: SLEEP() returns 1 when interrupted
# (0 if it slept its time), or the statement fails as interrupted.
MYSQL_PWD=$MY_NATIVE_PASSWORD my_mariadb "$MY_PORT" native_user \
    "select sleep(30)" >"$T/sleep.out" 2>&1 &
SLEEPER=$!
at_exit "kill $SLEEPER"
id=
n=100
while [ -z "$id" ] && [ "$n" -gt 0 ]; do
	sleep 0.1
	id=$(MYSQL_PWD=$MY_NATIVE_PASSWORD my_mariadb "$MY_PORT" native_user \
	    "select id from information_schema.processlist
	    where info = 'select sleep(30)'")
	n=$((n - 1))
done
[ -n "$id" ] || fail "the sleeping query is not in the process list"
MYSQL_PWD=$MY_NATIVE_PASSWORD my_pymysql "$MY_PORT" native_user \
    "kill query $id" || fail "KILL QUERY $id failed"
wait_pid "$SLEEPER" 25
rc=$?
[ "$rc" != 124 ] || fail "SELECT SLEEP(30) still runs 25 s after KILL QUERY"
out=$(cat "$T/sleep.out")
case "$rc:$out" in
0:1|*:*"interrupted"*) ok "KILL QUERY $id ended SELECT SLEEP(30): $out" ;;
*) fail "SELECT SLEEP(30) after KILL QUERY: exit $rc, '$out'" ;;
esac

# A stopped server refuses; started again, it has the same port and users.
my_stop
MYSQL_PWD=$MY_NATIVE_PASSWORD refused "the stopped server" "Can't connect" \
    my_mariadb "$MY_PORT" native_user "$Q"
my_start tls
MYSQL_PWD=$MY_TLS_PASSWORD expect "restarted, TLS verified" 1 \
    my_mariadb "$MY_PORT" tls_user "$S" --ssl-ca="$MY_CA" \
    --ssl-verify-server-cert
exit 0
