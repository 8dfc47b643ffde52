/*
 * cmd_integrity.c: `strata integrity verify-messages`, replay verification
 * of stored message envelopes: each envelope's RFC 8785 form hashed again
 * and compared with its stored envelope_hash. Exit 0 when all match, 1
 * with each mismatch listed (id, stored and recomputed hash).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct integ_opts {
	const char *table;
	const char *id_column;
	const char *envelope_column;
	const char *hash_column;
	int limit;
} integ_opts;

typedef struct integ_print {
	cli_ctx *ctx;
	const integ_opts *o;
	int64_t shown;
	strata_buf out;
} integ_print;

static void on_mismatch(const strata_message_mismatch *m, void *ud)
{
	integ_print *p = ud;

	if (p->shown++ >= p->o->limit)
		return;
	if (p->ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &p->out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "id");
		strata_json_string(&w, m->id);
		strata_json_key(&w, "stored");
		strata_json_string(&w, m->stored);
		strata_json_key(&w, "computed");
		strata_json_string(&w, m->computed);
		strata_json_key(&w, "problem");
		strata_json_string(&w, m->problem);
		strata_json_object_end(&w);
		strata_buf_putc(&p->out, '\n');
	} else {
		strata_buf_printf(&p->out, "%s: %s\n  stored   %s\n  computed %s\n", m->id, m->problem,
			m->stored != NULL ? m->stored : "(null)", m->computed != NULL ? m->computed : "(none)");
	}
	cli_write_stdout(&p->out);
	strata_buf_clear(&p->out);
}

static int verify_messages(cli_ctx *ctx, const integ_opts *o)
{
	strata_messages_options mo;
	strata_messages_result r;
	strata_error err = STRATA_ERROR_INIT;
	strata_conn *c = NULL;
	integ_print p;
	int rc;

	memset(&mo, 0, sizeof(mo));
	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.o = o;
	mo.table = o->table;
	mo.id_column = o->id_column;
	mo.envelope_column = o->envelope_column;
	mo.hash_column = o->hash_column;
	mo.on_mismatch = on_mismatch;
	mo.ud = &p;
	rc = cli_connect(&c, ctx);
	if (rc != 0)
		return rc;
	rc = strata_integrity_verify_messages(c, &mo, &r, &err);
	strata_conn_close(c);
	strata_buf_release(&p.out);
	if (rc != 0)
		return cli_report(ctx, &err);
	if (ctx->format == CLI_FORMAT_JSON) {
		strata_json w;

		strata_json_init(&w, &p.out, 0);
		strata_json_object_begin(&w);
		strata_json_key(&w, "summary");
		strata_json_object_begin(&w);
		strata_json_key(&w, "table");
		strata_json_string(&w, o->table != NULL ? o->table : "agents.messages");
		strata_json_key(&w, "messages");
		strata_json_int(&w, r.messages);
		strata_json_key(&w, "mismatches");
		strata_json_int(&w, r.mismatches);
		strata_json_key(&w, "seconds");
		strata_json_double(&w, r.seconds);
		strata_json_object_end(&w);
		strata_json_object_end(&w);
		strata_buf_putc(&p.out, '\n');
	} else {
		if (p.shown > o->limit)
			strata_buf_printf(&p.out, "... and %lld more\n", (long long)(p.shown - o->limit));
		strata_buf_printf(&p.out, "%s: %lld message%s, %lld mismatch%s (%.3f s, %.0f messages/s)\n",
			o->table != NULL ? o->table : "agents.messages", (long long)r.messages, r.messages == 1 ? "" : "s",
			(long long)r.mismatches, r.mismatches == 1 ? "" : "es", r.seconds,
			r.seconds > 0 ? (double)r.messages / r.seconds : 0.0);
	}
	cli_write_stdout(&p.out);
	strata_buf_release(&p.out);
	if (r.messages == 0)
		strata_log(STRATA_LOG_WARNING, "no messages were readable (an empty table, or row-level security hides them "
			"from this role)");
	return r.mismatches > 0 ? CLI_EXIT_FINDINGS : CLI_EXIT_OK;
}

int cmd_integrity(cli_ctx *ctx, int argc, char **argv)
{
	integ_opts o;
	const cli_option opts[] = {
		{ "table", 0, CLI_OPT_STRING, &o.table, "SCHEMA.TABLE", "the messages (default agents.messages)", 0, 0, NULL },
		{ "id-column", 0, CLI_OPT_STRING, &o.id_column, "NAME", "names each message in reports (default id)", 0, 0, NULL },
		{ "envelope-column", 0, CLI_OPT_STRING, &o.envelope_column, "NAME",
		  "the envelope, jsonb, json or text (default envelope)", 0, 0, NULL },
		{ "hash-column", 0, CLI_OPT_STRING, &o.hash_column, "NAME",
		  "the stored lowercase hex SHA-256 (default envelope_hash)", 0, 0, NULL },
		{ "limit", 0, CLI_OPT_INT, &o.limit, "N", "list at most N mismatches (default 100)", 1, 100000000, NULL },
		CLI_OPTIONS_END
	};
	char **args;
	int nargs, rc;

	memset(&o, 0, sizeof(o));
	o.limit = 100;
	rc = cli_parse(ctx, opts, argc, argv, &args, &nargs, "integrity");
	if (rc != 0)
		return rc;
	if (!ctx->help && nargs == 0)
		return cli_usage_error(ctx, "'strata integrity' needs a command: verify-messages");
	if (ctx->help) {
		printf("Usage: strata integrity verify-messages [options]\n\n"
			"Replay verification of message envelopes: every stored envelope is canonicalized\n"
			"again (RFC 8785), hashed with SHA-256 and compared with its stored hash. Exit 1\n"
			"lists each message whose hash does not match.\n\n");
		cli_print_options(stdout, "Options", opts);
		printf("\n");
		cli_print_options(stdout, "Global options", cli_global_options(ctx));
		return CLI_EXIT_OK;
	}
	if (strcmp(args[0], "verify-messages") != 0)
		return cli_usage_error(ctx, "unknown command 'strata integrity %s' (see 'strata integrity --help')", args[0]);
	if (nargs > 1)
		return cli_usage_error(ctx, "'strata integrity verify-messages' takes no arguments (got '%s')", args[1]);
	return verify_messages(ctx, &o);
}
