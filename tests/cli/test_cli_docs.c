/*
 * test_cli_docs.c: the documentation tells the truth. Every command of
 * `strata --help` has a page in docs/, which mentions each of its options and
 * subcommands; docs/cli.md lists every global option; docs/exit-codes.md
 * matches `strata help exit-codes`; every relative link in the README and
 * docs/ resolves; and the README's quickstart works: the demo script that
 * `make demo` runs succeeds twice in a row, and `make deps` run as a non-root
 * user prints the exact apt-get line.
 */
#include <dirent.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "harness.h"
#include "run.h"

#include "base/base.h"

static const char *const clean_env[] = { CLI_CLEAN_ENV, NULL };

static char *help_of(const char *const *args)
{
	cli_result r;
	char *text;

	cli_run(&r, NULL, clean_env, args);
	assert_int_equal(r.status, 0);
	text = strdup(strata_buf_cstr(&r.out));
	cli_result_free(&r);
	return text;
}

static char *doc(const char *rel)
{
	char *path = cli_source_path(rel);
	char *text = cli_read_file(path);

	free(path);
	return text;
}

/* Calls fn for every "--name" that starts an option line of a help section. */
static void for_each_option(const char *help, const char *section, void (*fn)(const char *, void *),
	void *ud)
{
	const char *p = strstr(help, section);
	char name[64];

	if (p == NULL)
		fail_msg("help has no '%s' section", section + (section[0] == '\n'));
	p = strchr(p + 1, '\n');
	while (p != NULL && p[1] == ' ') {
		const char *dash = strstr(p + 1, "--");
		const char *eol = strchr(p + 1, '\n');
		size_t n = 0;

		if (dash != NULL && (eol == NULL || dash < eol)) {
			while (dash[n] != '\0' && dash[n] != ' ' && dash[n] != '\n' && n < sizeof(name) - 1)
				n++;
			memcpy(name, dash, n);
			name[n] = '\0';
			fn(name, ud);
		}
		p = eol;
	}
}

static void must_mention(const char *option, void *ud)
{
	const char **page = ud;
	char quoted[80];

	snprintf(quoted, sizeof(quoted), "`%s", option);
	if (strstr(page[1], quoted) == NULL)
		fail_msg("%s does not document %s", page[0], option);
}

static void every_command_has_a_page(void **state)
{
	const char *const main_help[] = { "--help", NULL };
	char *help = help_of(main_help), *p;
	int commands = 0;

	(void)state;
	p = strstr(help, "Commands:\n");
	assert_non_null(p);
	p = strchr(p, '\n') + 1;
	while (p[0] == ' ' && p[1] == ' ') {
		char name[32], rel[64];
		const char *args[] = { NULL, "--help", NULL };
		const char *page[2];
		char *text, *cmd_help;
		size_t n = 0;

		p += 2;
		while (p[n] != ' ' && n < sizeof(name) - 1) {
			name[n] = p[n];
			n++;
		}
		name[n] = '\0';
		snprintf(rel, sizeof(rel), "docs/%s.md", name);
		text = doc(rel);
		page[0] = rel;
		page[1] = text;
		args[0] = name;
		cmd_help = help_of(args);
		if (strstr(cmd_help, "\nOptions:") != NULL)
			for_each_option(cmd_help, "\nOptions:", must_mention, (void *)page);
		free(cmd_help);
		strata_free(text);
		commands++;
		p = strchr(p, '\n') + 1;
	}
	assert_true(commands >= 4);
	free(help);
}

