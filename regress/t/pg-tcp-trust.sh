# A client with no password reaches PostgreSQL through a TCP listener as
# the user in the credentials (trust authentication), whatever user it
# claimed itself.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
{
	airlock_head
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

out=$(airlock_psql "$P" "select current_user" 2>&1) ||
    fail "psql through airlock: $out"
[ "$out" = trust_user ] || fail "current_user is '$out', expected trust_user"
ok "select current_user -> $out (the client said user=someoneelse)"

wait_for_log "pg-trust#[0-9]+: authenticated" 5 ||
    fail "no 'pg-trust#ID: authenticated' in the log"
wait_for_log "pg-trust#[0-9]+: closed" 5 ||
    fail "no 'pg-trust#ID: closed' in the log"
ok "connection logged as authenticated and closed"

# One worker per connection: a second connection works as well.
out=$(airlock_psql "$P" "select 1 + 1" 2>&1) || fail "second connection: $out"
[ "$out" = 2 ] || fail "second connection: got '$out'"
ok "second connection"
exit 0
