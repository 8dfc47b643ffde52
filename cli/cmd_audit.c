/*
 * cmd_audit.c: `strata audit`, the tamper-evident audit ledger (strata/audit.h).
 *
 *   append       appends one entry (as applications do through SQL)
 *   verify       streams a chain, recomputes every hash and link: exit 0
 *                intact, 1 broken (the first affected entry and the kind
 *                of break); --checkpoint proves it still extends a signed
 *                checkpoint
 *   checkpoint   verifies the chain, then signs its size and head (Ed25519)
 *   keygen       writes a new signing key pair
 *   log          the latest entries of a chain
 *
 * Keys come from the options, else STRATA_AUDIT_SIGNING_KEY /
 * STRATA_AUDIT_PUBLIC_KEY, else strata.yaml (audit: signing_key,
 * public_key). Only paths are ever printed, never key material.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct audit_opts {
	const char *chain;
	const char *actor;
	const char *action;
	const char *target;
	const char *payload;
	const char *payload_file;
	int from;
	const char *checkpoint;
	const char *key;
	const char *public_key;
	const char *output;
	const char *private_out;
	const char *public_out;
	int limit;
	int no_progress;
	int all;
	const char *table;
	const char *chain_column;
	const char *time_column;
} audit_opts;

typedef struct audit_sub {
	const char *name;
	const char *usage;
	const char *summary;
} audit_sub;

static const audit_sub subs[] = {
	{ "verify", "strata audit verify [--chain C | --all] [--from N] [--checkpoint FILE [--public-key FILE]]\n"
	  "       strata audit verify --table SCHEMA.TABLE [--chain-column NAME] [--time-column NAME] (--chain C | --all)",
	  "Recomputes every hash and link of a chain; exit 1 at the first break, with its kind and entry" },
	{ "append", "strata audit append --chain C --actor WHO --action WHAT [--target T] [--payload JSON | --payload-file F]",
	  "Appends one entry to a chain (created on first use) and prints its seq and hash" },
	{ "checkpoint", "strata audit checkpoint [--chain C] [--key FILE] [--output FILE]",
	  "Verifies a chain, then signs its size and head hash with an Ed25519 key and records the checkpoint" },
	{ "keygen", "strata audit keygen --private-out FILE --public-out FILE",
	  "Writes a new Ed25519 key pair for signing checkpoints (the private key with mode 0600)" },
	{ "log", "strata audit log [--chain C] [--limit N]",
	  "Prints the latest entries of a chain, newest first" },
	{ NULL, NULL, NULL }
};

static void print_help(cli_ctx *ctx, const cli_option *opts)
{
	const audit_sub *s;

	printf("Usage: strata audit <command> [options]\n\n"
		"The audit ledger: append-only SHA-256 hash chains in the database (docs/ledger.md).\n"
		"Migrations record every apply, revert, failure, baseline, repair and accepted risk\n"
		"in the chain 'strata'; applications append with SELECT strata.audit_append(...).\n\n"
		"Commands:\n");
	for (s = subs; s->name != NULL; s++)
		printf("  %-11s %s\n", s->name, s->summary);
	printf("\n");
	cli_print_options(stdout, "Options", opts);
	printf("\n");
	cli_print_options(stdout, "Global options", cli_global_options(ctx));
}

static const char *pick(const char *option, const char *env, const char *config)
{
	const char *e = getenv(env);

	if (option != NULL)
		return option;
	if (e != NULL && e[0] != '\0')
		return e;
	return config;
}

static void hex(char out[65], const unsigned char *h)
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < 32; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[64] = '\0';
}

/* ---- verify ---- */

typedef struct bar {
	int on;
	int drawn;
} bar;

