# A compromised worker cannot get more out of the monitor than its state
# permits: regress/tools/rogueworker plays one misbehaviour per service
# (a request out of order or twice, a credential its service does not have,
# malformed framing, descriptors where none belong, floods of log lines
# and of stderr, byte counts it cannot have relayed).  For each, the
# monitor must kill the worker and answer nothing more, log why, keep its
# own descriptors, and go on serving an honest service on the same
# airlockd, also while another rogue floods its channel.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
command -v curl >/dev/null || skip "curl is needed"
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
rogue-log-flood		-
rogue-stderr-flood	-
rogue-stats-huge	received DIALED
rogue-stats-fast	received DIALED
"
# The rogues whose service has a client key (the monitor signs with it).
KEYED="rogue-sslkey-cred rogue-tls-sign-twice rogue-tls-sign-before-dial
rogue-tls-sign-after-auth rogue-tls-sign-server-cv rogue-tls-sign-junk
rogue-tls-sign-pkcs1"
# Not in the loop below: one floods while an honest session runs, two
# queue bursts of log lines at once.
STARVE=rogue-log-starve
BURSTS="rogue-log-burst-1 rogue-log-burst-2"
ROGUE_NAMES="$(echo "$ROGUES" | awk 'NF { print $1 }') $STARVE $BURSTS"

pg_start
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/scram.pw"
chmod 0600 "$T/scram.pw"
PH=$(free_port)
H=$(free_port)

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
	rogue-log-burst-*)
		echo "      rogueGo: $T/go" ;;
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
	airlock_head "worker: $ROGUE" "health: 127.0.0.1:$H"
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
	# The line may reach the file a little after the client's end (the
	# sanitizer runs copy airlockd's stderr into it through tee); the
	# one rogue that may be refused rather than killed has no such line.
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

# The floods: one line says why the worker was killed, and the log holds
# no more of the flood than its budget lets through at once
# (monitor/budget.c: 100 lines of 32 KiB for MSG_LOG, 400 lines of 64 KiB
# for stderr), every line of it labelled as the worker's.
# NAME|WHY|TEXT|LINES|BYTES
for f in "rogue-log-flood|log budget|flood: a line that says|100|32768" \
    "rogue-stderr-flood|stderr budget|worker stderr: flood|400|65536"; do
	IFS='|'
	set -- $f
	unset IFS
	name=$1 why=$2 what=$3
	n=$(grep -Ec "\] $name#[0-9]+: worker [0-9]+ killed: $why" \
	    "$AIRLOCK_LOG")
	[ "$n" = 1 ] || fail "$name: $n 'killed: $why' lines, not 1"
	lines=$(grep -c "$what" "$AIRLOCK_LOG")
	bytes=$(grep "$what" "$AIRLOCK_LOG" | sed 's/^.*\] //' | wc -c)
	[ "$lines" -le "$4" ] && [ "$bytes" -le "$5" ] ||
	    fail "$name: $lines lines, $bytes bytes of the flood in" \
	    "airlockd's log"
	[ "$(grep "$what" "$AIRLOCK_LOG" | grep -Evc "\] $name#[0-9]+: ")" = 0 ] ||
	    fail "$name: lines of the flood not labelled as its"
	ok "$name: killed once ($why); $lines lines, $bytes bytes of the" \
	    "flood logged; the rogue: $(grep -h "flood over" \
	    "$T/report.$name" || echo "killed while flooding")"
done

# Byte counts it cannot have relayed never reach /metrics.
m=$(curl -s --max-time 10 "http://127.0.0.1:$H/metrics") ||
    fail "/metrics: curl failed"
