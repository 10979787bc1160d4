# A compromised worker cannot get more out of the monitor than its state
# permits: regress/tools/rogueworker plays one misbehaviour per service
# (a request out of order or twice, a credential its service does not have,
# malformed framing, descriptors where none belong, a second authentication
# method, a cheap SCRAM challenge, the password where the policy refuses
# it, channel binding data of no hash's length, a login the policy does not
# allow, floods of log lines and of stderr, byte counts it cannot have
# relayed; as a mysql worker: a scramble answered twice or of the wrong
# length, RSA before the fast path or under a key nobody vouches for, a
# third plugin, the password or the client key, another connector's
# request types; as an HTTP worker: a request before its ROUTE or twice in
# one route, HEADERS for a passthrough route, SIGV4 for basic_auth, a ROUTE
# whose fields a worker would never send, more ROUTEs than the cap).  For each, the monitor must kill the worker and answer nothing
# more, or, where a backend or a man in the middle could have made the
# same request, answer FAILED; log why, keep its own descriptors, and go
# on serving an honest service on the same airlockd, also while another
# rogue floods its channel.
# test: long
# (It takes several times as long as most tests: regress/run.sh starts it
# early.)
. "$(dirname "$0")/../lib.sh"
# mysql.sh sources pg.sh.
. "$TOP/regress/mysql.sh"

require_root
command -v curl >/dev/null || skip "curl is needed"
ROGUE=$TOP/regress/tools/rogueworker
[ -x "$ROGUE" ] || fail "$ROGUE not built (make)"
[ -x "$TOP/airlock-worker" ] || fail "$TOP/airlock-worker not built (make)"

# name, what the report must show before the violation ("-" for nothing),
# and what must follow it:
#	kill		killed, nothing answered
#	kill:TEXT	... and the log's reason says TEXT
#	failed		answered FAILED and left alive (the request is one that a
#			backend or a man in the middle could cause)
#	refused		killed or answered FAILED, never what it asked for
#	warn:TEXT	nothing answered, not killed, the log warns TEXT
#	answered:LINE	answered as the report's LINE says (an HTTP refusal
#			that a client could cause), and left alive
ROGUES="
rogue-after-authdone	received DIALED		kill
rogue-other-cred	received DIALED		kill
rogue-unknown-cred	received DIALED		kill
rogue-cred-twice	received CREDENTIAL	kill
rogue-plain-password	received DIALED		refused
rogue-oversized		-			kill
rogue-truncated		-			kill
rogue-short-header	-			kill
rogue-unknown-type	-			kill
rogue-fd-flood		-			kill
rogue-log-fd		-			kill
rogue-twice		received DIALED		kill
rogue-before-dial	-			kill
rogue-bad-purpose	-			kill
rogue-trailing		-			kill
rogue-md5-badsalt	received DIALED		kill
rogue-scram-verify-first	received DIALED	kill
rogue-from-monitor	-			kill
rogue-md5-then-scram	received PG_MD5		kill:asked for SCRAM-SHA-256 after md5
rogue-clear-then-md5	received CREDENTIAL	kill:asked for md5 after cleartext
rogue-scram-i1		received SCRAM_START	failed
rogue-default-password	received DIALED		failed
rogue-tls-password	received DIALED		failed
rogue-plus-badlen	received DIALED		kill:SCRAM-SHA-256-PLUS with 20 bytes of channel binding data
rogue-authdone-unasked	received DIALED		warn:server did not complete authentication, but require_auth
rogue-sslkey-cred	received DIALED	kill
rogue-tls-sign-twice	received TLS_SIGN	kill
rogue-tls-sign-before-dial	-	kill
rogue-tls-sign-after-auth	received DIALED	kill
rogue-tls-sign-no-key	received DIALED	kill
rogue-tls-sign-server-cv	received DIALED	kill
rogue-tls-sign-junk	received DIALED	kill
rogue-tls-sign-pkcs1	received DIALED	kill
rogue-log-flood		-			kill
rogue-stderr-flood	-			kill
rogue-stats-huge	received DIALED		kill
rogue-stats-fast	received DIALED		kill
rogue-my-native-twice	received MY_NATIVE	kill:MY_NATIVE requested twice
rogue-my-sha2-short	received DIALED		kill:bad MY_SHA2 request
rogue-my-ed25519-short	received DIALED		kill:bad MY_ED25519 request
rogue-my-rsa-first	received DIALED		kill:MY_RSA before MY_SHA2
rogue-my-rsa-unpinned	received MY_SHA2	failed
rogue-my-third-plugin	received MY_ED25519	kill:and a switch before it
rogue-my-password	received DIALED		failed
rogue-my-sslkey		received DIALED		kill:asked for credential \"sslkey\", which it may not have
rogue-my-pg-type	received DIALED		kill:bad MY_SHA2 request
rogue-my-type-past	received DIALED		kill:is not one of the mysql connector's
rogue-http-headers-first	-		kill:not permitted in state assigned
rogue-http-dial-twice	received HTTP_DIAL 502	kill:DIAL twice in one route
rogue-http-pass-headers	received HTTP_ROUTE 0	kill:HEADERS for a route of passthrough service
rogue-http-sigv4	received HTTP_HEADERS 0	kill:SIGV4 for a route of service rogue-http-sigv4 (basic_auth)
rogue-http-bad-host	-		kill:bad ROUTE request: a host that is neither
rogue-http-bad-target	-		kill:bad ROUTE request: a target that is not
rogue-http-port-0	-		kill:bad ROUTE request: a port not of 1 to 65535
rogue-http-port-70000	-		kill:bad ROUTE request: a port not of 1 to 65535
rogue-http-nomatch	-		answered:received HTTP_ROUTE 403
rogue-http-cap		100000 routes answered	kill:HTTP_ROUTE requested more than 100000 times
rogue-ssh-sign-cap	received SSH_SIGN	kill:SIGN past the 1 signatures of a connection
rogue-ssh-sign-first	-		kill:SSH_SIGN not permitted in state assigned
rogue-ssh-sign-other	received SSH_KEYS	kill:SIGN with a key that is not this connection's
rogue-ssh-agent-assigned	-		kill:SSH_AGENT not permitted in state assigned
rogue-ssh-hostkey-twice	received SSH_HOSTKEY	kill:SSH_HOSTKEY requested twice
rogue-ssh-agent-junk	received SSH_AGENT with fd	kill:on the backend's agent socket
"
# The rogues whose service has a client key (the monitor signs with it).
KEYED="rogue-sslkey-cred rogue-tls-sign-twice rogue-tls-sign-before-dial
rogue-tls-sign-after-auth rogue-tls-sign-server-cv rogue-tls-sign-junk
rogue-tls-sign-pkcs1"
# Not in the loop below: one floods while an honest session runs, two
# queue bursts of log lines at once.
STARVE=rogue-log-starve
BURSTS="rogue-log-burst-1 rogue-log-burst-2"
TABLE_NAMES=$(echo "$ROGUES" | awk 'NF { print $1 }')
ROGUE_NAMES="$TABLE_NAMES $STARVE $BURSTS"
# field NAME N: the Nth field of the rogue's line in the table.
field()
{
	echo "$ROGUES" | awk -F '\t+' -v n="$1" -v f="$2" '$1 == n { print $f }'
}

