# SCRAM-SHA-256 authentication to the backend, with the password from the
# environment and from a file; the client sends none, and the password
# never appears in airlockd's log, and leaves its environment.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/scram.pw"
chmod 0600 "$T/scram.pw"
PE=$(free_port)
PF=$(free_port)
{
	airlock_head
	pg_service pg-scram-env "$PE" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	pg_service pg-scram-file "$PF" scram_user disable \
	    "password: {from: file, get: $T/scram.pw}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

for p in "$PE" "$PF"; do
	out=$(airlock_psql "$p" "select current_user" 2>&1) ||
	    fail "psql through airlock port $p: $out"
	[ "$out" = scram_user ] || fail "port $p: current_user is '$out'"
done
ok "scram_user with the password from env and from file"

# The variable left airlockd's environment as the configuration was
# loaded; a reload, which names it again, keeps serving its value.
airlock_environ_lacks "$PG_SCRAM_PASSWORD" "the password"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
out=$(airlock_psql "$PE" "select current_user" 2>&1) ||
    fail "psql after a reload, password from env: $out"
[ "$out" = scram_user ] || fail "after the reload: current_user is '$out'"
ok "after a reload, the password from env still logs in"

# Wait for both connections to be logged as closed before looking.
wait_for_log "pg-scram-file#[0-9]+: closed" 5 || true
if grep -F -q -- "$PG_SCRAM_PASSWORD" "$AIRLOCK_LOG"; then
	fail "the password appears in airlockd's log"
fi
ok "the password is not in the (debug) log"
exit 0
