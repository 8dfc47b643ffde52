/*
 * classify.c: what a statement is, read from PostgreSQL's own parse tree:
 * transaction control, statements that cannot run inside a transaction
 * block, and the tables the statement names.
 *
 * Each statement is parsed on its own with pg_query_parse, which returns the
 * tree as JSON. The node name needs no decoding: it is the first key of the
 * only statement, at a fixed place in libpg_query's output. The tree is
 * decoded (jansson) only when an answer depends on it, and then only its top
 * levels: a pre-filter by node name, and by keyword for the CONCURRENTLY and
 * INTO forms (keywords cannot be spelled any other way), skips the rest, and
 * values nested deeper than anything read here are dropped from the JSON
 * before decoding. ST_SQL_DECODE_ALL turns all of that off, and the tests
 * check that both ways agree.
 *
 * What PostgreSQL 15 refuses inside a transaction block (25001, "cannot run
 * inside a transaction block"), checked against a 15 server with
 * BEGIN; <statement>; ROLLBACK:
 *
 *   refused                                               allowed (near misses)
 *   CREATE [UNIQUE] INDEX CONCURRENTLY (also partitioned)  CREATE INDEX
 *   DROP INDEX CONCURRENTLY (even IF EXISTS, missing)      DROP INDEX
 *   REINDEX ... CONCURRENTLY, REINDEX (CONCURRENTLY [on|1]) REINDEX (CONCURRENTLY off|0), REINDEX TABLE/INDEX
 *   REINDEX SCHEMA, REINDEX SYSTEM, REINDEX DATABASE
 *   VACUUM in every form (FULL, ANALYZE, (ANALYZE false))  ANALYZE, ANALYSE, ANALYZE (VERBOSE)
 *   CREATE DATABASE, DROP DATABASE (even IF EXISTS)        ALTER DATABASE ... CONNECTION LIMIT,
 *   ALTER DATABASE ... SET TABLESPACE / WITH TABLESPACE      RENAME, OWNER, SET param, REFRESH COLLATION VERSION
 *   CREATE TABLESPACE, DROP TABLESPACE (even IF EXISTS)    ALTER TABLESPACE, ALTER TABLE ... SET TABLESPACE
 *   ALTER SYSTEM (SET and RESET)
 *   CREATE SUBSCRIPTION when it creates a slot: the         CREATE SUBSCRIPTION ... WITH (connect = false|off|0)
 *     default, or create_slot [= true]                      or (create_slot = false): not refused (it connects)
 *   DROP SUBSCRIPTION of a subscription with a slot         DROP SUBSCRIPTION of one with slot_name = NONE,
 *                                                             DROP SUBSCRIPTION IF EXISTS of a missing one
 *   ALTER SUBSCRIPTION ... REFRESH PUBLICATION (with any
 *     copy_data)
 *   ALTER SUBSCRIPTION ... SET/ADD/DROP PUBLICATION,        ... WITH (refresh = false|off|0)
 *     refresh being on by default                           ALTER SUBSCRIPTION ... ENABLE/DISABLE/SET/CONNECTION/SKIP
 *   CLUSTER and CLUSTER VERBOSE without a table             CLUSTER t USING i (a plain table)
 *   DISCARD ALL                                             DISCARD PLANS/TEMP/SEQUENCES
 *   ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY        ALTER TABLE ... DETACH PARTITION (plain)
 *   COMMIT PREPARED, ROLLBACK PREPARED                       PREPARE TRANSACTION
 *                                                           REFRESH MATERIALIZED VIEW [CONCURRENTLY]
 *                                                           ALTER TYPE ... ADD VALUE (allowed since 12)
 *                                                           CHECKPOINT, LOCK, CREATE EXTENSION, DO, LOAD,
 *                                                           ALTER TABLE ALL IN TABLESPACE ... SET TABLESPACE
 *
 * Not decidable from the text, so not flagged: CLUSTER and REINDEX TABLE or
 * INDEX of a partitioned table or index, which the server also refuses, and
 * whether a subscription has a slot: every DROP SUBSCRIPTION is flagged.
 * Statements inside DO blocks and functions are not looked into.
 *
 * Tables (STRATA_SQL_TABLES) are the relations a statement names as what it
 * acts on: CREATE TABLE (with its PARTITION OF / INHERITS parents), CREATE
 * FOREIGN TABLE, CREATE TABLE AS, CREATE MATERIALIZED VIEW, SELECT INTO (not
 * as the first branch of a UNION);
 * ALTER TABLE / FOREIGN TABLE / MATERIALIZED VIEW (with the partitions it
 * attaches or detaches), their RENAME and SET SCHEMA forms; CREATE INDEX ON;
 * INSERT, UPDATE, DELETE and MERGE targets; DROP TABLE / FOREIGN TABLE /
 * MATERIALIZED VIEW; COPY; TRUNCATE; LOCK; REFRESH MATERIALIZED VIEW;
 * VACUUM and ANALYZE; CLUSTER; REINDEX TABLE; CREATE TRIGGER, CREATE and
 * ALTER POLICY, CREATE RULE (and ALTER TRIGGER/POLICY/RULE ... RENAME) ON.
 * Not: tables read by queries, referenced by foreign keys, or named in
 * COMMENT, GRANT and the like. Names are as the parser resolved them (folded
 * to lower case unless quoted, never quoted), joined with '.'.
 */
#include <string.h>

#include <jansson.h>

#include "sql/sql_int.h"

/* What decides a statement's transaction flags. */
enum tx_rule {
	R_NONE,
	R_ALWAYS,                  /* always NO_TX, for the reason in the table */
	R_TX,                      /* TransactionStmt */
	R_INDEX,                   /* CREATE INDEX CONCURRENTLY */
	R_DROP_INDEX,              /* DROP INDEX CONCURRENTLY */
	R_REINDEX,
	R_VACUUM,
	R_ALTER_DATABASE,
	R_CREATE_SUBSCRIPTION,
	R_ALTER_SUBSCRIPTION,
	R_CLUSTER,
	R_DISCARD,
	R_ALTER_TABLE              /* DETACH PARTITION CONCURRENTLY */
};

