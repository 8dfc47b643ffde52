/*
 * meta.c: cluster.conf, strata's record of a cluster: which port it listens
 * on, which binaries created it, where its data lives when that is not the
 * default, and which OS user runs it. Plain "key = value" lines; unknown keys
 * are ignored so that newer strata versions can add some.
 */
#include <string.h>

#include "cluster/cluster_int.h"

static int set_str(char **field, const char *value)
{
	char *copy = st_strdup(value);

	if (copy == NULL)
		return STRATA_ENOMEM;
	st_free(*field);
	*field = copy;
	return 0;
}

static void trim(char **start, char **end)
{
	while (*start < *end && (**start == ' ' || **start == '\t'))
		(*start)++;
	while (*end > *start && ((*end)[-1] == ' ' || (*end)[-1] == '\t' || (*end)[-1] == '\r'))
		(*end)--;
}

int st_cluster_meta_load(strata_cluster *c, strata_error *err)
{
	strata_buf content = STRATA_BUF_INIT;
	int rc;

	rc = st_file_read(&content, c->conf_file, 1024 * 1024, err);
	if (rc == 0)
		rc = st_cluster_meta_parse(c, content.ptr, content.len, err);
	strata_buf_release(&content);
	return rc;
}

int st_cluster_meta_parse(strata_cluster *c, const char *text, size_t len, strata_error *err)
{
	strata_buf content = STRATA_BUF_INIT;
	char *line, *next;
	int rc = 0, lineno = 0;

	if (memchr(text, '\0', len) != NULL)
		return strata_error_set(err, STRATA_EINVAL, "'%s' holds a NUL byte", c->conf_file);
	if (strata_buf_append(&content, text, len) != 0)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	for (line = content.ptr; line != NULL && *line != '\0'; line = next) {
		char *eq, *kend, *vstart, *vend;

		lineno++;
		next = strchr(line, '\n');
		vend = next ? next : line + strlen(line);
		if (next != NULL)
			*next++ = '\0';
		if (*line == '#' || *line == '\0')
			continue;
		eq = strchr(line, '=');
		if (eq == NULL) {
			rc = strata_error_set(err, STRATA_EINVAL, "'%s' line %d: expected key = value",
				c->conf_file, lineno);
			goto done;
		}
		kend = eq;
		vstart = eq + 1;
		trim(&line, &kend);
		trim(&vstart, &vend);
		*kend = '\0';
		*vend = '\0';
		if (*vstart == '\0' && (strcmp(line, "bindir") == 0 || strcmp(line, "data_dir") == 0 ||
			strcmp(line, "socket_dir") == 0 || strcmp(line, "log_dir") == 0)) {
			rc = strata_error_set(err, STRATA_EINVAL, "'%s' line %d: '%s' has no value",
				c->conf_file, lineno, line);
			goto done;
		}
		if (strcmp(line, "port") == 0) {
			if (st_parse_int(&c->port, vstart, 1, 65535) != 0) {
				rc = strata_error_set(err, STRATA_EINVAL, "'%s' line %d: bad port '%s'",
					c->conf_file, lineno, vstart);
				goto done;
			}
		} else if (strcmp(line, "bindir") == 0 && c->bindir_opt == NULL) {
			rc = set_str(&c->bindir, vstart);
		} else if (strcmp(line, "data_dir") == 0) {
			rc = set_str(&c->data_dir, vstart);
		} else if (strcmp(line, "socket_dir") == 0) {
			rc = set_str(&c->sock_dir, vstart);
		} else if (strcmp(line, "log_dir") == 0) {
			rc = set_str(&c->log_dir, vstart);
		}
		if (rc != 0) {
			rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
			goto done;
		}
	}
done:
	strata_buf_release(&content);
	return rc;
}

int st_cluster_meta_save(strata_cluster *c, strata_error *err)
{
	strata_buf b = STRATA_BUF_INIT;
	int rc;

	strata_buf_puts(&b, "# Written by strata (strata dev). Delete the folder to forget the cluster.\n");
	strata_buf_printf(&b, "port = %d\n", c->port);
	strata_buf_printf(&b, "bindir = %s\n", c->bindir);
	strata_buf_printf(&b, "pg_major = %d\n", c->pg_major);
	strata_buf_printf(&b, "data_dir = %s\n", c->data_dir);
	strata_buf_printf(&b, "socket_dir = %s\n", c->sock_dir);
	strata_buf_printf(&b, "log_dir = %s\n", c->log_dir);
	strata_buf_printf(&b, "server_user = %s\n", c->as_other_user ? c->os_user : "(the invoking user)");
	if (strata_buf_failed(&b))
		rc = strata_error_set(err, STRATA_ENOMEM, "out of memory");
	else
		rc = st_file_write_atomic(c->conf_file, b.ptr, b.len, 0644, err);
	strata_buf_release(&b);
	return rc;
}
