/*
 * test_cli_audit.c: `strata audit` and `strata integrity` as a user runs them.
 *
 * - strata migrate up records its applies in the chain 'strata'; verify says
 *   intact with the count; log shows migrate.apply with the track/version;
 *   a revert is recorded too.
 * - append (text and JSON output), a bad payload (exit 3, named), missing
 *   options (exit 2).
 * - keygen, checkpoint to a file, verify --checkpoint (intact, then
 *   truncated after the tail is removed with triggers off: exit 1 naming the
 *   entry); a checkpoint without a key is a usage error.
 * - a tampered entry: exit 1, "broken at entry N: changed", JSON break.
 * - integrity verify-messages: exit 0, then 1 naming the changed message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"

typedef struct fx {
	char *url;
	char *dir;
	char env_url[1024];
	strata_conn *conn;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof(*f));
	strata_error err = STRATA_ERROR_INIT;
	char path[1024];

	f->url = th_db_create("cliaudit");
	f->dir = th_tempdir("cli-audit");
	snprintf(f->env_url, sizeof(f->env_url), "DATABASE_URL=%s", f->url);
	snprintf(path, sizeof(path), "%s/migrations", f->dir);
	th_ok(st_mkdir_p(path, 0755, &err), &err);
	snprintf(path, sizeof(path), "%s/migrations/0001_notes.up.sql", f->dir);
	th_write_file(path, "CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n", 0644);
	snprintf(path, sizeof(path), "%s/migrations/0001_notes.down.sql", f->dir);
	th_write_file(path, "DROP TABLE notes;\n", 0644);
	snprintf(path, sizeof(path), "%s/migrations/0002_tags.up.sql", f->dir);
	th_write_file(path, "CREATE TABLE tags (id bigint PRIMARY KEY);\n", 0644);
	snprintf(path, sizeof(path), "%s/migrations/0002_tags.down.sql", f->dir);
	th_write_file(path, "DROP TABLE tags;\n", 0644);
	f->conn = th_connect(f->url);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	strata_conn_close(f->conn);
	th_db_drop(f->url);
	th_rmtree(f->dir);
	free(f->url);
	free(f->dir);
	free(f);
	return 0;
}

/* Runs strata in the project folder with the test's database; checks the exit code. */
static void run(cli_result *r, const fx *f, int want, int line, const char *const *args)
{
	const char *env[32] = { CLI_CLEAN_ENV };
	size_t n = 0;

	while (env[n] != NULL)
		n++;
	env[n++] = f->env_url;
	env[n] = NULL;
	cli_result_free(r);
	cli_run(r, f->dir, env, args);
	if (r->status != want)
		fail_msg("line %d: exit %d, want %d\nstdout: %s\nstderr: %s", line, r->status, want,
			strata_buf_cstr(&r->out), strata_buf_cstr(&r->err));
}

#define RUN(r, f, want, ...) do { \
		const char *const args_[] = { __VA_ARGS__, NULL }; \
		run((r), (f), (want), __LINE__, args_); \
	} while (0)

static void has(const cli_result *r, const char *text)
{
	if (strstr(strata_buf_cstr(&r->out), text) == NULL && strstr(strata_buf_cstr(&r->err), text) == NULL)
		fail_msg("'%s' not in the output\nstdout: %s\nstderr: %s", text, strata_buf_cstr(&r->out),
			strata_buf_cstr(&r->err));
}

static void migrations_are_chained(void **state)
{
	fx *f = *state;
	cli_result r;

	memset(&r, 0, sizeof(r));
	RUN(&r, f, 0, "migrate", "up");
	RUN(&r, f, 0, "audit", "verify");
	has(&r, "chain 'strata': 2 entries intact (1 to 2)");
	RUN(&r, f, 0, "audit", "log");
	has(&r, "migrate.apply");
	has(&r, "default/0002");
	RUN(&r, f, 0, "migrate", "down");
	RUN(&r, f, 0, "audit", "verify", "--format", "json");
	{
		json_error_t jerr;
		json_t *v = json_loads(strata_buf_cstr(&r.out), 0, &jerr);

		assert_non_null(v);
		assert_true(json_is_true(json_object_get(v, "intact")));
		assert_int_equal(json_integer_value(json_object_get(v, "entries")), 3);
		assert_true(json_is_null(json_object_get(v, "break")));
		json_decref(v);
	}
	RUN(&r, f, 0, "audit", "log", "--limit", "1");
	has(&r, "migrate.revert");
	/* Tampered: an event's entry rewritten with the triggers off. */
	th_exec(f->conn, "BEGIN; SET LOCAL session_replication_role = replica; "
		"UPDATE strata.audit_entries SET actor = 'role:someone_else' WHERE chain = 'strata' AND seq = 2; COMMIT");
	RUN(&r, f, 1, "audit", "verify");
	has(&r, "chain 'strata' is broken at entry 2: changed");
	RUN(&r, f, 1, "audit", "verify", "--format", "json");
	has(&r, "\"kind\":\"changed\"");
	/* --from past the break: the tail is intact on its own. */
	RUN(&r, f, 0, "audit", "verify", "--from", "3");
	has(&r, "1 entry intact (3 to 3)");
	cli_result_free(&r);
}

