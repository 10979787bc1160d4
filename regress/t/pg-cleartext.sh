# A backend that asks for a cleartext password gets it only over TLS,
# unless the service says cleartextPassword: always; without TLS the client
# gets a clean error that says why.  cleartextPassword: never refuses even
# over TLS.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
PT=$(free_port)
PD=$(free_port)
PA=$(free_port)
PN=$(free_port)

PW="password: {from: env, get: PG_CLEAR_PASSWORD}"
{
	airlock_head
	pg_service pg-clear-tls "$PT" clear_user require "$PW"
	pg_service pg-clear-plain "$PD" clear_user disable "$PW"
	pg_service pg-clear-always "$PA" clear_user disable "$PW"
	printf '    config:\n      cleartextPassword: always\n'
	pg_service pg-clear-never "$PN" clear_user require "$PW"
	printf '    config:\n      cleartextPassword: never\n'
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

out=$(airlock_psql "$PT" "select current_user || ' ' || ($PG_SSL_SQL)" 2>&1) ||
    fail "cleartext over TLS: $out"
[ "$out" = "clear_user true" ] || fail "cleartext over TLS: got '$out'"
ok "cleartext password over TLS (sslmode require)"

out=$(airlock_psql "$PD" "select current_user" 2>&1) &&
    fail "cleartext without TLS was sent: $out"
echo "$out" | grep -qi cleartext && echo "$out" | grep -qi tls ||
    fail "sslmode disable: the error does not mention cleartext and TLS: $out"
echo "$out" | grep -q "closed the connection unexpectedly" &&
    fail "sslmode disable: no clean error: $out"
ok "sslmode disable refused: $(echo "$out" | tail -n 1)"

out=$(airlock_psql "$PA" "select current_user || ' ' || ($PG_SSL_SQL)" 2>&1) ||
    fail "cleartextPassword: always without TLS: $out"
[ "$out" = "clear_user false" ] || fail "cleartextPassword: always: got '$out'"
ok "cleartextPassword: always sends it without TLS"

out=$(airlock_psql "$PN" "select current_user" 2>&1) &&
    fail "cleartextPassword: never, yet it was sent: $out"
echo "$out" | grep -qi cleartext ||
    fail "cleartextPassword: never: the error does not mention cleartext: $out"
ok "cleartextPassword: never refused: $(echo "$out" | tail -n 1)"

airlock_alive || fail "airlockd died"
if grep -F -q -- "$PG_CLEAR_PASSWORD" "$AIRLOCK_LOG"; then
	fail "the password appears in airlockd's log"
fi
ok "the password is not in the log"
exit 0
