#!/bin/sh
# Runs one libFuzzer target for a fixed number of inputs, starting from its
# committed seed corpus, with a fixed seed so that a run can be repeated.
# Prints TAP; a crash, leak, timeout or failed property prints the reproducer
# in hex (save it under tests/fuzz/corpus/<target>/ to keep it as a test).
#   run-fuzzer.sh FUZZER SEED_DIR RUNS
set -u
bin=$1
seeds=$2
runs=$3
name=$(basename "$bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/corpus"
echo "1..1"
if "$bin" -runs="$runs" -seed=1 -max_len=1024 -timeout=10 -rss_limit_mb=2048 \
	-artifact_prefix="$tmp/" -print_final_stats=1 "$tmp/corpus" "$seeds" >"$tmp/log" 2>&1; then
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log")
	cov=$(grep -o 'cov: [0-9]*' "$tmp/log" | tail -1)
	echo "ok 1 - $name: ${execs:-?} inputs, ${cov:-cov: ?} edges, no crash, every property held"
else
	echo "not ok 1 - $name"
	tail -40 "$tmp/log" | sed 's/^/# /'
	for f in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-*; do
		[ -f "$f" ] && echo "# reproducer $(basename "$f") (hex): $(od -An -v -tx1 "$f" | tr -d ' \n' | cut -c1-2000)"
	done
fi
exit 0
