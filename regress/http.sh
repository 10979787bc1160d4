# A throwaway nginx for the HTTP connectors' tests (sourced after lib.sh).
#
# http_start [FILE] starts Debian's nginx (nginx-light, its echo module
# loaded) as root with a configuration in $T/nginx (pid file, logs and
# temporary files there too), stopped at exit.  FILE, if given, is added
# to the http block (the bench's reverse proxy).  Servers, on free ports
# of 127.0.0.1 (a port variable set before is kept; HTTP_WORKERS is
# nginx's worker_processes, 1 by default; HTTP_LOG_BUFFER buffers the
# access log, for the bench):
#
#	$HTTP_PORT	plain http, with the locations below
#	$HTTPS_PORT	TLS, the same locations; its certificate is for
#			DNS:localhost and IP:127.0.0.1, signed by $HTTP_CA
#	$HTTPS_OTHER_PORT TLS with a certificate signed by $HTTP_CA for
#			DNS:other.invalid only (a name mismatch)
#	$HTTP_OTHER_PORT plain http: where /redirect points; its own access
#			log, $HTTP_OTHER_LOG
#
# $HTTP_PATTERN is an authenticateURLsMatching for the first one's URLs.
#
# Locations (of the first two):
#
#	/basic		auth_basic, user $HTTP_USER, password $HTTP_PASSWORD
#			(random per run unless set before, also in the file
#			$T/http.pw): 200
#			"basic ok USER", else 401
#	/bearer		200 "bearer ok" when Authorization is exactly
#			Token token="$HTTP_TOKEN_B64" (the base64 of
#			$HTTP_TOKEN, which is in the file $T/http.token),
#			401 otherwise
#	/echo		200 with one line per item of the request: method,
#			uri, args, host, authorization, proxy-authorization,
#			x-api-key, x-marker, connection (nginx's connection
#			serial number); header X-Echo-Marker: nginx-echo
#	/redirect	302 to http://127.0.0.1:$HTTP_OTHER_PORT/landing
#	/upload/	WebDAV PUT into $T/nginx/www/upload/ (no size limit)
#	/big		a sparse file of $HTTP_BIG_SIZE bytes (1 GiB), made
#			on first use by http_big
#	/chunked	1,000,000 bytes of "0123456789" in a chunked response
#	/		200 "root"
#
# Every request is in $HTTP_ACCESS_LOG, one line each: remote address,
# connection serial, requests on that connection, "request line", status,
# body bytes sent, "Authorization", server port.
#
# http_airlock [SETTING...] reads a services: block from standard input
# and starts airlockd with it (airlock_head's SETTINGs); the test CA is in
# SECRETLESS_HTTP_CA_BUNDLE unless the caller set it (to "" for none).
# Give it a here-document or a file (<"$T/services.yml"), never a pipe:
# the right side of a pipe is a subshell, and airlockd would outlive it
# unknown to the test.
# Clients: http_curl (curl through airlock's listener $HTTP_PROXY_PORT),
# regress/tools/httptool.py (raw requests, keep-alive, python clients).

# pg_password and _pg_tls (the test CA) are pg.sh's.
. "$TOP/regress/pg.sh"

HTTP_PYTHON=/usr/bin/python3
HTTPTOOL=$TOP/regress/tools/httptool.py
HTTP_BIG_SIZE=$((1024 * 1024 * 1024))
# No ambient proxy settings: each test says what it means.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY \
    no_proxy NO_PROXY

# _http_tls DIR: pg.sh's CA and certificates, and one more server
# certificate, for other.invalid only.
_http_tls()
{
	_pg_tls "$1"
	printf '%s\n' "basicConstraints = critical, CA:FALSE" \
	    "keyUsage = critical, digitalSignature, keyEncipherment" \
	    "extendedKeyUsage = serverAuth" \
	    "subjectAltName = DNS:other.invalid" >"$1/other.ext"
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1/other.key" >>"$1/openssl.log" 2>&1 &&
	openssl req -new -key "$1/other.key" -subj "/CN=other.invalid" \
	    -out "$1/other.csr" >>"$1/openssl.log" 2>&1 &&
	openssl x509 -req -days 2 -in "$1/other.csr" -CA "$1/ca.crt" \
	    -CAkey "$1/ca.key" -CAcreateserial -extfile "$1/other.ext" \
	    -out "$1/other.crt" >>"$1/openssl.log" 2>&1 ||
	    fail "openssl: $(tail -n 5 "$1/openssl.log")"
	chmod 0600 "$1/other.key"
}

