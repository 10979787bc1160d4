# The conjur provider against the stand-in Conjur (regress/tools/
# fakeconjur.py) over verified TLS, through provget (regress/tools/provget.c:
# the provider as airlockd runs it): one variable is one GET with its id
# percent-encoded ('/' too); several are ONE batch GET, whose base64 values
# (Ruby's lines) carry NUL, newline and non-UTF-8 bytes; an id with a ','
# has a GET of its own; the token of one API-key login serves later gets;
# a revoked token (401) is replaced once; 401 at login, 403, 404, a slow
# answer, garbage, an oversized answer each fail with a message that names
# the id and the status, never a value, the API key or the token; a rotated
# value is seen at the next get; a token file is read at each get;
# authn-jwt logs in with the JWT of JWT_TOKEN_PATH; accessToken gives the
# token; authn-k8s gets its client certificate injected (a CSR, the file
# written by the stand-in as Conjur's kubectl exec would, mutual TLS) and
# keeps it across logins; Conjur Cloud's base path (/api);
# CONJUR_SSL_CERTIFICATE; settings that cannot work fail setup.
# test: long
# (About 200 s under valgrind: regress/run.sh starts it early.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"

# Under memcheck in sanitize.sh's valgrind run.
PROVGET=${PROVGET:-$TOP/regress/tools/provget}
[ -x "$PROVGET" ] || fail "$PROVGET not built"
standin_tls

