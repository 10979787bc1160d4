# Real clients with http_proxy set: wget, Python's urllib and requests,
# and curl (which reads http_proxy too) get the 200 of nginx's basic auth
# location through airlock, knowing no password.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"

http_basic_start
U=http://127.0.0.1:$HTTP_PORT/basic
W="basic ok $HTTP_USER"

out=$(http_proxy=http://127.0.0.1:$P timeout 60 wget -q -O - \
    --tries=1 --timeout=30 "$U" 2>&1)
[ "$out" = "$W" ] || fail "wget: $out"
ok "wget: $out"
for c in urllib requests; do
	out=$(timeout 60 "$HTTP_PYTHON" "$HTTPTOOL" "$c" "$P" "$U" 2>&1)
	[ "$out" = "200
$W" ] || fail "$c: $out"
	ok "python $c: $(echo $out)"
done
out=$(http_proxy=http://127.0.0.1:$P timeout 60 curl -sS "$U" 2>&1)
[ "$out" = "$W" ] || fail "curl with http_proxy: $out"
ok "curl with http_proxy: $out"
airlock_alive || fail "airlockd died"
exit 0