static void draw(int64_t done, int64_t total, void *ud)
{
	bar *b = ud;
	int width = 30, filled, i;
	char line[128];
	size_t at = 0;

	if (!b->on || total <= 0)
		return;
	filled = done >= total ? width : (int)(done * width / total);
	line[at++] = '\r';
	line[at++] = '[';
	for (i = 0; i < width; i++)
		line[at++] = i < filled ? '#' : '.';
	at += (size_t)snprintf(line + at, sizeof(line) - at, "] %3d%% %lld/%lld entries",
		(int)(done >= total ? 100 : done * 100 / total), (long long)done, (long long)total);
	fwrite(line, 1, at, stderr);
	fflush(stderr);
	b->drawn = 1;
}

static int read_checkpoint(strata_audit_checkpoint *cp, cli_ctx *ctx, const char *path, const char *public_key)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf text = STRATA_BUF_INIT;
	int rc = cli_read_file(path, &text, &err);

	if (rc == 0) {
		rc = strata_audit_checkpoint_parse(cp, text.ptr != NULL ? text.ptr : "", text.len, &err);
		if (rc != 0)
			strata_error_prefix(&err, "%s", path);
	}
	if (rc == 0)
		rc = strata_audit_checkpoint_check(cp, public_key, &err);
	strata_buf_release(&text);
	return rc != 0 ? cli_report(ctx, &err) : 0;
}

static void verify_json(const strata_audit_verify_result *r, const char *chain, int64_t from,
	const strata_audit_checkpoint *cp)
{
	strata_buf b = STRATA_BUF_INIT;
	strata_json w;
	char head[65];

	hex(head, r->head);
	strata_json_init(&w, &b, 0);
	strata_json_object_begin(&w);
	strata_json_key(&w, "chain");
	strata_json_string(&w, chain);
	strata_json_key(&w, "intact");
	strata_json_bool(&w, r->kind == STRATA_AUDIT_INTACT);
	strata_json_key(&w, "from");
	strata_json_int(&w, from);
	strata_json_key(&w, "entries");
	strata_json_int(&w, r->entries);
	strata_json_key(&w, "last_seq");
	strata_json_int(&w, r->last_seq);
	strata_json_key(&w, "head");
	strata_json_string(&w, r->last_seq > 0 ? head : NULL);
	strata_json_key(&w, "seconds");
	strata_json_double(&w, r->seconds);
	strata_json_key(&w, "entries_per_second");
	strata_json_double(&w, r->seconds > 0 ? (double)r->entries / r->seconds : 0);
	strata_json_key(&w, "megabytes_per_second");
	strata_json_double(&w, r->seconds > 0 ? (double)r->bytes / 1e6 / r->seconds : 0);
	if (cp != NULL) {
		strata_json_key(&w, "checkpoint_size");
		strata_json_int(&w, cp->size);
	}
	strata_json_key(&w, "break");
	if (r->kind == STRATA_AUDIT_INTACT) {
		strata_json_null(&w);
	} else {
		strata_json_object_begin(&w);
		strata_json_key(&w, "kind");
		strata_json_string(&w, strata_audit_break_name(r->kind));
		strata_json_key(&w, "seq");
		strata_json_int(&w, r->seq);
		strata_json_key(&w, "detail");
		strata_json_string(&w, r->detail);
		strata_json_object_end(&w);
	}
	strata_json_object_end(&w);
	strata_buf_putc(&b, '\n');
	cli_write_stdout(&b);
	strata_buf_release(&b);
}

