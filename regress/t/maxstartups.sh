# Pre-authentication denial of service: slow junk clients that connect and
# send nothing hold a worker only until the handshake deadline, and beyond
# maxStartups unauthenticated connections new ones are dropped at once, so
# they cannot hold every worker; a real client gets through.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

command -v bash >/dev/null || skip "bash (for /dev/tcp) not found"
pg_start
P=$(free_port)
{
	# Its children are counted as connections: no idle workers.
	airlock_head "handshakeTimeout: 2s" "maxStartups: 3:50:6" \
	    "workerPoolMinIdle: 0"
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# Ten junk clients: connect, say nothing, hang on for 8 s.
i=0
while [ $i -lt 10 ]; do
	bash -c "exec 3<>/dev/tcp/127.0.0.1/$P; sleep 8" 2>/dev/null &
	i=$((i + 1))
done
sleep 1
n=$(pgrep -P "$AIRLOCK_PID" -c -x "$WORKER_COMM")
[ "$n" -le 6 ] || fail "$n workers for junk clients, maxStartups full is 6"
ok "junk holds $n workers at most (full: 6)"
wait_for_log "maxStartups.*dropped" 5 || fail "no drop logged"
ok "connections beyond maxStartups dropped"

# A real client retries as a pool would; it gets in by the random early
# drop's chance or, at the latest, once the junk's handshake deadline has
# passed (2 s), long before the junk gives up (8 s).
got=
i=0
while [ $i -lt 30 ]; do
	if out=$(airlock_psql "$P" "select 'real'" 2>/dev/null) &&
	    [ "$out" = real ]; then
		got=1
		break
	fi
	sleep 0.2
	i=$((i + 1))
done
[ -n "$got" ] || fail "the real client never got through"
ok "the real client got through after $i retries, with junk still connected"
wait_for_log "pg-trust#[0-9]+: (worker [0-9]+ killed: handshake not finished|pg: (airlock: )?timeout waiting for the startup packet)" 5 ||
    fail "no junk worker ended by the handshake deadline"
ok "junk workers ended at the handshake deadline"
airlock_alive || fail "airlockd died"
exit 0
