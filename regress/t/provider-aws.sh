# The aws provider (Secrets Manager's GetSecretValue) against the stand-in
# AWS (regress/tools/fakeawssm.py) over verified TLS, through provget,
# which runs a provider as airlockd does: every request's SigV4 signature is
# recomputed by botocore.  The whole SecretString, a key of it as JSON, a
# SecretBinary with NUL and newline bytes; one POST for several keys of one
# secret; UnrecognizedClient, InvalidSignature, AccessDenied and
# ResourceNotFound as clean errors that name the reference and the code;
# a hang (the deadline), garbage, an oversized answer; a rotated secret.
# Each credential source: the environment (the keys then gone from it),
# the shared credentials file with AWS_PROFILE, the config file's region
# and keys, web identity (STS, JSON), IMDSv2 (the token PUT first);
# temporary credentials reused across gets and fetched again after they
# expire.  airlockd -t refuses settings that cannot work.  The end-to-end
# psql session through airlock is regress/t/provider-aws-pg.sh.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"

PROVGET=$TOP/regress/tools/provget
AKID=AKIDAIRLOCKTEST0001
SECRET_KEY="wJalr/$(openssl rand -hex 12)+KEY"
DBPW="pw-$(openssl rand -hex 8)"
JWT="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.$(openssl rand -hex 16)"
ROLE_ARN=arn:aws:iam::123456789012:role/airlock-test
SESSION_TOKEN="IQoJb3JpZ2luX2VjE/$(openssl rand -hex 20)="
CTR_TOKEN="ctr-$(openssl rand -hex 16)"

# data [EXTRA-JSON]: the stand-in's state, with EXTRA's keys added.
data()
{
	standin_data "$T/aws.json" "{\"region\": \"eu-west-3\",
	 \"keys\": {\"$AKID\": {\"secret\": \"$SECRET_KEY\"},
	   \"ASIATEMPTEST0001\": {\"secret\": \"$SECRET_KEY\",
	     \"token\": \"$SESSION_TOKEN\"}},
	 \"secrets\": {
	   \"db\": {\"SecretString\": \"{\\\"username\\\": \\\"scram_user\\\", \\\"password\\\": \\\"$DBPW\\\"}\"},
	   \"plain\": {\"SecretString\": \"just-a-string\"},
	   \"bin\": {\"SecretBinary\": \"AAEKAv8=\"},
	   \"nul\": {\"SecretString\": \"a\\u0000b\\nc\"}},
	 \"deny\": [\"private\"],
	 \"sts\": {\"role_arn\": \"$ROLE_ARN\", \"jwt\": \"$JWT\"},
	 \"imds\": {\"role\": \"airlock-role\"},
	 \"container\": {\"path\": \"/v2/credentials/c0ffee\",
	   \"token\": \"$CTR_TOKEN\"}${1:+, $1}}"
}
data
standin_start AWS fakeawssm.py "$T/aws.json"

