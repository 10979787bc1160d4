# The keyring and keychain providers against the real kernel keyring
# (keyutils' keyctl puts the keys there): a user key in the user keyring
# (@u) and one in the session keyring (@s), the @s:, @u: and @p: forms
# that name one keyring, a missing key, a revoked one, an expired one, one
# airlockd may not read, a key of another type, NUL and newline bytes,
# rotation (keyctl update) seen at the next get, and keychain's
# service#account.  Then psql through airlock to PostgreSQL with the
# username from the keychain and the password from the keyring; the next
# connection after keyctl update uses the new password; the password is in
# no log and not in airlockd's memory after the sessions.
. "$(dirname "$0")/../lib.sh"
command -v keyctl >/dev/null 2>&1 || skip "no keyctl (keyutils)"
GET=$TOP/regress/tools/provget
[ -x "$GET" ] || fail "regress/tools/provget not built"

# A session keyring of this test's own (and of everything it starts), not
# linked to the user keyring: what is put in @s is seen by nothing else,
# and @s and @u are told apart.  @u is root's, shared with every test that
# runs: descriptions are unique to this run, and unlinked at exit.
keyctl new_session >/dev/null || fail "keyctl new_session"
D=airlock-test-$(openssl rand -hex 6)
# ku ARG...: keyctl ARG... as an administrator's login shell runs it: in
# a session keyring that links the user keyring, so that the keys in @u
# are the shell's to change (add_key(2) gives the owner only "view").
ku()
{
	keyctl session - sh -c 'keyctl link @u @s && exec keyctl "$@"' ku \
	    "$@" 2>>"$T/keyctl.log"
}

# add RING DESC: a user key from standard input in that keyring; its id.
# Those in @u are unlinked at exit.
add()
{
	if [ "$1" = @u ]; then
		_id=$(ku padd user "$2" @u) && echo "$_id" >>"$T/keys"
	else
		_id=$(keyctl padd user "$2" "$1")
	fi
	[ -n "$_id" ] || fail "keyctl padd user $2 $1: $(cat "$T/keyctl.log")"
	echo "$_id"
}
at_exit 'for k in $(cat "$T/keys"); do ku unlink "$k" @u; done'

# expect OUTPUT-LINE... : provget's output (in $out) is these lines.
expect()
{
	_want=$(printf '%s\n' "$@")
	[ "$out" = "$_want" ] || fail "provget said:
$out
expected:
$_want"
}

