# The gcp provider against the stand-in Google services
# (regress/tools/fakegcp.py): Secret Manager and the OAuth token endpoint
# over verified TLS (SSL_CERT_FILE names the test CA), the metadata server
# over plain http on loopback.  provget: versions by every form of
# reference, bytes exact (NUL, newline), one GET per version; the token of
# a service account key (its RS256 JWT verified by python3-jwt) reused
# across gets and fetched again after it expires; a token revoked
# mid-way (401) dropped and the request tried once more; 403, 404, a
# disabled version, a payload without data or not base64, a wrong
# CRC32C, a hang, garbage and a huge body, a key
# that the token endpoint refuses, each a clean error; the metadata
# server's token (Metadata-Flavor: Google) and GOOGLE_CLOUD_PROJECT.
# airlockd -t refuses settings that cannot work.  Then psql through
# airlock with the password from Secret Manager, and the password is not
# left in airlockd's memory.
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

EMAIL=airlock@airlock-test.iam.gserviceaccount.com
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/sa.pem" 2>/dev/null || fail "openssl genpkey"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$T/other.pem" 2>/dev/null || fail "openssl genpkey"
openssl pkey -in "$T/sa.pem" -pubout -out "$T/sa.pub" || fail "openssl pkey"
openssl pkey -in "$T/other.pem" -pubout -out "$T/other.pub" ||
    fail "openssl pkey"

# data [EXTRA]: the servers' state; EXTRA is more keys (",\"k\": v").
data()
{
	_pub=${PUB:-$T/sa.pub}
	standin_data "$T/gcp.json" "$(/usr/bin/python3 -c '
import json, sys
print(json.dumps({"client_email": sys.argv[1],
                  "public_key": open(sys.argv[2]).read(),
                  "projects": {
                      "airlock-test": {
                          "db": ["old", sys.argv[3]],
                          "odd": ["a\u0000b\none\n"]},
                      "other-proj": {"x": ["from another project"]}},
                  "disabled": ["airlock-test/db/1"]})[:-1])
' "$EMAIL" "$_pub" "$PG_SCRAM_PASSWORD")${1:-}}"
}
data
standin_start GCP fakegcp.py "$T/gcp.json"
standin_start -p MD fakegcp.py "$T/gcp.json"

# The service account key file, as the console makes one.
keyfile()
{
	/usr/bin/python3 -c '
import json, sys
print(json.dumps({"type": sys.argv[1], "project_id": "airlock-test",
                  "private_key_id": "0123abcd",
                  "private_key": open(sys.argv[2]).read(),
                  "client_email": sys.argv[3], "client_id": "1",
                  "token_uri": sys.argv[4]}))
' "$1" "$2" "$EMAIL" "https://127.0.0.1:$GCP_PORT/token" >"$3"
	chmod 0600 "$3"
}
keyfile service_account "$T/sa.pem" "$T/key.json"
export GOOGLE_APPLICATION_CREDENTIALS=$T/key.json
export SSL_CERT_FILE=$STANDIN_CA
export CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER=https://127.0.0.1:$GCP_PORT/
unset GOOGLE_CLOUD_PROJECT GCLOUD_PROJECT GCE_METADATA_HOST

hex()
{
	printf "$1" | od -An -v -tx1 | tr -d ' \n'
}

# get WHAT PROVGET-ARG...: provget's output in $out, its status in $rc.
get()
{
	_what=$1
	shift
	out=$("$PROVGET" "$@" 2>"$T/provget.err")
	rc=$?
	grep -F -q -e "$PG_SCRAM_PASSWORD" -e "ya29." -e "PRIVATE KEY" \
	    "$T/provget.err" &&
	    fail "$_what: a secret is logged: $(cat "$T/provget.err")"
	echo "$out" | grep -F -q -e "ya29." -e "$PG_SCRAM_PASSWORD" &&
	    fail "$_what: a secret is in the output: $out"
	return 0
}

