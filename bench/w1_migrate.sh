#!/usr/bin/env bash
# bench/w1_migrate.sh: the migration engine against its peers (workload W1).
#
# N trivial migrations, each one transaction, applied to an empty database by
#   strata      build/release/cli/strata migrate up (default settings)
#   dbmate      its Linux binary (DBMATE_BIN; the npm package "dbmate" ships it)
#   sqitch      Debian's sqitch, psql as its client
#   psql floor  one psql session sending the same statements and ledger
#               inserts, a transaction per migration: what the server alone
#               needs, no tool logic
# and, with the N applied: the status command (and strata's no-op up), then
# rolling back the newest ROLLBACK migrations with each tool's own command.
# Every timing is a whole process (start-up included), wall clock; the figure
# reported is the median of RUNS, the tools taking turns in each run so that
# drift of the machine hits them alike. Each run starts from a new empty
# database and checks the number of objects afterwards, so a tool that
# silently does nothing fails the benchmark.
#
# Then strata alone: status and no-op up with BIG (10,000) applied.
#
# Usage:  bench/w1_migrate.sh [N=1000] [RUNS=5]
#   KIND=table|view    the migration: CREATE TABLE t_i (id bigint PRIMARY KEY, v text)
#                      or CREATE VIEW t_i AS SELECT 1::bigint AS id, 'x'::text AS v
#                      (catalog only: shows each tool's own overhead best)
#   ROLLBACK=100  BIG=10000  STATUS_RUNS=20
#   STRATA=build/release/cli/strata  DBMATE_BIN=...  SKIP="sqitch dbmate"
#   BENCH_URL=postgresql://user@host:port   use this server instead of starting one
# Without BENCH_URL a throwaway cluster (default durability, trust auth on
# 127.0.0.1:PORT=55439) is created in /tmp/strata-bench-w1 and removed at the end.
set -euo pipefail

N=${1:-1000}
RUNS=${2:-5}
KIND=${KIND:-table}
ROLLBACK=${ROLLBACK:-100}
BIG=${BIG:-10000}
STATUS_RUNS=${STATUS_RUNS:-20}
SKIP=${SKIP:-}
PORT=${PORT:-55439}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STRATA=${STRATA:-$ROOT/build/release/cli/strata}
WORK=/tmp/strata-bench-w1
DBMATE_BIN=${DBMATE_BIN:-$(command -v dbmate || echo /tmp/peers/node_modules/@dbmate/linux-x64/bin/dbmate)}

die() { echo "w1_migrate: $*" >&2; exit 1; }
[[ -x $STRATA ]] || die "no strata binary at $STRATA (make build)"
[[ -x $PGBIN/psql ]] || die "no PostgreSQL binaries in '$PGBIN'"

skipped() { [[ " $SKIP " == *" $1 "* ]]; }
if ! skipped dbmate && [[ ! -x $DBMATE_BIN ]]; then
	echo "w1_migrate: dbmate not found (DBMATE_BIN=$DBMATE_BIN): skipped" >&2
	SKIP="$SKIP dbmate"
fi
if ! skipped sqitch && ! command -v sqitch >/dev/null; then
	echo "w1_migrate: sqitch not installed (apt-get install sqitch): skipped" >&2
	SKIP="$SKIP sqitch"
fi

# ---- the server ----
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
started=0
stop_cluster() {
	if [[ $started == 1 ]]; then
		as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1 || true
		rm -rf "$WORK"
	fi
}
trap stop_cluster EXIT
if [[ -z ${BENCH_URL:-} ]]; then
	rm -rf "$WORK"
	mkdir -p "$WORK/pg"
	[[ $(id -u) == 0 ]] && chown postgres: "$WORK" "$WORK/pg"
	as_pg "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
	as_pg "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w \
		-o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$WORK/pg" start >/dev/null
	started=1
	BENCH_URL=postgresql://postgres@127.0.0.1:$PORT
fi
export PGHOST PGPORT PGUSER
PGHOST=$(sed -E 's|^[a-z]+://([^@/]*@)?([^:/]+).*|\2|' <<<"$BENCH_URL")
PGPORT=$(sed -E 's|^[a-z]+://[^/]*:([0-9]+).*|\1|' <<<"$BENCH_URL")
PGUSER=$(sed -E 's|^[a-z]+://([^@:/]+)@.*|\1|' <<<"$BENCH_URL")
unset PGDATABASE PGSERVICE PGOPTIONS DATABASE_URL
DB=w1
URL="$BENCH_URL/$DB"
psql_q() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -At -d "${2:-$DB}" -c "$1"; }
fresh_db() { "$PGBIN/dropdb" --if-exists -f "$DB"; "$PGBIN/createdb" "$DB"; }