static void dev_page_covers_every_subcommand(void **state)
{
	const char *const dev_help[] = { "dev", "--help", NULL };
	char *help = help_of(dev_help), *page = doc("docs/dev.md"), *p;
	int subs = 0;

	(void)state;
	p = strstr(help, "Commands:\n");
	assert_non_null(p);
	p = strchr(p, '\n') + 1;
	while (p[0] == ' ' && p[1] == ' ') {
		char heading[48];
		size_t n = 0;

		p += 2;
		memcpy(heading, "\n## ", 4);
		while (p[n] != ' ' && n < 40) {
			heading[4 + n] = p[n];
			n++;
		}
		heading[4 + n] = '\n';
		heading[5 + n] = '\0';
		if (strstr(page, heading) == NULL)
			fail_msg("docs/dev.md has no section '## %.*s'", (int)n, p);
		subs++;
		p = strchr(p, '\n') + 1;
	}
	assert_int_equal(subs, 7);
	free(help);
	strata_free(page);
}

static void cli_page_lists_global_options(void **state)
{
	const char *const main_help[] = { "--help", NULL };
	char *help = help_of(main_help), *text = doc("docs/cli.md");
	const char *page[2] = { "docs/cli.md", text };

	(void)state;
	for_each_option(help, "Global options:", must_mention, (void *)page);
	free(help);
	strata_free(text);
}

static void exit_code_page_matches_the_binary(void **state)
{
	const char *const args[] = { "help", "exit-codes", "--format", "json", NULL };
	char *out = help_of(args), *page = doc("docs/exit-codes.md");
	json_error_t jerr;
	json_t *table = json_loads(out, 0, &jerr);
	size_t i;
	int rows = 0;
	const char *p;

	(void)state;
	assert_non_null(table);
	for (i = 0; i < json_array_size(table); i++) {
		json_t *row = json_array_get(table, i);
		char line[512];

		snprintf(line, sizeof(line), "\n| %d | %s | %s |\n",
			(int)json_integer_value(json_object_get(row, "code")),
			json_string_value(json_object_get(row, "name")),
			json_string_value(json_object_get(row, "meaning")));
		if (strstr(page, line) == NULL)
			fail_msg("docs/exit-codes.md lacks the row:%s", line);
	}
	/* And no extra rows: count the table's data rows. */
	for (p = page; (p = strstr(p, "\n| ")) != NULL; p++)
		if (p[3] >= '0' && p[3] <= '9')
			rows++;
	assert_int_equal(rows, (int)json_array_size(table));
	json_decref(table);
	free(out);
	strata_free(page);
}

