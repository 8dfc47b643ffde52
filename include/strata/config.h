/*
 * strata/config.h: the project's configuration (strata.yaml) and fleet files.
 *
 * strata.yaml sits at the project root. Every key is optional; without the
 * file a project has one track, "default", in ./migrations. Durations are
 * strings such as "500ms", "5s", "10min", "1h", or a bare number of seconds
 * ("0" turns a timeout off).
 *
 *   ledger:
 *     schema: strata              # where strata keeps its history and events
 *   migrate:
 *     lock_timeout: 5s            # SET lock_timeout for every migration
 *     statement_timeout: 0        # SET statement_timeout (0: none)
 *     lock_wait: 60s              # how long a second runner waits for the first
 *     lock_retries: 5             # attempts after a lock timeout (55P03)
 *     long_running: 60s           # warn when one migration takes longer
 *   tracks:
 *     operational:                # a track: its own order and ledger rows
 *       path: migrations/operational
 *       versions: sequential      # or timestamp (default: detected from the files)
 *       layout: strata            # or golang-migrate, dbmate, flyway (default: detected)
 *       require_down: true        # every up needs a down
 *       allow_out_of_order: false # a pending file older than the newest applied one
 *       lock_timeout: 5s          # per-track overrides of the migrate settings
 *       statement_timeout: 10min
 *     analytics:
 *       path: migrations/analytics
 *   seed:
 *     path: seeds                 # the seed files' folder (strata seed)
 *   tenancy:
 *     app_roles: [app]            # the roles strata tenancy checks and probes as
 *
 * A fleet file lists the databases `strata migrate up --targets` works on:
 *
 *   targets:
 *     - name: eu-1
 *       url: postgresql://app@eu-1.db/app
 *     - postgresql://app@us-1.db/app      # a bare URL; its host names it
 *     - name: us-2
 *       url: ${US2_DATABASE_URL}          # from the environment: keep secrets out of files
 *   query:                               # and/or: ask a database for the list
 *     url: postgresql://ops@catalog/ops
 *     sql: SELECT name, url FROM fleet.databases WHERE active ORDER BY name
 *   parallel: 4                          # databases migrated at once
 *   canary: 1                            # migrated first, alone; the rest only if they succeed
 *   on_error: stop                       # or continue
 *
 * Values: booleans are true or false (yes/no/on/off are refused: YAML 1.1
 * and 1.2 disagree on them); durations are at most 24 days (2147483647ms,
 * PostgreSQL's limit for a timeout); layout and versions also take "auto",
 * the default; lock_retries is 0..1000; the ledger schema is a lowercase
 * identifier ([a-z_][a-z0-9_]*, at most 63 bytes); require_down and
 * allow_out_of_order default to false. A track without a path lives in
 * migrations/<name>; "tracks:" left empty means the default track. The seed
 * folder may not be a track's folder.
 *
 * In a fleet file, a target without a name is named "<host>/<dbname>" after
 * its URL: the first host ("localhost" when the URL names none), and the
 * database ("/<dbname>" left out when the URL names none). ${NAME}, NAME
 * being [A-Za-z_][A-Za-z0-9_]*, is expanded in target and query URLs only;
 * ${NAME:-default} and other forms inside ${} are errors, and a '$' not
 * followed by '{' is kept as written. Every URL is checked as
 * strata_conninfo_parse checks it. parallel is at least 1, canary at least 0.
 *
 * Both files are plain YAML of at most 4 MiB without anchors, aliases, tags,
 * several documents or duplicate keys. Errors name the file, line and column
 * ("strata.yaml:7:5: unknown key 'pth' in track 'operational'; did you mean
 * 'path'?"), never a password.
 */
#ifndef STRATA_CONFIG_H
#define STRATA_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strata_version_scheme {
	STRATA_VERSIONS_AUTO = 0,      /* decided from the files */
	STRATA_VERSIONS_SEQUENTIAL,    /* 0001, 0002, ... */
	STRATA_VERSIONS_TIMESTAMP      /* YYYYMMDDHHMM or YYYYMMDDHHMMSS */
} strata_version_scheme;

typedef enum strata_layout {
	STRATA_LAYOUT_AUTO = 0,        /* detected from the files */
	STRATA_LAYOUT_STRATA,          /* <version>_<slug>.up.sql + .down.sql, strata directives */
	STRATA_LAYOUT_GOLANG_MIGRATE,  /* <N>_<name>.up.sql + .down.sql */
	STRATA_LAYOUT_DBMATE,          /* <version>_<name>.sql with -- migrate:up / -- migrate:down */
	STRATA_LAYOUT_FLYWAY           /* V<version>__<name>.sql + U<version>__<name>.sql */
} strata_layout;

/* Unset durations and counts in a track inherit the project's migrate settings. */
#define STRATA_CONFIG_INHERIT (-1)

typedef struct strata_track_config {
	char *name;
	char *path;                    /* absolute */
	strata_layout layout;
	strata_version_scheme versions;
	int require_down;
	int allow_out_of_order;
	int64_t lock_timeout_ms;       /* or STRATA_CONFIG_INHERIT */
	int64_t statement_timeout_ms;  /* or STRATA_CONFIG_INHERIT */
	int line;                      /* where strata.yaml declares it; 0 for the default track */
} strata_track_config;

