# A short soak: regress/soak.sh for 20 seconds (mixed persistent and
# reconnecting load through one airlockd; no error, no growth of its memory
# or descriptors).  Longer soaks by hand: sh regress/soak.sh 3600.
. "$(dirname "$0")/../lib.sh"

sh "$TOP/regress/soak.sh" 20
rc=$?
case "$rc" in
0) ok "regress/soak.sh 20 passed" ;;
77) skip "regress/soak.sh skipped" ;;
*) fail "regress/soak.sh 20 failed (exit status $rc)" ;;
esac
exit 0
