#!/bin/sh
#
# `make demo-mysql`: airlock in front of a throwaway MariaDB server.  The
# mariadb client connects with no password; airlockd logs in for it.
# Everything stops at the end; with KEEP=1 both servers keep running and
# the script says how to use and stop them.

. "$(dirname "$0")/lib.sh"
. "$TOP/regress/mysql.sh"

echo "Starting a throwaway MariaDB server..."
my_start tls
P=$(free_port)
{
	airlock_head
	my_service demo "$P" ed_user verify-full \
	    "password: {from: env, get: MY_ED25519_PASSWORD}" \
	    "sslrootcert: {from: file, get: $MY_CA}" "sslhost: localhost"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"
V=$(my_sql "select version()")
unset MYSQL_PWD

cat <<EOF

MariaDB $V listens on 127.0.0.1:$MY_PORT; its user ed_user has a random
password (MariaDB's ed25519 plugin) that only airlockd knows: airlockd reads
it from its environment (MY_ED25519_PASSWORD) when a client connects.
airlockd listens on 127.0.0.1:$P.  The client has no password at all:

\$ mariadb --host=127.0.0.1 --port=$P --user=$(id -un) --skip-ssl -e "select current_user(), version()"
EOF
mariadb --no-defaults --host=127.0.0.1 --port="$P" --protocol=TCP \
    --user="$(id -un)" --skip-ssl --connect-timeout=10 \
    -e "select current_user(), version()" ||
    fail "mariadb through airlock failed"

wait_for_log "demo#[0-9]+: closed" 5
cat <<EOF
What happened: mariadb sent user $(id -un) and no password.  A sandboxed
airlock-worker took the connection, gave the client a greeting of its own,
and logged in to the server as ed_user over TLS (certificate and host name
verified); the monitor signed the server's challenge with the key derived
from the password (client_ed25519), so the password entered neither the
client nor the worker that parsed the network traffic.  airlockd's log says:
EOF
grep -E "\[INFO\] demo#" "$AIRLOCK_LOG" | sed 's/^/    /'

if [ "${KEEP:-0}" = 1 ]; then
	trap - EXIT INT TERM HUP PIPE
	cat <<EOF

Both keep running (KEEP=1).  Connect with:
    mariadb --host=127.0.0.1 --port=$P --skip-ssl
airlockd's configuration and log: $T/airlock.yml, $AIRLOCK_LOG
Stop them with:
    kill $AIRLOCK_PID $MY_PID
    rm -rf $T
EOF
	exit 0
fi
echo
echo "Stopping both (KEEP=1 keeps them running)."
exit 0
