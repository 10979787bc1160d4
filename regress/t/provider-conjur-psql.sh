# psql through airlock to PostgreSQL with the SCRAM user's name and
# password from the stand-in Conjur (regress/tools/fakeconjur.py): both in
# one batch GET per connection, after one API-key login for all of them.
# A missing variable gives the client a clean ErrorResponse that names it
# and no secret, and airlockd goes on serving.  The API key left airlockd's
# environment; neither it nor the password is in any log; the password is
# not left in airlockd's memory after the sessions (regress/tools/memscan).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"
. "$TOP/regress/residency.sh"

pg_start
standin_tls
APIKEY="key$(openssl rand -hex 16)"
pw=$PG_SCRAM_PASSWORD
# Not in airlockd's environment, where the memory scan would find it.
unset PG_SCRAM_PASSWORD
standin_data "$T/conjur.json" "{\"account\": \"dev\",
    \"login\": \"host/airlock\", \"api_key\": \"$APIKEY\",
    \"variables\": {\"dev:variable:db/user\": \"scram_user\",
        \"dev:variable:db/password\": \"$pw\"}}"
standin_start CJ fakeconjur.py "$T/conjur.json"
export CONJUR_APPLIANCE_URL=https://127.0.0.1:$CJ_PORT
export CONJUR_ACCOUNT=dev CONJUR_CERT_FILE=$STANDIN_CA
export CONJUR_AUTHN_LOGIN=host/airlock CONJUR_AUTHN_API_KEY=$APIKEY

P1=$(free_port)
PM=$(free_port)
{
	airlock_head
	cat <<EOF
  conjur-pg:
    connector: pg
    listenOn: tcp://127.0.0.1:$P1
    credentials:
      host: 127.0.0.1
      port: $PG_PORT
      username: {from: conjur, get: db/user}
      password: {from: conjur, get: dev:variable:db/password}
      sslmode: disable
EOF
	pg_service conjur-missing "$PM" scram_user disable \
	    "password: {from: conjur, get: db/nope}"
} >"$T/airlock.yml"

out=$(timeout 30 "$AIRLOCKD" -t -f "$T/airlock.yml" 2>&1) ||
    fail "airlockd -t: $out"
ok "airlockd -t: $out"
start_airlock "$T/airlock.yml"
airlock_environ_lacks "$APIKEY" "the API key"
grep -q "provider conjur: https://127.0.0.1:$CJ_PORT, account dev, API key of host/airlock" \
    "$AIRLOCK_LOG" || fail "no info line naming the endpoint and method"

: >"$CJ_LOG"
for i in 1 2; do
	out=$(airlock_psql "$P1" "select current_user" 2>&1) ||
	    fail "session $i: $out"
	[ "$out" = scram_user ] || fail "session $i: current_user is '$out'"
done
[ "$(grep -c -x 'GET /secrets 200' "$CJ_LOG")" = 2 ] &&
    [ "$(grep -c '^POST /authn/dev/host%2Fairlock/authenticate 200$' "$CJ_LOG")" = 1 ] ||
    fail "not one login and one batch GET per session: $(cat "$CJ_LOG")"
ok "two sessions as scram_user: one login, one batch GET each"

out=$(airlock_psql "$PM" "select 1" 2>&1) && fail "db/nope: $out"
echo "$out" | grep -q "FATAL.*conjur: dev:variable:db/nope: HTTP 404, not_found" ||
    fail "db/nope: not a clean error: $out"
echo "$out" | grep -F -q -e "$APIKEY" -e "$pw" && fail "a secret in: $out"
ok "a missing variable: $(echo "$out" | sed -n 's/.*FATAL: *//p' | head -n 1)"
airlock_alive || fail "airlockd died"

airlock_session "$P1" conjur-pg "select pg_sleep(3)" "$T/session"
wait "$SESSION_PID" || fail "the session failed: $(cat "$T/session")"
printf '%s' "$pw" >"$T/password"
wait_for_log "conjur-pg#[0-9]+: closed" 5 || true
residency_scan "after the sessions" "$AIRLOCK_PID" "$T/password" "the password"
ok "the password is not in airlockd's memory after the sessions"
stop_airlock

for f in "$AIRLOCK_LOG" "$CJ_LOG" "$T/CJ.log"; do
	grep -F -q -e "$APIKEY" -e "$pw" "$f" && fail "a secret is in $f"
done
ok "neither the API key nor the password is in any log"
exit 0
