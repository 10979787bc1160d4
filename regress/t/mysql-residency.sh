# The password of a mysql service does not rest where it does not belong.
# With one canary password for a mysql_native_password and a client_ed25519
# account of a real MariaDB, a worker that has logged in through airlock
# and is relaying holds no copy of it in any readable mapping (the monitor
# answers the scramble or signs it: the worker never had it), nor does
# airlockd once the handshake is over; and it is in no log line (debug
# level) and no client output.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

require_root
MEMSCAN=$TOP/regress/tools/memscan
[ -x "$MEMSCAN" ] || fail "$MEMSCAN not built (make)"

my_start
CANARY=canary-$(head -c 512 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 24)
[ "${#CANARY}" -eq 31 ] || fail "could not make a canary"
# memscan reads the needle from a file, so it is not in its argv.
printf '%s' "$CANARY" >"$T/canary"
chmod 0600 "$T/canary"
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

# scan WHAT PID: the canary must not be in PID's memory.
scan()
{
	"$MEMSCAN" "$2" "$T/canary" >"$T/scan.out" 2>&1
	_rc=$?
	case $_rc in
	0)	;;
	1)	fail "$1: the canary is in the memory of pid $2:" \
		    "$(cat "$T/scan.out")" ;;
	*)	fail "$1: memscan failed (exit $_rc): $(cat "$T/scan.out")" ;;
	esac
}

SESSION_CLIENT=my_client
for s in "my-native $PN native_user" "my-ed $PE ed_user"; do
	set -- $s
	# The query carries a marker that the worker relays: finding it
	# shows that the scan reads the (undumpable) worker's memory.
	marker=marker-$1-$(openssl rand -hex 8)
	printf '%s' "$marker" >"$T/marker"
	airlock_session "$2" "$1" "select concat(current_user(), ' ',
	    sleep(5), '$marker')" "$T/client.$1"
	client=$SESSION_PID
	w=$WORKER_PID
	# The handshake is over; give the worker a moment to settle into
	# the relay.
	sleep 0.5
	[ "$(cat "/proc/$w/comm" 2>/dev/null)" = airlock-worker ] ||
	    fail "$1: worker $w has gone"
	kill -0 "$client" 2>/dev/null || fail "$1: the session ended too soon"
	"$MEMSCAN" "$w" "$T/marker" >"$T/scan.marker" 2>&1
	rc=$?
	[ "$rc" -eq 1 ] || fail "$1: control: the relayed marker is not" \
	    "found in worker $w (exit $rc): $(cat "$T/scan.marker")"
	scan "$1 worker" "$w"
	ok "$1: the canary is not in the memory of worker $w, which does" \
	    "hold the query it relays ($(head -n 1 "$T/scan.marker"))"
	scan "$1 monitor" "$AIRLOCK_PID"
	ok "$1: nor in airlockd's, once the handshake is over"
	wait "$client" || fail "$1: session failed: $(cat "$T/client.$1")"
	out=$(cat "$T/client.$1")
	[ "$out" = "$3@% 0$marker" ] || fail "$1: session returned '$out'"
done
SESSION_CLIENT=

grep -q "authenticated (client_ed25519)" "$AIRLOCK_LOG" ||
    fail "no client_ed25519 login in the log"
wait_for_log "\] my-ed#[0-9]+: closed" 5 || true
scan "monitor, all sessions closed" "$AIRLOCK_PID"
ok "airlockd holds no copy after the sessions closed"

grep -q "\[DEBUG\]" "$AIRLOCK_LOG" || fail "the log has no debug lines"
for f in "$AIRLOCK_LOG" "$T"/client.*; do
	"$MEMSCAN" -s "$f" "$T/canary" >/dev/null ||
	    fail "the canary is in $f"
done
ok "the canary is in no log line ($(wc -l <"$AIRLOCK_LOG") lines, debug)" \
    "and no client output"
airlock_alive || fail "airlockd died"
exit 0