static int run_verify(cli_ctx *ctx, strata_conn *c, const char *schema, const audit_opts *o,
	const strata_project_config *config)
{
	strata_audit_verify_options vo;
	strata_audit_verify_result r;
	strata_audit_checkpoint cp;
	strata_error err = STRATA_ERROR_INIT;
	bar b = { 0, 0 };
	int rc;

	memset(&vo, 0, sizeof(vo));
	vo.schema = schema;
	vo.chain = o->chain;
	vo.from = o->from;
	vo.table = o->table;
	vo.chain_column = o->chain_column;
	vo.time_column = o->time_column;
	if (o->checkpoint != NULL) {
		const char *pub = pick(o->public_key, "STRATA_AUDIT_PUBLIC_KEY", config->audit_public_key);

		if (pub == NULL)
			return cli_usage_error(ctx, "--checkpoint needs the signer's public key: --public-key FILE, "
				"STRATA_AUDIT_PUBLIC_KEY or 'audit: {public_key: FILE}' in strata.yaml");
		rc = read_checkpoint(&cp, ctx, o->checkpoint, pub);
		if (rc != 0)
			return rc;
		vo.checkpoint = &cp;
	}
	b.on = ctx->format == CLI_FORMAT_TEXT && !ctx->quiet && !o->no_progress && isatty(STDERR_FILENO);
	vo.progress = draw;
	vo.ud = &b;
	rc = strata_audit_verify(c, &vo, &r, &err);
	if (b.drawn)
		fputs("\r\033[K", stderr);
	if (rc != 0)
		return cli_report(ctx, &err);
	if (ctx->format == CLI_FORMAT_JSON) {
		verify_json(&r, vo.chain, o->from > 1 ? o->from : 1, vo.checkpoint);
	} else {
		strata_buf out = STRATA_BUF_INIT;
		char head[65];

		hex(head, r.head);
		if (r.kind == STRATA_AUDIT_INTACT) {
			strata_buf_printf(&out, "chain '%s': %lld entr%s intact", vo.chain, (long long)r.entries,
				r.entries == 1 ? "y" : "ies");
			if (r.entries > 0)
				strata_buf_printf(&out, " (%lld to %lld), head %.16s", (long long)(r.last_seq - r.entries + 1),
					(long long)r.last_seq, head);
			if (vo.checkpoint != NULL)
				strata_buf_printf(&out, "; extends the checkpoint of %lld entr%s signed by key %s",
					(long long)cp.size, cp.size == 1 ? "y" : "ies", cp.key_id);
			strata_buf_printf(&out, "\n%.3f s, %.0f entries/s, %.1f MB/s\n", r.seconds,
				r.seconds > 0 ? (double)r.entries / r.seconds : 0.0,
				r.seconds > 0 ? (double)r.bytes / 1e6 / r.seconds : 0.0);
		} else {
			strata_buf_printf(&out, "chain '%s' is broken at entry %lld: %s\n  %s\n", vo.chain, (long long)r.seq,
				strata_audit_break_name(r.kind), r.detail);
			strata_buf_printf(&out, "  %lld entr%s before it verified", (long long)r.entries,
				r.entries == 1 ? "y" : "ies");
			if (r.last_seq > 0)
				strata_buf_printf(&out, " (the last intact is %lld, hash %.16s)", (long long)r.last_seq, head);
			strata_buf_puts(&out, "; see docs/ledger.md, 'When verify fails'\n");
		}
		cli_write_stdout(&out);
		strata_buf_release(&out);
	}
	return r.kind == STRATA_AUDIT_INTACT ? CLI_EXIT_OK : CLI_EXIT_FINDINGS;
}

/* Runs sql on the ledger's tables; a database without them is reported as such. Returns the exit code. */
static int query_ledger(strata_result **out, cli_ctx *ctx, strata_conn *c, const char *schema, const char *sql,
	int nparams, const char *const *params)
{
	strata_error err = STRATA_ERROR_INIT;
	int rc = strata_conn_query(out, c, sql, nparams, params, &err);

	if (rc != 0 && (strcmp(err.sqlstate, "42P01") == 0 || strcmp(err.sqlstate, "3F000") == 0))
		strata_error_set(&err, STRATA_ENOTFOUND, "this database has no audit ledger in schema '%s'", schema);
	return rc != 0 ? cli_report(ctx, &err) : 0;
}

