#!/bin/sh
# make demo: what a new user sees first. Starts the project's private
# PostgreSQL (strata dev up), checks it (strata doctor) and shows next steps.
# Safe to run again: every step is idempotent.
set -eu
strata=${1:-build/release/cli/strata}

echo "==> strata dev up"
url=$("$strata" dev up)
echo "$url"
echo
echo "==> strata doctor"
"$strata" doctor
cat <<NEXT

The dev cluster keeps running in .strata/cluster/. Next steps:
  $strata dev status          is it running, where, how big
  $strata dev psql            a psql session on it
  export DATABASE_URL='$url'
  $strata dev down            stop it (make demo starts it again)
  make test                   the whole test suite
Docs: docs/README.md
NEXT