pg_start
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/scram.pw"
chmod 0600 "$T/scram.pw"
PH=$(free_port)
H=$(free_port)

# rogue_service NAME PORT: a pg service whose worker is a rogue.  The
# services that must be able to get the password legitimately (so that
# only the state makes the difference) allow cleartext without TLS; the
# others are set so that only the policy under test refuses.
rogue_service()
{
	case $1 in
	rogue-my-*) my_rogue_service "$1" "$2"; return ;;
	rogue-http-*) http_rogue_service "$1" "$2"; return ;;
	rogue-ssh-*) ssh_rogue_service "$1" "$2"; return ;;
	esac
	case " $(echo $KEYED) " in
	*" $1 "*) keyed_service "$1" "$2"; return ;;
	esac
	_mode=disable
	set -- "$1" "$2" "password: {from: file, get: $T/scram.pw}"
	case $1 in
	rogue-default-password)
		_mode=verify-full
		set -- "$@" "sslrootcert: {from: file, get: $PG_CA}" \
		    "sslhost: localhost" ;;
	rogue-tls-password|rogue-plus-badlen)
		_mode=require ;;
	rogue-authdone-unasked)
		set -- "$@" "require_auth: scram-sha-256" ;;
	esac
	_name=$1 _port=$2
	shift 2
	pg_service "$_name" "$_port" scram_user "$_mode" "$@"
	cat <<EOF
    config:
      rogueReport: $T/report.$_name
EOF
	case $_name in
	rogue-after-authdone|rogue-cred-twice|rogue-clear-then-md5)
		echo "      cleartextPassword: always" ;;
	rogue-log-burst-*)
		echo "      rogueGo: $T/go" ;;
	rogue-tls-password)
		echo "      cleartextPassword: tls" ;;
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

