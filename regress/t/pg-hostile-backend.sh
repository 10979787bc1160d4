# A hostile PostgreSQL backend: malformed messages, forged or skipped SCRAM
# steps, costly or bogus SCRAM parameters, weak authentication requests,
# a TLS downgrade and a CVE-2021-23222 injection, a slowloris.  For each,
# the client gets a clean FATAL error from airlock that says what went
# wrong, airlock sends the backend nothing it should not (never the
# password), no worker is killed or dies of a signal, and at the end
# airlockd still serves a real PostgreSQL.
#
# The backends are regress/tools/fakepg, a scripted stand-in: a real server
# cannot be made to misbehave.  Where a mode would lead an airlock that
# fails to notice into a session, fakepg accepts it and answers queries
# with "fakepg-session", so a fooled airlock shows as a psql that succeeds.
# The mode scram-ok is the control: an honest SCRAM server, which airlock
# must accept (it proves that fakepg's SCRAM is right, so that the SCRAM
# failures below are for the reason they claim).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

FAKEPG=$TOP/regress/tools/fakepg
[ -x "$FAKEPG" ] || fail "$FAKEPG not built (make)"
pg_start

# Literal: it is a test; distinctive, so that a leak is found by grep.
PASSWORD=pencil-hostile-4f1d
FAKEPG_PASSWORD=$PASSWORD
export FAKEPG_PASSWORD
HS_TIMEOUT=3

HOSTILE="error-no-sqlstate error-no-terminator error-bad-length sasl-unknown
    sasl-plus-only scram-iter-0 scram-iter-huge scram-iter-over scram-bad-nonce
    scram-bad-signature scram-ok-without-final md5-short-salt cleartext ssl-n
    ssl-s-then-garbage unknown-auth unexpected-message slowloris"
STARTUP="startup user=fake_user database=postgres"

# expect MODE: what airlock must say to the client (EXP_MSG), with which
# SQLSTATE (EXP_CODE, from airlock's log), and the exact list of what
# fakepg may receive after "connection" (EXP_SEQ, one item a line).
expect()
{
	EXP_SEQ="$STARTUP
eof"
	case "$1" in
	error-no-sqlstate|error-no-terminator)
		EXP_MSG="airlock: the backend sent a malformed ErrorResponse"
		EXP_CODE=08P01 ;;
	error-bad-length)
		EXP_MSG="airlock: invalid message length from the backend"
		EXP_CODE=08P01 ;;
	sasl-unknown|sasl-plus-only)
		EXP_MSG="airlock: the backend offers no SASL mechanism that airlock supports"
		EXP_CODE=28000 ;;
	scram-iter-0)
		EXP_MSG="airlock: the backend sent an unacceptable SCRAM challenge (malformed input)"
		EXP_CODE=28000 ;;
	scram-iter-huge|scram-iter-over)
		EXP_MSG="airlock: the backend sent an unacceptable SCRAM challenge (refused by policy)"
		EXP_CODE=28000 ;;
	scram-bad-nonce)
		EXP_MSG="airlock: the backend sent an unacceptable SCRAM challenge (protocol violation)"
		EXP_CODE=28000 ;;
	scram-bad-signature)
		EXP_MSG="airlock: the backend failed SCRAM server verification"
		EXP_CODE=28000 ;;
	scram-ok-without-final)
		EXP_MSG="airlock: authentication request 0 from the backend out of order"
		EXP_CODE=08P01 ;;
	md5-short-salt)
		EXP_MSG="airlock: invalid authentication request from the backend"
		EXP_CODE=08P01 ;;
	cleartext)
		EXP_MSG="airlock: the backend asked for the password in clear, which service fake-cleartext refuses to send"
		EXP_CODE=28000 ;;
	ssl-n)
		EXP_MSG="airlock: the backend does not support TLS, and sslmode is require"
		EXP_CODE=08006 ;;
	ssl-s-then-garbage)
		EXP_MSG="airlock: the backend sent unencrypted data after its SSL response"
		EXP_CODE=08006 ;;
	unknown-auth)
		EXP_MSG="airlock: the backend asked for an authentication method airlock does not support (7)"
		EXP_CODE=28000 ;;
	unexpected-message)
		EXP_MSG="airlock: unexpected message type 0x44 from the backend during authentication"
		EXP_CODE=08P01 ;;
	slowloris)
		EXP_MSG="airlock: timeout while talking to the backend"
		EXP_CODE=08006 ;;
	*)
		fail "no expectation for mode $1" ;;
	esac
	# What airlock must have sent before it gave up.
	case "$1" in
	scram-iter-*|scram-bad-nonce)
		EXP_SEQ="$STARTUP
