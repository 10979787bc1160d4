# Backend reuse (poolMode session): the client of a reused backend is told
# the session's current ParameterStatus values, not those of the backend's
# login.  A reload that changes a reported setting (TimeZone) while a
# client holds the session reaches its backend at its next command: a
# query of that client (the ParameterStatus passes in the relay), or the
# reset when it leaves (the ParameterStatus is in the reset's answer).
# The next client, a raw one that prints every message (rawpg), must hear
# the new value in its login, and the session must say the same.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

RAWPG=$TOP/regress/tools/rawpg
[ -x "$RAWPG" ] || fail "$RAWPG not built"

pg_start
P=$(free_port)
{
	airlock_head
	pg_service reuse "$P" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	printf '    config:\n      poolMode: session\n'
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# The StartupMessage of psql -X with its input not a terminal (user,
# database, application_name, in libpq's order: the reuse key keeps it),
# a Query and a Terminate.
STARTUP=$(startup 00030000 user x database postgres application_name psql)
QUERY=$(query "select pg_backend_pid(), current_setting('TimeZone')")
TERMINATE=5800000004

# hold N: a psql session through airlock, open on fd 9; its backend pid
# in $held.
hold()
{
	pg_hold "$P" "select pg_backend_pid();" "$T/hold$1.out"
	held=$(head -n 1 "$T/hold$1.out")
}

# release: psql leaves with Terminate.
release()
{
	exec 9>&-
	wait_pid "$held_psql" 10 || fail "psql: exit status $?"
}

# raw N TZ KEPT: once KEPT backends have been kept, the next client hears
# TimeZone TZ at its login, on backend $held, and the session says TZ.
raw()
{
	pg_kept reuse "$3"
	"$RAWPG" 127.0.0.1 "$P" "x:$STARTUP" r "x:$QUERY" r "x:$TERMINATE" \
	    >"$T/raw$1.out" 2>&1 || fail "rawpg: $(cat "$T/raw$1.out")"
	grep -qx "S TimeZone=$2" "$T/raw$1.out" &&
	    grep -qx "D $held|$2" "$T/raw$1.out" ||
	    fail "reused backend $held: not TimeZone $2: $(cat "$T/raw$1.out")"
}

# The reload comes to client 1 in the relay.
hold 1
pg_reload_setting timezone Asia/Kathmandu
printf 'select 1;\n' >&9
release
raw 1 Asia/Kathmandu 1
ok "a reload during a session, told in the relay: the next client hears" \
    "TimeZone Asia/Kathmandu on backend $held"

# The reload comes in the answer to the reset.
hold 2
pg_reload_setting timezone Pacific/Chatham
release
raw 2 Pacific/Chatham 3
ok "a reload during a session, told in the reset's answer: the next" \
    "client hears TimeZone Pacific/Chatham on backend $held"

airlock_alive || fail "airlockd died"
grep -E "worker [0-9]+ killed" "$AIRLOCK_LOG" && fail "workers were killed"
exit 0