hex()
{
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

APIKEY="key$(openssl rand -hex 16)"
PASSWORD="pw$(openssl rand -hex 12)"
JWT="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.$(openssl rand -hex 16)"
BIN=00410a42ff0d5c22
# conjur_data [EXTRA-JSON]: the stand-in's state, with EXTRA-JSON's keys
# (", \"fault\": ...") added.
conjur_data()
{
	standin_data "$T/conjur.json" "{\"account\": \"dev\",
	    \"login\": \"host/app\", \"api_key\": \"$APIKEY\",
	    \"jwt\": \"$JWT\", \"jwt_service\": \"k8s\",
	    \"jwt_host\": \"host/app\",
	    \"variables\": {\"dev:variable:db/password\": \"$PASSWORD\",
	        \"dev:variable:db/user\": \"scram_user\",
	        \"dev:variable:bin\": {\"hex\": \"$BIN\"},
	        \"dev:variable:x,y\": \"comma\",
	        \"dev:variable:slow\": \"late\",
	        \"prod:variable:db/password\": \"other\"},
	    \"denied\": [\"dev:variable:secret\"] $1}"
}
conjur_data
standin_start CJ fakeconjur.py "$T/conjur.json" --client-ca "$STANDIN_CA"

export CONJUR_APPLIANCE_URL=https://127.0.0.1:$CJ_PORT
export CONJUR_ACCOUNT=dev CONJUR_CERT_FILE=$STANDIN_CA
export CONJUR_AUTHN_LOGIN=host/app CONJUR_AUTHN_API_KEY=$APIKEY

# get [PROVGET-ARG...]: provget conjur into $out and $T/out.
get()
{
	"$PROVGET" "$@" >"$T/out" 2>&1
	rc=$?
	out=$(cat "$T/out")
	grep -F -q -e "$APIKEY" -e "$PASSWORD" -e "$JWT" "$T/out" &&
	    [ "$expect_value" != 1 ] &&
	    fail "a secret is in provget's message: $out"
	return 0
}
expect_value=0

# expect_ok WHAT HEX... after get: every value as expected.
expect_ok()
{
	_what=$1
	shift
	[ "$rc" = 0 ] || fail "$_what: $out"
	_i=0
	for _h in "$@"; do
		echo "$out" | grep -q -x "value $_i $_h" ||
		    fail "$_what: value $_i is not $_h: $out"
		_i=$((_i + 1))
	done
	ok "$_what"
}

# expect_error WHAT PATTERN after get.
expect_error()
{
	[ "$rc" != 0 ] || fail "$1: succeeded: $out"
	echo "$out" | grep -E -q -- "$2" || fail "$1: not '$2': $out"
	ok "$1: $(echo "$out" | sed -n 's/^get 1 error //p')"
}

# requests PATTERN: how many requests of the log match.
requests()
{
	grep -c -E -x -- "$1" "$CJ_LOG"
}

: >"$CJ_LOG"
expect_value=1
get conjur db/password
expect_ok "one variable" "$(hex "$PASSWORD")"
[ "$(requests 'POST /authn/dev/host%2Fapp/authenticate 200')" = 1 ] ||
    fail "no API key login: $(cat "$CJ_LOG")"
[ "$(requests 'GET /secrets/dev/variable/db%2Fpassword 200')" = 1 ] ||
    fail "the id's '/' is not encoded: $(cat "$CJ_LOG")"
ok "one login (login url-encoded), one GET (the id's '/' as %2F)"

: >"$CJ_LOG"
get conjur db/user variable:db/password dev:variable:bin db/user
expect_ok "a batch: id, kind:id, account:kind:id, a repeated id" \
    "$(hex scram_user)" "$(hex "$PASSWORD")" "$BIN" "$(hex scram_user)"
[ "$(requests 'GET /secrets 200')" = 1 ] &&
    [ "$(requests 'GET /secrets/.*')" = 0 ] ||
    fail "not one batch GET: $(cat "$CJ_LOG")"
ok "one batch GET for three variables; NUL, newline, non-UTF-8 intact"

get conjur bin
expect_ok "a binary value by a GET of its own" "$BIN"
get conjur prod:variable:db/password
expect_ok "another account" "$(hex other)"

: >"$CJ_LOG"
get conjur db/user 'x,y' db/password
expect_ok "an id with a ','" "$(hex scram_user)" "$(hex comma)" \
    "$(hex "$PASSWORD")"
[ "$(requests 'GET /secrets 200')" = 1 ] &&
    [ "$(requests 'GET /secrets/dev/variable/x%2Cy 200')" = 1 ] ||
    fail "the ',' id is not on its own: $(cat "$CJ_LOG")"
ok "the id with a ',' has its own GET beside the batch"

get conjur accessToken
[ "$rc" = 0 ] && echo "$out" | grep -q '^value 0 7b22' ||
    fail "accessToken: $out"
ok "accessToken: the token's JSON"

# One login serves three gets.
: >"$CJ_LOG"
get -r 3 conjur db/password
expect_ok "three gets" "$(hex "$PASSWORD")"
[ "$(requests 'POST /authn/.*')" = 1 ] ||
    fail "not one login for three gets: $(cat "$CJ_LOG")"
ok "one login for three gets: the token is reused"

# between WHAT OUT JSON: two gets of db/password 1.5 s apart into OUT,
# with the stand-in's state changed by conjur_data JSON after the first.
between()
{
	: >"$2"
	"$PROVGET" -r 2 -w 1500 conjur db/password >>"$2" 2>&1 &
	_pid=$!
	# 90 s: a hang detector (authn-k8s makes a key pair first, which
	# took over 30 s under valgrind on a busy machine).
	_n=900
	until grep -q '^get 1' "$2" || [ "$_n" = 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	[ "$_n" != 0 ] || fail "$1: no first get: $(cat "$2")"
	conjur_data "$3"
	wait "$_pid" || fail "$1: $(cat "$2")"
}

# Rotation: the next get sees the new value.
OLD=$PASSWORD
PASSWORD="rotated$(openssl rand -hex 8)"
between rotation "$T/rot" ""
grep -q -x "value 0 $(hex "$OLD")" "$T/rot" &&
    [ "$(grep -c -x "value 0 $(hex "$PASSWORD")" "$T/rot")" = 1 ] ||
    fail "rotation: $(cat "$T/rot")"
ok "rotation: the second get has the new value"

# A token revoked between two gets: 401, one new login, the get succeeds.
: >"$CJ_LOG"
between "revoked token" "$T/rev" ', "token_generation": 1'
[ "$(requests 'POST /authn/.*200')" = 2 ] &&
    [ "$(requests 'GET /secrets/.* 401')" = 1 ] ||
    fail "revoked token: $(cat "$CJ_LOG")"
ok "a revoked token: 401, a new login, the get succeeds"
expect_value=0

get conjur nope
expect_error "404" "conjur: dev:variable:nope: HTTP 404, not_found, no such variable"
get conjur secret
expect_error "403" "conjur: dev:variable:secret: HTTP 403, forbidden, permission denied"
get conjur db/user nope
expect_error "404 in a batch" "conjur: dev:variable:db/user, dev:variable:nope: HTTP 404"
get conjur ''
expect_error "an empty id" "conjur: reference : an empty or too long part"
get conjur 'dev::x'
expect_error "an empty kind" "an empty or too long part"

CONJUR_AUTHN_API_KEY=wrong get conjur db/password
expect_error "a wrong API key" "conjur: authenticate: HTTP 401, refused: check CONJUR_AUTHN_LOGIN and CONJUR_AUTHN_API_KEY"

# Of a variable of its own: its late answer's log line is counted nowhere.
conjur_data ', "fault": "slow", "delay": 2, "fault_paths": ["/secrets"]'
get -t 1000 conjur slow
expect_error "a slow answer" "within 1000 ms"
conjur_data ', "fault": "hang", "fault_paths": ["/authn"]'
get -t 1000 conjur db/password
expect_error "a login that hangs" "within 1000 ms"
conjur_data ', "fault": "garbage", "fault_paths": ["/secrets"]'
get conjur db/password db/user
expect_error "garbage for a batch" "conjur: dev:variable:db/password, dev:variable:db/user: invalid JSON"
conjur_data ', "fault": "garbage", "fault_paths": ["/authn"]'
get conjur db/password
expect_error "garbage for a login" "conjur: authenticate: the token is not JSON"
conjur_data ', "fault": "huge", "fault_paths": ["/secrets"]'
get conjur db/password
expect_error "an oversized answer" "larger than 1048576 bytes"
conjur_data ', "fault": "huge", "huge_bytes": 70000, "fault_paths": ["/authn"]'
get conjur db/password
expect_error "an oversized login answer" "authenticate: response body larger than 65536 bytes"
conjur_data ', "fault": "close", "fault_paths": ["/secrets"]'
get conjur db/password
expect_error "a closed connection" "conjur: dev:variable:db/password: (the server closed the connection|TLS: .*unexpected eof)"
conjur_data
CONJUR_CERT_FILE=$STANDIN_WRONG_CA get conjur db/password
expect_error "a certificate of another CA" "authenticate: TLS: the server's certificate is refused"

# CONJUR_SSL_CERTIFICATE: the PEM itself, the only CA trusted then.
CONJUR_CERT_FILE= CONJUR_SSL_CERTIFICATE=$(cat "$STANDIN_CA") \
    get conjur db/password
[ "$rc" = 0 ] || fail "CONJUR_SSL_CERTIFICATE: $out"
CONJUR_CERT_FILE=$STANDIN_CA CONJUR_SSL_CERTIFICATE=$(cat "$STANDIN_WRONG_CA") \
    get conjur db/password
expect_error "CONJUR_SSL_CERTIFICATE of another CA (CONJUR_CERT_FILE ignored)" \
    "certificate is refused"

# Conjur Cloud: the API under a base path.
conjur_data ', "prefix": "/api"'
: >"$CJ_LOG"
CONJUR_APPLIANCE_URL=https://127.0.0.1:$CJ_PORT/api/ get conjur db/password
[ "$rc" = 0 ] && [ "$(requests 'GET /api/secrets/dev/variable/db%2Fpassword 200')" = 1 ] ||
    fail "a base path: $out $(cat "$CJ_LOG")"
ok "CONJUR_APPLIANCE_URL with a path (Conjur Cloud's /api)"
conjur_data

# A token file (a sidecar's): read at each get, no login.
curl -s -f --cacert "$STANDIN_CA" -X POST --data-binary "$APIKEY" \
    "https://127.0.0.1:$CJ_PORT/authn/dev/host%2Fapp/authenticate" \
    >"$T/token" || fail "cannot get a token from the stand-in"
chmod 0600 "$T/token"
unset CONJUR_AUTHN_LOGIN CONJUR_AUTHN_API_KEY
export CONJUR_AUTHN_TOKEN_FILE=$T/token
: >"$CJ_LOG"
get -r 2 conjur db/password
[ "$rc" = 0 ] && [ "$(requests 'POST .*')" = 0 ] &&
    [ "$(requests 'GET /secrets/dev/variable/db%2Fpassword 200')" = 2 ] ||
    fail "token file: $out $(cat "$CJ_LOG")"
ok "token file: two gets, no login"
conjur_data ', "token_generation": 2'
get conjur db/password
expect_error "a token file with a revoked token" "HTTP 401"
curl -s -f --cacert "$STANDIN_CA" -X POST -H 'Accept-Encoding: base64' \
    --data-binary "$APIKEY" \
    "https://127.0.0.1:$CJ_PORT/authn/dev/host%2Fapp/authenticate" \
    >"$T/token" || fail "cannot get a token from the stand-in"
get conjur db/password
[ "$rc" = 0 ] || fail "a renewed token file (base64): $out"
ok "a renewed token file (in base64 now) is read at the next get"
chmod 0666 "$T/token"
get conjur db/password
expect_error "a token file that others can write" "CONJUR_AUTHN_TOKEN_FILE: .*mode 0666"
unset CONJUR_AUTHN_TOKEN_FILE

# authn-jwt: the JWT of JWT_TOKEN_PATH, for the host of
# CONJUR_AUTHN_JWT_HOST_ID.
printf '%s\n' "$JWT" >"$T/jwt"
chmod 0600 "$T/jwt"
export CONJUR_AUTHN_URL=https://127.0.0.1:$CJ_PORT/authn-jwt/k8s
export JWT_TOKEN_PATH=$T/jwt CONJUR_AUTHN_JWT_HOST_ID=host/app
: >"$CJ_LOG"
get -r 2 conjur db/password
[ "$rc" = 0 ] &&
    [ "$(requests 'POST /authn-jwt/k8s/dev/host%2Fapp/authenticate 200')" = 1 ] ||
    fail "authn-jwt: $out $(cat "$CJ_LOG")"
ok "authn-jwt: one login with the JWT for two gets"
CONJUR_AUTHN_URL= CONJUR_AUTHN_TYPE=jwt CONJUR_SERVICE_ID=k8s \
    get conjur db/password
[ "$rc" = 0 ] || fail "CONJUR_AUTHN_TYPE=jwt: $out"
ok "authn-jwt by CONJUR_AUTHN_TYPE and CONJUR_SERVICE_ID"
printf 'eyJ.other.jwt\n' >"$T/jwt"
get conjur db/password
expect_error "authn-jwt with a JWT refused" "authenticate: HTTP 401, refused: check the JWT"
unset CONJUR_AUTHN_URL JWT_TOKEN_PATH CONJUR_AUTHN_JWT_HOST_ID

# authn-k8s: a CSR to inject_client_cert, the certificate that "Conjur"
# writes into the container, authenticate over mutual TLS with it.
mkdir -m 0755 "$T/ssl"
K8S_HOST=host/conjur/authn-k8s/cluster/apps/app
K8S=", \"k8s_service\": \"cluster\", \"k8s_host\": \"$K8S_HOST\",
    \"k8s_namespace\": \"ns1\", \"k8s_pod\": \"pod1\",
    \"k8s_ca\": \"$STANDIN_TLS\", \"k8s_cert_path\": \"$T/ssl/client.pem\""
conjur_data "$K8S"
export CONJUR_AUTHN_URL=https://127.0.0.1:$CJ_PORT/authn-k8s/cluster
export CONJUR_AUTHN_LOGIN=$K8S_HOST MY_POD_NAMESPACE=ns1 MY_POD_NAME=pod1
export CONJUR_CLIENT_CERT_PATH=$T/ssl/client.pem
export CONJUR_CLIENT_CERT_RETRY_COUNT_LIMIT=2
: >"$CJ_LOG"
expect_value=1
# A key pair, a CSR and mutual TLS: under valgrind on a busy machine the
# first get took more than provget's default deadline of 5 s.
get -t 30000 -r 2 conjur db/password
expect_ok "authn-k8s: two gets" "$(hex "$PASSWORD")"
[ "$(requests 'POST /authn-k8s/cluster/inject_client_cert 202')" = 1 ] &&
    [ "$(requests 'POST /authn-k8s/cluster/dev/host%2Fconjur%2Fauthn-k8s%2Fcluster%2Fapps%2Fapp/authenticate 200')" = 1 ] ||
    fail "authn-k8s: not one injection and one login: $(cat "$CJ_LOG")"
[ ! -e "$T/ssl/client.pem" ] || fail "authn-k8s: the certificate file is left"
ok "authn-k8s: one injection, one login over mutual TLS; the file removed"
# A revoked token: a new login, with the certificate held.
: >"$CJ_LOG"
between "authn-k8s, revoked token" "$T/k8s" "$K8S, \"token_generation\": 3"
[ "$(requests 'POST /authn-k8s/cluster/inject_client_cert .*')" = 1 ] &&
    [ "$(requests 'POST /authn-k8s/cluster/dev/.*/authenticate 200')" = 2 ] ||
    fail "authn-k8s, revoked token: $(cat "$CJ_LOG")"
ok "authn-k8s: a revoked token, a new login with the certificate held"
expect_value=0
conjur_data "$K8S, \"k8s_inject\": false"
get conjur db/password
expect_error "authn-k8s: no certificate written" "the client certificate at $T/ssl/client.pem: it did not appear within 2 s"
conjur_data "$K8S"
MY_POD_NAME=other get conjur db/password
expect_error "authn-k8s: another pod" "inject_client_cert: HTTP 401"
conjur_data "$K8S, \"k8s_host\": \"host/conjur/authn-k8s/cluster/apps/other\""
get conjur db/password
expect_error "authn-k8s: another host" "inject_client_cert: HTTP 401"
unset CONJUR_AUTHN_URL MY_POD_NAMESPACE MY_POD_NAME CONJUR_CLIENT_CERT_PATH
conjur_data

# Settings that cannot work fail setup.
# bad WHAT PATTERN ENV-ARG...: provget under env(1) ENV-ARGs (not under
# memcheck: setup is checked at every other get already).
bad()
{
	_what=$1
	_pat=$2
	shift 2
	out=$(env "$@" "$TOP/regress/tools/provget" conjur x 2>&1) &&
	    fail "$_what: accepted: $out"
	echo "$out" | grep -E -q -- "^setup error: provider conjur: $_pat" ||
	    fail "$_what: not '$_pat': $out"
	echo "$out" | grep -F -q -e "$APIKEY" && fail "$_what: the key: $out"
	ok "$_what: $out"
}
export CONJUR_AUTHN_LOGIN=host/app CONJUR_AUTHN_API_KEY=$APIKEY
bad "no account" "CONJUR_ACCOUNT is not set" -u CONJUR_ACCOUNT
bad "no URL" "CONJUR_APPLIANCE_URL is not set" -u CONJUR_APPLIANCE_URL
bad "http:// elsewhere" "CONJUR_APPLIANCE_URL http://192.0.2.1: plain http" \
    CONJUR_APPLIANCE_URL=http://192.0.2.1
bad "a query in the URL" "CONJUR_APPLIANCE_URL .*only scheme" \
    "CONJUR_APPLIANCE_URL=https://conjur/?x=1"
bad "no credentials" "no credentials" -u CONJUR_AUTHN_API_KEY
bad "authn-k8s without the pod" "authn-k8s needs MY_POD_NAMESPACE and MY_POD_NAME" \
    -u CONJUR_AUTHN_API_KEY \
    CONJUR_AUTHN_URL=https://conjur/authn-k8s/cluster
bad "authn-k8s with a user" "CONJUR_AUTHN_LOGIN bob: authn-k8s needs a host id" \
    -u CONJUR_AUTHN_API_KEY CONJUR_AUTHN_LOGIN=bob MY_POD_NAME=p \
    MY_POD_NAMESPACE=n CONJUR_AUTHN_URL=https://conjur/authn-k8s/cluster
bad "authn-jwt without its JWT" "JWT_TOKEN_PATH: .*$T/nojwt" \
    -u CONJUR_AUTHN_API_KEY JWT_TOKEN_PATH="$T/nojwt" \
    CONJUR_AUTHN_URL=https://conjur/authn-jwt/x
bad "a relative token file" "CONJUR_AUTHN_TOKEN_FILE token is not an absolute path" \
    -u CONJUR_AUTHN_API_KEY CONJUR_AUTHN_TOKEN_FILE=token
bad "a relative certificate path" "CONJUR_CLIENT_CERT_PATH ssl/c.pem is not an absolute path" \
    -u CONJUR_AUTHN_API_KEY MY_POD_NAME=p MY_POD_NAMESPACE=n \
    CONJUR_CLIENT_CERT_PATH=ssl/c.pem \
    CONJUR_AUTHN_URL=https://conjur/authn-k8s/cluster
bad "a missing CA file" "cannot load CA certificates from $T/none" \
    CONJUR_CERT_FILE="$T/none"
bad "a PEM that is none" "CONJUR_SSL_CERTIFICATE holds no PEM certificate" \
    CONJUR_SSL_CERTIFICATE=garbage

grep -F -q -e "$APIKEY" -e "$PASSWORD" -e "$JWT" "$CJ_LOG" "$T/CJ.log" &&
    fail "a secret is in the stand-in's logs"
exit 0