/* Where a statement names its tables. */
enum table_rule {
	T_NONE,
	T_RELATION,                /* its "relation" */
	T_RELATIONS,               /* its "relations" list */
	T_CREATE,                  /* relation and inhRelations */
	T_CREATE_FOREIGN,          /* the same, inside "base" */
	T_CREATE_AS,               /* into.rel */
	T_SELECT_INTO,             /* intoClause.rel */
	T_ALTER_TABLE,             /* relation of table-like objects, and partitions */
	T_RENAME,
	T_SET_SCHEMA,
	T_DROP,
	T_VACUUM,
	T_REINDEX,
	T_POLICY                   /* its "table" */
};

typedef struct node_info {
	const char *name;
	unsigned char tx;          /* enum tx_rule */
	unsigned char tables;      /* enum table_rule */
	const char *reason;        /* for R_ALWAYS */
} node_info;

/* Every statement node of PostgreSQL 15, sorted by strcmp for bsearch. */
static const node_info nodes[] = {
	{ "AlterCollationStmt", R_NONE, T_NONE, NULL },
	{ "AlterDatabaseRefreshCollStmt", R_NONE, T_NONE, NULL },
	{ "AlterDatabaseSetStmt", R_NONE, T_NONE, NULL },
	{ "AlterDatabaseStmt", R_ALTER_DATABASE, T_NONE, NULL },
	{ "AlterDefaultPrivilegesStmt", R_NONE, T_NONE, NULL },
	{ "AlterDomainStmt", R_NONE, T_NONE, NULL },
	{ "AlterEnumStmt", R_NONE, T_NONE, NULL },
	{ "AlterEventTrigStmt", R_NONE, T_NONE, NULL },
	{ "AlterExtensionContentsStmt", R_NONE, T_NONE, NULL },
	{ "AlterExtensionStmt", R_NONE, T_NONE, NULL },
	{ "AlterFdwStmt", R_NONE, T_NONE, NULL },
	{ "AlterForeignServerStmt", R_NONE, T_NONE, NULL },
	{ "AlterFunctionStmt", R_NONE, T_NONE, NULL },
	{ "AlterObjectDependsStmt", R_NONE, T_NONE, NULL },
	{ "AlterObjectSchemaStmt", R_NONE, T_SET_SCHEMA, NULL },
	{ "AlterOpFamilyStmt", R_NONE, T_NONE, NULL },
	{ "AlterOperatorStmt", R_NONE, T_NONE, NULL },
	{ "AlterOwnerStmt", R_NONE, T_NONE, NULL },
	{ "AlterPolicyStmt", R_NONE, T_POLICY, NULL },
	{ "AlterPublicationStmt", R_NONE, T_NONE, NULL },
	{ "AlterRoleSetStmt", R_NONE, T_NONE, NULL },
	{ "AlterRoleStmt", R_NONE, T_NONE, NULL },
	{ "AlterSeqStmt", R_NONE, T_NONE, NULL },
	{ "AlterStatsStmt", R_NONE, T_NONE, NULL },
	{ "AlterSubscriptionStmt", R_ALTER_SUBSCRIPTION, T_NONE, NULL },
	{ "AlterSystemStmt", R_ALWAYS, T_NONE, "ALTER SYSTEM" },
	{ "AlterTSConfigurationStmt", R_NONE, T_NONE, NULL },
	{ "AlterTSDictionaryStmt", R_NONE, T_NONE, NULL },
	{ "AlterTableMoveAllStmt", R_NONE, T_NONE, NULL },
	{ "AlterTableSpaceOptionsStmt", R_NONE, T_NONE, NULL },
	{ "AlterTableStmt", R_ALTER_TABLE, T_ALTER_TABLE, NULL },
	{ "AlterTypeStmt", R_NONE, T_NONE, NULL },
	{ "AlterUserMappingStmt", R_NONE, T_NONE, NULL },
	{ "CallStmt", R_NONE, T_NONE, NULL },
	{ "CheckPointStmt", R_NONE, T_NONE, NULL },
	{ "ClosePortalStmt", R_NONE, T_NONE, NULL },
	{ "ClusterStmt", R_CLUSTER, T_RELATION, NULL },
	{ "CommentStmt", R_NONE, T_NONE, NULL },
	{ "CompositeTypeStmt", R_NONE, T_NONE, NULL },
	{ "ConstraintsSetStmt", R_NONE, T_NONE, NULL },
	{ "CopyStmt", R_NONE, T_RELATION, NULL },
	{ "CreateAmStmt", R_NONE, T_NONE, NULL },
	{ "CreateCastStmt", R_NONE, T_NONE, NULL },
	{ "CreateConversionStmt", R_NONE, T_NONE, NULL },
	{ "CreateDomainStmt", R_NONE, T_NONE, NULL },
	{ "CreateEnumStmt", R_NONE, T_NONE, NULL },
	{ "CreateEventTrigStmt", R_NONE, T_NONE, NULL },
	{ "CreateExtensionStmt", R_NONE, T_NONE, NULL },
	{ "CreateFdwStmt", R_NONE, T_NONE, NULL },
	{ "CreateForeignServerStmt", R_NONE, T_NONE, NULL },
	{ "CreateForeignTableStmt", R_NONE, T_CREATE_FOREIGN, NULL },
	{ "CreateFunctionStmt", R_NONE, T_NONE, NULL },
	{ "CreateOpClassStmt", R_NONE, T_NONE, NULL },
	{ "CreateOpFamilyStmt", R_NONE, T_NONE, NULL },
	{ "CreatePLangStmt", R_NONE, T_NONE, NULL },
	{ "CreatePolicyStmt", R_NONE, T_POLICY, NULL },
	{ "CreatePublicationStmt", R_NONE, T_NONE, NULL },
	{ "CreateRangeStmt", R_NONE, T_NONE, NULL },
	{ "CreateRoleStmt", R_NONE, T_NONE, NULL },
	{ "CreateSchemaStmt", R_NONE, T_NONE, NULL },
	{ "CreateSeqStmt", R_NONE, T_NONE, NULL },
	{ "CreateStatsStmt", R_NONE, T_NONE, NULL },
	{ "CreateStmt", R_NONE, T_CREATE, NULL },
	{ "CreateSubscriptionStmt", R_CREATE_SUBSCRIPTION, T_NONE, NULL },
	{ "CreateTableAsStmt", R_NONE, T_CREATE_AS, NULL },
	{ "CreateTableSpaceStmt", R_ALWAYS, T_NONE, "CREATE TABLESPACE" },
	{ "CreateTransformStmt", R_NONE, T_NONE, NULL },
	{ "CreateTrigStmt", R_NONE, T_RELATION, NULL },
	{ "CreateUserMappingStmt", R_NONE, T_NONE, NULL },
	{ "CreatedbStmt", R_ALWAYS, T_NONE, "CREATE DATABASE" },
	{ "DeallocateStmt", R_NONE, T_NONE, NULL },
	{ "DeclareCursorStmt", R_NONE, T_NONE, NULL },
	{ "DefineStmt", R_NONE, T_NONE, NULL },
	{ "DeleteStmt", R_NONE, T_RELATION, NULL },
	{ "DiscardStmt", R_DISCARD, T_NONE, NULL },
	{ "DoStmt", R_NONE, T_NONE, NULL },
	{ "DropOwnedStmt", R_NONE, T_NONE, NULL },
	{ "DropRoleStmt", R_NONE, T_NONE, NULL },
	{ "DropStmt", R_DROP_INDEX, T_DROP, NULL },
	{ "DropSubscriptionStmt", R_ALWAYS, T_NONE, "DROP SUBSCRIPTION" },
	{ "DropTableSpaceStmt", R_ALWAYS, T_NONE, "DROP TABLESPACE" },
	{ "DropUserMappingStmt", R_NONE, T_NONE, NULL },
	{ "DropdbStmt", R_ALWAYS, T_NONE, "DROP DATABASE" },
	{ "ExecuteStmt", R_NONE, T_NONE, NULL },
	{ "ExplainStmt", R_NONE, T_NONE, NULL },
	{ "FetchStmt", R_NONE, T_NONE, NULL },
	{ "GrantRoleStmt", R_NONE, T_NONE, NULL },
	{ "GrantStmt", R_NONE, T_NONE, NULL },
	{ "ImportForeignSchemaStmt", R_NONE, T_NONE, NULL },
	{ "IndexStmt", R_INDEX, T_RELATION, NULL },
	{ "InsertStmt", R_NONE, T_RELATION, NULL },
	{ "ListenStmt", R_NONE, T_NONE, NULL },
	{ "LoadStmt", R_NONE, T_NONE, NULL },
	{ "LockStmt", R_NONE, T_RELATIONS, NULL },
	{ "MergeStmt", R_NONE, T_RELATION, NULL },
	{ "NotifyStmt", R_NONE, T_NONE, NULL },
	{ "PLAssignStmt", R_NONE, T_NONE, NULL },
	{ "PrepareStmt", R_NONE, T_NONE, NULL },
	{ "ReassignOwnedStmt", R_NONE, T_NONE, NULL },
	{ "RefreshMatViewStmt", R_NONE, T_RELATION, NULL },
	{ "ReindexStmt", R_REINDEX, T_REINDEX, NULL },
	{ "RenameStmt", R_NONE, T_RENAME, NULL },
	{ "ReplicaIdentityStmt", R_NONE, T_NONE, NULL },
	{ "ReturnStmt", R_NONE, T_NONE, NULL },
	{ "RuleStmt", R_NONE, T_RELATION, NULL },
	{ "SecLabelStmt", R_NONE, T_NONE, NULL },
	{ "SelectStmt", R_NONE, T_SELECT_INTO, NULL },
	{ "SetOperationStmt", R_NONE, T_NONE, NULL },
	{ "TransactionStmt", R_TX, T_NONE, NULL },
	{ "TruncateStmt", R_NONE, T_RELATIONS, NULL },
	{ "UnlistenStmt", R_NONE, T_NONE, NULL },
	{ "UpdateStmt", R_NONE, T_RELATION, NULL },
	{ "VacuumStmt", R_VACUUM, T_VACUUM, NULL },
	{ "VariableSetStmt", R_NONE, T_NONE, NULL },
	{ "VariableShowStmt", R_NONE, T_NONE, NULL },
	{ "ViewStmt", R_NONE, T_NONE, NULL },
};

