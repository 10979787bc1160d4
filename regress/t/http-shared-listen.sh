# Services of the HTTP connectors on one listenOn share one listener, as in
# Secretless Broker: the socket is bound once, for the first service by
# name, every service of the group counts as listening (/ready), and a
# reload that adds a service to the group keeps that socket (the new first
# by name takes it over).
. "$(dirname "$0")/../lib.sh"

command -v curl >/dev/null || skip "curl is needed"
P=$(free_port)
H=$(free_port)
HEAD=$(airlock_head "health: 127.0.0.1:$H")
# service NAME: a basic_auth service on $P.
service()
{
	cat <<EOF2
  $1:
    connector: basic_auth
    listenOn: tcp://127.0.0.1:$P
    credentials: {username: u, password: p}
    config: {authenticateURLsMatching: ^https://$1\\.example/}
EOF2
}
{
	echo "$HEAD"
	service ccc
	service bbb
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"
n=$(grep -c "listening on tcp://127.0.0.1:$P" "$AIRLOCK_LOG")
[ "$n" = 1 ] || fail "$n listeners on $P: $(cat "$AIRLOCK_LOG")"
grep -q "service bbb (basic_auth) listening on tcp://127.0.0.1:$P" \
    "$AIRLOCK_LOG" || fail "the listener is not bbb's: $(cat "$AIRLOCK_LOG")"
inode=$(listen_inode "$P")
[ -n "$inode" ] || fail "nothing listens on $P"
ok "bbb and ccc share one listener on $P, bbb's"
c=$(curl -s --max-time 10 -o "$T/ready" -w '%{http_code}' \
    "http://127.0.0.1:$H/ready?full=1")
[ "$c" = 200 ] || fail "/ready: $c $(cat "$T/ready")"
ok "/ready: every service of the group listens"

{
	echo "$HEAD"
	service ccc
	service bbb
	service aaa
} >"$T/airlock.yml.new"
mv "$T/airlock.yml.new" "$T/airlock.yml"
reload_airlock HUP || fail "$RELOAD_LINE"
case "$RELOAD_LINE" in
*"3 service(s); 1 added, 0 removed, 0 changed") ;;
*) fail "unexpected: $RELOAD_LINE" ;;
esac
[ "$(listen_inode "$P")" = "$inode" ] || fail "the shared socket was replaced"
grep -q "service aaa takes over tcp://127.0.0.1:$P from bbb" \
    "$AIRLOCK_LOG" || fail "no take-over logged: $(cat "$AIRLOCK_LOG")"
ok "a reload that adds aaa to the group keeps the socket: $RELOAD_LINE"
exit 0
