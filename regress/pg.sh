# A throwaway PostgreSQL server for the tests (sourced after lib.sh).
#
# pg_start [EXTRA_CONF_LINE...] creates and starts a cluster in $T/pg, run
# by the postgres OS user, listening on 127.0.0.1:$PG_PORT and on a Unix
# socket in $PG_SOCKDIR, with TLS on.  Roles, by authentication method:
#
#	trust_user	trust				host (TLS or not)
#	md5_user	md5 ($PG_MD5_PASSWORD)		host
#	scram_user	scram-sha-256 ($PG_SCRAM_PASSWORD) host
#	clear_user	password, cleartext ($PG_CLEAR_PASSWORD) host
#	tls_user	scram-sha-256 ($PG_TLS_PASSWORD) hostssl only
#	cert_user	cert, client certificate	hostssl only
#	postgres	trust				local socket and host
#
# Passwords are random per run.  TLS material, made with the openssl CLI:
# $PG_CA (the CA), $PG_WRONG_CA (another CA), $PG_CLIENT_CERT and
# $PG_CLIENT_KEY (CN=cert_user, signed by the CA); the server certificate
# is for DNS:localhost and IP:127.0.0.1.  pg_stop stops the server; it is
# also called at exit.

# No ambient libpq settings: each test says what it means.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGDATABASE PGSERVICE \
    PGSERVICEFILE PGSSLMODE PGSSLROOTCERT PGSSLCERT PGSSLKEY PGOPTIONS \
    PGREQUIRESSL PGTZ PGDATESTYLE PGAPPNAME PGTARGETSESSIONATTRS
PGCONNECT_TIMEOUT=10
export PGCONNECT_TIMEOUT

# No password file (a file that does not exist: libpq warns about
# /dev/null).
PGPASSFILE=$T/no-pgpass
export PGPASSFILE

PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

# pg_psql CONNINFO SQL: run one statement, print the bare result; never
# prompt for a password, never hang.  SQL "-" reads standard input (keeps
# passwords off command lines).
pg_psql()
{
	if [ "$2" = - ]; then
		set -- "$1" -f -
	else
		set -- "$1" -c "$2"
	fi
	timeout -k 5 60 psql -X -A -t -q -w -v ON_ERROR_STOP=1 -d "$@"
}

# airlock_psql PORT SQL [CONNINFO...]: through airlock's TCP listener on
# 127.0.0.1:PORT as a client that knows no password and claims to be
# someone else (airlock ignores the client's user).
airlock_psql()
{
	_port=$1
	_sql=$2
	shift 2
	pg_psql "host=127.0.0.1 port=$_port dbname=postgres user=someoneelse $*" \
	    "$_sql"
}

# pg_service NAME LISTEN USER SSLMODE [CREDENTIAL-LINE...]: a pg service of
# the test server for an airlock.yml.  LISTEN is a port on 127.0.0.1 or a
# whole listenOn URL; an empty SSLMODE leaves sslmode out (the connector's
# default); each further argument is one more line under credentials, such
# as "password: {from: env, get: PG_SCRAM_PASSWORD}".  A config: section
# may follow, in the caller's own lines.
pg_service()
{
	_name=$1 _listen=$2 _user=$3 _mode=$4
	shift 4
	case "$_listen" in
	*://*) ;;
	*) _listen=tcp://127.0.0.1:$_listen ;;
	esac
	cat <<EOF
  $_name:
    connector: pg
    listenOn: $_listen
    credentials:
      host: 127.0.0.1
      port: $PG_PORT
      username: $_user
EOF
	[ -z "$_mode" ] || echo "      sslmode: $_mode"
	for _line in "$@"; do
		echo "      $_line"
	done
}

