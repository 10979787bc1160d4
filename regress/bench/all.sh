# `make bench`: the benchmarks one after the other (all of them, or those
# named: sh regress/bench/all.sh pg idle), their markdown collected into
# regress/bench/RESULTS.md (BENCH_RESULTS=FILE to write elsewhere) after
# the machine they ran on.  Each benchmark's own settings (BENCH_SECONDS,
# IDLE_N, ...) pass through.  Exit status 1 if one of them failed; a
# skipped one is said in the file.
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/report.sh"

OUT=${BENCH_RESULTS:-$DIR/RESULTS.md}
[ $# -gt 0 ] || set -- pg pgtls idle mysql http ssh secretmem
TMP=$(mktemp -d "${TMPDIR:-/tmp}/airlock-bench.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

{
	echo "# airlock's benchmarks"
	echo
	echo "Written by \`make bench\` (regress/bench/all.sh), every table" \
	    "from one run of its benchmark, with the ratios against the" \
	    "direct path (and PgBouncer) measured in that same run. The" \
	    "machine:"
	echo
	bench_machine
} >"$TMP/results.md"

rc=0
for b in "$@"; do
	echo "regress/bench/$b.sh ..." >&2
	sh "$DIR/$b.sh" >"$TMP/$b.md"
	r=$?
	echo >>"$TMP/results.md"
	case $r in
	0) cat "$TMP/$b.md" ;;
	77) echo "## regress/bench/$b.sh"
		echo
		echo "Skipped: $(sed -n 's/^skip: //p' "$TMP/$b.md")" ;;
	*) echo "## regress/bench/$b.sh"
		echo
		echo "Failed (exit status $r)."
		rc=1 ;;
	esac >>"$TMP/results.md"
	cat "$TMP/$b.md"
done
# Other work on the machine skews the ratios: say how much there was.
{
	echo
	echo "Load average at the end: $(cut -d ' ' -f 1-3 /proc/loadavg)" \
	    "(figures of runs beside other work are less comparable than" \
	    "the CPU columns, which count only each path's own processes)."
} >>"$TMP/results.md"
cp "$TMP/results.md" "$OUT" && echo "wrote $OUT" >&2
exit "$rc"
