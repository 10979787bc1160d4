# Java's PostgreSQL driver (pgjdbc, Debian's libpostgresql-jdbc-java) over
# TLS to airlock's listener (clientTLS): ssl=true with sslmode=verify-full
# and the listener's CA logs in; with clientAuth cert, its client
# certificate (sslcert, and sslkey as PKCS #8 DER, which pgjdbc reads
# itself) is accepted, and a client with another CA's is refused with
# SQLSTATE 28000 (Java sends no certificate of a CA that the server's
# CertificateRequest does not name: the refusal is for none).
# (pgjdbc 42.5 takes a PKCS #12 file's key only under the alias "user",
# which ctls.sh's .p12 files do not have.)  The JVM is not
# under valgrind (airlockd is); its JIT is kept to its first tier, which
# starts faster than it compiles.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/pg.sh"
. "$TOP/regress/ctls.sh"

JAR=/usr/share/java/postgresql.jar
command -v java >/dev/null || skip "java not found (default-jdk-headless)"
[ -r "$JAR" ] || skip "$JAR not found (libpostgresql-jdbc-java)"
pg_start
ctls_make
PN=$(free_port)
PC=$(free_port)
{
	airlock_head
	for s in "none $PN" "cert $PC"; do
		set -- $s
		pg_ctls_service "$1" "$2" "$1"
	done
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"
for c in app stranger; do
	openssl pkcs8 -topk8 -nocrypt -outform DER -in "$CTLS/$c.key" \
	    -out "$T/$c.pk8" || fail "cannot write $c's key as PKCS #8"
done

# jdbc PORT OPTIONS: JdbcQuery through the listener on PORT, by its name.
jdbc()
{
	timeout -k 5 120 java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
	    -Xshare:auto -cp "$JAR" "$TOP/regress/tools/JdbcQuery.java" \
	    "jdbc:postgresql://localhost:$1/postgres?user=someoneelse&ssl=true&sslmode=verify-full&sslrootcert=$CTLS/server-ca.crt&loginTimeout=60$2" \
	    "select current_user || ' ' || (select count(*) from pg_class)::text"
}

out=$(jdbc "$PN" "" 2>&1) || fail "verify-full: $out"
echo "$out" | grep -Eqx "scram_user [0-9]+" || fail "verify-full: got '$out'"
ok "verify-full: $out"

out=$(jdbc "$PC" "&sslcert=$CTLS/app.crt&sslkey=$T/app.pk8" 2>&1) ||
    fail "app's certificate: $out"
echo "$out" | grep -Eqx "scram_user [0-9]+" ||
    fail "app's certificate: got '$out'"
ok "app's certificate: $out"

out=$(jdbc "$PC" "&sslcert=$CTLS/stranger.crt&sslkey=$T/stranger.pk8" 2>&1) &&
    fail "another CA's certificate: logged in: $out"
echo "$out" | grep -q "^error 28000: FATAL: airlock:" ||
    fail "another CA's certificate: unclear error: $out"
ok "with another CA's certificate, refused: $out"

airlock_alive || fail "airlockd died"
exit 0