/* A node this file does not know (a newer libpg_query): classified as nothing. */
static const node_info other_node = { "Other", R_NONE, T_NONE, NULL };

/* Nesting deeper than this is never read here (the deepest read is 13 levels). */
#define TREE_DEPTH_KEPT 16

typedef struct name_key {
	const char *s;
	size_t len;
} name_key;

static int compare_node(const void *key, const void *entry)
{
	const name_key *k = key;
	const node_info *n = entry;
	int c = strncmp(k->s, n->name, k->len);

	if (c != 0)
		return c;
	return n->name[k->len] == '\0' ? 0 : -1;
}

static const node_info *find_node(const char *name, size_t len)
{
	name_key key = { name, len };
	const node_info *n = bsearch(&key, nodes, ST_ARRAY_LEN(nodes), sizeof(nodes[0]), compare_node);

	return n != NULL ? n : &other_node;
}

/*
 * The node name of the only statement in libpg_query's JSON, read in place:
 * {"version":NNN,"stmts":[{"stmt":{"NodeName":...}. NULL when the text does
 * not start so (then the tree is decoded instead).
 */
static const char *peek_node_name(const char *json, size_t *len)
{
	static const char head[] = "{\"version\":", stmt[] = ",\"stmts\":[{\"stmt\":{\"";
	const char *p = json, *name;

	if (strncmp(p, head, sizeof(head) - 1) != 0)
		return NULL;
	p += sizeof(head) - 1;
	while (*p >= '0' && *p <= '9')
		p++;
	if (strncmp(p, stmt, sizeof(stmt) - 1) != 0)
		return NULL;
	name = p + sizeof(stmt) - 1;
	for (p = name; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		*p == '_'; p++)
		;
	if (*p != '"' || p == name)
		return NULL;
	*len = (size_t)(p - name);
	return name;
}

