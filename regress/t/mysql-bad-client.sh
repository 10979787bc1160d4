# Clients that break the MySQL protocol, with regress/tools/myraw.py: an
# SSLRequest and a whole response with CLIENT_SSL (airlock offers clients
# no TLS), CLIENT_COMPRESS (never
# offered), a truncated HandshakeResponse41, a packet header announcing
# 0xffffff bytes, a wrong sequence id, a length-encoded auth response that
# overruns its packet, and a HandshakeResponse320.  Each gets an ERR packet
# or a closed connection, never a crash: its worker exits with a status,
# not a signal, and airlockd serves the next client.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_start
P=$(free_port)
{
	airlock_head
	my_service my-bad "$P" native_user disable \
	    "password: {from: file, get: $T/native.pw}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# bad CASE PATTERN: myraw.py CASE gets an answer that matches the extended
# regular expression PATTERN.
bad()
{
	_out=$(timeout -k 5 30 "$MY_PYTHON" "$TOP/regress/tools/myraw.py" \
	    --port "$P" "$1" 2>&1) || fail "$1: myraw.py failed: $_out"
	echo "$_out" | grep -Eq -- "$2" || fail "$1: expected '$2', got: $_out"
	ok "$1: $(echo "$_out" | head -n 1)"
}

bad ssl "^ERR 1043 08S01: airlock does not offer TLS to clients \(connect"
bad sslbit "^ERR 1043 08S01: airlock does not offer TLS to clients\$"
bad compress "^ERR 1235 42000: airlock: compression is not supported"
bad truncated "^ERR 1043( 08S01)?: airlock: malformed handshake response"
bad huge "^(ERR 1043( 08S01)?: airlock: malformed packet from the client|closed)"
bad badseq "^(ERR 1043( 08S01)?: airlock: malformed packet from the client|closed)"
bad lenenc "^ERR 1043( 08S01)?: airlock: malformed handshake response"
bad old320 "^ERR 1043.*older than MySQL 4.1"

# Every one of those workers ended by itself, none by a signal.
n=0
while [ "$(grep -c "my-bad#[0-9]*: .*worker [0-9]* exited with status" \
    "$AIRLOCK_LOG")" -lt 8 ] && [ "$n" -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
grep -E "died of signal|fatal" "$AIRLOCK_LOG" &&
    fail "a worker died of a signal"
c=$(grep -c "my-bad#[0-9]*: .*worker [0-9]* exited with status 1" \
    "$AIRLOCK_LOG")
[ "$c" -eq 8 ] || fail "$c of 8 workers exited with status 1"
ok "8 workers exited with status 1, none of a signal"

airlock_alive || fail "airlockd died"
out=$(my_mariadb "$P" nobody "select current_user()" 2>&1) ||
    fail "the next client: $out"
[ "$out" = "native_user@%" ] || fail "the next client: '$out'"
ok "airlockd serves the next client"
exit 0
