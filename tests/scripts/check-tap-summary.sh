#!/bin/sh
# Checks tests/tap_summary.c, which makes the last line of `make test`: it must
# count passes, failures and skips, charge missing results and bad exits as
# failures, and exit non-zero when anything failed. Prints TAP.
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..6"

printf '%s\n' \
	'{"name":"x","result":"FAIL","returncode":1,"stdout":"1..3\nok 1 - a\nnot ok 2 # SKIP b\nnot ok 3 - c\n"}' \
	'{"name":"y","result":"FAIL","returncode":1,"stdout":"1..2\nok 1 - a\n"}' \
	'{"name":"z","result":"ERROR","returncode":1,"stdout":"1..1\nok 1 - a\n"}' \
	'{"name":"k","result":"FAIL","returncode":0,"stdout":"1..2\nok 1 - a\nnot ok 2 # SKIP not root\n"}' \
	'{"name":"s","result":"OK","returncode":0,"stdout":""}' > "$tmp/mixed.json"
out=$("$bin" "$tmp/mixed.json"); rc=$?
last=$(echo "$out" | tail -1)
[ "$last" = "5 passed, 3 failed" ] && echo "ok 1 - counts passes and failures" || echo "not ok 1 - counts passes and failures (got '$last')"
[ $rc -eq 1 ] && echo "ok 2 - exits 1 when something failed" || echo "not ok 2 - exits 1 when something failed (got $rc)"
echo "$out" | grep -q '^SKIPPED  x: not ok 2 # SKIP b$' && echo "$out" | grep -q '^2 skipped' \
	&& ! echo "$out" | grep -q 'FAILED   k' \
	&& echo "ok 3 - lists skips loudly and does not count them as failures" \
	|| echo "not ok 3 - lists skips loudly and does not count them as failures"
echo "$out" | grep -q 'y: 1 of 2 planned results missing' && echo "$out" | grep -q 'z: every result passed but the program ended with status ERROR' \
	&& echo "ok 4 - charges missing results and bad exits" \
	|| echo "not ok 4 - charges missing results and bad exits"

printf '%s\n' '{"name":"a","result":"OK","stdout":"1..2\nok 1\nok 2\n"}' > "$tmp/clean.json"
out=$("$bin" "$tmp/clean.json"); rc=$?
[ "$out" = "2 passed, 0 failed" ] && [ $rc -eq 0 ] && echo "ok 5 - a clean run exits 0" || echo "not ok 5 - a clean run exits 0 (got '$out', $rc)"

printf '%s\n' '{"name":"f","result":"OK","returncode":0,"stdout":"1..1\nok 1 - fuzz\n"}' > "$tmp/second.json"
out=$("$bin" "$tmp/clean.json" "$tmp/second.json"); rc=$?
[ "$out" = "3 passed, 0 failed" ] && [ $rc -eq 0 ] && echo "ok 6 - sums several logs" || echo "not ok 6 - sums several logs (got '$out', $rc)"
