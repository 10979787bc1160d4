# perSourceMaxStartups: beyond 2 connections not yet authenticated from
# one source, a new one from there is dropped at accept (logged with its
# address, counted as refused in /metrics), while another source still
# gets in; once the idle ones close, the first source gets in again.
# 127.0.0.1 and 127.0.0.2 are both loopback: python3 binds the source.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

command -v python3 >/dev/null || skip "python3 not found"
command -v curl >/dev/null || skip "curl not found"
pg_start
P=$(free_port)
H=$(free_port)
{
	airlock_head "handshakeTimeout: 20s" "perSourceMaxStartups: 2" \
	    "health: 127.0.0.1:$H"
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# Two idle connections from .1, a third from .1, then a client from .2
# that sends a StartupMessage (protocol 3.0) and reads the first byte of
# the answer; the idle ones are closed at the end.  A connection dropped
# at accept reads EOF at once; one that a worker holds stays silent (the
# timeouts only tell the two apart, as they would detect a hang).
timeout -k 5 60 python3 - "$P" >"$T/py.out" 2>&1 <<'PY'
import socket, struct, sys

port = int(sys.argv[1])

def conn(src):
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    return s

def state(s, wait=5):
    s.settimeout(wait)
    try:
        return "closed" if s.recv(1) == b"" else "data"
    except socket.timeout:
        return "open"
    except ConnectionResetError:
        return "closed"

idle = [conn("127.0.0.1"), conn("127.0.0.1")]
third = conn("127.0.0.1")
print("third from .1:", state(third))
other = conn("127.0.0.2")
body = struct.pack("!I", 196608) + b"user\0someone\0database\0postgres\0\0"
other.sendall(struct.pack("!I", len(body) + 4) + body)
print("from .2:", other.recv(1))
print("idle from .1:", state(idle[0], 1))
for s in idle + [third, other]:
    s.close()
PY
cat "$T/py.out"
grep -q "^third from .1: closed$" "$T/py.out" ||
    fail "the third connection from 127.0.0.1 was not dropped"
ok "the third idle connection from 127.0.0.1 is dropped at accept"
grep -q "^from .2: b'R'$" "$T/py.out" ||
    fail "127.0.0.2 did not get an authentication answer"
ok "127.0.0.2 still gets in (AuthenticationOk)"
grep -q "^idle from .1: open$" "$T/py.out" ||
    fail "the first idle connections did not stay open"
wait_for_log "pg-trust: connection from 127.0.0.1 dropped: 127.0.0.1/32 has 2 connections not yet authenticated \\(perSourceMaxStartups\\)" 5 ||
    fail "the drop is not logged with the address"
ok "logged: $(grep -o 'connection from 127.0.0.1 dropped.*' "$AIRLOCK_LOG" | head -n 1)"
curl -s --max-time 10 "http://127.0.0.1:$H/metrics" >"$T/metrics" ||
    fail "cannot read /metrics"
grep -E '^airlock_connections_failed_total\{.*service="pg-trust".*reason="refused".*\} 1$|^airlock_connections_failed_total\{.*reason="refused".*service="pg-trust".*\} 1$' \
    "$T/metrics" || fail "not counted as refused: $(grep refused "$T/metrics")"
ok "counted as refused in /metrics"

# The idle ones have closed: their workers end, and .1 gets in again.
i=0
until out=$(airlock_psql "$P" "select current_user" 2>&1) &&
    [ "$out" = trust_user ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "127.0.0.1 never got in again: $out"
	sleep 0.1
done
ok "psql from 127.0.0.1 works again once the idle connections closed"
airlock_alive || fail "airlockd died"
exit 0
