# A service whose password the backend refuses: the client gets the
# backend's own ERR packet (1045, "Access denied"), for
# mysql_native_password and client_ed25519, and neither the wrong nor the
# right password is in any line of airlockd's (debug) log.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_start
WRONG=wrong-$(pg_password)
printf '%s' "$WRONG" >"$T/wrong.pw"
chmod 0600 "$T/wrong.pw"
PN=$(free_port)
PE=$(free_port)
{
	airlock_head
	my_service my-native "$PN" native_user disable \
	    "password: {from: file, get: $T/wrong.pw}"
	my_service my-ed "$PE" ed_user disable \
	    "password: {from: file, get: $T/wrong.pw}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

for p in "$PN native_user" "$PE ed_user"; do
	# shellcheck disable=SC2086
	set -- $p
	out=$(my_mariadb "$1" nobody "select 1" 2>&1) &&
	    fail "$2: a wrong password logged in: $out"
	echo "$out" | grep -q "^ERROR 1045 (28000).*Access denied for user '$2'" ||
	    fail "$2: not the backend's ERR: $out"
	out=$(my_pymysql "$1" nobody "select 1" 2>&1) &&
	    fail "$2: PyMySQL: a wrong password logged in: $out"
	echo "$out" | grep -q "1045.*Access denied for user '$2'" ||
	    fail "$2: PyMySQL: not the backend's ERR: $out"
	ok "$2: $(echo "$out" | head -n 1)"
done

wait_for_log "my-ed#4: .*exited with status" 5 || true
for pw in "$WRONG" "$MY_NATIVE_PASSWORD" "$MY_ED25519_PASSWORD"; do
	grep -F -q -- "$pw" "$AIRLOCK_LOG" && fail "a password is in the log"
done
ok "no password in airlockd's log"
airlock_alive || fail "airlockd died"
exit 0
