# clientTLS as airlockd -t reads it: a listener beyond loopback loads when
# its clients show certificates, is refused when they need not (TLS alone
# admits anyone), and loads with a warning under the explicit opt-out
# (allowNonLoopback); clientTLS where the connector serves no TLS to its
# clients is refused; airlockd -T prints a clientTLS that -t reads back.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/ctls.sh"

[ -x "$AIRLOCKD" ] || fail "$AIRLOCKD not built"
ctls_make

# conf FILE LISTEN AUTH [extra config line]: a pg service.
conf()
{
	{
		cat <<YML
version: 2
services:
  db:
    connector: pg
    listenOn: $2
    credentials: {host: 127.0.0.1, username: u}
    config:
YML
		ctls_yaml 6 "$3"
		[ -z "${4:-}" ] || echo "      $4"
	} >"$1"
}

conf "$T/cert.yml" tcp://0.0.0.0:15432 cert
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/cert.yml" 2>&1) ||
    fail "a non-loopback listener with client certificates: $out"
echo "$out" | grep -q warning && fail "warned: $out"
ok "0.0.0.0 with clientAuth: cert loads without a warning: $out"

conf "$T/none.yml" tcp://0.0.0.0:15432 none
config_refused "$T/none.yml" "0.0.0.0 with clientAuth: none" \
    "^$T/none.yml:5:15: listenOn 0.0.0.0:15432 is not a loopback address; clients there would get the service's credentials without authenticating; ask them for certificates \(config.clientTLS with clientAuth: cert\), or set config.allowNonLoopback: true"

conf "$T/optout.yml" "tcp://[::]:15432" none "allowNonLoopback: true"
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/optout.yml" 2>&1) ||
    fail "the opt-out: $out"
echo "$out" | grep -F -q "warning: $T/optout.yml:5:15: service db: listenOn [::]:15432 is not a loopback address, and its clients show no certificate (config.clientTLS with clientAuth: cert): whoever reaches it uses the service's credentials" ||
    fail "the opt-out loads without its warning: $out"
ok "allowNonLoopback is the explicit opt-out, with a warning"

sed -e 's/connector: pg/connector: ssh/' \
    -e 's/credentials: .*/credentials: {address: 127.0.0.1, privateKey: k}/' \
    -e 's/0\.0\.0\.0/127.0.0.1/' "$T/cert.yml" >"$T/ssh.yml"
config_refused "$T/ssh.yml" "clientTLS on ssh" \
    "config.clientTLS: the ssh connector does not serve TLS to its clients"

# -T: the effective configuration, which -t reads as the same.
timeout 30 "$AIRLOCKD" -T -f "$T/cert.yml" >"$T/dump.yml" 2>"$T/dump.err" ||
    fail "airlockd -T: $(cat "$T/dump.err")"
grep -q "clientTLS:" "$T/dump.yml" || fail "-T lost clientTLS: $(cat "$T/dump.yml")"
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/dump.yml" 2>&1) ||
    fail "-t of -T's output: $out"
timeout 30 "$AIRLOCKD" -T -f "$T/dump.yml" >"$T/dump2.yml" 2>"$T/dump2.err" ||
    fail "airlockd -T of its own output"
cmp -s "$T/dump.yml" "$T/dump2.yml" ||
    fail "-T of -T's output differs: $(diff "$T/dump.yml" "$T/dump2.yml")"
ok "airlockd -T prints clientTLS, and -t reads it back as the same"
exit 0
