# The azure provider (providers/azure.c, azureauth.c) through provget
# against the stand-in Key Vault and Entra ID (regress/tools/fakeazure.py)
# over verified TLS: each token source (client secret, workload identity,
# IMDS, App Service) gets a token that reads secrets, by URL, with and
# without a version; one token serves several gets and a new one is
# fetched near its expiry; a token refused with 401 is replaced once;
# Key Vault's 403, 404 SecretNotFound, a slow answer, garbage, a huge body,
# and the token endpoints' errors each fail the get with a message that
# names the reference and the reason, never a secret; NUL and newline bytes
# of a value arrive intact; a rotated value is seen; the token goes to no
# host but the vaults under AZURE_KEYVAULT_DNS_SUFFIX; settings that cannot
# work fail the setup.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"

PROVGET=$TOP/regress/tools/provget
[ -x "$PROVGET" ] || fail "$PROVGET not built"
TENANT=72f988bf-86f1-41af-91ab-2d7cd011db47
CLIENT=04b07795-8ddb-461a-bbee-02f9e1bf7b46
MSI=7d4b3e5e-8a4c-4f4e-9a0a-0d2d6c9f0b11
SECRET="cs~$(openssl rand -hex 16)+/="
FED="eyJhbGciOiJSUzI1NiJ9.$(openssl rand -hex 24).sig1"
IDH=$(openssl rand -hex 16)
V1=$(openssl rand -hex 16)
V2=$(openssl rand -hex 16)
PW1="first-$(openssl rand -hex 8)"
PW2="second-$(openssl rand -hex 8)"

# state [EXTRA-JSON-MEMBERS]: the stand-in's data file.
state()
{
	standin_data "$T/azure.json" "{\"tenant\": \"$TENANT\",
	  \"clients\": {\"$CLIENT\": \"$SECRET\"},
	  \"federated\": {\"$CLIENT\": \"$FED\"},
	  \"msi_clients\": [\"$MSI\"], \"identity_header\": \"$IDH\",
	  \"secrets\": {\"db\": {\"current\": \"$V2\",
	      \"versions\": {\"$V1\": \"$PW1\", \"$V2\": \"$PW2\"}},
	    \"bytes\": \"a\\u0000b\\nc\\r\\n\", \"locked\": \"x\"},
	  \"denied\": [\"locked\"]${1:+, $1}}"
}
state
standin_start AZ fakeazure.py "$T/azure.json"
KV=https://127.0.0.1:$AZ_PORT

hex()
{
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

# get ENV-ARG... -- PROVGET-ARG...: provget azure under env(1), with the
# stand-in's CA and suffix, and no other Azure setting; output in $out.
get()
{
	_env=
	while [ "$1" != -- ]; do
		_env="$_env $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	out=$(env -u AZURE_TENANT_ID -u AZURE_CLIENT_ID \
	    -u AZURE_CLIENT_SECRET -u AZURE_FEDERATED_TOKEN_FILE \
	    -u IDENTITY_ENDPOINT -u IDENTITY_HEADER \
	    SSL_CERT_FILE="$STANDIN_CA" AZURE_KEYVAULT_DNS_SUFFIX=127.0.0.1 \
	    AZURE_AUTHORITY_HOST="$KV" $_env \
	    timeout 30 "$PROVGET" "$@" 2>"$T/provget.err")
	cat "$T/provget.err" >>"$T/provget.log"
	for _s in "$SECRET" "$FED" "$IDH" "$PW1" "$PW2"; do
		case $out in
		*"$_s"*) fail "a secret is in provget's output: $out" ;;
		esac
	done
}
CS="AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$CLIENT AZURE_CLIENT_SECRET=$SECRET"

# expect PATTERN WHAT: provget's output matches the extended PATTERN.
expect()
{
	echo "$out" | grep -E -q -- "$1" ||
	    fail "$2: unexpected output: $out"
	ok "$2: $(echo "$out" | grep -E -- "$1" | head -n 1)"
}
# count METHOD PATH: requests of the stand-in since the log was emptied.
count()
{
	grep -c "^$1 $2 " "$AZ_LOG"
}

