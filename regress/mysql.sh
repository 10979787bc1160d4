# A throwaway MariaDB server for the tests (sourced after lib.sh).
#
# my_start [tls] [MARIADBD_OPTION...] creates a data directory in $T/my
# with mariadb-install-db and starts mariadbd as root (--user=root: the
# tests run as root, and root's server needs no chown of $T), listening on
# 127.0.0.1:$MY_PORT and on the Unix socket $MY_SOCKET; with "tls" it also
# serves TLS with a certificate for DNS:localhost and IP:127.0.0.1.
# Everything it writes (data, socket, pid file, error log, tmpdir) is in
# $T/my; no binary log, no performance_schema, a small InnoDB, no fsync at
# commit.  max_allowed_packet is 64M, so that a row may pass 16 MiB.
# Users, each with ALL on the database airlock_test (table t: id, name):
#
#	native_user	mysql_native_password ($MY_NATIVE_PASSWORD)
#	ed_user		ed25519 ($MY_ED25519_PASSWORD)
#	tls_user	mysql_native_password ($MY_TLS_PASSWORD), REQUIRE SSL
#	cert_user	no password, REQUIRE SUBJECT '/CN=cert_user' (client
#			certificate $MY_CLIENT_CERT, $MY_CLIENT_KEY)
#	nopw_user	no password
#	root		unix_socket, over $MY_SOCKET only (my_sql)
#
# Passwords are random per run, also in the files $T/native.pw, $T/ed.pw
# and $T/tls.pw (for a file provider); my_user_* create more users.  TLS
# material (pg.sh's _pg_tls, made with the openssl CLI, also without "tls"):
# $MY_CA, the CA of the server's certificate; $MY_WRONG_CA, an unrelated
# CA.  The server is stopped (my_stop) at exit.
#
# Clients: my_mariadb (the mariadb command-line client) and my_pymysql
# (regress/tools/pymysql_query.py) take the password from $MYSQL_PWD, as
# the mariadb client does, so that it stays off command lines; without it
# they send none.  my_standin starts regress/tools/fakemysql.py, a MySQL 8
# stand-in for caching_sha2_password, which MariaDB does not have.
#
# my_stop and a second my_start restart the same server (same port, users
# and data), for tests of a backend that goes away and comes back.

# _pg_tls, the test CA and certificates, is pg.sh's.
. "$TOP/regress/pg.sh"

MY_PYTHON=/usr/bin/python3

# The server's options besides where it lives: a small, fast, disposable
# server.
MY_FAST="--skip-name-resolve --skip-log-bin --performance-schema=OFF
    --innodb-buffer-pool-size=16M --innodb-log-file-size=4M
    --innodb-data-file-path=ibdata1:4M:autoextend
    --innodb-temp-data-file-path=ibtmp1:1M:autoextend
    --innodb-autoextend-increment=1 --innodb-flush-log-at-trx-commit=0
    --innodb-doublewrite=0 --max-allowed-packet=64M"

