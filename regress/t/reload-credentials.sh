# A service's credentials change by reload: new connections use the new
# ones (another role; then a password changed by ALTER ROLE), sessions in
# flight go on with what they logged in with, and the service keeps its
# bound socket throughout.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
HEAD=$(airlock_head)
{
	echo "$HEAD"
	pg_service pg-cred "$P" md5_user disable \
	    "password: {from: env, get: PG_MD5_PASSWORD}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"
ino=$(listen_inode "$P")
[ -n "$ino" ] || fail "airlockd does not listen on $P"

out=$(airlock_psql "$P" "select current_user" 2>&1) || fail "before: $out"
[ "$out" = md5_user ] || fail "before: current_user is '$out'"
airlock_session "$P" pg-cred "select pg_sleep(3), current_user" "$T/s1"
s1=$SESSION_PID

# Another role, with its password from a file.
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/scram.pw"
chmod 0600 "$T/scram.pw"
{
	echo "$HEAD"
	pg_service pg-cred "$P" scram_user disable \
	    "password: {from: file, get: $T/scram.pw}"
} >"$T/airlock.yml"
reload_airlock HUP || fail "$RELOAD_LINE"
grep -q "service pg-cred changed; new connections use it, 1 in flight" \
    "$AIRLOCK_LOG" || fail "the change was not logged"
out=$(airlock_psql "$P" "select current_user" 2>&1) || fail "after: $out"
[ "$out" = scram_user ] || fail "after the reload: current_user is '$out'"
ok "new connections log in as the new role"
[ "$(listen_inode "$P")" = "$ino" ] || fail "the socket was replaced"
ok "the changed service kept its bound socket"

# The second session starts under the second configuration.
airlock_session "$P" pg-cred "select pg_sleep(3), current_user" "$T/s2"
s2=$SESSION_PID

# A new password: the running configuration no longer logs in...
NEW_PW=$(pg_password)
pg_admin "ALTER ROLE scram_user PASSWORD '$NEW_PW'" >/dev/null ||
    fail "ALTER ROLE"
out=$(airlock_psql "$P" "select 1" 2>&1) &&
    fail "the old password still works: $out"
# ... until the file names the new one.
printf '%s' "$NEW_PW" >"$T/new.pw"
chmod 0600 "$T/new.pw"
{
	echo "$HEAD"
	pg_service pg-cred "$P" scram_user disable \
	    "password: {from: file, get: $T/new.pw}"
} >"$T/airlock.yml"
reload_airlock HUP || fail "$RELOAD_LINE"
out=$(airlock_psql "$P" "select current_user" 2>&1) ||
    fail "with the new password: $out"
[ "$out" = scram_user ] || fail "with the new password: current_user is '$out'"
ok "after ALTER ROLE and a reload, new connections use the new password"

wait "$s1" || fail "the first session was cut: $(cat "$T/s1")"
grep -q "|md5_user$" "$T/s1" || fail "the first session: $(cat "$T/s1")"
wait "$s2" || fail "the second session was cut: $(cat "$T/s2")"
grep -q "|scram_user$" "$T/s2" || fail "the second session: $(cat "$T/s2")"
ok "the sessions in flight finished as the roles they started with"
[ "$(listen_inode "$P")" = "$ino" ] || fail "the socket was replaced"
for pw in "$PG_MD5_PASSWORD" "$PG_SCRAM_PASSWORD" "$NEW_PW"; do
	grep -F -q -- "$pw" "$AIRLOCK_LOG" && fail "a password is in the log"
done
ok "no password in the log"
exit 0
