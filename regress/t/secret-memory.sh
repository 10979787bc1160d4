# airlock.secretMemory: airlockd keeps its secrets in the memfd_secret
# arena, out of the kernel's direct map.  A canary password, kept by
# airlockd in its credential cache (credentialCacheTTL) and as SCRAM's
# SaltedPassword, cannot be read through /proc/PID/mem as root, while the
# /secretmem mapping is there in /proc/PID/maps; nor can the value of an
# env provider's variable, which airlockd reads as its configuration
# loads, before the arena exists (secret_memory_expect); with secretMemory:
# libsodium the same scan finds it (so the scan can fail).  /metrics and
# /ready?full=1 say which memory holds the secrets; a reload that changes
# the settings says they wait for a restart.  An arena too small for a
# secret: under auto the secret goes to libsodium and airlockd warns with
# the figures; under memfd_secret the secret is refused, the connection
# fails, airlockd serves on.
. "$(dirname "$0")/../lib.sh"
skip_under valgrind "valgrind 3.19 does not know memfd_secret (ENOSYS), so airlockd falls back there; secret-memory-denied.sh covers the fallback"
. "$TOP/regress/pg.sh"
. "$TOP/regress/residency.sh"

[ "$(secret_memory_expected)" = memfd_secret ] ||
    skip "this kernel gives no memfd_secret memory (before 5.14, or secretmem.enable=0)"

pg_start
residency_canary
pg_admin "ALTER ROLE scram_user PASSWORD '$CANARY'" >"$T/alter.log" 2>&1 ||
    fail "ALTER ROLE: $(cat "$T/alter.log")"
# A value bigger than a 64K arena, for a trust login that fetches it.
head -c 98304 /dev/urandom | base64 -w 0 >"$T/big"
chmod 0600 "$T/big"
# The env provider's value: read from airlockd's environment at load.
printf 'envcanary%s' "$(openssl rand -hex 16)" >"$T/envcanary"
SM_ENV_CANARY=$(cat "$T/envcanary")
export SM_ENV_CANARY

PS=$(free_port)
PB=$(free_port)
PH=$(free_port)
PE=$(free_port)
# config SETTING...: the file, with these airlock: settings.
config()
{
	{
		airlock_head "health: 127.0.0.1:$PH" "$@"
		pg_service pg-canary "$PS" scram_user disable \
		    "password: {from: file, get: $T/canary}"
		echo "    config: {credentialCacheTTL: 1h}"
		pg_service pg-big "$PB" trust_user disable \
		    "password: {from: file, get: $T/big}"
		pg_service pg-env "$PE" trust_user disable \
		    "password: {from: env, get: SM_ENV_CANARY}"
	} >"$T/airlock.yml"
}

login()
{
	out=$(airlock_psql "$PS" "select current_user" 2>&1) ||
	    fail "psql through airlockd: $out"
	[ "$out" = scram_user ] || fail "current_user is '$out'"
}

# get PATH: the health listener's answer, in $T/got.
get()
{
	code=$(curl -s --max-time 10 -o "$T/got" -w '%{http_code}' \
	    "http://127.0.0.1:$PH$1") || fail "GET $1"
	[ "$code" = 200 ] || fail "GET $1: $code"
}

# says BACKING SIZE: /metrics and /ready?full=1 name the backing, and
# the arena's size.
says()
{
	get /metrics
	grep -qx "airlock_secret_memory_info{backing=\"$1\"} 1" "$T/got" ||
	    fail "/metrics: $(grep secret_memory "$T/got")"
	grep -qx "airlock_secret_memory_bytes{kind=\"size\"} $2" "$T/got" ||
	    fail "/metrics, size $2: $(grep secret_memory "$T/got")"
	get "/ready?full=1"
	grep -q "\"secretMemory\":{\"backing\":\"$1\",\"size\":$2," "$T/got" ||
	    fail "/ready?full=1: $(cat "$T/got")"
}

config
start_airlock "$T/airlock.yml"
grep -q "\] secret memory: memfd_secret arena of 16 MiB$" "$AIRLOCK_LOG" ||
    fail "no start-up line: $(grep 'secret memory' "$AIRLOCK_LOG")"
ok "airlockd: $(sed -n 's/.*\] \(secret memory: .*\)/\1/p' "$AIRLOCK_LOG")"
login
grep -q ' /secretmem' "/proc/$AIRLOCK_PID/maps" ||
    fail "no /secretmem mapping in airlockd's maps"
