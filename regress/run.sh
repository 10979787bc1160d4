#!/bin/sh
#
# Run the unit tests and then every regress/t/*.sh in name order (`make
# check` builds first; this builds nothing).  Each script runs with a time
# limit; exit 77 means skipped.  Each has its own log directory,
# regress/log/NAME/ (regress/log/MODE/NAME/ in a sanitizer run,
# regress/sanitize.sh): its output in test.log, the logs of its airlockds
# (lib.sh), and every sanitizer or valgrind report of a process it started.
# A test that passed but left a report there fails.
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
LOGDIR=regress/log${AIRLOCK_SANITIZE:+/$AIRLOCK_SANITIZE}
UNITTEST=regress/unit/unittest
. regress/reports.sh

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

# in_logdir NAME CMD...: run CMD with its own log directory, $LOGDIR/NAME/:
# its output in test.log there, the directory in AIRLOCK_LOGDIR (for lib.sh
# and the valgrind wrappers), and the sanitizers' log_path there when a
# sanitizer run set their options.
in_logdir()
{
	_d=$(pwd)/$LOGDIR/$1
	shift
	mkdir -p "$_d" || return 2
	AIRLOCK_LOGDIR=$_d \
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:log_path=$_d/asan} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:log_path=$_d/asan} \
	    "$@" >"$_d/test.log" 2>&1 </dev/null
}

# reports_of NAME: the reports that test NAME left, indented (reports.sh).
reports_of()
{
	reports "$LOGDIR/$1" | sed 's/^/    /'
}

# The unit tests count one by one; a report counts as one more failure.
if selected unit "$@"; then
	log=$LOGDIR/unit/test.log
	start=$(date +%s)
	if [ -x "$UNITTEST" ]; then
		in_logdir unit "$UNITTEST"
		rc=$?
	else
		mkdir -p "$LOGDIR/unit"
		echo "$UNITTEST not built" >"$log"
		rc=2
	fi
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
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
		grep '^FAIL' "$log" | sed 's/^/    /'
		[ -n "$line" ] || show_tail "$log"
	fi
	found=$(reports_of unit)
	if [ -n "$found" ]; then
		echo "FAIL unit (with the reports below)"
		echo "$found"
		failed=$((failed + 1))
	fi
fi

for t in regress/t/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	selected "$name" "$@" || continue
	log=$LOGDIR/$name/test.log
	start=$(date +%s)
	in_logdir "$name" timeout -k 10 "$TIMEOUT" sh "$t"
	rc=$?
	secs=$(( $(date +%s) - start ))
	found=$(reports_of "$name")
	case "$rc" in
	0)
		if [ -z "$found" ]; then
			echo "ok   $name (${secs}s)"
			passed=$((passed + 1))
		else
			echo "FAIL $name (passed, but with the reports below)"
			failed=$((failed + 1))
		fi
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
	[ -z "$found" ] || echo "$found"
done

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
