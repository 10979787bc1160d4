# The stand-in Conjur for the conjur provider's tests (sourced after lib.sh,
# pg.sh and standin.sh): its state (conjur_data), provget into $out (get),
# the checks of its result (expect_ok, expect_error), the stand-in's log
# (requests), two gets around a change of state (between).  The stand-in is
# started with the API-key login of host/app exported.

# Under memcheck in sanitize.sh's valgrind run.
PROVGET=${PROVGET:-$TOP/regress/tools/provget}
[ -x "$PROVGET" ] || fail "$PROVGET not built"
standin_tls

hex()
{
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n'
}

APIKEY="key$(openssl rand -hex 16)"
PASSWORD="pw$(openssl rand -hex 12)"
JWT="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhcHAifQ.$(openssl rand -hex 16)"
BIN=00410a42ff0d5c22
# conjur_data [EXTRA-JSON]: the stand-in's state, with EXTRA-JSON's keys
# (", \"fault\": ...") added.
conjur_data()
{
	standin_data "$T/conjur.json" "{\"account\": \"dev\",
	    \"login\": \"host/app\", \"api_key\": \"$APIKEY\",
	    \"jwt\": \"$JWT\", \"jwt_service\": \"k8s\",
	    \"jwt_host\": \"host/app\",
	    \"variables\": {\"dev:variable:db/password\": \"$PASSWORD\",
	        \"dev:variable:db/user\": \"scram_user\",
	        \"dev:variable:bin\": {\"hex\": \"$BIN\"},
	        \"dev:variable:x,y\": \"comma\",
	        \"dev:variable:slow\": \"late\",
	        \"prod:variable:db/password\": \"other\"},
	    \"denied\": [\"dev:variable:secret\"] $1}"
}
conjur_data
standin_start CJ fakeconjur.py "$T/conjur.json" --client-ca "$STANDIN_CA"

export CONJUR_APPLIANCE_URL=https://127.0.0.1:$CJ_PORT
export CONJUR_ACCOUNT=dev CONJUR_CERT_FILE=$STANDIN_CA
export CONJUR_AUTHN_LOGIN=host/app CONJUR_AUTHN_API_KEY=$APIKEY

# get [PROVGET-ARG...]: provget conjur into $out and $T/out.
get()
{
	"$PROVGET" "$@" >"$T/out" 2>&1
	rc=$?
	out=$(cat "$T/out")
	grep -F -q -e "$APIKEY" -e "$PASSWORD" -e "$JWT" "$T/out" &&
	    [ "$expect_value" != 1 ] &&
	    fail "a secret is in provget's message: $out"
	return 0
}
expect_value=0

# expect_ok WHAT HEX... after get: every value as expected.
expect_ok()
{
	_what=$1
	shift
	[ "$rc" = 0 ] || fail "$_what: $out"
	_i=0
	for _h in "$@"; do
		echo "$out" | grep -q -x "value $_i $_h" ||
		    fail "$_what: value $_i is not $_h: $out"
		_i=$((_i + 1))
	done
	ok "$_what"
}

# expect_error WHAT PATTERN after get.
expect_error()
{
	[ "$rc" != 0 ] || fail "$1: succeeded: $out"
	echo "$out" | grep -E -q -- "$2" || fail "$1: not '$2': $out"
	ok "$1: $(echo "$out" | sed -n 's/^get 1 error //p')"
}

# requests PATTERN: how many requests of the log match.
requests()
{
	grep -c -E -x -- "$1" "$CJ_LOG"
}

# between WHAT OUT JSON: two gets of db/password 1.5 s apart into OUT,
# with the stand-in's state changed by conjur_data JSON after the first.
between()
{
	: >"$2"
	"$PROVGET" -r 2 -w 1500 conjur db/password >>"$2" 2>&1 &
	_pid=$!
	# 90 s: a hang detector (authn-k8s makes a key pair first, which
	# took over 30 s under valgrind on a busy machine).
	_n=900
	until grep -q '^get 1' "$2" || [ "$_n" = 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	[ "$_n" != 0 ] || fail "$1: no first get: $(cat "$2")"
	conjur_data "$3"
	wait "$_pid" || fail "$1: $(cat "$2")"
}