"$MEMSCAN" -g -m "$AIRLOCK_PID" "$T/canary" >"$T/scan" 2>&1
rc=$?
[ "$rc" -eq 4 ] || fail "memscan -g -m of airlockd, exit $rc (4: nowhere" \
    "readable, with unreadable secretmem): $(cat "$T/scan")"
ok "the cached canary is nowhere readable in airlockd," \
    "$(grep -c '^unreadable secretmem' "$T/scan") /secretmem mapping(s) are there"
residency_kept "memfd_secret" "$AIRLOCK_PID" "$T/envcanary" \
    "the env provider's value, read before the arena" environ
ok "the env provider's value, read as the configuration loaded, moved" \
    "into the arena: $KEPT_WHERE"
says memfd_secret 16777216
get /metrics
used=$(sed -n 's/^airlock_secret_memory_bytes{kind="used"} //p' "$T/got")
[ "${used:-0}" -gt 0 ] || fail "/metrics: no arena bytes in use"
ok "/metrics and /ready?full=1 say memfd_secret, 16 MiB, $used bytes in use"

config "secretMemory: libsodium" "secretMemorySize: 1M"
reload_airlock HUP || fail "reload: $RELOAD_LINE"
for k in secretMemory secretMemorySize; do
	grep -q "reload: airlock.$k changed; it takes effect at the next restart" \
	    "$AIRLOCK_LOG" || fail "the reload does not say that $k waits"
done
says memfd_secret 16777216
ok "a reload that changes them says they wait for a restart; the arena stays"
stop_airlock

# The control: the same scan finds the canary in libsodium's memory.
start_airlock "$T/airlock.yml"
grep -q "\] secret memory: libsodium guarded memory (secretMemory: libsodium)$" \
    "$AIRLOCK_LOG" || fail "libsodium: $(grep 'secret memory' "$AIRLOCK_LOG")"
login
grep -q ' /secretmem' "/proc/$AIRLOCK_PID/maps" &&
    fail "a /secretmem mapping with secretMemory: libsodium"
"$MEMSCAN" -g -m "$AIRLOCK_PID" "$T/canary" >"$T/scan" 2>&1
rc=$?
[ "$rc" -eq 3 ] || fail "memscan -g -m with secretMemory: libsodium, exit $rc" \
    "(3: found, in guarded memory only): $(cat "$T/scan")"
residency_kept "libsodium" "$AIRLOCK_PID" "$T/envcanary" \
    "the env provider's value" environ
says libsodium 0
ok "with secretMemory: libsodium the same scan finds it, in guarded memory" \
    "($(head -n 1 "$T/scan")), and /metrics says libsodium"
stop_airlock

# A 64K arena and a 128K secret: auto keeps it in libsodium, and warns.
config "secretMemorySize: 64K"
start_airlock "$T/airlock.yml"
out=$(airlock_psql "$PB" "select current_user" 2>&1) ||
    fail "trust login with a secret bigger than the arena: $out"
wait_for_log "secret memory: the memfd_secret arena of 64 KiB is full: [0-9]+ secret\(s\) kept in libsodium" 5 ||
    fail "no warning of the overflow"
get /metrics
grep -Eqx "airlock_secret_memory_overflowed_total [1-9][0-9]*" "$T/got" ||
    fail "/metrics: $(grep secret_memory "$T/got")"
ok "auto: a secret bigger than the arena goes to libsodium; $(sed -n \
    's/.*\] \(secret memory: the .*\)/\1/p' "$AIRLOCK_LOG")"
stop_airlock

# memfd_secret: the secret is refused, the connection fails, nothing else.
config "secretMemorySize: 64K" "secretMemory: memfd_secret"
start_airlock "$T/airlock.yml"
refused=$(airlock_psql "$PB" "select current_user" 2>&1) &&
    fail "a secret bigger than the required arena: psql logged in: $refused"
wait_for_log "secret memory: the memfd_secret arena of 64 KiB is full: [0-9]+ secret\(s\) refused" 5 ||
    fail "no warning of the refusal"
get /metrics
grep -Eqx "airlock_secret_memory_refused_total [1-9][0-9]*" "$T/got" ||
    fail "/metrics: $(grep secret_memory "$T/got")"
login
airlock_alive || fail "airlockd died"
ok "memfd_secret: the secret is refused ($(echo "$refused" | head -n 1))," \
    "the next connection logs in"
exit 0
