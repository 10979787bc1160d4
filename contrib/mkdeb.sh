#!/bin/sh
#
# Build airlock's Debian package (debian/) from the tree's tracked files,
# in a temporary copy, so that the tree is left as it is and a file that
# git does not know never reaches the package: mkdeb.sh OUTDIR.  The
# .deb (with its -dbgsym), .buildinfo and .changes go to OUTDIR; the last
# line printed is the path of the .deb.  `make deb` runs it with dist/.
# MKDEB_JOBS: how many compilers at once (default: one per CPU).

set -eu

out=${1:?usage: mkdeb.sh OUTDIR}
top=$(cd "$(dirname "$0")/.." && pwd)

command -v dpkg-buildpackage >/dev/null 2>&1 || {
	echo "mkdeb.sh: no dpkg-buildpackage: sh contrib/install-deps.sh" \
	    "installs what the build needs" >&2
	exit 1
}
git -C "$top" rev-parse --git-dir >/dev/null 2>&1 || {
	echo "mkdeb.sh: $top is not a git checkout: the package is built" \
	    "from its tracked files" >&2
	exit 1
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
src=$tmp/airlock-$version
mkdir "$src"
(cd "$top" && git ls-files -z | tar --null -T - -cf -) | tar -xf - -C "$src"
# The files' times are the changelog's, not the checkout's: two builds of
# the same tree make the same package (dpkg-deb only clamps later ones).
sde=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Timestamp)
find "$src" -exec touch -h -d "@$sde" {} +

if ! (cd "$src" && dpkg-buildpackage -us -uc -b -j"${MKDEB_JOBS:-$(nproc)}") \
    >"$tmp/build.log" 2>&1; then
	tail -n 40 "$tmp/build.log" >&2
	echo "mkdeb.sh: dpkg-buildpackage failed" >&2
	exit 1
fi
mkdir -p "$out"
cp "$tmp"/*.deb "$tmp"/*.buildinfo "$tmp"/*.changes "$out"/
ls "$out"/airlock_"$version"_*.deb
