# The HTTP connectors end to end, small: curl -x through airlock to a
# Python http.server on loopback.  A passthrough service forwards as it
# is; a generic_http service adds its header (over plain http, since it
# says allowPlainHTTP) and its query parameter, and the client's own
# Authorization never arrives; a URL no service matches is refused with
# 403; keep-alive carries several requests on one connection; 200 MB
# stream through with the worker's memory flat (its peak RSS is printed).
. "$(dirname "$0")/../lib.sh"

command -v curl >/dev/null || skip "curl is not installed"
P=$(free_port)
UP=$(free_port)

cat >"$T/up.py" <<'EOF'
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path.startswith("/big"):
            n = int(self.path.split("n=")[1])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            block = b"x" * (1 << 20)
            while n > 0:
                k = min(n, len(block))
                self.wfile.write(block[:k])
                n -= k
            return
        body = ("path=%s\nkey=%s\nauthorization=%s\n" % (self.path,
                self.headers.get("X-Api-Key"),
                self.headers.get("Authorization"))).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        got = 0
        while got < n:
            got += len(self.rfile.read(min(n - got, 1 << 20)))
        body = ("posted=%d\n" % got).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
python3 "$T/up.py" "$UP" >"$T/up.log" 2>&1 &
at_exit "kill $!"

{
	airlock_head
	cat <<EOF
  hdr:
    connector: generic_http
    listenOn: tcp://127.0.0.1:$P
    credentials:
      key: {from: literal, get: s3cret}
    config:
      authenticateURLsMatching: ^http://127\\.0\\.0\\.1:$UP/hdr
      allowPlainHTTP: true
      allowLoopback: true
      headers:
        X-Api-Key: "{{ .key }}"
      queryParams:
        token: "t-{{ .key }}"
  open:
    connector: generic_http
    listenOn: tcp://127.0.0.1:$P
    config:
      authenticateURLsMatching: ^http://127\\.0\\.0\\.1:$UP/(open|big)
      passthrough: true
      allowLoopback: true
EOF
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"
n=0
until curl -s -o /dev/null "http://127.0.0.1:$UP/open"; do
	n=$((n + 1))
	[ "$n" -lt 50 ] || fail "the upstream did not start: $(cat "$T/up.log")"
	sleep 0.1
done

C="curl -sS --max-time 20 -x http://127.0.0.1:$P"
out=$($C -H "Authorization: Basic Y2xpZW50OnNlY3JldA==" \
    "http://127.0.0.1:$UP/hdr/a?b=1") || fail "generic_http: curl failed"
printf '%s\n' "$out" | grep -qx "key=s3cret" || fail "no header: $out"
printf '%s\n' "$out" | grep -qx "authorization=None" ||
    fail "the client's Authorization went upstream: $out"
printf '%s\n' "$out" | grep -qx "path=/hdr/a?b=1&token=t-s3cret" ||
    fail "no query parameter: $out"
ok "generic_http: header and query parameter added, client's Authorization dropped"

out=$($C "http://127.0.0.1:$UP/open/x") || fail "passthrough: curl failed"
printf '%s\n' "$out" | grep -qx "key=None" || fail "passthrough added: $out"
ok "passthrough: forwarded with nothing added"

out=$($C -i "http://127.0.0.1:$UP/elsewhere?q=secret")
case "$out" in
"HTTP/1.1 403 Forbidden"*"airlock: no service of this listener matches http://127.0.0.1:$UP/elsewhere;"*) ;;
*) fail "an unmatched URL: $out" ;;
esac
case "$out" in
*q=secret*) fail "the 403 shows the query: $out" ;;
esac
ok "an unmatched URL: 403 with the reason"

# Three requests, one connection (curl says when it reuses one).
$C -v "http://127.0.0.1:$UP/open/1" "http://127.0.0.1:$UP/hdr/2" \
    "http://127.0.0.1:$UP/open/3" >"$T/ka.out" 2>"$T/ka.err" ||
    fail "keep-alive: $(cat "$T/ka.err")"
[ "$(grep -c '^path=' "$T/ka.out")" = 3 ] || fail "keep-alive: $(cat "$T/ka.out")"
grep -qi "re-using existing connection\|reusing existing connection" \
    "$T/ka.err" || fail "no connection reused: $(cat "$T/ka.err")"
ok "keep-alive: three requests on one connection"

# 64 MiB up, 200 MB down; the worker's RSS sampled meanwhile.
head -c $((64 * 1024 * 1024)) /dev/zero >"$T/up.bin"
out=$($C -H "Content-Type: application/octet-stream" --data-binary "@$T/up.bin" \
    "http://127.0.0.1:$UP/open/post") || fail "upload failed"
[ "$out" = "posted=67108864" ] || fail "upload: $out"
ok "64 MiB uploaded through"
rm -f "$T/up.bin"
$C --limit-rate 200M -o /dev/null -w '%{size_download}\n' \
    "http://127.0.0.1:$UP/big?n=200000000" >"$T/big.out" 2>&1 &
curl_pid=$!
peak=0
while kill -0 "$curl_pid" 2>/dev/null; do
	# This airlockd's workers, by its log (idle ones of the pool too):
	# other trees run tests too, and under valgrind airlockd's child is
	# valgrind.
	for w in $(sed -n 's/.* worker \([0-9]*\) started.*/\1/p' \
	    "$AIRLOCK_LOG"); do
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$w/status" 2>/dev/null)
		[ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
	done
	sleep 0.1
done
wait "$curl_pid" || fail "download failed: $(cat "$T/big.out")"
[ "$(cat "$T/big.out")" = 200000000 ] || fail "download: $(cat "$T/big.out")"
[ "$peak" -gt 0 ] && [ "$peak" -lt 32768 ] ||
    fail "the worker's peak RSS was $peak kB"
ok "200 MB downloaded through; the worker's peak RSS $peak kB"
exit 0