# expect_error WHAT PATTERN REF...: a clean error matching PATTERN.
expect_error()
{
	_w=$1
	_p=$2
	shift 2
	get "$_w" -t 2000 gcp "$@"
	[ "$rc" = 1 ] || fail "$_w: provget exit $rc: $out"
	echo "$out" | grep -E -q -- "^get 1 error $_p" ||
	    fail "$_w: expected '$_p': $out"
	ok "$_w: $(echo "$out" | sed -n 's/^get 1 error //p')"
}

# gets N: the number of Secret Manager GETs and of tokens in the log.
count()
{
	grep -c "^GET /v1/.*:access $1\$" "$GCP_LOG"
}

: >"$GCP_LOG"
get "values" -r 3 gcp db "projects/airlock-test/secrets/db/versions/2" \
    db#2 odd projects/other-proj/secrets/x
[ "$rc" = 0 ] || fail "values: $out"
one="value 0 $(hex "$PG_SCRAM_PASSWORD")
value 1 $(hex "$PG_SCRAM_PASSWORD")
value 2 $(hex "$PG_SCRAM_PASSWORD")
value 3 $(hex 'a\000b\none\n')
value 4 $(hex "from another project")"
want=$(printf 'get 1 ok\n%s\nget 2 ok\n%s\nget 3 ok\n%s' "$one" "$one" "$one")
[ "$out" = "$want" ] || fail "values: got
$out
expected
$want"
[ "$(grep -c '^token' "$GCP_LOG")" = 1 ] ||
    fail "values: not one token for three gets: $(cat "$GCP_LOG")"
[ "$(count 200)" = 12 ] ||
    fail "values: not 4 GETs per get (latest, 2, odd, x): $(cat "$GCP_LOG")"
ok "five references, four versions: one GET each, one token for three gets"

# A token that expires: fetched again (expires_in 6: the margin of 5 s
# leaves it good for one second).
data ', "expires_in": 6'
: >"$GCP_LOG"
get "expiry" -r 2 -w 1500 gcp db
[ "$rc" = 0 ] || fail "expiry: $out"
[ "$(grep -c '^token' "$GCP_LOG")" = 2 ] ||
    fail "expiry: not a new token: $(cat "$GCP_LOG")"
ok "an expired token is replaced by a new one"
data

# A token revoked between two gets: 401, a new token, the GET again.
: >"$GCP_LOG"
"$PROVGET" -r 2 -w 1500 -t 5000 gcp db >"$T/revoke.out" 2>&1 &
rpid=$!
n=50
while [ "$n" -gt 0 ] && [ "$(count 200)" != 1 ]; do
	sleep 0.1
	n=$((n - 1))
done
# Revoked now: the first token is older, the next login's is newer.
data ", \"revoke\": $(date +%s.%N)"
wait "$rpid"
out=$(cat "$T/revoke.out")
echo "$out" | grep -q "^get 2 ok" && [ "$(count 401)" = 1 ] &&
    [ "$(grep -c '^token' "$GCP_LOG")" = 2 ] ||
    fail "revoked: $out
$(cat "$GCP_LOG")"
ok "a revoked token: 401, then a new token and the GET again"
data ", \"revoke\": $(($(date +%s) + 3600))"
: >"$GCP_LOG"
expect_error "401 twice" "refused by policy: gcp: projects/airlock-test/secrets/db/versions/latest: HTTP 401 UNAUTHENTICATED, the access token was refused" db
[ "$(count 401)" = 2 ] || fail "401 twice: $(cat "$GCP_LOG")"
# A token refused twice is forgotten (pfetch.c): the next get logs in
# again rather than send it once more.
: >"$GCP_LOG"
"$PROVGET" -r 2 -w 100 -t 3000 gcp db >"$T/twice.out" 2>&1
[ "$(count 401)" = 4 ] && [ "$(grep -c '^token' "$GCP_LOG")" = 4 ] ||
    fail "refused twice, then: $(cat "$T/twice.out") $(cat "$GCP_LOG")"
ok "a token refused twice is not sent again: a new login for the next get"
data

