# A compromised worker cannot get more out of the monitor than its state
# permits: regress/tools/rogueworker plays one misbehaviour per service
# (a request out of order or twice, a credential its service does not have,
# malformed framing, descriptors where none belong).  For each, the monitor
# must kill the worker and answer nothing more, log why, keep its own
# descriptors, and go on serving an honest service on the same airlockd.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
ROGUE=$TOP/regress/tools/rogueworker
[ -x "$ROGUE" ] || fail "$ROGUE not built (make)"
[ -x "$TOP/airlock-worker" ] || fail "$TOP/airlock-worker not built (make)"

# name: what the report must show before the violation ("-" for nothing).
ROGUES="
rogue-after-authdone	received DIALED
rogue-other-cred	received DIALED
rogue-unknown-cred	received DIALED
rogue-cred-twice	received CREDENTIAL
rogue-plain-password	received DIALED
rogue-oversized		-
rogue-truncated		-
rogue-short-header	-
rogue-unknown-type	-
rogue-fd-flood		-
rogue-log-fd		-
rogue-twice		received DIALED
rogue-before-dial	-
rogue-bad-purpose	-
rogue-trailing		-
rogue-md5-badsalt	received DIALED
rogue-scram-verify-first received DIALED
rogue-from-monitor	-
rogue-sslkey-cred	received DIALED
rogue-tls-sign-twice	received TLS_SIGN
rogue-tls-sign-before-dial -
rogue-tls-sign-after-auth received DIALED
rogue-tls-sign-no-key	received DIALED
rogue-tls-sign-server-cv received DIALED
rogue-tls-sign-junk	received DIALED
rogue-tls-sign-pkcs1	received DIALED
"
# The rogues whose service has a client key (the monitor signs with it).
KEYED="rogue-sslkey-cred rogue-tls-sign-twice rogue-tls-sign-before-dial
rogue-tls-sign-after-auth rogue-tls-sign-server-cv rogue-tls-sign-junk
rogue-tls-sign-pkcs1"
ROGUE_NAMES=$(echo "$ROGUES" | awk 'NF { print $1 }')

pg_start
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/scram.pw"
chmod 0600 "$T/scram.pw"
PH=$(free_port)

# rogue_service NAME PORT: a pg service whose worker is a rogue.  The
# services that must be able to get the password legitimately (so that
# only the state makes the difference) allow cleartext without TLS.
rogue_service()
{
	case " $(echo $KEYED) " in
	*" $1 "*) keyed_service "$1" "$2"; return ;;
	esac
	pg_service "$1" "$2" scram_user disable \
	    "password: {from: file, get: $T/scram.pw}"
	cat <<EOF
    config:
      rogueReport: $T/report.$1
EOF
	case $1 in
	rogue-after-authdone|rogue-cred-twice)
		echo "      cleartextPassword: always" ;;
	esac
}

# keyed_service NAME PORT: a rogue's service with a client certificate,
# TLS to the backend, and a password the worker may have in cleartext.
keyed_service()
{
	pg_service "$1" "$2" scram_user require \
	    "password: {from: file, get: $T/scram.pw}" \
	    "sslcert: {from: file, get: $PG_CLIENT_CERT}" \
	    "sslkey: {from: file, get: $PG_CLIENT_KEY}"
	cat <<EOF
    config:
      rogueReport: $T/report.$1
      cleartextPassword: always
EOF
}

