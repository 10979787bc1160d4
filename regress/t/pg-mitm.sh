# A man in the middle of the backend leg gets nothing from airlock in the
# default configuration (sslmode require without sslrootcert: any
# certificate passes): not the password in clear, not an MD5 answer, not a
# SCRAM proof below the iteration floor, no SCRAM without channel binding
# from a service whose backend has proven SCRAM-SHA-256-PLUS, and no
# client session by letting it in unasked (trust) where the backend has
# proven a password.
#
# The services first log in to the real PostgreSQL, whose SCRAM verifier
# has 8192 iterations: what the monitor verifies there is its evidence.
# Then PostgreSQL stops and regress/tools/fakepg takes its port, with a
# self-signed certificate made here, and asks for what an attacker would.
# A service with require_auth=scram-sha-256 refuses MD5 without any
# evidence, and a service without evidence still refuses SCRAM below
# 4096 iterations.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

FAKEPG=$TOP/regress/tools/fakepg
[ -x "$FAKEPG" ] || fail "$FAKEPG not built (make)"
pg_start

# scram_user's verifier with 8192 iterations (PostgreSQL 15 has no
# scram_iterations setting): the password on standard input, not in argv.
verifier=$(printf '%s' "$PG_SCRAM_PASSWORD" | python3 -c '
import base64, hashlib, hmac, os, sys
pw = sys.stdin.buffer.read(); salt = os.urandom(16); n = 8192
s = hashlib.pbkdf2_hmac("sha256", pw, salt, n)
k = lambda m: hmac.new(s, m, hashlib.sha256).digest()
b = lambda x: base64.b64encode(x).decode()
print("SCRAM-SHA-256$%d:%s$%s:%s" % (n, b(salt),
    b(hashlib.sha256(k(b"Client Key")).digest()), b(k(b"Server Key"))))') ||
    fail "computing a SCRAM verifier"
pg_admin "ALTER ROLE scram_user PASSWORD '$verifier'" >"$T/alter.log" 2>&1 ||
    fail "ALTER ROLE: $(cat "$T/alter.log")"

PW="password: {from: env, get: PG_SCRAM_PASSWORD}"
# service NAME [LINE...]: scram_user on the backend's port, sslmode left
# to its default (require); further lines go under the service.
service()
{
	_svc=$1
	shift
	pg_service "$_svc" "$(service_port "$_svc")" scram_user "" "$PW"
	for _l in "$@"; do
		echo "$_l"
	done
}
{
	airlock_head
	service mitm-default
	service mitm-always "    config:" "      cleartextPassword: always"
	service mitm-nocb "      channel_binding: disable"
	service mitm-pinned "      require_auth: scram-sha-256"
	service mitm-fresh
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# The real server: each service but the last two proves itself.
for s in mitm-default:SCRAM-SHA-256-PLUS mitm-always:SCRAM-SHA-256-PLUS \
    mitm-nocb:SCRAM-SHA-256; do
	name=${s%%:*}
	out=$(airlock_psql "$(port_of "$name")" "select current_user" 2>&1) ||
	    fail "$name to PostgreSQL: $out"
	[ "$out" = scram_user ] || fail "$name: got '$out'"
	wait_for_log "\] $name#[0-9]+: authenticated \(${s#*:}\)" 5 ||
	    fail "$name: not authenticated with ${s#*:}"
	ok "$name: logged in to PostgreSQL with ${s#*:} (8192 iterations)"
done

pg_stop
# The man in the middle's certificate: self-signed, for the same address.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/mitm.key" -out "$T/mitm.crt" -days 1 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1" >"$T/openssl.log" 2>&1 ||
    fail "openssl: $(cat "$T/openssl.log")"
FAKE_PID=

# fake MODE [ITER]: fakepg on PostgreSQL's port, with TLS.  It looks for
# the password in all it receives (FAKE_PASSWORD, default the real one).
fake()
{
	if [ -n "$FAKE_PID" ]; then
		kill "$FAKE_PID" 2>/dev/null
		wait "$FAKE_PID" 2>/dev/null
	fi
	: >"$T/fake.log"
	FAKEPG_LOG=$T/fake.log FAKEPG_TLS_CERT=$T/mitm.crt \
	    FAKEPG_TLS_KEY=$T/mitm.key FAKEPG_ITER=${2:-} \
	    FAKEPG_PASSWORD=${FAKE_PASSWORD:-$PG_SCRAM_PASSWORD} \
	    "$FAKEPG" "$PG_PORT" "$1" >>"$T/fake.err" 2>&1 </dev/null &
	FAKE_PID=$!
	at_exit "kill $FAKE_PID"
	wait_for_log "^listening $PG_PORT $1\$" 10 "$T/fake.log" ||
	    fail "fakepg $1 not listening: $(cat "$T/fake.err" "$T/fake.log")"
	FAKE_MODE="$1${2:+ i=$2}"
}

# attacked NAME WORDS...: the client gets an error that says each of WORDS;
# fakepg did TLS and then received no password, in any form.  GOT is what
# fakepg logged.
attacked()
{
	_svc=$1
	shift
	: >"$T/fake.log"
	out=$(airlock_psql "$(port_of "$_svc")" "select 1" 2>&1) &&
	    fail "$_svc ($FAKE_MODE): psql got through: $out"
	for _w in "$@"; do
		echo "$out" | grep -qF -- "$_w" ||
		    fail "$_svc ($FAKE_MODE): the error does not say '$_w': $out"
	done
	wait_for_log '^end$' 10 "$T/fake.log" ||
	    fail "$_svc ($FAKE_MODE): fakepg did not end: $(cat "$T/fake.log")"
	GOT=$(grep -v '^sent ' "$T/fake.log")
	echo "$GOT" | grep -qx tls-established ||
	    fail "$_svc ($FAKE_MODE): no TLS with fakepg: $GOT"
	echo "$GOT" | grep -E '^(password-message|password-bytes-seen|query)' &&
	    fail "$_svc ($FAKE_MODE): fakepg received a password: $GOT"
	ok "$_svc ($FAKE_MODE): $(echo "$out" | sed -n 's/.*FATAL: *//p' |
	    head -n 1)"
}

fake cleartext
attacked mitm-default "refusing cleartext password" \
    "has proven SCRAM-SHA-256-PLUS before"
attacked mitm-always "refusing cleartext password"
attacked mitm-fresh "refuses to send"
grep -q "refusing cleartext password after verified SCRAM-SHA-256-PLUS: possible downgrade" \
    "$AIRLOCK_LOG" || fail "no warning of a downgrade in the log"

# A server that lets the client in unasked, where the backend had proven
# a password: the worker sees it and refuses, before any query.
fake trust
attacked mitm-default "server did not complete authentication, but it has proven SCRAM-SHA-256-PLUS before: possible man in the middle"
attacked mitm-nocb "but it has proven SCRAM-SHA-256 before"

fake md5
attacked mitm-default "refusing md5"
attacked mitm-nocb "refusing md5" "has proven SCRAM-SHA-256 before"
attacked mitm-pinned \
    'server requested a hashed password, but require_auth is "scram-sha-256"'

# SCRAM below the floor: the client-first-message goes, never the final.
for i in 1 4095; do
	fake scram-ok "$i"
	attacked mitm-fresh "SCRAM with $i iterations, fewer than the 4096"
	echo "$GOT" | grep -qx "sasl-initial SCRAM-SHA-256 cbind=y" ||
	    fail "mitm-fresh (i=$i): no SASLInitialResponse: $GOT"
	echo "$GOT" | grep -q "^sasl-response" &&
	    fail "mitm-fresh (i=$i): a client-final-message went: $GOT"
done
grep -q "SCRAM with 4095 iterations, below the floor of 4096 (RFC 7677)" \
    "$AIRLOCK_LOG" || fail "no warning of the floor in the log"

fake scram-ok 4096
# 4096 is below the 8192 that the backend of mitm-nocb has proven.
attacked mitm-nocb "SCRAM with 4096 iterations, fewer than the 8192"
echo "$GOT" | grep -q "^sasl-response" &&
    fail "mitm-nocb: a client-final-message went: $GOT"
grep -q "below the floor of 8192 (proven by this service's backend)" \
    "$AIRLOCK_LOG" || fail "no warning of the proven floor in the log"
# A mechanism list stripped of -PLUS: not even a client-first-message.
attacked mitm-default "refusing SCRAM-SHA-256" \
    "has proven SCRAM-SHA-256-PLUS before"
echo "$GOT" | grep -q "^sasl-" &&
    fail "mitm-default (stripped -PLUS): a SCRAM message went: $GOT"

# The control: above the floor of a service without evidence, the proof
# goes (the floor is what stopped the ones above), and this fakepg, which
# does not know the password, finds it wrong.
FAKE_PASSWORD=not-the-password fake scram-ok 4096
attacked mitm-fresh "password authentication failed"
echo "$GOT" | grep -qx "sasl-response proof=bad" ||
    fail "mitm-fresh (control): no client-final-message: $GOT"

# A reload forgets the evidence (an operator who moved a role to md5 says
# so by reloading): the same request is answered now.
reload_airlock HUP || fail "reload: $RELOAD_LINE"
fake md5
: >"$T/fake.log"
out=$(airlock_psql "$(port_of mitm-nocb)" "select 1" 2>&1) ||
    fail "mitm-nocb (md5, after a reload): $out"
[ "$out" = fakepg-session ] || fail "mitm-nocb after a reload: got '$out'"
grep -qx "password-message len=36" "$T/fake.log" ||
    fail "mitm-nocb after a reload: no MD5 answer: $(cat "$T/fake.log")"
ok "mitm-nocb (md5, after a reload): answered, as without evidence"

airlock_unharmed "$PG_SCRAM_PASSWORD"
exit 0