# airlock_session PORT SERVICE SQL OUTPUT [TIMEOUT]: run SQL through
# airlock_psql PORT in the background (its output in the file OUTPUT) and
# wait, TIMEOUT seconds at most (default 10), until this session has
# authenticated with SERVICE.  Sets SESSION_PID (psql, killed at exit if
# still running) and WORKER_PID: the session's worker, from airlockd's
# debug log, checked to be a live worker (is_worker) whose parent is
# airlockd.
# SESSION_CLIENT names another client function with airlock_psql's
# arguments (PORT SQL).
airlock_session()
{
	_from=$(($(wc -l <"$AIRLOCK_LOG") + 1))
	# Connections already started: a slow airlockd (valgrind) may log an
	# earlier one's "authenticated" after its client is gone, below
	# _from; connection ids only grow, so the session's is above these.
	_maxid=$(sed -nE "s/.*\] $2#([0-9]+): worker [0-9]+ started.*/\1/p" \
	    "$AIRLOCK_LOG" | sort -n | tail -n 1)
	${SESSION_CLIENT:-airlock_psql} "$1" "$3" >"$4" 2>&1 &
	SESSION_PID=$!
	at_exit "kill $SESSION_PID"
	# The session's label (SERVICE#ID) from its own "authenticated" line:
	# earlier sessions of the service do not count.
	_n=$(( ${5:-10} * 10 ))
	_label=
	while [ "$_n" -gt 0 ]; do
		_label=$(tail -n "+$_from" "$AIRLOCK_LOG" |
		    sed -nE "s/.*\] ($2#([0-9]+)): authenticated.*/\1 \2/p" |
		    awk -v m="${_maxid:-0}" '$2 > m { print $1; exit }')
		[ -n "$_label" ] && break
		sleep 0.1
		_n=$((_n - 1))
	done
	[ -n "$_label" ] ||
	    fail "$2: the session did not authenticate: $(cat "$4")"
	WORKER_PID=$(sed -nE "s/.*\] $_label: worker ([0-9]+) started.*/\1/p" \
	    "$AIRLOCK_LOG" | tail -n 1)
	[ -n "$WORKER_PID" ] &&
	    is_worker "$WORKER_PID" &&
	    [ "$(ps -o ppid= -p "$WORKER_PID" | tr -d ' ')" = "$AIRLOCK_PID" ] ||
	    fail "$_label: no live worker of airlockd $AIRLOCK_PID" \
	    "(pid '$WORKER_PID')"
}

PG_SSL_SQL="select ssl from pg_stat_ssl where pid = pg_backend_pid()"

# pg_admin SQL: as the superuser over the Unix socket.
pg_admin()
{
	pg_psql "host=$PG_SOCKDIR port=$PG_PORT dbname=postgres user=postgres" "$1"
}

pg_password()
{
	# Letters and digits, with a prefix that grep cannot confuse.
	echo "pw-$(openssl rand -hex 12)"
}

