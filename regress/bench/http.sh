# HTTP throughput: wrk (Debian's package) directly to nginx, through
# airlock (a basic_auth service: clients set http_proxy), and through an
# nginx reverse proxy that adds the same header (proxy_set_header
# Authorization), with 1 and 64 connections, keep-alive and not (wrk -H
# "Connection: close").  Not part of the test suite: `make bench` runs it.
#
#	BENCH_SECONDS=10	duration of each wrk run
#	KEEP=1			keep the temporary directory (wrk outputs)
#	BENCH_TARGETS="direct airlock nginx-proxy"	the targets measured
#
# Every target ends at the same nginx location, /basic, which checks the
# basic auth password (auth_basic, a {PLAIN} entry: the origin's cost is
# small, so that the proxies' shows) and answers a short body; over TCP on
# 127.0.0.1 without TLS.  airlock runs at log level info (not -d); wrk
# reaches it as an http_proxy client does, with the absolute URL as the
# request target (regress/bench/proxy.lua).
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/http.sh"
. "$TOP/regress/bench/report.sh"

SECS=${BENCH_SECONDS:-10}
bench_whole BENCH_SECONDS "$SECS"
require_root
command -v wrk >/dev/null || skip "no wrk"

# The reverse proxy, in the same nginx: it needs the origin's port and
# the password before nginx starts.
HTTP_PORT=$(free_port)
HTTP_PASSWORD=$(pg_password)
PN=$(free_port)
PA=$(free_port)
AUTH="Basic $(printf '%s:%s' alice "$HTTP_PASSWORD" | base64 -w 0)"
cat >"$T/proxy.conf" <<EOF
upstream origin {
	server 127.0.0.1:$HTTP_PORT;
	keepalive 64;
}
server {
	listen 127.0.0.1:$PN;
	access_log off;
	location / {
		proxy_pass http://origin;
		proxy_http_version 1.1;
		proxy_set_header Connection "";
		proxy_set_header Authorization "$AUTH";
	}
}
EOF
HTTP_HTPASSWD=plain HTTP_WORKERS=1 HTTP_LOG_BUFFER=256k \
    http_start "$T/proxy.conf"

TARGETS=${BENCH_TARGETS:-direct airlock nginx-proxy}
WITH_AIRLOCK=
case " $TARGETS " in
*" airlock "*) WITH_AIRLOCK=1 ;;
esac
[ -z "$WITH_AIRLOCK" ] || AIRLOCK_FLAGS=-D http_airlock "logLevel: info" <<EOF
  bench:
    connector: basic_auth
    listenOn: tcp://127.0.0.1:$PA
    credentials:
      username: $HTTP_USER
      password: {from: file, get: $T/http.pw}
    config:
      authenticateURLsMatching: ^http://127\.0\.0\.1:$HTTP_PORT/
      allowPlainHTTP: true
EOF

URL=http://127.0.0.1:$HTTP_PORT/basic
# Each target answers 200 once before we measure.
for t in $TARGETS; do
	case $t in
	direct) s=$(curl -sS -o /dev/null -w '%{http_code}' -H \
	    "Authorization: $AUTH" "$URL") ;;
	airlock) s=$(http_status "$PA" "$URL") ;;
	nginx-proxy) s=$(curl -sS -o /dev/null -w '%{http_code}' \
	    "http://127.0.0.1:$PN/basic") ;;
	esac
	[ "$s" = 200 ] || fail "$t: status $s for $URL"
done

# rps TARGET LABEL CONNECTIONS [WRK_OPTION...]: requests/s of one run.
rps()
{
	_t=$1 _l=$2 _c=$3
	shift 3
	_thr=$((_c < 2 ? 1 : 2))
	_log=$T/wrk-$_t-$_l.log
	case $_t in
	direct) set -- "$@" -H "Authorization: $AUTH" "$URL" ;;
	airlock) set -- "$@" -s "$TOP/regress/bench/proxy.lua" \
	    "http://127.0.0.1:$PA/" ;;
	nginx-proxy) set -- "$@" "http://127.0.0.1:$PN/basic" ;;
	esac
	BENCH_URL=$URL timeout $((SECS + 60)) wrk -t "$_thr" -c "$_c" \
	    -d "${SECS}s" --timeout 10s "$@" >"$_log" 2>&1 ||
	    fail "wrk $_t $_l: $(tail -n 20 "$_log")"
	grep -q "Non-2xx or 3xx responses" "$_log" &&
	    fail "wrk $_t $_l had errors: $(cat "$_log")"
	awk '$1 == "Requests/sec:" { print $2; exit }' "$_log"
}

RUNS="keepalive-c1:1
keepalive-c64:64
close-c1:1:close
close-c64:64:close"

echo "$RUNS" | while IFS=: read -r label c hdr; do
	for t in $TARGETS; do
		if [ -n "$hdr" ]; then
			v=$(rps "$t" "$label" "$c" -H "Connection: $hdr") || exit 1
		else
			v=$(rps "$t" "$label" "$c") || exit 1
		fi
		[ -n "$v" ] || fail "no Requests/sec in $T/wrk-$t-$label.log"
		echo "$label $t $v" >>"$T/results"
	done
done || exit 1

[ -z "$WITH_AIRLOCK" ] || airlock_alive ||
    fail "airlockd died during the benchmark"

echo "## HTTP (regress/bench/http.sh)"
echo
echo "wrk GET /basic, $SECS s per run, TCP 127.0.0.1, no TLS; requests/s" \
    "from wrk. nginx-proxy: an nginx reverse proxy that sets the same" \
    "Authorization (proxy_set_header) and keeps 64 upstream connections" \
    "alive."
echo
bench_ratio_table "$T/results" "$TARGETS" \
    "airlock/direct airlock/nginx-proxy" | bench_table
exit 0
