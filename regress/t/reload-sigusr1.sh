# SIGUSR1, Secretless Broker's reload signal, does what SIGHUP does: a new
# service serves; a broken file is reported and changes nothing.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P=$(free_port)
PN=$(free_port)
HEAD=$(airlock_head)
{
	echo "$HEAD"
	pg_service pg-a "$P" trust_user disable
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

{
	echo "$HEAD"
	pg_service pg-a "$P" trust_user disable
	pg_service pg-b "$PN" trust_user disable
} >"$T/airlock.yml"
reload_airlock USR1 || fail "$RELOAD_LINE"
grep -q "SIGUSR1: reloading" "$AIRLOCK_LOG" || fail "the signal is not named"
out=$(airlock_psql "$PN" "select 'b'" 2>&1) || fail "the new service: $out"
ok "SIGUSR1 reloads: ${RELOAD_LINE#*] }"

echo "  pg-c: {connector: pg, listenOn: [" >>"$T/airlock.yml"
reload_airlock USR1 && fail "a broken file was loaded: $RELOAD_LINE"
echo "$RELOAD_LINE" | grep -E -q "reload failed: $T/airlock.yml:[0-9]+:[0-9]+: " ||
    fail "no FILE:LINE:COLUMN: $RELOAD_LINE"
for p in "$P" "$PN"; do
	out=$(airlock_psql "$p" "select 1" 2>&1) || fail "port $p: $out"
done
airlock_alive || fail "airlockd died"
ok "a broken file at SIGUSR1 changes nothing: ${RELOAD_LINE#*] }"
exit 0
