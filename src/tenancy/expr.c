/*
 * expr.c: which columns of its own table a policy expression reads.
 *
 * The server keeps a policy's USING and WITH CHECK expressions as node trees
 * (pg_policy.polqual, polwithcheck), whose text looks like
 *   {OPEXPR :opno 98 ... :args ({VAR :varno 1 :varattno 2 ... :varlevelsup 0 ...} ...)}
 * The policy's table is range table entry 1 of the expression, so a Var with
 * varno 1 whose varlevelsup equals the number of enclosing QUERY nodes (the
 * subqueries of EXISTS, IN, CTEs) reads that table; a Var of a subquery's
 * own tables has a smaller varlevelsup. Reading the tree rather than the
 * deparsed text means that a string literal spelling 'tenant_id', another
 * table's tenant_id in a subquery, or a column quoted in an odd way cannot
 * fool the check. Field order within a node does not matter, and fields that
 * later server versions add (varnullingrels in 16) are skipped.
 */
#include <string.h>

#include "tenancy/tenancy_int.h"

/* Skips a token's escaped character or a quoted string; returns the next position. */
static const char *skip_special(const char *p)
{
	if (*p == '\\')
		return p[1] != '\0' ? p + 2 : p + 1;
	if (*p == '"') {
		p++;
		while (*p != '\0' && *p != '"')
			p += (*p == '\\' && p[1] != '\0') ? 2 : 1;
		return *p == '"' ? p + 1 : p;
	}
	return p + 1;
}

/* The integer after ":field " inside the node that runs from p to end, or def. */
static long field_value(const char *p, const char *end, const char *field, long def)
{
	size_t n = strlen(field);

	while (p < end) {
		if (*p == ':' && (size_t)(end - p) > n + 1 && strncmp(p + 1, field, n) == 0 &&
			p[n + 1] == ' ') {
			long v = 0;
			int neg = 0;

			p += n + 2;
			if (*p == '-') {
				neg = 1;
				p++;
			}
			if (*p < '0' || *p > '9')
				return def;
			while (p < end && *p >= '0' && *p <= '9' && v < 100000000L)
				v = v * 10 + (*p++ - '0');
			return neg ? -v : v;
		}
		p = skip_special(p);
	}
	return def;
}

/* The end of the node that starts at p ('{'): the position after its '}'. */
static const char *node_end(const char *p)
{
	int depth = 0;

	while (*p != '\0') {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p + 1;
		p = skip_special(p);
	}
	return p;
}

static int label_is(const char *p, const char *label)
{
	size_t n = strlen(label);

	return strncmp(p + 1, label, n) == 0 && (p[n + 1] == ' ' || p[n + 1] == '}');
}

int st_tenancy_expr_refs(st_tenancy_refs *out, const char *tree, int attnum)
{
	const char *p;
	char *stack = NULL;   /* per open node: 1 when it is a QUERY */
	size_t depth = 0, cap = 0;
	long queries = 0;

	memset(out, 0, sizeof(*out));
	if (tree == NULL)
		return 0;
	for (p = tree; *p != '\0'; p++)
		cap += *p == '{';
	if (cap == 0)
		return 0;
	stack = st_malloc(cap);
	if (stack == NULL)
		return STRATA_ENOMEM;
	p = tree;
	while (*p != '\0') {
		if (*p == '{' && label_is(p, "VAR")) {
			const char *end = node_end(p);
			long varno = field_value(p, end, "varno", -1);
			long attno = field_value(p, end, "varattno", -1);
			long up = field_value(p, end, "varlevelsup", -1);

			if (varno == 1 && up == queries) {
				if (attno == attnum)
					out->column = 1;
				else
					out->others = 1;
			}
			p = end;
			continue;
		}
		if (*p == '{') {
			stack[depth] = (char)label_is(p, "QUERY");
			queries += stack[depth];
			depth++;
			p++;
			continue;
		}
		if (*p == '}') {
			if (depth > 0) {
				depth--;
				queries -= stack[depth];
			}
			p++;
			continue;
		}
		p = skip_special(p);
	}
	st_free(stack);
	return 0;
}