# _pg_tls DIR: a CA, a server certificate and a client certificate.
_pg_tls()
{
	_d=$1
	tls_openssl_cnf "$_d/openssl.cnf"
	_ossl()
	{
		openssl "$@" >>"$_d/openssl.log" 2>&1 ||
		    fail "openssl $1 failed: $(tail -n 5 "$_d/openssl.log")"
	}
	_key()
	{
		_ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
		    -out "$1"
	}
	for _ca in ca wrong-ca; do
		_key "$_d/$_ca.key"
		_ossl req -config "$_d/openssl.cnf" -new -x509 -days 2 \
		    -key "$_d/$_ca.key" -subj "/CN=airlock test $_ca" \
		    -extensions ca -out "$_d/$_ca.crt"
	done
	# name CN extensions
	for _c in "server localhost server" "client cert_user client"; do
		set -- $_c
		_key "$_d/$1.key"
		_ossl req -config "$_d/openssl.cnf" -new -key "$_d/$1.key" \
		    -subj "/CN=$2" -out "$_d/$1.csr"
		_ossl x509 -req -days 2 -in "$_d/$1.csr" -CA "$_d/ca.crt" \
		    -CAkey "$_d/ca.key" -CAcreateserial -extfile "$_d/openssl.cnf" \
		    -extensions "$3" -out "$_d/$1.crt"
	done
	chmod 0600 "$_d"/*.key
	chmod 0644 "$_d"/*.crt
}

pg_start()
{
	[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ] ||
	    skip "no PostgreSQL server in /usr/lib/postgresql/*/bin"
	require_root
	PG_DIR=$T/pg
	PG_DATA=$PG_DIR/data
	PG_SOCKDIR=$PG_DIR
	PG_HOST=127.0.0.1
	PG_PORT=$(free_port)
	[ -n "$PG_PORT" ] || fail "no free port for PostgreSQL"
	PG_TLS=$T/pgtls
	mkdir -p "$PG_DIR" "$PG_TLS" || fail "mkdir $PG_DIR"

	_pg_tls "$PG_TLS"
	PG_CA=$PG_TLS/ca.crt
	PG_WRONG_CA=$PG_TLS/wrong-ca.crt
	PG_CLIENT_CERT=$PG_TLS/client.crt
	PG_CLIENT_KEY=$PG_TLS/client.key
	# The server's own copies, owned by the server's user (it refuses a
	# key that others can read).
	cp "$PG_TLS/server.crt" "$PG_TLS/server.key" "$PG_CA" "$PG_DIR/"
	chown -R postgres:postgres "$PG_DIR"
	chmod 0700 "$PG_DIR"
	chmod 0600 "$PG_DIR/server.key"

	runuser -u postgres -- "$PGBIN/initdb" -D "$PG_DATA" -U postgres \
	    -A trust -E UTF8 --locale=C -N >"$T/initdb.log" 2>&1 ||
	    fail "initdb failed: $(tail -n 20 "$T/initdb.log")"

	cat >>"$PG_DATA/postgresql.conf" <<EOF

# regress/pg.sh
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKDIR'
max_connections = 120
ssl = on
ssl_cert_file = '$PG_DIR/server.crt'
ssl_key_file = '$PG_DIR/server.key'
ssl_ca_file = '$PG_DIR/ca.crt'
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
log_connections = on
log_disconnections = on
log_line_prefix = '%m [%p] %u@%d '
EOF
	for _l in "$@"; do
		echo "$_l" >>"$PG_DATA/postgresql.conf"
	done

	# First match wins: the users that need TLS come before "host".
	cat >"$PG_DATA/pg_hba.conf" <<EOF
# TYPE	DATABASE USER		ADDRESS		METHOD
local	all	postgres			trust
local	all	all				reject
hostssl	all	cert_user	127.0.0.1/32	cert
hostssl	all	tls_user	127.0.0.1/32	scram-sha-256
host	all	cert_user	127.0.0.1/32	reject
host	all	tls_user	127.0.0.1/32	reject
host	all	postgres	127.0.0.1/32	trust
host	all	trust_user	127.0.0.1/32	trust
host	all	md5_user	127.0.0.1/32	md5
host	all	scram_user	127.0.0.1/32	scram-sha-256
host	all	clear_user	127.0.0.1/32	password
EOF

	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/log" \
	    -w -t 30 start >"$T/pg_ctl.log" 2>&1 ||
	    fail "PostgreSQL did not start: $(tail -n 20 "$PG_DIR/log")"
	at_exit pg_stop

	PG_MD5_PASSWORD=$(pg_password)
	PG_SCRAM_PASSWORD=$(pg_password)
	PG_CLEAR_PASSWORD=$(pg_password)
	PG_TLS_PASSWORD=$(pg_password)
	export PG_HOST PG_PORT PG_SOCKDIR PG_CA PG_WRONG_CA PG_CLIENT_CERT \
	    PG_CLIENT_KEY PG_MD5_PASSWORD PG_SCRAM_PASSWORD PG_CLEAR_PASSWORD \
	    PG_TLS_PASSWORD

	# An md5 role's password must be stored as MD5, or md5 auth fails.
	pg_admin - >"$T/pg_roles.log" 2>&1 <<EOF ||
SET password_encryption = 'md5';
CREATE ROLE md5_user LOGIN PASSWORD '$PG_MD5_PASSWORD';
SET password_encryption = 'scram-sha-256';
CREATE ROLE scram_user LOGIN PASSWORD '$PG_SCRAM_PASSWORD';
CREATE ROLE clear_user LOGIN PASSWORD '$PG_CLEAR_PASSWORD';
CREATE ROLE tls_user LOGIN PASSWORD '$PG_TLS_PASSWORD';
CREATE ROLE trust_user LOGIN;
CREATE ROLE cert_user LOGIN;
GRANT CREATE ON SCHEMA public TO PUBLIC;
EOF
	    fail "creating roles failed: $(cat "$T/pg_roles.log")"
}

