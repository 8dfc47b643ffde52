/*
 * checksum.c: the two checksums of a SQL file (a migration, a seed).
 *
 * The normalised checksum is what decides whether an applied migration
 * changed: it ignores a UTF-8 BOM, CRLF or CR line endings, blanks at the
 * end of lines and blank lines at the end of the file, so that an editor or
 * a git setting cannot make a file look edited. The raw checksum (of the
 * bytes as they are) is kept in the ledger too, for forensics.
 */
#include <string.h>

#include "crypto/crypto.h"

int st_text_checksums(char norm[65], char raw[65], const char *text, size_t len)
{
	strata_buf n = STRATA_BUF_INIT;
	size_t i = 0, line_start;
	int rc;

	rc = st_sha256_hex(raw, text, len);
	if (rc != 0)
		return rc;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	if (strata_buf_reserve(&n, len) != 0)
		return STRATA_ENOMEM;
	line_start = 0;
	for (; i < len; i++) {
		char c = text[i];

		if (c == '\r') {
			if (i + 1 < len && text[i + 1] == '\n')
				i++;
			c = '\n';
		}
		if (c == '\n') {
			/* Drop the blanks that ended the line. */
			while (n.len > line_start && (n.ptr[n.len - 1] == ' ' || n.ptr[n.len - 1] == '\t'))
				n.len--;
			strata_buf_putc(&n, '\n');
			line_start = n.len;
			continue;
		}
		strata_buf_putc(&n, c);
	}
	/* Blanks and empty lines at the end do not count. */
	while (n.len > 0 && (n.ptr[n.len - 1] == ' ' || n.ptr[n.len - 1] == '\t' ||
		n.ptr[n.len - 1] == '\n'))
		n.len--;
	if (strata_buf_failed(&n)) {
		strata_buf_release(&n);
		return STRATA_ENOMEM;
	}
	rc = st_sha256_hex(norm, n.ptr ? n.ptr : "", n.len);
	strata_buf_release(&n);
	return rc;
}
