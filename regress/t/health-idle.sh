# Idle connections to the health listener do not silence /live and /ready.
# A health worker gives its client 2 s to send the request, so twenty
# connections that never send a byte hold the 8 health workers for
# seconds, not for the handshake timeout (30 s here, the default).  Nor can
# a compromised health worker hold its slot longer: the monitor kills it.
. "$(dirname "$0")/../lib.sh"

require_root
command -v curl >/dev/null || skip "curl is needed"
H=$(free_port)
P=$(free_port)
NOBODY=$(free_port)	# the service is never used: nothing listens here
# airlock.yml [SETTING...]
config()
{
	airlock_head "health: 127.0.0.1:$H" "handshakeTimeout: 30s" "$@"
	cat <<EOS
  pg-unused:
    connector: pg
    listenOn: tcp://127.0.0.1:$P
    credentials:
      host: 127.0.0.1
      port: $NOBODY
      username: nobody
      sslmode: disable
EOS
}
config >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# Twenty connections, held open without a byte until the test ends.
cat >"$T/idle.py" <<'EOS'
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
         for _ in range(20)]
print("held", flush=True)
time.sleep(120)
EOS
/usr/bin/python3 "$T/idle.py" "$H" >"$T/idle.out" 2>&1 &
at_exit "kill $!"
n=100
while [ "$n" -gt 0 ] && ! grep -q held "$T/idle.out"; do
	sleep 0.1
	n=$((n - 1))
done
grep -q held "$T/idle.out" || fail "cannot open 20 connections: $(cat "$T/idle.out")"
ok "20 idle connections to the health listener"

# Far below the old wait (20 idle connections, 8 at a time, 30 s each).
for path in /live /ready; do
	c=$(curl -s --max-time 15 -o "$T/body" -w '%{http_code}' \
	    "http://127.0.0.1:$H$path")
	[ "$c" = 200 ] || fail "$path while 20 idle connections are held: '$c'"
	ok "$path answers 200 while they are held"
done
airlock_alive || fail "airlockd died"
stop_airlock

# A health worker that asks nothing, and one that stays after its figures
# (regress/tools/rogueworker plays them when CHROOT.rogue-health says so):
# the monitor kills each within HEALTH_REQUEST_MS or HEALTH_ANSWER_MS (2 s)
# and a second of grace, whatever handshakeTimeout says.
ROGUE=$TOP/regress/tools/rogueworker
[ -x "$ROGUE" ] || fail "$ROGUE not built (make)"
config "worker: $ROGUE" >"$T/rogue.yml"
start_airlock "$T/rogue.yml" "$T/rogue.log"
for f in "silent:no health request within 2000 ms" \
    "linger:still running 2000 ms after its figures"; do
	echo "${f%%:*}" >"$T/empty.rogue-health"
	from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
	# The client gets no answer; it returns when the worker is gone.
	curl -s --max-time 10 "http://127.0.0.1:$H/live" >/dev/null 2>&1
	killed=$(tail -n "+$from" "$AIRLOCK_LOG" | grep -E \
	    "\] airlock-health#[0-9]+: worker [0-9]+ killed: ${f#*:}")
	[ -n "$killed" ] ||
	    fail "${f%%:*}: the health worker was not killed within 10 s"
	ok "${f%%:*}: ${killed#*\] }"
done
airlock_alive || fail "airlockd died"
exit 0