# ---- the migrations, in each tool's own format ----
up_sql() {
	if [[ $KIND == view ]]; then echo "CREATE VIEW t_$1 AS SELECT 1::bigint AS id, 'x'::text AS v;"
	else echo "CREATE TABLE t_$1 (id bigint PRIMARY KEY, v text);"; fi
}
down_sql() { if [[ $KIND == view ]]; then echo "DROP VIEW t_$1;"; else echo "DROP TABLE t_$1;"; fi; }
objects() {
	if [[ $KIND == view ]]; then psql_q "SELECT count(*) FROM pg_views WHERE schemaname = 'public' AND viewname ~ '^t_[0-9]+\$'"
	else psql_q "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t_[0-9]+\$'"; fi
}
[[ $KIND == table || $KIND == view ]] || die "KIND must be table or view"

gen() {  # gen DIR COUNT
	local d=$1 n=$2 i v
	rm -rf "$d"
	mkdir -p "$d/strata/migrations" "$d/dbmate" "$d/sqitch/deploy" "$d/sqitch/revert" "$d/sqitch/verify" "$d/psql"
	{
		printf '%%syntax-version=1.0.0\n%%project=w1\n\n'
		for ((i = 1; i <= n; i++)); do
			printf 't_%06d 2026-01-01T00:00:00Z Bench <bench@example.com> # t_%d\n' "$i" "$i"
		done
	} >"$d/sqitch/sqitch.plan"
	cat >"$d/sqitch/sqitch.conf" <<EOF
[core]
	engine = pg
[engine "pg"]
	target = db:pg://$PGUSER@$PGHOST:$PGPORT/$DB
	registry = sqitch
	client = $PGBIN/psql
EOF
	echo "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY);" >"$d/psql/up.sql"
	: >"$d/psql/down.sql"
	for ((i = 1; i <= n; i++)); do
		v=$(printf '%06d' "$i")
		up_sql "$i" >"$d/strata/migrations/${v}_t_$i.up.sql"
		down_sql "$i" >"$d/strata/migrations/${v}_t_$i.down.sql"
		printf -- '-- migrate:up\n%s\n\n-- migrate:down\n%s\n' "$(up_sql "$i")" "$(down_sql "$i")" >"$d/dbmate/${v}_t_$i.sql"
		printf 'BEGIN;\n%s\nCOMMIT;\n' "$(up_sql "$i")" >"$d/sqitch/deploy/t_$v.sql"
		printf 'BEGIN;\n%s\nCOMMIT;\n' "$(down_sql "$i")" >"$d/sqitch/revert/t_$v.sql"
		printf 'SELECT 1;\n' >"$d/sqitch/verify/t_$v.sql"
		printf "BEGIN; %s INSERT INTO schema_migrations VALUES ('%s'); COMMIT;\n" "$(up_sql "$i")" "$v" >>"$d/psql/up.sql"
	done
	for ((i = n; i > n - ROLLBACK && i > 0; i--)); do
		printf "BEGIN; %s DELETE FROM schema_migrations WHERE version = '%s'; COMMIT;\n" \
			"$(down_sql "$i")" "$(printf '%06d' "$i")" >>"$d/psql/down.sql"
	done
}

# ---- each tool's operations ----
P=$WORK/n$N
strata_apply()    { DATABASE_URL=$URL "$STRATA" --quiet --project-dir "$P/strata" migrate up; }
strata_status()   { DATABASE_URL=$URL "$STRATA" --project-dir "$P/strata" migrate status; }
strata_noop()     { DATABASE_URL=$URL "$STRATA" --quiet --project-dir "$P/strata" migrate up; }
strata_rollback() { DATABASE_URL=$URL "$STRATA" --quiet --project-dir "$P/strata" migrate down --steps "$ROLLBACK"; }
dbmate_apply()    { "$DBMATE_BIN" --url "$URL?sslmode=disable" -d "$P/dbmate" --no-dump-schema migrate; }
dbmate_status()   { "$DBMATE_BIN" --url "$URL?sslmode=disable" -d "$P/dbmate" status; }
dbmate_rollback() { local k; for ((k = 0; k < ROLLBACK; k++)); do
	"$DBMATE_BIN" --url "$URL?sslmode=disable" -d "$P/dbmate" --no-dump-schema rollback; done; }
