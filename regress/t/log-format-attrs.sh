# Every function that formats a log line or an error reason is checked by
# the compiler like printf: a struct secret (or anything but a string)
# given for %s does not compile under the project's -Werror.  Each entry
# point is compiled twice, with a string (must compile: the harness works)
# and with a struct secret * (must fail with a format error).
. "$(dirname "$0")/../lib.sh"

CC=${CC:-cc}
command -v "$CC" >/dev/null || skip "no C compiler ($CC)"
CFLAGS="-std=gnu11 -Wall -Wextra -Werror -Wformat=2 -D_GNU_SOURCE
    -I$TOP/include -I$TOP/monitor -I$TOP/providers -fsyntax-only"

# compile CALL ARG: a translation unit that makes CALL with ARG for %s.
compile()
{
	cat >"$T/c.c" <<EOF
#include <stdint.h>
#include "log.h"
#include "secret.h"
#include "monitor.h"
#include "provider_impl.h"
void f(struct worker *, struct provider_req *, const char *,
    struct secret *);
void
f(struct worker *w, struct provider_req *req, const char *str,
    struct secret *s)
{
	(void)w; (void)req; (void)str; (void)s;
	$(echo "$1" | sed "s/ARG/$2/");
}
EOF
	# shellcheck disable=SC2086
	"$CC" $CFLAGS -c "$T/c.c" -o /dev/null >"$T/cc.out" 2>&1
}

n=0
while IFS= read -r call; do
	[ -n "$call" ] || continue
	compile "$call" str ||
	    fail "$call with a string does not compile: $(head -n 5 "$T/cc.out")"
	if compile "$call" s; then
		fail "$call accepts a struct secret * for %s"
	fi
	grep -q -- "-Werror=format" "$T/cc.out" ||
	    fail "$call failed for another reason: $(head -n 5 "$T/cc.out")"
	n=$((n + 1))
done <<'CALLS'
log_msg(LOG_LVL_INFO, "%s", ARG)
log_error("%s", ARG)
log_warn("%s", ARG)
log_info("%s", ARG)
log_debug("%s", ARG)
log_conn(LOG_LVL_INFO, "svc", 1, "%s", ARG)
wlog_error(w, "%s", ARG)
wlog_warn(w, "%s", ARG)
wlog_info(w, "%s", ARG)
wlog_debug(w, "%s", ARG)
worker_fail(w, "%s", ARG)
worker_kill(w, "%s", ARG)
provider_fail(req, -1, "%s", ARG)
fatal("%s", ARG)
fatal_errno("%s", ARG)
CALLS
ok "$n formatting entry points refuse a struct secret * for %s"
exit 0