http_start()
{
	command -v nginx >/dev/null || skip "no nginx (nginx-light)"
	[ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ] ||
	    skip "no nginx echo module (libnginx-mod-http-echo)"
	require_root
	HTTP_DIR=$T/nginx
	mkdir -p "$HTTP_DIR/tmp" "$HTTP_DIR/www/upload" "$HTTP_DIR/tls" ||
	    fail "mkdir $HTTP_DIR"
	_http_tls "$HTTP_DIR/tls"
	HTTP_CA=$HTTP_DIR/tls/ca.crt
	HTTP_WRONG_CA=$HTTP_DIR/tls/wrong-ca.crt
	HTTP_PORT=${HTTP_PORT:-$(free_port)}
	HTTPS_PORT=${HTTPS_PORT:-$(free_port)}
	HTTPS_OTHER_PORT=${HTTPS_OTHER_PORT:-$(free_port)}
	HTTP_OTHER_PORT=${HTTP_OTHER_PORT:-$(free_port)}
	# authenticateURLsMatching for the plain server's URLs.
	HTTP_PATTERN="^http://127\\.0\\.0\\.1:$HTTP_PORT/"
	HTTP_ACCESS_LOG=$HTTP_DIR/access.log
	HTTP_OTHER_LOG=$HTTP_DIR/other.log
	HTTP_USER=alice
	HTTP_PASSWORD=${HTTP_PASSWORD:-$(pg_password)}
	HTTP_TOKEN=token-$(openssl rand -hex 12)
	HTTP_TOKEN_B64=$(printf '%s' "$HTTP_TOKEN" | base64 -w 0)
	printf '%s' "$HTTP_PASSWORD" >"$T/http.pw"
	printf '%s' "$HTTP_TOKEN" >"$T/http.token"
	chmod 0600 "$T/http.pw" "$T/http.token"
	# apr1 (1000 rounds of MD5), as a real site has; the bench's
	# HTTP_HTPASSWD=plain makes the origin's check cheap.
	if [ "${HTTP_HTPASSWD:-}" = plain ]; then
		printf '%s:{PLAIN}%s\n' "$HTTP_USER" "$HTTP_PASSWORD"
	else
		printf '%s:%s\n' "$HTTP_USER" \
		    "$(openssl passwd -apr1 -stdin <"$T/http.pw")"
	fi >"$HTTP_DIR/htpasswd"
	echo root >"$HTTP_DIR/www/index.html"
	_extra=
	[ -z "${1:-}" ] || _extra="include $1;"
	cat >"$HTTP_DIR/locations.conf" <<EOF
location = / {
	return 200 "root\n";
}
location /basic {
	auth_basic "airlock test";
	auth_basic_user_file $HTTP_DIR/htpasswd;
	echo "basic ok \$remote_user";
}
location /bearer {
	if (\$bearer_ok = 0) {
		return 401 "no valid token\n";
	}
	echo "bearer ok";
}
location /echo {
	add_header X-Echo-Marker nginx-echo;
	echo "method=\$request_method";
	echo "uri=\$request_uri";
	echo "args=\$args";
	echo "host=\$http_host";
	echo "authorization=\$http_authorization";
	echo "proxy-authorization=\$http_proxy_authorization";
	echo "x-api-key=\$http_x_api_key";
	echo "x-marker=\$http_x_marker";
	echo "connection=\$connection";
}
location /redirect {
	return 302 http://127.0.0.1:$HTTP_OTHER_PORT/landing;
}
location /upload/ {
	dav_methods PUT;
	create_full_put_path on;
	client_max_body_size 0;
	client_body_temp_path $HTTP_DIR/tmp/upload;
}
location = /big {
	default_type application/octet-stream;
	alias $HTTP_DIR/www/big;
}
location /chunked {
	echo_duplicate 100000 "0123456789";
}
EOF
	cat >"$HTTP_DIR/nginx.conf" <<EOF
load_module /usr/lib/nginx/modules/ngx_http_echo_module.so;
user root root;
worker_processes ${HTTP_WORKERS:-1};
daemon off;
pid $HTTP_DIR/nginx.pid;
error_log $HTTP_DIR/error.log info;
events {
	worker_connections 1024;
}
http {
	default_type text/plain;
	access_log off;
	log_format t '\$remote_addr \$connection \$connection_requests'
	    ' "\$request" \$status \$body_bytes_sent "\$http_authorization"'
	    ' \$server_port';
	client_body_temp_path $HTTP_DIR/tmp/body;
	proxy_temp_path $HTTP_DIR/tmp/proxy;
	fastcgi_temp_path $HTTP_DIR/tmp/fastcgi;
	uwsgi_temp_path $HTTP_DIR/tmp/uwsgi;
	scgi_temp_path $HTTP_DIR/tmp/scgi;
	map_hash_bucket_size 256;
	keepalive_requests 1000000;
	keepalive_timeout 60s;
	sendfile on;
	map \$http_authorization \$bearer_ok {
		default 0;
		'Token token="$HTTP_TOKEN_B64"' 1;
	}
	server {
		listen 127.0.0.1:$HTTP_PORT;
		access_log $HTTP_ACCESS_LOG t${HTTP_LOG_BUFFER:+ buffer=$HTTP_LOG_BUFFER};
		root $HTTP_DIR/www;
		include $HTTP_DIR/locations.conf;
	}
	server {
		listen 127.0.0.1:$HTTPS_PORT ssl;
		access_log $HTTP_ACCESS_LOG t${HTTP_LOG_BUFFER:+ buffer=$HTTP_LOG_BUFFER};
		root $HTTP_DIR/www;
		ssl_certificate $HTTP_DIR/tls/server.crt;
		ssl_certificate_key $HTTP_DIR/tls/server.key;
		include $HTTP_DIR/locations.conf;
	}
	server {
		listen 127.0.0.1:$HTTPS_OTHER_PORT ssl;
		access_log $HTTP_ACCESS_LOG t${HTTP_LOG_BUFFER:+ buffer=$HTTP_LOG_BUFFER};
		ssl_certificate $HTTP_DIR/tls/other.crt;
		ssl_certificate_key $HTTP_DIR/tls/other.key;
		location / {
			return 200 "other\n";
		}
	}
	server {
		listen 127.0.0.1:$HTTP_OTHER_PORT;
		access_log $HTTP_OTHER_LOG t;
		location / {
			return 200 "landing\n";
		}
	}
	$_extra
}
EOF
	nginx -t -p "$HTTP_DIR" -c "$HTTP_DIR/nginx.conf" -e "$HTTP_DIR/error.log" \
	    >"$HTTP_DIR/check.log" 2>&1 ||
	    fail "nginx -t: $(cat "$HTTP_DIR/check.log")"
	nginx -p "$HTTP_DIR" -c "$HTTP_DIR/nginx.conf" -e "$HTTP_DIR/error.log" \
	    </dev/null >>"$HTTP_DIR/stderr" 2>&1 &
	HTTP_NGINX_PID=$!
	at_exit "http_stop"
	_n=100
	while [ "$_n" -gt 0 ]; do
		kill -0 "$HTTP_NGINX_PID" 2>/dev/null ||
		    fail "nginx exited: $(tail -n 20 "$HTTP_DIR/error.log")"
		[ -n "$(listen_inode "$HTTP_OTHER_PORT")" ] &&
		    [ -n "$(listen_inode "$HTTP_PORT")" ] && break
		sleep 0.1
		_n=$((_n - 1))
	done
	[ "$_n" -gt 0 ] || fail "nginx did not listen within 10 s"
	# Not the password nor the token: airlockd inherits the environment,
	# and a residency scan would find them there.
	export HTTP_PORT HTTPS_PORT HTTP_CA HTTP_USER
}

