#!/bin/sh
# `make install` gives a usable library: installs the build into a temporary
# prefix, then compiles a program against the installed headers with
# pkg-config, links it to the installed shared library (which must export the
# public API) and runs it; also checks the installed strata command. Prints TAP.
set -u
build=$1
cc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..5"

if meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >"$tmp/install.log" 2>&1; then
	echo "ok 1 - meson install succeeds"
else
	echo "not ok 1 - meson install succeeds"
	sed 's/^/# /' "$tmp/install.log"
	exit 0
fi
opt() {
	meson introspect "$build" --buildoptions |
		python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]==sys.argv[1]][0])' "$1"
}
prefix=$(opt prefix)
# An instrumented library needs an instrumented program.
sanitize=$(opt b_sanitize)
[ "$sanitize" = none ] && sanflags="" || sanflags="-fsanitize=$sanitize"
root=$tmp/root$prefix
pcdir=$(dirname "$(find "$root" -name libstrata.pc | head -1)")
libdir=$(dirname "$(find "$root" -name 'libstrata.so.0*' | head -1)")

cat > "$tmp/app.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <strata/strata.h>
int main(void)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_conninfo_mask(&b, "postgresql://app:secret@db/app");
	printf("%s %s\n", strata_version(), strata_buf_cstr(&b));
	strata_buf_release(&b);
	return strcmp(STRATA_VERSION, strata_version()) != 0;
}
C
flags=$(PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$tmp/root pkg-config --cflags --libs libstrata 2>"$tmp/pc.log")
if [ $? -eq 0 ] && "$cc" -std=c11 -Wall -Werror $sanflags "$tmp/app.c" $flags -o "$tmp/app" 2>"$tmp/cc.log"; then
	echo "ok 2 - a program builds against the installed headers and shared library (pkg-config)"
else
	echo "not ok 2 - a program builds against the installed headers and shared library (pkg-config)"
	cat "$tmp/pc.log" "$tmp/cc.log" | sed 's/^/# /'
fi
out=$(LD_LIBRARY_PATH=$libdir "$tmp/app" 2>&1)
case $out in
*"postgresql://app:****@db/app") echo "ok 3 - it runs on the installed library: $out" ;;
*) echo "not ok 3 - it runs on the installed library"; echo "# $out" ;;
esac
if "$root/bin/strata" --version >/dev/null 2>&1; then
	echo "ok 4 - the installed strata command runs"
else
	echo "not ok 4 - the installed strata command runs"
fi
so=$(find "$root" -name 'libstrata.so.0*' -type f | head -1)
leaked=$(nm -D --defined-only "$so" | awk '{print $3}' | grep -v '^strata_' | grep -v '^_' )
if [ -z "$leaked" ] && nm -D --defined-only "$so" | grep -q ' strata_conn_open$'; then
	echo "ok 5 - the shared library exports the public strata_ API and nothing else"
else
	echo "not ok 5 - the shared library exports the public strata_ API and nothing else"
	echo "$leaked" | sed 's/^/# exported: /'
fi
