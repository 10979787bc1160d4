#!/bin/sh
#
# Run the unit tests and then every regress/t/*.sh in name order (`make
# check` builds first; this builds nothing).  Each script runs with a time
# limit, its output in regress/log/NAME.log; exit 77 means skipped.
#
#	sh regress/run.sh		everything
#	sh regress/run.sh pg-tls unit	the unit tests and scripts whose
#					names contain one of the words
#
# The last line is "N passed, N failed" (", N skipped" when some were);
# the exit status is non-zero when anything failed.

cd "$(dirname "$0")/.." || exit 2
LC_ALL=C
export LC_ALL
TIMEOUT=${TEST_TIMEOUT:-300}
LOGDIR=regress/log
UNITTEST=regress/unit/unittest

rm -rf "$LOGDIR"
mkdir -p "$LOGDIR" || exit 2

passed=0
failed=0
skipped=0

selected()
{
	[ $# -gt 1 ] || return 0
	_name=$1
	shift
	for _f in "$@"; do
		case "$_name" in *"$_f"*) return 0 ;; esac
	done
	return 1
}

# show_tail LOG: the end of a failure's output, indented.
show_tail()
{
	tail -n 40 "$1" | sed 's/^/    /'
}

# The unit tests count one by one.
if selected unit "$@"; then
	start=$(date +%s)
	if [ -x "$UNITTEST" ]; then
		"$UNITTEST" >"$LOGDIR/unit.log" 2>&1
		rc=$?
	else
		echo "$UNITTEST not built" >"$LOGDIR/unit.log"
		rc=2
	fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$LOGDIR/unit.log" |
	    tail -n 1)
	if [ -n "$line" ]; then
		up=${line%% passed*}
		uf=${line#*passed, }
		uf=${uf%% failed*}
	else
		up=0
		uf=0
	fi
	# A crash or a missing summary is one more failure.
	if [ -z "$line" ] || { [ "$rc" -ne 0 ] && [ "$uf" -eq 0 ]; }; then
		uf=$((uf + 1))
	fi
	passed=$((passed + up))
	failed=$((failed + uf))
	if [ "$uf" -eq 0 ]; then
		echo "ok   unit ($up tests, $(( $(date +%s) - start ))s)"
	else
		echo "FAIL unit ($up passed, $uf failed, exit status $rc)"
		grep '^FAIL' "$LOGDIR/unit.log" | sed 's/^/    /'
		[ -n "$line" ] || show_tail "$LOGDIR/unit.log"
	fi
fi

for t in regress/t/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	selected "$name" "$@" || continue
	log=$LOGDIR/$name.log
	start=$(date +%s)
	timeout -k 10 "$TIMEOUT" sh "$t" >"$log" 2>&1 </dev/null
	rc=$?
	secs=$(( $(date +%s) - start ))
	case "$rc" in
	0)
		echo "ok   $name (${secs}s)"
		passed=$((passed + 1))
		;;
	77)
		echo "skip $name ($(tail -n 1 "$log"))"
		skipped=$((skipped + 1))
		;;
	124|137)
		echo "FAIL $name (timed out after ${TIMEOUT}s)"
		show_tail "$log"
		failed=$((failed + 1))
		;;
	*)
		echo "FAIL $name (exit status $rc, ${secs}s)"
		show_tail "$log"
		failed=$((failed + 1))
		;;
	esac
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
