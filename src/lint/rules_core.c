/*
 * rules_core.c: the rules every run needs: findings of the run itself
 * (syntax errors, ignore comments), transactions, and index builds and
 * drops, which are the most common way a migration blocks a busy table.
 */
#include <string.h>

#include "lint/lint_int.h"

#define NO_TX_HELP "put it in a file of its own marked '-- strata:no-transaction' (strata's " \
	"runner then runs the file statement by statement)"

/* An option of a statement's "params" list (DefElem nodes), or NULL. */
static const st_tree_node *param(const st_tree_node *body, const char *list, const char *name)
{
	const st_tree_node *m, *p = st_tree_get(body, list);

	for (m = p != NULL ? p->first : NULL; m != NULL; m = m->next) {
		const st_tree_node *d = st_tree_node_as(m, "DefElem");
		const char *n = st_tree_str(st_tree_get(d, "defname"));

		if (n != NULL && strcmp(n, name) == 0)
			return d;
	}
	return NULL;
}

/* REINDEX (CONCURRENTLY) or REINDEX ... CONCURRENTLY: a DefElem without a false argument. */
static int reindex_concurrently(const st_tree_node *body)
{
	const st_tree_node *d = param(body, "params", "concurrently");
	const st_tree_node *arg;
	const char *v;

	if (d == NULL)
		return 0;
	arg = st_tree_get(d, "arg");
	if (arg == NULL)
		return 1;
	v = st_tree_str(st_tree_path(arg, "String", "sval", (const char *)NULL));
	if (v == NULL)
		v = st_tree_str(st_tree_path(arg, "A_Const", "sval", "sval", (const char *)NULL));
	if (v != NULL)
		return strcmp(v, "false") != 0 && strcmp(v, "off") != 0 && strcmp(v, "0") != 0;
	return st_tree_int(st_tree_path(arg, "Integer", "ival", (const char *)NULL), 1) != 0;
}

static int drop_of(const lint_ctx *c, const char *objtype)
{
	const char *t = st_tree_str(st_tree_get(c->body, "removeType"));

	return t != NULL && strcmp(t, objtype) == 0;
}

/* CREATE INDEX without CONCURRENTLY on a table that exists. */
static void concurrent_index_create(lint_ctx *c)
{
	const st_tree_node *rv = st_tree_get(c->body, "relation");
	char name[256];

	if (st_tree_true(st_tree_get(c->body, "concurrent")) || lint_is_new(c, rv))
		return;
	lint_find(c, "require-concurrent-index-create", lint_location(rv),
		"CREATE INDEX CONCURRENTLY, in a file marked '-- strata:no-transaction'",
		"CREATE %sINDEX on '%s' takes a SHARE lock for the whole build: every INSERT, UPDATE and "
		"DELETE on the table waits until the index is built",
		st_tree_true(st_tree_get(c->body, "unique")) ? "UNIQUE " : "",
		lint_rangevar(rv, name, sizeof(name)));
}

/* DROP INDEX without CONCURRENTLY. */
static void concurrent_index_drop(lint_ctx *c)
{
	if (!drop_of(c, "OBJECT_INDEX") || st_tree_true(st_tree_get(c->body, "concurrent")))
		return;
	lint_find(c, "require-concurrent-index-drop", -1,
		"DROP INDEX CONCURRENTLY, in a file marked '-- strata:no-transaction'",
		"DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: reads and writes wait, and "
		"so does everything queued behind it while it waits for running queries");
}

/* CONCURRENTLY where a transaction block refuses it. */
static void concurrently_in_transaction(lint_ctx *c)
{
	const char *what = NULL;

	if (!c->in_tx)
		return;
	if (strcmp(c->type, "IndexStmt") == 0 && st_tree_true(st_tree_get(c->body, "concurrent")))
		what = "CREATE INDEX CONCURRENTLY";
	else if (strcmp(c->type, "DropStmt") == 0 && st_tree_true(st_tree_get(c->body, "concurrent")))
		what = "DROP INDEX CONCURRENTLY";
	else if (strcmp(c->type, "ReindexStmt") == 0 && reindex_concurrently(c->body))
		what = "REINDEX CONCURRENTLY";
	if (what == NULL)
		return;
	lint_find(c, "concurrently-in-transaction", -1, NO_TX_HELP,
		"%s cannot run inside a transaction block, and this statement runs in one (%s)", what,
		c->explicit_tx ? "the file's BEGIN" : "the migration's own transaction");
}

/* BEGIN inside a transaction; COMMIT or ROLLBACK of the runner's transaction. */
static void transaction_nesting(lint_ctx *c)
{
	const char *kind = st_tree_str(st_tree_get(c->body, "kind"));

	if (kind == NULL)
		return;
	if ((strcmp(kind, "TRANS_STMT_BEGIN") == 0 || strcmp(kind, "TRANS_STMT_START") == 0) && c->in_tx)
		lint_find(c, "transaction-nesting", -1, "remove the BEGIN: the statements already run in "
			"one transaction", "BEGIN inside a transaction does nothing but warn: the statements "
			"after it do not get a transaction of their own");
	else if ((strcmp(kind, "TRANS_STMT_COMMIT") == 0 || strcmp(kind, "TRANS_STMT_ROLLBACK") == 0) &&
		!c->in_tx)
		lint_find(c, "transaction-nesting", -1, "remove it, or add the BEGIN it closes",
			"%s without a transaction to end", strcmp(kind, "TRANS_STMT_COMMIT") == 0 ? "COMMIT" :
			"ROLLBACK");
}

const lint_rule_def lint_rules_core[] = {
	{ { "syntax-error", "parser", STRATA_LINT_ERROR,
	    "the file does not parse as PostgreSQL (the finding is at the error)" }, "-", NULL },
	{ { "invalid-ignore", "ignores", STRATA_LINT_ERROR,
	    "an ignore comment without a reason, or naming an unknown rule" }, "-", NULL },
	{ { "unused-ignore", "ignores", STRATA_LINT_WARNING,
	    "an ignore comment that suppresses nothing" }, "-", NULL },
	{ { "require-concurrent-index-create", "locking", STRATA_LINT_ERROR,
	    "CREATE INDEX on an existing table without CONCURRENTLY blocks writes for the whole build" },
	  "IndexStmt", concurrent_index_create },
	{ { "require-concurrent-index-drop", "locking", STRATA_LINT_WARNING,
	    "DROP INDEX without CONCURRENTLY locks the table against reads and writes" },
	  "DropStmt", concurrent_index_drop },
	{ { "concurrently-in-transaction", "transactions", STRATA_LINT_ERROR,
	    "CREATE/DROP INDEX CONCURRENTLY or REINDEX CONCURRENTLY inside a transaction fails" },
	  NULL, concurrently_in_transaction },
	{ { "transaction-nesting", "transactions", STRATA_LINT_ERROR,
	    "BEGIN inside the migration's transaction, or COMMIT/ROLLBACK without one" },
	  "TransactionStmt", transaction_nesting },
};

const size_t lint_rules_core_n = ST_ARRAY_LEN(lint_rules_core);
