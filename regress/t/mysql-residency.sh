# The password of a mysql service does not rest where it does not belong.
# With one canary password for a mysql_native_password and a client_ed25519
# account of a real MariaDB, a worker that has logged in through airlock
# and is relaying holds no copy of it in any readable mapping (the monitor
# answers the scramble or signs it: the worker never had it), nor does
# airlockd once the handshake is over; and it is in no log line (debug
# level) and no client output.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"
. "$TOP/regress/residency.sh"

my_start
residency_canary
my_sql - >"$T/alter.log" 2>&1 <<EOSQL ||
ALTER USER native_user IDENTIFIED VIA mysql_native_password
    USING PASSWORD('$CANARY');
ALTER USER ed_user IDENTIFIED VIA ed25519 USING PASSWORD('$CANARY');
EOSQL
    fail "ALTER USER: $(cat "$T/alter.log")"

PW="password: {from: file, get: $T/canary}"
PN=$(free_port)
PE=$(free_port)
{
	airlock_head
	my_service my-native "$PN" native_user disable "$PW"
	my_service my-ed "$PE" ed_user disable "$PW"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# my_client PORT SQL: the mariadb client through airlock, no password (for
# airlock_session).
my_client()
{
	my_mariadb "$1" nobody "$2"
}
unset MYSQL_PWD

SESSION_CLIENT=my_client
for s in "my-native $PN native_user" "my-ed $PE ed_user"; do
	set -- $s
	residency_marker "$1"
	residency_hold "$1" "$2" "select concat(current_user(), ' ',
	    sleep(5), '$MARKER')" "$T/client.$1"
	out=$(cat "$T/client.$1")
	[ "$out" = "$3@% 0$MARKER" ] || fail "$1: session returned '$out'"
done
SESSION_CLIENT=

grep -q "authenticated (client_ed25519)" "$AIRLOCK_LOG" ||
    fail "no client_ed25519 login in the log"
wait_for_log "\] my-ed#[0-9]+: closed" 5 || true
residency_scan "monitor, all sessions closed" "$AIRLOCK_PID"
ok "airlockd holds no copy after the sessions closed"

residency_logs "$T"/client.*
airlock_alive || fail "airlockd died"
exit 0