pg_stop()
{
	[ -n "${PG_DATA:-}" ] && [ -f "$PG_DATA/postmaster.pid" ] || return 0
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PG_DATA" -m immediate \
	    -w stop >/dev/null 2>&1
}

# service_port NAME: a free port for the listener of service NAME, which
# port_of NAME tells again.
service_port()
{
	_p=$(free_port)
	echo "$1 $_p" >>"$T/service.ports"
	echo "$_p"
}

port_of()
{
	awk -v n="$1" '$1 == n { print $2 }' "$T/service.ports"
}

# airlock_refused NAME TEXT...: psql through service NAME (service_port)
# gets an error from airlock that says each TEXT.
airlock_refused()
{
	_svc=$1
	shift
	_out=$(airlock_psql "$(port_of "$_svc")" "select current_user" 2>&1) &&
	    fail "$_svc: logged in: $_out"
	echo "$_out" | grep -q "closed the connection unexpectedly" &&
	    fail "$_svc: no clean error: $_out"
	for _w in "$@"; do
		echo "$_out" | grep -qF -- "$_w" ||
		    fail "$_svc: the error does not say '$_w': $_out"
	done
	ok "$_svc refused: $(echo "$_out" | sed -n 's/.*FATAL: *//p' |
	    head -n 1)"
}

# airlock_unharmed SECRET: airlockd runs, killed no worker, and has not
# logged SECRET.
airlock_unharmed()
{
	airlock_alive || fail "airlockd died"
	grep -q "killed" "$AIRLOCK_LOG" &&
	    fail "a worker was killed: $(grep killed "$AIRLOCK_LOG")"
	grep -F -q -- "$1" "$AIRLOCK_LOG" &&
	    fail "the password is in airlockd's log"
	ok "airlockd runs, killed no worker, and logged no password"
}

# pg_kept SERVICE N: wait until airlockd's log has said N times that a
# backend of SERVICE was kept idle for reuse (poolMode session; the
# worker's BACKEND_RETURN is asynchronous).
pg_kept()
{
	_n=50
	while [ "$_n" -gt 0 ]; do
		[ "$(grep -c "\] $1#[0-9]*: backend kept idle" \
		    "$AIRLOCK_LOG")" -ge "$2" ] && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	fail "$1: no backend kept idle (the ${2}th)"
}

