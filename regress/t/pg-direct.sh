# The throwaway PostgreSQL server itself, without airlock: every role and
# every TLS mode works directly, so that a failure elsewhere is airlock's.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"

pg_start
H="host=127.0.0.1 port=$PG_PORT dbname=postgres"
SSL="select ssl from pg_stat_ssl where pid = pg_backend_pid()"

# direct EXPECTED CONNINFO [PASSWORD]: current_user and ssl, as "user|t".
direct()
{
	_out=$(PGPASSWORD=${3:-} pg_psql "$2" \
	    "select current_user, ssl from pg_stat_ssl where pid = pg_backend_pid()" 2>&1) ||
	    fail "direct $2: $_out"
	[ "$_out" = "$1" ] || fail "direct $2: expected $1, got $_out"
	ok "direct $2 -> $_out"
}

direct "trust_user|f" "$H user=trust_user sslmode=disable"
direct "trust_user|t" "$H user=trust_user sslmode=require"
direct "md5_user|f" "$H user=md5_user sslmode=disable" "$PG_MD5_PASSWORD"
direct "scram_user|f" "$H user=scram_user sslmode=disable" "$PG_SCRAM_PASSWORD"
direct "clear_user|t" "$H user=clear_user sslmode=require" "$PG_CLEAR_PASSWORD"
direct "tls_user|t" "$H user=tls_user sslmode=require" "$PG_TLS_PASSWORD"
direct "scram_user|t" "$H user=scram_user sslmode=verify-ca sslrootcert=$PG_CA" \
    "$PG_SCRAM_PASSWORD"
direct "scram_user|t" "host=localhost port=$PG_PORT dbname=postgres user=scram_user sslmode=verify-full sslrootcert=$PG_CA" \
    "$PG_SCRAM_PASSWORD"
direct "scram_user|t" "$H user=scram_user sslmode=verify-full sslrootcert=$PG_CA" \
    "$PG_SCRAM_PASSWORD"
direct "cert_user|t" "$H user=cert_user sslmode=verify-full sslrootcert=$PG_CA sslcert=$PG_CLIENT_CERT sslkey=$PG_CLIENT_KEY"

# And what must not work.
refused()
{
	_out=$(PGPASSWORD=${3:-} pg_psql "$2" "select 1" 2>&1) &&
	    fail "direct $2 should fail, got: $_out"
	echo "$_out" | grep -q -- "$1" || fail "direct $2: expected '$1', got: $_out"
	ok "refused $2: $1"
}
refused "password authentication failed" "$H user=scram_user sslmode=disable" wrong
refused "password authentication failed" "$H user=md5_user sslmode=disable" wrong
refused "no password supplied" "$H user=clear_user sslmode=disable"
refused "rejects connection" "$H user=tls_user sslmode=disable" "$PG_TLS_PASSWORD"
refused "certificate verify failed" "$H user=trust_user sslmode=verify-ca sslrootcert=$PG_WRONG_CA"
refused "does not match host name" "host=127.0.0.2 hostaddr=127.0.0.1 port=$PG_PORT dbname=postgres user=trust_user sslmode=verify-full sslrootcert=$PG_CA"
refused "certificate" "$H user=cert_user sslmode=require"

# md5_user's password really is stored as MD5.
m=$(pg_admin "select left(rolpassword, 3) from pg_authid where rolname = 'md5_user'")
[ "$m" = md5 ] || fail "md5_user's password is stored as '$m...', not md5"
ok "md5_user stored as md5"
exit 0
