# A hostile client: malformed and odd startup packets, played byte for
# byte with regress/tools/rawpg.  Each one gets a clean protocol error (an
# ErrorResponse with its SQLSTATE, or the connection closed) and costs at
# most its own worker; a connection opened before the attacks keeps working,
# and afterwards airlockd still serves, with no worker dead of a signal and
# none killed by the monitor.
#
# rawpg prints one line per message; here the ParameterStatus lines ("S
# name=value", which depend on the server) are left out, and a connection
# reset (the worker closed with our bytes still unread) counts as the EOF
# that it is.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

RAWPG=$TOP/regress/tools/rawpg
[ -x "$RAWPG" ] || fail "$RAWPG not built"

pg_start
P=$(free_port)
{
	# Short, so that the cases that stall are over soon.
	airlock_head "handshakeTimeout: 2s"
	pg_service pg-trust "$P" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# A table that an injected "drop table t" would take with it.
pg_admin "create table t (i int); alter table t owner to trust_user" >/dev/null ||
    fail "cannot create table t"

# raw STEP...: play a script against airlock, print what came back.
raw()
{
	"$RAWPG" 127.0.0.1 "$P" "$@" >"$T/raw.out" 2>"$T/raw.err" ||
	    fail "rawpg $*: exit $?: $(cat "$T/raw.err")"
	grep -v '^S ' "$T/raw.out" | sed 's/^RESET$/EOF/'
}

# expect NAME EXPECTED STEP...: the output of the script must be EXPECTED,
# line for line, and airlockd must be alive.
expect()
{
	_name=$1
	_want=$2
	shift 2
	_got=$(raw "$@")
	[ "$_got" = "$_want" ] || fail "$_name: got
$_got
--- expected
$_want"
	airlock_alive || fail "$_name: airlockd died"
	# printf: echo would take a backslash in the output for an escape.
	printf 'ok: %s: %s\n' "$_name" "$(printf '%s' "$_got" | tr '\n' '/')"
}

SSL=0000000804d2162f
GSS=0000000804d21630
GOOD=$(startup 00030000 user someoneelse database postgres)
BAD_LEN="E S=FATAL C=08P01 M=invalid length of startup packet
EOF"
BAD_LAYOUT="E S=FATAL C=08P01 M=invalid startup packet layout
EOF"
TIMEOUT="E S=FATAL C=08006 M=airlock: timeout waiting for the startup packet
EOF"
AUTHED="R 0
K
Z I"
SELECT1="T 1
D 1
C SELECT 1
Z I"

# A connection that is there before the attacks and must outlive them.
mkfifo "$T/survivor.in" || fail "mkfifo"
timeout -k 5 200 psql -X -A -t -q -w -v ON_ERROR_STOP=1 -d \
    "host=127.0.0.1 port=$P dbname=postgres application_name=survivor" \
    -f - <"$T/survivor.in" >"$T/survivor.out" 2>&1 &
SURVIVOR=$!
at_exit "kill $SURVIVOR"
exec 3>"$T/survivor.in"
echo "select 'first';" >&3
n=100
while [ "$n" -gt 0 ] && [ "$(pg_admin "select count(*) from pg_stat_activity
    where application_name = 'survivor'")" != 1 ]; do
	sleep 0.1
	n=$((n - 1))
done
[ "$n" -gt 0 ] || fail "the survivor connection did not start: $(cat "$T/survivor.out")"

expect "a well-formed client, for comparison" "$AUTHED
$SELECT1" x:"$GOOD" r x:"$(query "select 1")" r

# The length word (PostgreSQL's limits: 8 to 10000 bytes, itself included).
for len in 00000000 00000007 80000000 ffffffff 00002711; do
	expect "startup length 0x$len" "$BAD_LEN" x:${len}00030000 r
done
expect "startup length 8 (no parameters, no terminator)" "$BAD_LAYOUT" \
    x:0000000800030000 r
# 10000 bytes is allowed, but with the user from the credentials in place
# of the client's the packet for the backend would be longer.
b=$(startup 00030000 user x database postgres search_path "")
val=$(printf "%0$((10000 - ${#b} / 2))d" 0 | tr 0 a)
b=$(startup 00030000 user x database postgres search_path "$val")
[ "$(echo "$b" | cut -c1-8)" = 00002710 ] || fail "not a 10000-byte packet"
expect "startup length 10000 (the limit)" \
    "E S=FATAL C=08P01 M=airlock: the startup packet for the backend would be too long
EOF" x:"$b" r
# trust_user is 9 bytes longer than x: 9991 bytes still fit.
b=$(startup 00030000 user x database postgres search_path \
    "$(echo "$val" | cut -c10-)")
expect "startup length 9991 (10000 with the credentials' user)" "$AUTHED" \
    x:"$b" r

# A length that disagrees with the bytes that follow.
expect "announces 100 bytes, sends 20, waits: timeout" "$TIMEOUT" \
    x:00000064$(echo "$GOOD" | cut -c9-40) r
expect "announces 20 bytes of a longer packet, sends 100" "$BAD_LAYOUT" \
    x:00000014$(echo "$GOOD" | cut -c9-) x:$(printf '%0132d' 0) r
# A whole packet of 34 bytes, then 66 bytes of 'x': after authentication
# they reach the backend as the next message, and it refuses that.
expect "announces 34 bytes, sends 100: the rest is the next message" "$AUTHED
E S=FATAL C=08P01 M=invalid frontend message type 120
EOF" x:"$GOOD" R:66 s:x r r

expect "startup packet one byte at a time" "$AUTHED
$SELECT1" b:"$GOOD" r x:"$(query "select 1")" r

# Encryption requests.  airlock answers 'N' and switches nothing on, so
# bytes sent with the request are simply the next packet.  (CVE-2021-23214
# in PostgreSQL and CVE-2021-3935 in PgBouncer: a server that answered 'S'
# and then took such bytes as if they had come over TLS.)
expect "SSLRequest and StartupMessage in one write" "N
$AUTHED
$SELECT1" x:"$SSL$GOOD" r r x:"$(query "select 1")" r
expect "SSLRequest twice" "N
E S=FATAL C=08P01 M=SSLRequest sent twice
EOF" x:$SSL r x:$SSL r
expect "GSSENCRequest twice in one write" "N
E S=FATAL C=08P01 M=GSSENCRequest sent twice
EOF" x:$GSS$GSS r r
expect "GSSENCRequest, SSLRequest, StartupMessage" "N
N
$AUTHED" x:$GSS r x:$SSL r x:"$GOOD" r
expect "GSSENCRequest, SSLRequest, StartupMessage in one write" "N
N
$AUTHED" x:"$GSS$SSL$GOOD" r r r

# A second StartupMessage in the same write: airlock reads exactly the
# first; the second reaches the backend after authentication, which takes
# its length word for a message type 0.
expect "two StartupMessages in one write" "$AUTHED
E S=FATAL C=08P01 M=invalid frontend message type 0
EOF" x:"$GOOD$GOOD" r r
out=$(airlock_psql "$P" "select 'unaffected'" 2>&1) || fail "psql: $out"
[ "$out" = unaffected ] || fail "psql after two StartupMessages: $out"
ok "another connection meanwhile: $out"

# Parameters: Strings are NUL-terminated, the list ends with an empty one.
u=75736572007800		# user\0x\0
d=646174616261736500706f737467726573	# database\0postgres
expect "no NUL after the last value" "$BAD_LAYOUT" x:$(pkt 00030000$u$d) r
expect "no final NUL" "$BAD_LAYOUT" x:$(pkt 00030000$u${d}00) r
expect "a key without NUL" "$BAD_LAYOUT" x:$(pkt 0003000075736572) r
expect "a key without value" "$BAD_LAYOUT" x:$(pkt 00030000${u}${d}006b0000) r
expect "an empty key" "$BAD_LAYOUT" x:$(pkt 00030000${u}007800${d}0000) r
expect "a duplicated key (user)" "$BAD_LAYOUT" \
    x:"$(startup 00030000 user x database postgres user y)" r
expect "a duplicated key (database)" "$BAD_LAYOUT" \
    x:"$(startup 00030000 database postgres user x database template1)" r
expect "no user" "E S=FATAL C=28000 M=no PostgreSQL user name specified in startup packet
EOF" x:"$(startup 00030000 database postgres)" r
# 64 parameters are accepted (the backend then refuses k00, which is no
# setting); a 65th is refused by airlock.
params=
i=0
while [ $i -lt 62 ]; do
	params=${params}6b3$((i / 10))3$((i % 10))007600	# kNN\0v\0
	i=$((i + 1))
done
expect "64 parameters" "R 0
E S=FATAL C=42704 M=unrecognized configuration parameter \"k00\"
EOF" x:$(pkt 00030000$u${d}00${params}00) r
expect "65 parameters" "E S=FATAL C=08P01 M=airlock: more than 64 startup parameters
EOF" \
    x:$(pkt 00030000$u${d}00${params}6b3632007600${d}00) r
expect "10,000 parameters" "$BAD_LEN" \
    x:$(printf %08x $((4 + 4 + 10000 * 4 + 1)))00030000 R:10000 x:6b007600 z r

# Quotes, semicolons, backslashes: they are data, and PostgreSQL says so.
expect "database x'; drop table t; --" "R 0
E S=FATAL C=3D000 M=database \"x'; drop table t; --\" does not exist
EOF" x:"$(startup 00030000 user x database "x'; drop table t; --")" r
expect "database with a backslash, a quote and a semicolon" "R 0
E S=FATAL C=3D000 M=database \"a\\b\"c;d\" does not exist
EOF" x:"$(startup 00030000 user x database 'a\b"c;d')" r
# The client's user is replaced by the one in the credentials.
expect "user x'; drop table t; --" "$AUTHED
T 1
D trust_user
C SELECT 1
Z I" x:"$(startup 00030000 user "x'; drop table t; --" database postgres)" r \
    x:"$(query "select current_user")" r
expect "options -c search_path='; drop table t; --" "R 0
E S=FATAL C=42601 M=invalid command-line argument for server process: drop
EOF" x:"$(startup 00030000 user x database postgres \
    options "-c search_path='; drop table t; --")" r
expect "options with escaped quotes and backslashes" "$AUTHED
T 1
D a;b\\c\"d
C SHOW
Z I" x:"$(startup 00030000 user x database postgres \
    options '-c application_name=a\;b\\c\"d')" r \
    x:"$(query "show application_name")" r
# A NUL inside a value ends it: "postgres\0x" is database postgres, then
# x is the next key.  With the packet's own final NUL that key has an empty
# value and the list no end; with one NUL more, x is a setting for the
# backend, which does not know it.
expect "database postgres NUL x" "$BAD_LAYOUT" \
    x:$(pkt 00030000$u${d}00780000) r
expect "database postgres NUL x, NUL-terminated again" "R 0
E S=FATAL C=42704 M=unrecognized configuration parameter \"x\"
EOF" x:$(pkt 00030000$u${d}0078000000) r
expect "user x NUL y (y becomes a key)" "$BAD_LAYOUT" \
    x:$(pkt 00030000${u}7900${d}0000) r
[ "$(pg_admin "select count(*) from pg_tables where tablename = 't'")" = 1 ] ||
    fail "table t is gone"
ok "table t is still there"

# Protocol versions: only 3.x.
expect "protocol 2.0" "E S=FATAL C=0A000 M=unsupported frontend protocol 2.0: airlock supports 3.0 and later 3.x
EOF" x:"$(startup 00020000 user x database postgres)" r
expect "protocol 4.0" "E S=FATAL C=0A000 M=unsupported frontend protocol 4.0: airlock supports 3.0 and later 3.x
EOF" x:"$(startup 00040000 user x database postgres)" r
# A newer 3.x goes to the backend, which may negotiate it down.
out=$(raw x:"$(startup 0003ffff user x database postgres)" r)
case "$out" in
"$AUTHED" | "v 196608 0
$AUTHED") ok "protocol 3.65535: $(printf '%s' "$out" | tr '\n' '/')" ;;
*) fail "protocol 3.65535: $out" ;;
esac