/* Nonzero when text holds word (lowercase ASCII) in any ASCII case, anywhere. */
static int has_word(const char *text, size_t len, const char *word)
{
	size_t wlen = strlen(word), i, j;

	for (i = 0; i + wlen <= len; i++) {
		if ((text[i] | 0x20) != word[0])
			continue;
		for (j = 1; j < wlen; j++)
			if ((text[i + j] | 0x20) != word[j])
				break;
		if (j == wlen)
			return 1;
	}
	return 0;
}

/* ---- the JSON tree ---- */

/*
 * Every key read from a tree, sorted by strcmp: the statement's frame, the
 * node wrappers and the fields the rules above and below look at. The
 * pruned JSON keeps only these (tests compare with unpruned decoding).
 */
static const char *const kept_keys[] = {
	"AlterTableCmd", "Boolean", "DefElem", "Integer", "List", "PartitionCmd", "RangeVar",
	"String", "TypeName", "VacuumRelation", "arg", "base", "boolval", "catalogname", "cmds",
	"concurrent", "def", "defname", "inhRelations", "into", "intoClause", "is_vacuumcmd",
	"items", "ival", "kind", "name", "names", "objectType", "objects", "objtype", "options",
	"params", "rel", "relation", "relationType", "relations", "relname", "rels", "removeType",
	"renameType", "schemaname", "stmt", "stmts", "subtype", "sval", "table", "target",
};

static int compare_key(const void *key, const void *entry)
{
	const name_key *k = key;
	const char *e = *(const char *const *)entry;
	int c = strncmp(k->s, e, k->len);

	if (c != 0)
		return c;
	return e[k->len] == '\0' ? 0 : -1;
}

int st_sql_lookup_tables_sorted(void)
{
	size_t i;

	for (i = 1; i < ST_ARRAY_LEN(nodes); i++)
		if (strcmp(nodes[i - 1].name, nodes[i].name) >= 0)
			return 0;
	for (i = 1; i < ST_ARRAY_LEN(kept_keys); i++)
		if (strcmp(kept_keys[i - 1], kept_keys[i]) >= 0)
			return 0;
	return 1;
}

static int key_kept(const char *key, size_t len)
{
	name_key k = { key, len };

	return bsearch(&k, kept_keys, ST_ARRAY_LEN(kept_keys), sizeof(kept_keys[0]), compare_key) != NULL;
}

/*
 * Rewrites libpg_query's JSON keeping only what the rules read: the keys in
 * kept_keys (any key in the {"NodeName": ...} wrapper of the statement), to
 * TREE_DEPTH_KEPT levels; deeper containers become empty. Decoding then
 * costs little whatever the statement, and stays within jansson's depth
 * limit. The output is never longer than the input. The input is
 * libpg_query's (valid JSON without blanks); anything else only makes the
 * output invalid, which decoding then reports.
 */
typedef struct pruner {
	const char *p;
	char *o;
} pruner;

/* Skips a string starting at its opening quote; copies it when out is set. */
static void prune_string(pruner *pr, int copy)
{
	const char *start = pr->p;

	pr->p++;
	while (*pr->p != '\0' && *pr->p != '"') {
		if (*pr->p == '\\' && pr->p[1] != '\0')
			pr->p++;
		pr->p++;
	}
	if (*pr->p == '"')
		pr->p++;
	if (copy) {
		memmove(pr->o, start, (size_t)(pr->p - start));
		pr->o += pr->p - start;
	}
}

/* Skips one value of any size, without recursion. */
static void skip_value(pruner *pr)
{
	int nest = 0;
	char c;

	while ((c = *pr->p) != '\0') {
		if (c == '"') {
			prune_string(pr, 0);
			if (nest == 0)
				return;
			continue;
		}
		if (c == '{' || c == '[') {
			nest++;
		} else if (c == '}' || c == ']') {
			if (nest == 0)
				return;
			if (--nest == 0) {
				pr->p++;
				return;
			}
		} else if (c == ',' && nest == 0) {
			return;
		}
		pr->p++;
	}
}

static void prune_value(pruner *pr, int depth, int any_key);

static void prune_object(pruner *pr, int depth, int any_key)
{
	int first = 1;

	*pr->o++ = *pr->p++;
	while (*pr->p == '"') {
		const char *key = pr->p + 1, *end;
		char *o = pr->o;

		if (!first)
			*pr->o++ = ',';
		prune_string(pr, 1);
		end = pr->p - 1;
		if (*pr->p != ':')
			return;
		*pr->o++ = *pr->p++;
		if (any_key || key_kept(key, (size_t)(end - key))) {
			/* The wrapper {"stmt": {"NodeName": ...}} is the one place any key counts. */
			prune_value(pr, depth + 1, end - key == 4 && memcmp(key, "stmt", 4) == 0);
			first = 0;
		} else {
			skip_value(pr);
			pr->o = o;
		}
		if (*pr->p != ',')
			break;
		pr->p++;
	}
	if (*pr->p == '}')
		*pr->o++ = *pr->p++;
}

