# The health and metrics endpoint (airlock.health): /live, /ready and
# ?full=1 as Secretless Broker serves them, /metrics in the Prometheus text
# format with the figures of a real psql session and of a failed one, the
# HTTP errors, a slow client cut at the request deadline, the cap on
# concurrent health workers, the health worker's sandbox, readiness while
# draining, and "health: off" binding nothing.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
command -v curl >/dev/null && command -v jq >/dev/null ||
    skip "curl and jq are needed"
pg_start
P=$(free_port)
D=$(free_port)
NOBODY=$(free_port)	# nothing listens here
H=$(free_port)
{
	# Its children are counted as health workers: no idle workers.
	airlock_head "health: 127.0.0.1:$H" "handshakeTimeout: 3s" \
	    "drainTimeout: 20s" "workerPoolMinIdle: 0"
	pg_service pg-trust "$P" trust_user disable
	pg_service pg-down "$D" trust_user disable | sed "s/port: $PG_PORT/port: $NOBODY/"
} >"$T/airlock.yml"
CHROOT=$T/empty
start_airlock "$T/airlock.yml"
URL=http://127.0.0.1:$H

# get PATH [CURL-ARG...]: the status code; body in $T/body, headers in
# $T/headers.
get()
{
	_path=$1
	shift
	curl -s --max-time 10 -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    "$@" "$URL$_path"
}

# A client that sends exactly what it is given (stdin, read to its end),
# never closes its side, and reads until the server closes: prints the
# status line, in $T/raw.secs how long the server took to close, and in
# $T/raw.len how many bytes followed the header.
cat >"$T/raw.py" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
t0 = time.monotonic()
s.sendall(sys.stdin.buffer.read())
out = b""
while True:
    try:
        d = s.recv(65536)
    except ConnectionResetError:
        break
    if not d:
        break
    out += d
print(out.decode("latin-1").split("\r\n")[0])
sys.stderr.write("%d\n" % int(time.monotonic() - t0))
with open(sys.argv[2], "w") as f:
    f.write("%d\n" % len(out.partition(b"\r\n\r\n")[2]))
EOF
raw()
{
	/usr/bin/python3 "$T/raw.py" "$H" "$T/raw.len" 2>"$T/raw.secs"
}

# Every answer: Content-Length and Connection: close.
check_headers()
{
	grep -qi '^Content-Length: [0-9]' "$T/headers" &&
	    grep -qi '^Connection: close' "$T/headers" ||
	    fail "$1: headers lack Content-Length or Connection: close: $(cat "$T/headers")"
}

c=$(get /live) && [ "$c" = 200 ] || fail "/live: $c"
check_headers /live
ok "/live 200"
c=$(get /ready) && [ "$c" = 200 ] || fail "/ready after start: $c"
ok "/ready 200 once started"
c=$(get '/ready?full=1') && [ "$c" = 200 ] || fail "/ready?full=1: $c"
grep -qi '^Content-Type: application/json' "$T/headers" ||
    fail "/ready?full=1 is not JSON: $(cat "$T/headers")"
jq -e '.status == "ok" and .ready == true and .draining == false and
    (.services | has("pg-trust") and has("pg-down")) and
    .services["pg-trust"].listening == true and
    .checks["listener:pg-down"] == "OK"' "$T/body" >/dev/null ||
    fail "/ready?full=1: $(cat "$T/body")"
ok "/ready?full=1 is JSON naming each service: $(jq -c .checks "$T/body")"
c=$(get '/live?full=1') && [ "$c" = 200 ] && jq -e '.status == "ok"' \
    "$T/body" >/dev/null || fail "/live?full=1: $c $(cat "$T/body")"
ok "/live?full=1 is JSON"

c=$(get /nope) && [ "$c" = 404 ] || fail "/nope: $c"
check_headers /nope
c=$(get /live -X POST) && [ "$c" = 405 ] || fail "POST /live: $c"
check_headers "POST /live"
grep -qi '^Allow: GET, HEAD' "$T/headers" || fail "405 without Allow"
c=$(get /metrics -I) && [ "$c" = 200 ] || fail "HEAD /metrics: $c"
check_headers "HEAD /metrics"
st=$(printf 'HEAD /metrics HTTP/1.1\r\n\r\n' | raw)
[ "$st" = "HTTP/1.1 200 OK" ] && [ "$(cat "$T/raw.len")" = 0 ] ||
    fail "HEAD /metrics: '$st', $(cat "$T/raw.len") bytes of body"
ok "404 for /nope, 405 for POST, HEAD /metrics 200 without a body"
st=$(printf 'junk\r\n\r\n' | raw)
[ "$st" = "HTTP/1.1 400 Bad Request" ] || fail "junk: '$st'"
st=$(head -c 20000 /dev/zero | tr '\0' a |
    { printf 'GET /live HTTP/1.1\r\nX-Big: '; cat; printf '\r\n\r\n'; } | raw)
[ "$st" = "HTTP/1.1 400 Bad Request" ] || fail "oversized request: '$st'"
ok "400 for junk and for a 20 kB request"

