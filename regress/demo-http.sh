#!/bin/sh
#
# The HTTP part of `make demo` (regress/demo.sh runs it): airlock as an
# http_proxy in front of a throwaway nginx that demands basic auth.  curl
# knows no password; airlock adds the Authorization for the URLs its
# service matches.  Everything stops at the end.

. "$(dirname "$0")/lib.sh"
. "$TOP/regress/http.sh"

echo "Starting a throwaway nginx that demands basic auth..."
http_start
P=$(free_port)
U=http://127.0.0.1:$HTTP_PORT/basic
http_basic_service demo-http "$P" "authenticateURLsMatching: $HTTP_PATTERN" \
    "allowPlainHTTP: true" >"$T/services.yml"
http_airlock <"$T/services.yml"

cat <<EOF

nginx listens on 127.0.0.1:$HTTP_PORT; its location /basic wants user
$HTTP_USER with a random password that only airlockd knows (it reads it
from a file when a request comes).  Without it:

\$ curl -s -o /dev/null -w '%{http_code}\\n' $U
EOF
curl -s -o /dev/null -w '%{http_code}\n' "$U"
cat <<EOF

airlockd listens on 127.0.0.1:$P as an HTTP proxy (a basic_auth service
whose authenticateURLsMatching is $HTTP_PATTERN).  Through it:

\$ http_proxy=http://127.0.0.1:$P curl -i $U
EOF
http_proxy=http://127.0.0.1:$P curl -sS -i "$U" ||
    fail "curl through airlock failed"
cat <<EOF

What happened: curl sent its request to airlock in absolute form, with no
Authorization.  A sandboxed airlock-worker parsed it and asked the monitor
where it may go; the monitor matched the URL, fetched the password for
this one request, and answered the header, which the worker wrote upstream
and then wiped.  A URL that no service matches is refused (403), never
forwarded without credentials:

\$ http_proxy=http://127.0.0.1:$P curl -s http://127.0.0.1:$HTTP_OTHER_PORT/
EOF
http_proxy=http://127.0.0.1:$P curl -sS "http://127.0.0.1:$HTTP_OTHER_PORT/"
wait_for_log "demo-http#2: closed" 5
echo
echo "airlockd's log says:"
grep -E "\[INFO\] demo-http" "$AIRLOCK_LOG" | sed 's/^/    /'
exit 0
