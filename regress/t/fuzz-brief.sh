#!/bin/sh
# Every libFuzzer harness runs briefly (FUZZ_SECONDS each, default 12) on
# its seed corpus, so that a parser regression shows in every test run;
# `make fuzz` runs them longer.
# test: long
# (regress/fuzz/run.sh runs one harness per CPU at once, each for a fixed
# time: niced, they take the CPU time that the tests running beside them
# leave, and slow none of them down.)
# test: timeout 600
# (Their build alone takes minutes on a busy machine.)
. "$(dirname "$0")/../lib.sh"
skip_under "asan valgrind" "its libFuzzer harnesses are an ASan+UBSan build of their own, and run in the plain suite"
cd "$TOP" || exit 1
FUZZ_SECONDS=${FUZZ_SECONDS:-12} FUZZ_NICE=10 sh regress/fuzz/run.sh