# A psql session, and a connection to a service whose backend is down.
out=$(airlock_psql "$P" "select 'through airlock'" 2>&1) ||
    fail "psql: $out"
airlock_psql "$D" "select 1" >/dev/null 2>&1 && fail "pg-down connected"
wait_for_log "pg-trust#[0-9]+: closed" 10 || fail "session not closed"
wait_for_log "pg-down#[0-9]+: closed" 10 || fail "pg-down not closed"
c=$(get /metrics) && [ "$c" = 200 ] || fail "/metrics: $c"
check_headers /metrics
grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/headers" ||
    fail "/metrics content type: $(cat "$T/headers")"
cp "$T/body" "$T/metrics"

# metric NAME LABELS: the value of one sample (LABELS as printed).
metric()
{
	awk -v s="$1{$2}" 'index($0, s " ") == 1 { print $2; f = 1 }
	    END { exit !f }' "$T/metrics"
}
v=$(metric airlock_connections_accepted_total 'service="pg-trust"') &&
    [ "$v" = 1 ] || fail "accepted{pg-trust} is '$v'"
v=$(metric airlock_handshake_duration_seconds_count 'service="pg-trust"') &&
    [ "$v" = 1 ] || fail "handshake count{pg-trust} is '$v'"
v=$(metric airlock_handshake_duration_seconds_bucket \
    'service="pg-trust",le="+Inf"') && [ "$v" = 1 ] ||
    fail "handshake +Inf bucket is '$v'"
for dir in client_to_backend backend_to_client; do
	v=$(metric airlock_relayed_bytes_total \
	    "service=\"pg-trust\",direction=\"$dir\"") && [ "$v" -gt 0 ] ||
	    fail "bytes $dir: '$v'"
done
v=$(metric airlock_connections_failed_total \
    'service="pg-trust",reason="client"') && [ "$v" = 0 ] ||
    fail "the session counted as failed: '$v'"
v=$(metric airlock_connections_failed_total 'service="pg-down",reason="dial"') &&
    [ "$v" = 1 ] || fail "failed{pg-down,dial} is '$v'"
v=$(metric airlock_connections_active 'service="pg-trust"') && [ "$v" = 0 ] ||
    fail "active{pg-trust} is '$v'"
v=$(metric airlock_provider_duration_seconds_count 'service="pg-down"') &&
    [ "$v" = 1 ] || fail "provider count{pg-down} is '$v'"
grep -q 'airlock-health' "$T/metrics" && fail "health workers are counted"
ok "/metrics: the session (accepted, bytes both ways, handshake), the dial failure"