static void prune_array(pruner *pr, int depth)
{
	*pr->o++ = *pr->p++;
	while (*pr->p != '\0' && *pr->p != ']') {
		prune_value(pr, depth + 1, 0);
		if (*pr->p != ',')
			break;
		*pr->o++ = *pr->p++;
	}
	if (*pr->p == ']')
		*pr->o++ = *pr->p++;
}

static void prune_value(pruner *pr, int depth, int any_key)
{
	char c = *pr->p;

	if ((c == '{' || c == '[') && depth >= TREE_DEPTH_KEPT) {
		skip_value(pr);
		*pr->o++ = c;
		*pr->o++ = c == '{' ? '}' : ']';
	} else if (c == '{') {
		prune_object(pr, depth, any_key);
	} else if (c == '[') {
		prune_array(pr, depth);
	} else if (c == '"') {
		prune_string(pr, 1);
	} else {
		while (*pr->p != '\0' && *pr->p != ',' && *pr->p != '}' && *pr->p != ']')
			*pr->o++ = *pr->p++;
	}
}

static void prune_json(char *out, const char *json)
{
	pruner pr = { json, out };

	prune_value(&pr, 0, 0);
	*pr.o = '\0';
}

/* Replaces every byte of s that is not part of valid UTF-8 with '?', in place. */
static void scrub_utf8(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p != '\0') {
		size_t n = 0, i;
		unsigned int cp;

		if (p[0] < 0x80) {
			p++;
			continue;
		}
		if (p[0] >= 0xc2 && p[0] <= 0xdf)
			n = 2;
		else if (p[0] >= 0xe0 && p[0] <= 0xef)
			n = 3;
		else if (p[0] >= 0xf0 && p[0] <= 0xf4)
			n = 4;
		for (i = 1; i < n; i++)
			if ((p[i] & 0xc0) != 0x80)
				break;
		if (n > 0 && i == n) {
			cp = n == 2 ? (p[0] & 0x1fu) : n == 3 ? (p[0] & 0x0fu) : (p[0] & 0x07u);
			for (i = 1; i < n; i++)
				cp = (cp << 6) | (p[i] & 0x3fu);
			if ((n == 3 && cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff)) ||
				(n == 4 && cp >= 0x10000 && cp <= 0x10ffff) || n == 2) {
				p += n;
				continue;
			}
		}
		*p++ = '?';
	}
}

/*
 * Decodes libpg_query's JSON into *out_root. prune: drop deep nesting first.
 * Identifiers may hold bytes that are not UTF-8 (PostgreSQL's scanner takes
 * any high byte), which jansson refuses: those become '?'.
 */
static int decode_json(json_t **out_root, const char *json, int prune, strata_error *err)
{
	json_error_t je;
	char *copy = NULL;
	json_t *root = NULL;
	int rc = 0;

	*out_root = NULL;
	if (prune) {
		copy = st_malloc(strlen(json) + 1);
		if (copy == NULL)
			return strata_error_set(err, STRATA_ENOMEM, "out of memory reading a parse tree");
		prune_json(copy, json);
		json = copy;
	}
	root = json_loads(json, 0, &je);
	if (root == NULL && json_error_code(&je) == json_error_invalid_utf8) {
		if (copy == NULL) {
			copy = st_strdup(json);
			if (copy == NULL) {
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory reading a parse tree");
				goto done;
			}
		}
		scrub_utf8(copy);
		root = json_loads(copy, 0, &je);
	}
	if (root == NULL) {
		if (json_error_code(&je) == json_error_out_of_memory)
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory reading a parse tree");
		else
			rc = strata_error_set(err, STRATA_EINTERNAL, "cannot read libpg_query's parse tree: %s",
				je.text);
		goto done;
	}
	*out_root = root;
done:
	st_free(copy);
	return rc;
}

static json_t *get(const json_t *o, const char *key)
{
	return json_is_object(o) ? json_object_get(o, key) : NULL;
}

static const char *get_str(const json_t *o, const char *key)
{
	return json_string_value(get(o, key));
}

/* Nonzero when o's key is JSON true (json_is_true would evaluate its argument twice). */
static int get_true(const json_t *o, const char *key)
{
	json_t *v = get(o, key);

	return v != NULL && json_typeof(v) == JSON_TRUE;
}

static int str_is(const json_t *o, const char *key, const char *value)
{
	const char *s = get_str(o, key);

	return s != NULL && strcmp(s, value) == 0;
}

/* A node wrapped as {"Type":{...}} unwrapped; the value itself when not so wrapped. */
static json_t *unwrap(json_t *n, const char *type)
{
	json_t *inner = get(n, type);

	return inner != NULL ? inner : n;
}

