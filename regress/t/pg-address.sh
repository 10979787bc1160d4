# Secretless Broker's older credential address (host:port, [IPv6]:port or a
# host alone) names the backend instead of host and port, and wins where
# both are given, as there; the host it names is the one that TLS verifies.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
P1=$(free_port)
P2=$(free_port)
P3=$(free_port)
P4=$(free_port)
# address_service NAME PORT ADDRESS SSLMODE [LINE...]: no host, no port.
address_service()
{
	_name=$1 _port=$2 _addr=$3 _mode=$4
	shift 4
	cat <<EOF
  $_name:
    connector: pg
    listenOn: tcp://127.0.0.1:$_port
    credentials:
      address: "$_addr"
      username: trust_user
      sslmode: $_mode
EOF
	for _line in "$@"; do
		echo "      $_line"
	done
}
{
	airlock_head
	address_service plain "$P1" "127.0.0.1:$PG_PORT" disable
	# verify-full checks the certificate's name against address's host.
	address_service verified "$P2" "localhost:$PG_PORT" verify-full \
	    "sslrootcert: {from: file, get: $PG_CA}"
	# address wins over host and port, as in Secretless Broker.
	pg_service both "$P3" trust_user disable \
	    "address: 127.0.0.1:$PG_PORT"
	address_service bad "$P4" "127.0.0.1:$PG_PORT:1" disable
} | sed "s/^      port: $PG_PORT\$/      port: 1/" >"$T/airlock.yml"
"$AIRLOCKD" -t -f "$T/airlock.yml" >"$T/t.out" 2>&1 ||
    fail "-t: $(cat "$T/t.out")"
grep -q "^warning" "$T/t.out" &&
    fail "-t warns about address: $(cat "$T/t.out")"
ok "-t accepts address without host, with no warning"
start_airlock "$T/airlock.yml"

for s in "plain $P1" "verified $P2" "both $P3"; do
	set -- $s
	out=$(airlock_psql "$2" "select current_user" 2>&1) ||
	    fail "$1: psql through airlock: $out"
	[ "$out" = trust_user ] || fail "$1: got '$out'"
	ok "$1: the backend that address names answers"
done
out=$(airlock_psql "$P4" "select 1" 2>&1) &&
    fail "bad: an address with two colons worked: $out"
echo "$out" | grep -q "invalid address" ||
    fail "bad: no clear error: $out"
ok "bad: $(echo "$out" | grep -o 'service bad has an invalid address[^)]*)')"
exit 0
