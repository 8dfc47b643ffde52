/*
 * fs.c: the file and path operations libstrata needs: whole-file reads with a
 * size cap, atomic writes (temporary file, fsync, rename), recursive mkdir,
 * remove, size and chown. Errors name the path and the OS reason.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base.h"

int st_file_read(strata_buf *out, const char *path, size_t max, strata_error *err)
{
	char chunk[8192];
	int fd = -1, rc = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return strata_error_set(err, errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO,
			"cannot read '%s': %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = strata_error_set(err, STRATA_EIO, "cannot read '%s': %s", path, strerror(errno));
			goto done;
		}
		if (max > 0 && out->len + (size_t)n > max) {
			rc = strata_error_set(err, STRATA_EINVAL, "cannot read '%s': larger than %zu bytes",
				path, max);
			goto done;
		}
		if (strata_buf_append(out, chunk, (size_t)n) != 0) {
			rc = strata_error_set(err, STRATA_ENOMEM, "cannot read '%s': out of memory", path);
			goto done;
		}
	}
	if (out->ptr == NULL && strata_buf_reserve(out, 0) != 0)
		rc = strata_error_set(err, STRATA_ENOMEM, "cannot read '%s': out of memory", path);
done:
	close(fd);
	return rc;
}

int st_file_write_atomic(const char *path, const void *data, size_t len, int mode,
	strata_error *err)
{
	strata_buf tmp = STRATA_BUF_INIT;
	const char *p = data;
	int fd = -1, rc = 0;

	strata_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if (strata_buf_failed(&tmp))
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	fd = open(strata_buf_cstr(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = strata_error_set(err, STRATA_EIO, "cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	/* open() applies the umask; the caller's mode is what it asked for. */
	if (fchmod(fd, (mode_t)mode) != 0) {
		rc = strata_error_set(err, STRATA_EIO, "cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = strata_error_set(err, STRATA_EIO, "cannot write '%s': %s", path,
				strerror(errno));
			goto done;
		}
		p += w;
		len -= (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = strata_error_set(err, STRATA_EIO, "cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = strata_error_set(err, STRATA_EIO, "cannot write '%s': %s", path, strerror(errno));
		goto done;
	}
	fd = -1;
	if (rename(strata_buf_cstr(&tmp), path) != 0)
		rc = strata_error_set(err, STRATA_EIO, "cannot write '%s': %s", path, strerror(errno));
done:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(strata_buf_cstr(&tmp));
	strata_buf_release(&tmp);
	return rc;
}

int st_mkdir_p(const char *path, int mode, strata_error *err)
{
	strata_buf b = STRATA_BUF_INIT;
	char *p;
	int rc = 0;

	if (*path == '\0')
		return strata_error_set(err, STRATA_EINVAL, "cannot create a directory with an empty name");
	if (strata_buf_puts(&b, path) != 0)
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	for (p = b.ptr + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;
			*p = '\0';
			if (mkdir(b.ptr, (mode_t)mode) != 0 && errno != EEXIST) {
				rc = strata_error_set(err, STRATA_EIO, "cannot create directory '%s': %s",
					b.ptr, strerror(errno));
				goto done;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	if (!st_is_dir(path))
		rc = strata_error_set(err, STRATA_EIO, "cannot create directory '%s': not a directory",
			path);
done:
	strata_buf_release(&b);
	return rc;
}

static int rmtree_at(int parent, const char *name, const char *shown, strata_error *err)
{
	struct stat st;
	DIR *d = NULL;
	struct dirent *de;
	int fd = -1, rc = 0;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return 0;
		return strata_error_set(err, STRATA_EIO, "cannot remove '%s': %s", shown, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(parent, name, 0) != 0 && errno != ENOENT)
			return strata_error_set(err, STRATA_EIO, "cannot remove '%s': %s", shown,
				strerror(errno));
		return 0;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return strata_error_set(err, STRATA_EIO, "cannot remove '%s': %s", shown, strerror(errno));
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return strata_error_set(err, STRATA_EIO, "cannot remove '%s': %s", shown, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = rmtree_at(dirfd(d), de->d_name, shown, err);
		if (rc != 0)
			break;
	}
	closedir(d);
	if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) != 0 && errno != ENOENT)
		rc = strata_error_set(err, STRATA_EIO, "cannot remove '%s': %s", shown, strerror(errno));
	return rc;
}

int st_rmtree(const char *path, strata_error *err)
{
	return rmtree_at(AT_FDCWD, path, path, err);
}

static int size_at(long long *total, int parent, const char *name)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode)) {
		if (S_ISREG(st.st_mode))
			*total += (long long)st.st_size;
		return 0;
	}
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		/* Files vanish while a server runs (temporary files); that is fine. */
		if (size_at(total, dirfd(d), de->d_name) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int st_dir_size(long long *out, const char *path, strata_error *err)
{
	long long total = 0;

	if (size_at(&total, AT_FDCWD, path) != 0)
		return strata_error_set(err, STRATA_EIO, "cannot measure '%s': %s", path,
			strerror(errno));
	*out = total;
	return 0;
}

int st_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int st_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int st_is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int st_realpath(strata_buf *out, const char *path, strata_error *err)
{
	char *resolved = realpath(path, NULL);

	if (resolved == NULL)
		return strata_error_set(err, errno == ENOENT ? STRATA_ENOTFOUND : STRATA_EIO,
			"cannot resolve '%s': %s", path, strerror(errno));
	strata_buf_clear(out);
	strata_buf_puts(out, resolved);
	free(resolved);
	if (strata_buf_failed(out))
		return strata_error_set(err, STRATA_ENOMEM, "out of memory");
	return 0;
}

int st_path_join(strata_buf *out, const char *a, const char *b)
{
	size_t la = strlen(a);

	strata_buf_clear(out);
	strata_buf_puts(out, a);
	if (la > 0 && a[la - 1] != '/')
		strata_buf_putc(out, '/');
	while (*b == '/')
		b++;
	strata_buf_puts(out, b);
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}

static int chown_at(int parent, const char *name, uid_t uid, gid_t gid)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd;

	if (fchownat(parent, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode))
		return 0;
	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (chown_at(dirfd(d), de->d_name, uid, gid) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int st_chown_tree(const char *path, uid_t uid, gid_t gid, strata_error *err)
{
	if (chown_at(AT_FDCWD, path, uid, gid) != 0)
		return strata_error_set(err, STRATA_EIO, "cannot change the owner of '%s': %s", path,
			strerror(errno));
	return 0;
}
