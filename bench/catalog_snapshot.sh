#!/usr/bin/env bash
# bench/catalog_snapshot.sh: strata schema snapshot and strata schema docs on
# a generated schema of N tables (issue 6: 5,000 tables, a snapshot in under
# 2 s, docs in under 5 s).
#
# Each table: 10 columns, a primary key and one more index, a foreign key to
# the table before it, a comment. Loaded into a new database on the project's
# dev cluster (strata dev up), then `strata schema snapshot -o FILE` is timed
# (whole process, wall clock), median of RUNS; the database is dropped after.
#
# Usage: bench/catalog_snapshot.sh [N=5000] [RUNS=5]   STRATA=build/release/cli/strata
set -euo pipefail

N=${1:-5000}
RUNS=${2:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
STRATA=${STRATA:-$HERE/../build/release/cli/strata}
DB=strata_bench_catalog
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; "$STRATA" dev psql -- -X -q -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true' EXIT

"$STRATA" dev up >/dev/null
"$STRATA" dev psql -- -X -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
python3 - "$N" > "$WORK/schema.sql" <<'PY'
import sys
n = int(sys.argv[1])
for i in range(1, n + 1):
    ref = "bigint" if i == 1 else "bigint REFERENCES t%d (id)" % (i - 1)
    cols = ", ".join("c%d text" % k for k in range(1, 8))
    print("CREATE TABLE t%d (id bigint PRIMARY KEY, tenant_id bigint NOT NULL, parent_id %s, %s);" % (i, ref, cols))
    print("CREATE INDEX t%d_tenant ON t%d (tenant_id);" % (i, i))
    print("COMMENT ON TABLE t%d IS 'table %d';" % (i, i))
PY
t0=$(date +%s.%N)
"$STRATA" dev psql -- -X -q -v ON_ERROR_STOP=1 -c "\\c $DB" -f "$WORK/schema.sql" >/dev/null
echo "loaded $N tables in $(echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1 - $2}') s"
URL=$("$STRATA" dev url | sed "s|/postgres?|/$DB?|")
times=()
for ((r = 1; r <= RUNS; r++)); do
	t0=$(date +%s.%N)
	"$STRATA" schema snapshot -d "$URL" -o "$WORK/snapshot.json" 2>/dev/null
	times+=("$(echo "$(date +%s.%N) $t0" | awk '{printf "%.3f", $1 - $2}')")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "snapshot of $N tables: median $median s (runs: ${times[*]}), $(wc -c < "$WORK/snapshot.json") bytes"
times=()
for ((r = 1; r <= RUNS; r++)); do
	rm -rf "$WORK/docs"
	t0=$(date +%s.%N)
	"$STRATA" schema docs -d "$URL" --output-dir "$WORK/docs" 2>/dev/null
	times+=("$(echo "$(date +%s.%N) $t0" | awk '{printf "%.3f", $1 - $2}')")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "docs of $N tables (dictionary and ERDs): median $median s (runs: ${times[*]}), $(du -sk "$WORK/docs" | cut -f1) KB"