expect_error "403" "refused by policy: gcp: projects/nobody/secrets/x/versions/latest: HTTP 403 PERMISSION_DENIED, permission denied" projects/nobody/secrets/x
expect_error "404" "not found: gcp: projects/airlock-test/secrets/nope/versions/latest: HTTP 404 NOT_FOUND, no such secret" nope
expect_error "404 version" "not found: gcp: projects/airlock-test/secrets/db/versions/7: HTTP 404 NOT_FOUND" db#7
expect_error "disabled" "not found: gcp: projects/airlock-test/secrets/db/versions/1: HTTP 400 FAILED_PRECONDITION, the version is disabled or destroyed" db#1
expect_error "a bad reference" "malformed input: gcp: reference projects/airlock-test/db is not" projects/airlock-test/db
expect_error "a bad secret id" "malformed input: gcp: reference db/../x is not" db/../x
data ', "raw_payload": {"data": "not base64!"}'
expect_error "data not base64" "malformed input: gcp: projects/airlock-test/secrets/db/versions/latest: payload.data is not base64" db
data ', "raw_payload": {"dataCrc32c": "1"}'
expect_error "no data" "not found: gcp: projects/airlock-test/secrets/db/versions/latest: no field payload.data" db
data ', "bad_crc": true'
expect_error "a wrong CRC32C" "protocol violation: gcp: projects/airlock-test/secrets/db/versions/latest: payload.dataCrc32c does not match the data" db
data ', "fault": "slow", "delay": 3, "fault_paths": ["/v1/"]'
expect_error "a hang past the deadline" "timed out" db
data ', "fault": "garbage", "fault_paths": ["/v1/"]'
expect_error "not JSON" "malformed input: gcp: projects/airlock-test/secrets/db/versions/latest: invalid JSON" db
data ', "fault": "huge", "fault_paths": ["/v1/"]'
expect_error "a body over 1 MiB" "length or count over its limit: gcp: .*larger than 1048576" db
data ', "fault": "garbage", "fault_paths": ["/token"]'
expect_error "the token endpoint's garbage" "malformed input: gcp: .*: no access token: token_uri: invalid JSON" db
# A key that is not the service account's: the signature is refused.
PUB=$T/other.pub
data
unset PUB
expect_error "a key of another account" "refused by policy: gcp: .*: no access token: token_uri: HTTP 400 invalid_grant" db
data

# The metadata server: no key file; the header is required (the
# stand-in answers 403 without it).
: >"$MD_LOG"
out=$(env -u GOOGLE_APPLICATION_CREDENTIALS GCE_METADATA_HOST=127.0.0.1:$MD_PORT \
    GOOGLE_CLOUD_PROJECT=other-proj "$PROVGET" -r 2 gcp x 2>&1) ||
    fail "metadata: $out"
echo "$out" | grep -q "^value 0 $(hex "from another project")$" ||
    fail "metadata: $out"
grep -q "^GET /computeMetadata/v1/instance/service-accounts/default/token 200$" \
    "$MD_LOG" && [ "$(grep -c '^token' "$MD_LOG")" = 1 ] ||
    fail "metadata: $(cat "$MD_LOG")"
echo "$out" | grep -q "no GOOGLE_APPLICATION_CREDENTIALS: tokens from the metadata server http://127.0.0.1:$MD_PORT, project other-proj" ||
    fail "metadata: no info line: $out"
ok "the metadata server's token, the project from GOOGLE_CLOUD_PROJECT"
# Without GOOGLE_CLOUD_PROJECT, the metadata server's project, asked once.
data ', "md_project": "other-proj"'
: >"$MD_LOG"
out=$(env -u GOOGLE_APPLICATION_CREDENTIALS GCE_METADATA_HOST=127.0.0.1:$MD_PORT \
    "$PROVGET" -r 2 gcp x projects/airlock-test/secrets/db 2>&1) ||
    fail "the metadata server's project: $out"
echo "$out" | grep -q "^value 0 $(hex "from another project")$" ||
    fail "the metadata server's project: $out"
[ "$(grep -c "^GET /computeMetadata/v1/project/project-id 200$" "$MD_LOG")" = 1 ] ||
    fail "the metadata server's project: $(cat "$MD_LOG")"
