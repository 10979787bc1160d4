# SCRAM's SaltedPassword kept for the next logins (scramcache.c): the
# second connection of a service takes it from the cache instead of
# deriving it; a password rotated through the file provider, even with the
# salt and iteration count left as they were, is derived afresh (and logs
# in); a reload forgets the cache.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

command -v python3 >/dev/null || skip "python3 not found"

pg_start
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/scram.pw"
chmod 0600 "$T/scram.pw"
P=$(free_port)
{
	airlock_head
	pg_service pg-scram "$P" scram_user disable \
	    "password: {from: file, get: $T/scram.pw}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# login WHAT: one connection, which must log in as scram_user; LOGIN is
# its label (pg-scram#N) in the log, once it has closed.
login()
{
	_from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
	out=$(airlock_psql "$P" "select current_user" 2>&1) ||
	    fail "$1: $out"
	[ "$out" = scram_user ] || fail "$1: current_user is '$out'"
	# This connection's line: an earlier one's is in the log already
	# (under valgrind airlockd logs well after psql has exited).
	wait_for_log "pg-scram#[0-9]+: closed" 10 "$AIRLOCK_LOG" "$_from" ||
	    true
	LOGIN=$(tail -n "+$_from" "$AIRLOCK_LOG" |
	    sed -nE 's/.*\] (pg-scram#[0-9]+): authenticated.*/\1/p' | tail -n 1)
	[ -n "$LOGIN" ] || fail "$1: no 'authenticated' line"
}
# cached: did connection LOGIN take SaltedPassword from the cache?
cached()
{
	grep -q "\] $LOGIN: SCRAM key from the cache" "$AIRLOCK_LOG"
}

login "first login"
cached && fail "the first login found a key in an empty cache"
grep -q "service pg-scram: SCRAM key kept" "$AIRLOCK_LOG" ||
    fail "the verified key was not kept"
ok "the first login derives SaltedPassword, and keeps it once verified"
login "second login"
cached || fail "the second login did not use the cache"
ok "the second login takes it from the cache: $(grep "\] $LOGIN: SCRAM key" \
    "$AIRLOCK_LOG" | sed 's/^.*\] //')"

# Rotation: a new password, set on the server with the very salt and count
# of the old one (ALTER ROLE with a verifier made here), so that only the
# password's version tells the cache entries apart; then in the file.
NEW=$(pg_password)
rp=$(pg_admin "SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_user'") ||
    fail "pg_authid: $rp"
verifier=$(python3 - "$NEW" "$rp" <<'EOF'
import base64, hashlib, hmac, sys
# SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
iters, salt = sys.argv[2].strip().split("$")[1].split(":")
salted = hashlib.pbkdf2_hmac("sha256", sys.argv[1].encode(),
    base64.b64decode(salt), int(iters))
key = lambda k: hmac.new(salted, k, hashlib.sha256).digest()
b64 = lambda b: base64.b64encode(b).decode()
print("SCRAM-SHA-256$%s:%s$%s:%s" % (iters, salt,
    b64(hashlib.sha256(key(b"Client Key")).digest()), b64(key(b"Server Key"))))
EOF
) || fail "cannot make a verifier"
out=$(pg_admin "ALTER ROLE scram_user PASSWORD '$verifier'" 2>&1) ||
    fail "ALTER ROLE: $out"
printf '%s' "$NEW" >"$T/scram.pw"
login "after the rotation"
cached && fail "the login after the rotation used the old password's key"
ok "after a rotation (same salt and count), SaltedPassword is derived afresh"
login "second login after the rotation"
cached || fail "the second login after the rotation did not use the cache"
ok "and the new one is kept and used"

reload_airlock HUP || fail "reload: $RELOAD_LINE"
login "after a reload"
cached && fail "the login after a reload used a key kept before it"
ok "a reload forgets the kept keys"
exit 0
