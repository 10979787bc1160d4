# The mysql connector against a real MariaDB: the mariadb client and PyMySQL
# log in through airlock with no password, over TCP and a Unix socket, as
# native_user (mysql_native_password) and ed_user (client_ed25519); the
# password never reaches airlockd's log.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_start
PN=$(free_port)
PE=$(free_port)
SOCK=$T/airlock-my.sock
{
	airlock_head
	my_service my-native "$PN" native_user disable \
	    "password: {from: file, get: $T/native.pw}"
	my_service my-ed "$PE" ed_user disable \
	    "password: {from: file, get: $T/ed.pw}"
	my_service my-unix "unix://$SOCK" native_user disable \
	    "password: {from: file, get: $T/native.pw}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

for where in "$PN" "$SOCK"; do
	out=$(my_mariadb "$where" nobody "select current_user()" \
	    --database=airlock_test 2>&1) ||
	    fail "mariadb through airlock at $where: $out"
	[ "$out" = "native_user@%" ] || fail "at $where: current_user is '$out'"
	out=$(my_pymysql "$where" nobody "select current_user()" \
	    --database airlock_test 2>&1) ||
	    fail "PyMySQL through airlock at $where: $out"
	[ "$out" = "native_user@%" ] || fail "PyMySQL at $where: '$out'"
done
ok "native_user over TCP and a Unix socket, mariadb and PyMySQL"

out=$(my_mariadb "$PE" nobody "select current_user()" 2>&1) ||
    fail "mariadb as ed_user through airlock: $out"
[ "$out" = "ed_user@%" ] || fail "ed25519: current_user is '$out'"
grep -q "authenticated (client_ed25519)" "$AIRLOCK_LOG" ||
    fail "no client_ed25519 login in the log"
ok "ed_user: client_ed25519 signed by the monitor"

wait_for_log "my-ed#[0-9]+: closed" 5 || true
for pw in "$MY_NATIVE_PASSWORD" "$MY_ED25519_PASSWORD"; do
	if grep -F -q -- "$pw" "$AIRLOCK_LOG"; then
		fail "a password appears in airlockd's log"
	fi
done
ok "no password in the (debug) log"
exit 0
