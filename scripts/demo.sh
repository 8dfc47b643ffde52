#!/bin/sh
# make demo: what a new user sees first. Starts the project's private
# PostgreSQL (strata dev up), checks it (strata doctor), runs the main job on
# it (the demo project's migrations in examples/demo: validate, plan, up,
# status, history) and shows next steps. Safe to run again: every step is
# idempotent (a second `up` finds nothing to do).
set -eu
strata=${1:-build/release/cli/strata}

echo "==> strata dev up"
url=$("$strata" dev up)
echo "$url"
echo
echo "==> strata doctor"
"$strata" doctor
echo
export DATABASE_URL="$url"
# The demo project sits next to this script, wherever make demo runs from.
demo=$(cd "$(dirname "$0")/.." && pwd)/examples/demo
echo "==> strata --project-dir examples/demo migrate validate"
"$strata" --project-dir "$demo" migrate validate
echo
echo "==> strata --project-dir examples/demo migrate up"
"$strata" --project-dir "$demo" migrate up
echo
echo "==> strata --project-dir examples/demo migrate status"
"$strata" --project-dir "$demo" migrate status
echo
echo "==> strata --project-dir examples/demo migrate history --limit 8"
"$strata" --project-dir "$demo" migrate history --limit 8
cat <<NEXT

The dev cluster keeps running in .strata/cluster/. Next steps:
  $strata dev status          is it running, where, how big
  $strata dev psql            a psql session on it
  export DATABASE_URL='$url'
  $strata --project-dir examples/demo migrate plan      what would run (the exact SQL)
  $strata --project-dir examples/demo migrate down --track analytics
  $strata dev down            stop it (make demo starts it again)
  make test                   the whole test suite
Docs: docs/README.md
NEXT
