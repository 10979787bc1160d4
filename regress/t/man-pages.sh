# The man pages: mandoc -Tlint -Wwarning has nothing to say about either;
# airlockd(8) documents every option of airlockd's usage line and every
# spelling that monitor/main.c accepts; airlock.yml(5) documents every key,
# provider and connector that the configuration knows, and every key of a
# version 1 file that monitor/confv1.c knows.  A new option or key
# without its documentation fails here.
. "$(dirname "$0")/../lib.sh"

M8=$TOP/man/airlockd.8
M5=$TOP/man/airlock.yml.5
command -v mandoc >/dev/null || skip "mandoc is not installed"

for m in "$M8" "$M5"; do
	out=$(mandoc -Tlint -Wwarning "$m" 2>&1) ||
	    fail "mandoc -Tlint $(basename "$m"): $out"
done
ok "mandoc -Tlint -Wwarning: both pages clean"

# documented PAGE NAME: NAME is a Cm or Fl argument on some macro line.
documented()
{
	grep -Eq "^\\..*\\<(Cm|Fl|Ic|It)\\>[^\"]* $2( |,|\$)" "$1"
}

# The usage line: [-dDtV] is four flags; [-f file] and [-watch] are one.
usage=$("$AIRLOCKD" -h 2>&1 | grep '^usage:')
[ -n "$usage" ] || fail "airlockd -h prints no usage line"
n=0
for t in $(echo "$usage" | grep -oE '\[-[A-Za-z][-A-Za-z]*' | cut -c3-); do
	if grep -Eq "^\.It Fl $t( |\$)" "$M8"; then
		n=$((n + 1))
		continue
	fi
	for l in $(echo "$t" | sed 's/./& /g'); do
		grep -Eq "^\.It Fl $l( |\$)" "$M8" ||
		    fail "airlockd(8) does not document -$l ($usage)"
		n=$((n + 1))
	done
done
# Spellings rewritten or compared by hand (Secretless Broker's).
for t in $(grep -oE '"-[a-z][-a-z]+"' "$TOP/monitor/main.c" | tr -d '"' |
    cut -c2- | sort -u); do
	grep -Eq "^\.It Fl $t( |\$)" "$M8" ||
	    fail "airlockd(8) does not document -$t (monitor/main.c)"
	n=$((n + 1))
done
[ "$n" -ge 5 ] || fail "only $n options found in the usage and main.c"
ok "airlockd(8) documents all $n options"

C=$TOP/monitor/config.c
K=$TOP/monitor/confkeys.c
# The keys: the keyword tables' rows of confkeys.c, config.c's tables of a
# document's and a service's keys, and the keys it compares by hand.
keys=$( { grep -oE '^	\{ "[A-Za-z]+",' "$K" | grep -oE '"[A-Za-z]+"'
    sed -n '/_keys\[\] = {/,/};/p' "$C" | grep -oE '"[A-Za-z]+"'
    grep -oE 'key_is\([^,]+, "[A-Za-z<]+"\)' "$C" | grep -oE '"[A-Za-z<]+"'
    } | tr -d '"' | sort -u)
[ "$(echo "$keys" | wc -w)" -ge 30 ] || fail "too few keys found in $C, $K"
for k in $keys; do
	documented "$M5" "$k" || fail "airlock.yml(5) does not document key $k"
done
ok "airlock.yml(5) documents all $(echo "$keys" | wc -w) keys of config.c and confkeys.c"

# The keys of Secretless Broker version 1 files that confv1.c knows.
V1=$TOP/monitor/confv1.c
keys=$(grep -oE '\{ "[A-Za-z]+", NULL, NULL \}' "$V1" | cut -d'"' -f2 |
    sort -u)
[ "$(echo "$keys" | wc -w)" -ge 12 ] || fail "too few keys found in $V1"
for k in $keys; do
	documented "$M5" "$k" ||
	    fail "airlock.yml(5) does not document version 1 key $k"
done
ok "airlock.yml(5) documents all $(echo "$keys" | wc -w) version 1 keys"

# The providers of config.c; the connectors: the rows' names and the
# planned ones of connectors.c.
CN=$TOP/monitor/connectors.c
names=$( { sed -n '/provider_names\[\] = {/,/^};/p' "$C"
    sed -n '/planned\[\] = {/,/^};/p' "$CN"
    sed -n '/^const struct mon_connector mon_/,/^};/p' "$TOP"/monitor/*.c |
	grep '^	\.name = "' | grep -v '"health"'
    } | grep -oE '"[a-z_-]+"' | tr -d '"' | sort -u)
[ "$(echo "$names" | wc -w)" -ge 15 ] || fail "too few names found in $C, $CN"
for p in $names; do
	documented "$M5" "$p" ||
	    fail "airlock.yml(5) does not mention provider or connector $p"
done
ok "airlock.yml(5) names every provider and connector"

# The decided settings of the airlock section, built in other branches.
for k in health logFormat logTarget syslogFacility watch; do
	documented "$M5" "$k" || fail "airlock.yml(5) lacks $k"
done
ok "airlock.yml(5) has health, logFormat, logTarget, syslogFacility, watch"
exit 0
