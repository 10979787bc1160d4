# A wrong password in the credentials (SCRAM and MD5) reaches the client as
# PostgreSQL's own clean error; airlockd does not crash and still serves a
# good service afterwards.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
PS=$(free_port)
PM=$(free_port)
PG=$(free_port)
{
	airlock_head
	pg_service pg-scram-wrong "$PS" scram_user disable \
	    "password: not-the-password"
	pg_service pg-md5-wrong "$PM" md5_user disable \
	    "password: not-the-password"
	pg_service pg-good "$PG" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

for p in "$PS" "$PM"; do
	out=$(airlock_psql "$p" "select current_user" 2>&1) &&
	    fail "port $p: a wrong password was accepted: $out"
	echo "$out" | grep -q "password authentication failed" ||
	    fail "port $p: expected 'password authentication failed', got: $out"
	ok "wrong password refused: $(echo "$out" | tail -n 1)"
done

airlock_alive || fail "airlockd died"
grep -E -q "worker [0-9]+ (killed|died)" "$AIRLOCK_LOG" &&
    fail "a worker was killed or died: $(grep -E "worker [0-9]+ (killed|died)" "$AIRLOCK_LOG")"
out=$(airlock_psql "$PG" "select current_user" 2>&1) ||
    fail "the good service after the bad ones: $out"
[ "$out" = scram_user ] || fail "the good service: current_user is '$out'"
ok "a good service still works"
exit 0
