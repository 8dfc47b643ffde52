/*
 * conninfo.c: where strata connects, in precedence order (see strata/pg.h),
 * validated before any network traffic so that a typo is a clear bad-input
 * error rather than a confusing connection failure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "pg/pg_int.h"

/* libpq's environment variables that name a server or its settings. */
static const char *const libpq_env_vars[] = {
	"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE",
	"PGSERVICEFILE", "PGSSLMODE", "PGOPTIONS", "PGPASSFILE", "PGPASSWORD",
};

const char *strata_conn_source_name(strata_conn_source source)
{
	switch (source) {
	case STRATA_CONN_SOURCE_OPTION: return "--database-url";
	case STRATA_CONN_SOURCE_ENV_URL: return "DATABASE_URL";
	case STRATA_CONN_SOURCE_LIBPQ_ENV: return "PG* environment";
	case STRATA_CONN_SOURCE_DEV_CLUSTER: return "dev cluster";
	case STRATA_CONN_SOURCE_EXPLICIT: return "explicit";
	case STRATA_CONN_SOURCE_NONE: break;
	}
	return "none";
}

static int is_url_scheme(const char *s)
{
	return strncasecmp(s, "postgresql://", 13) == 0 || strncasecmp(s, "postgres://", 11) == 0;
}

static int looks_like_keywords(const char *s)
{
	const char *p = s;

	while (isspace((unsigned char)*p))
		p++;
	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	while (isspace((unsigned char)*p))
		p++;
	return *p == '=';
}

/*
 * Every port of a (possibly comma-separated) port list must be 1..65535.
 * what names where the ports came from, for the message.
 */
static int check_ports(const char *ports, const char *what, strata_error *err)
{
	const char *p = ports;

	while (1) {
		const char *end = strchr(p, ',');
		char one[16];
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int port;

		if (len > 0) {
			if (len >= sizeof(one))
				goto bad;
			memcpy(one, p, len);
			one[len] = '\0';
			if (st_parse_int(&port, one, 1, 65535) != 0)
				goto bad;
		}
		if (end == NULL)
			return 0;
		p = end + 1;
	}
bad:
	return strata_error_set(err, STRATA_EINVAL, "invalid %s: bad port '%s'", what, ports);
}

/* One-line, masked version of a libpq parse error. */
static void parse_error_text(strata_buf *out, const char *msg, const char *secret)
{
	strata_buf_puts(out, msg ? msg : "cannot parse");
	strata_buf_rtrim(out);
	if (secret != NULL && *secret != '\0')
		st_buf_replace_all(out, secret, "****");
	if (out->len > 0 && out->ptr != NULL)
		out->ptr[0] = (char)tolower((unsigned char)out->ptr[0]);
}

/* Render effective settings (after libpq's defaults) as a masked URL. */
static int render_display(strata_buf *out, PQconninfoOption *opts)
{
	const char *host = NULL, *port = NULL, *dbname = NULL, *user = NULL, *service = NULL;
	PQconninfoOption *o;

	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0 && host == NULL)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			dbname = o->val;
		else if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "service") == 0)
			service = o->val;
	}
	strata_buf_puts(out, "postgresql://");
	if (user != NULL) {
		strata_buf_puts(out, user);
		strata_buf_putc(out, '@');
	}
	if (host != NULL && host[0] != '/')
		strata_buf_puts(out, host);
	if (port != NULL && host != NULL && host[0] != '/')
		strata_buf_printf(out, ":%s", port);
	strata_buf_putc(out, '/');
	if (dbname != NULL)
		strata_buf_puts(out, dbname);
	if (host != NULL && host[0] == '/') {
		strata_buf_printf(out, "?host=%s", host);
		if (port != NULL)
			strata_buf_printf(out, "&port=%s", port);
	}
	if (service != NULL)
		strata_buf_printf(out, "%sservice=%s", (host != NULL && host[0] == '/') ? "&" : "?",
			service);
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}

static strata_conninfo *conninfo_new(strata_conn_source source)
{
	strata_conninfo *ci = st_calloc(1, sizeof(*ci));

	if (ci != NULL) {
		ci->source = source;
		ci->timeout_ms = 10000;
	}
	return ci;
}