# my_rogue_service NAME PORT: a rogue's mysql service, in front of the
# caching_sha2 stand-in (the rogue dials it, never speaks to it), with a
# password that the policy (never, the default) keeps in the monitor;
# rogue-my-sslkey's has a client key as well.
my_rogue_service()
{
	if [ "$1" = rogue-my-sslkey ]; then
		my_standin_service "$1" "$2" disable \
		    "sslcert: {from: file, get: $MY_CLIENT_CERT}" \
		    "sslkey: {from: file, get: $MY_CLIENT_KEY}"
	else
		my_standin_service "$1" "$2" disable
	fi
	cat <<EOF
    config:
      rogueReport: $T/report.$1
EOF
}

# http_rogue_service NAME PORT: a rogue's basic_auth service for
# http://127.0.0.1:1/auth (port 1: refused), and for
# rogue-http-pass-headers a passthrough service on the same listener for
# http://127.0.0.1:1/open.
HTTP_CANARY=rogue-http-canary-password
http_rogue_service()
{
	cat <<EOF
  $1:
    connector: basic_auth
    listenOn: tcp://127.0.0.1:$2
    credentials:
      username: rogue
      password: $HTTP_CANARY
    config:
      rogueReport: $T/report.$1
      authenticateURLsMatching: ^http://127\\.0\\.0\\.1:1/auth
      allowPlainHTTP: true
EOF
	[ "$1" = rogue-http-pass-headers ] || return 0
	cat <<EOF
  $1-open:
    connector: generic_http
    listenOn: tcp://127.0.0.1:$2
    config:
      authenticateURLsMatching: ^http://127\\.0\\.0\\.1:1/open
      passthrough: true
EOF
}

# ssh_rogue_service NAME PORT: a rogue's ssh-agent service with one key
# and maxSignatures 1 (rogueOtherKey: the blob of another key), or its
# ssh service in front of the PostgreSQL port (it accepts; the rogue dials
# it and never speaks to it).
ssh-keygen -q -t ed25519 -N '' -C rogue -f "$T/sshkey" >/dev/null ||
    fail "ssh-keygen"
ssh-keygen -q -t ed25519 -N '' -C other -f "$T/othersshkey" >/dev/null ||
    fail "ssh-keygen"
SSH_PUB=$(cut -d' ' -f1,2 "$T/sshkey.pub")
SSH_OTHER=$(cut -d' ' -f2 "$T/othersshkey.pub")
ssh_rogue_service()
{
	case $1 in
	rogue-ssh-sign-*)
		cat <<EOF
  $1:
    connector: ssh-agent
    listenOn: tcp://127.0.0.1:$2
    credentials:
      privateKey: {from: file, get: $T/sshkey}
    config:
      rogueReport: $T/report.$1
      rogueOtherKey: $SSH_OTHER
      maxSignatures: 1
EOF
		;;
	*)
		cat <<EOF
  $1:
    connector: ssh
    listenOn: tcp://127.0.0.1:$2
    credentials:
      address: 127.0.0.1:$PG_PORT
      privateKey: {from: file, get: $T/sshkey}
      hostKey: $SSH_PUB
    config:
      rogueReport: $T/report.$1
EOF
		;;
	esac
}

# client NAME PORT: a client of the rogue's service (the rogue never
# answers it; it is left hanging or dropped).
client()
{
	case $1 in
	rogue-http-*)
		# rogue-http-cap's 100000 routes take long under valgrind
		# on a busy machine: a hang detector.
		timeout -k 2 180 curl -s -f --max-time 170 \
		    -x "http://127.0.0.1:$2" http://127.0.0.1:1/auth ;;
	rogue-ssh-*)
		# Speaks no SSH: the rogue never reads it.
		timeout -k 2 20 curl -s -f --max-time 15 \
		    "http://127.0.0.1:$2/" ;;
	rogue-my-*)
		timeout -k 2 20 mariadb --no-defaults --host=127.0.0.1 \
		    --port="$2" --protocol=TCP --user=x --connect-timeout=10 \
		    --execute="select 1" ;;
	*)
		timeout -k 2 20 psql -X -w -q -d "host=127.0.0.1 port=$2 \
		    dbname=postgres user=x connect_timeout=10" -c "select 1" ;;
	esac
}

