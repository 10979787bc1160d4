# A stand-in Vault for the tests (sourced after lib.sh and pg.sh, after
# pg_start): regress/tools/fakevault.py, over TLS with the certificate of
# pg.sh's test CA (DNS:localhost, IP:127.0.0.1), so that $PG_CA verifies it
# and $PG_WRONG_CA does not.
#
# vault_start [FAKEVAULT-ARG...] writes $VAULT_DATA (the token and the
# secrets, from VAULT_SECRETS_JSON: the "mounts" object) and starts the
# server on a free port; sets VAULT_PORT, VAULT_TEST_TOKEN (random per
# run) and VAULT_REQLOG (one line per request: "GET /v1/PATH STATUS").
# The server is stopped at exit.  vault_env exports VAULT_ADDR, VAULT_TOKEN
# and VAULT_CACERT for the next airlockd.
#
# vault_bad WHAT PATTERN ENV-ARG...: the vault provider's setup, in provget
# under env(1) ENV-ARGs, fails with a message matching PATTERN that holds
# none of the words of $VAULT_SECRETS (secrets of the test).

VAULT_TEST_TOKEN="hvs.tok$(openssl rand -hex 16)"

vault_start()
{
	[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
	VAULT_DATA=$T/vault.json
	VAULT_REQLOG=$T/vault-requests.log
	: >"$VAULT_REQLOG"
	printf '{"token": "%s", "mounts": %s}\n' "$VAULT_TEST_TOKEN" \
	    "$VAULT_SECRETS_JSON" >"$VAULT_DATA"
	chmod 0600 "$VAULT_DATA"
	rm -f "$T/vault.port"
	/usr/bin/python3 "$TOP/regress/tools/fakevault.py" --data "$VAULT_DATA" \
	    --port-file "$T/vault.port" --cert "$PG_TLS/server.crt" \
	    --key "$PG_TLS/server.key" --log "$VAULT_REQLOG" "$@" \
	    >>"$T/fakevault.log" 2>&1 &
	VAULT_PID=$!
	at_exit "kill $VAULT_PID"
	_n=100
	while [ "$_n" -gt 0 ] && [ ! -s "$T/vault.port" ]; do
		kill -0 "$VAULT_PID" 2>/dev/null ||
		    fail "fakevault exited: $(cat "$T/fakevault.log")"
		sleep 0.1
		_n=$((_n - 1))
	done
	VAULT_PORT=$(cat "$T/vault.port" 2>/dev/null)
	[ -n "$VAULT_PORT" ] || fail "fakevault did not start"
}

vault_env()
{
	VAULT_ADDR=https://127.0.0.1:$VAULT_PORT
	VAULT_TOKEN=$VAULT_TEST_TOKEN
	VAULT_CACERT=$PG_CA
	export VAULT_ADDR VAULT_TOKEN VAULT_CACERT
}

vault_bad()
{
	_what=$1
	_pat=$2
	shift 2
	_o=$(env "$@" "$TOP/regress/tools/provget" vault secret/db 2>&1) &&
	    fail "$_what: setup accepted it: $_o"
	echo "$_o" | grep -E -q -- "setup error: .*$_pat" ||
	    fail "$_what: unexpected message: $_o"
	for _s in ${VAULT_SECRETS:-}; do
		case $_o in
		*"$_s"*)	fail "$_what: a secret is in the message: $_o" ;;
		esac
	done
	ok "$_what: $(echo "$_o" | sed -n 's/^setup error: //p')"
}