int strata_conninfo_parse(strata_conninfo **out, const char *url, strata_conn_source source,
	strata_error *err)
{
	strata_conninfo *ci = NULL;
	PQconninfoOption *opts = NULL, *o;
	strata_buf shown = STRATA_BUF_INIT, msg = STRATA_BUF_INIT;
	char *errmsg = NULL;
	int rc = 0;

	*out = NULL;
	if (strata_conninfo_mask(&shown, url ? url : "") != 0) {
		strata_buf_release(&shown);
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	}
	if (url == NULL || *url == '\0' || (!is_url_scheme(url) && !looks_like_keywords(url))) {
		rc = strata_error_set(err, STRATA_EINVAL,
			"invalid database URL '%s': expected postgresql://[user[:password]@][host][:port][/dbname][?param=value...] or keyword=value settings",
			strata_buf_cstr(&shown));
		goto done;
	}
	opts = PQconninfoParse(url, &errmsg);
	if (opts == NULL) {
		if (errmsg == NULL) {
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
			goto done;
		}
		/* libpq echoes the input (or part of it): scrub every password it may hold. */
		parse_error_text(&msg, errmsg, NULL);
		if (st_conninfo_scrub(&msg, url) != 0) {
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
			goto done;
		}
		rc = strata_error_set(err, STRATA_EINVAL, "invalid database URL '%s': %s",
			strata_buf_cstr(&shown), strata_buf_cstr(&msg));
		goto done;
	}
	ci = conninfo_new(source);
	if (ci == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "port") == 0) {
			strata_buf what = STRATA_BUF_INIT;

			strata_buf_printf(&what, "database URL '%s'", strata_buf_cstr(&shown));
			rc = check_ports(o->val, strata_buf_failed(&what) ? "database URL" : strata_buf_cstr(&what),
				err);
			strata_buf_release(&what);
			if (rc != 0 && err != NULL) {
				/* A password with an unencoded '/' makes libpq read part of it as a port. */
				strata_buf m = STRATA_BUF_INIT;

				strata_buf_puts(&m, err->message);
				if (st_conninfo_scrub(&m, url) == 0 && !strata_buf_failed(&m))
					st_strlcpy(err->message, strata_buf_cstr(&m), sizeof(err->message));
				strata_buf_release(&m);
			}
			if (rc != 0)
				goto done;
		} else if (strcmp(o->keyword, "password") == 0 && *o->val != '\0') {
			ci->secret = st_strdup(o->val);
			if (ci->secret == NULL) {
				rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
				goto done;
			}
		}
	}
	ci->raw = st_strdup(url);
	ci->display = strata_buf_detach(&shown);
	if (ci->raw == NULL || ci->display == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	*out = ci;
	ci = NULL;
done:
	if (errmsg != NULL)
		PQfreemem(errmsg);
	if (opts != NULL)
		PQconninfoFree(opts);
	strata_buf_release(&shown);
	strata_buf_release(&msg);
	strata_conninfo_free(ci);
	return rc;
}

static int libpq_env_present(void)
{
	size_t i;

	for (i = 0; i < ST_ARRAY_LEN(libpq_env_vars); i++) {
		const char *v = getenv(libpq_env_vars[i]);
		if (v != NULL && *v != '\0')
			return 1;
	}
	return 0;
}

static int conninfo_from_libpq_env(strata_conninfo **out, strata_error *err)
{
	strata_conninfo *ci = NULL;
	PQconninfoOption *opts = NULL;
	strata_buf shown = STRATA_BUF_INIT;
	char *errmsg = NULL;
	int rc = 0;

	/* An empty string picks up libpq's environment and service-file defaults. */
	opts = PQconninfoParse("", &errmsg);
	if (opts != NULL) {
		PQconninfoFree(opts);
		opts = PQconndefaults();
	}
	if (opts == NULL) {
		rc = strata_error_set(err, STRATA_EINVAL, "invalid PG* environment settings: %s",
			errmsg ? errmsg : "cannot read the service file");
		goto done;
	}
	ci = conninfo_new(STRATA_CONN_SOURCE_LIBPQ_ENV);
	if (ci == NULL || render_display(&shown, opts) != 0) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	{
		const char *port = getenv("PGPORT");
		if (port != NULL && *port != '\0') {
			rc = check_ports(port, "PGPORT", err);
			if (rc != 0)
				goto done;
		}
	}
	ci->display = strata_buf_detach(&shown);
	if (ci->display == NULL) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto done;
	}
	*out = ci;
	ci = NULL;
done:
	if (errmsg != NULL)
		PQfreemem(errmsg);
	if (opts != NULL)
		PQconninfoFree(opts);
	strata_buf_release(&shown);
	strata_conninfo_free(ci);
	return rc;
}

