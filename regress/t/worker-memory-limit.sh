# workerMemoryLimit: a worker's address space is limited (RLIMIT_AS): a
# live worker's /proc/PID/limits shows the configured value while it serves
# a TLS session within it; a limit too low for a worker to start makes the
# worker fail with a clear error that airlockd logs, and airlockd goes on;
# a reload applies a new value to new workers, and the default is 128M.
# (The sanitizer build sets no limit: ASan's shadow memory needs terabytes
# of address space; there the test checks that no limit is set.)
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
# conf [SETTING]: the service over verified TLS, with SETTING if any.
conf()
{
	airlock_head "$@"
	pg_service pg-tls "$P" scram_user verify-full \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}" \
	    "sslrootcert: {from: file, get: $PG_CA}" "sslhost: localhost"
}

# limit_of_session WANT: a session's worker has WANT as its limit.
limit_of_session()
{
	airlock_session "$P" pg-tls "select pg_sleep(2)" "$T/psql.out"
	got=$(proc_limit "$WORKER_PID" "Max address space")
	[ "$got" = "$1" ] || fail "worker $WORKER_PID: Max address space $got, expected $1"
	wait "$SESSION_PID" || fail "the session failed: $(cat "$T/psql.out")"
	ok "worker $WORKER_PID: Max address space $got, its TLS session ran within it"
}

conf "workerMemoryLimit: 64M" >"$T/airlock.yml"
start_airlock "$T/airlock.yml"
if [ "${AIRLOCK_SANITIZE:-}" = asan ]; then
	limit_of_session unlimited
	ok "asan: no address-space limit, as documented"
	exit 0
fi
limit_of_session 67108864

conf "workerMemoryLimit: 1M" >"$T/airlock.yml"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
out=$(airlock_psql "$P" "select 1" 2>&1) && fail "a worker ran within 1M: $out"
# The client's worker, or an idle one of the pool that failed the same way
# before a client came (whose line is the pool's).
wait_for_log "(pg-tls#[0-9]+|worker pool: worker [0-9]+): sandbox: rlimit: RLIMIT_AS: a limit of 1048576 bytes leaves less than 1048576 bytes beyond what the worker maps at start" 5 ||
    fail "the worker's error is not logged"
ok "1M: the worker says why it cannot start: $(grep -o 'sandbox: rlimit: RLIMIT_AS.*' "$AIRLOCK_LOG" | head -n 1)"
ok "the client is told the connection ended: $(echo "$out" | head -n 1)"
airlock_alive || fail "airlockd died"

conf >"$T/airlock.yml"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
limit_of_session 134217728
airlock_alive || fail "airlockd died"
exit 0
