# Backend reuse (poolMode session): a client that leaves with Terminate
# hands its reset backend to the next client of the same service and
# startup parameters, which asks the monitor for no credential; session
# state does not leak; a client that leaves mid-transaction, another
# database, serverLifetime, serverIdleTimeout, a backend killed while idle
# and a reload each mean a new backend; cancel reaches a reused backend;
# pgbench -C keeps one backend per concurrent client.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
# airlockd -t: poolMode session only over a plaintext leg, said so.
for m in require verify-full ""; do
	{
		airlock_head
		pg_service tls "$(free_port)" scram_user "$m" "password: x"
		printf '    config:\n      poolMode: session\n'
	} >"$T/bad.yml"
	config_refused "$T/bad.yml" "poolMode session, sslmode '$m'" \
	    "poolMode session needs the credential sslmode: disable"
done
{
	airlock_head
	pg_service odd "$(free_port)" scram_user disable "password: x"
	printf '    config:\n      poolMode: transaction\n'
} >"$T/bad.yml"
config_refused "$T/bad.yml" "poolMode transaction" \
    "config.poolMode must be none or session"

P=$(free_port)
PS=$(free_port)
PI=$(free_port)
PN=$(free_port)
PB=$(free_port)
H=$(free_port)
echo "select 1;" >"$T/bench.sql"
{
	airlock_head "health: 127.0.0.1:$H"
	pg_service reuse "$P" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	printf '    config:\n      poolMode: session\n'
	pg_service short "$PS" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	printf '    config:\n      poolMode: session\n      serverLifetime: 1s\n'
	pg_service idle "$PI" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	printf '    config:\n      poolMode: session\n      serverIdleTimeout: 1s\n'
	pg_service none "$PN" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	pg_service bench "$PB" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	printf '    config:\n      poolMode: session\n      serverPoolSize: 4\n'
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

PID_SQL="select pg_backend_pid()"
# pid PORT [CONNINFO...]: the backend pid of a new session through airlock.
pid()
{
	_p=$1
	shift
	airlock_psql "$_p" "$PID_SQL" "$@" || fail "port $_p: psql failed"
}
# reuses SERVICE: how many times the log says a backend was reused.
reuses()
{
	grep -c "\] $1#[0-9]*: reusing an idle backend" "$AIRLOCK_LOG"
}

# One backend for two sessions, one after the other; the second asked for
# no credential.
a=$(pid "$P")
pg_kept reuse 1
b=$(pid "$P")
[ -n "$a" ] && [ "$a" = "$b" ] || fail "two sessions, backends $a and $b"
[ "$(reuses reuse)" = 1 ] || fail "no reuse logged"
label=$(sed -nE 's/.*\] (reuse#[0-9]+): reusing an idle backend.*/\1/p' \
    "$AIRLOCK_LOG" | tail -n 1)
grep "\] $label: " "$AIRLOCK_LOG" | grep -Eq "CREDENTIAL|SCRAM|credentials of" &&
    fail "$label asked for a credential: $(grep "\] $label: " "$AIRLOCK_LOG")"
grep -q "\] $label: authenticated (reused backend)" "$AIRLOCK_LOG" ||
    fail "$label: not authenticated as a reuse"
ok "two sessions served by backend $a; the second asked for no credential"

