# Many clients at once, and a query killed from another connection: 50
# mariadb clients through airlock at the same time, each with a query that
# takes a second, all succeed with their own answer; the connection id in
# airlock's greeting is the backend's (PyMySQL's thread_id(), from the
# greeting, equals CONNECTION_ID()), and KILL QUERY from a
# second connection through airlock ends a SELECT SLEEP(30) of the first.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_start
P=$(free_port)
{
	airlock_head
	my_service my-many "$P" native_user disable \
	    "password: {from: file, get: $T/native.pw}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

pids=
for i in $(seq 1 50); do
	my_mariadb "$P" nobody "select $i + sleep(1)" >"$T/out.$i" 2>&1 &
	pids="$pids $!"
done
bad=0
for p in $pids; do
	wait_pid "$p" 60 || bad=$((bad + 1))
done
for i in $(seq 1 50); do
	[ "$(cat "$T/out.$i")" = "$i" ] || {
		echo "client $i: $(cat "$T/out.$i")"
		bad=$((bad + 1))
	}
done
[ "$bad" -eq 0 ] || fail "$bad of 50 concurrent clients failed"
ok "50 concurrent clients, each with its own answer"

out=$(my_pymysql "$P" nobody "select connection_id()" --thread-id) ||
    fail "PyMySQL --thread-id: $out"
# shellcheck disable=SC2086
set -- $out
if [ $# -ne 2 ] || [ "$1" != "$2" ]; then
	fail "the greeting's connection id is not CONNECTION_ID(): $out"
fi
ok "the greeting's connection id is the backend's: $1"

my_mariadb "$P" nobody "select sleep(30)" >"$T/sleep.out" 2>&1 &
SLEEPER=$!
at_exit "kill $SLEEPER"
id=
n=100
while [ -z "$id" ] && [ "$n" -gt 0 ]; do
	sleep 0.1
	id=$(my_mariadb "$P" nobody "select id from
	    information_schema.processlist where info = 'select sleep(30)'")
	n=$((n - 1))
done
[ -n "$id" ] || fail "the sleeping query is not in the process list"
my_pymysql "$P" nobody "kill query $id" || fail "KILL QUERY $id failed"
wait_pid "$SLEEPER" 25
rc=$?
[ "$rc" != 124 ] || fail "SELECT SLEEP(30) still runs 25 s after KILL QUERY"
out=$(cat "$T/sleep.out")
case "$rc:$out" in
0:1|*:*"interrupted"*) ok "KILL QUERY $id through airlock: '$out'" ;;
*) fail "SELECT SLEEP(30) after KILL QUERY: exit $rc, '$out'" ;;
esac

grep -E "died of signal" "$AIRLOCK_LOG" && fail "a worker died of a signal"
airlock_alive || fail "airlockd died"
exit 0
