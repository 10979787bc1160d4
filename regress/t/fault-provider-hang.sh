# A credential provider that never answers: the stand-in Vault accepts the
# connection and the request and then says nothing.  With providerTimeout
# 2s, each client of the Vault service gets a PostgreSQL ErrorResponse
# within 10 s, airlockd logs the timeout, a trust service with literal
# credentials is served while the Vault requests hang, and afterwards no
# worker is left, airlockd holds as many descriptors as when it was idle,
# and it has closed its connections to Vault.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/vault.sh"

CLIENTS=3
# The provider's deadline; under valgrind the monitor's first TLS
# handshake, after reading the token file, can take longer than 2 s.
DEADLINE=2
[ "${AIRLOCK_SANITIZE:-}" = valgrind ] && DEADLINE=5

pg_start
VAULT_SECRETS_JSON='{"secret": {"version": 1, "secrets": {"db": {"value": "x"}}}}'
vault_start --mode hang
vault_env
# The token from a file: with VAULT_TOKEN airlockd would look it up at
# start (for its background renewal), and that request would hang too,
# holding a connection to Vault for its own 10 s.
printf '%s\n' "$VAULT_TOKEN" >"$T/vault-token"
chmod 0600 "$T/vault-token"
unset VAULT_TOKEN
VAULT_TOKEN_FILE=$T/vault-token
export VAULT_TOKEN_FILE
PV=$(free_port)
PT=$(free_port)
{
	# Its children are counted as connections: no idle workers.
	airlock_head "providerTimeout: ${DEADLINE}s" "workerPoolMinIdle: 0"
	pg_service vault-hang "$PV" scram_user disable \
	    "password: {from: vault, get: secret/db}"
	pg_service pg-trust "$PT" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

nfds()
{
	ls "/proc/$1/fd" | wc -l
}
workers()
{
	pgrep -P "$AIRLOCK_PID" | wc -l
}
# vault_conns: airlockd's TCP connections to the stand-in Vault.
vault_conns()
{
	_hex=$(printf '%04X' "$VAULT_PORT")
	_inodes=$(ls -l "/proc/$AIRLOCK_PID/fd" 2>/dev/null |
	    sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	awk -v p="$_hex" -v inodes=" $_inodes " '
	    { split($3, a, ":") }
	    a[2] == p && index(inodes, " " $10 " ") { n++ }
	    END { print n + 0 }' /proc/net/tcp /proc/net/tcp6
}

idle=$(nfds "$AIRLOCK_PID")
ok "airlockd holds $idle descriptors when idle"

# vault_client I: one more client of the Vault service, in the background.
pids=
vault_client()
{
	airlock_psql "$PV" "select 'client $1'" >"$T/c$1" 2>&1 &
	pids="$pids $!"
	at_exit "kill $!"
}
# hanging N: wait until N requests have reached Vault, which says nothing.
hanging()
{
	_n=100
	while [ "$_n" -gt 0 ] &&
	    [ "$(grep -c "^GET /v1/secret/db hang$" "$VAULT_REQLOG")" -lt "$1" ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	[ "$_n" -gt 0 ] ||
	    fail "the stand-in Vault did not get $1 request(s): $(cat "$VAULT_REQLOG")"
}

vault_client 1
hanging 1
# Clients keep arriving (one a second, so that some Vault request is
# pending for a while) while a client of the trust service comes in.
airlock_psql "$PT" "select current_user" >"$T/trust" 2>&1 &
trust=$!
at_exit "kill $trust"
for i in $(seq 2 "$CLIENTS"); do
	sleep 1
	vault_client "$i"
done
wait "$trust" || fail "pg-trust during the hang: $(cat "$T/trust")"
[ "$(cat "$T/trust")" = trust_user ] ||
    fail "pg-trust: current_user is '$(cat "$T/trust")'"
pending=0
for p in $pids; do
	kill -0 "$p" 2>/dev/null && pending=$((pending + 1))
done
[ "$pending" -gt 0 ] ||
    fail "every Vault client had ended before the trust client was served"
conns=$(vault_conns)
[ "$conns" -ge 1 ] || fail "airlockd has no connection to Vault during the hang"
hanging "$CLIENTS"
ok "pg-trust is served while $pending Vault client(s) wait; airlockd holds $conns connection(s) to Vault"

i=0
for p in $pids; do
	i=$((i + 1))
	wait_pid "$p" 10
	rc=$?
	[ "$rc" -eq 124 ] && fail "client $i still waits 10 s after it started (providerTimeout ${DEADLINE}s)"
	[ "$rc" -ne 0 ] || fail "client $i succeeded: $(cat "$T/c$i")"
	grep -q "FATAL: .*provider vault gave no answer within ${DEADLINE}000 ms" "$T/c$i" ||
	    fail "client $i: not the expected ErrorResponse: $(cat "$T/c$i")"
done
ok "each client got: $(sed -n 's/.*FATAL: *//p' "$T/c1" | head -n 1)"
n=$(grep -c "vault-hang#[0-9]*: .*provider vault gave no answer within ${DEADLINE}000 ms" "$AIRLOCK_LOG")
[ "$n" -ge "$CLIENTS" ] || fail "airlockd logged $n timeout(s) for $CLIENTS clients"
ok "airlockd logged the timeout for each client"

n=100
while [ "$n" -gt 0 ] && { [ "$(workers)" != 0 ] ||
    [ "$(nfds "$AIRLOCK_PID")" -gt "$idle" ]; }; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(workers)" = 0 ] || fail "$(workers) worker(s) left after the timeouts"
after=$(nfds "$AIRLOCK_PID")
[ "$after" -le "$idle" ] ||
    fail "airlockd holds $after descriptors, $idle when idle: leak:
$(ls -l "/proc/$AIRLOCK_PID/fd")"
[ "$(vault_conns)" = 0 ] || fail "airlockd still has $(vault_conns) connection(s) to Vault"
ok "no worker left; $after descriptors held again; no connection to Vault"
airlock_alive || fail "airlockd died"
out=$(airlock_psql "$PT" "select 'after'" 2>&1) || fail "pg-trust after the hang: $out"
ok "airlockd serves after the hang"
exit 0
