# The kubernetes provider against the stand-in API server
# (regress/tools/fakek8s.py) over verified TLS, with a service account
# directory of the test's (token, ca.crt, namespace).  provget: the keys
# of two Secrets in one GET each, bytes exact (NUL, newline, a key with
# '.'); a token refused (401), RBAC (403), no Secret (404), no key, a
# hang past the deadline, a body that is not JSON, one too large, a
# reference that is not name#key, a value that is not base64 or not a
# string, each a clean error; the token file is
# read again for each request (rotation).  airlockd -t refuses a pod
# without KUBERNETES_SERVICE_HOST or a service account directory.  Then
# psql through airlock to PostgreSQL with the Secret's username and
# password, and the password is not left in airlockd's memory.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"
. "$TOP/regress/residency.sh"

PROVGET=$TOP/regress/tools/provget
[ -x "$PROVGET" ] || fail "$PROVGET not built"
pg_start
pw=$PG_SCRAM_PASSWORD
unset PG_SCRAM_PASSWORD
PG_SCRAM_PASSWORD=$pw
standin_tls

NS=airlock-test
TOK1="k8s-$(openssl rand -hex 16)"
TOK2="k8s-$(openssl rand -hex 16)"
SA=$T/serviceaccount
mkdir -m 0755 "$SA"
cp "$STANDIN_CA" "$SA/ca.crt"
printf '%s\n' "$NS" >"$SA/namespace"
printf '%s' "$TOK1" >"$SA/token"
chmod 0644 "$SA/ca.crt" "$SA/namespace"
chmod 0600 "$SA/token"

# data TOKEN: the server's state, with TOKEN the one it accepts.
data()
{
	standin_data "$T/k8s.json" "{\"tokens\": {\"$1\": \"$NS\"},
  \"forbidden\": [\"locked\"],
  \"secrets\": {
    \"$NS/db\": {\"username\": \"scram_user\", \"password\": \"$PG_SCRAM_PASSWORD\"},
    \"$NS/odd\": {\"nul\": \"a\\u0000b\", \"nl\": \"one\\ntwo\\n\", \"tls.crt\": \"cert\"},
    \"$NS/locked\": {\"x\": \"y\"},
    \"other/db\": {\"password\": \"z\"}}${2:-}}"
}
data "$TOK1"
standin_start K8S fakek8s.py "$T/k8s.json"
export KUBERNETES_SERVICE_HOST=127.0.0.1
export KUBERNETES_SERVICE_PORT=$K8S_PORT
export AIRLOCK_KUBERNETES_SERVICEACCOUNT_DIR=$SA

hex()
{
	printf "$1" | od -An -v -tx1 | tr -d ' \n'
}

# get WHAT PROVGET-ARG...: provget's output in $out, status in $rc.
get()
{
	_what=$1
	shift
	out=$("$PROVGET" "$@" 2>"$T/provget.err")
	rc=$?
	grep -F -q -e "$TOK1" -e "$TOK2" -e "$PG_SCRAM_PASSWORD" "$T/provget.err" &&
	    fail "$_what: a secret is logged: $(cat "$T/provget.err")"
	echo "$out" | grep -F -q -e "$TOK1" -e "$TOK2" -e "$PG_SCRAM_PASSWORD" &&
	    fail "$_what: a secret is in the output: $out"
	case "$*" in
	*db#password*|*odd*) ;;
	*) echo "$out" | grep -q "^value" && fail "$_what: a value: $out" ;;
	esac
	return 0
}

# expect_error WHAT PATTERN REF...: a clean error matching PATTERN.
expect_error()
{
	_w=$1
	_p=$2
	shift 2
	get "$_w" -t 2000 kubernetes "$@"
	[ "$rc" = 1 ] || fail "$_w: provget exit $rc: $out"
	echo "$out" | grep -E -q -- "^get 1 error $_p" ||
	    fail "$_w: expected '$_p': $out"
	ok "$_w: $(echo "$out" | sed -n 's/^get 1 error //p')"
}

: >"$K8S_LOG"
get "values" kubernetes db#username db#password odd#nul odd#nl odd#tls.crt
[ "$rc" = 0 ] || fail "values: $out"
want="get 1 ok
value 0 $(hex scram_user)
value 1 $(hex "$PG_SCRAM_PASSWORD")
value 2 610062
value 3 $(hex 'one\ntwo\n')
value 4 $(hex cert)"
[ "$out" = "$want" ] || fail "values: got
$out
expected
$want"
n=$(wc -l <"$K8S_LOG")
[ "$n" = 2 ] &&
    grep -q "^GET /api/v1/namespaces/$NS/secrets/db 200$" "$K8S_LOG" &&
    grep -q "^GET /api/v1/namespaces/$NS/secrets/odd 200$" "$K8S_LOG" ||
    fail "values: not one GET per Secret: $(cat "$K8S_LOG")"
ok "five keys of two Secrets in two GETs, bytes exact (NUL, newline, tls.crt)"

get "no reference" -t 2000 kubernetes
[ "$rc" = 0 ] && [ "$out" = "get 1 ok" ] || fail "no reference: $out"
ok "a request of no reference is answered at once"
expect_error "RBAC" "refused by policy: kubernetes: locked: HTTP 403 Forbidden, the service account may not get" locked#x
expect_error "no Secret" "not found: kubernetes: nope: HTTP 404 NotFound, no such Secret in the namespace" nope#x
expect_error "no key" "not found: kubernetes: db#nokey: the Secret has no such key: no field nokey" db#nokey
expect_error "no '#'" "malformed input: kubernetes: reference db: no '#'" db
expect_error "a name with '/'" "malformed input: kubernetes: reference \\.\\./other/db#password: not a Secret's name" "../other/db#password"