ok "the metadata server's project, asked once for two gets"
data ', "md_project": "Not A Project"'
out=$(env -u GOOGLE_APPLICATION_CREDENTIALS GCE_METADATA_HOST=127.0.0.1:$MD_PORT \
    "$PROVGET" gcp x 2>&1) && fail "a bad project id: $out"
echo "$out" | grep -q "^get 1 error malformed input: gcp: x: no project: metadata server: the project id is not one$" ||
    fail "a bad project id: $out"
ok "a bad project id: $(echo "$out" | sed -n 's/^get 1 error //p')"
data
# A key file without project_id, and no variable: no project.
/usr/bin/python3 -c '
import json, sys
k = json.load(open(sys.argv[1])); del k["project_id"]
print(json.dumps(k))' "$T/key.json" >"$T/noproject.json"
chmod 0600 "$T/noproject.json"
out=$(GOOGLE_APPLICATION_CREDENTIALS=$T/noproject.json "$PROVGET" gcp x 2>&1) &&
    fail "no project: $out"
echo "$out" | grep -q "no project: set GOOGLE_CLOUD_PROJECT" ||
    fail "no project: $out"
ok "no project: $(echo "$out" | sed -n 's/^get 1 error //p')"
get "no reference" -t 2000 gcp
[ "$rc" = 0 ] && [ "$out" = "get 1 ok" ] || fail "no reference: $out"
ok "a request of no reference is answered at once"

# Settings that cannot work: airlockd -t says why.
P1=$(free_port)
{
	airlock_head
	pg_service gcp "$P1" scram_user disable \
	    "password: {from: gcp, get: db}"
} >"$T/airlock.yml"
# check_bad WHAT PATTERN ENV-ARG...: airlockd -t under env(1) ENV-ARGs.
check_bad()
{
	config_refused "$T/airlock.yml" "$@"
}
check_bad "a metadata host elsewhere" \
    "GCE_METADATA_HOST 192.0.2.1 is neither the metadata server" \
    -u GOOGLE_APPLICATION_CREDENTIALS GCE_METADATA_HOST=192.0.2.1
check_bad "http:// to Secret Manager elsewhere" \
    "plain http is allowed only to a loopback address" \
    CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER=http://192.0.2.1/
keyfile authorized_user "$T/sa.pem" "$T/user.json"
check_bad "a key of another type" \
    "GOOGLE_APPLICATION_CREDENTIALS $T/user.json: a key of type authorized_user" \
    GOOGLE_APPLICATION_CREDENTIALS="$T/user.json"
chmod 0644 "$T/key.json"
chmod o+w "$T/key.json"
check_bad "a key file that others can write" \
    "refusing to load: file $T/key.json is mode 0646" AIRLOCK_TEST=1
chmod 0600 "$T/key.json"
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/airlock.yml" 2>&1) ||
    fail "airlockd -t: $out"
ok "airlockd -t: $out"

# End to end: psql through airlock with the password from Secret Manager.
start_airlock "$T/airlock.yml"
out=$(airlock_psql "$P1" "select current_user" 2>&1) || fail "psql: $out"
[ "$out" = scram_user ] || fail "psql: current_user is '$out'"
ok "psql logs in as scram_user with the password of Secret Manager"
airlock_session "$P1" gcp "select pg_sleep(3)" "$T/session"
wait "$SESSION_PID" || fail "the session failed: $(cat "$T/session")"
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/password"
wait_for_log "gcp#[0-9]+: closed" 5 || true
residency_scan "after the sessions" "$AIRLOCK_PID" "$T/password" \
    "the password"
ok "the password is not in airlockd's memory after the sessions"
stop_airlock

for f in "$AIRLOCK_LOG" "$T/GCP.log" "$GCP_LOG" "$MD_LOG"; do
	grep -F -q -e "$PG_SCRAM_PASSWORD" -e "ya29." "$f" &&
	    fail "a secret is in $f"
done
ok "no token and no password in any log"
exit 0