/* ASCII case-insensitive equality, as PostgreSQL's pg_strcasecmp. */
static int ascii_eq_nocase(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

/*
 * A Boolean option (DefElem) as PostgreSQL's defGetBoolean reads it: no
 * value is true; 1 and 0; true, false, on, off in any case. Anything else
 * makes the server reject the statement anyway; it counts as true here, the
 * cautious side for every option read.
 */
static int defelem_bool(const json_t *defelem)
{
	json_t *arg = get(defelem, "arg"), *v;
	const char *s = NULL;

	if (arg == NULL)
		return 1;
	if ((v = get(arg, "Integer")) != NULL)
		return json_integer_value(get(v, "ival")) != 0;   /* 0 is left out of the JSON */
	if ((v = get(arg, "String")) != NULL) {
		s = get_str(v, "sval");
	} else if ((v = get(arg, "TypeName")) != NULL) {
		json_t *names = get(v, "names");   /* refresh = off parses as a type name */

		if (json_array_size(names) == 1)
			s = get_str(get(json_array_get(names, 0), "String"), "sval");
	} else if ((v = get(arg, "Boolean")) != NULL) {
		return get_true(v, "boolval");
	}
	if (s != NULL && (ascii_eq_nocase(s, "false") || ascii_eq_nocase(s, "off")))
		return 0;
	return 1;
}

/*
 * The value of the Boolean option name in the DefElem list options (the last
 * one wins), or dflt when absent.
 */
static int option_bool(const json_t *options, const char *name, int dflt)
{
	size_t i;
	int v = dflt;

	for (i = 0; i < json_array_size(options); i++) {
		json_t *de = get(json_array_get(options, i), "DefElem");

		if (str_is(de, "defname", name))
			v = defelem_bool(de);
	}
	return v;
}

static int has_option(const json_t *options, const char *name)
{
	size_t i;

	for (i = 0; i < json_array_size(options); i++)
		if (str_is(get(json_array_get(options, i), "DefElem"), "defname", name))
			return 1;
	return 0;
}

/* ---- transaction rules ---- */

static void set_no_tx(strata_sql_stmt *st, const char *reason)
{
	st->flags |= STRATA_SQL_NO_TX;
	st->no_tx_reason = reason;
}

static void classify_transaction(strata_sql_stmt *st, const json_t *body)
{
	static const struct {
		const char *name;
		strata_sql_kind kind;
		const char *no_tx;
	} kinds[] = {
		{ "TRANS_STMT_BEGIN", STRATA_SQL_BEGIN, NULL },
		{ "TRANS_STMT_START", STRATA_SQL_BEGIN, NULL },
		{ "TRANS_STMT_COMMIT", STRATA_SQL_COMMIT, NULL },
		{ "TRANS_STMT_ROLLBACK", STRATA_SQL_ROLLBACK, NULL },
		{ "TRANS_STMT_SAVEPOINT", STRATA_SQL_SAVEPOINT, NULL },
		{ "TRANS_STMT_RELEASE", STRATA_SQL_SAVEPOINT, NULL },
		{ "TRANS_STMT_ROLLBACK_TO", STRATA_SQL_SAVEPOINT, NULL },
		{ "TRANS_STMT_PREPARE", STRATA_SQL_PREPARED_XACT, NULL },
		{ "TRANS_STMT_COMMIT_PREPARED", STRATA_SQL_PREPARED_XACT, "COMMIT PREPARED" },
		{ "TRANS_STMT_ROLLBACK_PREPARED", STRATA_SQL_PREPARED_XACT, "ROLLBACK PREPARED" },
	};
	const char *kind = get_str(body, "kind");
	size_t i;

	if (kind == NULL)
		kind = "TRANS_STMT_BEGIN";   /* the enum's zero, should the output ever leave it out */
	for (i = 0; i < ST_ARRAY_LEN(kinds); i++) {
		if (strcmp(kind, kinds[i].name) == 0) {
			st->kind = kinds[i].kind;
			st->flags |= STRATA_SQL_TX_CONTROL;
			if (kinds[i].no_tx != NULL)
				set_no_tx(st, kinds[i].no_tx);
			return;
		}
	}
}

static void classify_reindex(strata_sql_stmt *st, const json_t *body)
{
	const char *kind = get_str(body, "kind");

	/* The server checks CONCURRENTLY first and names it so even for SCHEMA. */
	if (option_bool(get(body, "params"), "concurrently", 0))
		set_no_tx(st, "REINDEX CONCURRENTLY");
	else if (kind != NULL && strcmp(kind, "REINDEX_OBJECT_SCHEMA") == 0)
		set_no_tx(st, "REINDEX SCHEMA");
	else if (kind != NULL && strcmp(kind, "REINDEX_OBJECT_SYSTEM") == 0)
		set_no_tx(st, "REINDEX SYSTEM");
	else if (kind != NULL && strcmp(kind, "REINDEX_OBJECT_DATABASE") == 0)
		set_no_tx(st, "REINDEX DATABASE");
}

static void classify_create_subscription(strata_sql_stmt *st, const json_t *body)
{
	const json_t *options = get(body, "options");
	int create_slot = option_bool(options, "create_slot", 1);

	/* connect = false turns the slot off unless create_slot is given (then it is an error). */
	if (!option_bool(options, "connect", 1) && !has_option(options, "create_slot"))
		create_slot = 0;
	if (create_slot)
		set_no_tx(st, "CREATE SUBSCRIPTION ... WITH (create_slot = true)");
}

static void classify_alter_subscription(strata_sql_stmt *st, const json_t *body)
{
	const char *kind = get_str(body, "kind");

	if (kind == NULL)
		return;
	if (strcmp(kind, "ALTER_SUBSCRIPTION_REFRESH") == 0)
		set_no_tx(st, "ALTER SUBSCRIPTION ... REFRESH");
	else if ((strcmp(kind, "ALTER_SUBSCRIPTION_SET_PUBLICATION") == 0 ||
			strcmp(kind, "ALTER_SUBSCRIPTION_ADD_PUBLICATION") == 0 ||
			strcmp(kind, "ALTER_SUBSCRIPTION_DROP_PUBLICATION") == 0) &&
		option_bool(get(body, "options"), "refresh", 1))
		set_no_tx(st, "ALTER SUBSCRIPTION with refresh");
}

static void classify_alter_table(strata_sql_stmt *st, const json_t *body)
{
	const json_t *cmds = get(body, "cmds");
	size_t i;

	for (i = 0; i < json_array_size(cmds); i++) {
		json_t *cmd = get(json_array_get(cmds, i), "AlterTableCmd");

		if (str_is(cmd, "subtype", "AT_DetachPartition") &&
			get_true(get(get(cmd, "def"), "PartitionCmd"), "concurrent")) {
			set_no_tx(st, "ALTER TABLE ... DETACH CONCURRENTLY");
			return;
		}
	}
}

/* Sets kind, flags and no_tx_reason; body is NULL when the pre-filter found no need for it. */
static void classify_tx(strata_sql_stmt *st, const node_info *ni, const json_t *body)
{
	if (ni->tx == R_ALWAYS) {
		set_no_tx(st, ni->reason);
		return;
	}
	if (body == NULL)
		return;
	switch ((enum tx_rule)ni->tx) {
	case R_TX:
		classify_transaction(st, body);
		break;
	case R_INDEX:
		if (get_true(body, "concurrent"))
			set_no_tx(st, "CREATE INDEX CONCURRENTLY");
		break;
	case R_DROP_INDEX:
		if (str_is(body, "removeType", "OBJECT_INDEX") && get_true(body, "concurrent"))
			set_no_tx(st, "DROP INDEX CONCURRENTLY");
		break;
	case R_REINDEX:
		classify_reindex(st, body);
		break;
	case R_VACUUM:
		if (get_true(body, "is_vacuumcmd"))
			set_no_tx(st, "VACUUM");
		break;
	case R_ALTER_DATABASE:
		if (has_option(get(body, "options"), "tablespace"))
			set_no_tx(st, "ALTER DATABASE SET TABLESPACE");
		break;
	case R_CREATE_SUBSCRIPTION:
		classify_create_subscription(st, body);
		break;
	case R_ALTER_SUBSCRIPTION:
		classify_alter_subscription(st, body);
		break;
	case R_CLUSTER:
		if (get(body, "relation") == NULL)
			set_no_tx(st, "CLUSTER without a table");
		break;
	case R_DISCARD:
		if (str_is(body, "target", "DISCARD_ALL"))
			set_no_tx(st, "DISCARD ALL");
		break;
	case R_ALTER_TABLE:
		classify_alter_table(st, body);
		break;
	case R_NONE:
	case R_ALWAYS:
		break;
	}
}

/* Whether classify_tx needs the tree for this statement (text: its SQL). */
static int tx_needs_tree(const node_info *ni, const char *text, size_t len)
{
	switch ((enum tx_rule)ni->tx) {
	case R_NONE:
	case R_ALWAYS:
		return 0;
	case R_INDEX:
	case R_DROP_INDEX:
	case R_ALTER_TABLE:
		return has_word(text, len, "concurrently");
	default:
		return 1;
	}
}

/* ---- tables ---- */

typedef struct table_list {
	char **names;
	size_t n, cap;
} table_list;

static void table_list_release(table_list *tl)
{
	size_t i;

	for (i = 0; i < tl->n; i++)
		st_free(tl->names[i]);
	st_free(tl->names);
	tl->names = NULL;
	tl->n = tl->cap = 0;
}

/* Adds parts[0].parts[1]... (NULL parts skipped) unless already there. */
static int add_name(table_list *tl, const char *const *parts, size_t nparts)
{
	size_t i, len = 0, at = 0;
	char *name;

	for (i = 0; i < nparts; i++)
		if (parts[i] != NULL)
			len += strlen(parts[i]) + 1;
	if (len == 0)
		return 0;
	name = st_malloc(len);
	if (name == NULL)
		return STRATA_ENOMEM;
	for (i = 0; i < nparts; i++) {
		size_t n;

		if (parts[i] == NULL)
			continue;
		if (at > 0)
			name[at++] = '.';
		n = strlen(parts[i]);
		memcpy(name + at, parts[i], n);
		at += n;
	}
	name[at] = '\0';
	for (i = 0; i < tl->n; i++) {
		if (strcmp(tl->names[i], name) == 0) {
			st_free(name);
			return 0;
		}
	}
	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 4;
		char **grown = st_realloc(tl->names, cap * sizeof(*grown));

		if (grown == NULL) {
			st_free(name);
			return STRATA_ENOMEM;
		}
		tl->names = grown;
		tl->cap = cap;
	}
	tl->names[tl->n++] = name;
	return 0;
}

