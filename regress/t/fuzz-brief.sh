#!/bin/sh
# Every libFuzzer harness runs briefly (FUZZ_SECONDS each, default 15) on
# its seed corpus, so that a parser regression shows in every test run;
# `make fuzz` runs them longer.
cd "$(dirname "$0")/../.." || exit 1
FUZZ_SECONDS=${FUZZ_SECONDS:-15} sh regress/fuzz/run.sh
