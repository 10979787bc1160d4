#!/bin/sh
#
# `make demo`: airlock in front of a throwaway PostgreSQL server.  psql
# connects with no password; airlockd logs in for it.  Everything stops at
# the end; with KEEP=1 both servers keep running and the script says how to
# use and stop them.

. "$(dirname "$0")/lib.sh"
. "$TOP/regress/pg.sh"

echo "Starting a throwaway PostgreSQL server..."
pg_start
P=$(free_port)
{
	airlock_head
	pg_service demo "$P" scram_user verify-full \
	    "password: {from: env, get: PG_SCRAM_PASSWORD}" \
	    "sslrootcert: {from: file, get: $PG_CA}" "sslhost: localhost"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"
V=$(pg_admin "show server_version" | cut -d ' ' -f 1)

cat <<EOF

PostgreSQL $V listens on 127.0.0.1:$PG_PORT; its role scram_user has a
random password (SCRAM-SHA-256) that only airlockd knows: airlockd reads it
from its environment (PG_SCRAM_PASSWORD) when a client connects.
airlockd listens on 127.0.0.1:$P.  The client has no password at all:

\$ psql "host=127.0.0.1 port=$P dbname=postgres" -c "select current_user, version()"
EOF
psql "host=127.0.0.1 port=$P dbname=postgres" -c "select current_user, version()" ||
    fail "psql through airlock failed"

wait_for_log "demo#[0-9]+: closed" 5
cat <<EOF
What happened: psql sent user=$(id -un) and no password (none set, no
.pgpass).  A sandboxed airlock-worker took the connection and logged in
to the server as scram_user over TLS (certificate and host name verified);
the monitor computed the SCRAM proof, bound to that server's certificate
(SCRAM-SHA-256-PLUS), so the password entered neither psql nor the worker
that parsed the network traffic.  airlockd's log says:
EOF
grep -E "\[INFO\] demo#" "$AIRLOCK_LOG" | sed 's/^/    /'

# The HTTP connectors: airlock as an http_proxy in front of nginx.
echo
sh "$TOP/regress/demo-http.sh" || fail "the HTTP demo failed"

# The SSH connectors: an ssh agent and an SSH server in front of sshd.
echo
sh "$TOP/regress/demo-ssh.sh" || fail "the SSH demo failed"

if [ "${KEEP:-0}" = 1 ]; then
	trap - EXIT INT TERM HUP PIPE
	cat <<EOF

Both keep running (KEEP=1).  Connect with:
    psql "host=127.0.0.1 port=$P dbname=postgres"
airlockd's configuration and log: $T/airlock.yml, $AIRLOCK_LOG
Stop them with:
    kill $AIRLOCK_PID
    runuser -u postgres -- $PGBIN/pg_ctl -D $PG_DATA -m fast stop
    rm -rf $T
EOF
	exit 0
fi
echo
echo "Stopping both (KEEP=1 keeps them running)."
exit 0