sqitch_apply()    { (cd "$P/sqitch" && sqitch deploy); }
sqitch_status()   { (cd "$P/sqitch" && sqitch status); }
sqitch_rollback() { (cd "$P/sqitch" && sqitch revert -y --to "@HEAD^$ROLLBACK"); }
psql_apply()      { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$P/psql/up.sql"; }
psql_status()     { psql_q "SELECT version FROM schema_migrations ORDER BY version"; }
psql_rollback()   { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$P/psql/down.sql"; }

LOG=$WORK/last.log
# $EPOCHREALTIME (bash 5) reads the clock without starting a process: only
# the tool's own process is inside the interval.
timed() {  # timed FUNC: seconds, or stops the benchmark when the tool fails
	local t0 t1
	t0=$EPOCHREALTIME
	if ! "$1" >>"$LOG" 2>&1; then
		tail -20 "$LOG" >&2
		die "$1 failed (log: $LOG)"
	fi
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
check() {  # check EXPECTED WHAT
	local got
	got=$(objects)
	[[ $got == "$1" ]] || die "$2 left $got objects, expected $1"
}

tools=(strata psql)
skipped dbmate || tools+=(dbmate)
skipped sqitch || tools+=(sqitch)
declare -A A S NOOP B
echo "w1: $N migrations (KIND=$KIND), rollback $ROLLBACK, $RUNS runs; tools: ${tools[*]}" >&2
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr), $("$PGBIN/postgres" --version)" >&2
gen "$P" "$N"
for ((r = 1; r <= RUNS; r++)); do
	for t in "${tools[@]}"; do
		: >"$LOG"
		fresh_db
		a=$(timed "${t}_apply")
		check "$N" "$t apply"
		s=$(timed "${t}_status")
		if [[ $t == strata ]]; then NOOP[$t]+=" $(timed strata_noop)"; fi
		b=$(timed "${t}_rollback")
		check $((N - ROLLBACK)) "$t rollback"
		A[$t]+=" $a"; S[$t]+=" $s"; B[$t]+=" $b"
		echo "  run $r $t: apply ${a}s status ${s}s rollback ${b}s" >&2
	done
done

floor_a=$(median ${A[psql]}); floor_b=$(median ${B[psql]})
echo
echo "### W1: $N \`CREATE ${KIND^^}\` migrations, one transaction each (median of $RUNS)"
echo
echo "| tool | apply $N | vs floor | status, $N applied | rollback $ROLLBACK | vs floor |"
echo "|---|---|---|---|---|---|"
for t in "${tools[@]}"; do
	a=$(median ${A[$t]}); s=$(median ${S[$t]}); b=$(median ${B[$t]})
	name=$t; [[ $t == psql ]] && name="psql floor"
	printf '| %s | %.3f s | %.2fx | %s ms | %.3f s | %.2fx |\n' "$name" "$a" \
		"$(awk -v a="$a" -v f="$floor_a" 'BEGIN { print a / f }')" "$(ms "$s")" "$b" \
		"$(awk -v a="$b" -v f="$floor_b" 'BEGIN { print a / f }')"
done
echo
echo "strata no-op \`up\` with $N applied: $(ms "$(median ${NOOP[strata]})") ms (median of $RUNS)"

# ---- strata alone: status and no-op up as the history grows ----
status_at() {  # status_at COUNT
	local n=$1 i st=() up=() ps=()
	P=$WORK/n$n
	[[ -d $P/strata ]] || gen "$P" "$n"
	fresh_db
	timed strata_apply >/dev/null
	strata_status >/dev/null   # the validation cache is written once
	for ((i = 0; i < STATUS_RUNS; i++)); do
		st+=("$(timed strata_status)")
		up+=("$(timed strata_noop)")
	done
	for ((i = 0; i < STATUS_RUNS; i++)); do
		ps+=("$(timed psql_status_strata)")
	done
	printf '| %d | %s ms | %s ms | %s ms |\n' "$n" "$(ms "$(median "${st[@]}")")" \
		"$(ms "$(median "${up[@]}")")" "$(ms "$(median "${ps[@]}")")"
}
psql_status_strata() { psql_q "SELECT track, version, checksum FROM strata.history ORDER BY track, version"; }
echo
echo "### strata status and no-op up as the history grows (median of $STATUS_RUNS)"
echo
echo "| applied | \`migrate status\` | no-op \`migrate up\` | psql reading the same history rows |"
echo "|---|---|---|---|"
status_at "$N"
status_at "$BIG"