/* Every chain, one line each (one JSON object each), then a total; exit 1 when any is broken. */
static int run_verify_all(cli_ctx *ctx, strata_conn *c, const char *schema, const audit_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf sql = STRATA_BUF_INIT, out = STRATA_BUF_INIT;
	strata_result *chains = NULL;
	int64_t entries = 0;
	double seconds = 0;
	int i, broken = 0, rc;

	if (o->table != NULL) {
		/* The chains of another table: the distinct values of its chain column. */
		strata_buf_puts(&sql, "SELECT DISTINCT ");
		rc = strata_conn_quote_ident(&sql, c, o->chain_column != NULL ? o->chain_column : "chain", &err);
		strata_buf_puts(&sql, "::text FROM ");
		if (rc == 0)
			rc = strata_conn_quote_qualified(&sql, c, o->table, &err);
		strata_buf_puts(&sql, " ORDER BY 1");
	} else {
		strata_buf_puts(&sql, "SELECT chain FROM ");
		rc = strata_conn_quote_ident(&sql, c, schema, &err);
		strata_buf_puts(&sql, ".audit_chains ORDER BY chain");
	}
	if (rc != 0) {
		strata_buf_release(&sql);
		return cli_report(ctx, &err);
	}
	rc = query_ledger(&chains, ctx, c, schema, strata_buf_cstr(&sql), 0, NULL);
	strata_buf_release(&sql);
	if (rc != 0)
		return rc;
	for (i = 0; i < strata_result_nrows(chains); i++) {
		strata_audit_verify_options vo;
		strata_audit_verify_result r;

		memset(&vo, 0, sizeof(vo));
		vo.schema = schema;
		vo.chain = strata_result_value(chains, i, 0);
		vo.table = o->table;
		vo.chain_column = o->chain_column;
		vo.time_column = o->time_column;
		rc = strata_audit_verify(c, &vo, &r, &err);
		if (rc != 0) {
			strata_result_free(chains);
			return cli_report(ctx, &err);
		}
		entries += r.entries;
		seconds += r.seconds;
		if (r.kind != STRATA_AUDIT_INTACT)
			broken++;
		if (ctx->format == CLI_FORMAT_JSON) {
			verify_json(&r, vo.chain, 1, NULL);
		} else {
			if (r.kind == STRATA_AUDIT_INTACT)
				strata_buf_printf(&out, "%s: %lld entr%s intact\n", vo.chain, (long long)r.entries,
					r.entries == 1 ? "y" : "ies");
			else
				strata_buf_printf(&out, "%s: broken at entry %lld: %s: %s\n", vo.chain, (long long)r.seq,
					strata_audit_break_name(r.kind), r.detail);
			cli_write_stdout(&out);
			strata_buf_clear(&out);
		}
	}
	if (ctx->format != CLI_FORMAT_JSON) {
		strata_buf_printf(&out, "%d chain%s, %d broken, %lld entries verified (%.3f s)\n",
			strata_result_nrows(chains), strata_result_nrows(chains) == 1 ? "" : "s", broken,
			(long long)entries, seconds);
		cli_write_stdout(&out);
	}
	strata_result_free(chains);
	strata_buf_release(&out);
	return broken > 0 ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
}

/* ---- append, checkpoint, keygen, log ---- */

static int run_append(cli_ctx *ctx, strata_conn *c, const char *schema, const audit_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf payload = STRATA_BUF_INIT, out = STRATA_BUF_INIT;
	unsigned char hash[32];
	char h[65];
	int64_t seq = 0;
	int rc = 0;

	if (o->payload_file != NULL) {
		rc = cli_read_file(o->payload_file, &payload, &err);
		if (rc != 0)
			return cli_report(ctx, &err);
	} else {
		strata_buf_puts(&payload, o->payload != NULL ? o->payload : "{}");
	}
	/* Bad JSON is the user's input, named as such before the server sees it. */
	{
		strata_buf canon = STRATA_BUF_INIT;

		rc = strata_jcs_canonicalize(&canon, strata_buf_cstr(&payload), payload.len, &err);
		strata_buf_release(&canon);
		if (rc != 0) {
			strata_error_prefix(&err, "payload%s%s", o->payload_file ? " in " : "",
				o->payload_file ? o->payload_file : "");
			strata_buf_release(&payload);
			return cli_report(ctx, &err);
		}
	}
	rc = strata_audit_ensure(c, schema, &err);
	if (rc == 0)
		rc = strata_audit_append(c, schema, o->chain, o->actor, o->action, o->target, strata_buf_cstr(&payload),
			&seq, hash, &err);
	strata_buf_release(&payload);
	if (rc != 0)
		return cli_report(ctx, &err);
	hex(h, hash);
	if (ctx->format != CLI_FORMAT_JSON) {
		strata_buf_printf(&out, "%s %lld %s\n", o->chain, (long long)seq, h);
	} else {
		strata_json w;

		strata_json_init(&w, &out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "chain");
		strata_json_string(&w, o->chain);
		strata_json_key(&w, "seq");
		strata_json_int(&w, seq);
		strata_json_key(&w, "hash");
		strata_json_string(&w, h);
		strata_json_object_end(&w);
		strata_buf_putc(&out, '\n');
	}
	cli_write_stdout(&out);
	strata_buf_release(&out);
	return CLI_EXIT_OK;
}

