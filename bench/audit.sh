#!/usr/bin/env bash
# bench/audit.sh: the audit ledger (issue 7) on the project's dev cluster.
#
# For each N (default 1,000,000 then 10,000,000): a new database, N entries
# appended in batches, then verify against the COPY (binary) floor, the
# pure-SQL check (1M only) and the single-row append rates (1M only); see
# bench/bench_audit.c. The database is dropped after each N.
#
# Usage: bench/audit.sh [N...]   BUILD=build/release
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$HERE/../build/release}
STRATA=$BUILD/cli/strata
DB=strata_bench_audit
trap '"$STRATA" dev psql -- -X -q -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT

"$STRATA" dev up >/dev/null
[ $# -gt 0 ] || set -- 1000000 10000000
for n in "$@"; do
	"$STRATA" dev psql -- -X -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
	URL=$("$STRATA" dev url | sed "s|/postgres?|/$DB?|")
	echo
	echo "### $n entries ($(nproc) cores, $(uname -srm))"
	echo
	if [ "$n" -gt 1000000 ]; then
		"$BUILD/bench/bench-audit" "$URL" "$n" --no-sql --no-single
	else
		"$BUILD/bench/bench-audit" "$URL" "$n"
	fi
	# The floor as psql measures it (the issue's definition): the same COPY into /dev/null, median of 5.
	times=()
	for r in 1 2 3 4 5; do
		t0=$(date +%s.%N)
		"$STRATA" dev psql -- -X -q -c "\\c $DB" -c "COPY (SELECT seq, recorded_at, actor, action, target, payload,
			prev_hash, hash FROM strata.audit_entries WHERE chain = 'bench' AND seq >= 1 ORDER BY seq)
			TO STDOUT (FORMAT binary)" > /dev/null
		times+=("$(echo "$(date +%s.%N) $t0" | awk '{printf "%.3f", $1 - $2}')")
	done
	echo "psql COPY (binary) > /dev/null: median $(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p) s (runs: ${times[*]})"
	"$STRATA" dev psql -- -X -q -c "\\c $DB" -c "SELECT 'table: ' || pg_size_pretty(pg_total_relation_size('strata.audit_entries'))" -At
done