# _my_where WHERE: the mariadb client's options for WHERE, a port on
# 127.0.0.1 or the path of a Unix socket.
_my_where()
{
	case "$1" in
	/*) echo "--socket=$1" ;;
	*) echo "--host=127.0.0.1 --port=$1 --protocol=TCP" ;;
	esac
}

# my_mariadb WHERE USER SQL [OPTION...]: run SQL with the mariadb client
# as USER at WHERE (a port on 127.0.0.1 or a socket path), password from
# $MYSQL_PWD; prints the bare result (tab-separated columns, no headers).
# SQL "-" reads standard input.  Never prompts, never hangs.
my_mariadb()
{
	_where=$1 _user=$2 _sql=$3
	shift 3
	[ "$_sql" = - ] || set -- "$@" --execute="$_sql"
	# shellcheck disable=SC2046
	timeout -k 5 60 mariadb --no-defaults $(_my_where "$_where") \
	    --user="$_user" --connect-timeout=10 --batch --skip-column-names \
	    "$@"
}

# my_pymysql WHERE USER SQL [OPTION...]: the same with PyMySQL; OPTIONs
# are pymysql_query.py's (--database, --ssl-ca, ...).
my_pymysql()
{
	_where=$1 _user=$2 _sql=$3
	shift 3
	case "$_where" in
	/*) set -- --socket "$_where" "$@" ;;
	*) set -- --host 127.0.0.1 --port "$_where" "$@" ;;
	esac
	timeout -k 5 60 "$MY_PYTHON" "$TOP/regress/tools/pymysql_query.py" \
	    --user "$_user" "$@" -- "$_sql"
}

# my_refused LABEL WHERE PATTERN [OPTION...]: the mariadb client at WHERE
# (OPTIONs are its own) gets an ERR packet, not a dropped connection,
# whose message matches PATTERN (extended, any case).
my_refused()
{
	_l=$1 _where=$2 _pat=$3
	shift 3
	_out=$(my_mariadb "$_where" nobody "select 1" "$@" 2>&1) &&
	    fail "$_l: expected an error, got '$_out'"
	echo "$_out" | grep -Eq "Lost connection|server has gone away" &&
	    fail "$_l: no clean error: $_out"
	echo "$_out" | grep -Eqi -- "$_pat" ||
	    fail "$_l: the error does not say '$_pat': $_out"
	ok "$_l refused: $_out"
}

# my_sql SQL: as root over the Unix socket ("-": from standard input).
my_sql()
{
	my_mariadb "$MY_SOCKET" root "$1"
}

# my_user_native NAME PASSWORD [REQUIRE...]: a mysql_native_password user
# (any host) with ALL on airlock_test; REQUIRE is the rest of a REQUIRE
# clause (SSL, SUBJECT '...').  The password goes through standard input.
my_user_native()
{
	_u=$1 _pw=$2
	shift 2
	_req=
	[ $# -eq 0 ] || _req="REQUIRE $*"
	_my_user "$_u" "IDENTIFIED VIA mysql_native_password
	    USING PASSWORD('$_pw') $_req"
}

# my_user_ed25519 NAME PASSWORD: a user of MariaDB's ed25519 plugin.
my_user_ed25519()
{
	_my_user "$1" "IDENTIFIED VIA ed25519 USING PASSWORD('$2')"
}

# my_user_tls NAME PASSWORD: mysql_native_password, over TLS only.
my_user_tls()
{
	my_user_native "$1" "$2" SSL
}

# my_user_nopw NAME: a user with no password.
my_user_nopw()
{
	_my_user "$1" ""
}

_my_user()
{
	my_sql - >>"$MY_DIR/users.log" 2>&1 <<EOF ||
CREATE USER '$1'@'%' $2;
GRANT ALL ON airlock_test.* TO '$1'@'%';
EOF
	    fail "creating MariaDB user $1 failed: $(tail -n 5 "$MY_DIR/users.log")"
}

# _my_tls: the TLS material, once per test.
_my_tls()
{
	MY_TLSDIR=$T/mytls
	MY_CA=$MY_TLSDIR/ca.crt
	MY_WRONG_CA=$MY_TLSDIR/wrong-ca.crt
	MY_CLIENT_CERT=$MY_TLSDIR/client.crt
	MY_CLIENT_KEY=$MY_TLSDIR/client.key
	[ -f "$MY_CA" ] && return 0
	mkdir -p "$MY_TLSDIR" || fail "mkdir $MY_TLSDIR"
	_pg_tls "$MY_TLSDIR"
}

my_start()
{
	for _c in mariadbd mariadb-install-db mariadb; do
		command -v "$_c" >/dev/null || skip "no $_c (MariaDB)"
	done
	require_root
	_tls=
	if [ "${1:-}" = tls ]; then
		_tls=1
		shift
	fi
	_first=
	if [ -z "${MY_DIR:-}" ]; then
		_first=1
		_my_install
	fi

	# shellcheck disable=SC2086
	set -- --no-defaults --user=root --datadir="$MY_DIR/data" \
	    --tmpdir="$MY_DIR/tmp" --pid-file="$MY_DIR/mysqld.pid" \
	    --log-error="$MY_DIR/error.log" --socket="$MY_SOCKET" \
	    --bind-address=127.0.0.1 --port="$MY_PORT" $MY_FAST "$@"
	[ -z "$_tls" ] || set -- "$@" --ssl-ca="$MY_CA" \
	    --ssl-cert="$MY_TLSDIR/server.crt" --ssl-key="$MY_TLSDIR/server.key"
	touch "$MY_DIR/error.log"
	_from=$(($(wc -l <"$MY_DIR/error.log") + 1))
	mariadbd "$@" </dev/null >>"$MY_DIR/error.log" 2>&1 &
	MY_PID=$!
	[ -z "$_first" ] || at_exit my_stop
	_n=300
	while [ "$_n" -gt 0 ] && kill -0 "$MY_PID" 2>/dev/null; do
		tail -n "+$_from" "$MY_DIR/error.log" |
		    grep -q "ready for connections" && break
		sleep 0.1
		_n=$((_n - 1))
	done
	tail -n "+$_from" "$MY_DIR/error.log" |
	    grep -q "ready for connections" ||
	    fail "MariaDB did not start within 30 s: $(tail -n 20 \
	    "$MY_DIR/error.log")"
	[ -z "$_first" ] || _my_setup
}

# _my_install: the data directory, made once per test.
_my_install()
{
	MY_DIR=$T/my
	MY_SOCKET=$MY_DIR/mysqld.sock
	MY_HOST=127.0.0.1
	MY_PORT=$(free_port)
	mkdir -p "$MY_DIR/tmp" || fail "mkdir $MY_DIR"
	_my_tls
	# shellcheck disable=SC2086
	mariadb-install-db --no-defaults --user=root --datadir="$MY_DIR/data" \
	    --tmpdir="$MY_DIR/tmp" --auth-root-authentication-method=socket \
	    --skip-test-db $MY_FAST >"$MY_DIR/install.log" 2>&1 ||
	    fail "mariadb-install-db failed: $(tail -n 20 "$MY_DIR/install.log")"
}

# _my_setup: the database and the users, at the first start.
_my_setup()
{
	MY_NATIVE_PASSWORD=$(pg_password)
	MY_ED25519_PASSWORD=$(pg_password)
	MY_TLS_PASSWORD=$(pg_password)
	# The same, in files for airlock's file provider.
	printf '%s' "$MY_NATIVE_PASSWORD" >"$T/native.pw"
	printf '%s' "$MY_ED25519_PASSWORD" >"$T/ed.pw"
	printf '%s' "$MY_TLS_PASSWORD" >"$T/tls.pw"
	chmod 0600 "$T/native.pw" "$T/ed.pw" "$T/tls.pw"
	export MY_HOST MY_PORT MY_SOCKET MY_CA MY_WRONG_CA MY_CLIENT_CERT \
	    MY_CLIENT_KEY MY_NATIVE_PASSWORD MY_ED25519_PASSWORD MY_TLS_PASSWORD
	my_sql - >"$MY_DIR/setup.log" 2>&1 <<EOF ||
INSTALL SONAME 'auth_ed25519';
CREATE DATABASE airlock_test;
CREATE TABLE airlock_test.t (id INT PRIMARY KEY, name VARCHAR(64));
INSERT INTO airlock_test.t VALUES (1, 'one'), (2, 'two'), (3, 'three');
EOF
	    fail "setting up MariaDB failed: $(cat "$MY_DIR/setup.log")"
	my_user_native native_user "$MY_NATIVE_PASSWORD"
	my_user_ed25519 ed_user "$MY_ED25519_PASSWORD"
	my_user_tls tls_user "$MY_TLS_PASSWORD"
	my_user_native cert_user "" "SUBJECT '/CN=cert_user'"
	my_user_nopw nopw_user
}

# my_stop: stop the server (SIGTERM, SIGKILL after 10 s).
my_stop()
{
	[ -n "${MY_PID:-}" ] || return 0
	kill -TERM "$MY_PID" 2>/dev/null && wait_pid "$MY_PID" 10
	MY_PID=
	return 0
}

# my_standin [tls] [OPTION...]: start regress/tools/fakemysql.py, the MySQL 8
# stand-in for caching_sha2_password, on a free port on 127.0.0.1, with
# the one user sha2_user and the password $MY_SHA2_PASSWORD (random, the
# same for every stand-in of the test); "tls" offers TLS with the server
# certificate of $MY_CA; OPTIONs are fakemysql.py's (--cache, --switch,
# ...).  Sets MY_STANDIN_PORT and MY_STANDIN_LOG (its log, one line per
# step); it is stopped at exit.
my_standin()
{
	"$MY_PYTHON" -c "import cryptography" 2>/dev/null ||
	    skip "python3-cryptography is not installed"
	_my_tls
	if [ -z "${MY_SHA2_PASSWORD:-}" ]; then
		MY_SHA2_PASSWORD=$(pg_password)
		export MY_SHA2_PASSWORD
		printf '%s' "$MY_SHA2_PASSWORD" >"$T/sha2.pw"
		chmod 0600 "$T/sha2.pw"
	fi
	if [ "${1:-}" = tls ]; then
		shift
		set -- --tls-cert "$MY_TLSDIR/server.crt" \
		    --tls-key "$MY_TLSDIR/server.key" "$@"
	fi
	MY_STANDIN_PORT=$(free_port)
	MY_STANDIN_LOG=$T/fakemysql.$MY_STANDIN_PORT.log
	"$MY_PYTHON" "$TOP/regress/tools/fakemysql.py" --port "$MY_STANDIN_PORT" \
	    --user sha2_user --password-file "$T/sha2.pw" "$@" \
	    </dev/null 2>"$MY_STANDIN_LOG" &
	_pid=$!
	at_exit "kill $_pid"
	wait_for_log "fakemysql: listening on" 20 "$MY_STANDIN_LOG" ||
	    fail "fakemysql.py did not start: $(cat "$MY_STANDIN_LOG")"
}

# my_service NAME LISTEN USER SSLMODE [CREDENTIAL_LINE...]: a mysql service
# of airlock in front of the throwaway server (LISTEN: a port on 127.0.0.1
# or a unix:// address), as pg_service writes pg's.
my_service()
{
	_name=$1 _listen=$2 _user=$3 _mode=$4
	shift 4
	case "$_listen" in
	*://*) ;;
	*) _listen=tcp://127.0.0.1:$_listen ;;
	esac
	cat <<EOT
  $_name:
    connector: mysql
    listenOn: $_listen
    credentials:
      host: 127.0.0.1
      port: $MY_PORT
      username: $_user
EOT
	[ -z "$_mode" ] || echo "      sslmode: $_mode"
	for _line in "$@"; do
		echo "      $_line"
	done
}

# my_standin_service NAME LISTEN SSLMODE [CREDENTIAL_LINE...]: a mysql
# service of airlock in front of the latest my_standin, as sha2_user with
# the stand-in's password (from a file).
my_standin_service()
{
	_name=$1 _listen=$2 _mode=$3
	shift 3
	_saved=${MY_PORT:-}
	MY_PORT=$MY_STANDIN_PORT
	my_service "$_name" "$_listen" sha2_user "$_mode" \
	    "password: {from: file, get: $T/sha2.pw}" "$@"
	MY_PORT=$_saved
}

# my_standin_steps LOG: the stand-in's lines (in its LOG) for its latest
# connection.  It logs each step before it answers, so once the client is
# done, all of them are there.
my_standin_steps()
{
	_n=$(grep -c "connection from" "$1")
	grep "^fakemysql: #$_n: " "$1"
}