/* A ledger written before the audit chain existed: upgrading it puts its events into the chain, in order. */
static void old_ledger_is_backfilled(void **state)
{
	fx *f = *state;
	cli_result r;
	char path[1024], *v;

	memset(&r, 0, sizeof(r));
	RUN(&r, f, 0, "migrate", "up");
	/* Back to the ledger's revision 4: no audit objects. */
	th_exec(f->conn, "DROP TRIGGER events_audit ON strata.events");
	th_exec(f->conn, "DROP TABLE strata.audit_entries, strata.audit_chains, strata.audit_checkpoints CASCADE");
	th_exec(f->conn, "UPDATE strata.meta SET value = '4' WHERE key = 'ledger_revision'");
	RUN(&r, f, 3, "audit", "verify");
	has(&r, "no audit ledger");
	snprintf(path, sizeof(path), "%s/migrations/0003_labels.up.sql", f->dir);
	th_write_file(path, "CREATE TABLE labels (id bigint PRIMARY KEY);\n", 0644);
	snprintf(path, sizeof(path), "%s/migrations/0003_labels.down.sql", f->dir);
	th_write_file(path, "DROP TABLE labels;\n", 0644);
	RUN(&r, f, 0, "migrate", "up");
	RUN(&r, f, 0, "audit", "verify");
	has(&r, "chain 'strata': 3 entries intact (1 to 3)");
	/* The two old applies first, by event id, then the new one. */
	v = th_value(f->conn, "SELECT string_agg(target || '#' || (payload->>'event_id'), ' ' ORDER BY seq) "
		"FROM strata.audit_entries WHERE chain = 'strata'");
	assert_string_equal(v, "default/0001#1 default/0002#2 default/0003#3");
	strata_free(v);
	cli_result_free(&r);
}