static int run_checkpoint(cli_ctx *ctx, strata_conn *c, const char *schema, const audit_opts *o,
	const strata_project_config *config)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_audit_checkpoint cp;
	strata_buf text = STRATA_BUF_INIT;
	const char *key = pick(o->key, "STRATA_AUDIT_SIGNING_KEY", config->audit_signing_key);
	int rc;

	if (key == NULL)
		return cli_usage_error(ctx, "a checkpoint is signed with a key: --key FILE, STRATA_AUDIT_SIGNING_KEY or "
			"'audit: {signing_key: FILE}' in strata.yaml ('strata audit keygen' makes one)");
	rc = strata_audit_checkpoint_create(c, schema, o->chain, key, &cp, &err);
	if (rc == 0)
		rc = strata_audit_checkpoint_format(&text, &cp);
	if (rc == 0 && o->output != NULL)
		rc = cli_write_file(o->output, &text, &err);
	else if (rc == 0)
		cli_write_stdout(&text);
	strata_buf_release(&text);
	if (rc != 0)
		return cli_report(ctx, &err);
	if (o->output != NULL)
		strata_log(STRATA_LOG_NOTICE, "checkpoint of chain '%s' at %lld entr%s written to %s", cp.chain,
			(long long)cp.size, cp.size == 1 ? "y" : "ies", o->output);
	return CLI_EXIT_OK;
}

static int run_keygen(cli_ctx *ctx, const audit_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;

	if (o->private_out == NULL || o->public_out == NULL)
		return cli_usage_error(ctx, "'strata audit keygen' needs --private-out FILE and --public-out FILE");
	if (strata_audit_keygen(o->private_out, o->public_out, &err) != 0)
		return cli_report(ctx, &err);
	strata_log(STRATA_LOG_NOTICE, "wrote the signing key %s (mode 0600) and the public key %s", o->private_out,
		o->public_out);
	return CLI_EXIT_OK;
}