# The token file is read for each request: a token the server no longer
# accepts is refused; rotated, the next get of the same process uses it.
data "$TOK2"
expect_error "a token refused" "refused by policy: kubernetes: db: HTTP 401 Unauthorized, the service account's token was refused" db#password
: >"$K8S_LOG"
"$PROVGET" -r 2 -w 2000 -t 5000 kubernetes db#username >"$T/rotate.out" 2>&1 &
rpid=$!
n=50
while [ "$n" -gt 0 ] && [ ! -s "$K8S_LOG" ]; do
	sleep 0.1
	n=$((n - 1))
done
printf '%s' "$TOK2" >"$SA/token.new" && chmod 0600 "$SA/token.new" &&
    mv -f "$SA/token.new" "$SA/token"
wait "$rpid"
out=$(cat "$T/rotate.out")
echo "$out" | grep -q "^get 1 error refused by policy: kubernetes: db: HTTP 401" &&
    echo "$out" | grep -q "^get 2 ok" ||
    fail "rotation: $out ($(cat "$K8S_LOG"))"
ok "the rotated token file is read for the next request"

# Faults of the server, for the Secret's GET.
data "$TOK2" ', "fault": "slow", "delay": 3'
expect_error "a hang past the deadline" "timed out" db#password
data "$TOK2" ', "fault": "garbage"'
expect_error "not JSON" "malformed input: kubernetes: db: " db#password
data "$TOK2" ', "fault": "huge"'
expect_error "a body over 1 MiB" "[a-z ]+: kubernetes: db: .*(large|big|limit)" db#password
data "$TOK2" ', "fault": "close"'
expect_error "closed without an answer" "[a-z ]+: kubernetes: db: " db#password
data "$TOK2"
# A broken server: a value that is not base64, or not a string.
data "$TOK2" ", \"raw\": {\"$NS/db\": {\"b\": \"not base64!\", \"n\": 5}}"
expect_error "a value not base64" "malformed input: kubernetes: db#b: the value is not base64" db#b
expect_error "a value not a string" "malformed input: kubernetes: db#n: field n is a number, not a string" db#n
data "$TOK2"

# Settings that cannot work: airlockd -t says why.
P1=$(free_port)
PT=$(free_port)
{
	airlock_head
	cat <<EOF
  k8s:
    connector: pg
    listenOn: tcp://127.0.0.1:$P1
    credentials:
      host: 127.0.0.1
      port: $PG_PORT
      username: {from: kubernetes, get: db#username}
      password: {from: kubernetes, get: db#password}
      sslmode: disable
EOF
	pg_service pg-trust "$PT" trust_user disable
} >"$T/airlock.yml"
# check_bad WHAT PATTERN ENV-ARG...: airlockd -t under env(1) ENV-ARGs.
check_bad()
{
	config_refused "$T/airlock.yml" "$@"
}
check_bad "no KUBERNETES_SERVICE_HOST" \
    "provider kubernetes: KUBERNETES_SERVICE_HOST is not set" \
    -u KUBERNETES_SERVICE_HOST
check_bad "no service account" \
    "provider kubernetes: $T/nowhere/namespace" \
    AIRLOCK_KUBERNETES_SERVICEACCOUNT_DIR="$T/nowhere"
chmod 0666 "$SA/token"
check_bad "a token file that others can write" \
    "refusing to load: file $SA/token is mode 0666" AIRLOCK_TEST=1
chmod 0600 "$SA/token"
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/airlock.yml" 2>&1) ||
    fail "airlockd -t: $out"
ok "airlockd -t: $out"

# End to end: psql through airlock with the Secret's credentials.
start_airlock "$T/airlock.yml"
grep -q "provider kubernetes: https://127.0.0.1:$K8S_PORT, namespace $NS" \
    "$AIRLOCK_LOG" || fail "no info line for the provider: $(cat "$AIRLOCK_LOG")"
out=$(airlock_psql "$P1" "select current_user" 2>&1) || fail "psql: $out"
[ "$out" = scram_user ] || fail "psql: current_user is '$out'"
ok "psql logs in as scram_user with the Secret's username and password"
data "$TOK1"
out=$(airlock_psql "$P1" "select 1" 2>&1) && fail "with a refused token: $out"
echo "$out" | grep -q "FATAL.*kubernetes: db: HTTP 401" ||
    fail "with a refused token, no clean error: $out"
out=$(airlock_psql "$PT" "select current_user" 2>&1) ||
    fail "after the 401, pg-trust: $out"
ok "a refused token fails the connection cleanly; airlockd serves on"
data "$TOK2"
airlock_session "$P1" k8s "select pg_sleep(3)" "$T/session"
wait "$SESSION_PID" || fail "the session failed: $(cat "$T/session")"
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/password"
wait_for_log "k8s#[0-9]+: closed" 5 || true
residency_scan "after the sessions" "$AIRLOCK_PID" "$T/password" \
    "the password"
ok "the password is not in airlockd's memory after the sessions"
stop_airlock

for f in "$AIRLOCK_LOG" "$T/K8S.log" "$K8S_LOG"; do
	grep -F -q -e "$TOK1" -e "$TOK2" -e "$PG_SCRAM_PASSWORD" "$f" &&
	    fail "a secret is in $f"
done
ok "no token and no password in any log"
exit 0
