# aws: clients sign with dummy keys; airlock re-signs each request (SigV4,
# the secret access key only in the monitor) and the stand-in
# (regress/tools/fakeaws.py) verifies the signature with botocore: the S3
# client of botocore (PutObject with x-amz-content-sha256 and Content-MD5,
# then GetObject), botocore's SigV4Auth for a JSON POST to another
# service, and curl --aws-sigv4.  Direct to the stand-in, the dummy
# signatures are refused, so the 200s are airlock's work.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

fakeaws_start
P=$(free_port)
http_airlock <<EOF2
  aws:
    connector: aws
    listenOn: tcp://127.0.0.1:$P
    credentials:
      accessKeyId:
        from: file
        get: $T/aws.keyid
      secretAccessKey:
        from: file
        get: $T/aws.secret
    config:
      authenticateURLsMatching:
        - ^http://127\.0\.0\.1:$FAKEAWS_PORT/
      allowPlainHTTP: true
EOF2
A=http://127.0.0.1:$FAKEAWS_PORT

out=$("$HTTP_PYTHON" "$HTTPTOOL" s3 "" "$A" AKIADUMMYDUMMY dummy b k 2>&1)
[ "$out" = "error InvalidAccessKeyId 403" ] ||
    fail "dummy keys direct to the stand-in: $out"
ok "dummy keys, direct: $out"

out=$("$HTTP_PYTHON" "$HTTPTOOL" s3 "$P" "$A" AKIADUMMYDUMMY dummy bucket \
    obj 2>&1)
[ "$out" = "put 200
get 200 102400 same" ] || fail "botocore s3 through airlock: $out"
ok "botocore s3 PutObject and GetObject through airlock"

out=$("$HTTP_PYTHON" "$HTTPTOOL" sigv4 "$P" "$A/things?b=2&a=1" \
    execute-api eu-west-3 AKIADUMMYDUMMY dummy 2>&1)
case "$out" in
200*'"ok": true'*'"region": "eu-west-3"'*) ok "botocore SigV4Auth: 200" ;;
*) fail "botocore SigV4Auth through airlock: $out" ;;
esac

out=$(timeout 60 curl -sS -x "http://127.0.0.1:$P" \
    --aws-sigv4 "aws:amz:us-east-1:execute-api" --user AKIADUMMY:dummy \
    -H "Content-Type: application/json" -d '{"a":1}' "$A/curl/x?y=1" 2>&1)
case "$out" in
*'"ok": true'*'"service": "execute-api"'*) ok "curl --aws-sigv4: 200" ;;
*) fail "curl --aws-sigv4 through airlock: $out" ;;
esac
# S3 through curl: the object botocore put, signed by curl for s3.
n=$(timeout 60 curl -sS -x "http://127.0.0.1:$P" \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user AKIADUMMY:dummy \
    "$A/bucket/obj" | wc -c)
[ "$n" = 102400 ] || fail "curl --aws-sigv4 s3 GET: $n bytes, not 102400"
ok "curl --aws-sigv4 for s3: the object's 102400 bytes"
grep -qF "$(cat "$T/aws.secret")" "$AIRLOCK_LOG" &&
    fail "the secret access key is in the log"
airlock_alive || fail "airlockd died"
exit 0