/* A RangeVar, bare or wrapped: [catalog.][schema.]relname. */
static int add_rangevar(table_list *tl, json_t *rv)
{
	const char *parts[3];

	rv = unwrap(rv, "RangeVar");
	parts[2] = get_str(rv, "relname");
	if (parts[2] == NULL)
		return 0;
	parts[0] = get_str(rv, "catalogname");
	parts[1] = get_str(rv, "schemaname");
	return add_name(tl, parts, 3);
}

static int add_rangevars(table_list *tl, const json_t *list)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < json_array_size(list); i++)
		rc = add_rangevar(tl, json_array_get(list, i));
	return rc;
}

/* Nonzero for the object types that are tables here. */
static int table_like(const char *objtype)
{
	return objtype != NULL && (strcmp(objtype, "OBJECT_TABLE") == 0 ||
		strcmp(objtype, "OBJECT_FOREIGN_TABLE") == 0 || strcmp(objtype, "OBJECT_MATVIEW") == 0);
}

/* DROP's objects: lists of String names. */
static int add_drop_objects(table_list *tl, const json_t *objects)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; rc == 0 && i < json_array_size(objects); i++) {
		json_t *items = get(get(json_array_get(objects, i), "List"), "items");
		const char *parts[3] = { NULL, NULL, NULL };
		size_t n = json_array_size(items);

		if (n == 0 || n > 3)
			continue;
		for (j = 0; j < n; j++)
			parts[3 - n + j] = get_str(get(json_array_get(items, j), "String"), "sval");
		if (parts[2] != NULL)
			rc = add_name(tl, parts, 3);
	}
	return rc;
}

static int tables_alter_table(table_list *tl, const json_t *body)
{
	const json_t *cmds = get(body, "cmds");
	size_t i;
	int rc;

	if (!table_like(get_str(body, "objtype")))
		return 0;
	rc = add_rangevar(tl, get(body, "relation"));
	for (i = 0; rc == 0 && i < json_array_size(cmds); i++) {
		json_t *cmd = get(json_array_get(cmds, i), "AlterTableCmd");
		const char *sub = get_str(cmd, "subtype");

		if (sub != NULL && (strcmp(sub, "AT_AttachPartition") == 0 ||
			strcmp(sub, "AT_DetachPartition") == 0 || strcmp(sub, "AT_DetachPartitionFinalize") == 0))
			rc = add_rangevar(tl, get(get(get(cmd, "def"), "PartitionCmd"), "name"));
	}
	return rc;
}

