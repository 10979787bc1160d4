# Twenty reloads in a row under a light pgbench load that connects anew
# for every transaction: each reload changes the benchmarked service (its
# socket is kept) and adds or removes two others (TCP and Unix).  pgbench
# sees no error, and afterwards airlockd holds no more descriptors and no
# more workers than before.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

RELOADS=20
pg_start
P=$(free_port)
PX=$(free_port)
S=$T/sock
mkdir -p "$S"
chmod 0755 "$S"
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/scram.pw"
chmod 0600 "$T/scram.pw"
# Its children and descriptors are counted as connections': no idle workers.
HEAD=$(airlock_head "logLevel: info" "workerPoolMinIdle: 0")
config_a()
{
	echo "$HEAD"
	pg_service pg-bench "$P" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
}
config_b()
{
	echo "$HEAD"
	pg_service pg-bench "$P" scram_user disable \
	    "password: {from: file, get: $T/scram.pw}"
	pg_service pg-extra "$PX" trust_user disable
	pg_service pg-extra-unix "unix://$S/.s.PGSQL.$PX" trust_user disable
}
config_a >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

nfds()
{
	ls "/proc/$AIRLOCK_PID/fd" | wc -l
}
workers()
{
	pgrep -P "$AIRLOCK_PID" | wc -l
}
fds0=$(nfds)

echo "select 1;" >"$T/select.sql"
# pgbench, run after run, until the reloads are done.
(
	i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		timeout -k 5 60 pgbench -n -C -c 4 -j 2 -t 10 -f "$T/select.sql" \
		    -h 127.0.0.1 -p "$P" -U someoneelse postgres \
		    >"$T/pgbench.$i.log" 2>&1 || { echo "$i" >"$T/failed"; exit 1; }
	done
	echo "$i" >"$T/runs"
) &
bench=$!
at_exit "kill $bench"
wait_for_log "pg-bench#[0-9]+: authenticated" 20 || fail "pgbench did not start"

i=0
while [ "$i" -lt "$RELOADS" ]; do
	i=$((i + 1))
	if [ $((i % 2)) -eq 1 ]; then config_b; else config_a; fi >"$T/airlock.yml.new"
	mv "$T/airlock.yml.new" "$T/airlock.yml"
	reload_airlock HUP || fail "reload $i: $RELOAD_LINE"
	[ -e "$T/failed" ] && break
done
touch "$T/stop"
wait "$bench"
rc=$?
if [ -e "$T/failed" ]; then
	fail "pgbench run $(cat "$T/failed") failed: $(tail -n 20 "$T/pgbench.$(cat "$T/failed").log")"
fi
[ "$rc" -eq 0 ] || fail "the pgbench loop exited with $rc"
runs=$(cat "$T/runs")
for f in "$T"/pgbench.*.log; do
	grep -q "^number of failed transactions: 0 " "$f" ||
	    fail "$f: $(grep failed "$f")"
done
ok "$RELOADS reloads during $runs pgbench runs (40 connections each), no error"
[ "$(grep -c "\] reloaded " "$AIRLOCK_LOG")" -eq "$RELOADS" ] ||
    fail "not $RELOADS reloads in the log"
changed=$(grep -c "service pg-bench changed" "$AIRLOCK_LOG")
[ "$changed" -eq "$RELOADS" ] || fail "pg-bench changed $changed times"

n=100
while [ "$n" -gt 0 ] && { [ "$(workers)" -ne 0 ] || [ "$(nfds)" -gt "$fds0" ]; }; do
	sleep 0.1
	n=$((n - 1))
done
[ "$(workers)" -eq 0 ] || fail "$(workers) worker(s) left"
[ "$(nfds)" -eq "$fds0" ] ||
    fail "airlockd holds $(nfds) descriptors, $fds0 before: $(ls -l "/proc/$AIRLOCK_PID/fd")"
[ -e "$S/.s.PGSQL.$PX" ] && fail "the removed Unix socket file is still there"
ok "no worker left; $fds0 descriptors before and after"
airlock_alive || fail "airlockd died"
grep -E "worker [0-9]+ (killed|died)" "$AIRLOCK_LOG" &&
    fail "workers were killed or died"
exit 0
