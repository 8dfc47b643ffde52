#!/bin/sh
# make demo: what a new user sees first. Starts the project's private
# PostgreSQL (strata dev up) and checks it (strata doctor), then runs the
# reference platform schema, schema/platform, on it: its migrations
# (validate, lint, up, status, then drift: the database against its
# migrations, and smoke: every down proven a true inverse on a scratch
# database), its demo data (strata seed: three tenants with
# users, agents, runs and messages) and the tenant isolation checks (strata
# tenancy check, then probe: every command across two tenants as the
# application roles), then the audit ledger (the applied migrations are in
# the chain 'strata'; an entry per tenant; verify, a signed checkpoint) and
# the messages' envelope hashes. Ends with a summary and next steps.
#
# The platform gets a database of its own in the dev cluster, `platform`, so
# that whatever else the cluster's `postgres` database holds stays apart.
# Safe to run again: every step is idempotent (a second run finds the
# migrations applied and the seed files up to date, and changes nothing but
# one more audit entry per tenant and a new checkpoint).
set -eu
strata=${1:-build/release/cli/strata}
# The platform project sits next to this script, wherever make demo runs from.
platform=$(cd "$(dirname "$0")/.." && pwd)/schema/platform
db=platform

step() {
	echo
	echo "==> $*"
}

# psql on the dev cluster's platform database (strata dev psql finds the
# cluster's own psql); each argument is one statement, run with its own -c.
platform_sql() {
	for stmt do
		set -- "$@" -c "$stmt"
		shift
	done
	"$strata" dev psql -- -X -q -A -t -v ON_ERROR_STOP=1 -c "\\c $db" "$@"
}

echo "==> strata dev up"
url=$("$strata" dev up)
echo "$url"
step "strata doctor"
"$strata" doctor

step "the database '$db' on the dev cluster"
if [ "$("$strata" dev psql -- -X -q -A -t -v ON_ERROR_STOP=1 \
	-c "SELECT count(*) FROM pg_database WHERE datname = '$db'")" = 0 ]; then
	"$strata" dev psql -- -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db"
	echo "created"
else
	echo "exists"
fi
# The cluster's URL names the database postgres; the platform's names its own.
DATABASE_URL=$(printf '%s\n' "$url" | sed "s|/postgres?|/$db?|")
export DATABASE_URL
echo "$DATABASE_URL"

step "strata -C schema/platform migrate validate"
"$strata" --project-dir "$platform" migrate validate
step "strata -C schema/platform lint"
"$strata" --project-dir "$platform" lint
step "strata -C schema/platform migrate up"
"$strata" --project-dir "$platform" migrate up
step "strata -C schema/platform migrate status"
"$strata" --project-dir "$platform" migrate status
step "strata -C schema/platform schema drift"
"$strata" --project-dir "$platform" schema drift
step "strata schema docs: the platform's dictionary and ERDs in docs/platform"
"$strata" schema docs --output-dir "$(dirname "$platform")/../docs/platform" \
	--classification "$platform/classification.yaml"
step "strata schema validate: the platform database against docs/platform and its classification"
"$strata" schema validate --dictionary "$(dirname "$platform")/../docs/platform/README.md" \
	--classification "$platform/classification.yaml"
step "strata -C schema/platform migrate smoke"
"$strata" --project-dir "$platform" migrate smoke
step "strata -C schema/platform seed"
"$strata" --project-dir "$platform" seed

# The checks print their report whatever they find, and the demo stops on a
# finding or a leak (exit 1) once the report is out.
step "strata -C schema/platform tenancy check"
rc=0
check=$("$strata" --project-dir "$platform" tenancy check) || rc=$?
printf '%s\n' "$check"
if [ "$rc" -ne 0 ]; then
	echo "demo: strata tenancy check exited $rc: the platform schema is not isolated" >&2
	exit "$rc"
fi
step "strata -C schema/platform tenancy probe"
probe=$("$strata" --project-dir "$platform" tenancy probe) || rc=$?
printf '%s\n' "$probe"
if [ "$rc" -ne 0 ]; then
	echo "demo: strata tenancy probe exited $rc: a row leaked or a write was accepted" >&2
	exit "$rc"
