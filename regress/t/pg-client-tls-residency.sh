# The listener's private key (a service's clientTLS) never enters the
# worker: the monitor makes the one signature of the TLS 1.3 server
# CertificateVerify.  While psql's session over TLS is relayed (with a
# client certificate, clientAuth cert), none of the key's forms is in the
# worker's memory, which does hold the query it relays: the PEM text of the
# key file, its DER, and the private scalar (P-256) in both byte orders.
# In airlockd the key is nowhere but in its secret memory (memfd_secret,
# which no scan can read, or libsodium's guarded pages), and in no log line.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/residency.sh"
. "$TOP/regress/ctls.sh"

pg_start
ctls_make
residency_canary
residency_key_needles "$CTLS/listener.key" "$T/key"
P=$(free_port)
{
	airlock_head
	pg_ctls_service cert "$P" cert
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

# tls_client PORT SQL: psql over TLS with app's certificate.
tls_client()
{
	pg_psql "host=localhost hostaddr=127.0.0.1 port=$1 dbname=postgres \
	    sslmode=verify-full sslrootcert=$CTLS/server-ca.crt \
	    sslcert=$CTLS/app.crt sslkey=$CTLS/app.key" "$2"
}

# key_scan PID: none of the key's forms is in the worker's memory.
key_scan()
{
	for _n in pem der be le; do
		residency_scan "worker" "$1" "$T/key-$_n" "the listener key ($_n)"
	done
	ok "no trace of the listener key (PEM, DER, scalar) in worker $1"
}

SESSION_CLIENT=tls_client
RESIDENCY_WORKER_SCAN=key_scan
residency_marker cert
residency_hold cert "$P" "select current_user || ' ' || pg_sleep(5) ||
    '$MARKER'" "$T/psql.out"
[ "$(cat "$T/psql.out")" = "scram_user $MARKER" ] ||
    fail "the session returned '$(cat "$T/psql.out")'"
grep -Eq "\] cert#[0-9]+: client accepted over TLS" "$AIRLOCK_LOG" ||
    fail "the session's client leg was not TLS"

where=
for n in pem der be le; do
	"$MEMSCAN" -g -m "$AIRLOCK_PID" "$T/key-$n" >"$T/scan.monitor" 2>&1
	rc=$?
	case "$rc" in
	0) where="$where $n: nowhere readable;" ;;
	3) where="$where $n: guarded only;" ;;
	4) where="$where $n: nowhere readable, with memfd_secret memory;" ;;
	1) fail "the listener key ($n) is in airlockd outside its secret" \
	    "memory: $(cat "$T/scan.monitor")" ;;
	*) fail "memscan of airlockd failed (exit $rc):" \
	    "$(cat "$T/scan.monitor")" ;;
	esac
done
where=${where# }
where=${where%;}
ok "in airlockd, the listener key is in secret memory only, if anywhere:" \
    "$where"

residency_key_unlogged "$T/key" "the listener key"
exit 0
