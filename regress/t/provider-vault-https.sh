# The providers' HTTPS client (providers/httpsreq.c) against the stand-in
# Vault, through provget: three gets go over ONE kept-alive connection; a
# kept connection that the server closes as it is reused (nothing of an
# answer back) is replaced once, and the get succeeds on a new one; a
# kept connection closed after a status line is not retried (the get
# fails, and the server saw one request); a server that requires a client
# certificate gets VAULT_CLIENT_CERT/VAULT_CLIENT_KEY, and refuses a client
# without one; settings that cannot work fail setup.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"
. "$TOP/regress/vault.sh"

PROVGET=$TOP/regress/tools/provget
[ -x "$PROVGET" ] || fail "$PROVGET not built"
standin_tls

TOKEN="hvs.tok$(openssl rand -hex 16)"
PASSWORD="pw$(openssl rand -hex 12)"
HEXPW=$(printf '%s' "$PASSWORD" | od -An -tx1 | tr -d ' \n')
# vault_data [EXTRA-JSON]: the stand-in's state.
vault_data()
{
	standin_data "$T/vault.json" "{\"token\": \"$TOKEN\",
	    \"mounts\": {\"secret\": {\"version\": 1, \"secrets\":
	        {\"db\": {\"value\": \"$PASSWORD\"}}}} $1}"
}
vault_data
standin_start V fakevault.py "$T/vault.json"

# A token file (a Vault Agent sink): no background lookup-self, so the
# connections counted are the reads'.
printf '%s\n' "$TOKEN" >"$T/token"
chmod 0600 "$T/token"
export VAULT_ADDR=https://127.0.0.1:$V_PORT VAULT_CACERT=$STANDIN_CA
export VAULT_TOKEN_FILE=$T/token

# get [PROVGET-ARG...]: provget into $out, $rc.
get()
{
	"$PROVGET" "$@" >"$T/out" 2>&1
	rc=$?
	out=$(cat "$T/out")
	grep -F -q -e "$TOKEN" "$T/out" &&
	    fail "the token is in provget's output: $out"
	return 0
}
# count PATTERN: lines of the request log that match.
count()
{
	grep -c -E -x -- "$1" "$V_LOG"
}

: >"$V_LOG"
get -r 3 -w 200 vault secret/db
[ "$rc" = 0 ] || fail "three gets: $out"
[ "$(echo "$out" | grep -c -x "value 0 $HEXPW")" = 3 ] ||
    fail "three gets: not the password each time: $out"
n=$(count "CONNECTION [0-9]+")
[ "$n" = 1 ] || fail "three gets used $n connections: $(cat "$V_LOG")"
[ "$(count "GET /v1/secret/db 200")" = 3 ] ||
    fail "three gets: $(cat "$V_LOG")"
ok "three gets, 200 ms apart, over one kept-alive connection"

# The server closes the kept connection when the second request comes.
vault_data ', "close_kept": true'
: >"$V_LOG"
get -r 2 -w 200 vault secret/db
[ "$rc" = 0 ] || fail "a kept connection closed on reuse: $out
$(cat "$V_LOG")"
[ "$(count "GET /v1/secret/db close-kept")" = 1 ] &&
    [ "$(count "GET /v1/secret/db 200")" = 2 ] &&
    [ "$(count "CONNECTION [0-9]+")" = 2 ] ||
    fail "a kept connection closed on reuse: $(cat "$V_LOG")"
ok "a kept connection closed as it was reused: sent again on a new one"

# A status line came before the close: part of an answer, not retried.
vault_data ', "close_kept_partial": true'
: >"$V_LOG"
get -r 2 -w 200 vault secret/db
echo "$out" | grep -q "^get 2 error .*vault: secret/db: " ||
    fail "a kept connection closed after a status line: $out"
[ "$(count "GET /v1/secret/db close-kept")" = 1 ] &&
    [ "$(count "GET /v1/secret/db 200")" = 1 ] &&
    [ "$(count "CONNECTION [0-9]+")" = 1 ] ||
    fail "a partial answer was retried: $(cat "$V_LOG")"
ok "part of an answer, then a close: no retry ($(echo "$out" |
    sed -n 's/^get 2 error //p'))"
vault_data

# A Vault that requires a client certificate (tls_require_and_verify_
# client_cert): the stand-in closes connections without one.
vault_data ', "require_client_cert": true'
standin_start VC fakevault.py "$T/vault.json" --client-ca "$STANDIN_CA"
VAULT_ADDR=https://127.0.0.1:$VC_PORT
get vault secret/db
[ "$rc" != 0 ] || fail "no client certificate, yet: $out"
grep -q "CONNECTION refused: no client certificate" "$VC_LOG" ||
    fail "no client certificate: $(cat "$VC_LOG")"
ok "no client certificate: $(echo "$out" | sed -n 's/^get 1 error //p')"
cp "$STANDIN_TLS/client.crt" "$STANDIN_TLS/client.key" "$T/"
chmod 0600 "$T/client.key"
VAULT_CLIENT_CERT=$T/client.crt VAULT_CLIENT_KEY=$T/client.key \
    get -r 2 vault secret/db
[ "$rc" = 0 ] || fail "with a client certificate: $out"
echo "$out" | grep -q -x "value 0 $HEXPW" ||
    fail "with a client certificate: $out"
ok "VAULT_CLIENT_CERT and VAULT_CLIENT_KEY: the server accepts the client"

# Settings that cannot work.
VAULT_SECRETS=$TOKEN
vault_bad "a certificate without its key" "VAULT_CLIENT_KEY is not set" \
    VAULT_CLIENT_CERT="$T/client.crt"
cp "$STANDIN_TLS/server.key" "$T/other.key"
chmod 0600 "$T/other.key"
vault_bad "a key of another certificate" "does not match the certificate" \
    VAULT_CLIENT_CERT="$T/client.crt" VAULT_CLIENT_KEY="$T/other.key"
chmod 0666 "$T/client.key"
vault_bad "a client key that others can write" "client key.*refusing to load" \
    VAULT_CLIENT_CERT="$T/client.crt" VAULT_CLIENT_KEY="$T/client.key"
vault_bad "a missing client certificate" "client certificate: .*no-such" \
    VAULT_CLIENT_CERT="$T/no-such.crt" VAULT_CLIENT_KEY="$T/other.key"
exit 0