static int run_log(cli_ctx *ctx, strata_conn *c, const char *schema, const audit_opts *o)
{
	strata_error err = STRATA_ERROR_INIT;
	strata_buf sql = STRATA_BUF_INIT, out = STRATA_BUF_INIT;
	strata_result *r = NULL;
	char limit[16];
	const char *params[2];
	int rc, i;

	snprintf(limit, sizeof(limit), "%d", o->limit > 0 ? o->limit : 20);
	params[0] = o->chain;
	params[1] = limit;
	strata_buf_puts(&sql, "SELECT seq, to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
		" actor, action, coalesce(target, ''), payload::text, encode(hash, 'hex') FROM ");
	rc = strata_conn_quote_ident(&sql, c, schema, &err);
	strata_buf_puts(&sql, ".audit_entries WHERE chain = $1 ORDER BY seq DESC LIMIT $2::int");
	if (rc != 0) {
		strata_buf_release(&sql);
		return cli_report(ctx, &err);
	}
	rc = query_ledger(&r, ctx, c, schema, strata_buf_cstr(&sql), 2, params);
	strata_buf_release(&sql);
	if (rc != 0)
		return rc;
	for (i = 0; i < strata_result_nrows(r); i++) {
		if (ctx->format == CLI_FORMAT_JSON) {
			strata_json w;

			strata_json_init(&w, &out, 0);
			strata_json_object_begin(&w);
			strata_json_key(&w, "seq");
			strata_json_int(&w, strtoll(strata_result_value(r, i, 0), NULL, 10));
			strata_json_key(&w, "recorded_at");
			strata_json_string(&w, strata_result_value(r, i, 1));
			strata_json_key(&w, "actor");
			strata_json_string(&w, strata_result_value(r, i, 2));
			strata_json_key(&w, "action");
			strata_json_string(&w, strata_result_value(r, i, 3));
			strata_json_key(&w, "target");
			strata_json_string(&w, strata_result_value(r, i, 4)[0] ? strata_result_value(r, i, 4) : NULL);
			strata_json_key(&w, "payload");
			strata_json_raw(&w, strata_result_value(r, i, 5));
			strata_json_key(&w, "hash");
			strata_json_string(&w, strata_result_value(r, i, 6));
			strata_json_object_end(&w);
			strata_buf_putc(&out, '\n');
		} else {
			strata_buf_printf(&out, "%6s  %s  %-24s %-22s %s  %s\n", strata_result_value(r, i, 0),
				strata_result_value(r, i, 1), strata_result_value(r, i, 2), strata_result_value(r, i, 3),
				strata_result_value(r, i, 4), strata_result_value(r, i, 5));
		}
	}
	strata_result_free(r);
	cli_write_stdout(&out);
	strata_buf_release(&out);
	return CLI_EXIT_OK;
}

