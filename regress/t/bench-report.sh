# The benchmarks' shared figures (regress/bench/report.sh): ratios, the
# bounds of issue 13, the markdown tables RESULTS.md is made of, and the
# CPU time of a process with its reaped children.  The benchmarks
# themselves are not tests (`make bench` runs them); what they print
# through these helpers is.
. "$(dirname "$0")/../lib.sh"
. "$TOP/regress/bench/report.sh"

# same WHAT GOT WANT
same()
{
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

same "3/2" "$(bench_ratio 3 2)" 1.50
same "missing figure" "$(bench_ratio n/a 2)" n/a
same "divided by 0" "$(bench_ratio 1 0)" n/a
same ">= at the bound" "$(bench_met 0.90 ">=" 0.90)" yes
same ">= below" "$(bench_met 0.89 ">=" 0.90)" no
same "<= above" "$(bench_met 1.16 "<=" 1.15)" no
same "<= at the bound" "$(bench_met 1.15 "<=" 1.15)" yes
same "no figure, no verdict" "$(bench_met n/a ">=" 1)" n/a
ok "bench_ratio, bench_met"

printf 'run\tdirect\tairlock\nconnect (ms)\t2.5\t8.6\nc8\t12345\t99\n' |
    bench_table >"$T/table"
cat >"$T/want" <<'EOF'
| run          | direct | airlock |
| ------------ | -----: | ------: |
| connect (ms) |    2.5 |     8.6 |
| c8           |  12345 |      99 |
EOF
cmp -s "$T/table" "$T/want" || fail "bench_table: $(diff "$T/want" "$T/table")"
ok "bench_table: a markdown table, padded, numbers to the right"

# Rows in the order they first appear; a path without a figure is n/a,
# and so is its ratio.
printf 'c8 direct 200\nc8 airlock 150\nc1 airlock 40\nc1 direct 80\n' \
    >"$T/results"
printf 'c8 pgbouncer 300\n' >>"$T/results"
bench_ratio_table "$T/results" "direct airlock pgbouncer" \
    "airlock/direct airlock/pgbouncer" | tr '\t' '|' >"$T/rows"
cat >"$T/want" <<'EOF'
run|direct|airlock|pgbouncer|airlock/direct|airlock/pgbouncer
c8|200|150|300|0.75|0.50
c1|80|40|n/a|0.50|n/a
EOF
cmp -s "$T/rows" "$T/want" ||
    fail "bench_ratio_table: $(diff "$T/want" "$T/rows")"
ok "bench_ratio_table: rows in order, n/a where a figure is missing"

for v in 0 -1 x ""; do
	(bench_whole "IDLE_N" 5 "$v") >/dev/null 2>&1 &&
	    fail "bench_whole took '$v'"
done
(bench_whole "IDLE_N" 5 10000) || fail "bench_whole refused 10000"
ok "bench_whole: positive whole numbers only"

# A child's CPU time is counted once it is reaped: sh waits for awk, which
# spends some 0.1 s and more (a tick is 10 ms).
before=$(bench_cpu_ticks $$ children)
awk 'BEGIN { for (i = 0; i < 3000000; i++) s += i * i }'
after=$(bench_cpu_ticks $$ children)
[ "$after" -gt "$before" ] ||
    fail "bench_cpu_ticks: $before ticks before a busy child, $after after"
alone=$(bench_cpu_ticks $$)
[ "$alone" -lt "$after" ] ||
    fail "bench_cpu_ticks without children: $alone, with them $after"
ok "bench_cpu_ticks: $before ticks, $after after a busy child"
