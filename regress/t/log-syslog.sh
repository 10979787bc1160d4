# logTarget: syslog: airlockd runs in a private mount namespace in which
# /dev/log is a test listener's datagram socket (an overlay on /dev: the
# host's /dev is not touched).  Lines arrive there with ident airlockd and
# airlockd's pid, the configured facility and the priority of each level,
# and none on stderr; the socket is connected at start (LOG_NDELAY), so
# lines still arrive once /dev/log is gone; with logFormat json the message
# part is one JSON object.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
unshare -m --propagation private true 2>/dev/null ||
    skip "cannot unshare a mount namespace here"
command -v nsenter >/dev/null || fail "nsenter (util-linux) not found"
command -v jq >/dev/null || fail "jq not installed (contrib/install-deps.sh)"

pg_start
P=$(free_port)
W=$(free_port)

# The listener: one line per datagram, newlines escaped.
cat >"$T/listen.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).replace(b"\n", b"\\n") + b"\n")
EOF
# airlockd in its namespace; the listener writes where start_airlock looks.
cat >"$T/in-ns.sh" <<EOF
set -e
mkdir -p "$T/ovl/up" "$T/ovl/work"
mount -t overlay overlay \
    -o lowerdir=/dev,upperdir=$T/ovl/up,workdir=$T/ovl/work /dev
rm -f /dev/log
/usr/bin/python3 "$T/listen.py" /dev/log "$T/airlock.log" &
echo \$! >"$T/listener.pid"
n=50
while [ ! -S /dev/log ] && [ \$n -gt 0 ]; do sleep 0.1; n=\$((n - 1)); done
exec "$TOP/airlockd" "\$@" 2>>"$T/stderr"
EOF
cat >"$T/airlockd-ns" <<EOF
#!/bin/sh
exec unshare -m --propagation private -- /bin/sh "$T/in-ns.sh" "\$@"
EOF
chmod 0755 "$T/airlockd-ns"
AIRLOCKD=$T/airlockd-ns
at_exit 'kill $(cat "$T/listener.pid")'

# pri FACILITY SEVERITY: the <PRI> of a syslog line (RFC 3164 4.1.1).
pri()
{
	echo "<$(($1 * 8 + $2))>"
}

# Part 1: text, facility local3 (19).
{
	airlock_head "logTarget: syslog" "syslogFacility: local3"
	pg_service pg-syslog "$P" trust_user disable
	pg_service pg-wrongpw "$W" md5_user disable "password: not-the-password"
} >"$T/airlock.yml"
: >"$T/stderr"
start_airlock "$T/airlock.yml"
pid=$AIRLOCK_PID
grep -q "^$(pri 19 6)[A-Z][a-z][a-z] [ 0-9][0-9] [0-9:]\{8\} airlockd\[$pid\]: \[INFO\] airlockd ready" \
    "$AIRLOCK_LOG" || fail "no 'airlockd ready' at local3.info with ident airlockd[$pid]: $(head -n 5 "$AIRLOCK_LOG")"
ok "airlockd[$pid] at local3.info: $(grep -m 1 "airlockd ready" "$AIRLOCK_LOG")"

# /dev/log disappears: the connected socket still reaches the listener.
nsenter -m -t "$pid" rm /dev/log || fail "cannot remove /dev/log in airlockd's namespace"
out=$(airlock_psql "$P" "select 'syslog-ok'" 2>&1) || fail "psql: $out"
[ "$out" = syslog-ok ] || fail "psql got '$out'"
airlock_psql "$W" "select 1" >/dev/null 2>&1 && fail "a wrong password worked"
wait_for_log "pg-syslog#[0-9]+: closed" || fail "no 'closed' line for pg-syslog"
wait_for_log "pg-wrongpw#[0-9]+: authentication failed" ||
    fail "no 'authentication failed' line for pg-wrongpw"
# level PRI PATTERN: a line at PRI that matches the ERE.
level()
{
	grep -E -q "^$1[^]]*airlockd\[$pid\]: $2" "$AIRLOCK_LOG" ||
	    fail "no line at $1 matching '$2'"
}
level "$(pri 19 6)" '\[INFO\] pg-syslog#[0-9]+: authenticated$'
level "$(pri 19 7)" '\[DEBUG\] pg-syslog#[0-9]+: pg: authenticated to the backend$'
level "$(pri 19 4)" '\[WARN\] pg-wrongpw#[0-9]+: pg: the backend refused'
ok "info, debug and warn lines at local3 with their priorities, /dev/log gone"
stop_airlock
[ ! -s "$T/stderr" ] || fail "airlockd wrote to stderr: $(head -n 5 "$T/stderr")"
ok "nothing on stderr"

# Part 2: JSON as the message part, default facility daemon (3).
{
	airlock_head "logTarget: syslog" "logFormat: json"
	pg_service pg-syslog "$P" trust_user disable
} >"$T/airlock.yml"
kill "$(cat "$T/listener.pid")"
start_airlock "$T/airlock.yml"
pid=$AIRLOCK_PID
out=$(airlock_psql "$P" "select 'json-ok'" 2>&1) || fail "psql: $out"
wait_for_log '"service":"pg-syslog","conn":[0-9]+,"msg":"closed ' ||
    fail "no JSON 'closed' line for pg-syslog"
stop_airlock
n=0
while IFS= read -r line; do
	n=$((n + 1))
	case "$line" in
	"$(pri 3 6)"*|"$(pri 3 7)"*|"$(pri 3 4)"*|"$(pri 3 3)"*) ;;
	*) fail "line $n not at facility daemon: $line" ;;
	esac
	printf '%s\n' "${line#*"airlockd[$pid]: "}" | jq -e -R 'fromjson |
	    has("time") and has("level") and has("msg")' >/dev/null 2>&1 ||
	    fail "line $n: the message part is not a log object: $line"
done <"$AIRLOCK_LOG"
grep -q "^$(pri 3 6).*airlockd\[$pid\]: {.*\"level\":\"info\",\"service\":\"pg-syslog\",\"conn\":[0-9]*,\"msg\":\"authenticated\"}$" \
    "$AIRLOCK_LOG" || fail "no JSON 'authenticated' line at daemon.info"
ok "$n JSON lines at facility daemon"
exit 0
