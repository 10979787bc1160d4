# aws with an accessToken (temporary credentials): airlock adds
# X-Amz-Security-Token and signs it; the stand-in demands the token,
# signed.  Also the accessKeyId with blanks around it, trimmed as
# Secretless Broker does.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

TOKEN=FQoGZXIvYXdzE$(openssl rand -hex 20)
fakeaws_start "$TOKEN"
printf '%s' "$TOKEN" >"$T/aws.token"
printf '  %s\n' "$AWS_KEY_ID" >"$T/aws.keyid.blank"
chmod 0600 "$T/aws.token" "$T/aws.keyid.blank"
P=$(free_port)
http_airlock <<EOF2
  aws:
    connector: aws
    listenOn: tcp://127.0.0.1:$P
    credentials:
      accessKeyId: {from: file, get: $T/aws.keyid.blank}
      secretAccessKey: {from: file, get: $T/aws.secret}
      accessToken: {from: file, get: $T/aws.token}
    config:
      authenticateURLsMatching: ^http://127\.0\.0\.1:$FAKEAWS_PORT/
      allowPlainHTTP: true
EOF2
out=$("$HTTP_PYTHON" "$HTTPTOOL" sigv4 "$P" \
    "http://127.0.0.1:$FAKEAWS_PORT/q" sts us-east-1 AKIADUMMY dummy 2>&1)
case "$out" in
200*'x-amz-security-token'*'"token": true'*)
	ok "the token added and signed: $(echo "$out" | tail -n 1)" ;;
*) fail "with an accessToken: $out" ;;
esac
airlock_alive || fail "airlockd died"
exit 0
