#!/bin/sh
#
# Run the unit tests and every regress/t/*.sh (`make check` builds first;
# this builds nothing), up to N of them at once.  Each script runs with a
# time limit; exit 77 means skipped.  Each has its own log directory,
# regress/log/NAME/ (regress/log/MODE/NAME/ in a sanitizer run,
# regress/sanitize.sh): its output in test.log, the logs of its airlockds
# (lib.sh), and every sanitizer or valgrind report of a process it started.
# A test that passed but left a report there fails.
#
#	sh regress/run.sh		everything
#	sh regress/run.sh pg-tls unit	the unit tests and scripts whose
#					names contain one of the words
#	sh regress/run.sh -j 1 ...	one at a time (-j N: N at once;
#					default $AIRLOCK_TEST_JOBS, else
#					twice the CPUs)
#
# The unit tests are one job among the scripts.  A script with the line
# "# test: serial" runs when nothing else runs (it changes or measures
# something machine-wide, or takes every CPU); those run first, then the
# others, "# test: long" ones (much longer than the rest) and the unit
# tests before the others so that the run does not end waiting for one of
# them.  "# test: timeout SECONDS" gives a script another time limit than
# TEST_TIMEOUT (default 300).  Each running job has a slot,
# AIRLOCK_TEST_SLOT of AIRLOCK_TEST_SLOTS in its environment: free_port
# (lib.sh) hands out the ports of its slot's range only, so that tests
# running at once never pick the same port.
#
# Output: one line per test, in name order whatever order they end in
# (ok, FAIL with the end of its log, or skip with its reason); the last
# line is "N passed, N failed" (", N skipped" when some were); the exit
# status is non-zero when anything failed.

cd "$(dirname "$0")/.." || exit 2
LC_ALL=C
export LC_ALL
TIMEOUT=${TEST_TIMEOUT:-300}
LOGDIR=regress/log${AIRLOCK_SANITIZE:+/$AIRLOCK_SANITIZE}
UNITTEST=regress/unit/unittest
. regress/reports.sh

# Twice the CPUs by default (4 on the 2-CPU machine it was measured on):
# the tests mostly wait (for servers, clients, timeouts), so that many
# keep every CPU busy.
JOBS=$((2 * $(nproc 2>/dev/null || echo 2)))
[ "$JOBS" -le 100 ] || JOBS=100
JOBS=${AIRLOCK_TEST_JOBS:-$JOBS}
case "${1:-}" in
-j)	JOBS=${2:-}; shift 2 ;;
-j*)	JOBS=${1#-j}; shift ;;
esac
# At most 100: free_port gives each job 12000 / N ports of its own.
case "$JOBS" in
''|*[!0-9]*|0*)	JOBS=101 ;;
esac
if [ "$JOBS" -gt 100 ]; then
	echo "run.sh: -j wants a number of jobs, 1 to 100" >&2
	exit 2
fi

rm -rf "$LOGDIR"
mkdir -p "$LOGDIR/.run" || exit 2
RUN=$LOGDIR/.run

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

# marked FILE WORD: FILE has the line "# test: WORD".
marked()
{
	grep -qx "# test: $2" "$1"
}

# limit_of NAME: the time limit of test NAME in seconds: its line
# "# test: timeout SECONDS" if it has one (a test whose work takes long
# by design), else TEST_TIMEOUT.
limit_of()
{
	_l=$(sed -n 's/^# test: timeout \([1-9][0-9]*\)$/\1/p' \
	    "regress/t/$1.sh")
	echo "${_l:-$TIMEOUT}"
}

# job NAME SLOT: run test NAME (unit: the unit tests) in the background;
# its exit status and seconds end up in $RUN/NAME.done, the pid of its
# timeout(1) (the leader of the test's process group) in $RUN/NAME.pid.
job()
{
	(
		_name=$1
		_slot=$2
		_start=$(date +%s)
		if [ "$_name" = unit ]; then
			if [ -x "$UNITTEST" ]; then
				set -- "$UNITTEST"
			else
				set -- sh -c 'echo "$0 not built"; exit 2' \
				    "$UNITTEST"
			fi
		else
			set -- timeout -k 10 "$(limit_of "$_name")" \
			    sh "regress/t/$_name.sh"
		fi
		AIRLOCK_TEST_SLOT=$_slot
		AIRLOCK_TEST_SLOTS=$JOBS
		export AIRLOCK_TEST_SLOT AIRLOCK_TEST_SLOTS
		in_logdir "$_name" sh -c 'echo $$ >"$0" && exec "$@"' \
		    "$RUN/$_name.pid" "$@"
		_rc=$?
		rm -f "$RUN/$_name.pid"
		echo "$_rc $(( $(date +%s) - _start ))" >"$RUN/$_name.tmp"
		mv "$RUN/$_name.tmp" "$RUN/$_name.done"
	) &
}