# The text exposition format 0.0.4, checked line by line: names, labels
# and their escapes, values; one TYPE per family, samples of a family
# together after it; histogram buckets cumulative, +Inf equal to _count.
awk '
function bad(why) { printf "line %d: %s: %s\n", NR, why, $0; err = 1 }
/^# HELP / {
	if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/) bad("HELP name")
	next
}
/^# TYPE / {
	if (NF != 4 || $3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ ||
	    $4 !~ /^(counter|gauge|histogram|summary|untyped)$/) bad("TYPE")
	if ($3 in type) bad("second TYPE")
	type[$3] = $4; fam = $3; next
}
/^#/ { next }
{
	if (!match($0, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { bad("name"); next }
	name = substr($0, 1, RLENGTH); rest = substr($0, RLENGTH + 1)
	labels = ""
	if (substr(rest, 1, 1) == "{") {
		if (!match(rest, /^\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*")*\}/)) {
			bad("labels"); next
		}
		labels = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
	}
	if (rest !~ /^ ([-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]Inf|NaN)$/)
		bad("value")
	v = substr(rest, 2) + 0
	base = name
	if (type[fam] == "histogram")
		sub(/_(bucket|sum|count)$/, "", base)
	if (base != fam) bad("sample outside its family " fam)
	if (type[fam] == "counter" && name !~ /_total$/) bad("counter name")
	n++
	if (name !~ /_bucket$/ && name !~ /_count$/) next
	key = labels
	sub(/le="[^"]*",?/, "", key); sub(/,\}$/, "}", key); sub(/^\{\}$/, "", key)
	if (name ~ /_bucket$/) {
		if (labels !~ /le="/) bad("bucket without le")
		if ((key in last) && v < last[key]) bad("bucket not cumulative")
		last[key] = v
		if (labels ~ /le="\+Inf"/) inf[key] = v
	} else {
		if (!(key in inf)) bad("_count without a +Inf bucket")
		else if (inf[key] != v) bad("_count differs from +Inf")
		delete last[key]
	}
}
END { if (n == 0) { print "no samples"; err = 1 }; exit err }
' "$T/metrics" >"$T/format.out" 2>&1 ||
    fail "exposition format: $(head -n 5 "$T/format.out")"
ok "/metrics passes the exposition format check ($(grep -vc '^#' "$T/metrics") samples)"

# A slow client, which never finishes its request, is cut at the health
# request deadline (2 s, below the handshake's 3 s here) and gets no answer.  While it waits, its
# worker is seen from outside: sandboxed as a client's worker is.
from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
printf 'GET /live HTTP/1.1\r\nX-Slow: ' | raw >"$T/slow.out" &
slow=$!
at_exit "kill $slow"
n=50
W=
while [ "$n" -gt 0 ] && [ -z "$W" ]; do
	W=$(tail -n "+$from" "$AIRLOCK_LOG" |
	    sed -nE 's/.*\] airlock-health#[0-9]+: worker ([0-9]+) started.*/\1/p' |
	    head -n 1)
	sleep 0.1
	n=$((n - 1))
done
[ -n "$W" ] && is_worker "$W" ||
    fail "no live health worker (pid '$W')"
uid=$(id -u "$AIRLOCK_USER")
for f in Uid Gid; do
	[ "$f" = Gid ] && uid=$(id -g "$AIRLOCK_USER")
	proc_field "$W" "$f" | awk -v w="$uid" '{ for (i = 1; i <= 4; i++)
	    if ($i != w) exit 1; exit NF == 4 ? 0 : 1 }' ||
	    fail "$f: $(proc_field "$W" "$f")"
done
for f in CapInh CapPrm CapEff CapBnd CapAmb; do
	[ "$(proc_field "$W" "$f")" = 0000000000000000 ] ||
	    fail "$f: $(proc_field "$W" "$f")"
done
[ "$(proc_field "$W" NoNewPrivs)" = 1 ] || fail "NoNewPrivs"
[ "$(proc_field "$W" Seccomp)" = 2 ] || fail "Seccomp: $(proc_field "$W" Seccomp)"
[ "$(stat -c %u "/proc/$W/status")" = 0 ] || fail "the health worker is dumpable"
[ "$(readlink "/proc/$W/root")" = "$CHROOT" ] ||
    fail "root is $(readlink "/proc/$W/root"), not $CHROOT"
[ "$(proc_limit "$W" "Max processes")" = 0 ] || fail "RLIMIT_NPROC"
ok "health worker $W: $AIRLOCK_USER, no capabilities, no_new_privs, seccomp, chrooted"
wait "$slow"
secs=$(cat "$T/raw.secs")
[ -z "$(cat "$T/slow.out")" ] || fail "the slow client got '$(cat "$T/slow.out")'"
[ "$secs" -lt 10 ] || fail "the slow client was cut after $secs s, not ~3"
ok "a slow client is cut at the request deadline (after ${secs}s)"

# A flood of slow clients gets at most 8 health workers; the rest wait in
# the backlog, and /live is served once the deadline has freed them.
from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
for i in 1 2 3 4 5 6 7 8 9 10; do
	printf 'GET /live HTTP/1.1\r\n' | raw >/dev/null 2>&1 &
	at_exit "kill $!"
done
n=100
while [ "$n" -gt 0 ] && [ "$(tail -n "+$from" "$AIRLOCK_LOG" |
    grep -c 'airlock-health#[0-9]*: worker [0-9]* started')" -lt 8 ]; do
	sleep 0.1
	n=$((n - 1))
done
kids=$(pgrep -P "$AIRLOCK_PID" | wc -l)
[ "$kids" -le 8 ] && [ "$kids" -ge 1 ] ||
    fail "$kids workers for 10 slow health clients"
c=$(get /live) && [ "$c" = 200 ] || fail "/live after the flood: $c"
ok "10 slow health clients: $kids workers at most at once; /live served after"

# Draining: with a session in flight, /ready is 503 and says why; /live
# is still 200.
airlock_session "$P" pg-trust "select pg_sleep(4), 'done'" "$T/s1"
kill -TERM "$AIRLOCK_PID"
wait_for_log "not accepting; 1 connection" 5 || fail "no drain"
c=$(get /ready) && [ "$c" = 503 ] || fail "/ready while draining: $c"
c=$(get '/ready?full=1') && [ "$c" = 503 ] &&
    jq -e '.status == "unavailable" and .draining == true' "$T/body" \
    >/dev/null || fail "/ready?full=1 while draining: $c $(cat "$T/body")"
why=$(jq -c .checks.draining "$T/body")
c=$(get /live) && [ "$c" = 200 ] || fail "/live while draining: $c"
get /metrics >/dev/null && grep -qx 'airlock_draining 1' "$T/body" ||
    fail "airlock_draining is not 1"
ok "while draining: /ready 503 ($why), /live 200"
wait "$SESSION_PID" || fail "the session in flight failed: $(cat "$T/s1")"
wait "$AIRLOCK_PID"
rc=$?
AIRLOCK_PIDS=
[ "$rc" -eq 0 ] || fail "airlockd exited with $rc"
ok "the session finished and airlockd exited 0"

# health: off binds nothing but the services' listeners.
{
	airlock_head
	pg_service pg-trust "$P" trust_user disable
} >"$T/off.yml"
start_airlock "$T/off.yml" "$T/off.log"
socks=$(ss -Hltnp | grep -c "pid=$AIRLOCK_PID,")
[ "$socks" = 1 ] || fail "health: off: $socks listening sockets: $(ss -Hltnp | grep "pid=$AIRLOCK_PID,")"
grep -q "health and metrics on" "$T/off.log" && fail "health: off still listens"
ok "health: off: only the service's listener"
exit 0
