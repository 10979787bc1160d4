# What the benchmarks share (sourced after regress/lib.sh): their settings
# checked, PgBouncer started, and their figures printed: a ratio, whether
# a bound of issue 13 is met, a markdown table, the machine a run was
# taken on.  Every benchmark prints markdown (a heading, its table,
# notes), readable in a terminal as it is and collected into
# regress/bench/RESULTS.md by regress/bench/all.sh.

# bench_whole WHAT VALUE...: fail unless each VALUE is a positive whole
# number (WHAT names the settings).
bench_whole()
{
	_what=$1
	shift
	for _v in "$@"; do
		case $_v in
		''|*[!0-9]*|0) fail "$_what: must be positive whole numbers" ;;
		esac
	done
}

# bench_pgbouncer USERLIST [SETTING...]: start PgBouncer (Debian's) on
# 127.0.0.1:$PB (a free port) in front of the test PostgreSQL, database
# postgres, with clients trusted (auth_type trust, as airlock trusts its
# clients) and USERLIST as its auth_file (the users it may log in as, and
# their backend passwords); SETTINGs ("key = value") add to its
# [pgbouncer] section.  It runs as postgres (it refuses root) in the
# foreground of a background job, so that PGB_PID is its pid.
bench_pgbouncer()
{
	_pgb=$(command -v pgbouncer || ls /usr/sbin/pgbouncer 2>/dev/null)
	[ -n "$_pgb" ] || fail "no pgbouncer"
	PB=$(free_port)
	mkdir -p "$T/pgbouncer"
	printf '%s\n' "$1" >"$T/pgbouncer/userlist.txt"
	shift
	{
		cat <<EOF
[databases]
postgres = host=127.0.0.1 port=$PG_PORT dbname=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PB
unix_socket_dir =
auth_type = trust
auth_file = $T/pgbouncer/userlist.txt
logfile = $T/pgbouncer/pgbouncer.log
log_connections = 0
log_disconnections = 0
EOF
		printf '%s\n' "$@"
	} >"$T/pgbouncer/pgbouncer.ini"
	chown -R postgres:postgres "$T/pgbouncer"
	chmod 0600 "$T/pgbouncer/userlist.txt"
	setpriv --reuid=postgres --regid=postgres --init-groups -- \
	    "$_pgb" "$T/pgbouncer/pgbouncer.ini" \
	    >"$T/pgbouncer/stderr" 2>&1 </dev/null &
	PGB_PID=$!
	at_exit "kill $PGB_PID"
}

# bench_ratio A B: A/B with two decimals; "n/a" when either is missing.
bench_ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0)
			print "n/a"
		else
			printf "%.2f\n", a / b
	}'
}

# bench_met VALUE OP BOUND: "yes" if VALUE OP BOUND holds (OP is >= or
# <=), "no" if not, "n/a" when VALUE is not a number.
bench_met()
{
	awk -v v="$1" -v op="$2" -v b="$3" 'BEGIN {
		if (v !~ /^[0-9.]+$/)
			print "n/a"
		else if (op == ">=")
			print v + 0 >= b + 0 ? "yes" : "no"
		else
			print v + 0 <= b + 0 ? "yes" : "no"
	}'
}

# bench_table: standard input is a header line and rows, cells separated
# by tabs; standard output the markdown table, its columns padded so that
# it reads in a terminal too (the first left-aligned, the others right).
bench_table()
{
	awk -F '\t' '
		{
			for (i = 1; i <= NF; i++) {
				cell[NR, i] = $i
				if (length($i) > w[i])
					w[i] = length($i)
			}
			if (NF > nf)
				nf = NF
		}
		function line(r,    i, s) {
			s = "|"
			for (i = 1; i <= nf; i++)
				s = s sprintf(i == 1 ? " %-*s |" : " %*s |", w[i],
				    cell[r, i])
			print s
		}
		END {
			line(1)
			s = "|"
			for (i = 1; i <= nf; i++) {
				d = sprintf("%*s", w[i] < 3 ? 3 : w[i], "")
				gsub(/ /, "-", d)
				s = s (i == 1 ? " " d " |" : " " substr(d, 2) ": |")
			}
			print s
			for (r = 2; r <= NR; r++)
				line(r)
		}'
}

# bench_ratio_table FILE "PATH..." "A/B...": the lines "RUN PATH VALUE" of
# FILE as a table for bench_table: a row per RUN (in their order), a column
# per PATH, then one per ratio A/B of two paths' values ("n/a" where one
# is missing).
bench_ratio_table()
{
	awk -v paths="$2" -v ratios="$3" '
		{
			v[$1, $2] = $3
			if (!($1 in seen)) {
				seen[$1] = 1
				order[nr++] = $1
			}
		}
		function num(x) { return x ~ /^[0-9.]+$/ }
		END {
			np = split(paths, p, " ")
			nq = split(ratios, q, " ")
			s = "run"
			for (i = 1; i <= np; i++)
				s = s "\t" p[i]
			for (i = 1; i <= nq; i++)
				s = s "\t" q[i]
			print s
			for (r = 0; r < nr; r++) {
				s = order[r]
				for (i = 1; i <= np; i++)
					s = s "\t" ((order[r], p[i]) in v ?
					    v[order[r], p[i]] : "n/a")
				for (i = 1; i <= nq; i++) {
					split(q[i], ab, "/")
					a = v[order[r], ab[1]]
					b = v[order[r], ab[2]]
					s = s "\t" (num(a) && num(b) && b > 0 ?
					    sprintf("%.2f", a / b) : "n/a")
				}
				print s
			}
		}' "$1"
}

# bench_machine: what the figures were taken on, as a markdown list.
bench_machine()
{
	echo "- CPUs: $(nproc), $(sed -n 's/^model name[[:space:]]*: //p' \
	    /proc/cpuinfo | head -n 1)"
	echo "- memory: $(awk '$1 == "MemTotal:" {
		printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- kernel: $(uname -sr)"
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- load average at the start: $(cut -d ' ' -f 1-3 /proc/loadavg)"
}

# bench_cpu_ticks PID [CHILDREN]: the CPU time (clock ticks) of process
# PID (utime + stime); with CHILDREN, also of its reaped children (cutime +
# cstime) and of its live children: a process and all the workers it has
# had.  A child reaped between the reads may count twice: read when the
# process is quiet.
bench_cpu_ticks()
{
	{
		sed 's/.*) //' "/proc/$1/stat"
		if [ -n "${2:-}" ]; then
			for _c in $(pgrep -P "$1"); do
				sed 's/.*) //' "/proc/$_c/stat" 2>/dev/null
			done
		fi
	} | awk -v all="${2:-}" '
		NR == 1 { t = $12 + $13 + (all ? $14 + $15 : 0); next }
		{ t += $12 + $13 }
		END { print t + 0 }'
}
