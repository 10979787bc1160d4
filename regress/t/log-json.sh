# logFormat: json: every line that airlockd writes is one JSON object with
# time, level and msg; the lines about a connection carry its service and
# conn as fields; a line that a worker forwarded carries the service and
# conn that the monitor knows, whatever the worker's text claims (a rogue
# worker tries to forge another service and to break out of the object).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

require_root
command -v jq >/dev/null || fail "jq not installed (contrib/install-deps.sh)"
ROGUE=$TOP/regress/tools/rogueworker
[ -x "$ROGUE" ] || fail "$ROGUE not built (make)"

pg_start
P=$(free_port)
R=$(free_port)
{
	airlock_head "worker: $ROGUE" "logFormat: json"
	pg_service pg-json "$P" trust_user disable
	pg_service rogue-log-forge "$R" trust_user disable
	echo "    config:"
	echo "      rogueReport: $T/report"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

out=$(airlock_psql "$P" "select 'json-ok'" 2>&1) || fail "psql: $out"
[ "$out" = json-ok ] || fail "psql got '$out'"
airlock_psql "$R" "select 1" >/dev/null 2>&1
wait_for_log '"service":"pg-json","conn":[0-9]+,"msg":"closed ' ||
    fail "the session's closing line is not in the log"
wait_for_log 'other-svc#999' || fail "the rogue's line is not in the log"
stop_airlock
L=$AIRLOCK_LOG

# Each line, alone, is one object of the expected shape.
n=0
while IFS= read -r line; do
	n=$((n + 1))
	printf '%s\n' "$line" | jq -R -e 'fromjson |
	    (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")) and
	    (.level | IN("error", "warn", "info", "debug")) and
	    (.msg | type == "string") and
	    (if has("conn") then (.conn | type == "number") and has("service")
	     else true end)' >/dev/null 2>&1 ||
	    fail "line $n is not a log object: $line"
done <"$L"
[ "$n" -gt 5 ] || fail "only $n lines in the log"
ok "$n lines, each one JSON object with time, level and msg"

# field SERVICE MSG-REGEX FIELD: FIELD of the first line of SERVICE whose
# msg matches.
field()
{
	jq -R -r --arg s "$1" --arg m "$2" "fromjson |
	    select(.service == \$s and (.msg | test(\$m))) | .$3" "$L" |
	    head -n 1
}

conn=$(field pg-json '^authenticated$' conn)
[ -n "$conn" ] || fail "no 'authenticated' line with a conn for pg-json"
for m in '^worker [0-9]+ started( \(from the pool\))?$' \
    '^pg: authenticated to the backend$' \
    '^closed '; do
	c=$(field pg-json "$m" conn)
	[ "$c" = "$conn" ] || fail "pg-json line /$m/ has conn '$c', not $conn"
done
ok "the session's lines, its worker's own among them, carry pg-json and conn $conn"
# Lines about the session are not left without their fields.
bare=$(jq -R -r 'fromjson | select((has("service") | not) and
    (.msg | test("authenticated|^closed|^worker [0-9]+ (started|killed)")))' \
    "$L")
[ -z "$bare" ] || fail "lines about a connection without service: $bare"

rconn=$(field rogue-log-forge '^worker [0-9]+ started( \(from the pool\))?$' conn)
[ -n "$rconn" ] && [ "$rconn" != "$conn" ] ||
    fail "no conn for the rogue's worker ('$rconn')"
forged=$(jq -R -c 'fromjson | select(.msg | contains("other-svc#999"))' "$L")
[ "$(printf "%s\n" "$forged" | wc -l)" = 1 ] || fail "the forged line: $forged"
printf "%s\n" "$forged" | jq -e --argjson c "$rconn" \
    '.service == "rogue-log-forge" and .conn == $c' >/dev/null ||
    fail "the worker's line does not carry the monitor's fields: $forged"
jq -R -e -s 'split("\n") | map(select(. != "") | fromjson) |
    all(.service != "forged" and .conn != 999)' "$L" >/dev/null ||
    fail "a worker forged a line's fields"
ok "the rogue's forged line is logged as rogue-log-forge conn $rconn, still one object"
exit 0
