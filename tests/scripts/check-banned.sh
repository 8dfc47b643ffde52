#!/bin/sh
# Proves that banned.h turns each banned libc call into a compile error: each
# call must compile without banned.h and be refused with it. An allowed call
# (snprintf) must compile with it. Prints TAP.
set -u
src=$1
cc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/calls" <<'CALLS'
snprintf(buf, sizeof(buf), "%d", 1)
sprintf(buf, "%d", 1)
vsprintf(buf, "x", ap)
strcpy(buf, "x")
strcat(buf, "x")
strncpy(buf, "x", 1)
strncat(buf, "x", 1)
strtok(buf, ",")
gets(buf)
atoi("1")
atol("1")
atoll("1")
CALLS

compiles() {
	# $1: the call; $2: 1 to include banned.h
	{
		printf '#define _DEFAULT_SOURCE 1\n#include <stdarg.h>\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n'
		printf 'char *gets(char *);\n'
		[ "$2" = 1 ] && printf '#include "banned.h"\n'
		printf 'void f(va_list ap);\nvoid f(va_list ap) { char buf[8] = ""; (void)ap; (void)(%s); }\n' "$1"
	} > "$tmp/t.c"
	"$cc" -std=c11 -fsyntax-only -Werror -Wno-deprecated-declarations -I"$src/src/policy" "$tmp/t.c" >/dev/null 2>&1
}

echo "1..$(wc -l < "$tmp/calls")"
i=0
while IFS= read -r call; do
	i=$((i + 1))
	if ! compiles "$call" 0; then
		echo "not ok $i - $call does not even compile without banned.h"
		continue
	fi
	case $call in
	snprintf*)
		if compiles "$call" 1; then echo "ok $i - $call is allowed"; else echo "not ok $i - $call should be allowed"; fi ;;
	*)
		if compiles "$call" 1; then echo "not ok $i - $call should be refused"; else echo "ok $i - $call is refused"; fi ;;
	esac
done < "$tmp/calls"
