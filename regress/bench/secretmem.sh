# What memfd_secret memory costs (issue 15): secrets made and freed per
# second in libsodium's guarded memory (a mapping, mlock and guard pages
# each) and in airlockd's memfd_secret arena (privsep/secretarena.c), in
# one process (regress/tools/secretbench).  Not part of the test suite:
# `make bench` runs it.
#
#	SECRETMEM_MS=500	time per size and backing
#	SECRETMEM_BATCH=64	secrets alive together in each round
#	SECRETMEM_HOLES=1000	holes in the arena for its "fragmented" run
#	SECRETMEM_PG_SECONDS=10	each pgbench run of the latency part
#	KEEP=1			keep the temporary directory
#
# Each part writes its markdown section in turn; a part that measures
# something else (airlockd's connections with each backing) goes after
# the last one.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/bench/report.sh"

MS=${SECRETMEM_MS:-500}
BATCH=${SECRETMEM_BATCH:-64}
HOLES=${SECRETMEM_HOLES:-1000}
SECRETMEM_PG_SECONDS=${SECRETMEM_PG_SECONDS:-10}
bench_whole "SECRETMEM_MS, SECRETMEM_BATCH, SECRETMEM_HOLES, SECRETMEM_PG_SECONDS" \
    "$MS" "$BATCH" "$HOLES" "$SECRETMEM_PG_SECONDS"
# The arena counts against RLIMIT_MEMLOCK without CAP_IPC_LOCK.
require_root
BENCH=$TOP/regress/tools/secretbench
[ -x "$BENCH" ] || fail "no $BENCH: run make"

echo "## Secret memory (regress/bench/secretmem.sh)"

# The allocation rates: "SIZE BACKING RATE" lines, one table.
"$BENCH" -t "$MS" -b "$BATCH" -f "$HOLES" >"$T/alloc" 2>"$T/alloc.err" ||
    fail "secretbench: $(cat "$T/alloc.err")"
echo
echo "Secrets made and freed per second (secret_new, then secret_free; a" \
    "round makes $BATCH that are alive together, then frees them), each" \
    "size for ${MS} ms, in one process: libsodium guarded memory first," \
    "then the memfd_secret arena (16 MiB, as airlockd's default), then the" \
    "arena again with $HOLES holes of 32 bytes that none of them fits" \
    "(fragmented: first fit passes them all)."
echo
bench_ratio_table "$T/alloc" "libsodium memfd_secret fragmented" \
    "memfd_secret/libsodium fragmented/libsodium" |
    sed '1s/^run/size/' | bench_table
if [ -s "$T/alloc.err" ]; then
	echo
	sed 's/^/Note: /' "$T/alloc.err"
fi

# Connection latency: pgbench -C -S (a new connection per transaction)
# through two airlockds of the same configuration, secretMemory auto (the
# arena) and libsodium, taking turns, for a trust user and a SCRAM one.
command -v pgbench >/dev/null || { echo; echo "Note: no pgbench"; exit 0; }
. "$TOP/regress/pg.sh"
pg_start
pgbench -i -q -s 1 -h "$PG_SOCKDIR" -p "$PG_PORT" -U postgres postgres \
    >"$T/pgbench-init.log" 2>&1 ||
    fail "pgbench -i: $(tail -n 20 "$T/pgbench-init.log")"
pg_admin "GRANT SELECT ON ALL TABLES IN SCHEMA public TO PUBLIC" >/dev/null ||
    fail "GRANT SELECT"
# Ports: "USER BACKING PORT" lines.
for b in auto libsodium; do
	pt=$(free_port)
	ps=$(free_port)
	echo "trust $b $pt" >>"$T/ports"
	echo "scram $b $ps" >>"$T/ports"
	{
		airlock_head "logLevel: info" "secretMemory: $b"
		pg_service trust "$pt" trust_user disable
		pg_service scram "$ps" scram_user disable \
		    "password: {from: env, get: PG_SCRAM_PASSWORD}"
	} >"$T/$b.yml"
	AIRLOCK_FLAGS=-D start_airlock "$T/$b.yml" "$T/$b.log"
	echo "$b $(secret_backing)" >>"$T/backings"
done
grep -qx "auto memfd_secret" "$T/backings" ||
    echo "Note: secretMemory auto fell back here: $(grep 'secret memory' \
	"$T/auto.log")"
while read -r u b port; do
	log=$T/pgbench-$u-$b.log
	timeout -k 5 $((SECRETMEM_PG_SECONDS + 120)) pgbench -n -C -S -c 1 \
	    -T "$SECRETMEM_PG_SECONDS" "host=127.0.0.1 port=$port \
	    user=${u}_user dbname=postgres sslmode=disable" \
	    >"$log" 2>&1 </dev/null ||
	    fail "pgbench $u $b: $(tail -n 5 "$log")"
	echo "$u $(sed -n "s/^$b //p" "$T/backings") $(awk '$1 == "latency" &&
	    $2 == "average" { printf "%.3f", $4; exit }' "$log")"
done <"$T/ports" >"$T/latency"
echo
echo "Connection latency, ms (pgbench -C -S -c 1, ${SECRETMEM_PG_SECONDS} s" \
    "each, a new connection per transaction, TCP 127.0.0.1 without TLS):" \
    "airlockd with secretMemory auto (memfd_secret) and libsodium, same" \
    "configuration, same run; the SCRAM user's password comes from the" \
    "environment and SCRAM's key is cached after the first login."
echo
bench_ratio_table "$T/latency" "memfd_secret libsodium" \
    "memfd_secret/libsodium" | sed '1s/^run/user/' | bench_table
exit 0
