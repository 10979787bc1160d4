# What memfd_secret memory costs (issue 15): secrets made and freed per
# second in libsodium's guarded memory (a mapping, mlock and guard pages
# each) and in airlockd's memfd_secret arena (privsep/secretarena.c), in
# one process (regress/tools/secretbench).  Not part of the test suite:
# `make bench` runs it.
#
#	SECRETMEM_MS=500	time per size and backing
#	SECRETMEM_BATCH=64	secrets alive together in each round
#	SECRETMEM_HOLES=1000	holes in the arena for its "fragmented" run
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
bench_whole "SECRETMEM_MS, SECRETMEM_BATCH, SECRETMEM_HOLES" "$MS" \
    "$BATCH" "$HOLES"
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
exit 0
