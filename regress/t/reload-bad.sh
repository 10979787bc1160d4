# A reload that cannot succeed changes nothing: a syntax error, an unknown
# connector and a listener that cannot be bound are each reported as
# "reload failed: FILE:LINE:COLUMN: ..." and the running services still
# serve.  The bind failure is atomic: the listeners of the new file that
# were bound before it (a TCP port, a Unix socket) are closed again.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
PN=$(free_port)		# a new service's port, bound before the failure
PT=$(free_port)		# taken by another process
S=$T/sock
mkdir -p "$S"
chmod 0755 "$S"
HEAD=$(airlock_head)
good()
{
	echo "$HEAD"
	pg_service pg-a "$P" trust_user disable
}
good >"$T/airlock.yml"
start_airlock "$T/airlock.yml"
ino=$(listen_inode "$P")

# still_serving WHAT: pg-a answers on the same socket as before.
still_serving()
{
	out=$(airlock_psql "$P" "select 'still'" 2>&1) ||
	    fail "$1: pg-a no longer serves: $out"
	[ "$out" = still ] || fail "$1: pg-a answered '$out'"
	[ "$(listen_inode "$P")" = "$ino" ] || fail "$1: pg-a's socket changed"
	airlock_alive || fail "$1: airlockd died"
}

# expect_failure WHAT LINE: the reload failed at LINE of the file.
expect_failure()
{
	reload_airlock HUP && fail "$1: the reload succeeded: $RELOAD_LINE"
	echo "$RELOAD_LINE" | grep -E -q \
	    "reload failed: $T/airlock.yml:$2:[0-9]+: .*; keeping the running configuration$" ||
	    fail "$1: expected a failure at line $2: $RELOAD_LINE"
	still_serving "$1"
	ok "$1: ${RELOAD_LINE#*] }"
}

# A syntax error (an unclosed flow sequence) after the new service's line.
{ good; cat <<EOF
  pg-b:
    connector: [pg
EOF
} >"$T/airlock.yml"
line=$(grep -n "^  pg-b:" "$T/airlock.yml" | cut -d: -f1)
expect_failure "syntax error" "$((line + 2))"

{ good; pg_service pg-b "$PN" trust_user disable; } |
    sed 's/connector: pg$/connector: nosuch/' >"$T/airlock.yml"
line=$(grep -n "connector: nosuch" "$T/airlock.yml" | head -n 1 | cut -d: -f1)
expect_failure "unknown connector" "$line"
[ -z "$(listen_inode "$PN")" ] || fail "a service of the refused file listens"

# A port that another process holds, after a new TCP and a new Unix
# service that bind first.
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(120)' "$PT" &
holder=$!
at_exit "kill $holder"
n=50
while [ "$n" -gt 0 ] && [ -z "$(listen_inode "$PT")" ]; do
	sleep 0.1
	n=$((n - 1))
done
[ -n "$(listen_inode "$PT")" ] || fail "the port holder did not start"
{
	good
	pg_service pg-new "$PN" trust_user disable
	pg_service pg-unix "unix://$S/.s.PGSQL.$PN" trust_user disable
	pg_service pg-taken "$PT" trust_user disable
} >"$T/airlock.yml"
line=$(grep -n "^  pg-taken:" "$T/airlock.yml" | cut -d: -f1)
expect_failure "port taken" "$line"
echo "$RELOAD_LINE" | grep -q "Address already in use" ||
    fail "the reason is not given: $RELOAD_LINE"
grep -q "pg-new (pg) listening" "$AIRLOCK_LOG" &&
    fail "pg-new was announced although the reload failed"
[ -z "$(listen_inode "$PN")" ] || fail "pg-new's port stayed bound"
[ -e "$S/.s.PGSQL.$PN" ] && fail "pg-unix's socket file stayed"
ok "nothing of the failed reload stayed bound"

# Once the port is free, the same file loads.
kill "$holder"
wait "$holder" 2>/dev/null
reload_airlock HUP || fail "$RELOAD_LINE"
for p in "$PN" "$PT"; do
	out=$(airlock_psql "$p" "select 'new'" 2>&1) || fail "port $p: $out"
done
out=$(pg_psql "host=$S port=$PN dbname=postgres" "select 'new'" 2>&1) ||
    fail "the Unix socket: $out"
still_serving "the good file"
ok "the same file loads once the port is free: ${RELOAD_LINE#*] }"
exit 0
