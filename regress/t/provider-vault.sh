# The Vault provider against the stand-in Vault (regress/tools/fakevault.py)
# over verified TLS: psql through airlock to PostgreSQL with the SCRAM
# password from KV v1 and KV v2 (username and password from one path: one
# GET per connection).  Vault's 404, a number where a string is expected,
# a wrong token (403), a certificate of another CA and a standby's
# redirect (307, not followed) each give the client a clean ErrorResponse
# that names the reference and no secret, and airlockd keeps serving.
# airlockd -t refuses http:// to a non-loopback address, a missing token,
# an unreadable CA file, a CA file or directory that others could change.
# VAULT_CAPATH works as well as VAULT_CACERT.  The token and the password are in no log line
# (debug level), in no worker's environment, and no longer in airlockd's;
# the password is not left in airlockd's heap.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/vault.sh"
. "$TOP/regress/residency.sh"

pg_start
VAULT_SECRETS_JSON=$(cat <<EOF
{"secret": {"version": 1, "secrets": {
    "db": {"value": "$PG_SCRAM_PASSWORD", "n": 5}}},
 "kv": {"version": 2, "secrets": {
    "db": {"username": "scram_user", "password": "$PG_SCRAM_PASSWORD"}}}}
EOF
)
vault_start
vault_env
# Not in airlockd's environment (pg.sh exports it), where a scan of its
# memory would find it.
pw=$PG_SCRAM_PASSWORD
unset PG_SCRAM_PASSWORD
PG_SCRAM_PASSWORD=$pw

