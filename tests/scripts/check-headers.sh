#!/bin/sh
# Compiles every public header of libstrata on its own with strict flags
# (C11, -Wall -Wextra -Wpedantic -Werror), so that each stands alone: it
# includes what it uses and nothing of the library's internals. Prints TAP.
set -u
src=$1
build=$2
cc=$3
# The installed layout: include/strata/*.h plus the generated version.h beside them.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/strata"
cp "$src"/include/strata/*.h "$build/version.h" "$tmp/strata/"
headers=$(cd "$tmp/strata" && ls *.h)
n=$(echo "$headers" | wc -w)
echo "1..$n"
i=0
for h in $headers; do
	i=$((i + 1))
	out=$(printf '#include <strata/%s>\nint strata_header_check_%d;\n' "$h" "$i" |
		"$cc" -std=c11 -Wall -Wextra -Wpedantic -Werror -Wstrict-prototypes -Wmissing-prototypes \
			-fsyntax-only -I"$tmp" -x c - 2>&1)
	if [ $? -eq 0 ]; then
		echo "ok $i - strata/$h compiles alone"
	else
		echo "not ok $i - strata/$h compiles alone"
		echo "$out" | sed 's/^/# /'
	fi
done
