/*
 * tenancy_print.c: the reports of `strata tenancy check` and `probe`, as
 * text for people and as one JSON object for scripts (docs/tenancy.md has
 * both shapes).
 */
#include <stdio.h>
#include <string.h>

#include "tenancy_cli.h"

static const char *const kinds[] = {
	STRATA_TENANCY_RLS_NOT_ENABLED, STRATA_TENANCY_RLS_NOT_FORCED, STRATA_TENANCY_POLICY_MISSING,
	STRATA_TENANCY_POLICY_WITHOUT_TENANT, STRATA_TENANCY_POLICY_WITHOUT_CHECK,
	STRATA_TENANCY_ROLE_OWNS_TABLES, STRATA_TENANCY_ROLE_BYPASSES_RLS,
	STRATA_TENANCY_VIEW_NOT_INVOKER,
};

static void json_header(strata_json *w, const strata_conninfo *ci, const ten_opts *o,
	const strata_tenancy_scope *s)
{
	size_t i;

	strata_json_key(w, "database");
	strata_json_string(w, strata_conninfo_display(ci));
	strata_json_key(w, "source");
	strata_json_string(w, strata_conn_source_name(strata_conninfo_source(ci)));
	strata_json_key(w, "column");
	strata_json_string(w, s->column);
	strata_json_key(w, "schemas");
	if (o->schemas.n == 0) {
		strata_json_null(w);
	} else {
		strata_json_array_begin(w);
		for (i = 0; i < (size_t)o->schemas.n; i++)
			strata_json_string(w, o->schemas.items[i]);
		strata_json_array_end(w);
	}
	strata_json_key(w, "app_roles");
	strata_json_array_begin(w);
	for (i = 0; i < s->napp_roles; i++)
		strata_json_string(w, s->app_roles[i]);
	strata_json_array_end(w);
	strata_json_key(w, "app_roles_from");
	strata_json_string(w, o->roles_from);
	strata_json_key(w, "partitions_skipped");
	strata_json_uint(w, s->npartitions_skipped);
}

static void text_header(strata_buf *out, const strata_conninfo *ci, const ten_opts *o,
	const strata_tenancy_scope *s)
{
	size_t i;

	strata_buf_printf(out, "database: %s (from %s)\n", strata_conninfo_display(ci),
		strata_conn_source_name(strata_conninfo_source(ci)));
	strata_buf_printf(out, "tenant column: %s; application roles: ", s->column);
	for (i = 0; i < s->napp_roles; i++)
		strata_buf_printf(out, "%s%s", i > 0 ? ", " : "", s->app_roles[i]);
	if (s->napp_roles == 0)
		strata_buf_puts(out, "none found");
	strata_buf_printf(out, " (%s)\n", strcmp(o->roles_from, "detected") == 0
		? "detected from grants" : o->roles_from);
}

static void check_json(strata_buf *out, const strata_conninfo *ci, const ten_opts *o,
	const strata_tenancy_report *r)
{
	strata_json w;
	size_t i, k;

	strata_json_init(&w, out, 0);
	strata_json_object_begin(&w);
	json_header(&w, ci, o, &r->scope);
	strata_json_key(&w, "ok");
	strata_json_bool(&w, r->nfindings == 0);
	strata_json_key(&w, "tables");
	strata_json_array_begin(&w);
	for (i = 0; i < r->scope.ntables; i++) {
		const strata_tenancy_table *t = &r->scope.tables[i];

		strata_json_object_begin(&w);
		strata_json_key(&w, "table");
		strata_json_string(&w, t->qualified);
		strata_json_key(&w, "schema");
		strata_json_string(&w, t->schema);
		strata_json_key(&w, "name");
		strata_json_string(&w, t->name);
		strata_json_key(&w, "kind");
		strata_json_string(&w, t->kind);
		strata_json_key(&w, "owner");
		strata_json_string(&w, t->owner);
		strata_json_key(&w, "column_type");
		strata_json_string(&w, t->column_type);
		strata_json_key(&w, "rls_enabled");
		strata_json_bool(&w, t->rls_enabled);
		strata_json_key(&w, "rls_forced");
		strata_json_bool(&w, t->rls_forced);
		strata_json_key(&w, "policies");
		strata_json_int(&w, t->npolicies);
		strata_json_object_end(&w);
	}
	strata_json_array_end(&w);
	strata_json_key(&w, "views");
	strata_json_uint(&w, r->nviews);
	strata_json_key(&w, "findings");
	strata_json_array_begin(&w);
	for (i = 0; i < r->nfindings; i++) {
		const strata_tenancy_finding *f = &r->findings[i];

		strata_json_object_begin(&w);
		strata_json_key(&w, "kind");
		strata_json_string(&w, f->kind);
		strata_json_key(&w, "object");
		strata_json_string(&w, f->object);
		strata_json_key(&w, "message");
		strata_json_string(&w, f->message);
		strata_json_key(&w, "hint");
		strata_json_string(&w, f->hint);
		strata_json_object_end(&w);
	}
	strata_json_array_end(&w);
	strata_json_key(&w, "summary");
	strata_json_object_begin(&w);
	strata_json_key(&w, "tables");
	strata_json_uint(&w, r->scope.ntables);
	strata_json_key(&w, "findings");
	strata_json_uint(&w, r->nfindings);
	strata_json_key(&w, "by_kind");
	strata_json_object_begin(&w);
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t n = 0;

		for (i = 0; i < r->nfindings; i++)
			n += strcmp(r->findings[i].kind, kinds[k]) == 0;
		strata_json_key(&w, kinds[k]);
		strata_json_uint(&w, n);
	}
	strata_json_object_end(&w);
	strata_json_object_end(&w);
	strata_json_object_end(&w);
	strata_buf_putc(out, '\n');
}

