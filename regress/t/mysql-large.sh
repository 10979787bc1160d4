# Packets past 16 MiB through airlock (MySQL "Sending More Than 16Mb": a
# payload of 0xffffff bytes continues in the next packet, whose sequence id
# follows): a SELECT of a 17 MiB row arrives intact (backend to client,
# with the mariadb client and PyMySQL), and an INSERT of a 17 MiB random
# value (client to backend) lands intact: the server's MD5() of what it
# stored is the md5sum of what was sent, and what comes back is the same.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/mysql.sh"

my_start
my_sql "CREATE TABLE airlock_test.big (id INT PRIMARY KEY, v LONGTEXT)
    ENGINE=MyISAM" || fail "create table"
P=$(free_port)
{
	airlock_head
	my_service my-large "$P" native_user disable \
	    "password: {from: file, get: $T/native.pw}"
} >"$T/airlock.yml"
start_airlock "$T/airlock.yml"

M=--max-allowed-packet=64M

# The server's REPEAT, through airlock: 17 MiB and a newline.
N=$((17 * 1024 * 1024))
my_mariadb "$P" nobody "select repeat('x', $N)" "$M" >"$T/x" ||
    fail "mariadb: the 17 MiB SELECT failed"
want=$(my_mariadb "$P" nobody "select md5(repeat('x', $N))")
got=$(head -c "$N" "$T/x" | md5sum | cut -d' ' -f1)
if [ "$(wc -c <"$T/x")" -ne $((N + 1)) ] || [ "$got" != "$want" ]; then
	fail "mariadb: the 17 MiB row came as $(wc -c <"$T/x") bytes, md5 $got"
fi
ok "mariadb: a 17 MiB row, md5 $got"
my_pymysql "$P" nobody "select repeat('x', $N)" \
    --max-allowed-packet 67108864 >"$T/xp" || fail "PyMySQL: the SELECT failed"
got=$(head -c "$N" "$T/xp" | md5sum | cut -d' ' -f1)
if [ "$(wc -c <"$T/xp")" -ne $((N + 1)) ] || [ "$got" != "$want" ]; then
	fail "PyMySQL: the 17 MiB row came as $(wc -c <"$T/xp") bytes, md5 $got"
fi
ok "PyMySQL: a 17 MiB row, md5 $got"

# 17 MiB of random base64, sent in an INSERT of more than 16 MiB.
head -c $((13 * 1024 * 1024)) /dev/urandom | base64 -w 0 >"$T/v"
len=$(wc -c <"$T/v")
[ "$len" -gt $((17 * 1024 * 1024)) ] || fail "the value has $len bytes"
sum=$(md5sum <"$T/v" | cut -d' ' -f1)
{
	printf "insert into airlock_test.big values (1, '"
	cat "$T/v"
	printf "');\n"
} | my_mariadb "$P" nobody - "$M" || fail "the 17 MiB INSERT failed"
got=$(my_mariadb "$P" nobody "select concat(length(v), ' ', md5(v))
    from airlock_test.big where id = 1")
[ "$got" = "$len $sum" ] || fail "the server stored '$got', not '$len $sum'"
ok "a 17 MiB INSERT landed intact: $got"
my_mariadb "$P" nobody "select v from airlock_test.big where id = 1" "$M" |
    head -c "$len" >"$T/back" || fail "reading the value back"
got=$(md5sum <"$T/back" | cut -d' ' -f1)
[ "$got" = "$sum" ] || fail "the value came back with md5 $got, not $sum"
ok "and came back intact"

airlock_alive || fail "airlockd died"
exit 0