# http_stop: stop nginx (SIGTERM: fast shutdown).
http_stop()
{
	[ -n "${HTTP_NGINX_PID:-}" ] || return 0
	kill -TERM "$HTTP_NGINX_PID" 2>/dev/null && wait_pid "$HTTP_NGINX_PID" 10
	HTTP_NGINX_PID=
	return 0
}

# http_big: the sparse 1 GiB file behind /big.
http_big()
{
	truncate -s "$HTTP_BIG_SIZE" "$HTTP_DIR/www/big" ||
	    fail "truncate $HTTP_DIR/www/big"
}

# http_log_mark: remember how long nginx's access log is; http_log_new
# prints what was added to it since (nginx writes a line when a request
# ends).
http_log_mark()
{
	HTTP_LOG_FROM=$(($(wc -l <"$HTTP_ACCESS_LOG") + 1))
}
http_log_new()
{
	tail -n "+$HTTP_LOG_FROM" "$HTTP_ACCESS_LOG"
}

# http_airlock [SETTING...] <SERVICES: write $T/airlock.yml (airlock_head,
# then the services: block from standard input) and start airlockd.
http_airlock()
{
	{
		airlock_head "$@"
		cat
	} >"$T/airlock.yml"
	SECRETLESS_HTTP_CA_BUNDLE=${SECRETLESS_HTTP_CA_BUNDLE-$HTTP_CA}
	if [ -n "$SECRETLESS_HTTP_CA_BUNDLE" ]; then
		export SECRETLESS_HTTP_CA_BUNDLE
	else
		unset SECRETLESS_HTTP_CA_BUNDLE
	fi
	start_airlock "$T/airlock.yml"
}