int strata_conninfo_resolve(strata_conninfo **out, const strata_conn_config *cfg,
	strata_error *err)
{
	strata_conninfo *ci = NULL;
	const char *env_url = getenv("DATABASE_URL");
	int rc;

	*out = NULL;
	if (cfg->url != NULL)
		rc = strata_conninfo_parse(&ci, cfg->url, STRATA_CONN_SOURCE_OPTION, err);
	else if (env_url != NULL && *env_url != '\0')
		rc = strata_conninfo_parse(&ci, env_url, STRATA_CONN_SOURCE_ENV_URL, err);
	else if (libpq_env_present())
		rc = conninfo_from_libpq_env(&ci, err);
	else
		return strata_error_set(err, STRATA_ENOTFOUND,
			"no database given: pass --database-url or set DATABASE_URL (or PGHOST and friends)");
	if (rc != 0) {
		if (rc == STRATA_EINVAL && cfg->url == NULL && env_url != NULL && *env_url != '\0')
			strata_error_prefix(err, "DATABASE_URL");
		return rc;
	}
	if (cfg->password_file != NULL) {
		rc = strata_conninfo_set_password_file(ci, cfg->password_file, err);
		if (rc != 0)
			goto fail;
	}
	if (cfg->command != NULL && strata_conninfo_set_command(ci, cfg->command) != 0) {
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
		goto fail;
	}
	if (cfg->connect_timeout_ms > 0)
		strata_conninfo_set_timeout(ci, cfg->connect_timeout_ms);
	*out = ci;
	return 0;
fail:
	strata_conninfo_free(ci);
	return rc;
}

int strata_conninfo_set_password_file(strata_conninfo *ci, const char *path, strata_error *err)
{
	strata_buf content = STRATA_BUF_INIT;
	struct stat st;
	char *nl;
	int rc;

	rc = st_file_read(&content, path, 64 * 1024, NULL);
	if (rc != 0) {
		const char *why = rc == STRATA_ENOTFOUND ? "no such file"
			: rc == STRATA_EINVAL ? "larger than 64 KiB" : strerror(errno);
		rc = strata_error_set(err, STRATA_EINVAL, "cannot read password file '%s': %s", path,
			why);
		goto done;
	}
	nl = memchr(content.ptr, '\n', content.len);
	if (nl != NULL)
		strata_buf_truncate(&content, (size_t)(nl - content.ptr));
	if (content.len > 0 && content.ptr[content.len - 1] == '\r')
		strata_buf_truncate(&content, content.len - 1);
	if (content.len == 0) {
		rc = strata_error_set(err, STRATA_EINVAL, "password file '%s' is empty", path);
		goto done;
	}
	if (stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		strata_log(STRATA_LOG_WARNING,
			"password file '%s' is readable by other users; chmod 600 it", path);
	st_free(ci->password);
	ci->password = strata_buf_detach(&content);
	if (ci->password == NULL)
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
done:
	if (content.ptr != NULL)
		memset(content.ptr, 0, content.cap);
	strata_buf_release(&content);
	return rc;
}

int strata_conninfo_set_command(strata_conninfo *ci, const char *command)
{
	char *copy = NULL;

	if (command != NULL && (copy = st_strdup(command)) == NULL)
		return STRATA_ENOMEM;
	st_free(ci->command);
	ci->command = copy;
	return 0;
}

int strata_conninfo_set_dbname(strata_conninfo *ci, const char *dbname)
{
	char *copy = NULL;

	if (dbname != NULL && (copy = st_strdup(dbname)) == NULL)
		return STRATA_ENOMEM;
	st_free(ci->dbname);
	ci->dbname = copy;
	return 0;
}

void strata_conninfo_set_timeout(strata_conninfo *ci, int timeout_ms)
{
	ci->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
}

const char *strata_conninfo_display(const strata_conninfo *ci)
{
	return ci->display ? ci->display : "";
}

strata_conn_source strata_conninfo_source(const strata_conninfo *ci)
{
	return ci->source;
}

static void wipe_free(char *s)
{
	if (s != NULL) {
		memset(s, 0, strlen(s));
		st_free(s);
	}
}

void strata_conninfo_free(strata_conninfo *ci)
{
	if (ci == NULL)
		return;
	wipe_free(ci->raw);
	wipe_free(ci->password);
	wipe_free(ci->secret);
	st_free(ci->command);
	st_free(ci->dbname);
	st_free(ci->display);
	st_free(ci);
}
