# The conjur provider against the stand-in Conjur (regress/tools/
# fakeconjur.py) over verified TLS, through provget (regress/tools/provget.c:
# the provider as airlockd runs it), with an API key: one variable is one
# GET with its id percent-encoded ('/' too); several are ONE batch GET,
# whose base64 values (Ruby's lines) carry NUL, newline and non-UTF-8
# bytes; an id with a ',' has a GET of its own; the token of one API-key
# login serves later gets; a revoked token (401) is replaced once; 401 at
# login, 403, 404, a slow answer, garbage, an oversized answer each fail
# with a message that names the id and the status, never a value, the API
# key or the token; a rotated value is seen at the next get;
# CONJUR_SSL_CERTIFICATE; Conjur Cloud's base path (/api).
# The other ways to log in: provider-conjur-authn.sh.
# test: long
# test: timeout 600
# (About 70 s under valgrind on a quiet machine, twice that beside the other
# tests: regress/run.sh starts it early; authn-k8s makes an RSA key per login.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"
. "$TOP/regress/conjur.sh"

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

grep -F -q -e "$APIKEY" -e "$PASSWORD" -e "$JWT" "$CJ_LOG" "$T/CJ.log" &&
    fail "a secret is in the stand-in's logs"
exit 0
