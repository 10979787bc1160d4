# The client leg's TLS (clientTLS) against a compromised worker
# (regress/tools/rogueworker): the listener's key signs once per
# connection, only the content of a TLS 1.3 server CertificateVerify, and
# only after the worker asked for the material; a worker may say its
# client was accepted only after that signature; and until it has, it gets
# nothing that the service's credentials buy (no credential, no proof, no
# reused backend).  Each violation kills the worker and is answered with
# nothing.  The honest order (rogue-ctls-ok) is served, so the refusals
# are the checks'.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/ctls.sh"

require_root
ROGUE=$TOP/regress/tools/rogueworker
[ -x "$ROGUE" ] || fail "$ROGUE not built (make)"

# name, and what the monitor's reason for the kill says
ROGUES="
rogue-ctls-unconfigured	asked for the client leg's TLS, and its service has no clientTLS
rogue-ctls-material-twice	CLIENT_TLS requested twice
rogue-ctls-sign-first	CLIENT_TLS_SIGN before CLIENT_TLS
rogue-ctls-sign-client-cv	not a TLS 1.3 server CertificateVerify
rogue-ctls-sign-twice	CLIENT_TLS_SIGN requested twice
rogue-ctls-ok-unsigned	accepted over TLS without the listener key's signature
rogue-ctls-bad-outcome	is no outcome
rogue-ctls-cred-first	CREDENTIAL before its client was accepted over TLS
rogue-ctls-refused-then-cred	CREDENTIAL before its client was accepted over TLS
rogue-ctls-reuse-dial	DIAL before its client was accepted over TLS
"
NAMES="rogue-ctls-ok $(echo "$ROGUES" | awk -F '\t+' 'NF { print $1 }')"

pg_start
ctls_make
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/scram.pw"
chmod 0600 "$T/scram.pw"
H=$(free_port)
{
	airlock_head "worker: $ROGUE" "health: 127.0.0.1:$H" \
	    "workerPoolMinIdle: 0"
	for r in $NAMES; do
		rogue_pg_service "$r"
		printf '      cleartextPassword: always\n'
		[ "$r" = rogue-ctls-unconfigured ] || ctls_yaml 6 none
		[ "$r" != rogue-ctls-reuse-dial ] ||
		    printf '      poolMode: session\n'
	done
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"


rogue_psql rogue-ctls-ok
rep=$T/report.rogue-ctls-ok
n=50
while [ "$n" -gt 0 ] && ! grep -q "^sent AUTHDONE" "$rep" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
grep -q "^received CLIENT_TLS_SIGN" "$rep" ||
    fail "rogue-ctls-ok: the listener key did not sign: $(cat "$rep")"
grep -q "^received CREDENTIAL" "$rep" ||
    fail "rogue-ctls-ok: no password after its client was accepted: $(cat "$rep")"
grep -Eq "\] rogue-ctls-ok#[0-9]+: worker [0-9]+ killed" "$AIRLOCK_LOG" &&
    fail "rogue-ctls-ok: killed"
wait_for_log "\] rogue-ctls-ok#[0-9]+: client accepted over TLS: CN=rogue" 5 ||
    fail "rogue-ctls-ok: the accepted client is not logged"
ok "rogue-ctls-ok: material, one signature, accepted, then the password"

echo "$ROGUES" | while IFS='	' read -r name why; do
	[ -n "$name" ] || continue
	why=$(echo "$why" | sed 's/^\t*//')
	rogue_psql "$name" && fail "$name: the client succeeded"
	rogue_killed "$name" "$why"
	ok "$name: killed ($killed)"
done || exit 1

# The refusal a worker reported is counted; the lie is not.
m=$(curl -s "http://127.0.0.1:$H/metrics")
echo "$m" | grep -q '^airlock_client_tls_total{service="rogue-ctls-refused-then-cred",outcome="plaintext"} 1$' ||
    fail "the plaintext refusal is not counted: $(echo "$m" | grep client_tls | head -20)"
echo "$m" | grep -q '^airlock_client_tls_total{service="rogue-ctls-ok",outcome="ok"} 1$' ||
    fail "the accepted client is not counted"
echo "$m" | grep -q '^airlock_client_tls_total{service="rogue-ctls-ok-unsigned",outcome="ok"} 0$' ||
    fail "the unsigned claim was counted"
ok "airlock_client_tls_total counts what the monitor accepted of the reports"

airlock_alive || fail "airlockd died"
exit 0