# http_curl PROXYPORT URL [CURL_OPTION...]: curl through airlock's listener
# on 127.0.0.1:PROXYPORT (-x: the URL goes in absolute form), never
# hanging; the body on standard output, curl's exit status.  -sS, no
# retries, no following of redirects.
http_curl()
{
	_p=$1 _u=$2
	shift 2
	timeout -k 5 120 curl -sS --max-time 100 -x "http://127.0.0.1:$_p" \
	    "$@" "$_u"
}

# http_status PROXYPORT URL [CURL_OPTION...]: the status only (000 when
# there was no response).
http_status()
{
	_p=$1 _u=$2
	shift 2
	http_curl "$_p" "$_u" -o /dev/null -w '%{http_code}' "$@"
}

# http_expect WHAT STATUS PROXYPORT URL [CURL_OPTION...]: the response has
# STATUS; its body is in $T/body.  The client is $HTTP_CURL, a function
# with http_curl's arguments (default http_curl).
http_expect()
{
	_what=$1 _want=$2
	shift 2
	_got=$(${HTTP_CURL:-http_curl} "$@" -o "$T/body" -w '%{http_code}' \
	    2>"$T/curl.err")
	[ "$_got" = "$_want" ] || fail "$_what: status $_got, not $_want:" \
	    "$(cat "$T/curl.err" "$T/body" 2>/dev/null | head -c 2000)"
	ok "$_what: $_got $(head -n 1 "$T/body" | head -c 200)"
}

# http_body_has WHAT TEXT: $T/body (http_expect's) contains TEXT.
http_body_has()
{
	grep -qF -- "$2" "$T/body" ||
	    fail "$1: the body lacks '$2': $(head -c 2000 "$T/body")"
}

# http_body_lacks WHAT TEXT
http_body_lacks()
{
	grep -qF -- "$2" "$T/body" &&
	    fail "$1: the body has '$2': $(head -c 2000 "$T/body")"
	return 0
}

# http_worker_pids: the pids of airlockd's live workers.
http_worker_pids()
{
	for _c in $(ps -o pid= --ppid "$AIRLOCK_PID" 2>/dev/null); do
		[ "$(cat "/proc/$_c/comm" 2>/dev/null)" = airlock-worker ] &&
		    echo "$_c"
	done
	return 0
}

# _http_tool NAME LOG OPTION...: start regress/tools/NAME.py with OPTIONs,
# its standard error in LOG, stopped at exit, and wait until it says
# "NAME: listening on".
_http_tool()
{
	_tool=$1 _log=$2
	shift 2
	"$HTTP_PYTHON" "$TOP/regress/tools/$_tool.py" "$@" </dev/null \
	    2>"$_log" &
	_pid=$!
	at_exit "kill $_pid"
	wait_for_log "$_tool: listening on" 20 "$_log" ||
	    fail "$_tool.py did not start: $(cat "$_log")"
}

# fakeaws_start [TOKEN]: regress/tools/fakeaws.py on a free port,
# verifying SigV4 signatures made with the access key id $AWS_KEY_ID and
# the secret in $T/aws.secret ($AWS_SECRET; both random per run).  Sets
# FAKEAWS_PORT and FAKEAWS_LOG; stopped at exit.  With TOKEN, a request
# must also carry (and sign) X-Amz-Security-Token: TOKEN.
fakeaws_start()
{
	"$HTTP_PYTHON" -c "import botocore" 2>/dev/null ||
	    skip "python3-botocore is not installed"
	AWS_KEY_ID=AKIA$(openssl rand -hex 8 | tr a-f A-F)
	AWS_SECRET=$(openssl rand -base64 30 | tr -d '\n')
	printf '%s' "$AWS_SECRET" >"$T/aws.secret"
	printf '%s' "$AWS_KEY_ID" >"$T/aws.keyid"
	chmod 0600 "$T/aws.secret" "$T/aws.keyid"
	FAKEAWS_PORT=$(free_port)
	FAKEAWS_LOG=$T/fakeaws.log
	_http_tool fakeaws "$FAKEAWS_LOG" --port "$FAKEAWS_PORT" \
	    --access-key-id "$AWS_KEY_ID" --secret-file "$T/aws.secret" \
	    ${1:+--token "$1"}
	export AWS_KEY_ID FAKEAWS_PORT
}

