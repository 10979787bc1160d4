# Query cancellation with a TLS client leg (clientTLS, clientAuth cert): a
# CancelRequest reaches the right backend whether it comes in plaintext, as
# psql (libpq's PQcancel) sends it even for a TLS session, or over TLS with
# a client certificate, as libpq 17's PQcancelBlocking sends it
# (regress/tools/pgtlscancel.py); a plaintext one also to a service with
# poolMode session, whose worker gets no backend before its client is
# accepted but for a cancel.  A StartupMessage in plaintext is still
# refused.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/ctls.sh"

pg_start
ctls_make
P=$(free_port)
PP=$(free_port)
{
	airlock_head
	pg_ctls_service cert "$P" cert
	pg_ctls_service pool "$PP" cert
	echo "      poolMode: session"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# 1. psql over TLS; its cancel comes in plaintext.
for s in "cert $P" "pool $PP"; do
	set -- $s
	psql -X -A -t -w -d "host=localhost hostaddr=127.0.0.1 port=$2 \
	    dbname=postgres sslmode=verify-full \
	    sslrootcert=$CTLS/server-ca.crt sslcert=$CTLS/app.crt \
	    sslkey=$CTLS/app.key" -c "select pg_sleep(30)" >"$T/psql.out" 2>&1 &
	psql_pid=$!
	at_exit "kill $psql_pid"
	pg_sleeping "$psql_pid" "$T/psql.out" "$1: psql"
	kill -INT "$psql_pid"
	wait_pid "$psql_pid" 10 && fail "$1: psql exited 0: $(cat "$T/psql.out")"
	grep -q "canceling statement due to user request" "$T/psql.out" ||
	    fail "$1: psql: not cancelled: $(cat "$T/psql.out")"
	ok "$1: psql's cancel (plaintext) for a TLS session:" \
	    "$(tail -n 1 "$T/psql.out")"
	[ "$(pg_admin "$PG_SLEEPING")" = 0 ] || fail "$1: the query still runs"
done

# 2. The CancelRequest over TLS too.
rm -f "$T/go"
mkfifo "$T/go" || fail "mkfifo"
"$TOP/regress/tools/pgtlscancel.py" "$P" "$CTLS/server-ca.crt" \
    "$CTLS/app.crt" "$CTLS/app.key" <"$T/go" >"$T/py.out" 2>&1 &
py_pid=$!
at_exit "kill $py_pid"
exec 9>"$T/go"
pg_sleeping "$py_pid" "$T/py.out" "over TLS"
echo go >&9
exec 9>&-
wait_pid "$py_pid" 10 || fail "over TLS: $(cat "$T/py.out")"
grep -q "^cancelled: canceling statement due to user request" "$T/py.out" ||
    fail "over TLS: $(cat "$T/py.out")"
ok "a CancelRequest over TLS: $(tail -n 1 "$T/py.out")"
[ "$(pg_admin "$PG_SLEEPING")" = 0 ] || fail "the query still runs"

# 3. Plaintext is for cancelling only.
out=$(pg_psql "host=127.0.0.1 port=$P dbname=postgres sslmode=disable" \
    "select 1" 2>&1) && fail "a plaintext login: $out"
echo "$out" | grep -q "FATAL:  airlock: service cert accepts TLS connections only" ||
    fail "a plaintext login: unclear error: $out"
ok "a plaintext login is refused: $(echo "$out" | sed 's/.*FATAL: *//')"

airlock_alive || fail "airlockd died"
grep -q "killed" "$AIRLOCK_LOG" && fail "a worker was killed"
exit 0