{
	airlock_head "worker: $ROGUE"
	pg_service honest "$PH" trust_user disable
	for r in $ROGUE_NAMES; do
		p=$(free_port)
		echo "$r $p" >>"$T/ports"
		rogue_service "$r" "$p"
	done
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

out=$(airlock_psql "$PH" "select current_user" 2>&1) ||
    fail "honest service before the rogues: $out"
[ "$out" = trust_user ] || fail "honest service: got '$out'"
ok "the honest service answers (through the real worker, exec'd by the rogue)"

# Descriptors of airlockd once no worker is left, for the leak check.
quiet_fds()
{
	_n=100
	while [ "$_n" -gt 0 ] && pgrep -P "$AIRLOCK_PID" >/dev/null; do
		sleep 0.1
		_n=$((_n - 1))
	done
	pgrep -P "$AIRLOCK_PID" >/dev/null && fail "workers left over"
	ls -l "/proc/$AIRLOCK_PID/fd" | awk 'NR > 1 { print $9, $10, $11 }' |
	    sort -n
}
quiet_fds >"$T/fds.before"

# Everything in a report after the line marked (violation).
after_violation()
{
	awk 'seen { print } /\(violation\)/ { seen = 1 }' "$1"
}

echo "$ROGUES" | while read -r name want; do
	[ -n "$name" ] || continue
	port=$(awk -v n="$name" '$1 == n { print $2 }' "$T/ports")
	rep=$T/report.$name
	# The client is left hanging or dropped; that is expected.
	timeout -k 2 20 psql -X -w -q -d "host=127.0.0.1 port=$port \
	    dbname=postgres user=x connect_timeout=10" -c "select 1" \
	    >"$T/psql.$name" 2>&1 &&
	    fail "$name: psql succeeded through a rogue worker"
	[ -s "$rep" ] || fail "$name: no report (did the rogue run?)"
	grep -q "(violation)" "$rep" ||
	    fail "$name: the rogue never got to its violation: $(cat "$rep")"
	if [ "$want" != - ]; then
		awk '/\(violation\)/ { exit } { print }' "$rep" |
		    grep -q "^$want" ||
		    fail "$name: no '$want' before the violation: $(cat "$rep")"
	fi
	after=$(after_violation "$rep")
	# The client may hear of the kill before airlockd's line is written
	# (in the ASan build its stderr goes through a pipe).
	[ "$name" = rogue-plain-password ] ||
	    wait_for_log "\] $name#[0-9]+: worker [0-9]+ killed: " 5
	killed=$(grep -E "\] $name#[0-9]+: worker [0-9]+ killed: " \
	    "$AIRLOCK_LOG" | sed 's/.* killed: //')

	if [ "$name" = rogue-plain-password ]; then
		# Refusing (FAILED) is as right as killing; handing it out
		# is the bug.
		echo "$after" | grep -q "received CREDENTIAL" &&
		    fail "$name: the monitor handed out the password for a" \
		    "backend leg without TLS: $(cat "$rep")"
		echo "$after" | grep "^received" | grep -vqx "received FAILED" &&
		    fail "$name: unexpected answer: $(cat "$rep")"
		[ -n "$killed" ] || echo "$after" | grep -qx "received FAILED" ||
		    fail "$name: neither killed nor refused: $(cat "$rep")"
		ok "$name: refused (${killed:-answered FAILED})"
		continue
	fi

	echo "$after" | grep -q "^received" &&
	    fail "$name: the monitor answered after the violation:" \
	    "$(cat "$rep")"
	echo "$after" | grep -q "^still alive" &&
	    fail "$name: not killed within 3 s: $(cat "$rep")"
	[ -n "$killed" ] ||
	    fail "$name: no 'killed' line in the log: $(cat "$rep")"
	ok "$name: killed: $killed"
done || exit 1

airlock_alive || fail "airlockd died"
out=$(airlock_psql "$PH" "select current_user" 2>&1) ||
    fail "honest service after the rogues: $out"
[ "$out" = trust_user ] || fail "honest service after the rogues: got '$out'"
ok "airlockd still runs and the honest service still answers"

quiet_fds >"$T/fds.after"
if ! cmp -s "$T/fds.before" "$T/fds.after"; then
	diff "$T/fds.before" "$T/fds.after" >&2
	fail "airlockd's descriptors changed (a leak?)"
fi
ok "airlockd holds the same $(wc -l <"$T/fds.after") descriptors as before"

if grep -F -q -- "$PG_SCRAM_PASSWORD" "$AIRLOCK_LOG"; then
	fail "the password appears in airlockd's log"
fi
ok "the password is not in the log"
exit 0