P1=$(free_port)
P2=$(free_port)
PM=$(free_port)
PN=$(free_port)
PT=$(free_port)
{
	airlock_head
	pg_service vault-v1 "$P1" scram_user disable \
	    "password: {from: vault, get: secret/db}"
	cat <<EOF
  vault-v2:
    connector: pg
    listenOn: tcp://127.0.0.1:$P2
    credentials:
      host: 127.0.0.1
      port: $PG_PORT
      username: {from: vault, get: kv/data/db#data.username}
      password: {from: vault, get: kv/data/db#data.password}
      sslmode: disable
EOF
	pg_service vault-missing "$PM" scram_user disable \
	    "password: {from: vault, get: secret/nope#password}"
	pg_service vault-number "$PN" scram_user disable \
	    "password: {from: vault, get: secret/db#n}"
	pg_service pg-trust "$PT" trust_user disable
} >"$T/airlock.yml"

out=$(timeout 30 "$AIRLOCKD" -t -f "$T/airlock.yml" 2>&1) ||
    fail "airlockd -t refuses a good configuration: $out"
ok "airlockd -t: $out"
start_airlock "$T/airlock.yml"
# The token went to guarded memory and out of airlockd's environment.
airlock_environ_lacks "$VAULT_TEST_TOKEN" "the Vault token"

out=$(airlock_psql "$P1" "select current_user" 2>&1) ||
    fail "KV v1: $out"
[ "$out" = scram_user ] || fail "KV v1: current_user is '$out'"
ok "KV v1: secret/db (field value) logs scram_user in"

: >"$VAULT_REQLOG"
out=$(airlock_psql "$P2" "select current_user" 2>&1) ||
    fail "KV v2: $out"
[ "$out" = scram_user ] || fail "KV v2: current_user is '$out'"
n=$(grep -c "^GET /v1/kv/data/db 200$" "$VAULT_REQLOG")
[ "$n" = 1 ] || fail "KV v2: $n GETs of kv/data/db for one connection:
$(cat "$VAULT_REQLOG")"
ok "KV v2: username and password from kv/data/db in one GET"

# expect_error PORT WHAT PATTERN: the client fails with an ErrorResponse
# matching PATTERN, naming neither the token nor the password.
expect_error()
{
	out=$(airlock_psql "$1" "select 1" 2>&1) &&
	    fail "$2: the query succeeded: $out"
	echo "$out" | grep -q "FATAL" ||
	    fail "$2: no ErrorResponse from airlock: $out"
	echo "$out" | grep -E -q -- "$3" ||
	    fail "$2: the error does not match '$3': $out"
	echo "$out" | grep -F -q -e "$VAULT_TEST_TOKEN" -e "$PG_SCRAM_PASSWORD" &&
	    fail "$2: a secret is in the client's error: $out"
	ok "$2: $(echo "$out" | sed -n 's/.*FATAL: *//p' | head -n 1)"
}

expect_error "$PM" "HTTP 404" "vault: secret/nope: HTTP 404"
expect_error "$PN" "a number" "vault: secret/db#n: field data.n is a number, not a string"
out=$(airlock_psql "$PT" "select current_user" 2>&1) ||
    fail "after the errors, pg-trust: $out"
[ "$out" = trust_user ] || fail "pg-trust: current_user is '$out'"
airlock_alive || fail "airlockd died"
ok "airlockd keeps serving"

# No secret in any process of the session: the worker has an empty
# environment.
airlock_session "$P2" vault-v2 "select pg_sleep(3)" "$T/session"
[ -r "/proc/$WORKER_PID/environ" ] || fail "cannot read worker's environ"
[ ! -s "/proc/$WORKER_PID/environ" ] ||
    fail "worker $WORKER_PID has an environment: $(tr '\0' ' ' <"/proc/$WORKER_PID/environ")"
ok "worker $WORKER_PID has an empty environment"
wait "$SESSION_PID" || fail "the session failed: $(cat "$T/session")"

# The password crossed TLS, libevent's buffers and jansson's strings in
# airlockd: every copy in its memory, the stack included, is wiped once the
# connections are over.  (The stack held a copy while airlockd caught its
# signals: the kernel saved the vector registers, which memcpy and the
# parsers fill with what they copy, in each handler's frame.  It reads them
# from a signalfd now, monitor/signals.c.)
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/password"
wait_for_log "vault-v2#[0-9]+: closed" 5 || true
residency_scan "after the sessions" "$AIRLOCK_PID" "$T/password" \
    "the password"
ok "the password is not in airlockd's memory after the sessions"
stop_airlock
LOGS=$AIRLOCK_LOG

# A wrong token: 403, a clean error, and airlockd serves the next client.
VAULT_TOKEN="hvs.wrong$(openssl rand -hex 8)"
start_airlock "$T/airlock.yml" "$T/airlock-403.log"
LOGS="$LOGS $AIRLOCK_LOG"
expect_error "$P1" "wrong token" "vault: secret/db: HTTP 403, permission denied"
out=$(airlock_psql "$PT" "select current_user" 2>&1) ||
    fail "after the 403, pg-trust: $out"
expect_error "$P2" "wrong token, KV v2" "vault: kv/data/db: HTTP 403"
airlock_alive || fail "airlockd died after a 403"
ok "after the 403s, airlockd serves pg-trust"
stop_airlock

# The server's certificate is not from the CA that airlock trusts.
VAULT_TOKEN=$VAULT_TEST_TOKEN
VAULT_CACERT=$PG_WRONG_CA
start_airlock "$T/airlock.yml" "$T/airlock-ca.log"
LOGS="$LOGS $AIRLOCK_LOG"
: >"$VAULT_REQLOG"
expect_error "$P1" "another CA" "vault: secret/db: TLS: the server's certificate is refused"
[ ! -s "$VAULT_REQLOG" ] ||
    fail "a request reached the server despite its certificate: $(cat "$VAULT_REQLOG")"
airlock_alive || fail "airlockd died"
stop_airlock
VAULT_CACERT=$PG_CA

# VAULT_CAPATH, a directory in OpenSSL's hashed layout, instead: its files
# are read when airlockd starts (StrictModes, providers/castore.c).
mkdir "$T/capath"
chmod 0755 "$T/capath"
cp "$PG_CA" "$T/capath/test-ca.pem"
ln -s test-ca.pem "$T/capath/$(openssl x509 -hash -noout -in "$PG_CA").0"
cp "$PG_WRONG_CA" "$T/capath/not-hashed.pem"
chmod 0666 "$T/capath/not-hashed.pem"
VAULT_CACERT=
VAULT_CAPATH=$T/capath
export VAULT_CAPATH
start_airlock "$T/airlock.yml" "$T/airlock-capath.log"
LOGS="$LOGS $AIRLOCK_LOG"
out=$(airlock_psql "$P1" "select current_user" 2>&1) ||
    fail "VAULT_CAPATH: $out"
[ "$out" = scram_user ] || fail "VAULT_CAPATH: current_user is '$out'"
ok "VAULT_CAPATH: the CA of the hashed directory verifies Vault"
stop_airlock
unset VAULT_CAPATH
VAULT_CACERT=$PG_CA

# A standby node answers 307 to the active one: not followed, an error.
NORMAL_PORT=$VAULT_PORT
vault_start --mode standby
VAULT_ADDR=https://127.0.0.1:$VAULT_PORT
start_airlock "$T/airlock.yml" "$T/airlock-307.log"
LOGS="$LOGS $AIRLOCK_LOG"
expect_error "$P1" "a standby's redirect" "vault: secret/db: HTTP 307, a redirect"
stop_airlock
VAULT_ADDR=https://127.0.0.1:$NORMAL_PORT

# Settings that cannot work fail airlockd -t, with a reason.
# check_bad WHAT PATTERN ENV-ARG...: airlockd -t under env(1) ENV-ARGs.
check_bad()
{
	_w=$1
	_p=$2
	shift 2
	config_refused "$T/airlock.yml" "$_w" \
	    "$T/airlock.yml:[0-9]+:[0-9]+: .*$_p" "$@"
	echo "$out" | grep -F -q -e "$VAULT_TEST_TOKEN" &&
	    fail "$_w: the token is in the message: $out"
}
check_bad "http:// to a non-loopback address" \
    "plain http is allowed only to a loopback address" \
    VAULT_ADDR=http://192.0.2.10:8200
check_bad "a bad VAULT_ADDR" "invalid port" VAULT_ADDR=https://vault.example:x
check_bad "a missing VAULT_CACERT" \
    "cannot load CA certificates from $T/no-such-ca.pem" \
    VAULT_CACERT="$T/no-such-ca.pem"
check_bad "VAULT_SKIP_VERIFY=maybe" "is not true or false" \
    VAULT_SKIP_VERIFY=maybe
# StrictModes: a CA file, a CA directory or a file in it that others could
# change is refused (the file of another name in the directory, which
# OpenSSL's hashed lookup would not read, is not read either).
cp "$PG_CA" "$T/ca-666.pem"
chmod 0666 "$T/ca-666.pem"
check_bad "a VAULT_CACERT that others can write" \
    "cannot load CA certificates from $T/ca-666.pem: refusing to load: file $T/ca-666.pem is mode 0666" \
    VAULT_CACERT="$T/ca-666.pem"
chmod 0777 "$T/capath"
check_bad "a VAULT_CAPATH that others can write" \
    "cannot load CA certificates from $T/capath: refusing to load: directory $T/capath is mode 0777" \
    VAULT_CACERT= VAULT_CAPATH="$T/capath"
chmod 0755 "$T/capath"
chmod 0664 "$T/capath/test-ca.pem"
check_bad "a CA in VAULT_CAPATH that others can write" \
    "$T/capath: [0-9a-f]{8}\\.0: refusing to load: file $T/capath/test-ca.pem is mode 0664" \
    VAULT_CACERT= VAULT_CAPATH="$T/capath"
check_bad "no VAULT_TOKEN" "VAULT_TOKEN is not set" -u VAULT_TOKEN
out=$(env VAULT_ADDR=http://127.0.0.1:8200 timeout 30 "$AIRLOCKD" -t \
    -f "$T/airlock.yml" 2>&1) ||
    fail "http:// to 127.0.0.1 is refused: $out"
ok "http:// to 127.0.0.1 (Vault's dev mode) is accepted"

# No secret in any log line, at debug level.
for f in $LOGS "$T/fakevault.log"; do
	grep -F -q -e "$VAULT_TEST_TOKEN" -e "$PG_SCRAM_PASSWORD" "$f" &&
	    fail "a secret is in $f: $(grep -F -e "$VAULT_TEST_TOKEN" -e "$PG_SCRAM_PASSWORD" "$f")"
done
ok "neither the token nor the password is in any log"
exit 0
