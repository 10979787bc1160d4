# One of Secretless Broker's generic_http examples, github_secretless.yml,
# with the token from "from: keychain" as written (its service#account a
# user key in the kernel keyring), pointed at the test's nginx: the
# request that curl sends through airlock reaches nginx with the header
# "Authorization: token TOKEN", and the token is in no log.
. "$(dirname "$0")/../lib.sh"
command -v keyctl >/dev/null 2>&1 || skip "no keyctl (keyutils)"
. "$TOP/regress/http.sh"

# A session keyring of this test's own, which airlockd inherits.
keyctl new_session >/dev/null || fail "keyctl new_session"
TOKEN=ghp-$(openssl rand -hex 12)
SVC=service-$(openssl rand -hex 4)
printf '%s' "$TOKEN" | keyctl padd user "$SVC#github/api_token" @s \
    >/dev/null || fail "keyctl padd"

http_start
P=$(free_port)
# The file's services: block, on loopback, with the unique service name,
# plain http to the test's nginx (no forceSSL: it has no TLS here).
sed -n '/^services:/,$p' "$TOP/regress/t/secretless/http/github_secretless.yml" |
    sed -e 1d -e "s|tcp://0\\.0\\.0\\.0:8081|tcp://127.0.0.1:$P|" \
    -e "s|get: service#github/api_token|get: $SVC#github/api_token|" \
    -e 's|forceSSL: true|allowPlainHTTP: true|' \
    -e "s|- ^http\\[s\\]\\*.*|- $HTTP_PATTERN|" >"$T/services"
grep -q "from: keychain" "$T/services" || fail "no keychain in: $(cat "$T/services")"
http_airlock <"$T/services"
http_expect "github_secretless.yml through airlock" 200 "$P" \
    "http://127.0.0.1:$HTTP_PORT/echo"
http_body_has headers "authorization=token $TOKEN"
stop_airlock
grep -F -q -- "$TOKEN" "$AIRLOCK_LOG" && fail "the token is in airlockd's log"
ok "the token from the keychain reached nginx in the header, and no log"
exit 0
