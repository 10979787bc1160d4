# The azure provider end to end: psql through airlock to PostgreSQL with
# the SCRAM password from the stand-in Key Vault (regress/tools/
# fakeazure.py), with a token of the stand-in Entra ID for a client secret.
# airlockd -t checks the provider's settings and the hosts of the
# references; the client secret leaves
# airlockd's environment; a missing secret gives the client a clean
# ErrorResponse naming the reference (SecretNotFound) and airlockd keeps
# serving; the password is not left in airlockd's memory after the
# sessions, and no secret is in any log.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"
. "$TOP/regress/residency.sh"

pg_start
# Not in airlockd's environment (pg.sh exports it), where a scan of its
# memory would find it.
pw=$PG_SCRAM_PASSWORD
unset PG_SCRAM_PASSWORD
PG_SCRAM_PASSWORD=$pw

TENANT=72f988bf-86f1-41af-91ab-2d7cd011db47
CLIENT=04b07795-8ddb-461a-bbee-02f9e1bf7b46
SECRET="cs~$(openssl rand -hex 16)"
standin_data "$T/azure.json" "{\"tenant\": \"$TENANT\",
  \"clients\": {\"$CLIENT\": \"$SECRET\"},
  \"secrets\": {\"pg\": \"$PG_SCRAM_PASSWORD\"}}"
standin_start AZ fakeazure.py "$T/azure.json"
KV=https://127.0.0.1:$AZ_PORT

AZURE_TENANT_ID=$TENANT
AZURE_CLIENT_ID=$CLIENT
AZURE_CLIENT_SECRET=$SECRET
AZURE_AUTHORITY_HOST=$KV
AZURE_KEYVAULT_DNS_SUFFIX=127.0.0.1
SSL_CERT_FILE=$STANDIN_CA
export AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET \
    AZURE_AUTHORITY_HOST AZURE_KEYVAULT_DNS_SUFFIX SSL_CERT_FILE

P1=$(free_port)
PM=$(free_port)
PT=$(free_port)
{
	airlock_head
	pg_service azure-pg "$P1" scram_user disable \
	    "password: {from: azure, get: '$KV/secrets/pg'}"
	pg_service azure-missing "$PM" scram_user disable \
	    "password: {from: azure, get: '$KV/secrets/nope'}"
	pg_service pg-trust "$PT" trust_user disable
} >"$T/airlock.yml"

out=$(timeout 30 "$AIRLOCKD" -t -f "$T/airlock.yml" 2>&1) ||
    fail "airlockd -t refuses a good configuration: $out"
ok "airlockd -t: $out"
out=$(env AZURE_AUTHORITY_HOST=http://login.example.com timeout 30 \
    "$AIRLOCKD" -t -f "$T/airlock.yml" 2>&1) &&
    fail "airlockd -t accepts an http authority: $out"
echo "$out" | grep -E -q "$T/airlock.yml:[0-9]+:[0-9]+: .*AZURE_AUTHORITY_HOST http://login.example.com: plain http" ||
    fail "airlockd -t, an http authority: $out"
ok "airlockd -t refuses an http authority: $out"
sed "s|$KV/secrets/nope|https://127.0.0.2:$AZ_PORT/secrets/pg|" \
    "$T/airlock.yml" >"$T/other-host.yml"
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/other-host.yml" 2>&1) &&
    fail "airlockd -t accepts a secret of another host: $out"
echo "$out" | grep -E -q "$T/other-host.yml:[0-9]+:[0-9]+: .*azure: https://127.0.0.2:$AZ_PORT/secrets/pg: the token goes only to a vault under the address 127.0.0.1" ||
    fail "airlockd -t, a secret of another host: $out"
ok "airlockd -t refuses a secret of another host: $out"

start_airlock "$T/airlock.yml"
airlock_environ_lacks "$SECRET" "the client secret"
grep -q "provider azure: Key Vault under 127.0.0.1 (an address), token from client secret of client $CLIENT" "$AIRLOCK_LOG" ||
    fail "no info line for the provider: $(grep azure "$AIRLOCK_LOG")"

: >"$AZ_LOG"
for i in 1 2; do
	out=$(airlock_psql "$P1" "select current_user" 2>&1) ||
	    fail "connection $i: $out"
	[ "$out" = scram_user ] || fail "connection $i: current_user is '$out'"
done
[ "$(grep -c "^POST /$TENANT/oauth2/v2.0/token 200" "$AZ_LOG")" = 1 ] ||
    fail "one token for two connections expected: $(cat "$AZ_LOG")"
ok "two connections log scram_user in with the password from Key Vault, one token"

out=$(airlock_psql "$PM" "select 1" 2>&1) &&
    fail "a missing secret: the query succeeded: $out"
echo "$out" | grep -q "FATAL.*azure: $KV/secrets/nope: HTTP 404 SecretNotFound" ||
    fail "a missing secret: unexpected error: $out"
ok "a missing secret: $(echo "$out" | sed -n 's/.*FATAL: *//p' | head -n 1)"
out=$(airlock_psql "$PT" "select current_user" 2>&1) ||
    fail "after the error, pg-trust: $out"
airlock_alive || fail "airlockd died"
ok "airlockd keeps serving"

# The password crossed TLS, libevent's buffers and jansson's strings in
# airlockd: no copy is left once the connections are over.
airlock_session "$P1" azure-pg "select pg_sleep(3)" "$T/session"
wait "$SESSION_PID" || fail "the session failed: $(cat "$T/session")"
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/password"
wait_for_log "azure-pg#[0-9]+: closed" 5 || true
residency_scan "after the sessions" "$AIRLOCK_PID" "$T/password" \
    "the password"
ok "the password is not in airlockd's memory after the sessions"
# The control: the client secret, which airlockd keeps, is where its
# secrets are.  It is taken from the environment with the configuration,
# before airlockd maps its memfd_secret arena, and moved into it then.
printf '%s' "$SECRET" >"$T/client-secret"
residency_kept "after the sessions" "$AIRLOCK_PID" "$T/client-secret" \
    "the client secret" environ
ok "the control: the client secret that airlockd keeps is $KEPT_WHERE"
stop_airlock

for f in "$AIRLOCK_LOG" "$AZ_LOG" "$T/AZ.log"; do
	grep -F -q -e "$SECRET" -e "$PG_SCRAM_PASSWORD" "$f" &&
	    fail "a secret is in $f"
done
ok "neither the client secret nor the password is in any log"
exit 0
