# A MySQL backend that breaks the protocol (regress/tools/fakemysql.py
# --hostile): a greeting whose scramble has the wrong length, an auth switch
# to a plugin airlock does not know, an AuthMoreData with junk, a packet
# header announcing 0xFFFFFF bytes during the handshake, a wrong sequence
# id.  Each ends with a clean ERR packet for the client that says what went
# wrong, and airlockd serves on.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

require_root
unset MYSQL_PWD
# MODE|what the client must be told
CASES="scramble-length|malformed greeting from the backend
switch-unknown|asks for authentication plugin dialog, which airlock does not support
more-data-junk|unexpected data from the backend during authentication
huge-packet|malformed packet from the backend
wrong-seq|malformed packet from the backend"

{
	airlock_head
	my_standin --cache full
	P=$(free_port)
	echo "honest $P" >>"$T/ports"
	my_standin_service honest "$P" disable
	echo "$CASES" | while IFS='|' read -r mode text; do
		my_standin --hostile "$mode"
		P=$(free_port)
		echo "$mode $P $MY_STANDIN_LOG" >>"$T/ports"
		my_standin_service "my-$mode" "$P" disable
	done
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# field NAME N: the Nth field of NAME's line in $T/ports.
field()
{
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$T/ports"
}

honest()
{
	out=$(my_mariadb "$(field honest 2)" nobody "select current_user()" \
	    2>&1) || fail "the honest service $1: $out"
	[ "$out" = sha2_user@% ] || fail "the honest service $1: '$out'"
}
honest "before the hostile backends"

echo "$CASES" | while IFS='|' read -r mode text; do
	out=$(my_mariadb "$(field "$mode" 2)" nobody "select 1" 2>&1) &&
	    fail "$mode: the client got through: $out"
	grep -q "hostile: $mode" "$(field "$mode" 3)" ||
	    fail "$mode: the stand-in did not misbehave:" \
	    "$(cat "$(field "$mode" 3)")"
	echo "$out" | grep -Eq "^ERROR [0-9]+ \([0-9A-Z]{5}\)" ||
	    fail "$mode: no ERR packet for the client: $out"
	echo "$out" | grep -qF -- "$text" ||
	    fail "$mode: the client was told: $out"
	airlock_alive || fail "$mode: airlockd died"
	ok "$mode: $out"
done || exit 1
honest "after them"
grep -E "\] my-[a-z-]+#[0-9]+: worker [0-9]+ (killed|exited on signal)" \
    "$AIRLOCK_LOG" && fail "a worker was killed or crashed"
ok "airlockd serves on; every worker ended on its own"
exit 0
