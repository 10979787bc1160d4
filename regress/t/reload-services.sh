# SIGHUP re-reads the file: a new service starts serving, a removed one
# stops accepting (its port refuses, its Unix socket file is gone) while
# its session in flight completes, an unchanged service keeps its socket,
# a service whose listenOn changed moves, and a renamed service takes its
# socket over.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
S=$T/sock
mkdir -p "$S"
chmod 0755 "$S"
PA=$(free_port)		# pg-a: unchanged
PM=$(free_port)		# pg-move: moves to PM2
PM2=$(free_port)
PR=$(free_port)		# pg-old: renamed pg-new, same socket
PN=$(free_port)		# pg-added
PU=$(free_port)		# only part of the Unix socket's name
HEAD=$(airlock_head)
{
	echo "$HEAD"
	pg_service pg-a "$PA" trust_user disable
	pg_service pg-move "$PM" trust_user disable
	pg_service pg-old "$PR" trust_user disable
	pg_service pg-unix "unix://$S/.s.PGSQL.$PU" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"
[ -S "$S/.s.PGSQL.$PU" ] || fail "no socket at $S/.s.PGSQL.$PU"

ia=$(listen_inode "$PA")
ir=$(listen_inode "$PR")
[ -n "$ia" ] && [ -n "$ir" ] || fail "airlockd listens on neither $PA nor $PR"

# Sessions in flight, of the service to be removed and of the one to move.
pg_psql "host=$S port=$PU dbname=postgres user=someoneelse" \
    "select pg_sleep(3), 'unix finished'" >"$T/s-unix" 2>&1 &
su=$!
at_exit "kill $su"
wait_for_log "pg-unix#[0-9]+: authenticated" 10 ||
    fail "the Unix session did not start: $(cat "$T/s-unix")"
airlock_session "$PM" pg-move "select pg_sleep(3), 'move finished'" "$T/s-move"
sm=$SESSION_PID

{
	echo "$HEAD"
	pg_service pg-a "$PA" trust_user disable
	pg_service pg-move "$PM2" trust_user disable
	pg_service pg-new "$PR" trust_user disable
	pg_service pg-added "$PN" trust_user disable
} >"$T/airlock.yml.new"
mv "$T/airlock.yml.new" "$T/airlock.yml"
reload_airlock HUP || fail "$RELOAD_LINE"
case "$RELOAD_LINE" in
*"4 service(s); 2 added, 2 removed, 1 changed") ;;
*) fail "unexpected: $RELOAD_LINE" ;;
esac
ok "$RELOAD_LINE"

out=$(airlock_psql "$PN" "select current_user" 2>&1) ||
    fail "the added service: $out"
[ "$out" = trust_user ] || fail "the added service: current_user is '$out'"
ok "the added service serves on $PN"

[ -e "$S/.s.PGSQL.$PU" ] && fail "the removed service's socket file is still there"
out=$(pg_psql "host=$S port=$PU dbname=postgres" "select 1" 2>&1) &&
    fail "the removed service still accepts: $out"
ok "the removed service's socket file is gone and it refuses"

out=$(airlock_psql "$PM" "select 1" 2>&1) &&
    fail "the moved service still accepts on its old port: $out"
out=$(airlock_psql "$PM2" "select 'moved'" 2>&1) ||
    fail "the moved service on its new port: $out"
ok "the moved service left $PM for $PM2"

[ "$(listen_inode "$PA")" = "$ia" ] || fail "the unchanged service's socket was replaced"
[ "$(listen_inode "$PR")" = "$ir" ] || fail "the renamed service's socket was replaced"
grep -q "service pg-new takes over tcp://127.0.0.1:$PR from pg-old" "$AIRLOCK_LOG" ||
    fail "no take-over logged"
for p in "$PA" "$PR"; do
	out=$(airlock_psql "$p" "select current_user" 2>&1) ||
	    fail "port $p after the reload: $out"
done
ok "the unchanged and the renamed service kept their bound sockets"

wait "$su" || fail "the Unix session in flight was cut: $(cat "$T/s-unix")"
grep -q "unix finished" "$T/s-unix" || fail "the Unix session: $(cat "$T/s-unix")"
wait "$sm" || fail "the moved service's session was cut: $(cat "$T/s-move")"
grep -q "move finished" "$T/s-move" || fail "the moved session: $(cat "$T/s-move")"
ok "the sessions in flight of the removed and the moved service completed"

airlock_alive || fail "airlockd died"
grep -E "worker [0-9]+ (killed|died)" "$AIRLOCK_LOG" &&
    fail "workers were killed or died"
exit 0
