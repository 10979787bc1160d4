# config.credentialCacheTTL: psql through airlock to PostgreSQL with the
# password from a file that the test changes.  A service with a TTL keeps
# the value it fetched (the new one is not read), a service without one
# reads the file at every connection; a reload drops the cache; the
# credentials that the backend refused are not kept for the rest of the
# TTL; once the TTL has passed the file is read again.  /metrics counts
# the file provider's look-ups and the cache's hits.  A TTL out of range
# fails airlockd -t.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
pw=$PG_SCRAM_PASSWORD
unset PG_SCRAM_PASSWORD
PWF=$T/pw
printf '%s' "$pw" >"$PWF"
chmod 0600 "$PWF"

PA=$(free_port)
PB=$(free_port)
PC=$(free_port)
PH=$(free_port)
cred="password: {from: file, get: $PWF}"
{
	airlock_head "health: 127.0.0.1:$PH"
	pg_service cached-hour "$PA" scram_user disable "$cred"
	echo "    config: {credentialCacheTTL: 1h}"
	pg_service cached-second "$PB" scram_user disable "$cred"
	echo "    config: {credentialCacheTTL: 1s}"
	pg_service uncached "$PC" scram_user disable "$cred"
} >"$T/airlock.yml"

# login PORT WHAT: psql logs in through that listener.
login()
{
	out=$(airlock_psql "$1" "select current_user" 2>&1) ||
	    fail "$2: $out"
	[ "$out" = scram_user ] || fail "$2: current_user is '$out'"
}

# refused PORT WHAT: the backend refuses the password through it.
refused()
{
	out=$(airlock_psql "$1" "select current_user" 2>&1) &&
	    fail "$2: logged in: $out"
	echo "$out" | grep -q 'password authentication failed' ||
	    fail "$2: not the backend's refusal: $out"
}

start_airlock "$T/airlock.yml"
login "$PA" "cached-hour, first"
login "$PB" "cached-second, first"
login "$PC" "uncached, first"
ok "the three services log in with the password from the file"

printf 'wrong-%s' "$pw" >"$PWF"
login "$PA" "cached-hour, file changed"
refused "$PC" "uncached, file changed"
ok "file changed: the cached service keeps its value, the other reads the new one"

reload_airlock HUP || fail "reload: $RELOAD_LINE"
refused "$PA" "cached-hour, after a reload"
printf '%s' "$pw" >"$PWF"
login "$PA" "cached-hour, refused credentials dropped"
ok "a reload drops the cache; credentials the backend refused are not kept"

login "$PB" "cached-second, before the change"
printf 'wrong-%s' "$pw" >"$PWF"
sleep 1.2
refused "$PB" "cached-second, after its TTL"
printf '%s' "$pw" >"$PWF"
ok "after its TTL, the file is read again"

# Look-ups of the file provider: 3 at first, 1 (uncached), 1 and 1 after
# the reload, 1 and 1 for cached-second: 8 that the backend saw; 1 hit.
code=$(curl -s --max-time 10 -o "$T/metrics" -w '%{http_code}' \
    "http://127.0.0.1:$PH/metrics") || fail "curl /metrics"
[ "$code" = 200 ] || fail "/metrics: HTTP $code"
grep -q '^# TYPE airlock_provider_requests_total counter$' "$T/metrics" ||
    fail "no provider family: $(cat "$T/metrics")"
for l in 'outcome="ok"} 8' 'outcome="cache_hit"} 1' 'outcome="error"} 0' \
    'outcome="timeout"} 0' 'outcome="denied"} 0' 'outcome="notfound"} 0'; do
	grep -qxF "airlock_provider_requests_total{provider=\"file\",$l" \
	    "$T/metrics" || fail "no line ...{provider=\"file\",$l: $(grep provider_requests "$T/metrics")"
done
grep -q 'provider="vault"' "$T/metrics" &&
    fail "a provider that nothing uses is listed: $(grep provider_requests "$T/metrics")"
ok "/metrics: the file provider's 8 look-ups and 1 cache hit"
stop_airlock
grep -F -q -- "$pw" "$AIRLOCK_LOG" && fail "the password is in the log"

sed 's/credentialCacheTTL: 1h/credentialCacheTTL: 2h/' "$T/airlock.yml" \
    >"$T/bad.yml"
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/bad.yml" 2>&1) &&
    fail "airlockd -t accepted a TTL of 2h"
echo "$out" | grep -q 'config.credentialCacheTTL must lie between 0 and 1h' ||
    fail "airlockd -t: $out"
ok "airlockd -t: $out"
exit 0
