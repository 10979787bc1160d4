#!/bin/sh
# Build every libFuzzer harness in regress/fuzz/ with clang (ASan + UBSan)
# and run each for FUZZ_SECONDS (default 60) on its seed corpus,
# FUZZ_JOBS of them at once (default: one per CPU; each harness is one
# process that takes one CPU), under nice -n FUZZ_NICE if set (they run for
# a fixed time: niced, they take what CPU time others leave, and the build
# is not slowed).  New inputs go to a scratch corpus, never
# into the repository; a crash leaves its input in regress/fuzz/out/ and
# fails the run.  The harnesses' lines come in name order.
#   sh regress/fuzz/run.sh [harness-name...]
set -u
cd "$(dirname "$0")/../.." || exit 1
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
NICE=${FUZZ_NICE:+nice -n $FUZZ_NICE}
OUT=regress/fuzz/out
CC=${FUZZ_CC:-clang}
mkdir -p "$OUT"
command -v "$CC" >/dev/null || { echo "fuzz: $CC not found"; exit 1; }

# The parsers and what they need, as the unit tests link them: every
# source but the daemons' main(), in one archive from which each harness
# takes what it uses (config.c reaches the connectors' rows, and through
# them the monitor; mon_global.c stands for main.c's global state).
SRCS="$(ls privsep/*.c monitor/*.c providers/*.c worker/*.c |
    grep -v '/main\.c$') regress/unit/mon_global.c"
LIBS="$(pkg-config --libs libevent libevent_openssl openssl libsodium yaml-0.1 libidn \
    jansson libseccomp libcap-ng libpcre2-8) -lhttp_parser"
CFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
    -D_GNU_SOURCE -Iinclude -Imonitor -Iworker -DAIRLOCK_VERSION=\"fuzz\"
    -DAIRLOCK_LIBEXECDIR=\"/nonexistent\"
    $(pkg-config --cflags libevent openssl libsodium yaml-0.1 libidn jansson libpcre2-8)"

# The archive's objects, JOBS compilers at once.
objs=$OUT/obj
rm -rf "$objs" "$OUT/libfuzz.a" "$OUT/lib.build.log"
mkdir -p "$objs"
export CC CFLAGS objs
# shellcheck disable=SC2086,SC2016
printf '%s\n' $SRCS | xargs -P "$JOBS" -n 1 sh -c \
    '$CC $CFLAGS -c -o "$objs/$(echo "$0" | tr / _ | sed "s/\.c\$/.o/")" "$0" ||
    { echo "FAIL build $0"; exit 1; }' 2>>"$OUT/lib.build.log" ||
    { grep '^FAIL build' "$OUT/lib.build.log"; cat "$OUT/lib.build.log"
    exit 1; }
ar rcs "$OUT/libfuzz.a" "$objs"/*.o

# fuzz_one NAME: build harness NAME and run it; its line (and, if it
# failed, what went wrong) on standard output.
fuzz_one()
{
	_bin=$OUT/fuzz_$1
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -fsanitize=fuzzer -o "$_bin" \
	    "regress/fuzz/fuzz_$1.c" "$OUT/libfuzz.a" $LIBS \
	    2>"$OUT/$1.build.log"; then
		echo "FAIL build $1"; cat "$OUT/$1.build.log"
		return 1
	fi
	_scratch=$(mktemp -d)
	_seeds=regress/fuzz/corpus/$1
	[ -d "$_seeds" ] || _seeds=
	# shellcheck disable=SC2086
	if $NICE "$_bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$OUT/$1-" -print_final_stats=1 \
	    "$_scratch" $_seeds >"$OUT/$1.log" 2>&1; then
		echo "ok   fuzz $1 ($(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' \
		    "$OUT/$1.log" | sed 's/.*: //') runs in ${SECONDS_EACH}s)"
	else
		echo "FAIL fuzz $1"; tail -40 "$OUT/$1.log"
	fi
	rm -rf "$_scratch"
}

# JOBS harnesses at once: each runs for the same time, so a batch ends
# together.
# shellcheck disable=SC2046
set -- ${*:-$(ls regress/fuzz/fuzz_*.c | sed 's,.*/fuzz_,,; s,\.c$,,')}
failed=0
while [ $# -gt 0 ]; do
	batch=
	while [ $# -gt 0 ] && [ "$(echo $batch | wc -w)" -lt "$JOBS" ]; do
		fuzz_one "$1" >"$OUT/$1.result" 2>&1 &
		batch="$batch $1"
		shift
	done
	wait
	for name in $batch; do
		cat "$OUT/$name.result"
		grep -q '^FAIL' "$OUT/$name.result" && failed=$((failed + 1))
	done
done
[ "$failed" -eq 0 ]
