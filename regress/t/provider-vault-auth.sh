# The Vault provider's auth methods against the stand-in Vault (regress/
# tools/fakevault.py), through provget: AppRole (secret id from the
# environment or a file), Kubernetes and JWT logins, one login for several
# gets; a wrong secret id, role or JWT fails with the HTTP status and no
# secret; a login token near its TTL is renewed with renew-self, one whose
# renewal was capped by its max TTL (or that is not renewable) is replaced
# by a new login; a 403 on a read (the token revoked) logs in again and
# retries once, and only once; VAULT_TOKEN_FILE is read at each get (a
# rotated token is used at once); a renewable VAULT_TOKEN with a short TTL
# is renewed in the background and still works after its first TTL;
# settings that cannot work fail setup.  Then psql through airlock to
# PostgreSQL with the password read by an AppRole login, and the password
# is not left in airlockd's memory.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"
. "$TOP/regress/vault.sh"
. "$TOP/regress/residency.sh"

PROVGET=$TOP/regress/tools/provget
[ -x "$PROVGET" ] || fail "$PROVGET not built"
pg_start
standin_tls

TOKEN="hvs.tok$(openssl rand -hex 16)"
ROLE_ID="role-$(openssl rand -hex 8)"
SECRET_ID="sid-$(openssl rand -hex 16)"
JWT="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.$(openssl rand -hex 16)"
PASSWORD=$PG_SCRAM_PASSWORD
HEXPW=$(printf '%s' "$PASSWORD" | od -An -tx1 | tr -d ' \n')
# vault_data [EXTRA-JSON]: the stand-in's state.
vault_data()
{
	standin_data "$T/vault.json" "{\"token\": \"$TOKEN\",
	    \"mounts\": {\"secret\": {\"version\": 1, \"secrets\":
	        {\"db\": {\"value\": \"$PASSWORD\"}}}},
	    \"logins\": {
	        \"approle\": {\"type\": \"approle\", \"role_id\": \"$ROLE_ID\",
	            \"secret_id\": \"$SECRET_ID\"},
	        \"k8s\": {\"type\": \"kubernetes\", \"role\": \"app\",
	            \"jwt\": \"$JWT\"},
	        \"jwt\": {\"type\": \"jwt\", \"role\": \"app\",
	            \"jwt\": \"$JWT\"}} $1}"
}
vault_data
standin_start V fakevault.py "$T/vault.json"
export VAULT_ADDR=https://127.0.0.1:$V_PORT VAULT_CACERT=$STANDIN_CA
printf '%s\n' "$JWT" >"$T/jwt"
printf '%s\n' "$SECRET_ID" >"$T/secret-id"
chmod 0600 "$T/jwt" "$T/secret-id"

# get [ENV-ARG...] -- [PROVGET-ARG...]: provget vault secret/db under
# env(1) ENV-ARGs, into $out and $rc; no secret may be in its output but
# the password's hex.
get()
{
	_env=
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		_env="$_env $1"
		shift
	done
	shift
	: >"$V_LOG"
	env $_env "$PROVGET" "$@" vault secret/db >"$T/out" 2>&1
	rc=$?
	out=$(cat "$T/out")
	grep -F -q -e "$TOKEN" -e "$ROLE_ID" -e "$SECRET_ID" -e "$JWT" \
	    -e "$PASSWORD" "$T/out" &&
	    fail "a secret is in provget's output: $out"
	return 0
}
# expect_ok WHAT N: N gets, each the password.
expect_ok()
{
	[ "$rc" = 0 ] || fail "$1: $out
$(cat "$V_LOG")"
	[ "$(echo "$out" | grep -c -x "value 0 $HEXPW")" = "$2" ] ||
	    fail "$1: not $2 times the password: $out"
}
# expect_error WHAT PATTERN: the get failed with PATTERN.
expect_error()
{
	[ "$rc" != 0 ] || fail "$1: the get succeeded: $out"
	echo "$out" | grep -E -q -- "^get 1 error .*$2" ||
	    fail "$1: the error does not match '$2': $out"
	ok "$1: $(echo "$out" | sed -n 's/^get 1 error //p')"
}
# after_read CMD...: in the background, once the request log has a read
# (the first get is in), CMD; its pid in $bg.
after_read()
{
	(
		_n=50
		while [ "$_n" -gt 0 ] &&
		    ! grep -q "^GET /v1/secret/db 200$" "$V_LOG"; do
			sleep 0.1
			_n=$((_n - 1))
		done
		"$@"
	) &
	bg=$!
}
# count PATTERN: lines of the request log that match.
count()
{
	grep -c -E -x -- "$1" "$V_LOG"
}

APPROLE="VAULT_AUTH_METHOD=approle VAULT_ROLE_ID=$ROLE_ID"
get $APPROLE VAULT_SECRET_ID="$SECRET_ID" -- -r 3
expect_ok "approle" 3
[ "$(count "POST /v1/auth/approle/login 200")" = 1 ] ||
    fail "approle: not one login for three gets: $(cat "$V_LOG")"
ok "approle: one login, three gets"
get $APPROLE VAULT_SECRET_ID_FILE="$T/secret-id" --
expect_ok "approle, VAULT_SECRET_ID_FILE" 1
ok "approle with VAULT_SECRET_ID_FILE"
get $APPROLE VAULT_SECRET_ID=sid-wrong --
expect_error "approle, a wrong secret id" \
    "refused by policy: vault: secret/db: approle login at auth/approle: HTTP 400"
[ "$(count "GET /v1/secret/db [0-9]+")" = 0 ] ||
    fail "a read after a failed login: $(cat "$V_LOG")"

K8S="VAULT_AUTH_METHOD=kubernetes VAULT_AUTH_MOUNT=k8s VAULT_AUTH_JWT_FILE=$T/jwt"
get $K8S VAULT_AUTH_ROLE=app -- -r 2
expect_ok "kubernetes" 2
[ "$(count "POST /v1/auth/k8s/login 200")" = 1 ] ||
    fail "kubernetes: $(cat "$V_LOG")"
ok "kubernetes at auth/k8s: one login, two gets"
get $K8S VAULT_AUTH_ROLE=other --
expect_error "kubernetes, a wrong role" "kubernetes login at auth/k8s, role other: HTTP 400"
printf 'eyJ.wrong.jwt\n' >"$T/jwt-wrong"
chmod 0600 "$T/jwt-wrong"
get VAULT_AUTH_METHOD=kubernetes VAULT_AUTH_MOUNT=k8s \
    VAULT_AUTH_JWT_FILE="$T/jwt-wrong" VAULT_AUTH_ROLE=app --
expect_error "kubernetes, a wrong JWT" "HTTP 403, permission denied"
get VAULT_AUTH_METHOD=jwt VAULT_AUTH_ROLE=app VAULT_AUTH_JWT_FILE="$T/jwt" --
expect_ok "jwt" 1
ok "jwt: logged in at auth/jwt"

# Renewal: a login token of 6 s is refreshed 5 s before its end (ptoken's
# smallest margin), so each get 1.2 s later renews it.
vault_data ', "login_ttl": 6'
get $APPROLE VAULT_SECRET_ID="$SECRET_ID" -- -r 3 -w 1200
expect_ok "renewal" 3
[ "$(count "POST /v1/auth/approle/login 200")" = 1 ] &&
    [ "$(count "POST /v1/auth/token/renew-self 200")" = 2 ] ||
    fail "renewal: not one login and two renewals: $(cat "$V_LOG")"
ok "a login token near its end is renewed with renew-self"
# A max TTL of 7 s: the first renewal is capped, the next refresh logs in.
vault_data ', "login_ttl": 6, "login_max_ttl": 7'
get $APPROLE VAULT_SECRET_ID="$SECRET_ID" -- -r 3 -w 1200
expect_ok "max TTL" 3
[ "$(count "POST /v1/auth/approle/login 200")" = 2 ] &&
    [ "$(count "POST /v1/auth/token/renew-self 200")" = 1 ] ||
    fail "max TTL: not login, renew-self, login: $(cat "$V_LOG")"
ok "a renewal capped by the max TTL: the next refresh logs in again"
vault_data ', "login_ttl": 6, "login_renewable": false'
get $APPROLE VAULT_SECRET_ID="$SECRET_ID" -- -r 2 -w 1200
expect_ok "not renewable" 2
[ "$(count "POST /v1/auth/approle/login 200")" = 2 ] &&
    [ "$(count "POST /v1/auth/token/renew-self [0-9]+")" = 0 ] ||
    fail "not renewable: $(cat "$V_LOG")"
ok "a token that is not renewable is replaced by a new login"

# The token revoked between two gets: 403, a new login, the read again.
vault_data
: >"$V_LOG"
after_read vault_data ', "epoch": 1'
get $APPROLE VAULT_SECRET_ID="$SECRET_ID" -- -r 2 -w 1000
wait "$bg"
expect_ok "revoked" 2
[ "$(count "POST /v1/auth/approle/login 200")" = 2 ] &&
    [ "$(count "GET /v1/secret/db 403")" = 1 ] &&
    [ "$(count "GET /v1/secret/db 200")" = 2 ] ||
    fail "revoked: not login, read, 403, login, read: $(cat "$V_LOG")"
ok "a 403 on a read: a new login, and the read again"
vault_data ', "deny_reads": true'
get $APPROLE VAULT_SECRET_ID="$SECRET_ID" --
expect_error "403 again" "vault: secret/db: HTTP 403, permission denied"
[ "$(count "GET /v1/secret/db 403")" = 2 ] ||
    fail "403 again: not exactly one retry: $(cat "$V_LOG")"
get VAULT_TOKEN="$TOKEN" --
expect_error "VAULT_TOKEN refused" "HTTP 403"
[ "$(count "GET /v1/secret/db 403")" = 1 ] ||
    fail "VAULT_TOKEN refused: retried with the same token: $(cat "$V_LOG")"
ok "with VAULT_TOKEN a 403 is not retried (the same token again)"

# VAULT_TOKEN_FILE: a Vault Agent sink, re-read at each get.
NEWTOKEN="hvs.new$(openssl rand -hex 16)"
vault_data
printf '%s\n' "$TOKEN" >"$T/token"
chmod 0600 "$T/token"
rotate()
{
	TOKEN=$NEWTOKEN vault_data
	printf '%s\n' "$NEWTOKEN" >"$T/token.new"
	chmod 0600 "$T/token.new"
	mv "$T/token.new" "$T/token"
}
: >"$V_LOG"
after_read rotate
get VAULT_TOKEN_FILE="$T/token" -- -r 2 -w 1000
wait "$bg"
expect_ok "token file" 2
grep -F -q "$NEWTOKEN" "$T/out" && fail "the new token is in the output"
ok "VAULT_TOKEN_FILE rotated between two gets: the new token is used"
vault_data

# A periodic VAULT_TOKEN of 3 s, renewed in the background at half its
# TTL: a get after 3.5 s still works.
vault_data ', "token_ttl": 3, "token_renewable": true'
get VAULT_TOKEN="$TOKEN" -- -r 2 -w 3500
expect_ok "background renewal" 2
[ "$(count "GET /v1/auth/token/lookup-self 200")" = 1 ] &&
    [ "$(count "POST /v1/auth/token/renew-self 200")" -ge 2 ] ||
    fail "background renewal: $(cat "$V_LOG")"
ok "a renewable VAULT_TOKEN is renewed in the background ($(count "POST /v1/auth/token/renew-self 200") renewals in 3.5 s)"
vault_data

# Settings that cannot work.
VAULT_SECRETS="$TOKEN $ROLE_ID $SECRET_ID $JWT"
vault_bad "an unknown method" "VAULT_AUTH_METHOD ldap is not token, approle" \
    VAULT_AUTH_METHOD=ldap
vault_bad "approle without a role id" "VAULT_ROLE_ID is not set" \
    VAULT_AUTH_METHOD=approle VAULT_SECRET_ID="$SECRET_ID"
vault_bad "jwt without a JWT file" "VAULT_AUTH_JWT_FILE is not set" \
    VAULT_AUTH_METHOD=jwt VAULT_AUTH_ROLE=app
vault_bad "kubernetes without a role" "VAULT_AUTH_ROLE is not set" \
    VAULT_AUTH_METHOD=kubernetes VAULT_AUTH_JWT_FILE="$T/jwt"
vault_bad "a mount with a dot segment" "VAULT_AUTH_MOUNT a/../b is not" \
    VAULT_AUTH_METHOD=approle VAULT_AUTH_MOUNT=a/../b VAULT_ROLE_ID=x
vault_bad "both VAULT_TOKEN and VAULT_TOKEN_FILE" "set one" \
    VAULT_TOKEN="$TOKEN" VAULT_TOKEN_FILE="$T/token"
vault_bad "a missing token file" "$T/no-such-token" \
    VAULT_TOKEN_FILE="$T/no-such-token"
vault_bad "no token at all" "VAULT_TOKEN is not set" -u VAULT_TOKEN

# End to end: psql through airlock, the password read with an AppRole
# login's token.
P1=$(free_port)
{
	airlock_head
	pg_service vault-approle "$P1" scram_user disable \
	    "password: {from: vault, get: secret/db}"
} >"$T/airlock.yml"
unset PG_SCRAM_PASSWORD
VAULT_AUTH_METHOD=approle VAULT_ROLE_ID=$ROLE_ID VAULT_SECRET_ID=$SECRET_ID
export VAULT_AUTH_METHOD VAULT_ROLE_ID VAULT_SECRET_ID
: >"$V_LOG"
start_airlock "$T/airlock.yml"
airlock_environ_lacks "$SECRET_ID" "the AppRole secret id"
for i in 1 2; do
	out=$(airlock_psql "$P1" "select current_user" 2>&1) ||
	    fail "psql $i through an AppRole login: $out"
	[ "$out" = scram_user ] || fail "psql $i: current_user is '$out'"
done
[ "$(count "POST /v1/auth/approle/login 200")" = 1 ] ||
    fail "psql: not one login for two sessions: $(cat "$V_LOG")"
ok "psql twice through airlock, one AppRole login"
printf '%s' "$PASSWORD" >"$T/password"
wait_for_log "vault-approle#[0-9]+: closed" 5 || true
residency_scan "after the sessions" "$AIRLOCK_PID" "$T/password" "the password"
ok "the password is not in airlockd's memory after the sessions"
stop_airlock
grep -F -q -e "$SECRET_ID" -e "$ROLE_ID" -e "$PASSWORD" -e "$JWT" \
    "$AIRLOCK_LOG" "$T/V.log" "$V_LOG" &&
    fail "a secret is in a log"
ok "no secret in airlockd's log or the stand-in's"
exit 0