# Session state does not leak.
pg_kept reuse 2
airlock_psql "$P" - <<'SQL' >"$T/state.out" 2>&1 || fail "state: $(cat "$T/state.out")"
set work_mem = '7MB';
create temp table leak (x int);
prepare leakplan as select 1;
listen leakchannel;
select pg_backend_pid();
SQL
c=$(tail -n 1 "$T/state.out")
[ "$c" = "$a" ] || fail "state session on backend $c, not $a"
pg_kept reuse 3
out=$(airlock_psql "$P" "select pg_backend_pid(), current_setting('work_mem'),
    (select count(*) from pg_class where relname = 'leak'
	and relpersistence = 't'),
    (select count(*) from pg_prepared_statements),
    (select count(*) from pg_listening_channels())")
[ "$out" = "$a|4MB|0|0|0" ] || fail "session state leaked: $out"
ok "no GUC, temp table, prepared statement or LISTEN left: $out"

# A client that leaves mid-transaction (psql's Terminate with BEGIN open):
# not reused.
pg_kept reuse 4
b=$(pid "$P")
pg_kept reuse 5
pg_hold "$P" "begin; select pg_backend_pid();" "$T/tx.out"
[ "$(cat "$T/tx.out")" = "$b" ] ||
    fail "transaction on '$(cat "$T/tx.out")', not $b"
exec 9>&-
wait_pid "$held_psql" 10
wait_for_log "reuse#[0-9]+: pg: the client left a session that is not idle" ||
    fail "no line that the session was not idle"
d=$(pid "$P")
[ "$d" != "$b" ] || fail "a session left mid-transaction was reused"
ok "left mid-transaction: not reused (new backend $d)"

# A client that just disconnects (killed, no Terminate): not reused.
pg_kept reuse 6
airlock_psql "$P" "select pg_backend_pid(), pg_sleep(30)" >"$T/kill.out" 2>&1 &
k=$!
at_exit "kill -KILL $k"
n=100
while [ "$n" -gt 0 ] && [ "$(pg_admin "select count(*) from pg_stat_activity
    where pid = $d and query like '%pg_sleep(30)%'")" != 1 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || fail "the killed session is not on backend $d"
pkill -KILL -P "$k"
kill -KILL "$k" 2>/dev/null
wait "$k" 2>/dev/null
e=$(pid "$P")
[ "$e" != "$d" ] || fail "a session killed mid-query was reused"
ok "left without Terminate: not reused (new backend $e)"

# Another database: another backend.
pg_kept reuse 7
e=$(airlock_psql "$P" "$PID_SQL" | head -n 1)
f=$(pg_psql "host=127.0.0.1 port=$P dbname=template1 user=x" "$PID_SQL")
[ "$e" != "$f" ] || fail "database template1 got the backend of postgres"
ok "another database, another backend ($e, $f)"

# serverLifetime 1s and serverIdleTimeout 1s.
for s in "short $PS" "idle $PI"; do
	set -- $s
	g=$(pid "$2")
	pg_kept "$1" 1
	sleep 1.5
	h=$(pid "$2")
	[ "$g" != "$h" ] || fail "$1: backend $g reused past its time"
	ok "$1: a new backend after 1.5 s ($g, $h)"
done

# A backend killed while idle is noticed; the next client gets a new one.
i=$(pid "$P")
pg_kept reuse 10
pg_admin "select pg_terminate_backend($i)" >/dev/null
wait_for_log "reuse: an idle backend closed or spoke" 10 ||
    wait_for_log "an idle backend closed or spoke" 10 ||
    fail "the terminated idle backend went unnoticed"
j=$(pid "$P")
[ "$i" != "$j" ] || fail "terminated backend $i handed out"
ok "a backend terminated while idle is closed; next one $j"

# A reload drops the idle backends.
pg_kept reuse 11
reload_airlock HUP || fail "reload: $RELOAD_LINE"
k=$(pid "$P")
[ "$k" != "$j" ] || fail "backend $j survived the reload"
ok "reload: idle backends dropped ($j, then $k)"

# A cancel from a client of a reused backend reaches that backend: it was
# told the BackendKeyData of the backend's login.
pg_kept reuse 12
psql -X -A -t -w -d "host=127.0.0.1 port=$P dbname=postgres user=x" \
    -c "select pg_sleep(30)" >"$T/cancel.out" 2>&1 &
q=$!
at_exit "kill -KILL $q"
ACTIVE="select count(*) from pg_stat_activity where pid = $k
    and state = 'active' and query like 'select pg_sleep(30)%'"
n=100
while [ "$n" -gt 0 ] && [ "$(pg_admin "$ACTIVE")" != 1 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || fail "cancel: the query did not start on backend $k"
kill -INT "$q"
wait_pid "$q" 10
grep -q "canceling statement due to user request" "$T/cancel.out" ||
    fail "cancel: $(cat "$T/cancel.out")"
ok "a reused backend's query is cancelled through airlock"

# pgbench -C: a new connection per transaction, through idle backends; at
# the end no more backends than serverPoolSize (4) stay.
pg_kept reuse 13
timeout -k 5 120 pgbench -C -n -c 4 -j 2 -t 25 -h 127.0.0.1 -p "$PB" \
    -U someoneelse -f "$T/bench.sql" postgres >"$T/pgbench.log" 2>&1 ||
    fail "pgbench -C: $(tail -n 20 "$T/pgbench.log")"
grep -q "^number of failed transactions: 0 " "$T/pgbench.log" ||
    fail "pgbench -C: $(grep failed "$T/pgbench.log")"
r=$(reuses bench)
logins=$(grep -Ec "\] bench#[0-9]+: authenticated \(SCRAM" "$AIRLOCK_LOG")
[ "$r" -gt 0 ] || fail "pgbench -C: no backend reused"
n=$(pg_admin "select count(*) from pg_stat_activity where usename =
    'scram_user' and application_name = 'pgbench'")
[ "$n" -le 4 ] || fail "pgbench -C: $n backends left, above serverPoolSize 4"
ok "pgbench -C -c 4 -t 25: $r reused, $logins logins, $n backends left"
m=$(curl -s "http://127.0.0.1:$H/metrics") || fail "GET /metrics"
echo "$m" | grep -qx "airlock_backend_reuse_total{service=\"bench\"} $r" ||
    fail "/metrics: $(echo "$m" | grep 'airlock_backend_reuse_total')"
idle=$(echo "$m" | sed -n 's/^airlock_backend_idle{service="bench"} //p')
[ -n "$idle" ] && [ "$idle" -le 4 ] ||
    fail "/metrics: airlock_backend_idle of bench is '$idle'"
ok "/metrics: airlock_backend_reuse_total $r, airlock_backend_idle $idle"

# Without poolMode: never reused, and the relay is the plain one.
l=$(pid "$PN")
m=$(pid "$PN")
[ "$l" != "$m" ] || fail "service without poolMode reused backend $l"
ok "without poolMode: $l, $m"

airlock_alive || fail "airlockd died"
grep -E "worker [0-9]+ killed" "$AIRLOCK_LOG" &&
    fail "workers were killed"
ok "no worker was killed"
exit 0