int ten_print_check(const cli_ctx *ctx, const strata_conninfo *ci, const ten_opts *o,
	const strata_tenancy_report *r)
{
	strata_buf out = STRATA_BUF_INIT;
	const char *red = ctx->color_stdout ? "\033[31m" : "", *off = ctx->color_stdout ? "\033[0m" : "";
	size_t i;
	int rc;

	if (ctx->format == CLI_FORMAT_JSON) {
		check_json(&out, ci, o, r);
	} else {
		text_header(&out, ci, o, &r->scope);
		if (r->nviews > 0 || r->scope.npartitions_skipped > 0)
			strata_buf_printf(&out, "views over tenant tables: %zu; partitions checked through "
				"their parent only: %zu\n", r->nviews, r->scope.npartitions_skipped);
		strata_buf_putc(&out, '\n');
		for (i = 0; i < r->nfindings; i++) {
			const strata_tenancy_finding *f = &r->findings[i];

			strata_buf_printf(&out, "%s%-21s%s  %s\n      %s\n      fix: %s\n\n", red, f->kind, off,
				f->object, f->message, f->hint);
		}
		strata_buf_printf(&out, "%zu table%s checked, %zu finding%s\n", r->scope.ntables,
			r->scope.ntables == 1 ? "" : "s", r->nfindings, r->nfindings == 1 ? "" : "s");
	}
	rc = strata_buf_failed(&out) ? CLI_EXIT_INTERNAL : cli_write_stdout(&out);
	strata_buf_release(&out);
	return rc;
}

static void probe_json(strata_buf *out, const strata_conninfo *ci, const ten_opts *o,
	const strata_tenancy_probe_report *r)
{
	strata_json w;
	size_t i, j;

	strata_json_init(&w, out, 0);
	strata_json_object_begin(&w);
	json_header(&w, ci, o, &r->scope);
	strata_json_key(&w, "ok");
	strata_json_bool(&w, r->rows_leaked == 0 && r->writes_accepted == 0);
	strata_json_key(&w, "tenants");
	strata_json_object_begin(&w);
	strata_json_key(&w, "a");
	strata_json_string(&w, r->tenant_a);
	strata_json_key(&w, "b");
	strata_json_string(&w, r->tenant_b);
	strata_json_object_end(&w);
	strata_json_key(&w, "roles");
	strata_json_array_begin(&w);
	for (i = 0; i < r->nroles; i++)
		strata_json_string(&w, r->roles[i]);
	strata_json_array_end(&w);
	strata_json_key(&w, "tables");
	strata_json_array_begin(&w);
	for (i = 0; i < r->ntables; i++) {
		const strata_tenancy_probe_table *t = &r->tables[i];

		strata_json_object_begin(&w);
		strata_json_key(&w, "table");
		strata_json_string(&w, t->table->qualified);
		strata_json_key(&w, "role");
		strata_json_string(&w, t->role);
		strata_json_key(&w, "rows_leaked");
		strata_json_int(&w, t->rows_leaked);
		strata_json_key(&w, "writes_accepted");
		strata_json_int(&w, t->writes_accepted);
		strata_json_key(&w, "inconclusive");
		strata_json_int(&w, t->inconclusive);
		strata_json_key(&w, "attempts");
		strata_json_array_begin(&w);
		for (j = 0; j < t->nattempts; j++) {
			const strata_tenancy_attempt *a = &t->attempts[j];

			strata_json_object_begin(&w);
			strata_json_key(&w, "check");
			strata_json_string(&w, a->check);
			strata_json_key(&w, "tenant");
			strata_json_string(&w, a->tenant);
			strata_json_key(&w, "other");
			strata_json_string(&w, a->other);
			strata_json_key(&w, "outcome");
			strata_json_string(&w, strata_tenancy_outcome_name(a->outcome));
			strata_json_key(&w, "rows");
			strata_json_int(&w, a->rows);
			strata_json_key(&w, "message");
			strata_json_string(&w, a->message);
			strata_json_object_end(&w);
		}
		strata_json_array_end(&w);
		strata_json_object_end(&w);
	}
	strata_json_array_end(&w);
	strata_json_key(&w, "summary");
	strata_json_object_begin(&w);
	strata_json_key(&w, "tables");
	strata_json_uint(&w, r->scope.ntables);
	strata_json_key(&w, "roles");
	strata_json_uint(&w, r->nroles);
	strata_json_key(&w, "rows_leaked");
	strata_json_int(&w, r->rows_leaked);
	strata_json_key(&w, "writes_accepted");
	strata_json_int(&w, r->writes_accepted);
	strata_json_key(&w, "inconclusive");
	strata_json_int(&w, r->inconclusive);
	strata_json_object_end(&w);
	strata_json_object_end(&w);
	strata_buf_putc(out, '\n');
}