static void check_links_in(const char *rel)
{
	char *text = doc(rel);
	char base[512];
	const char *p = text, *slash = strrchr(rel, '/');

	snprintf(base, sizeof(base), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	while ((p = strstr(p, "](")) != NULL) {
		const char *end = strchr(p + 2, ')');
		char target[512], path[1100];
		char *full;

		p += 2;
		if (end == NULL || end - p >= (long)sizeof(target))
			continue;
		memcpy(target, p, (size_t)(end - p));
		target[end - p] = '\0';
		if (strstr(target, "://") != NULL || target[0] == '#')
			continue;
		if (strchr(target, '#') != NULL)
			*strchr(target, '#') = '\0';
		snprintf(path, sizeof(path), "%s%s%s", base, base[0] ? "/" : "", target);
		full = cli_source_path(path);
		if (access(full, F_OK) != 0)
			fail_msg("%s links to '%s', which does not exist", rel, target);
		free(full);
	}
	strata_free(text);
}

static void links_resolve(void **state)
{
	char *dir = cli_source_path("docs");
	DIR *d = opendir(dir);
	struct dirent *de;

	(void)state;
	assert_non_null(d);
	check_links_in("README.md");
	while ((de = readdir(d)) != NULL) {
		char rel[300];

		if (!st_str_ends_with(de->d_name, ".md"))
			continue;
		snprintf(rel, sizeof(rel), "docs/%s", de->d_name);
		check_links_in(rel);
	}
	closedir(d);
	check_links_in("docs/design/foundation.md");
	free(dir);
}

/* script: a path in the source tree, or an absolute path. */
static int run_script(const char *script, const char *arg, const char *cwd, const char *const *env,
	strata_buf *out, strata_buf *errout, int as_nobody)
{
	char *path = script[0] == '/' ? strdup(script) : cli_source_path(script);
	const char *argv[] = { "/bin/sh", path, arg, NULL };
	strata_error err = STRATA_ERROR_INIT;
	st_proc_opts po;
	int status = -1;

	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.env = env;
	po.cwd = cwd;
	po.timeout_ms = 120000;
	po.out = out;
	po.errout = errout;
	if (as_nobody) {
		struct passwd *pw = getpwnam("nobody");

		assert_non_null(pw);
		po.run_as = 1;
		po.uid = pw->pw_uid;
		po.gid = pw->pw_gid;
	}
	th_ok(st_proc_run(&status, &po, &err), &err);
	free(path);
	return status;
}

static void readme_quickstart_demo_works_twice(void **state)
{
	char *readme = doc("README.md");
	char *project = th_tempdir("demo");
	const char *bin = getenv("STRATA_BIN");
	strata_buf out = STRATA_BUF_INIT, errout = STRATA_BUF_INIT;
	const char *const down[] = { "dev", "down", NULL };
	cli_result r;
	int i;

	(void)state;
	assert_non_null(strstr(readme, "make demo"));
	assert_non_null(strstr(readme, "make test"));
	for (i = 0; i < 2; i++) {
		strata_buf_clear(&out);
		strata_buf_clear(&errout);
		if (run_script("scripts/demo.sh", bin, project, clean_env, &out, &errout, 0) != 0)
			fail_msg("demo run %d failed: %s%s", i + 1, strata_buf_cstr(&out), strata_buf_cstr(&errout));
		{
			const char *o = strata_buf_cstr(&out), *e = strata_buf_cstr(&errout);

			assert_non_null(strstr(o, "==> strata dev up"));
			assert_non_null(strstr(o, "4 checks: 4 ok"));
			/* The platform schema: migrated and seeded the first time, up to date the second. */
			assert_non_null(strstr(o, "15 migrations in 1 track: valid"));
			assert_non_null(strstr(o, "15 files, 439 statements: no findings"));
			assert_non_null(strstr(o, "no drift: the database is what its 15 applied migrations give"));
			assert_non_null(strstr(o, "15 migrations: every down is a true inverse"));
			assert_non_null(strstr(o, "19 tables, 162 columns: documented and classified"));
			assert_non_null(strstr(o, "15 applied, 0 pending"));
			assert_non_null(strstr(e, i == 0 ? "strata: seeded 4 files" : "strata: 4 seed files up to date"));
			if (i == 1)
				assert_non_null(strstr(e, "nothing to do: the database is up to date"));
			assert_non_null(strstr(o, "tenancy check: 18 tables checked, 0 findings\n"));
			assert_non_null(strstr(o, "tenancy probe: 18 tables probed as 2 roles: 0 rows leaked, "
				"0 writes accepted, 0 inconclusive\n"));
			assert_non_null(strstr(o, "3 tenants (acme, globex, initech)"));
			/* The audit ledger: the 15 applies in the chain 'strata', a tenant entry per run. */
			assert_non_null(strstr(o, "audit: chain 'strata': 15 entries intact (1 to 15)"));
			assert_non_null(strstr(o, "extends the checkpoint of 15 entries"));
			/* The platform's own tenant audit chains, in the ledger's form, proven by strata. */
			assert_non_null(strstr(o, "platform audit log: 3 chains, 0 broken, 17 entries verified"));
			assert_non_null(strstr(o, i == 0 ? "chain 'tenant:acme': 1 entry intact" : "chain 'tenant:acme': 2 entries intact"));
			assert_non_null(strstr(o, "messages: agents.messages: 19 messages, 0 mismatches"));
			assert_non_null(strstr(o, "Next steps"));
		}
	}
	assert_non_null(strstr(strata_buf_cstr(&errout), "already running"));
	/* The README's commands after the demo, on the demo's platform database. */
	{
		const char *const url_args[] = { "dev", "url", NULL };
		char *platform = cli_source_path("schema/platform");
		const char *const status[] = { "-C", platform, "migrate", "status", NULL };
		const char *const probe[] = { "-C", platform, "tenancy", "probe", NULL };
		const char *const audit_verify[] = { "-C", platform, "audit", "verify", NULL };
		const char *const audit_log[] = { "-C", platform, "audit", "log", "--chain", "tenant:acme", NULL };
		const char *env[24] = { CLI_CLEAN_ENV };
		strata_buf url = STRATA_BUF_INIT;
		size_t n = 0;

		cli_run(&r, project, clean_env, url_args);
		assert_int_equal(r.status, 0);
		strata_buf_puts(&url, "DATABASE_URL=");
		strata_buf_puts(&url, strata_buf_cstr(&r.out));
		st_buf_replace_all(&url, "/postgres?", "/platform?");
		st_buf_replace_all(&url, "\n", "");
		cli_result_free(&r);
		while (env[n] != NULL)
			n++;
		env[n] = strata_buf_cstr(&url);
		cli_run(&r, project, env, status);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(strata_buf_cstr(&r.out), "15 applied, 0 pending"));
		cli_result_free(&r);
		cli_run(&r, project, env, probe);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(strata_buf_cstr(&r.out), "0 rows leaked, 0 writes accepted"));
		cli_result_free(&r);
		cli_run(&r, project, env, audit_verify);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(strata_buf_cstr(&r.out), "chain 'strata': 15 entries intact"));
		cli_result_free(&r);
		cli_run(&r, project, env, audit_log);
		assert_int_equal(r.status, 0);
		assert_non_null(strstr(strata_buf_cstr(&r.out), "demo.run"));
		cli_result_free(&r);
		strata_buf_release(&url);
		free(platform);
	}
	cli_run(&r, project, clean_env, down);
	assert_int_equal(r.status, 0);
	cli_result_free(&r);
	strata_buf_release(&out);
	strata_buf_release(&errout);
	th_rmtree(project);
	free(project);
	strata_free(readme);
}