/*
 * lint: a rule's setting, for the whole project or for some files:
 *
 *   lint:
 *     pg_version: 15
 *     baseline: lint-baseline.json
 *     rules:
 *       prefer-text: off                    # every file
 *       fk-without-index:                   # some files, with the reason
 *         severity: off
 *         paths: [migrations/operational/0004_*.up.sql]
 *         reason: users are disabled, never deleted
 *
 * The rule ids and severities are checked by the linter (strata lint).
 */
typedef struct strata_lint_rule_config {
	char *rule;
	char *severity;                /* "off", "warning" or "error" */
	char **paths;                  /* globs relative to the project root; none: every file */
	size_t npaths;
	char *reason;                  /* required with paths */
	int line;                      /* where strata.yaml sets it */
} strata_lint_rule_config;

typedef struct strata_project_config {
	char *root;                    /* absolute project folder */
	char *file;                    /* absolute path of strata.yaml; NULL when absent */
	char *ledger_schema;           /* default "strata" */
	int64_t lock_timeout_ms;       /* default 5000 */
	int64_t statement_timeout_ms;  /* default 0: none */
	int64_t lock_wait_ms;          /* default 60000 */
	int lock_retries;              /* default 5 */
	int64_t long_running_ms;       /* default 60000 */
	strata_track_config *tracks;   /* in the order strata.yaml lists them */
	size_t ntracks;
	char *seed_path;               /* absolute; default <root>/seeds */
	char *audit_signing_key;       /* audit: signing_key, absolute; NULL when not set */
	char *audit_public_key;        /* audit: public_key, absolute; NULL when not set */
	char **tenancy_app_roles;      /* strata tenancy's application roles; none: detected */
	size_t ntenancy_app_roles;
	int lint_pg_version;           /* lint: pg_version, as 150000; 0: not set */
	char *lint_classification;     /* lint: classification, absolute; NULL: none */
	char *lint_naming[5];          /* lint: naming: table, column, index, constraint, migration */
	char *lint_baseline;           /* lint: baseline, absolute; NULL: none */
	strata_lint_rule_config *lint_rules;
	size_t nlint_rules;
} strata_project_config;

/*
 * Reads <root>/strata.yaml, or gives the defaults when there is none.
 * Unknown keys, wrong types, bad durations, duplicate or badly named tracks
 * ([a-z][a-z0-9_]*), two tracks (or a track and the seed folder) sharing a
 * path: STRATA_EINVAL naming the
 * file, line and column. A root that does not exist, or a strata.yaml that
 * cannot be read: STRATA_EINVAL naming it.
 */
STRATA_API int strata_project_config_load(strata_project_config **out, const char *root,
	strata_error *err);
STRATA_API void strata_project_config_free(strata_project_config *config);

/*
 * The columns a data classification file names, "schema.table.column",
 * sorted (free with strata_classification_free). The file maps tables to
 * their columns:  tables: {core.users: {email: {class: ...}, ...}, ...}.
 * A file that does not parse or has no 'tables' map is STRATA_EINVAL naming
 * the file and line.
 */
STRATA_API int strata_classification_load(char ***columns, size_t *n, const char *path,
	strata_error *err);
STRATA_API void strata_classification_free(char **columns, size_t n);
/* The same with each entry as text ("class: ..., personal: ..., retention: ..."), parallel to columns. */
STRATA_API int strata_classification_entries(char ***columns, char ***entries, size_t *n, const char *path,
	strata_error *err);

/* The track named name, or NULL. */
STRATA_API const strata_track_config *strata_project_config_track(
	const strata_project_config *config, const char *name);

/* The effective lock and statement timeouts of a track (its own, else the project's). */
STRATA_API int64_t strata_track_lock_timeout_ms(const strata_project_config *config,
	const strata_track_config *track);
STRATA_API int64_t strata_track_statement_timeout_ms(const strata_project_config *config,
	const strata_track_config *track);

STRATA_API const char *strata_layout_name(strata_layout layout);
STRATA_API const char *strata_version_scheme_name(strata_version_scheme scheme);

typedef struct strata_fleet_target {
	char *name;                    /* given, or the URL's host and database */
	char *url;                     /* with ${VAR} expanded */
	int line;                      /* in the fleet file; 0 when from the query */
} strata_fleet_target;

typedef struct strata_fleet_config {
	char *file;                    /* the path as given */
	strata_fleet_target *targets;
	size_t ntargets;
	char *query_url;               /* NULL when the file has no query */
	char *query_sql;
	int parallel;                  /* default 4 */
	int canary;                    /* default 0 */
	int continue_on_error;         /* on_error: continue */
} strata_fleet_config;

/*
 * Reads a fleet file. ${VAR} in URLs is replaced by the environment
 * variable's value; an unset variable is an error naming it. A file with
 * neither targets nor query, duplicate names, parallel < 1: STRATA_EINVAL.
 */
STRATA_API int strata_fleet_config_load(strata_fleet_config **out, const char *path,
	strata_error *err);
STRATA_API void strata_fleet_config_free(strata_fleet_config *config);

/*
 * The name a fleet target gets from its URL ("<host>/<dbname>", password
 * never included); free with strata_free. For targets listed by a query.
 */
STRATA_API int strata_fleet_target_name(char **out, const char *url);

#ifdef __cplusplus
}
#endif

#endif