expect "a Query message first" "$BAD_LEN" x:"$(query "select 1")" r

# Clients that stall or go.
expect "connects and sends nothing" "$TIMEOUT" r
"$RAWPG" 127.0.0.1 "$P" x:"$(echo "$GOOD" | cut -c1-34)" >"$T/raw.out" 2>&1 ||
    fail "rawpg: $(cat "$T/raw.out")"
[ ! -s "$T/raw.out" ] || fail "half a packet: $(cat "$T/raw.out")"
wait_for_log "pg-trust#[0-9]+: pg: incomplete startup packet" 5 ||
    fail "half a packet: no 'incomplete startup packet' in the log"
ok "half a startup packet, then close"
expect "half a length word, then close" "" x:0000
expect "half a startup packet, then wait" "SILENT" \
    x:"$(echo "$GOOD" | cut -c1-34)" r:500

# CancelRequest: 16 bytes (3.0) to 268 (3.2, a 256-byte key).
expect "CancelRequest of 12 bytes" "$BAD_LAYOUT" x:0000000c04d2162e00000001 r
expect "CancelRequest of 272 bytes" "$BAD_LAYOUT" \
    x:0000011004d2162e00000001 R:260 x:00 r
expect "CancelRequest of 268 bytes, for no one: closed, no answer" "EOF" \
    x:0000010c04d2162e00000001 R:256 x:00 r
expect "CancelRequest for no one: closed, no answer" "EOF" \
    x:0000001004d2162e0000000100000002 r

# Afterwards: airlockd serves, the old connection works, nothing died.
out=$(airlock_psql "$P" "select 1 + 1" 2>&1) || fail "psql at the end: $out"
[ "$out" = 2 ] || fail "psql at the end: $out"
ok "a normal query through airlock: $out"
kill -0 "$SURVIVOR" 2>/dev/null ||
    fail "the survivor connection ended early: $(cat "$T/survivor.out")"
echo "select 'survivor';" >&3
exec 3>&-
wait "$SURVIVOR" || fail "the survivor connection: $(cat "$T/survivor.out")"
[ "$(cat "$T/survivor.out")" = "first
survivor" ] || fail "the survivor connection: $(cat "$T/survivor.out")"
ok "the connection made before the attacks still works"
airlock_alive || fail "airlockd died"
! grep -E "died of signal|killed:" "$AIRLOCK_LOG" ||
    fail "a worker died of a signal or was killed"
ok "airlockd alive; no worker died of a signal or was killed"
exit 0
