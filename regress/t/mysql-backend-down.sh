# The backend away or refusing: with its port closed, the client gets an
# ERR packet that says so; a server that is stopped and started again
# serves the next client; a server at max_connections answers the
# connection with an ERR instead of a greeting ("Too many connections"),
# which reaches the client through airlock; and a "server" whose greeting is malformed is refused with a
# clean ERR.  airlockd lives through it all.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_start
P=$(free_port)
# A closed port, and a server that greets with garbage.
CLOSED=$(free_port)
BAD=$(free_port)
{
	airlock_head
	my_service my "$P" native_user disable \
	    "password: {from: file, get: $T/native.pw}"
	PC=$(free_port)
	my_service my-closed "$PC" native_user disable \
	    "password: {from: file, get: $T/native.pw}" |
	    sed "s/port: $MY_PORT/port: $CLOSED/"
	PB=$(free_port)
	my_service my-garbage "$PB" native_user disable \
	    "password: {from: file, get: $T/native.pw}" |
	    sed "s/port: $MY_PORT/port: $BAD/"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# refused PORT WHAT PATTERN: the client gets an ERR matching PATTERN.  An
# ERR before any greeting is one too: the mariadb client shows it as 2002,
# "Received error packet before completion of TLS handshake", with the
# ERR's code and message.
refused()
{
	_out=$(my_mariadb "$1" nobody "select 1" 2>&1) &&
	    fail "$2: expected an error, got '$_out'"
	echo "$_out" | grep -Eq -- "$3" || fail "$2: $_out"
	ok "$2: $_out"
}

refused "$PC" "backend port closed" \
    "ERROR.*1043 - airlock: could not connect to the backend: .*refused"

# A greeting of protocol version 9 (MySQL 3.22's), then silence.
"$MY_PYTHON" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
print("listening", flush=True)
while True:
    c, _ = s.accept()
    p = b"\x09garbage\x00" + b"\x01" * 8
    c.sendall(len(p).to_bytes(3, "little") + b"\x00" + p)
    c.close()
' "$BAD" >"$T/garbage.log" 2>&1 &
at_exit "kill $!"
wait_for_log listening 10 "$T/garbage.log" || fail "the garbage server"
refused "$PB" "malformed greeting" \
    "ERROR.*1043 - airlock: the backend.s greeting is not"

Q="select current_user()"
out=$(my_mariadb "$P" nobody "$Q" 2>&1) || fail "before the restart: $out"
my_stop
refused "$P" "backend stopped" \
    "ERROR.*1043 - airlock: could not connect to the backend: .*refused"
my_start --max-connections=10
out=$(my_mariadb "$P" nobody "$Q" 2>&1) || fail "after the restart: $out"
[ "$out" = "native_user@%" ] || fail "after the restart: '$out'"
ok "the restarted server serves the next client"

# max_connections: MariaDB's least is 10; past it, it lets one more in for
# a SUPER user (root), and then answers with an ERR instead of a greeting.
hold()
{
	MYSQL_PWD=$MY_NATIVE_PASSWORD my_mariadb "$@" "select sleep(20)" \
	    >/dev/null 2>&1 &
	at_exit "kill $!"
	HOLDERS="$HOLDERS $!"
}
HOLDERS=
# root's look may take a slot from a holder, which is refused: another
# takes its place.
n=50
while [ "$n" -gt 0 ]; do
	c=$(my_sql "select count(*) from information_schema.processlist
	    where info = 'select sleep(20)'" 2>/dev/null) || c=10
	[ "$c" = 10 ] && break
	while [ "$c" -lt 10 ]; do
		hold "$MY_PORT" native_user
		c=$((c + 1))
	done
	sleep 0.5
	n=$((n - 1))
done
[ "$n" -gt 0 ] || fail "10 clients do not hold max_connections"
# root takes the extra one, once my_sql's has gone (a root holder that came
# too early is refused, and comes again).
ROOT=
n=50
while [ "$n" -gt 0 ]; do
	if [ -z "$ROOT" ] || ! kill -0 "$ROOT" 2>/dev/null; then
		hold "$MY_SOCKET" root
		ROOT=$!
		sleep 0.5
	fi
	out=$(my_mariadb "$P" nobody "select 1" 2>&1)
	case $out in *"refused the connection: Too many"*) break ;; esac
	sleep 0.2
	n=$((n - 1))
done
echo "$out" | grep -q \
    "ERROR.*1040 - airlock: the backend refused the connection: Too many conn" ||
    fail "max_connections: $out"
ok "max_connections: $out"
# shellcheck disable=SC2086
kill $HOLDERS

grep -E "died of signal" "$AIRLOCK_LOG" && fail "a worker died of a signal"
airlock_alive || fail "airlockd died"
exit 0