int cmd_audit(cli_ctx *ctx, int argc, char **argv)
{
	audit_opts o;
	const cli_option opts[] = {
		{ "chain", 0, CLI_OPT_STRING, &o.chain, "C", "the chain (default strata, the migrations' own)", 0, 0, NULL },
		{ "from", 0, CLI_OPT_INT, &o.from, "N", "verify: start at entry N (linked to the stored hash of N-1)",
		  1, 2147483647, NULL },
		{ "checkpoint", 0, CLI_OPT_STRING, &o.checkpoint, "FILE",
		  "verify: prove the chain still extends this signed checkpoint", 0, 0, NULL },
		{ "public-key", 0, CLI_OPT_STRING, &o.public_key, "FILE",
		  "verify: the signer's public key (PEM) for --checkpoint", 0, 0, NULL },
		{ "no-progress", 0, CLI_OPT_FLAG, &o.no_progress, NULL, "verify: no progress bar on a terminal", 0, 0, NULL },
		{ "all", 0, CLI_OPT_FLAG, &o.all, NULL, "verify: every chain, a line each and a total", 0, 0, NULL },
		{ "table", 0, CLI_OPT_STRING, &o.table, "SCHEMA.TABLE",
		  "verify: chains kept in another table in the ledger's canonical form", 0, 0, NULL },
		{ "chain-column", 0, CLI_OPT_STRING, &o.chain_column, "NAME",
		  "verify --table: the column naming the chain (default chain)", 0, 0, NULL },
		{ "time-column", 0, CLI_OPT_STRING, &o.time_column, "NAME",
		  "verify --table: the entry's time, timestamptz (default recorded_at)", 0, 0, NULL },
		{ "actor", 0, CLI_OPT_STRING, &o.actor, "WHO", "append: who acted (user:42, system:billing)", 0, 0, NULL },
		{ "action", 0, CLI_OPT_STRING, &o.action, "WHAT", "append: what was done (user.invite)", 0, 0, NULL },
		{ "target", 0, CLI_OPT_STRING, &o.target, "T", "append: what it was done to (optional)", 0, 0, NULL },
		{ "payload", 0, CLI_OPT_STRING, &o.payload, "JSON", "append: details as JSON (default {})", 0, 0, NULL },
		{ "payload-file", 0, CLI_OPT_STRING, &o.payload_file, "FILE", "append: details from a JSON file", 0, 0, NULL },
		{ "key", 0, CLI_OPT_STRING, &o.key, "FILE", "checkpoint: the Ed25519 signing key (PEM, mode 0600)", 0, 0, NULL },
		{ "output", 'o', CLI_OPT_STRING, &o.output, "FILE", "checkpoint: write it here (default stdout)", 0, 0, NULL },
		{ "private-out", 0, CLI_OPT_STRING, &o.private_out, "FILE", "keygen: the new private key", 0, 0, NULL },
		{ "public-out", 0, CLI_OPT_STRING, &o.public_out, "FILE", "keygen: the new public key", 0, 0, NULL },
		{ "limit", 0, CLI_OPT_INT, &o.limit, "N", "log: entries to show (default 20)", 1, 1000000, NULL },
		CLI_OPTIONS_END
	};
	strata_project_config *config = NULL;
	strata_conn *c = NULL;
	const audit_sub *s;
	char usage_name[48];
	char **args;
	int nargs, idx, rc;

	memset(&o, 0, sizeof(o));
	idx = cli_command_index(ctx, argc, argv);
	if (idx >= argc) {
		rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "audit");
		if (rc != 0)
			return rc;
		if (ctx->help) {
			print_help(ctx, opts);
			return CLI_EXIT_OK;
		}
		return cli_usage_error(ctx, "'strata audit' needs a command: verify, append, checkpoint, keygen or log "
			"(see 'strata audit --help')");
	}
	for (s = subs; s->name != NULL; s++)
		if (strcmp(s->name, argv[idx]) == 0)
			break;
	if (s->name == NULL)
		return cli_usage_error(ctx, "unknown command 'strata audit %s' (see 'strata audit --help')", argv[idx]);
	{
		const cli_sub_help help = { s->name, s->usage, s->summary };

		rc = cli_parse_subcommand(ctx, opts, argc, argv, idx, "audit", &help, usage_name, sizeof(usage_name),
			&args, &nargs);
		if (rc >= 0)
			return rc;
	}
	if (nargs > 0)
		return cli_usage_error(ctx, "'strata %s' takes no arguments (got '%s')", usage_name, args[0]);
	if (strcmp(s->name, "keygen") == 0)
		return run_keygen(ctx, &o);
	if (strcmp(s->name, "append") == 0) {
		if (o.chain == NULL || o.actor == NULL || o.action == NULL)
			return cli_usage_error(ctx, "'strata audit append' needs --chain, --actor and --action");
		if (o.payload != NULL && o.payload_file != NULL)
			return cli_usage_error(ctx, "--payload and --payload-file cannot be used together");
	}
	if ((o.table != NULL || o.chain_column != NULL || o.time_column != NULL) && strcmp(s->name, "verify") != 0)
		return cli_usage_error(ctx, "--table, --chain-column and --time-column go with 'strata audit verify'");
	if ((o.chain_column != NULL || o.time_column != NULL) && o.table == NULL)
		return cli_usage_error(ctx, "--chain-column and --time-column need --table");
	if (o.all && (strcmp(s->name, "verify") != 0 || o.chain != NULL || o.from > 0 || o.checkpoint != NULL))
		return cli_usage_error(ctx, "--all goes with 'strata audit verify' alone (not with --chain, --from or "
			"--checkpoint)");
	if (o.chain == NULL)
		o.chain = STRATA_AUDIT_STRATA_CHAIN;
	rc = cli_project_config(&config, ctx);
	if (rc == 0)
		rc = cli_connect(&c, ctx);
	if (rc == 0) {
		if (strcmp(s->name, "verify") == 0 && o.all)
			rc = run_verify_all(ctx, c, config->ledger_schema, &o);
		else if (strcmp(s->name, "verify") == 0)
			rc = run_verify(ctx, c, config->ledger_schema, &o, config);
		else if (strcmp(s->name, "append") == 0)
			rc = run_append(ctx, c, config->ledger_schema, &o);
		else if (strcmp(s->name, "checkpoint") == 0)
			rc = run_checkpoint(ctx, c, config->ledger_schema, &o, config);
		else
			rc = run_log(ctx, c, config->ledger_schema, &o);
	}
	strata_conn_close(c);
	strata_project_config_free(config);
	return rc;
}