/* "A -> B", "B -> A" or "no tenant", naming tenants by their letter. */
static const char *direction(const strata_tenancy_probe_report *r, const strata_tenancy_attempt *a)
{
	if (a->tenant == NULL)
		return "no tenant";
	return strcmp(a->tenant, r->tenant_a) == 0 ? "A -> B" : "B -> A";
}

static void probe_text(strata_buf *out, const cli_ctx *ctx, const strata_conninfo *ci,
	const ten_opts *o, const strata_tenancy_probe_report *r)
{
	size_t i, j, width = 5, rwidth = 4;

	text_header(out, ci, o, &r->scope);
	strata_buf_printf(out, "tenants: A = %s, B = %s; probed as: ", r->tenant_a, r->tenant_b);
	for (i = 0; i < r->nroles; i++)
		strata_buf_printf(out, "%s%s", i > 0 ? ", " : "", r->roles[i]);
	strata_buf_puts(out, "\n\n");
	for (i = 0; i < r->ntables; i++) {
		if (strlen(r->tables[i].table->qualified) > width)
			width = strlen(r->tables[i].table->qualified);
		if (strlen(r->tables[i].role) > rwidth)
			rwidth = strlen(r->tables[i].role);
	}
	if (r->ntables > 0)
		strata_buf_printf(out, "  %-*s  %-*s  %6s  %8s  %12s\n", (int)width, "table", (int)rwidth,
			"role", "leaked", "accepted", "inconclusive");
	for (i = 0; i < r->ntables; i++) {
		const strata_tenancy_probe_table *t = &r->tables[i];

		strata_buf_printf(out, "  %-*s  %-*s  %6lld  %8lld  %12d\n", (int)width, t->table->qualified,
			(int)rwidth, t->role, t->rows_leaked, t->writes_accepted, t->inconclusive);
		for (j = 0; j < t->nattempts; j++) {
			const strata_tenancy_attempt *a = &t->attempts[j];

			if (a->outcome == STRATA_TENANCY_ISOLATED && ctx->verbose == 0)
				continue;
			strata_buf_printf(out, "      %-12s  %-16s  %-9s  %s\n",
				strata_tenancy_outcome_name(a->outcome), a->check, direction(r, a), a->message);
		}
	}
	strata_buf_printf(out, "\n%zu table%s probed as %zu role%s: %lld row%s leaked, %lld write%s "
		"accepted, %d inconclusive\n", r->scope.ntables, r->scope.ntables == 1 ? "" : "s", r->nroles,
		r->nroles == 1 ? "" : "s", r->rows_leaked, r->rows_leaked == 1 ? "" : "s",
		r->writes_accepted, r->writes_accepted == 1 ? "" : "s", r->inconclusive);
}

int ten_print_probe(const cli_ctx *ctx, const strata_conninfo *ci, const ten_opts *o,
	const strata_tenancy_probe_report *r)
{
	strata_buf out = STRATA_BUF_INIT;
	int rc;

	if (ctx->format == CLI_FORMAT_JSON)
		probe_json(&out, ci, o, r);
	else
		probe_text(&out, ctx, ci, o, r);
	rc = strata_buf_failed(&out) ? CLI_EXIT_INTERNAL : cli_write_stdout(&out);
	strata_buf_release(&out);
	return rc;
}
