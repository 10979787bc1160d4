# systemd's credentials as a provider: with $CREDENTIALS_DIRECTORY set as
# LoadCredential= sets it, "from: credential" and its spelling "from:
# systemd" log in with the password from there (over TCP and a Unix
# socket); a credential that is not there fails that connection only, with
# a message that names it; the password never reaches the log.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
C=$T/credentials
mkdir -m 0700 "$C"
printf '%s' "$PG_SCRAM_PASSWORD" >"$C/pg-password"
chmod 0400 "$C/pg-password"
S=$T/sock
mkdir -m 0755 "$S"
PT=$(free_port)
PU=$(free_port)
PM=$(free_port)
{
	airlock_head
	pg_service cred-tcp "$PT" scram_user disable \
	    "password: {from: credential, get: pg-password}"
	pg_service cred-unix "unix://$S/.s.PGSQL.$PU" scram_user disable \
	    "password: {from: systemd, get: pg-password}"
	pg_service cred-missing "$PM" scram_user disable \
	    "password: {from: credential, get: absent}"
} >"$T/airlock.yml"

"$AIRLOCKD" -t -f "$T/airlock.yml" 2>"$T/check.out" ||
    fail "airlockd -t: $(cat "$T/check.out")"
ok "airlockd -t accepts from: credential and from: systemd"

CREDENTIALS_DIRECTORY=$C
export CREDENTIALS_DIRECTORY
start_airlock "$T/airlock.yml"

out=$(airlock_psql "$PT" "select current_user" 2>&1) ||
    fail "psql through cred-tcp: $out"
[ "$out" = scram_user ] || fail "cred-tcp: current_user is '$out'"
ok "from: credential over TCP"
out=$(pg_psql "host=$S port=$PU dbname=postgres" "select current_user" 2>&1) ||
    fail "psql through cred-unix: $out"
[ "$out" = scram_user ] || fail "cred-unix: current_user is '$out'"
ok "from: systemd over a Unix socket"

if out=$(airlock_psql "$PM" "select 1" 2>&1); then
	fail "a missing credential gave a session: $out"
fi
wait_for_log "no credential absent" 5 ||
    fail "the log does not say which credential is missing"
out=$(airlock_psql "$PT" "select 2" 2>&1) && [ "$out" = 2 ] ||
    fail "cred-tcp after the failure: $out"
ok "a missing credential fails its connection only, and is named"

wait_for_log "cred-tcp#[0-9]+: closed" 5 || true
if grep -F -q -- "$PG_SCRAM_PASSWORD" "$AIRLOCK_LOG"; then
	fail "the password appears in airlockd's log"
fi
ok "the password is not in the (debug) log"
exit 0