hex()
{
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

# A clean environment of the stand-in's endpoints and the test CA.
aws_env()
{
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
	    AWS_PROFILE AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN \
	    AWS_ROLE_SESSION_NAME AWS_REGION AWS_DEFAULT_REGION \
	    AWS_ENDPOINT_URL_SECRETS_MANAGER AWS_ENDPOINT_URL_STS \
	    AWS_EC2_METADATA_SERVICE_ENDPOINT
	AWS_ENDPOINT_URL=https://127.0.0.1:$AWS_PORT
	AWS_CA_BUNDLE=$STANDIN_CA
	AWS_SHARED_CREDENTIALS_FILE=$T/none
	AWS_CONFIG_FILE=$T/none
	AWS_EC2_METADATA_DISABLED=true
	HOME=$T/home
	export AWS_ENDPOINT_URL AWS_CA_BUNDLE AWS_SHARED_CREDENTIALS_FILE \
	    AWS_CONFIG_FILE AWS_EC2_METADATA_DISABLED HOME
	unset AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE
}
aws_env
mkdir -p "$T/home"

# get WHAT WANT ARG...: provget ARGs prints WANT (a grep -E pattern, on
# the output joined into one line).
get()
{
	_what=$1
	_want=$2
	shift 2
	_out=$(timeout 30 "$PROVGET" "$@" 2>"$T/provget.err" | tr '\n' ' ')
	echo "$_out" | grep -E -q -- "$_want" ||
	    fail "$_what: got '$_out', want '$_want' ($(tail -n 3 "$T/provget.err"))"
	echo "$_out" | grep -F -q -e "$SECRET_KEY" -e "$JWT" -e "$SESSION_TOKEN" &&
	    fail "$_what: a secret in the output: $_out"
	ok "$_what: $(echo "$_out" | cut -c1-150)"
}

# Keys from the environment.
export AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_REGION=eu-west-3
get "SecretString, its keys, one POST" \
    "^get 1 ok value 0 $(hex "$DBPW") value 1 $(hex scram_user) value 2 $(hex just-a-string) $" \
    aws 'db#password' 'db#username' plain
n=$(grep -c "^op GetSecretValue db $AKID$" "$AWS_LOG")
[ "$n" = 1 ] || fail "$n GetSecretValue of db for one get: $(cat "$AWS_LOG")"
ok "two keys of db: one GetSecretValue"
get "SecretBinary with NUL and newline bytes" \
    "^get 1 ok value 0 00010a02ff $" aws bin
get "a SecretString with NUL and newline bytes" \
    "^get 1 ok value 0 6100620a63 $" aws nul
get "an ARN" "^get 1 ok value 0 $(hex just-a-string) $" \
    aws arn:aws:secretsmanager:eu-west-3:123456789012:secret:plain-AbCdEf
get "ResourceNotFound" \
    "^get 1 error not found: aws: nope: HTTP 400 ResourceNotFoundException" \
    aws nope
get "AccessDenied" \
    "^get 1 error refused by policy: aws: private: HTTP 400 AccessDeniedException" \
    aws private
get "a key that the SecretString lacks" \
    "^get 1 error not found: aws: db#nokey: " aws 'db#nokey'
get "a key of a plain SecretString" \
    "^get 1 error malformed input: aws: plain#k: SecretString is not a JSON object" \
    aws 'plain#k'
get "a key of a SecretBinary" \
    "^get 1 error malformed input: aws: bin#k: the secret is binary" aws 'bin#k'
get "a bad secret id" "^get 1 error malformed input: aws: reference a\"b: " \
    aws 'a"b'
# A request of no reference is answered at once, nothing sent (as the
# other providers on pfetch.c).
n=$(wc -l <"$AWS_LOG")
get "no reference" "^get 1 ok $" -t 2000 aws
[ "$(wc -l <"$AWS_LOG")" = "$n" ] || fail "no reference: a request was sent"

# Temporary keys with their session token (signed, as
# X-Amz-Security-Token).
(export AWS_ACCESS_KEY_ID=ASIATEMPTEST0001 AWS_SESSION_TOKEN=$SESSION_TOKEN
get "AWS_SESSION_TOKEN" "^get 1 ok value 0 $(hex just-a-string) $" aws plain
) || exit 1
(export AWS_ACCESS_KEY_ID=ASIATEMPTEST0001
get "temporary keys without their token" \
    "^get 1 error refused by policy: aws: plain: HTTP 400 UnrecognizedClientException" \
    aws plain) || exit 1

# Rotation: the next get sees the new value.
data '"secrets": {"plain": {"SecretString": "rotated"}}'
get "rotated" "^get 1 ok value 0 $(hex rotated) $" aws plain
data

# A key AWS does not know, a wrong secret key.
(export AWS_ACCESS_KEY_ID=AKIDUNKNOWN0000
get "an unknown key id" \
    "^get 1 error refused by policy: aws: plain: HTTP 400 UnrecognizedClientException" \
    aws plain) || exit 1
(export AWS_SECRET_ACCESS_KEY=wrong-secret
get "a wrong secret key" \
    "^get 1 error refused by policy: aws: plain: HTTP 400 InvalidSignatureException" \
    aws plain) || exit 1
(export AWS_REGION=us-west-2
get "another region" \
    "^get 1 error refused by policy: aws: plain: HTTP 400 InvalidSignatureException" \
    aws plain) || exit 1

# Faults of the server: a hang ends at the deadline; garbage and an
# oversized answer are errors; airlock's messages name no byte of them.
data '"fault": "hang"'
get "a hang" "^get 1 error timed out: provider aws gave no answer" -t 1500 aws plain
data '"fault": "garbage"'
get "garbage" "^get 1 error malformed input: aws: plain: " aws plain
data '"fault": "huge"'
get "an oversized answer" "^get 1 error [a-z ]+: aws: plain: .*(large|big)" \
    aws plain
data '"fault": "close"'
get "a closed connection" "^get 1 error [a-z ]+: aws: plain: " aws plain
data

# The shared credentials file, with a profile; the region from the config
# file.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
mkdir -p "$T/home/.aws"
cat >"$T/home/.aws/credentials" <<EOF
[default]
aws_access_key_id = AKIDWRONG
aws_secret_access_key = wrong

# the profile of the test
[airlock]
aws_access_key_id = $AKID
aws_secret_access_key = $SECRET_KEY
EOF
cat >"$T/home/.aws/config" <<EOF
[profile airlock]
region = eu-west-3
EOF
chmod 0600 "$T/home/.aws/credentials" "$T/home/.aws/config"
(export AWS_PROFILE=airlock
get "~/.aws/credentials, profile airlock" \
    "^get 1 ok value 0 $(hex just-a-string) $" aws plain) || exit 1
get "~/.aws/credentials, profile default" \
    "^setup error: provider aws: no region" aws plain
mv "$T/home/.aws/credentials" "$T/creds"
cat >"$T/home/.aws/config" <<EOF
[default]
region = eu-west-3
aws_access_key_id = $AKID
aws_secret_access_key = $SECRET_KEY
EOF
(export AWS_SHARED_CREDENTIALS_FILE=$T/creds AWS_PROFILE=airlock \
    AWS_REGION=eu-west-3
get "AWS_SHARED_CREDENTIALS_FILE, profile airlock" \
    "^get 1 ok value 0 $(hex just-a-string) $" aws plain) || exit 1
get "the config file's keys and region" \
    "^get 1 ok value 0 $(hex just-a-string) $" aws plain
(export AWS_PROFILE=nosuch
get "an unknown profile" \
    "^setup error: provider aws: AWS_PROFILE nosuch: no such profile" aws plain) || exit 1
rm -f "$T/home/.aws/config"
export AWS_REGION=eu-west-3

# Web identity: STS's AssumeRoleWithWebIdentity with the token file's JWT,
# answered in JSON.  Three gets: one login.  Credentials of 6 s (ptoken
# keeps them until 5 s before): a get 1.5 s later logs in again.
printf '%s\n' "$JWT" >"$T/jwt"
chmod 0600 "$T/jwt"
# A profile in ~/.aws/credentials too: the web identity comes first.
printf '[default]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = x\n' \
    >"$T/home/.aws/credentials"
chmod 0600 "$T/home/.aws/credentials"
export AWS_WEB_IDENTITY_TOKEN_FILE=$T/jwt AWS_ROLE_ARN=$ROLE_ARN
: >"$AWS_LOG"
get "web identity, three gets" \
    "^get 1 ok value 0 $(hex just-a-string) get 2 ok .*get 3 ok " \
    -r 3 aws plain
n=$(grep -c "^op AssumeRoleWithWebIdentity$" "$AWS_LOG")
[ "$n" = 1 ] || fail "$n logins for three gets: $(cat "$AWS_LOG")"
grep -q "^op GetSecretValue plain ASIA" "$AWS_LOG" ||
    fail "not signed with the temporary key: $(cat "$AWS_LOG")"
ok "web identity: one AssumeRoleWithWebIdentity for three gets"
data '"duration": 6'
: >"$AWS_LOG"
get "web identity, credentials expiring" "^get 1 ok .*get 2 ok " \
    -r 2 -w 1500 aws plain
n=$(grep -c "^op AssumeRoleWithWebIdentity$" "$AWS_LOG")
[ "$n" = 2 ] || fail "$n logins for two gets 1.5 s apart: $(cat "$AWS_LOG")"
ok "web identity: fetched again when about to expire"
# Credentials refused before their expiration (revoked): the get fetches
# new ones and tries again, once.
data
timeout 30 "$PROVGET" -r 2 -w 1500 aws plain >"$T/revoke.out" 2>&1 &
n=50
while [ "$n" -gt 0 ] && ! grep -q "^get 1 " "$T/revoke.out"; do
	sleep 0.1
	n=$((n - 1))
done
: >"$AWS_LOG"
data "\"revoke_before\": $(($(date +%s) + 1))"
wait $! || fail "revoked credentials: $(cat "$T/revoke.out")"
grep "^op " "$AWS_LOG" | tr '\n' ' ' | grep -q "^op GetSecretValue - ExpiredTokenException op AssumeRoleWithWebIdentity op GetSecretValue plain ASIA[0-9A-F]* $" ||
    fail "revoked credentials: $(cat "$AWS_LOG")"
ok "credentials revoked: refused, fetched again, the get succeeds"
data
printf 'not-the-jwt\n' >"$T/jwt"
get "web identity, a JWT that STS refuses" \
    "^get 1 error refused by policy: aws: plain: STS AssumeRoleWithWebIdentity: HTTP 400, InvalidIdentityToken" \
    aws plain
printf '%s\n' "$JWT" >"$T/jwt"
(export AWS_ROLE_ARN=arn:aws:iam::123456789012:role/other
get "web identity, a role not allowed" \
    "^get 1 error refused by policy: .*HTTP 400, AccessDenied" aws plain) || exit 1
unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN
rm -f "$T/home/.aws/credentials"

# The container endpoint (EKS Pod Identity's shape), with the token of
# AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE; then a wrong token.
export AWS_CONTAINER_CREDENTIALS_FULL_URI=https://127.0.0.1:$AWS_PORT/v2/credentials/c0ffee
export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$T/ctr-token
printf '%s\n' "$CTR_TOKEN" >"$T/ctr-token"
chmod 0600 "$T/ctr-token"
# A profile with a region and no keys: the keys come from the sources
# after the files.
printf '[profile ctr]\nregion = eu-west-3\n' >"$T/home/.aws/config"
chmod 0600 "$T/home/.aws/config"
: >"$AWS_LOG"
(export AWS_PROFILE=ctr
unset AWS_REGION
get "the container endpoint" \
    "^get 1 ok value 0 $(hex just-a-string) get 2 ok " -r 2 aws plain
) || exit 1
rm -f "$T/home/.aws/config"
n=$(grep -c "^op container$" "$AWS_LOG")
[ "$n" = 1 ] || fail "the container endpoint: $n fetches for two gets"
grep -q "^op GetSecretValue plain ASIA" "$AWS_LOG" ||
    fail "not signed with the container's key: $(cat "$AWS_LOG")"
ok "the container endpoint: its credentials, kept for the second get"
printf 'wrong\n' >"$T/ctr-token"
get "the container endpoint, a wrong token" \
    "^get 1 error refused by policy: aws: plain: container: credentials: HTTP 401" \
    aws plain
(export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://192.0.2.1/v1/credentials
get "the container endpoint over http elsewhere" \
    "^setup error: provider aws: AWS_CONTAINER_CREDENTIALS_FULL_URI http://192.0.2.1/v1/credentials: plain http is allowed only to a loopback address or the metadata service" \
    aws plain) || exit 1
unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE

# IMDSv2: the session token first, then the role, then its credentials.
unset AWS_EC2_METADATA_DISABLED
export AWS_EC2_METADATA_SERVICE_ENDPOINT=https://127.0.0.1:$AWS_PORT
: >"$AWS_LOG"
get "IMDSv2" "^get 1 ok value 0 $(hex just-a-string) get 2 ok " \
    -r 2 aws plain
grep "^op " "$AWS_LOG" | head -n 3 | tr '\n' ' ' |
    grep -q "^op imds-token op imds-role op imds-creds $" ||
    fail "IMDSv2: not token, role, credentials: $(cat "$AWS_LOG")"
n=$(grep -c "^op imds-creds$" "$AWS_LOG")
[ "$n" = 1 ] || fail "IMDSv2: $n credential fetches for two gets"
grep -q "^PUT /latest/api/token 200$" "$AWS_LOG" ||
    fail "IMDSv2: no token PUT: $(cat "$AWS_LOG")"
ok "IMDSv2: token PUT, role, credentials, kept for the second get"
# Without a region setting, IMDS's (the stand-in's eu-west-3: signed for
# another region, the request would be refused).
: >"$AWS_LOG"
(unset AWS_REGION
get "IMDSv2, its region" "^get 1 ok value 0 $(hex just-a-string) $" aws plain
) || exit 1
grep "^op " "$AWS_LOG" | head -n 4 | tr '\n' ' ' |
    grep -q "^op imds-token op imds-region op imds-role op imds-creds $" ||
    fail "IMDSv2's region: not token, region, role, credentials: $(cat "$AWS_LOG")"
ok "IMDSv2: the region from IMDS"
data '"imds": {}'
get "IMDSv2, no role" \
    "^get 1 error not found: .*IMDS: role: HTTP 404, no IAM role" aws plain
data
export AWS_EC2_METADATA_DISABLED=true
unset AWS_EC2_METADATA_SERVICE_ENDPOINT

# Settings that cannot work fail at setup (airlockd -t's check).
get "no credentials" "^setup error: provider aws: no credentials" aws plain
export AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET_KEY
(export AWS_ENDPOINT_URL=http://192.0.2.1:80
get "http:// elsewhere" \
    "^setup error: provider aws: AWS_ENDPOINT_URL http://192.0.2.1:80: plain http is allowed only to a loopback" \
    aws plain) || exit 1
(export AWS_REGION=EU_WEST
get "a bad region" \
    "^setup error: provider aws: AWS_REGION .* is not a region name" aws plain) || exit 1
(export AWS_CA_BUNDLE=$T/no-ca.pem
get "a missing CA bundle" \
    "^setup error: provider aws: cannot load CA certificates" aws plain) || exit 1
(export AWS_CA_BUNDLE=$STANDIN_WRONG_CA
get "another CA" \
    "^get 1 error [a-z ]+: aws: plain: TLS" aws plain) || exit 1
unset AWS_SECRET_ACCESS_KEY
get "a key id without its secret" \
    "^setup error: provider aws: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not" \
    aws plain

grep -F -q -e "$SECRET_KEY" -e "$JWT" -e "$DBPW" -e "$SESSION_TOKEN" -e "$CTR_TOKEN" "$AWS_LOG" "$T/AWS.log" &&
    fail "a secret in the stand-in's logs"
ok "no secret in the stand-in's logs"
exit 0