hex()
{
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

printf 'a\000b\nc' | add @u "$D-u" >/dev/null
printf 'in the session' | add @s "$D-s" >/dev/null
out=$("$GET" keyring "$D-u" "@u:$D-u" "$D-s" "@s:$D-s" 2>&1)
expect "get 1 ok" "value 0 6100620a63" "value 1 6100620a63" \
    "value 2 $(hex 'in the session')" "value 3 $(hex 'in the session')"
ok "user keys from @u and @s, found alone or named, NUL and newline kept"

out=$("$GET" keyring "@s:$D-u" 2>&1)
expect "get 1 error not found: keyring: $D-u: no key of type user with that description in the session keyring"
out=$("$GET" keyring "@u:$D-s" 2>&1)
expect "get 1 error not found: keyring: $D-s: no key of type user with that description in the user keyring"
out=$("$GET" keyring "@p:$D-u" 2>&1)
expect "get 1 error not found: keyring: $D-u: no key of type user with that description in the persistent keyring"
out=$("$GET" keyring "$D-none" 2>&1)
expect "get 1 error not found: keyring: $D-none: no key of type user with that description in the session, user or persistent keyring"
ok "@s:, @u: and @p: look in that keyring only; a missing key is named"

# The persistent keyring, for real: keyctl links it into @s to name it.
p=$(keyctl get_persistent @s 2>/dev/null)
if [ -n "$p" ]; then
	printf 'persistent' | add "$p" "$D-p" >/dev/null
	keyctl unlink "$p" @s >/dev/null
	out=$("$GET" keyring "@p:$D-p" 2>&1)
	expect "get 1 ok" "value 0 $(hex persistent)"
	out=$("$GET" keyring "$D-p" 2>&1)
	expect "get 1 ok" "value 0 $(hex persistent)"
	ok "a key in the persistent keyring, named (@p:) and searched"
else
	echo "note: this kernel has no persistent keyrings"
fi

# Rotation: the next get reads the key again.
id=$(ku search @u user "$D-u") || fail "keyctl search"
ku update "$id" "rotated" || fail "keyctl update"
out=$("$GET" keyring "$D-u" 2>&1)
expect "get 1 ok" "value 0 $(hex rotated)"
ok "keyctl update: the next get has the new value"

# Neither search nor read, for its owner and its possessors (a possessed
# key that may be searched may be read: keyctl_read_key), then revoked,
# expired, and a keyring of that name.
printf 'x' | add @u "$D-noread" >/dev/null
id=$(ku search @u user "$D-noread") || fail "keyctl search"
ku setperm "$id" 0x00010000 || fail "keyctl setperm"
out=$("$GET" keyring "$D-noread" 2>&1)
expect "get 1 error refused by policy: keyring: $D-noread: the user keyring or the key does not let airlockd search it"
id=$(printf 'x' | add @u "$D-revoked")
ku revoke "$id" || fail "keyctl revoke"
out=$("$GET" keyring "$D-revoked" 2>&1)
expect "get 1 error not found: keyring: $D-revoked: the key found through the user keyring has been revoked"
id=$(printf 'x' | add @u "$D-expired")
ku timeout "$id" 1 || fail "keyctl timeout"
sleep 1.2
out=$("$GET" keyring "$D-expired" 2>&1)
expect "get 1 error not found: keyring: $D-expired: the key found through the user keyring has expired"
ku newring "$D-ring" @u >>"$T/keys" || fail "keyctl newring"
out=$("$GET" keyring "$D-ring" 2>&1)
expect "get 1 error not found: keyring: $D-ring: no key of type user with that description in the session, user or persistent keyring"
ok "no permission, revoked, expired, a keyring of that name: clear errors"

printf 'keychain value' | add @u "svc-$D#account" >/dev/null
out=$("$GET" keychain "svc-$D#account" 2>&1)
expect "get 1 ok" "value 0 $(hex 'keychain value')"
out=$("$GET" keychain "svc-$D" 2>&1)
expect "get 1 error invalid argument: keychain: svc-$D: expected service#account"
ok "keychain: service#account is the user key of that description"

# End to end: psql through airlock, credentials from the kernel.
require_root
. "$TOP/regress/pg.sh"
pg_start
pw=$PG_SCRAM_PASSWORD
unset PG_SCRAM_PASSWORD
printf '%s' "$pw" | add @u "$D-pg" >/dev/null
printf 'scram_user' | add @s "svc-$D#pguser" >/dev/null
P=$(free_port)
{
	airlock_head
	pg_service keyring-pg "$P" "{from: keychain, get: \"svc-$D#pguser\"}" \
	    disable "password: {from: keyring, get: \"@u:$D-pg\"}"
} >"$T/airlock.yml"
out=$(timeout 30 "$AIRLOCKD" -t -f "$T/airlock.yml" 2>&1) ||
    fail "airlockd -t: $out"
start_airlock "$T/airlock.yml"
out=$(airlock_psql "$P" "select current_user" 2>&1) || fail "psql: $out"
[ "$out" = scram_user ] || fail "current_user is '$out'"
ok "psql through airlock: username from the keychain, password from the keyring"

id=$(ku search @u user "$D-pg") || fail "keyctl search"
printf 'wrong-%s' "$pw" | ku pupdate "$id" || fail "keyctl update"
out=$(airlock_psql "$P" "select current_user" 2>&1) &&
    fail "a wrong password from the keyring logged in: $out"
echo "$out" | grep -q 'password authentication failed' ||
    fail "not the backend's refusal: $out"
printf '%s' "$pw" | ku pupdate "$id" || fail "keyctl update"
out=$(airlock_psql "$P" "select current_user" 2>&1) ||
    fail "psql after the key was set back: $out"
ok "keyctl update: each next connection uses the key's new value"

ku revoke "$id" || fail "keyctl revoke"
out=$(airlock_psql "$P" "select 1" 2>&1) && fail "a revoked key logged in"
echo "$out" | grep -q "keyring: $D-pg: the key found through the user keyring has been revoked" ||
    fail "the client's error: $out"
airlock_alive || fail "airlockd died"
ok "a revoked key: the client is told, airlockd serves on"

printf '%s' "$pw" >"$T/password"
"$TOP/regress/tools/memscan" "$AIRLOCK_PID" "$T/password" >"$T/scan" 2>&1
case $? in
0)	ok "the password is not in airlockd's memory after the sessions" ;;
1)	fail "the password is in airlockd's memory: $(cat "$T/scan")" ;;
*)	fail "memscan failed: $(cat "$T/scan")" ;;
esac
stop_airlock
grep -F -q -- "$pw" "$AIRLOCK_LOG" && fail "the password is in the log"
ok "the password is in no log line"
exit 0
