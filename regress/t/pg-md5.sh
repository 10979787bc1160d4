# MD5 password authentication to the backend, with the password from the
# environment and from a file; the client sends none, and the password
# never appears in airlockd's log.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
printf '%s' "$PG_MD5_PASSWORD" >"$T/md5.pw"
chmod 0600 "$T/md5.pw"
PE=$(free_port)
PF=$(free_port)
{
	airlock_head
	pg_service pg-md5-env "$PE" md5_user disable \
	    "password: {from: env, get: PG_MD5_PASSWORD}"
	pg_service pg-md5-file "$PF" md5_user disable \
	    "password: {from: file, get: $T/md5.pw}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

for p in "$PE" "$PF"; do
	out=$(airlock_psql "$p" "select current_user" 2>&1) ||
	    fail "psql through airlock port $p: $out"
	[ "$out" = md5_user ] || fail "port $p: current_user is '$out'"
done
ok "md5_user with the password from env and from file"

# Wait for both connections to be logged as closed before looking.
wait_for_log "pg-md5-file#[0-9]+: closed" 5 || true
if grep -F -q -- "$PG_MD5_PASSWORD" "$AIRLOCK_LOG"; then
	fail "the password appears in airlockd's log"
fi
ok "the password is not in the (debug) log"
exit 0