# A client secret: the current value and a version, in one get.
: >"$AZ_LOG"
get $CS -- azure "$KV/secrets/db" "$KV/secrets/db/$V1" "$KV/secrets/db/"
[ "$out" = "get 1 ok
value 0 $(hex "$PW2")
value 1 $(hex "$PW1")
value 2 $(hex "$PW2")" ] || fail "client secret: $out"
[ "$(grep -c "^GET /secrets/db" "$AZ_LOG")" = 2 ] ||
    fail "two GETs expected (db twice is one): $(cat "$AZ_LOG")"
ok "client secret: the current value and version $V1"

# One token for three gets; near its expiry, a new one.
: >"$AZ_LOG"
get $CS -- azure -r 3 "$KV/secrets/db"
expect "^get 3 ok" "three gets"
[ "$(count POST "/$TENANT/oauth2/v2.0/token")" = 1 ] ||
    fail "one token for three gets expected: $(cat "$AZ_LOG")"
ok "one token served three gets"
state '"expires_in": 6'
: >"$AZ_LOG"
get $CS -- azure -r 2 -w 1500 "$KV/secrets/db"
expect "^get 2 ok" "a token of 6 s"
[ "$(count POST "/$TENANT/oauth2/v2.0/token")" = 2 ] ||
    fail "a new token expected after 1.5 s of a 6 s token: $(cat "$AZ_LOG")"
ok "a token within its margin of expiry is replaced"

# Refused (revoked) after one use: one new token, and the get succeeds;
# refused always: the get fails after the second token.
state '"token_uses": 1'
: >"$AZ_LOG"
get $CS -- azure -r 2 "$KV/secrets/db"
expect "^get 2 ok" "a token revoked after one use"
[ "$(count GET /secrets/db)" = 3 ] &&
    [ "$(count POST "/$TENANT/oauth2/v2.0/token")" = 2 ] &&
    grep -q "^GET /secrets/db 401" "$AZ_LOG" ||
    fail "401, then a new token and the GET again expected: $(cat "$AZ_LOG")"
ok "after a 401, a new token and one retry"
state '"token_uses": 0'
: >"$AZ_LOG"
get $CS -- azure "$KV/secrets/db"
expect "^get 1 error authentication failed.*: azure: $KV/secrets/db: HTTP 401 Unauthorized, the token was refused" \
    "every token refused"
[ "$(count POST "/$TENANT/oauth2/v2.0/token")" = 2 ] ||
    fail "two tokens at most expected: $(cat "$AZ_LOG")"
state

# Key Vault's errors.
get $CS -- azure "$KV/secrets/nope"
expect "^get 1 error .*: azure: $KV/secrets/nope: HTTP 404 SecretNotFound, no such secret" "404"
get $CS -- azure "$KV/secrets/db/$(openssl rand -hex 16)"
expect "HTTP 404 SecretNotFound" "an unknown version"
get $CS -- azure "$KV/secrets/locked"
expect "^get 1 error .*: azure: $KV/secrets/locked: HTTP 403 Forbidden/AccessDenied, the identity may not" "403"

# NUL, CR and LF bytes of a value, intact; a rotated value.
get $CS -- azure "$KV/secrets/bytes"
[ "$out" = "get 1 ok
value 0 6100620a630d0a" ] || fail "bytes: $out"
ok "NUL, CR and LF bytes arrive intact"
PW3="third-$(openssl rand -hex 8)"
V3=$(openssl rand -hex 16)
state "\"secrets\": {\"db\": {\"current\": \"$V3\", \"versions\": {\"$V3\": \"$PW3\"}}}"
get $CS -- azure "$KV/secrets/db"
[ "$out" = "get 1 ok
value 0 $(hex "$PW3")" ] || fail "rotation: $out"
ok "a rotated value is read"

# Faults of the secret read, then of the token endpoint.
state '"fault": "slow", "delay": 3, "fault_paths": ["/secrets/"]'
get $CS -- azure -t 1000 "$KV/secrets/db"
expect "^get 1 error timed out" "a slow Key Vault"
state '"fault": "garbage", "fault_paths": ["/secrets/"]'
get $CS -- azure "$KV/secrets/db"
expect "^get 1 error .*: azure: $KV/secrets/db: .*(JSON|json)" "garbage"
state '"fault": "huge", "fault_paths": ["/secrets/"]'
get $CS -- azure "$KV/secrets/db"
expect "^get 1 error .*: azure: $KV/secrets/db: .*(large|big|limit)" "a body over 1 MiB"
state "\"fault\": \"hang\", \"fault_paths\": [\"/$TENANT/\"]"
get $CS -- azure -t 1000 "$KV/secrets/db"
expect "^get 1 error timed out" "a token endpoint that hangs"
state "\"fault\": \"garbage\", \"fault_paths\": [\"/$TENANT/\"]"
get $CS -- azure "$KV/secrets/db"
expect "^get 1 error .*: azure: $KV/secrets/db: client secret token: .*JSON" \
    "a token endpoint's garbage"
state

# The token endpoints' refusals: the OAuth error, not the description.
get AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$CLIENT \
    AZURE_CLIENT_SECRET=wrong -- azure "$KV/secrets/db"
expect "^get 1 error authentication failed.*: client secret token: HTTP 401, invalid_client$" \
    "a wrong client secret"
get AZURE_TENANT_ID=contoso.onmicrosoft.com AZURE_CLIENT_ID=$CLIENT \
    AZURE_CLIENT_SECRET=$SECRET -- azure "$KV/secrets/db"
expect "HTTP 400, invalid_request$" "an unknown tenant"

# Workload identity: the file is read at each login (the kubelet rotates
# it), the assertion goes as client_assertion.
printf '%s\n' "$FED" >"$T/fed.jwt"
chmod 0600 "$T/fed.jwt"
WI="AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$CLIENT AZURE_FEDERATED_TOKEN_FILE=$T/fed.jwt"
state '"expires_in": 6'
: >"$AZ_LOG"
get $WI -- azure "$KV/secrets/db"
[ "$out" = "get 1 ok
value 0 $(hex "$PW2")" ] || fail "workload identity: $out"
ok "workload identity: the federated token is exchanged for a token"
FED2="eyJhbGciOiJSUzI1NiJ9.$(openssl rand -hex 24).sig2"
printf '%s\n' "$FED2" >"$T/fed2.jwt"
chmod 0600 "$T/fed2.jwt"
get "AZURE_TENANT_ID=$TENANT AZURE_CLIENT_ID=$CLIENT AZURE_FEDERATED_TOKEN_FILE=$T/fed2.jwt" \
    -- azure "$KV/secrets/db"
expect "^get 1 error authentication failed.*: workload identity token: HTTP 401, invalid_client$" \
    "an assertion that Entra ID does not know"
# The rotated file is read at the next login: between the two gets (the
# token of 6 s is replaced after 1.5 s), the file and Entra ID's record
# change to a new assertion.
: >"$AZ_LOG"
( get $WI -- azure -r 2 -w 1500 "$KV/secrets/db"
  printf '%s\n' "$out" ) >"$T/rotate.out" &
rot=$!
wait_for_log "^POST /$TENANT/oauth2/v2.0/token 200" 10 "$AZ_LOG" ||
    fail "no login: $(cat "$AZ_LOG")"
cp "$T/fed2.jwt" "$T/fed.jwt"
state "\"expires_in\": 6, \"federated\": {\"$CLIENT\": \"$FED2\"}"
wait "$rot"
out=$(cat "$T/rotate.out")
expect "^get 2 ok" "the rotated file, at the next login"
[ "$(count POST "/$TENANT/oauth2/v2.0/token")" = 2 ] ||
    fail "two logins expected: $(cat "$AZ_LOG")"
state

# Managed identity: IMDS (Metadata: true, numbers as strings), system-
# and user-assigned; App Service's endpoint (X-IDENTITY-HEADER, expires_on
# only: the token serves the second get).
: >"$AZ_LOG"
get AZURE_POD_IDENTITY_AUTHORITY_HOST="$KV" -- azure -r 2 "$KV/secrets/db"
expect "^get 2 ok" "IMDS"
[ "$(count GET /metadata/identity/oauth2/token)" = 1 ] ||
    fail "IMDS: one token for two gets expected: $(cat "$AZ_LOG")"
get AZURE_POD_IDENTITY_AUTHORITY_HOST="$KV" AZURE_CLIENT_ID=$MSI -- \
    azure "$KV/secrets/db"
expect "^get 1 ok" "IMDS, a user-assigned identity"
get AZURE_POD_IDENTITY_AUTHORITY_HOST="$KV" AZURE_CLIENT_ID=$CLIENT -- \
    azure "$KV/secrets/db"
expect "^get 1 error authentication failed.*: managed identity token: HTTP 400, invalid_request$" \
    "IMDS, an identity not assigned"
: >"$AZ_LOG"
get IDENTITY_ENDPOINT="$KV/MSI/token" IDENTITY_HEADER=$IDH -- \
    azure -r 2 "$KV/secrets/db"
expect "^get 2 ok" "App Service"
[ "$(count GET /MSI/token)" = 1 ] ||
    fail "App Service: one token for two gets expected: $(cat "$AZ_LOG")"
get IDENTITY_ENDPOINT="$KV/MSI/token" IDENTITY_HEADER=wrong -- \
    azure "$KV/secrets/db"
expect "^get 1 error authentication failed.*App Service managed identity token: HTTP 401" \
    "App Service, a wrong X-IDENTITY-HEADER"

# A request of no reference is answered at once, without a token.
: >"$AZ_LOG"
get $CS -- azure
[ "$out" = "get 1 ok" ] && [ ! -s "$AZ_LOG" ] ||
    fail "no reference: $out; $(cat "$AZ_LOG")"
ok "a request of no reference: answered, nothing sent"

# The token's hosts: the vaults under the suffix, over verified https,
# checked as the configuration is loaded.
: >"$AZ_LOG"
get $CS -- azure "https://127.0.0.2:$AZ_PORT/secrets/db"
expect "^prepare error: azure: https://127.0.0.2:$AZ_PORT/secrets/db: the token goes only to a vault under the address 127.0.0.1" \
    "another address"
get $CS AZURE_KEYVAULT_DNS_SUFFIX=vault.azure.net -- azure "$KV/secrets/db"
expect "^prepare error: azure: $KV/secrets/db: the token goes only to a vault under vault.azure.net" \
    "an address outside the suffix"
get $CS -- azure "http://127.0.0.1:$AZ_PORT/secrets/db"
expect "^prepare error: azure: http://127.0.0.1:$AZ_PORT/secrets/db: the token goes only" "plain http"
get $CS -- azure "kv1/db"
expect "^prepare error: azure: kv1/db: .*name the secret by its URL" "a vault's name with an address suffix"
get $CS SSL_CERT_FILE="$STANDIN_WRONG_CA" -- azure "$KV/secrets/db"
expect "^get 1 error .*TLS: the server's certificate is refused" \
    "a token endpoint's certificate of another CA"
[ ! -s "$AZ_LOG" ] || fail "a request reached the stand-in: $(cat "$AZ_LOG")"
ok "no request reached the stand-in"

# Settings that cannot work fail the setup.
get AZURE_TENANT_ID=$TENANT AZURE_CLIENT_SECRET=$SECRET -- azure x/y
expect "^setup error: provider azure: AZURE_CLIENT_SECRET needs AZURE_TENANT_ID and AZURE_CLIENT_ID" "no client id"
get $CS AZURE_AUTHORITY_HOST=http://login.example.com -- azure x/y
expect "^setup error: .*AZURE_AUTHORITY_HOST http://login.example.com: plain http is allowed only to a loopback" "http authority"
get AZURE_POD_IDENTITY_AUTHORITY_HOST=http://192.0.2.1 -- azure x/y
expect "^setup error: .*plain http is allowed only to a loopback address or the metadata service" "http IMDS elsewhere"
get AZURE_CLIENT_CERTIFICATE_PATH=/etc/x.pem -- azure x/y
expect "^setup error: .*AZURE_CLIENT_CERTIFICATE_PATH .* is not supported" "a client certificate"
get AZURE_KEYVAULT_DNS_SUFFIX=net -- azure x/y
expect "^setup error: .*AZURE_KEYVAULT_DNS_SUFFIX net is not a domain of two labels" "a suffix of one label"
get AZURE_CLIENT_ID=a/b -- azure x/y
expect "^setup error: .*AZURE_CLIENT_ID is not a GUID" "a client id with a slash"
# IMDS at its real address, plain http, is accepted (the setup, which
# comes before the references' check, passes; nothing is sent).
get AZURE_KEYVAULT_DNS_SUFFIX=vault.azure.net -- azure kv_1/db
expect "^prepare error: azure: kv_1/db: not vault/name" "a vault's name with '_'"
grep -q "token from managed identity at 169.254.169.254:80/metadata/identity/oauth2/token$" \
    "$T/provget.log" || fail "IMDS by default: $(cat "$T/provget.log")"
ok "IMDS at http://169.254.169.254 by default"

for f in "$AZ_LOG" "$T/AZ.log" "$T/provget.log"; do
	grep -F -q -e "$SECRET" -e "$FED" -e "$FED2" -e "$IDH" -e "$PW1" \
	    -e "$PW2" -e "$PW3" "$f" && fail "a secret is in $f"
done
grep -q "provider azure: Key Vault under 127.0.0.1 (an address), token from client secret of client $CLIENT at 127.0.0.1:$AZ_PORT/$TENANT/oauth2/v2.0/token" "$T/provget.log" ||
    fail "no info line for the client secret: $(head -n 3 "$T/provget.log")"
ok "no secret in the stand-in's logs or provget's messages"
exit 0