static void append_checkpoint_verify(void **state)
{
	fx *f = *state;
	cli_result r;
	char priv[1024], pub[1024], cp[1024], payload[1024];
	int i;

	memset(&r, 0, sizeof(r));
	snprintf(priv, sizeof(priv), "%s/audit.pem", f->dir);
	snprintf(pub, sizeof(pub), "%s/audit.pub", f->dir);
	snprintf(cp, sizeof(cp), "%s/acme.checkpoint", f->dir);
	snprintf(payload, sizeof(payload), "%s/payload.json", f->dir);
	for (i = 0; i < 5; i++)
		RUN(&r, f, 0, "audit", "append", "--chain", "tenant:acme", "--actor", "user:42", "--action", "user.invite",
			"--target", "user:43", "--payload", "{\"role\": \"admin\", \"n\": 1.50}");
	has(&r, "tenant:acme 5 ");
	RUN(&r, f, 0, "audit", "append", "--chain", "tenant:acme", "--actor", "user:42", "--action", "x.y",
		"--format", "json");
	has(&r, "\"seq\":6");
	/* Bad input, named; nothing appended. */
	RUN(&r, f, 3, "audit", "append", "--chain", "tenant:acme", "--actor", "a", "--action", "b",
		"--payload", "{\"a\": 1, \"a\": 2}");
	has(&r, "payload");
	th_write_file(payload, "{\n  \"big\": 1e400\n}\n", 0644);
	RUN(&r, f, 3, "audit", "append", "--chain", "tenant:acme", "--actor", "a", "--action", "b",
		"--payload-file", payload);
	has(&r, "payload.json");
	RUN(&r, f, 2, "audit", "append", "--chain", "tenant:acme");
	RUN(&r, f, 2, "audit", "frobnicate");
	/* Keys and a checkpoint. */
	RUN(&r, f, 2, "audit", "checkpoint", "--chain", "tenant:acme");
	RUN(&r, f, 0, "audit", "keygen", "--private-out", priv, "--public-out", pub);
	RUN(&r, f, 3, "audit", "keygen", "--private-out", priv, "--public-out", pub);
	RUN(&r, f, 0, "audit", "checkpoint", "--chain", "tenant:acme", "--key", priv, "--output", cp);
	{
		char *text = cli_read_file(cp);

		assert_non_null(strstr(text, "strata audit checkpoint v1\nchain: tenant:acme\nsize: 6\n"));
		assert_null(strstr(text, "PRIVATE"));
		free(text);
	}
	RUN(&r, f, 2, "audit", "verify", "--chain", "tenant:acme", "--checkpoint", cp);
	RUN(&r, f, 0, "audit", "verify", "--chain", "tenant:acme", "--checkpoint", cp, "--public-key", pub);
	has(&r, "extends the checkpoint of 6 entries");
	RUN(&r, f, 0, "audit", "append", "--chain", "tenant:acme", "--actor", "user:42", "--action", "x.y");
	RUN(&r, f, 0, "audit", "verify", "--chain", "tenant:acme", "--checkpoint", cp, "--public-key", pub);
	/* A restore from an older backup: the tail is gone. */
	th_exec(f->conn, "BEGIN; SET LOCAL session_replication_role = replica; "
		"DELETE FROM strata.audit_entries WHERE chain = 'tenant:acme' AND seq >= 4; COMMIT");
	RUN(&r, f, 0, "audit", "verify", "--chain", "tenant:acme");
	RUN(&r, f, 1, "audit", "verify", "--chain", "tenant:acme", "--checkpoint", cp, "--public-key", pub);
	has(&r, "broken at entry 4: truncated");
	RUN(&r, f, 3, "audit", "verify", "--chain", "no-such");
	has(&r, "no audit chain 'no-such'");
	/* Every chain at once: 'strata' (empty here: no migration ran) is not a chain yet; tenant:acme is. */
	RUN(&r, f, 0, "audit", "append", "--chain", "tenant:globex", "--actor", "a", "--action", "b");
	RUN(&r, f, 0, "audit", "verify", "--all");
	has(&r, "tenant:acme: 3 entries intact\ntenant:globex: 1 entry intact\n2 chains, 0 broken, 4 entries verified");
	th_exec(f->conn, "BEGIN; SET LOCAL session_replication_role = replica; "
		"UPDATE strata.audit_entries SET action = 'x.z' WHERE chain = 'tenant:acme' AND seq = 2; COMMIT");
	RUN(&r, f, 1, "audit", "verify", "--all");
	has(&r, "tenant:acme: broken at entry 2: changed");
	has(&r, "2 chains, 1 broken");
	RUN(&r, f, 2, "audit", "verify", "--all", "--chain", "tenant:acme");
	cli_result_free(&r);
}

static void verify_messages(void **state)
{
	fx *f = *state;
	cli_result r;
	char *hash;

	memset(&r, 0, sizeof(r));
	RUN(&r, f, 0, "audit", "append", "--chain", "x", "--actor", "a", "--action", "b");   /* creates strata.jcs */
	th_exec(f->conn, "CREATE SCHEMA agents");
	th_exec(f->conn, "CREATE TABLE agents.messages (id int PRIMARY KEY, envelope jsonb, envelope_hash text)");
	th_exec(f->conn, "INSERT INTO agents.messages SELECT i, jsonb_build_object('seq', i, 'text', 'hello ' || i, "
		"'score', i / 4.0), NULL FROM generate_series(1, 50) i");
	/* The SQL form of the envelope hash, as a writer without libstrata computes it. */
	th_exec(f->conn, "UPDATE agents.messages SET envelope_hash = encode(sha256(convert_to(strata.jcs(envelope), "
		"'UTF8')), 'hex')");
	hash = th_value(f->conn, "SELECT envelope_hash FROM agents.messages WHERE id = 1");
	assert_int_equal(strlen(hash), 64);
	strata_free(hash);
	RUN(&r, f, 0, "integrity", "verify-messages");
	has(&r, "agents.messages: 50 messages, 0 mismatches");
	th_exec(f->conn, "UPDATE agents.messages SET envelope = envelope || '{\"text\": \"edited\"}' WHERE id = 7");
	RUN(&r, f, 1, "integrity", "verify-messages");
	has(&r, "7: the stored hash is not the SHA-256");
	has(&r, "1 mismatch");
	RUN(&r, f, 1, "integrity", "verify-messages", "--format", "json");
	has(&r, "\"mismatches\":1");
	RUN(&r, f, 4, "integrity", "verify-messages", "--table", "agents.nope");
	RUN(&r, f, 2, "integrity");
	cli_result_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrations_are_chained, setup, teardown),
		cmocka_unit_test_setup_teardown(old_ledger_is_backfilled, setup, teardown),
		cmocka_unit_test_setup_teardown(append_checkpoint_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_messages, setup, teardown),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
