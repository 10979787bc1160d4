# The conjur provider's other logins, against the stand-in Conjur
# (regress/tools/fakeconjur.py) through provget: a token file is read at
# each get; authn-jwt logs in with the JWT of JWT_TOKEN_PATH; authn-k8s gets
# its client certificate injected (a CSR, the file written by the stand-in
# as Conjur's kubectl exec would, mutual TLS) and keeps it across logins;
# settings that cannot work fail setup.  The API-key login and the
# answers: provider-conjur.sh.
# test: long
# test: timeout 600
# (About 150 s under valgrind on a quiet machine, twice that beside the other
# tests: regress/run.sh starts it early; authn-k8s makes an RSA key per login.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"
. "$TOP/regress/conjur.sh"

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
