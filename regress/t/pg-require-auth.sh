# require_auth, libpq's setting, as a credential of a pg service: the
# backend must use one of the methods it lists (or none of those it
# negates), and "none" is the server that lets the client in without
# asking (trust).  The monitor refuses every other request with libpq's
# words; the worker refuses an unasked AuthenticationOk itself.  Cases
# after PostgreSQL's own tests of require_auth (001_password.pl), against
# the real server's roles.  A literal value is checked at airlockd -t,
# one from a provider when it is resolved.  require_auth never reaches the
# server as a startup parameter (it would refuse it as unknown).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
CA="sslrootcert: {from: file, get: $PG_CA}"

# service NAME USER REQUIRE_AUTH [LINE...]: over TLS, with the user's
# password; REQUIRE_AUTH "-" leaves it out.
service()
{
	_svc=$1 _u=$2 _ra=$3
	shift 3
	case $_u in
	md5_user)	_pw="password: {from: env, get: PG_MD5_PASSWORD}" ;;
	scram_user)	_pw="password: {from: env, get: PG_SCRAM_PASSWORD}" ;;
	clear_user)	_pw="password: {from: env, get: PG_CLEAR_PASSWORD}" ;;
	*)		_pw="password: unused" ;;
	esac
	pg_service "$_svc" "$(service_port "$_svc")" "$_u" verify-full "$_pw" \
	    "$CA" \
	    "sslhost: localhost"
	[ "$_ra" = - ] || echo "      require_auth: \"$_ra\""
	for _l in "$@"; do
		echo "$_l"
	done
}
CLEAR=$(printf '    config:\n      cleartextPassword: tls')
{
	airlock_head
	service scram-ok scram_user scram-sha-256
	service scram-md5 scram_user md5
	service scram-gss scram_user gss
	service scram-list scram_user "md5, scram-sha-256"
	service md5-ok md5_user md5
	service md5-not md5_user '!md5'
	service md5-list md5_user "scram-sha-256,password"
	service md5-none md5_user none
	service trust-scram trust_user scram-sha-256
	service trust-none trust_user none
	service trust-notnone trust_user '!none'
	service trust-notpw trust_user '!password'
	service clear-ok clear_user password "$CLEAR"
	service clear-not clear_user '!password,!md5' "$CLEAR"
	service env-bad scram_user - \
	    "      require_auth: {from: env, get: BAD_REQUIRE_AUTH}"
	service env-bad-cb scram_user - \
	    "      channel_binding: {from: env, get: BAD_REQUIRE_AUTH}"
} >"$T/airlock.yml"
BAD_REQUIRE_AUTH="scram-sha-256,!md5"
export BAD_REQUIRE_AUTH
start_airlock "$T/airlock.yml"

works()
{
	out=$(airlock_psql "$(port_of "$1")" "select current_user" 2>&1) ||
	    fail "$1: $out"
	[ "$out" = "$2" ] || fail "$1: got '$out'"
	ok "$1: logged in as $2"
}

works scram-ok scram_user
airlock_refused scram-md5 'server requested SASL authentication, but require_auth is "md5"'
airlock_refused scram-gss 'server requested SASL authentication, but require_auth is "gss"'
works scram-list scram_user
works md5-ok md5_user
airlock_refused md5-not 'server requested a hashed password, but require_auth is "!md5"'
airlock_refused md5-list 'server requested a hashed password, but require_auth is "scram-sha-256,password"'
airlock_refused md5-none 'server requested a hashed password, but require_auth is "none"'
airlock_refused trust-scram 'server did not complete authentication, but require_auth is "scram-sha-256"'
works trust-none trust_user
airlock_refused trust-notnone 'server did not complete authentication, but require_auth is "!none"'
works trust-notpw trust_user
works clear-ok clear_user
airlock_refused clear-not 'server requested a cleartext password, but require_auth is "!password,!md5"'
airlock_refused env-bad "credential require_auth of service env-bad mixes negated and plain methods"
airlock_refused env-bad-cb "credential channel_binding of service env-bad-cb must be one of disable, prefer, require"
grep -F -q -- "$BAD_REQUIRE_AUTH" "$AIRLOCK_LOG" &&
    fail "a bad value from a provider is repeated in the log"
ok "a bad value from a provider is not repeated in the log"

# The server saw no require_auth: nothing but the refusals above failed.
grep -q 'unrecognized configuration parameter' "$PG_DIR/log" &&
    fail "require_auth reached the server: $(grep unrecognized "$PG_DIR/log")"
ok "require_auth never reached the server"
airlock_unharmed "$PG_SCRAM_PASSWORD"

# A literal value is checked at -t, where it is written.
sed 's/require_auth: "md5"$/require_auth: "md5,sha1"/' "$T/airlock.yml" \
    >"$T/bad.yml"
line=$(grep -n 'require_auth: "md5,sha1"' "$T/bad.yml" | cut -d: -f1)
[ -n "$line" ] || fail "no bad line in bad.yml"
out=$("$AIRLOCKD" -t -f "$T/bad.yml" 2>&1) &&
    fail "airlockd -t accepted require_auth md5,sha1: $out"
echo "$out" | grep -qF "$T/bad.yml:$line:21: credential require_auth of service scram-md5 names an unknown method" ||
    fail "airlockd -t: $out"
ok "airlockd -t: $out"
exit 0