sasl-initial SCRAM-SHA-256
eof" ;;
	scram-bad-signature|scram-ok-without-final)
		EXP_SEQ="$STARTUP
sasl-initial SCRAM-SHA-256
sasl-response proof=ok
eof" ;;
	ssl-*)
		EXP_SEQ="ssl-request
eof" ;;
	esac
}

# The TLS modes are for sslmode require, where 'N' or plaintext after 'S'
# must end the connection; the others ask for no TLS at all (cleartext:
# the default cleartextPassword, never, refuses).
sslmode_of()
{
	case "$1" in
	ssl-*) echo require ;;
	*) echo disable ;;
	esac
}

# start_fake MODE: a fakepg on a port of its own; its listener's port is in
# $T/MODE.listen for the service.
start_fake()
{
	_fp=$(free_port)
	free_port >"$T/$1.listen"
	: >"$T/fake-$1.log"
	FAKEPG_LOG=$T/fake-$1.log "$FAKEPG" "$_fp" "$1" \
	    >>"$T/fake-$1.err" 2>&1 </dev/null &
	at_exit "kill $!"
	wait_for_log "^listening $_fp $1\$" 5 "$T/fake-$1.log" ||
	    fail "fakepg $1 not listening: $(cat "$T/fake-$1.err" \
	    "$T/fake-$1.log")"
	cat <<EOF
  fake-$1:
    connector: pg
    listenOn: tcp://127.0.0.1:$(cat "$T/$1.listen")
    credentials:
      host: 127.0.0.1
      port: $_fp
      username: fake_user
      password: $PASSWORD
      sslmode: $(sslmode_of "$1")
EOF
}

# through MODE: psql through airlock to MODE's fakepg; output in $OUT, the
# time it took in $MS (milliseconds); the status is psql's.
through()
{
	_t0=$(date +%s%N)
	OUT=$(airlock_psql "$(cat "$T/$1.listen")" "select 'through airlock'" \
	    "sslmode=disable gssencmode=disable" 2>&1 </dev/null)
	_rc=$?
	MS=$(( ($(date +%s%N) - _t0) / 1000000 ))
	return $_rc
}

# received MODE: wait until MODE's fakepg has closed its connection; then
# RECEIVED is what it received (its own "sent" lines left out), from the
# last "connection" on.
received()
{
	wait_for_log '^end$' 10 "$T/fake-$1.log" ||
	    fail "$1: fakepg did not end its connection: $(cat "$T/fake-$1.log")"
	RECEIVED=$(awk '/^connection$/ { n = 0 } { a[n++] = $0 }
	    END { for (i = 0; i < n; i++) print a[i] }' "$T/fake-$1.log" |
	    grep -v -e '^sent ' -e '^listening ')
}

# check MODE: one hostile connection, and everything that must hold.
check()
{
	_m=$1
	expect "$_m"
	: >"$T/fake-$_m.log"
	through "$_m" && fail "$_m: psql got through a hostile backend: $OUT"
	case "$OUT" in
	*"FATAL:  $EXP_MSG"*) ;;
	*) fail "$_m: the client did not get \"FATAL:  $EXP_MSG\": $OUT" ;;
	esac
	case "$OUT" in
	*fakepg-session*|*"closed the connection unexpectedly"*)
		fail "$_m: no clean error: $OUT" ;;
	esac
	received "$_m"
	_want=$(printf 'connection\n%s\nend\n' "$EXP_SEQ")
	# A Terminate before closing would be polite, not a leak.
	_got=$(echo "$RECEIVED" | grep -v '^terminate$')
	[ "$_got" = "$_want" ] ||
	    fail "$_m: fakepg received
$_got
but only this was allowed:
$_want"
	# The worker says why, with the SQLSTATE the client got.
	wait_for_log "fake-$_m#[0-9]+: closed" 5 ||
	    fail "$_m: the connection was not logged as closed"
	grep -E "fake-$_m#[0-9]+: pg: " "$AIRLOCK_LOG" |
	    grep -F -- "pg: ${EXP_MSG#airlock: }" |
	    grep -F -q "(SQLSTATE $EXP_CODE)" ||
	    fail "$_m: airlockd's log does not say why with SQLSTATE $EXP_CODE"
	# The monitor heard AUTHDONE failed, never ok.
	grep -E -q "fake-$_m#[0-9]+: authentication failed" "$AIRLOCK_LOG" ||
	    fail "$_m: the monitor did not log the authentication as failed"
	if grep -E -q "fake-$_m#[0-9]+: authenticated" "$AIRLOCK_LOG"; then
		fail "$_m: airlockd logged the connection as authenticated"
	fi
	airlock_alive || fail "$_m: airlockd died"
	[ "$_m" = slowloris ] && SLOW_MS=$MS
	ok "$_m: $EXP_MSG (SQLSTATE $EXP_CODE; ${MS} ms)"
}