static void deps_prints_the_apt_line_when_not_root(void **state)
{
	char *dir = th_tempdir("deps");
	char list[512], env_list[600], copy[512];
	strata_buf out = STRATA_BUF_INIT, errout = STRATA_BUF_INIT;
	int status;

	(void)state;
	snprintf(list, sizeof(list), "%s/packages", dir);
	th_write_file(list, "# a package that is surely missing\nstrata-test-no-such-package\nlibc6\n", 0644);
	snprintf(env_list, sizeof(env_list), "STRATA_DEPS_LIST=%s", list);
	/* A copy of the script that any user can read (the checkout may sit under /root). */
	{
		char *src = cli_source_path("scripts/deps.sh");
		char *text = cli_read_file(src);

		snprintf(copy, sizeof(copy), "%s/deps.sh", dir);
		th_write_file(copy, text, 0755);
		strata_free(text);
		free(src);
	}
	{
		const char *const env[] = { env_list, NULL };

		status = run_script(copy, NULL, "/", env, &out, &errout, geteuid() == 0);
	}
	assert_int_equal(status, 1);
	assert_non_null(strstr(strata_buf_cstr(&errout),
		"apt-get install -y --no-install-recommends strata-test-no-such-package\n"));
	/* Installed packages are not listed. */
	assert_null(strstr(strata_buf_cstr(&errout), "libc6"));
	strata_buf_release(&out);
	strata_buf_release(&errout);
	th_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_command_has_a_page),
		cmocka_unit_test(dev_page_covers_every_subcommand),
		cmocka_unit_test(cli_page_lists_global_options),
		cmocka_unit_test(exit_code_page_matches_the_binary),
		cmocka_unit_test(links_resolve),
		cmocka_unit_test(readme_quickstart_demo_works_twice),
		cmocka_unit_test(deps_prints_the_apt_line_when_not_root),
	};

	th_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