my_standin --cache full
{
	# Its descriptors are counted with no worker left: no idle workers
	# (worker-pool.sh plays the rogue that is one).
	airlock_head "worker: $ROGUE" "health: 127.0.0.1:$H" \
	    "workerPoolMinIdle: 0"
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

for name in $TABLE_NAMES; do
	want=$(field "$name" 2)
	then=$(field "$name" 3)
	port=$(awk -v n="$name" '$1 == n { print $2 }' "$T/ports")
	rep=$T/report.$name
	# The client is left hanging or dropped; that is expected.
	client "$name" "$port" >"$T/psql.$name" 2>&1 &&
	    fail "$name: the client succeeded through a rogue worker"
	[ -s "$rep" ] || fail "$name: no report (did the rogue run?)"
	grep -q "(violation)" "$rep" ||
	    fail "$name: the rogue never got to its violation: $(cat "$rep")"
	if [ "$want" != - ]; then
		awk '/\(violation\)/ { exit } { print }' "$rep" |
		    grep -q "^$want" ||
		    fail "$name: no '$want' before the violation: $(cat "$rep")"
	fi
	after=$(after_violation "$rep")
	# The client may hear of the kill before airlockd's line is written.
	case $then in
	kill*)	wait_for_log "\] $name#[0-9]+: worker [0-9]+ killed: " 5 ;;
	esac
	killed=$(grep -E "\] $name#[0-9]+: worker [0-9]+ killed: " \
	    "$AIRLOCK_LOG" | sed 's/.* killed: //')

	case $then in
	refused)
		# Refusing (FAILED) is as right as killing; handing out
		# what was asked is the bug.
		echo "$after" | grep "^received" |
		    grep -vqx "received FAILED" &&
		    fail "$name: answered: $(cat "$rep")"
		[ -n "$killed" ] || echo "$after" | grep -qx "received FAILED" ||
		    fail "$name: neither killed nor refused: $(cat "$rep")"
		ok "$name: refused (${killed:-answered FAILED})"
		continue ;;
	failed)
		[ "$(echo "$after" | grep "^received")" = "received FAILED" ] ||
		    fail "$name: not answered FAILED alone: $(cat "$rep")"
		[ -z "$killed" ] || fail "$name: killed: $killed"
		echo "$after" | grep -q "^still alive" ||
		    fail "$name: did not live on: $(cat "$rep")"
		ok "$name: answered FAILED, and alive"
		continue ;;
	answered:*)
		echo "$after" | grep -qx -- "${then#answered:}" ||
		    fail "$name: not answered '${then#answered:}': $(cat "$rep")"
		[ -z "$killed" ] || fail "$name: killed: $killed"
		echo "$after" | grep -q "^still alive" ||
		    fail "$name: did not live on: $(cat "$rep")"
		ok "$name: answered (${then#answered:}), and alive"
		continue ;;
	warn:*)
		echo "$after" | grep -q "^received" &&
		    fail "$name: answered: $(cat "$rep")"
		[ -z "$killed" ] || fail "$name: killed: $killed"
		grep -E "\] $name#[0-9]+: " "$AIRLOCK_LOG" | grep "\[WARN\]" |
		    grep -qF -- "${then#warn:}" ||
		    fail "$name: no warning '${then#warn:}' in the log"
		grep -Eq "\] $name#[0-9]+: authentication failed" \
		    "$AIRLOCK_LOG" &&
		    ! grep -Eq "\] $name#[0-9]+: authenticated" "$AIRLOCK_LOG" ||
		    fail "$name: not counted as an authentication failure"
		ok "$name: warned (${then#warn:}) and counted as failed"
		continue ;;
	esac

	echo "$after" | grep -q "^received" &&
	    fail "$name: the monitor answered after the violation:" \
	    "$(cat "$rep")"
	echo "$after" | grep -q "^still alive" &&
	    fail "$name: not killed within 3 s: $(cat "$rep")"
	[ -n "$killed" ] ||
	    fail "$name: no 'killed' line in the log: $(cat "$rep")"
	case $then in
	kill:*)
		echo "$killed" | grep -qF -- "${then#kill:}" ||
		    fail "$name: killed, but not because '${then#kill:}':" \
		    "$killed" ;;
	esac
	ok "$name: killed: $killed"
done

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
	# Labelled with its service and its own connection id: the one whose
	# worker was killed (for stderr, by the pid on each datagram).
	id=$(sed -nE "s/.*\] $name#([0-9]+): worker [0-9]+ killed: .*/\1/p" \
	    "$AIRLOCK_LOG" | head -n 1)
	[ "$(grep "$what" "$AIRLOCK_LOG" | grep -Evc "\] $name#$id: ")" = 0 ] ||
	    fail "$name: lines of the flood not labelled as its ($name#$id)"
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
# The HTTP requests, routed and refused, per service.
for want in 'rogue-http-cap",outcome="routed"} 100000' \
    'rogue-http-nomatch",outcome="refused"} 1' \
    'rogue-http-dial-twice",outcome="refused"} 1'; do
	echo "$m" | grep -qF "airlock_http_requests_total{service=\"$want" ||
	    fail "/metrics lacks $want: $(echo "$m" | grep http_requests)"
done
ok "/metrics counts the HTTP requests routed and refused"

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
grep -F -q -- "$HTTP_CANARY" "$AIRLOCK_LOG" &&
    fail "an HTTP rogue's password appears in airlockd's log"
ok "the HTTP rogues' password is not in the log"
exit 0