# The messages of a raw client (regress/tools/rawpg), in hex.
# hexs TEXT: TEXT in hex.
hexs()
{
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# pkt HEX: a startup packet: its int32 length, then HEX.
pkt()
{
	printf '%08x%s' $((${#1} / 2 + 4)) "$1"
}

# startup VERSION KEY VALUE...: a StartupMessage (VERSION in hex).
startup()
{
	_b=$1
	shift
	for _a in "$@"; do
		_b=$_b$(hexs "$_a")00
	done
	pkt "${_b}00"
}

# query SQL: a simple Query message.
query()
{
	_b=$(hexs "$1")00
	printf '51%08x%s' $((${#_b} / 2 + 4)) "$_b"
}

# pg_hold PORT SQL OUT: a psql session through airlock's listener on PORT
# that stays open, its input on fd 9 (a fifo; closing fd 9 ends it with
# Terminate): it runs SQL, and its output goes to OUT, which has something
# when this returns.  Its pid in $held_psql.
pg_hold()
{
	rm -f "$T/hold.fifo"
	mkfifo "$T/hold.fifo" || fail "mkfifo"
	psql -X -A -t -q -w -d "host=127.0.0.1 port=$1 dbname=postgres user=x" \
	    <"$T/hold.fifo" >"$3" 2>&1 &
	held_psql=$!
	at_exit "kill -KILL $held_psql"
	exec 9>"$T/hold.fifo"
	printf '%s\n' "$2" >&9
	_n=100
	while [ "$_n" -gt 0 ] && [ ! -s "$3" ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	[ -s "$3" ] || fail "psql through port $1: no answer to $2"
}

# pg_reload_setting NAME VALUE: ALTER SYSTEM SET and a reload, and wait
# until a new session has it: then the postmaster has signalled every
# backend, which takes it at its next command.
pg_reload_setting()
{
	pg_admin "alter system set $1 = '$2'" >/dev/null &&
	    pg_admin "select pg_reload_conf()" >/dev/null || fail "reload"
	_n=100
	while [ "$_n" -gt 0 ] && [ "$(pg_admin "show $1")" != "$2" ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
	[ "$_n" -gt 0 ] || fail "$1 is not $2 after the reload"
}

# pg_ctls_service NAME LISTEN AUTH [ALLOWED...]: a service of scram_user
# (sslmode disable to the server) whose client leg is TLS: ctls_yaml's
# clientTLS (regress/ctls.sh, ctls_make first) with AUTH and ALLOWED.
pg_ctls_service()
{
	pg_service "$1" "$2" scram_user disable \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	echo "    config:"
	shift 2
	ctls_yaml 6 "$@"
}

# pg_sleeping PID OUT WHAT: wait (10 s at most) until scram_user's
# "select pg_sleep(30)" runs on the server, sent by the client PID (which
# writes to OUT); fail, saying WHAT, if it does not.  PG_SLEEPING counts
# such queries.
PG_SLEEPING="select count(*) from pg_stat_activity where usename = 'scram_user'
    and state = 'active' and query like 'select pg_sleep(30)%'"
pg_sleeping()
{
	_n=100
	while [ "$_n" -gt 0 ] && [ "$(pg_admin "$PG_SLEEPING")" != 1 ]; do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
		_n=$((_n - 1))
	done
	[ "$(pg_admin "$PG_SLEEPING")" = 1 ] ||
	    fail "$3: the query did not start: $(cat "$2")"
}

# rogue_psql NAME: a psql of the service NAME, whose port is NAME's line of
# $T/ports, for a rogue worker (never answered: it fails), output in
# $T/psql.NAME.
rogue_psql()
{
	_port=$(awk -v n="$1" '$1 == n { print $2 }' "$T/ports")
	timeout -k 2 20 psql -X -w -q -d "host=127.0.0.1 port=$_port \
	    dbname=postgres user=x connect_timeout=10" -c "select 1" \
	    >"$T/psql.$1" 2>&1
}

# rogue_pg_service NAME: a service for a rogue worker (regress/tools/
# rogueworker): scram_user with the password in $T/scram.pw, a port of
# its own (NAME's line of $T/ports, for rogue_psql), its report in
# $T/report.NAME; its config: section is open for more settings.
rogue_pg_service()
{
	_port=$(free_port)
	echo "$1 $_port" >>"$T/ports"
	pg_service "$1" "$_port" scram_user disable \
	    "password: {from: file, get: $T/scram.pw}"
	printf '    config:\n      rogueReport: %s\n' "$T/report.$1"
}