# result_unit RC SECS: the unit tests count one by one; a report counts as
# one more failure.
result_unit()
{
	log=$LOGDIR/unit/test.log
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
	if [ -z "$line" ] || { [ "$1" -ne 0 ] && [ "$uf" -eq 0 ]; }; then
		uf=$((uf + 1))
	fi
	passed=$((passed + up))
	failed=$((failed + uf))
	if [ "$uf" -eq 0 ]; then
		echo "ok   unit ($up tests, ${2}s)"
	else
		echo "FAIL unit ($up passed, $uf failed, exit status $1)"
		grep '^FAIL' "$log" | sed 's/^/    /'
		[ -n "$line" ] || show_tail "$log"
	fi
	found=$(reports_of unit)
	if [ -n "$found" ]; then
		echo "FAIL unit (with the reports below)"
		echo "$found"
		failed=$((failed + 1))
	fi
}

# result NAME RC SECS: the line of a script.
result()
{
	log=$LOGDIR/$1/test.log
	found=$(reports_of "$1")
	case "$2" in
	0)
		if [ -z "$found" ]; then
			echo "ok   $1 (${3}s)"
			passed=$((passed + 1))
		else
			echo "FAIL $1 (passed, but with the reports below)"
			failed=$((failed + 1))
		fi
		;;
	77)
		echo "skip $1 ($(tail -n 1 "$log"))"
		skipped=$((skipped + 1))
		;;
	124|137)
		echo "FAIL $1 (timed out after $(limit_of "$1")s)"
		show_tail "$log"
		failed=$((failed + 1))
		;;
	*)
		echo "FAIL $1 (exit status $2, ${3}s)"
		show_tail "$log"
		failed=$((failed + 1))
		;;
	esac
	[ -z "$found" ] || echo "$found"
}

# What runs, in the order of the output (ORDER) and in the order of
# starting (START: serial ones, long ones, the rest).  The unit tests
# count as long: under valgrind they are the longest job.
ORDER=
serial=
long=
rest=
if selected unit "$@"; then
	ORDER=unit
	long=unit
fi
for t in regress/t/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	selected "$name" "$@" || continue
	ORDER="$ORDER $name"
	if marked "$t" serial; then
		serial="$serial $name"
		: >"$RUN/$name.serial"
	elif marked "$t" long; then
		long="$long $name"
	else
		rest="$rest $name"
	fi
done
START=$(echo $serial $long $rest)

# Slots: slot_I is the name of the job in slot I, or empty.
i=0
while [ "$i" -lt "$JOBS" ]; do
	eval "slot_$i="
	i=$((i + 1))
done

# Interrupted: stop the running tests (timeout(1) passes the signal on to
# the test's process group), and wait for their cleanup.
stop_all()
{
	for _p in "$RUN"/*.pid; do
		[ -f "$_p" ] && kill -TERM "$(cat "$_p")" 2>/dev/null
	done
	wait
	exit "$1"
}
trap 'stop_all 130' INT
trap 'stop_all 143' TERM
trap 'stop_all 129' HUP

running=0
serial_running=
while :; do
	changed=
	# Reap: free the slots of the jobs that ended.
	i=0
	while [ "$i" -lt "$JOBS" ]; do
		eval "n=\$slot_$i"
		if [ -n "$n" ] && [ -f "$RUN/$n.done" ]; then
			eval "slot_$i="
			running=$((running - 1))
			[ "$n" != "$serial_running" ] || serial_running=
			changed=1
		fi
		i=$((i + 1))
	done
	# Print, in name order, what has ended.
	while [ -n "$ORDER" ]; do
		set -- $ORDER
		[ -f "$RUN/$1.done" ] || break
		read -r rc secs <"$RUN/$1.done"
		if [ "$1" = unit ]; then
			result_unit "$rc" "$secs"
		else
			result "$1" "$rc" "$secs"
		fi
		shift
		ORDER=$*
	done
	[ -n "$ORDER" ] || break
	# Start what may start: a serial job when nothing runs, another job
	# when a slot is free and no serial job runs.
	while [ -n "$START" ] && [ -z "$serial_running" ] &&
	    [ "$running" -lt "$JOBS" ]; do
		set -- $START
		if [ -f "$RUN/$1.serial" ]; then
			[ "$running" -eq 0 ] || break
			serial_running=$1
		fi
		i=0
		while eval "[ -n \"\$slot_$i\" ]"; do
			i=$((i + 1))
		done
		eval "slot_$i=\$1"
		running=$((running + 1))
		job "$1" "$i"
		shift
		START=$*
		changed=1
	done
	[ -n "$changed" ] || sleep 0.2
done
wait
rm -rf "$RUN"

if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
