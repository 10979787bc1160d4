# A Unix-socket listener: psql connects with host=DIRECTORY; the socket is
# created with mode 0660 unless socketMode says otherwise; a stale socket
# file left at the path (airlockd killed) is replaced at the next start.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
S=$T/sock
mkdir -p "$S"
chmod 0755 "$S"
PA=$(free_port)		# only part of a file name: .s.PGSQL.PORT
PB=$(free_port)
{
	airlock_head
	pg_service pg-unix "unix://$S/.s.PGSQL.$PA" trust_user disable
	pg_service pg-unix-0600 "unix://$S/.s.PGSQL.$PB" trust_user disable
	cat <<EOF
    config:
      socketMode: "0600"
EOF
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

[ -S "$S/.s.PGSQL.$PA" ] || fail "no socket at $S/.s.PGSQL.$PA"
m=$(stat -c %a "$S/.s.PGSQL.$PA")
[ "$m" = 660 ] || fail "default socket mode is $m, expected 660"
ok "default socket mode 0660"
m=$(stat -c %a "$S/.s.PGSQL.$PB")
[ "$m" = 600 ] || fail "socketMode \"0600\" gave mode $m"
ok "socketMode 0600"

for p in "$PA" "$PB"; do
	out=$(pg_psql "host=$S port=$p dbname=postgres" "select current_user" 2>&1) ||
	    fail "psql host=$S port=$p: $out"
	[ "$out" = trust_user ] || fail "port $p: current_user is '$out'"
done
ok "psql host=$S works on both sockets"

# Leave stale socket files behind, as a crash would.
kill -KILL "$AIRLOCK_PID"
wait "$AIRLOCK_PID" 2>/dev/null
AIRLOCK_PIDS=
[ -S "$S/.s.PGSQL.$PA" ] || fail "expected a stale socket after SIGKILL"
out=$(pg_psql "host=$S port=$PA dbname=postgres" "select 1" 2>&1) &&
    fail "a stale socket accepted a connection: $out"
ok "the stale socket left by SIGKILL refuses connections"

start_airlock "$T/airlock.yml" "$T/airlock2.log"
out=$(pg_psql "host=$S port=$PA dbname=postgres" "select current_user" 2>&1) ||
    fail "after restart over a stale socket: $out"
[ "$out" = trust_user ] || fail "after restart: current_user is '$out'"
m=$(stat -c %a "$S/.s.PGSQL.$PA")
[ "$m" = 660 ] || fail "after restart the socket mode is $m"
ok "stale socket replaced at start"
exit 0
