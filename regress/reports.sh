# The sanitizer and valgrind reports in a test's log directory (sourced by
# regress/run.sh, which fails a test that passed but left one there).

# What in an airlockd log (or a test's output) is a report: a worker's,
# which reaches airlockd's log as "worker stderr:" lines (its sandbox has
# no file to write one to); a worker that the seccomp filter killed (in a
# sanitizer build, possibly the sanitizer's runtime hitting the filter);
# and the report of any process whose options had no log_path.
REPORT_LINE='ERROR: (Address|Leak)Sanitizer|runtime error:|AddressSanitizer:DEADLYSIGNAL|worker stderr: (.*SUMMARY: |.*    #[0-9]+ )|died of signal 31'

# symbolize: append "func at file:line" to the frames printed as
# module+offset: the workers' (no symbolizer can be executed in their
# sandbox), and everyone's when no llvm-symbolizer is installed.
symbolize()
{
	while IFS= read -r _l; do
		_o=$(echo "$_l" | sed -n \
		    's/.*#[0-9][0-9]* 0x[0-9a-f]*  *(\([^ ()]*\)+\(0x[0-9a-f]*\)).*/\1 \2/p')
		_w=
		[ -n "$_o" ] && [ -r "${_o% *}" ] && _w=$(addr2line -f -i -p \
		    -C -e "${_o% *}" "${_o#* }" 2>/dev/null | tr '\n' ' ')
		case $_w in
		""|*"??"*)	echo "$_l" ;;	# no debugging information
		*)		echo "$_l  ->  $_w" ;;
		esac
	done
}

# valgrind_report LOG: what is wrong in one memcheck log (nothing if
# nothing is).
valgrind_report()
{
	if ! grep -q "ERROR SUMMARY: " "$1"; then
		# Only SIGKILL keeps valgrind from its summary: a test's
		# deliberate kill of airlockd, or the unit tests' stand-in
		# workers that the code under test kills.  Errors are
		# reported as they happen, so a log that ends with its
		# preamble had none (valgrind's own "--PID--" lines, such
		# as its warning about memfd_secret below, are no errors).
		sed '1,/Parent PID:/d' "$1" |
		    grep -v -e '^==[0-9]*== *$' -e '^--[0-9]*-- ' | grep -q . ||
		    return 0
		echo "no ERROR SUMMARY (killed with SIGKILL after the below):"
		tail -n 20 "$1"
		return 0
	fi
	# valgrind 3.19 does not know memfd_secret: "WARNING: unhandled
	# amd64-linux syscall: 447" (a "--PID--" line, no error), and
	# airlockd falls back to libsodium (ENOSYS).  Not a report, here or
	# in a log cut short by SIGKILL above.
	if ! grep -q "ERROR SUMMARY: 0 errors" "$1" ||
	    grep -Eq "definitely lost: [1-9]" "$1"; then
		grep -v "^==[0-9]*== *$" "$1" | head -n 150
	fi
	# --track-fds: what airlockd opened and still held when it exited by
	# itself (not the unit tests' scaffolding, not a test's deliberate
	# fatal signal).
	case $1 in *valgrind.unittest*) return 0 ;; esac
	grep -q "Process terminating with default action" "$1" && return 0
	awk '
	    /== Open / { blk = $0; inh = 0; inopen = 1; next }
	    inopen && /<inherited from parent>/ { inh = 1 }
	    inopen && /^==[0-9]+== *$/ {
		if (!inh) print "descriptor open at exit: " blk "\n" stk
		inopen = 0; stk = ""; next }
	    inopen { stk = stk (stk == "" ? "" : "\n") $0 }' "$1"
}

# reports DIR: print every report in DIR, symbolised; false if there is none.
# asan.PROGRAM.PID are the sanitizers' log_path files, valgrind.PROGRAM.PID
# memcheck's logs, *.log the test's output and its airlockds' logs.
reports()
{
	_found=1
	for _f in "$1"/asan.* "$1"/valgrind.* "$1"/*.log; do
		[ -s "$_f" ] || continue
		case $_f in
		*/asan.*)	_r=$(head -n 60 "$_f") ;;
		*/valgrind.*)	_r=$(valgrind_report "$_f") ;;
		*)		grep -Eq "$REPORT_LINE" "$_f" || continue
				_r=$(grep -E "$REPORT_LINE|worker stderr: " \
				    "$_f" | head -n 80) ;;
		esac
		[ -n "$_r" ] || continue
		echo "--- $_f"
		echo "$_r" | symbolize
		_found=0
	done
	return $_found
}
