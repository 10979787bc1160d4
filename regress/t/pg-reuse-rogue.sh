# Backend reuse against a compromised worker (regress/tools/rogueworker):
# the monitor keeps a returned descriptor only if it is the very backend
# socket that it dialed for that worker, given back once, in RELAY, under
# its DIAL's key, for a service with poolMode session, with a session blob
# within bounds; anything else kills the worker and nothing is kept.  A
# worker given a reused backend may ask for no credential or proof.  The
# honest case (rogue-reuse-ok) is kept, so the refusals are the checks'.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
ROGUE=$TOP/regress/tools/rogueworker
[ -x "$ROGUE" ] || fail "$ROGUE not built (make)"

# name, and what the monitor's reason for the kill says
ROGUES="
rogue-reuse-client-fd	not the backend socket it was given
rogue-reuse-other-fd	not the backend socket it was given
rogue-reuse-twice	BACKEND_RETURN requested twice
rogue-reuse-before-auth	BACKEND_RETURN not permitted in state handshake
rogue-reuse-no-pool	for a service without poolMode session
rogue-reuse-big-key	bad DIAL request
rogue-reuse-big-blob	bad BACKEND_RETURN request
rogue-reuse-other-key	under another key than its DIAL's
rogue-reuse-proof	CREDENTIAL after it was given a reused backend
"
NAMES="rogue-reuse-ok $(echo "$ROGUES" | awk -F '\t+' 'NF { print $1 }')"

pg_start
printf '%s' "$PG_SCRAM_PASSWORD" >"$T/scram.pw"
chmod 0600 "$T/scram.pw"
{
	airlock_head "worker: $ROGUE"
	for r in $NAMES; do
		rogue_pg_service "$r"
		[ "$r" = rogue-reuse-no-pool ] ||
		    printf '      poolMode: session\n'
	done
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

kept()
{
	grep -Ec "\] $1#[0-9]+: backend kept idle" "$AIRLOCK_LOG"
}

rogue_psql rogue-reuse-ok
wait_for_log "\] rogue-reuse-ok#[0-9]+: backend kept idle" 5 ||
    fail "rogue-reuse-ok: its backend was not kept: $(cat "$T/report.rogue-reuse-ok")"
grep -Eq "\] rogue-reuse-ok#[0-9]+: worker [0-9]+ killed" "$AIRLOCK_LOG" &&
    fail "rogue-reuse-ok: killed"
ok "rogue-reuse-ok: its own backend, after AUTHDONE, is kept"

# rogue-reuse-proof: a first connection gives a backend back.
rogue_psql rogue-reuse-proof
wait_for_log "\] rogue-reuse-proof#[0-9]+: backend kept idle" 5 ||
    fail "rogue-reuse-proof: the first backend was not kept"
mv "$T/report.rogue-reuse-proof" "$T/report.rogue-reuse-proof.1"

echo "$ROGUES" | while IFS='	' read -r name why; do
	[ -n "$name" ] || continue
	why=$(echo "$why" | sed 's/^\t*//')
	rogue_psql "$name" && fail "$name: the client succeeded"
	rogue_killed "$name" "$why"
	case $name in
	rogue-reuse-twice|rogue-reuse-proof) n=1 ;;	# the first was right
	*) n=0 ;;
	esac
	[ "$(kept "$name")" = "$n" ] ||
	    fail "$name: $(kept "$name") backend(s) kept, not $n"
	ok "$name: killed ($killed), $n kept"
done || exit 1
grep -q "received DIALED with fd and session" "$T/report.rogue-reuse-proof" ||
    fail "rogue-reuse-proof: not given the reused backend"

airlock_alive || fail "airlockd died"
exit 0
