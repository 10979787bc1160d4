# Secretless Broker's own sample configurations (regress/t/secretless/,
# copied unchanged from cyberark/secretless-broker) as airlockd -t reads
# them: a service's keys that Secretless ignores (debug: true) are a
# warning, an empty protocol: beside connector: is absent, what airlock
# refuses on purpose (listening on 0.0.0.0) is said where it is written,
# and the kubernetes samples load with a pod's environment.
. "$(dirname "$0")/../lib.sh"

[ -x "$AIRLOCKD" ] || fail "$AIRLOCKD not built"
S=$TOP/regress/t/secretless

# check FILE: airlockd -t -f FILE; sets rc and out (stdout+stderr).
check()
{
	out=$(timeout 30 "$AIRLOCKD" -t -f "$1" 2>&1 </dev/null)
	rc=$?
}

# refused FILE LINE:COL MESSAGE: exit 1 with exactly that error.
refused()
{
	check "$1"
	[ "$rc" = 1 ] || fail "$1: exit status $rc, expected 1: $out"
	[ "$out" = "$1:$2: $3" ] || fail "$1: expected $2: $3; got: $out"
	ok "$(basename "$1"): $out"
}

# The quick-start's pg service: its debug: true is ignored with a warning;
# it loads once it listens on loopback, as airlock asks (DESIGN.md).
sed -e 's|tcp://0\.0\.0\.0:|tcp://127.0.0.1:|' -e '/^  quick-start-ssh:/,$d' \
    "$S/quick-start.yml" >"$T/quick-start-pg.yml"
check "$T/quick-start-pg.yml"
[ "$rc" = 0 ] || fail "quick-start (pg): exit status $rc: $out"
want="warning: $T/quick-start-pg.yml:7:5: service quick-start-postgres: unknown key debug is ignored, as Secretless Broker ignores it (known: connector, protocol, listenOn, credentials, config)"
echo "$out" | grep -F -x -q -- "$want" || fail "quick-start (pg): no warning: $out"
ok "quick-start (pg) loads: $(echo "$out" | tr '\n' ' ')"

# As it is, the same file listens on every address: refused, saying why.
refused "$S/quick-start.yml" 8:15 "listenOn 0.0.0.0:5454 is not a loopback address; clients there would get the service's credentials without authenticating; ask them for certificates (config.clientTLS with clientAuth: cert), or set config.allowNonLoopback: true if that is intended"
# All of it on loopback, ssh included (its front host key made in a
# stateDirectory of the test's).
sed -e 's|tcp://0\.0\.0\.0:|tcp://127.0.0.1:|' "$S/quick-start.yml" \
    >"$T/quick-start-all.yml"
printf 'airlock:\n  stateDirectory: %s/state\n' "$T" >>"$T/quick-start-all.yml"
check "$T/quick-start-all.yml"
[ "$rc" = 0 ] || fail "quick-start (all): exit status $rc: $out"
echo "$out" | grep -q "configuration OK, 3 service(s)" ||
    fail "quick-start (all): $out"
[ -s "$T/state/ssh_host_ed25519_key" ] ||
    fail "quick-start (all): no host key made in $T/state"
ok "quick-start (all, ssh too) loads; the ssh host key is made"

# protocol: "" beside connector: is absent; the empty sslmode, sslcert,
# sslkey and sslhost are Secretless Broker's defaults.  Listening on
# 0.0.0.0 is refused where it is written; on loopback (and with the
# health check's socket in a directory that exists) both files load.
refused "$S/pg-dev.yml" 29:15 "listenOn 0.0.0.0:5432 is not a loopback address; clients there would get the service's credentials without authenticating; ask them for certificates (config.clientTLS with clientAuth: cert), or set config.allowNonLoopback: true if that is intended"
refused "$S/mysql-dev.yml" 31:15 "listenOn 0.0.0.0:5555 is not a loopback address; clients there would get the service's credentials without authenticating; ask them for certificates (config.clientTLS with clientAuth: cert), or set config.allowNonLoopback: true if that is intended"
for f in pg-dev mysql-dev; do
	sed -e 's|tcp://0\.0\.0\.0:|tcp://127.0.0.1:|' \
	    -e "s|unix:///sock/|unix://$T/|" "$S/$f.yml" >"$T/$f.yml"
	check "$T/$f.yml"
	[ "$rc" = 0 ] || fail "$f on loopback: exit status $rc: $out"
	ok "$f.yml on loopback loads: $out"
done

# The kubernetes samples: outside a pod, the provider says what it lacks;
# with a pod's environment (a service account directory of the test's),
# both load.
refused "$S/k8s-demo.yml" 10:15 "provider kubernetes: KUBERNETES_SERVICE_HOST is not set (airlockd is not in a pod, or the pod has no service links)"
. "$TOP/regress/pg.sh"
. "$TOP/regress/standin.sh"
standin_tls
mkdir -m 0755 "$T/sa"
cp "$STANDIN_CA" "$T/sa/ca.crt"
echo default >"$T/sa/namespace"
echo token >"$T/sa/token"
chmod 0644 "$T/sa/ca.crt" "$T/sa/namespace"
chmod 0600 "$T/sa/token"
for f in k8s-demo k8s-tutorial; do
	out=$(env KUBERNETES_SERVICE_HOST=10.96.0.1 KUBERNETES_SERVICE_PORT=443 \
	    AIRLOCK_KUBERNETES_SERVICEACCOUNT_DIR="$T/sa" \
	    timeout 30 "$AIRLOCKD" -t -f "$S/$f.yml" 2>&1 </dev/null) ||
	    fail "$f.yml in a pod: $out"
	echo "$out" | grep -q "provider kubernetes: https://10.96.0.1:443, namespace default" ||
	    fail "$f.yml in a pod: no info line: $out"
	ok "$f.yml in a pod loads: $(echo "$out" | tr '\n' ' ')"
done
exit 0