# fakeoauth1_start: regress/tools/fakeoauth1.py on a free port, verifying
# OAuth 1.0a HMAC-SHA1 signatures of the consumer key $OAUTH_CONSUMER_KEY
# and token $OAUTH_TOKEN, with the secrets in $T/oauth.consumer_secret and
# $T/oauth.token_secret (random per run; the keys and tokens in
# $T/oauth.consumer_key, $T/oauth.token too, for a file provider).  Sets
# FAKEOAUTH1_PORT and FAKEOAUTH1_LOG; stopped at exit.
fakeoauth1_start()
{
	"$HTTP_PYTHON" -c "import oauthlib" 2>/dev/null ||
	    skip "python3-oauthlib is not installed"
	OAUTH_CONSUMER_KEY=ck-$(openssl rand -hex 6)
	OAUTH_TOKEN=tk-$(openssl rand -hex 6)
	for _f in consumer_secret token_secret; do
		# A secret with characters that RFC 5849 3.6 encodes.
		printf 'S %s/+&=' "$(openssl rand -hex 10)" >"$T/oauth.$_f"
	done
	printf '%s' "$OAUTH_CONSUMER_KEY" >"$T/oauth.consumer_key"
	printf '%s' "$OAUTH_TOKEN" >"$T/oauth.token"
	chmod 0600 "$T"/oauth.*
	{
		cat "$T/oauth.consumer_secret"
		echo
		cat "$T/oauth.token_secret"
		echo
	} >"$T/oauth.secrets"
	FAKEOAUTH1_PORT=$(free_port)
	FAKEOAUTH1_LOG=$T/fakeoauth1.log
	_http_tool fakeoauth1 "$FAKEOAUTH1_LOG" --port "$FAKEOAUTH1_PORT" \
	    --consumer-key "$OAUTH_CONSUMER_KEY" --token "$OAUTH_TOKEN" \
	    --secrets "$T/oauth.secrets"
}

# http_basic_service NAME PORT [CONFIG_LINE...]: a basic_auth service of
# airlock on 127.0.0.1:PORT with nginx's user and password (from the file
# $T/http.pw), and its config: lines (indented for it).
http_basic_service()
{
	_name=$1 _port=$2
	shift 2
	cat <<EOT
  $_name:
    connector: basic_auth
    listenOn: tcp://127.0.0.1:$_port
    credentials:
      username: $HTTP_USER
      password:
        from: file
        get: $T/http.pw
    config:
EOT
	for _line in "$@"; do
		echo "      $_line"
	done
}

# http_basic_start [SETTING...]: http_start, then airlockd (http_airlock's
# SETTINGs) with one basic_auth service, "basic", on 127.0.0.1:$P (a free
# port), for the plain server's URLs ($HTTP_PATTERN), allowPlainHTTP.
http_basic_start()
{
	http_start
	P=$(free_port)
	http_basic_service basic "$P" "authenticateURLsMatching: $HTTP_PATTERN" \
	    "allowPlainHTTP: true" >"$T/services.yml"
	http_airlock "$@" <"$T/services.yml"
}

# http_raw PORT [IDLE]: send standard input as it is to 127.0.0.1:PORT
# (airlock's listener) and put what comes back into $T/raw.out (httptool.py
# raw: until the connection closes, or IDLE seconds of silence, which it
# notes as "[httptool: no more bytes ...]").
http_raw()
{
	timeout -k 5 60 "$HTTP_PYTHON" "$HTTPTOOL" raw "$1" "${2:-5}" \
	    >"$T/raw.out" 2>&1 || fail "httptool raw: $(cat "$T/raw.out")"
}

# http_raw_status: the status line of $T/raw.out's first response.
http_raw_status()
{
	head -n 1 "$T/raw.out" | tr -d '\r'
}

# http_raw_code: the status code of $T/raw.out's first response.
http_raw_code()
{
	http_raw_status | awk '$1 ~ /^HTTP\/1\.[01]$/ { print $2 }'
}