fi

# The integrity machinery: the migrations just applied are in the audit chain
# 'strata'; each tenant gets an entry of its own; the chains verify, one
# against a checkpoint signed with a demo key kept in .strata/; the seeded
# messages' envelope hashes are recomputed.
step "strata audit: append to each tenant's chain, verify, sign a checkpoint"
for t in acme globex initech; do
	"$strata" --project-dir "$platform" audit append --chain "tenant:$t" --actor system:demo \
		--action demo.run --target "tenant:$t" --payload "{\"by\": \"make demo\", \"tenant\": \"$t\"}"
done
keys=.strata/demo-audit-keys
if [ ! -f "$keys/signing.pem" ]; then
	mkdir -p "$keys"
	"$strata" audit keygen --private-out "$keys/signing.pem" --public-out "$keys/public.pem"
fi
"$strata" --project-dir "$platform" audit checkpoint --key "$keys/signing.pem" --output "$keys/strata.checkpoint"
audit=$("$strata" --project-dir "$platform" audit verify --no-progress --checkpoint "$keys/strata.checkpoint" \
	--public-key "$keys/public.pem")
printf '%s\n' "$audit"
for t in acme globex initech; do
	"$strata" --project-dir "$platform" audit verify --no-progress --chain "tenant:$t" | head -n 1
done
"$strata" --project-dir "$platform" audit log --limit 3
step "strata audit verify --table audit.audit_log: the platform's tenant audit chains"
platform_audit=$("$strata" --project-dir "$platform" audit verify --table audit.audit_log \
	--chain-column tenant_id --time-column occurred_at --all)
printf '%s\n' "$platform_audit"
step "strata integrity verify-messages: every seeded message's envelope hash"
messages=$("$strata" --project-dir "$platform" integrity verify-messages)
printf '%s\n' "$messages"

# Counted as the cluster's superuser, which row-level security does not
# restrict: every tenant's rows.
summary=$(platform_sql "
SELECT format('%s tables in core, agents and audit, %s of them tenant-scoped with row-level security forced',
              count(*), count(*) FILTER (WHERE c.relforcerowsecurity AND EXISTS (
                  SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id')))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname IN ('core', 'agents', 'audit')" "
SELECT format('%s tenants (%s), %s rows seeded in all',
              (SELECT count(*) FROM core.tenants), (SELECT string_agg(slug, ', ' ORDER BY slug) FROM core.tenants),
              sum((xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', schemaname, tablename),
                                                       false, true, '')))[1]::text::bigint))
FROM pg_tables WHERE schemaname IN ('core', 'agents', 'audit')")

step "summary"
printf '%s\n' "$summary"
echo "tenancy check: $(printf '%s\n' "$check" | tail -n 1)"
echo "tenancy probe: $(printf '%s\n' "$probe" | tail -n 1)"
echo "audit: $(printf '%s\n' "$audit" | head -n 1)"
echo "platform audit log: $(printf '%s\n' "$platform_audit" | tail -n 1)"
echo "messages: $messages"
cat <<NEXT

The dev cluster keeps running in .strata/cluster/; the platform is its
database '$db'. Next steps:
  export DATABASE_URL='$DATABASE_URL'
  psql "\$DATABASE_URL" -c "BEGIN; SET LOCAL ROLE platform_app; SELECT strata_tenant.set(md5('tenant/acme')::uuid); SELECT email FROM core.users; COMMIT;"
                              what the application sees: one tenant's rows
  $strata -C schema/platform tenancy probe --format json   every attempt and its outcome
  $strata -C schema/platform seed --force          run the seed files again (they are idempotent)
  $strata -C schema/platform migrate down --to 0012   and migrate up: every migration has a down
  $strata -C schema/platform audit log --chain tenant:acme   the audit ledger (docs/ledger.md)
  $strata -C schema/platform integrity verify-messages   replay verification of envelopes
  $strata dev status          is it running, where, how big
  $strata dev down            stop it (make demo starts it again)
  make test                   the whole test suite
Docs: docs/platform-schema.md (the schema, tenant isolation), docs/seed.md,
docs/tenancy.md, and the index docs/README.md
NEXT
