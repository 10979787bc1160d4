# Backend reuse's fallback (poolMode session): a worker that takes an idle
# backend and finds it unfit before its client speaks closes it and has
# the monitor dial and authenticate a new one; its client sees an ordinary
# session on another backend, and airlockd says why.  Two ways a real
# PostgreSQL makes an idle backend unfit where the monitor's watch of the
# idle socket cannot see it:
# - terminated while idle: pg_terminate_backend on a backend that is
#   stopped (SIGSTOP) while it waits in the pool, woken once the monitor
#   has handed it out, so that its FATAL comes to the worker that took it
#   (unstopped, it would come while idle, and the monitor closes such a
#   backend itself: pg-reuse.sh);
# - its reset answered with more than CommandComplete and ReadyForQuery:
#   a reload that changes a GUC_REPORT setting (TimeZone) reaches an idle
#   backend at its next command, which is the taker's reset, and its
#   ParameterStatus comes before ReadyForQuery ("Asynchronous Operations").
# /metrics counts both hand-outs as reuses and as fallbacks.
# Bytes after the answer are what no real server sends on cue: the unit
# test pgreuse_take plays them over a socketpair.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
H=$(free_port)
{
	airlock_head "health: 127.0.0.1:$H"
	pg_service reuse "$P" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	printf '    config:\n      poolMode: session\n'
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

PID_SQL="select pg_backend_pid()"
# checked N WHY: the log says that a worker's taken backend failed its
# check N times, the last time for WHY.
checked()
{
	_lines=$(grep "\] reuse#[0-9]*: pg: a reused backend failed its reset \
check" "$AIRLOCK_LOG")
	[ "$(echo "$_lines" | grep -c .)" = "$1" ] &&
	    echo "$_lines" | tail -n 1 | grep -qF "check ($2);" ||
	    fail "not $1 lines that the reset check failed ($2): $_lines"
}

# Terminated while idle, found so by the worker that took it.
a=$(airlock_psql "$P" "$PID_SQL") || fail "first session"
pg_kept reuse 1
kill -STOP "$a" || fail "SIGSTOP backend $a"
at_exit "kill -CONT $a"
[ "$(pg_admin "select pg_terminate_backend($a)")" = t ] ||
    fail "pg_terminate_backend($a)"
airlock_psql "$P" "$PID_SQL" >"$T/term.out" 2>&1 &
c=$!
at_exit "kill -KILL $c"
wait_for_log "\] reuse#[0-9]+: reusing an idle backend" 10 ||
    fail "the stopped backend $a was not handed out"
kill -CONT "$a"
wait_pid "$c" 20 || fail "terminated idle backend: $(cat "$T/term.out")"
b=$(cat "$T/term.out")
[ -n "$b" ] && [ "$b" != "$a" ] || fail "terminated backend $a: got '$b'"
checked 1 "an ErrorResponse, SQLSTATE 57P01"
label=$(sed -n 's/.*\] \(reuse#[0-9]*\): pg: a reused backend failed.*/\1/p' \
    "$AIRLOCK_LOG")
grep -q "\] $label: authenticated (SCRAM" "$AIRLOCK_LOG" ||
    fail "$label: no new backend authenticated"
ok "backend $a terminated while idle: its FATAL came to $label," \
    "which dialed $b"

# A reload that changes TimeZone: the reset's answer has a ParameterStatus.
pg_kept reuse 2
tz=$(pg_admin "show timezone")
new=Pacific/Chatham
[ "$tz" != "$new" ] || new=Asia/Kathmandu
pg_reload_setting timezone "$new"
out=$(airlock_psql "$P" "select pg_backend_pid(), current_setting('TimeZone')")
d=${out%%|*}
[ "$out" = "$d|$new" ] && [ "$d" != "$b" ] ||
    fail "after the reload: '$out' (the idle backend was $b)"
checked 2 "a ParameterStatus"
ok "TimeZone $tz -> $new while idle: a ParameterStatus in the reset's" \
    "answer; the taker dialed $d"

# The fresh backends are kept in their turn and reused as usual.
pg_kept reuse 3
e=$(airlock_psql "$P" "$PID_SQL")
[ "$e" = "$d" ] || fail "backend $d was not reused: $e"
ok "backend $d reused after the fallbacks"

m=$(curl -s "http://127.0.0.1:$H/metrics") || fail "GET /metrics"
for want in 'airlock_backend_reuse_total{service="reuse"} 3' \
    'airlock_backend_reuse_fallbacks_total{service="reuse"} 2'; do
	echo "$m" | grep -qxF "$want" ||
	    fail "/metrics: not $want: $(echo "$m" | grep backend_reuse)"
done
ok "/metrics: 3 reuses, 2 of them fallbacks"

airlock_alive || fail "airlockd died"
grep -E "worker [0-9]+ killed" "$AIRLOCK_LOG" && fail "workers were killed"
exit 0
