# Secretless Broker's HTTP configurations (regress/t/secretless/http/, its
# 26 generic_http examples and the test files of its four HTTP connectors)
# load with airlockd -t, each with exactly the warnings expected.  What
# airlock refuses on purpose is rewritten first, and said here:
# tcp://0.0.0.0 becomes 127.0.0.1 (a non-loopback listener needs
# allowNonLoopback).  "from: keychain" loads as written: the keychain
# provider reads service#account from the kernel keyring
# (provider-keyring.sh).  "from: conjur" loads with the environment of
# Secretless's test (its docker-compose.yml), but over https: its
# CONJUR_APPLIANCE_URL http://conjur is refused, saying why (-t fetches
# nothing).
. "$(dirname "$0")/../lib.sh"

[ -x "$AIRLOCKD" ] || fail "$AIRLOCKD not built"
S=$TOP/regress/t/secretless/http

# check FILE: airlockd -t -f FILE; sets rc and out (stdout+stderr).
check()
{
	out=$(timeout 30 "$AIRLOCKD" -t -f "$1" 2>&1 </dev/null)
	rc=$?
}

# has TEXT: out has that line.
has()
{
	echo "$out" | grep -F -x -q -- "$1" || fail "no line: $1; got: $out"
}

# As written, airlock refuses them where it means to.
check "$S/github_secretless.yml"
[ "$rc" = 1 ] || fail "github_secretless.yml as written: exit status $rc"
has "$S/github_secretless.yml:5:15: listenOn 0.0.0.0:8081 is not a loopback address; clients there would get the service's credentials without authenticating; ask them for certificates (config.clientTLS with clientAuth: cert), or set config.allowNonLoopback: true if that is intended"
sed 's|tcp://0\.0\.0\.0:|tcp://127.0.0.1:|' "$S/github_secretless.yml" \
    >"$T/keychain.yml"
check "$T/keychain.yml"
[ "$rc" = 0 ] || fail "keychain: exit status $rc: $out"
ok "as written: 0.0.0.0 refused; on loopback, keychain loads"

# Secretless's test/connector/http/conjur/docker-compose.yml, over https
# (-t checks the provider's settings; it logs in nowhere).
export CONJUR_APPLIANCE_URL=http://conjur CONJUR_ACCOUNT=dev
export CONJUR_AUTHN_LOGIN=admin CONJUR_AUTHN_API_KEY=not-used-by-t
sed 's|tcp://0\.0\.0\.0:|tcp://127.0.0.1:|' "$S/conjur-secretless.yml" \
    >"$T/conjur-http.yml"
check "$T/conjur-http.yml"
[ "$rc" = 1 ] && echo "$out" | grep -q "provider conjur: CONJUR_APPLIANCE_URL http://conjur: plain http is allowed only to a loopback address" ||
    fail "conjur over http://conjur: $rc: $out"
ok "conjur: Secretless's http://conjur is refused: $out"
CONJUR_APPLIANCE_URL=https://conjur

plain="requests to http:// URLs get no credentials and are refused (403): set forceSSL: true to send them over https, or allowPlainHTTP: true to send the credentials in clear"
n=0
for f in "$S"/*.yml; do
	b=$(basename "$f")
	sed -e 's|tcp://0\.0\.0\.0:|tcp://127.0.0.1:|' \
	    "$f" >"$T/$b"
	check "$T/$b"
	[ "$rc" = 0 ] || fail "$b: exit status $rc: $out"
	w=$(echo "$out" | grep -c '^warning: ')
	case "$b" in
	aws-secretless.yml|conjur-secretless*.yml) want=1 ;;
	basicauth-secretless.yml) want=2 ;;
	generic-secretless.yml) want=3 ;;
	oauth1_secretless.yml) want=1 ;;
	*) want=0 ;;
	esac
	[ "$w" = "$want" ] || fail "$b: $w warnings, expected $want: $out"
	n=$((n + 1))
done
[ "$n" = 30 ] || fail "$n files, expected 30"
ok "the 30 files load, with the warnings expected"

# Exactly these, for a few.
check "$T/basicauth-secretless.yml"
has "warning: $T/basicauth-secretless.yml:4:3: service http_good_basic_auth: $plain"
has "warning: $T/basicauth-secretless.yml:14:3: service http_bad_basic_auth: $plain"
check "$T/generic-secretless.yml"
has "warning: $T/generic-secretless.yml:12:7: service basic_auth_http: config.credentialPatterns is not a generic_http setting; ignored, as Secretless Broker ignores it (known: authenticateURLsMatching, forceSSL, allowPlainHTTP, passthrough, allowLoopback, authenticationStrategy, headers, queryParams, oauth1, credentialValidations)"
has "warning: $T/generic-secretless.yml:5:3: service basic_auth_http: $plain"
# Its https twin has forceSSL: no word of plain http.
echo "$out" | grep -q "basic_auth_https: requests" &&
    fail "basic_auth_https warned of plain http: $out"
# Secretless reads a file without version as version 1, and serves
# nothing from this one; airlock serves its service, and says so.
check "$T/oauth1_secretless.yml"
has "warning: $T/oauth1_secretless.yml:1:1: unknown top-level key genericversion is ignored: without version, Secretless Broker reads this file as version 1 and serves nothing from it; airlock reads its services as version 2 (write version: 2)"
has "$T/oauth1_secretless.yml: configuration OK, 1 service(s)"
ok "the warnings, word for word"

# protocol: http (older v2 files) takes the connector from
# config.authenticationStrategy.
sed -e 's/connector: basic_auth/protocol: http/' \
    -e 's/authenticateURLsMatching:/authenticationStrategy: basic_auth\
      authenticateURLsMatching:/' "$T/basicauth-secretless.yml" \
    >"$T/protocol-http.yml"
AIRLOCK_DUMP=$("$AIRLOCKD" -T -f "$T/protocol-http.yml" 2>/dev/null) ||
    fail "protocol http: $("$AIRLOCKD" -t -f "$T/protocol-http.yml" 2>&1)"
echo "$AIRLOCK_DUMP" | grep -q "connector: basic_auth" ||
    fail "protocol http: not basic_auth: $AIRLOCK_DUMP"
ok "protocol: http with authenticationStrategy: basic_auth is basic_auth"
exit 0