PR=$(free_port)
{
	# Its children are counted as connections: no idle workers.
	airlock_head "handshakeTimeout: ${HS_TIMEOUT}s" "workerPoolMinIdle: 0"
	for m in $HOSTILE scram-ok; do
		start_fake "$m" || exit 1
	done
	pg_service pg-real "$PR" trust_user disable
} >"$T/airlock.yml"
[ "$(grep -c '^  handshakeTimeout: ' "$T/airlock.yml")" -eq 1 ] ||
    fail "the configuration does not set handshakeTimeout once"
start_airlock "$T/airlock.yml"

# The control: fakepg's SCRAM is the real thing, and airlock accepts it.
: >"$T/fake-scram-ok.log"
through scram-ok || fail "scram-ok (control): $OUT"
[ "$OUT" = fakepg-session ] || fail "scram-ok (control): got '$OUT'"
received scram-ok
want="connection
$STARTUP
sasl-initial SCRAM-SHA-256
sasl-response proof=ok
query
terminate
end"
[ "$RECEIVED" = "$want" ] || fail "scram-ok (control): fakepg received
$RECEIVED"
wait_for_log "fake-scram-ok#[0-9]+: authenticated" 5 ||
    fail "scram-ok (control): not logged as authenticated"
ok "control: an honest SCRAM-SHA-256 fakepg is accepted"

for m in $HOSTILE; do
	check "$m"
done

# The slowloris was cut off at the handshake deadline, mid-message.
through_ms=$SLOW_MS
[ "$through_ms" -ge $((HS_TIMEOUT * 1000 - 500)) ] &&
    [ "$through_ms" -le $((HS_TIMEOUT * 1000 + 2500)) ] ||
    fail "slowloris: the client waited $through_ms ms, the handshake timeout is ${HS_TIMEOUT}s"
sent=$(sed -n 's/^sent \([0-9]*\) of \([0-9]*\) bytes, one a second$/\1 \2/p' \
    "$T/fake-slowloris.log" | tail -n 1)
[ -n "$sent" ] && [ "${sent% *}" -lt "${sent#* }" ] ||
    fail "slowloris: fakepg sent its whole message ($sent)"
ok "slowloris: airlock gave up after $through_ms ms, with ${sent% *} of ${sent#* } bytes"

# All of them at once: each connection still gets its own error.
pids=
for m in $HOSTILE; do
	: >"$T/fake-$m.log"
	( through "$m"; echo "rc=$?"; echo "$OUT" ) >"$T/par-$m.out" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p"
done
for m in $HOSTILE; do
	expect "$m"
	grep -q '^rc=0$' "$T/par-$m.out" &&
	    fail "$m (in parallel): psql got through: $(cat "$T/par-$m.out")"
	grep -F -q "FATAL:  $EXP_MSG" "$T/par-$m.out" ||
	    fail "$m (in parallel): $(cat "$T/par-$m.out")"
	grep -E -q '^(password-|tls-record|raw-bytes)' "$T/fake-$m.log" &&
	    fail "$m (in parallel): fakepg received $(cat "$T/fake-$m.log")"
done
ok "all hostile backends at once: each client got its own error"

if grep -E -q "died of signal|killed:" "$AIRLOCK_LOG"; then
	fail "a worker was killed or died: $(grep -E "died of signal|killed:" \
	    "$AIRLOCK_LOG")"
fi
ok "no worker was killed and none died of a signal"
if grep -F -q -- "$PASSWORD" "$AIRLOCK_LOG" "$T"/fake-*.log; then
	fail "the password appears in a log"
fi
grep -q "password-bytes-seen" "$T"/fake-*.log &&
    fail "the password reached a fake backend"
ok "the password reached no backend and no log"

airlock_alive || fail "airlockd died"
out=$(airlock_psql "$PR" "select current_user" 2>&1 </dev/null) ||
    fail "the real service after the attacks: $out"
[ "$out" = trust_user ] || fail "the real service: current_user is '$out'"
n=-1
for _i in $(seq 1 50); do
	n=$(pgrep -P "$AIRLOCK_PID" -c -x "$WORKER_COMM")
	[ "$n" -eq 0 ] && break
	sleep 0.1
done
[ "$n" -eq 0 ] || fail "$n workers left after every connection closed"
ok "airlockd is alive, serves PostgreSQL, and has no worker left"
exit 0
