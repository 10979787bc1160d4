# A credential does not rest where it does not belong.  With a unique canary
# password on the SCRAM, MD5 and cleartext (over TLS) roles, a worker that
# has authenticated and is relaying holds no copy of it in any readable
# mapping: for SCRAM and MD5 it never had one (the monitor answers the
# challenge), for cleartext it had one briefly and wiped it.  The monitor
# drops its own copy, and SCRAM's keys derived from it, once the handshake
# is over, but for SaltedPassword, which it keeps for the next logins
# (scramcache.c) in secret memory only (the memfd_secret arena, which the
# scan cannot read, or libsodium's guarded memory, where airlockd says it
# fell back: the valgrind run), and drops at a reload.  The canary
# is in no log line (debug level), and in neither argv nor environment of
# airlockd.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/residency.sh"

pg_start
residency_canary
pg_admin "
    SET password_encryption = 'md5';
    ALTER ROLE md5_user PASSWORD '$CANARY';
    SET password_encryption = 'scram-sha-256';
    ALTER ROLE scram_user PASSWORD '$CANARY';
    ALTER ROLE clear_user PASSWORD '$CANARY';" >"$T/alter.log" 2>&1 ||
    fail "ALTER ROLE: $(cat "$T/alter.log")"

# The password comes from a file, so that airlockd's environment does not
# legitimately hold it (as env would).
PW="password: {from: file, get: $T/canary}"
CA="sslrootcert: {from: file, get: $PG_CA}"
PS=$(free_port)
PM=$(free_port)
PC=$(free_port)
PT=$(free_port)
{
	airlock_head
	pg_service pg-scram "$PS" scram_user disable "$PW"
	pg_service pg-md5 "$PM" md5_user disable "$PW"
	pg_service pg-clear "$PC" clear_user verify-full "$PW" "$CA" \
	    "sslhost: localhost"
	printf '    config:\n      cleartextPassword: tls\n'
	pg_service pg-scram-tls "$PT" scram_user verify-full "$PW" "$CA" \
	    "sslhost: localhost"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# The scan can find what is there: a shell that holds the canary in a
# variable, and a cat whose buffer holds it.
sh -c 'c=$(cat "$1"); sleep 30; echo "$c" >/dev/null' _ "$T/canary" &
HOLDER=$!
at_exit "kill $HOLDER"
sleep 0.3
"$MEMSCAN" "$HOLDER" "$T/canary" >"$T/scan.holder" 2>&1
rc=$?
[ "$rc" -eq 1 ] ||
    fail "sanity: memscan did not find the canary in a process holding it" \
    "(exit $rc): $(cat "$T/scan.holder")"
"$MEMSCAN" -g "$HOLDER" "$T/canary" >"$T/scan.holder" 2>&1
rc=$?
[ "$rc" -eq 1 ] ||
    fail "sanity: memscan -g calls a shell's copy guarded (exit $rc):" \
    "$(cat "$T/scan.holder")"
kill "$HOLDER" 2>/dev/null
ok "sanity: memscan finds the canary in a process that holds it" \
    "($(head -n 1 "$T/scan.holder")), outside guarded memory"

for s in "pg-scram $PS scram_user" "pg-md5 $PM md5_user" \
    "pg-clear $PC clear_user" "pg-scram-tls $PT scram_user"; do
	set -- $s
	residency_marker "$1"
	residency_hold "$1" "$2" "select current_user || ' ' || pg_sleep(5) ||
	    '$MARKER'" "$T/psql.$1"
	out=$(cat "$T/psql.$1")
	[ "$out" = "$3 $MARKER" ] || fail "$1: session returned '$out'"
done

wait_for_log "\] pg-scram-tls#[0-9]+: closed" 5 || true
residency_scan "monitor, all sessions closed" "$AIRLOCK_PID"
ok "airlockd holds no copy after the sessions closed"

# Nor what the monitor derived from it: ClientKey (which logs in as
# scram_user) and ServerKey, and the HMAC pads (the password, or
# SaltedPassword, XOR 0x36 and 0x5c) that SHA-256 had in its message
# schedule.  SaltedPassword is kept for the next logins: in secret memory
# only, and gone after a reload.  The salt and iteration count are the
# server's.
rp=$(pg_admin "SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_user'" \
    2>&1) || fail "pg_authid: $rp"
python3 - "$T/canary" "$rp" "$T/derived" <<'EOF' || fail "deriving SCRAM's keys from $rp"
import base64, hashlib, hmac, sys
pw = open(sys.argv[1], "rb").read()
# SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>
iters, salt = sys.argv[2].strip().split("$")[1].split(":")
salted = hashlib.pbkdf2_hmac("sha256", pw, base64.b64decode(salt), int(iters))
key = lambda k: hmac.new(salted, k, hashlib.sha256).digest()
pad = lambda b, p: bytes(x ^ p for x in b)
# The server's StoredKey proves that these are the keys to look for.
stored = sys.argv[2].strip().split("$")[2].split(":")[0]
if base64.b64encode(hashlib.sha256(key(b"Client Key")).digest()).decode() != stored:
    sys.exit("StoredKey does not match")
for name, v in (("SaltedPassword", salted), ("ClientKey", key(b"Client Key")),
    ("ServerKey", key(b"Server Key")), ("password^0x36", pad(pw, 0x36)),
    ("password^0x5c", pad(pw, 0x5C)), ("SaltedPassword^0x36", pad(salted, 0x36)),
    ("SaltedPassword^0x5c", pad(salted, 0x5C))):
    open(sys.argv[3] + "." + name, "wb").write(v)
EOF
for f in "$T"/derived.*; do
	[ "$f" = "$T/derived.SaltedPassword" ] && continue
	residency_scan "monitor, all sessions closed" "$AIRLOCK_PID" "$f" \
	    "${f#"$T"/derived.}"
done
ok "nor SCRAM's ClientKey, ServerKey, or the HMAC pads"
residency_kept "monitor, all sessions closed" "$AIRLOCK_PID" \
    "$T/derived.SaltedPassword" SaltedPassword guarded
ok "SaltedPassword, kept for the next logins (one per SCRAM service), is" \
    "$KEPT_WHERE"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
residency_scan "monitor, after a reload" "$AIRLOCK_PID" \
    "$T/derived.SaltedPassword" "SaltedPassword"
ok "after a reload, SaltedPassword is gone from airlockd's memory"

for f in cmdline environ; do
	grep -F -q -f "$T/canary" "/proc/$AIRLOCK_PID/$f" &&
	    fail "the canary is in airlockd's $f"
done
ok "the canary is in neither argv nor environment of airlockd"

residency_logs "$T"/psql.*
airlock_alive || fail "airlockd died"
exit 0
