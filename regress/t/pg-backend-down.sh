# A service whose backend does not answer (nothing listens on its port):
# the client gets a clean error that names airlock and the backend;
# airlockd lives on and serves its other services.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
PD=$(free_port)
PG=$(free_port)
NOBODY=$(free_port)	# nothing listens here
{
	airlock_head
	cat <<EOF
  pg-down:
    connector: pg
    listenOn: tcp://127.0.0.1:$PD
    credentials:
      host: 127.0.0.1
      port: $NOBODY
      username: trust_user
      sslmode: disable
EOF
	pg_service pg-good "$PG" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

for attempt in 1 2; do
	out=$(airlock_psql "$PD" "select 1" 2>&1) &&
	    fail "attempt $attempt: connected to a backend that is down: $out"
	echo "$out" | grep -q "closed the connection unexpectedly" &&
	    fail "no clean error: $out"
	echo "$out" | grep -qi airlock && echo "$out" | grep -qi backend ||
	    fail "the error does not mention airlock and the backend: $out"
done
ok "backend down: $(echo "$out" | tail -n 1)"

airlock_alive || fail "airlockd died"
out=$(airlock_psql "$PG" "select current_user" 2>&1) ||
    fail "the good service: $out"
[ "$out" = trust_user ] || fail "the good service: current_user is '$out'"
ok "another service still works"
exit 0
