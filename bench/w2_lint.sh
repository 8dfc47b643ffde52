#!/usr/bin/env bash
# bench/w2_lint.sh: strata lint against squawk on the same corpus (workload W2).
#
# The corpus is the team's reference W2 corpus: 1,000 migration files of 20
# statements (20,000 in all) mixing safe and unsafe DDL, made by
# ../shared/bench/w2_gen.py (W2_GEN to point elsewhere) with its fixed seed;
# its manifest counts the statements of each kind, so that both tools'
# findings can be checked against what was planted. Unsafe statements always
# target tables created by an earlier file.
#
# Timed, wall clock, whole process, median of RUNS (tools taking turns):
#   strata      strata lint --format json FILES (each file linted on its own,
#               as squawk does; files in parallel on every core)
#   together    strata lint --together --format json FILES (one run: tables
#               created by earlier files are new, which is a different question)
#   squawk      squawk --reporter json FILES (SQUAWK_BIN: the native binary of
#               the npm package squawk-cli)
# Then the planted hazards each tool found, by kind, and the rules with a
# different count (see bench/README.md for why).
#
# Usage: bench/w2_lint.sh [RUNS=5]   STRATA=build/release/cli/strata SQUAWK_BIN=...
set -euo pipefail

RUNS=${1:-5}
HERE=$(cd "$(dirname "$0")" && pwd)
STRATA=${STRATA:-$HERE/../build/release/cli/strata}
W2_GEN=${W2_GEN:-$HERE/../../shared/bench/w2_gen.py}
SQUAWK_BIN=${SQUAWK_BIN:-/tmp/peers/node_modules/@squawk-cli/linux-x64/bin/squawk}
CORPUS=${CORPUS:-/tmp/strata-bench-w2}

[ -x "$STRATA" ] || { echo "no strata binary at $STRATA (make build)" >&2; exit 2; }
[ -f "$W2_GEN" ] || { echo "no corpus generator at $W2_GEN (set W2_GEN)" >&2; exit 2; }
if [ ! -f "$CORPUS/manifest.json" ]; then
	rm -rf "$CORPUS"
	python3 "$W2_GEN" "$CORPUS" 1000 20 >/dev/null
fi
mapfile -t FILES < <(ls "$CORPUS"/files/*.sql)
have_squawk=0
[ -x "$SQUAWK_BIN" ] && have_squawk=1

now() { date +%s.%N; }
run() {  # run OUT CMD...: wall seconds (the tools exit 1 on findings: expected)
	local out=$1 t0
	shift
	t0=$(now)
	"$@" >"$out" 2>/dev/null || true
	echo "$(now) $t0" | awk '{printf "%.4f\n", $1 - $2}'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a T_STRATA=() T_TOGETHER=() T_SQUAWK=()
for ((r = 1; r <= RUNS; r++)); do
	T_STRATA+=("$(run "$CORPUS/strata.json" "$STRATA" lint --format json "${FILES[@]}")")
	T_TOGETHER+=("$(run "$CORPUS/together.json" "$STRATA" lint --together --format json "${FILES[@]}")")
	if [ $have_squawk = 1 ]; then
		T_SQUAWK+=("$(run "$CORPUS/squawk.json" "$SQUAWK_BIN" --reporter json "${FILES[@]}")")
	fi
done
echo "corpus: ${#FILES[@]} files, $(python3 -c "import json; print(json.load(open('$CORPUS/manifest.json'))['statements'])") statements; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| tool | median s | runs |"
echo "|---|---|---|"
echo "| strata lint (each file alone) | $(median "${T_STRATA[@]}") | ${T_STRATA[*]} |"
echo "| strata lint --together | $(median "${T_TOGETHER[@]}") | ${T_TOGETHER[*]} |"
if [ $have_squawk = 1 ]; then
	echo "| squawk $("$SQUAWK_BIN" --version 2>/dev/null | awk '{print $NF}') --reporter json | $(median "${T_SQUAWK[@]}") | ${T_SQUAWK[*]} |"
fi
echo
python3 - "$CORPUS" "$have_squawk" <<'PY'
import collections, json, sys
corpus, have_squawk = sys.argv[1], sys.argv[2] == "1"
manifest = json.load(open(f"{corpus}/manifest.json"))
strata = collections.Counter(f["rule"] for f in json.load(open(f"{corpus}/strata.json"))["findings"])
squawk = collections.Counter()
if have_squawk:
    text = open(f"{corpus}/squawk.json").read()
    squawk = collections.Counter(f["rule_name"] for f in json.loads(text[text.find("["):]))
# Planted unsafe kinds, and the rule of each tool that should catch them.
planted = [
    ("add_column_not_null", "add-column-not-null-without-default", "adding-required-field"),
    ("create_index", "require-concurrent-index-create", "require-concurrent-index-creation"),
    ("alter_column_type", "change-column-type", "changing-column-type"),
    ("add_foreign_key", "require-not-valid-foreign-key", "adding-foreign-key-constraint"),
    ("drop_column", "drop-column", "ban-drop-column"),
]
kinds = manifest["statements_by_kind"]
print("| planted hazard | planted | strata | squawk |")
print("|---|---|---|---|")
for kind, s_rule, q_rule in planted:
    print(f"| {kind} | {kinds.get(kind, 0)} | {strata[s_rule]} ({s_rule}) | "
          f"{squawk[q_rule] if have_squawk else '-'} ({q_rule}) |")
print()
print("all findings by rule:")
for name, n in sorted(strata.items(), key=lambda x: -x[1]):
    print(f"  strata {name:40s} {n}")
for name, n in sorted(squawk.items(), key=lambda x: -x[1]):
    print(f"  squawk {name:40s} {n}")
PY