static int tables_rename(table_list *tl, const json_t *body)
{
	const char *type = get_str(body, "renameType");

	if (type == NULL)
		return 0;
	if (table_like(type) || strcmp(type, "OBJECT_TABCONSTRAINT") == 0 ||
		strcmp(type, "OBJECT_TRIGGER") == 0 || strcmp(type, "OBJECT_POLICY") == 0 ||
		strcmp(type, "OBJECT_RULE") == 0 ||
		(strcmp(type, "OBJECT_COLUMN") == 0 && table_like(get_str(body, "relationType"))))
		return add_rangevar(tl, get(body, "relation"));
	return 0;
}

static int tables_vacuum(table_list *tl, const json_t *body)
{
	const json_t *rels = get(body, "rels");
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < json_array_size(rels); i++)
		rc = add_rangevar(tl, get(get(json_array_get(rels, i), "VacuumRelation"), "relation"));
	return rc;
}

static int collect_tables(table_list *tl, const node_info *ni, const json_t *body)
{
	int rc;

	switch ((enum table_rule)ni->tables) {
	case T_RELATION:
		return add_rangevar(tl, get(body, "relation"));
	case T_RELATIONS:
		return add_rangevars(tl, get(body, "relations"));
	case T_CREATE:
		rc = add_rangevar(tl, get(body, "relation"));
		return rc != 0 ? rc : add_rangevars(tl, get(body, "inhRelations"));
	case T_CREATE_FOREIGN:
		rc = add_rangevar(tl, get(get(body, "base"), "relation"));
		return rc != 0 ? rc : add_rangevars(tl, get(get(body, "base"), "inhRelations"));
	case T_CREATE_AS:
		return add_rangevar(tl, get(get(body, "into"), "rel"));
	case T_SELECT_INTO:
		return add_rangevar(tl, get(get(body, "intoClause"), "rel"));
	case T_ALTER_TABLE:
		return tables_alter_table(tl, body);
	case T_RENAME:
		return tables_rename(tl, body);
	case T_SET_SCHEMA:
		return table_like(get_str(body, "objectType")) ? add_rangevar(tl, get(body, "relation")) : 0;
	case T_DROP:
		return table_like(get_str(body, "removeType")) ? add_drop_objects(tl, get(body, "objects")) : 0;
	case T_VACUUM:
		return tables_vacuum(tl, body);
	case T_REINDEX:
		return str_is(body, "kind", "REINDEX_OBJECT_TABLE") ? add_rangevar(tl, get(body, "relation")) : 0;
	case T_POLICY:
		return add_rangevar(tl, get(body, "table"));
	case T_NONE:
		break;
	}
	return 0;
}

static int tables_need_tree(const node_info *ni, const char *text, size_t len)
{
	if (ni->tables == T_NONE)
		return 0;
	if (ni->tables == T_SELECT_INTO)
		return has_word(text, len, "into");
	return 1;
}

/* ---- one statement ---- */

/* The statement node of a decoded tree: *out_name and its body. */
static json_t *tree_statement(json_t *root, const char **out_name)
{
	json_t *stmt = get(json_array_get(get(root, "stmts"), 0), "stmt");
	void *it = json_is_object(stmt) ? json_object_iter(stmt) : NULL;

	if (it == NULL) {
		*out_name = NULL;
		return NULL;
	}
	*out_name = json_object_iter_key(it);
	return json_object_iter_value(it);
}

int st_sql_classify(strata_sql_stmt *st, const char *text, size_t len, unsigned options,
	st_sql_stmt_error *perr, strata_error *err)
{
	PgQueryParseResult pr;
	const node_info *ni = &other_node;
	table_list tl = { NULL, 0, 0 };
	json_t *root = NULL, *body = NULL;
	const char *name;
	size_t name_len = 0;
	int decode_all = (options & ST_SQL_DECODE_ALL) != 0, need_tree = decode_all, rc = 0;

	pr = pg_query_parse(text);
	if (pr.error != NULL) {
		perr->failed = 1;
		st_strlcpy(perr->message, pr.error->message != NULL ? pr.error->message : "syntax error",
			sizeof(perr->message));
		perr->cursorpos = pr.error->cursorpos;
		goto done;
	}
	name = decode_all ? NULL : peek_node_name(pr.parse_tree, &name_len);
	if (name != NULL)
		ni = find_node(name, name_len);
	else
		need_tree = 1;
	if (!need_tree && (options & STRATA_SQL_CLASSIFY) && tx_needs_tree(ni, text, len))
		need_tree = 1;
	if (!need_tree && (options & STRATA_SQL_TABLES) && tables_need_tree(ni, text, len))
		need_tree = 1;
	if (need_tree) {
		rc = decode_json(&root, pr.parse_tree, !decode_all, err);
		if (rc != 0)
			goto done;
		body = tree_statement(root, &name);
		ni = name != NULL ? find_node(name, strlen(name)) : &other_node;
	}
	if (options & STRATA_SQL_CLASSIFY) {
		st->node = ni->name;
		classify_tx(st, ni, body);
	}
	if ((options & STRATA_SQL_TABLES) && body != NULL) {
		rc = collect_tables(&tl, ni, body);
		if (rc != 0) {
			rc = strata_error_set(err, rc, "out of memory listing tables");
			goto done;
		}
		st->tables = tl.names;
		st->ntables = tl.n;
		tl.names = NULL;
		tl.n = tl.cap = 0;
	}
done:
	table_list_release(&tl);
	json_decref(root);
	pg_query_free_parse_result(pr);
	return rc;
}

void st_sql_stmt_release(strata_sql_stmt *st)
{
	size_t i;

	for (i = 0; i < st->ntables; i++)
		st_free(st->tables[i]);
	st_free(st->tables);
	st->tables = NULL;
	st->ntables = 0;
}
