#!/bin/sh
# Build every libFuzzer harness in regress/fuzz/ with clang (ASan + UBSan)
# and run each for FUZZ_SECONDS (default 60) on its seed corpus.  New
# inputs go to a scratch corpus, never into the repository; a crash leaves
# its input in regress/fuzz/out/ and fails the run.
#   sh regress/fuzz/run.sh [harness-name...]
set -u
cd "$(dirname "$0")/../.." || exit 1
SECONDS_EACH=${FUZZ_SECONDS:-60}
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

objs=$OUT/obj
rm -rf "$objs" "$OUT/libfuzz.a" "$OUT/lib.build.log"
mkdir -p "$objs"
for src in $SRCS; do
	# shellcheck disable=SC2086
	$CC $CFLAGS -c -o "$objs/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')" \
	    "$src" 2>>"$OUT/lib.build.log" ||
	    { echo "FAIL build $src"; cat "$OUT/lib.build.log"; exit 1; }
done
ar rcs "$OUT/libfuzz.a" "$objs"/*.o

names=${*:-$(ls regress/fuzz/fuzz_*.c | sed 's,.*/fuzz_,,; s,\.c$,,')}
failed=0
for name in $names; do
	bin=$OUT/fuzz_$name
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS -fsanitize=fuzzer -o "$bin" \
	    "regress/fuzz/fuzz_$name.c" "$OUT/libfuzz.a" $LIBS \
	    2>"$OUT/$name.build.log"; then
		echo "FAIL build $name"; cat "$OUT/$name.build.log"
		failed=$((failed + 1)); continue
	fi
	scratch=$(mktemp -d)
	seeds=regress/fuzz/corpus/$name
	[ -d "$seeds" ] || seeds=
	if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$OUT/$name-" -print_final_stats=1 \
	    "$scratch" $seeds >"$OUT/$name.log" 2>&1; then
		echo "ok   fuzz $name ($(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' \
		    "$OUT/$name.log" | sed 's/.*: //') runs in ${SECONDS_EACH}s)"
	else
		echo "FAIL fuzz $name"; tail -40 "$OUT/$name.log"
		failed=$((failed + 1))
	fi
	rm -rf "$scratch"
done
[ "$failed" -eq 0 ]