for name in rogue-stats-huge rogue-stats-fast; do
	v=$(echo "$m" | awk -v s="service=\"$name\"" '
	    /^airlock_relayed_bytes_total/ && index($0, s) { n += $2 }
	    END { print n + 0 }')
	[ "$v" = 0 ] || fail "$name: /metrics counts $v bytes"
done
ok "the implausible byte counts are not in /metrics"

# One worker that floods its channel must not starve the others: while
# $STARVE floods (for 10 s, unless the monitor ends it first), an honest
# session on the same airlockd completes.
port=$(awk -v n="$STARVE" '$1 == n { print $2 }' "$T/ports")
rep=$T/report.$STARVE
timeout -k 2 30 psql -X -w -q -d "host=127.0.0.1 port=$port \
    dbname=postgres user=x connect_timeout=10" -c "select 1" \
    >"$T/psql.$STARVE" 2>&1 &
spid=$!
at_exit "kill $spid"
n=100
while [ "$n" -gt 0 ] && ! grep -q "(violation)" "$rep" 2>/dev/null; do
	sleep 0.1
	n=$((n - 1))
done
grep -q "(violation)" "$rep" || fail "$STARVE: no flood: $(cat "$rep")"
out=$(timeout -k 2 8 psql -X -A -t -q -w -d "host=127.0.0.1 port=$PH \
    dbname=postgres user=x" -c "select current_user" 2>&1) ||
    fail "honest service during the flood: $out"
[ "$out" = trust_user ] || fail "honest service during the flood: got '$out'"
grep -Eq "flood over: [0-9]+ LOG messages\$" "$rep" &&
    fail "the honest session completed only once the flood was over:" \
    "$(cat "$rep")"
wait_pid "$spid" 20
ok "an honest session completed while $STARVE flooded" \
    "($(grep -E "\] $STARVE#[0-9]+: worker [0-9]+ killed: " "$AIRLOCK_LOG" |
    sed 's/.* killed: //'))"

# Nor may it hold the monitor's loop: at most 16 messages of one worker
# are handled per turn of the loop (monitor/workers.c), then the others
# have theirs.  Two rogues queue 40 log lines each while airlockd is
# stopped; once it runs again, no more than 16 lines of one come in a row.
for name in $BURSTS; do
	port=$(awk -v n="$name" '$1 == n { print $2 }' "$T/ports")
	timeout -k 2 20 psql -X -w -q -d "host=127.0.0.1 port=$port \
	    dbname=postgres user=x connect_timeout=10" -c "select 1" \
	    >"$T/psql.$name" 2>&1 &
	at_exit "kill $!"
done
# reports_say TEXT: every burst rogue's report has a line with TEXT.
reports_say()
{
	_n=100
	while [ "$_n" -gt 0 ]; do
		_all=1
		for _b in $BURSTS; do
			grep -q "$1" "$T/report.$_b" 2>/dev/null || _all=0
		done
		[ "$_all" = 1 ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}
reports_say "^waiting for" || fail "the burst rogues did not start"
kill -STOP "$AIRLOCK_PID"
touch "$T/go"
reports_say "^sent 40 LOG messages"
rc=$?
kill -CONT "$AIRLOCK_PID"
[ "$rc" = 0 ] || fail "the burst rogues did not queue their lines"
reports_say "^sent BYE" || fail "the monitor did not read the bursts"
for name in $BURSTS; do
	wait_for_log "\] $name#[0-9]+: burst line 40\$" 5 ||
	    fail "$name: its last line is not in the log"
done
grep -E "\] rogue-log-burst-[12]#[0-9]+: burst line" "$AIRLOCK_LOG" |
    sed -E 's/.*\] (rogue-log-burst-[12])#.*/\1/' | uniq -c >"$T/runs"
for name in $BURSTS; do
	[ "$(awk -v n="$name" '$2 == n { s += $1 } END { print s }' \
	    "$T/runs")" = 40 ] || fail "$name: not 40 lines: $(cat "$T/runs")"
done
longest=$(awk '$1 > m { m = $1 } END { print m }' "$T/runs")
[ "$longest" -le 16 ] ||
    fail "$longest messages of one worker in a row: $(cat "$T/runs" |
    tr -s ' \n' ' ')"
ok "two bursts of 40 lines, interleaved:" \
    "$(awk '{ printf "%s%d", (NR > 1 ? "+" : ""), $1 }' "$T/runs")"

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
