# The aws provider end to end: psql through airlock to PostgreSQL with the
# SCRAM user's name and password from one Secrets Manager secret (RDS's
# JSON shape, "db#username" and "db#password": one GetSecretValue per
# connection), from the stand-in AWS (regress/tools/fakeawssm.py, which
# checks each SigV4 signature with botocore).  The secret access key is
# no longer in airlockd's environment; a missing secret is a clean
# ErrorResponse; the password is not left in airlockd's memory after the
# sessions; no secret in any log.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"

pg_start
pw=$PG_SCRAM_PASSWORD
unset PG_SCRAM_PASSWORD
PG_SCRAM_PASSWORD=$pw
AKID=AKIDAIRLOCKTEST0002
SECRET_KEY="wJalr/$(openssl rand -hex 12)+KEY"
standin_data "$T/aws.json" "{\"region\": \"us-east-1\",
 \"keys\": {\"$AKID\": {\"secret\": \"$SECRET_KEY\"}},
 \"secrets\": {\"db\": {\"SecretString\":
   \"{\\\"username\\\": \\\"scram_user\\\", \\\"password\\\": \\\"$PG_SCRAM_PASSWORD\\\"}\"}}}"
standin_start AWS fakeawssm.py "$T/aws.json"

export AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_REGION=us-east-1 AWS_ENDPOINT_URL=https://127.0.0.1:$AWS_PORT
export AWS_CA_BUNDLE=$STANDIN_CA AWS_EC2_METADATA_DISABLED=true
P1=$(free_port)
PM=$(free_port)
{
	airlock_head
	cat <<EOF
  aws-db:
    connector: pg
    listenOn: tcp://127.0.0.1:$P1
    credentials:
      host: 127.0.0.1
      port: $PG_PORT
      username: {from: aws, get: db#username}
      password: {from: aws, get: db#password}
      sslmode: disable
EOF
	pg_service aws-missing "$PM" scram_user disable \
	    "password: {from: aws, get: nope}"
} >"$T/airlock.yml"

out=$(timeout 30 "$AIRLOCKD" -t -f "$T/airlock.yml" 2>&1) ||
    fail "airlockd -t refuses a good configuration: $out"
ok "airlockd -t: $out"
start_airlock "$T/airlock.yml"
airlock_environ_lacks "$SECRET_KEY" "the secret access key"

: >"$AWS_LOG"
out=$(airlock_psql "$P1" "select current_user" 2>&1) || fail "psql: $out"
[ "$out" = scram_user ] || fail "current_user is '$out'"
n=$(grep -c "^op GetSecretValue db $AKID$" "$AWS_LOG")
[ "$n" = 1 ] || fail "$n GetSecretValue of db for one connection"
ok "db#username and db#password log scram_user in, one GetSecretValue"

out=$(airlock_psql "$PM" "select 1" 2>&1) && fail "nope: succeeded: $out"
echo "$out" | grep -q "FATAL.*aws: nope: HTTP 400 ResourceNotFoundException" ||
    fail "nope: not a clean error: $out"
ok "a missing secret: $(echo "$out" | sed -n 's/.*FATAL: *//p' | head -n 1)"

airlock_session "$P1" aws-db "select pg_sleep(3)" "$T/session"
wait "$SESSION_PID" || fail "the session failed: $(cat "$T/session")"
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/password"
wait_for_log "aws-db#[0-9]+: closed" 5 || true
"$TOP/regress/tools/memscan" "$AIRLOCK_PID" "$T/password" >"$T/scan" 2>&1
case $? in
0)	ok "the password is not in airlockd's memory after the sessions" ;;
1)	fail "the password is in airlockd's memory: $(cat "$T/scan")" ;;
*)	fail "memscan failed: $(cat "$T/scan")" ;;
esac
airlock_alive || fail "airlockd died"
stop_airlock

for f in "$AIRLOCK_LOG" "$AWS_LOG" "$T/AWS.log"; do
	grep -F -q -e "$SECRET_KEY" -e "$PG_SCRAM_PASSWORD" "$f" &&
	    fail "a secret is in $f"
done
ok "neither the key nor the password is in any log"
exit 0
