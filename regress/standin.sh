# Stand-in servers for the providers' tests (sourced after lib.sh and
# pg.sh): a regress/tools/fake*.py built on regress/tools/standin.py, over
# TLS with a certificate of the test CA (DNS:localhost, IP:127.0.0.1):
# $STANDIN_CA verifies it, $STANDIN_WRONG_CA does not.  pg_start's CA
# when PostgreSQL runs, else one made here.
#
# standin_start [-p] NAME SCRIPT DATAFILE [ARG...] starts the server with its
# state in DATAFILE (JSON, re-read when it changes: rewrite it with
# standin_data to rotate a secret or inject a fault) on a free port, and
# sets ${NAME}_PORT and ${NAME}_LOG (one line per request: "METHOD PATH
# STATUS"); it is stopped at exit.  -p: plain http, as a cloud's
# metadata server speaks.

standin_tls()
{
	if [ -n "${PG_TLS:-}" ] && [ -f "$PG_TLS/server.crt" ]; then
		STANDIN_TLS=$PG_TLS
	elif [ -z "${STANDIN_TLS:-}" ]; then
		STANDIN_TLS=$T/standin-tls
		mkdir -p "$STANDIN_TLS"
		_pg_tls "$STANDIN_TLS"
	fi
	STANDIN_CA=$STANDIN_TLS/ca.crt
	STANDIN_WRONG_CA=$STANDIN_TLS/wrong-ca.crt
}

# standin_data FILE JSON: replace the state atomically (the server reads
# either the old or the new file, never half of one).
standin_data()
{
	printf '%s\n' "$2" >"$1.tmp" && chmod 0600 "$1.tmp" &&
	    mv -f "$1.tmp" "$1" || fail "cannot write $1"
}

standin_start()
{
	_plain=
	if [ "$1" = -p ]; then
		_plain=1
		shift
	fi
	_sn=$1
	_script=$2
	_data=$3
	shift 3
	[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
	standin_tls
	[ -f "$_data" ] || fail "standin_start $_sn: no data file $_data"
	[ -n "$_plain" ] || set -- --cert "$STANDIN_TLS/server.crt" \
	    --key "$STANDIN_TLS/server.key" "$@"
	rm -f "$T/$_sn.port"
	: >"$T/$_sn-requests.log"
	/usr/bin/python3 "$TOP/regress/tools/$_script" --data "$_data" \
	    --port-file "$T/$_sn.port" --log "$T/$_sn-requests.log" \
	    "$@" >>"$T/$_sn.log" 2>&1 &
	_pid=$!
	at_exit "kill $_pid"
	_n=100
	while [ "$_n" -gt 0 ] && [ ! -s "$T/$_sn.port" ]; do
		kill -0 "$_pid" 2>/dev/null ||
		    fail "$_script exited: $(cat "$T/$_sn.log")"
		sleep 0.1
		_n=$((_n - 1))
	done
	[ -s "$T/$_sn.port" ] || fail "$_script did not start"
	eval "${_sn}_PORT=\$(cat \"\$T/\$_sn.port\")"
	eval "${_sn}_LOG=\$T/\$_sn-requests.log"
	eval "${_sn}_PID=\$_pid"
}
