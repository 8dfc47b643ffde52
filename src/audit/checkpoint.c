/*
 * checkpoint.c: signed checkpoints of a chain (Ed25519 through OpenSSL).
 *
 * A checkpoint states "chain C had N entries and entry N's hash was H" at
 * a time, signed with a key kept outside the database. Whoever holds the
 * text and the public key can later prove that the chain still extends it:
 * a chain cut short or restored from an older backup does not.
 *
 * The text (docs/ledger.md):
 *
 *   strata audit checkpoint v1
 *   chain: strata
 *   size: 1234
 *   head: <64 hex digits>
 *   time: 2026-11-22T05:00:00Z
 *   key: <16 hex digits: the first 8 bytes of SHA-256 of the raw public key>
 *   <empty line>
 *   signature: <base64 of the 64-byte Ed25519 signature of the six lines above, each ending in \n>
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "audit/audit_int.h"
#include "crypto/crypto.h"

#define MAGIC "strata audit checkpoint v1"

static void key_id(char out[17], EVP_PKEY *key)
{
	unsigned char raw[32], digest[32];
	size_t len = sizeof(raw);

	out[0] = '\0';
	if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1)
		return;
	st_sha256(digest, raw, len);
	st_hex_encode(out, digest, 8);
	out[16] = '\0';
}

static int write_new(const char *path, const char *data, size_t len, int mode, strata_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	ssize_t n;

	if (fd < 0)
		return strata_error_set(err, errno == EEXIST ? STRATA_EINVAL : STRATA_EIO, "cannot create '%s': %s",
			path, errno == EEXIST ? "it exists (a key is never overwritten)" : strerror(errno));
	n = write(fd, data, len);
	if (n != (ssize_t)len || fsync(fd) != 0) {
		int e = errno;

		close(fd);
		unlink(path);
		return strata_error_set(err, STRATA_EIO, "cannot write '%s': %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

/* PEM of a key into out (private or public). */
static int pem(strata_buf *out, EVP_PKEY *key, int private)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long len;
	int ok;

	if (bio == NULL)
		return -1;
	ok = private ? PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)
		: PEM_write_bio_PUBKEY(bio, key);
	len = BIO_get_mem_data(bio, &data);
	if (ok == 1 && len > 0)
		strata_buf_append(out, data, (size_t)len);
	BIO_free(bio);
	return ok == 1 && !strata_buf_failed(out) ? 0 : -1;
}

int strata_audit_keygen(const char *private_path, const char *public_path, strata_error *err)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	EVP_PKEY *key = NULL;
	strata_buf priv = STRATA_BUF_INIT, pub = STRATA_BUF_INIT;
	int rc = 0;

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &key) != 1)
		rc = strata_error_set(err, STRATA_EINTERNAL, "cannot generate an Ed25519 key");
	if (rc == 0 && (pem(&priv, key, 1) != 0 || pem(&pub, key, 0) != 0))
		rc = strata_error_set(err, STRATA_ENOMEM, "cannot encode the key");
	if (rc == 0)
		rc = write_new(private_path, priv.ptr, priv.len, 0600, err);
	if (rc == 0) {
		rc = write_new(public_path, pub.ptr, pub.len, 0644, err);
		if (rc != 0)
			unlink(private_path);
	}
	if (priv.ptr != NULL)
		OPENSSL_cleanse(priv.ptr, priv.len);
	strata_buf_release(&priv);
	strata_buf_release(&pub);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* Reads a PEM key file; a private key must not be readable by group or others. */
static int load_key(EVP_PKEY **out, const char *path, int private, strata_error *err)
{
	strata_buf text = STRATA_BUF_INIT;
	struct stat st;
	BIO *bio;
	int rc;

	*out = NULL;
	if (private && stat(path, &st) == 0 && (st.st_mode & 077) != 0)
		return strata_error_set(err, STRATA_EINVAL,
			"private key '%s' is readable by others (mode %04o); run: chmod 600 %s", path,
			(unsigned)(st.st_mode & 07777), path);
	rc = st_file_read(&text, path, 64 * 1024, err);
	if (rc != 0)
		return rc;
	bio = BIO_new_mem_buf(text.ptr, (int)text.len);
	if (bio != NULL)
		*out = private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (text.ptr != NULL)
		OPENSSL_cleanse(text.ptr, text.len);
	strata_buf_release(&text);
	if (*out == NULL || EVP_PKEY_get_id(*out) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(*out);
		*out = NULL;
		return strata_error_set(err, STRATA_EINVAL, "'%s' is not an Ed25519 %s key in PEM form", path,
			private ? "private" : "public");
	}
	return 0;
}

static void body(strata_buf *out, const strata_audit_checkpoint *cp)
{
	char head[65], when[32];

	st_hex_encode(head, cp->head, sizeof(cp->head));
	head[64] = '\0';
	/* Seconds are enough: "2026-11-22T05:00:00Z". */
	if (st_utc_text(when, sizeof(when), cp->time * 1000000, 0) != 0)
		st_snprintf(when, sizeof(when), "%lld", (long long)cp->time);
	strata_buf_printf(out, MAGIC "\nchain: %s\nsize: %lld\nhead: %s\ntime: %s\nkey: %s\n", cp->chain,
		(long long)cp->size, head, when, cp->key_id);
}

int strata_audit_checkpoint_format(strata_buf *out, const strata_audit_checkpoint *cp)
{
	unsigned char b64[96];

	body(out, cp);
	EVP_EncodeBlock(b64, cp->signature, sizeof(cp->signature));
	strata_buf_printf(out, "\nsignature: %s\n", b64);
	return strata_buf_failed(out) ? STRATA_ENOMEM : 0;
}

static int sign(strata_audit_checkpoint *cp, EVP_PKEY *key, strata_error *err)
{
	strata_buf b = STRATA_BUF_INIT;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t len = sizeof(cp->signature);
	int rc = 0;

	key_id(cp->key_id, key);
	body(&b, cp);
	if (md == NULL || strata_buf_failed(&b) || EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 ||
		EVP_DigestSign(md, cp->signature, &len, (const unsigned char *)b.ptr, b.len) != 1 ||
		len != sizeof(cp->signature))
		rc = strata_error_set(err, STRATA_EINTERNAL, "cannot sign the checkpoint");
	else
		cp->signed_ = 1;
	EVP_MD_CTX_free(md);
	strata_buf_release(&b);
	return rc;
}

int strata_audit_checkpoint_check(const strata_audit_checkpoint *cp, const char *public_key_path,
	strata_error *err)
{
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;
	strata_buf b = STRATA_BUF_INIT;
	char id[17];
	int rc = load_key(&key, public_key_path, 0, err);

	if (rc != 0)
		return rc;
	key_id(id, key);
	if (strcmp(id, cp->key_id) != 0) {
		rc = strata_error_set(err, STRATA_EINVAL,
			"the checkpoint was signed with key %s; '%s' is key %s", cp->key_id, public_key_path, id);
		goto done;
	}
	body(&b, cp);
	md = EVP_MD_CTX_new();
	if (md == NULL || strata_buf_failed(&b) || EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) != 1 ||
		EVP_DigestVerify(md, cp->signature, sizeof(cp->signature), (const unsigned char *)b.ptr, b.len) != 1)
		rc = strata_error_set(err, STRATA_EINVAL,
			"the checkpoint's signature does not verify with '%s': the checkpoint was altered", public_key_path);
done:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	strata_buf_release(&b);
	return rc;
}

/* "YYYY-MM-DDTHH:MM:SSZ" to Unix seconds; -1 when malformed. */
static int64_t parse_time(const char *s)
{
	int y, mo, d, h, mi, sec;
	char z = 0;
	int64_t days, yy, era, yoe, doy, doe;

	if (strlen(s) != 20 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) != 7 ||
		z != 'Z' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	/* Civil date to days (Howard Hinnant's algorithm). */
	yy = y - (mo <= 2);
	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	days = era * 146097 + doe - 719468;
	return days * 86400 + h * 3600 + mi * 60 + sec;
}

static int is_hex(const char *s, size_t n)
{
	size_t i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int strata_audit_checkpoint_parse(strata_audit_checkpoint *cp, const char *text, size_t len,
	strata_error *err)
{
	static const char *const keys[] = { NULL, "chain: ", "size: ", "head: ", "time: ", "key: ", NULL,
		"signature: " };
	char line[512];
	const char *p = text, *end = text + len;
	int n;

	memset(cp, 0, sizeof(*cp));
	for (n = 0; n < 8; n++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l;
		const char *v;

		if (nl == NULL)
			return strata_error_set(err, STRATA_EINVAL, "line %d: the checkpoint ends early", n + 1);
		l = (size_t)(nl - p);
		if (l >= sizeof(line))
			return strata_error_set(err, STRATA_EINVAL, "line %d is too long", n + 1);
		memcpy(line, p, l);
		line[l] = '\0';
		p = nl + 1;
		if (n == 0) {
			if (strcmp(line, MAGIC) != 0)
				return strata_error_set(err, STRATA_EINVAL, "line 1: not a strata checkpoint (want '" MAGIC "')");
			continue;
		}
		if (n == 6) {
			if (line[0] != '\0')
				return strata_error_set(err, STRATA_EINVAL, "line 7: want an empty line before the signature");
			continue;
		}
		if (strncmp(line, keys[n], strlen(keys[n])) != 0)
			return strata_error_set(err, STRATA_EINVAL, "line %d: want '%s...'", n + 1, keys[n]);
		v = line + strlen(keys[n]);
		switch (n) {
		case 1:
			if (v[0] == '\0' || strlen(v) >= sizeof(cp->chain))
				return strata_error_set(err, STRATA_EINVAL, "line 2: bad chain name");
			st_strlcpy(cp->chain, v, sizeof(cp->chain));
			break;
		case 2: {
			char *e;

			cp->size = strtoll(v, &e, 10);
			if (*e != '\0' || cp->size < 1 || v[0] < '1' || v[0] > '9')
				return strata_error_set(err, STRATA_EINVAL, "line 3: bad size '%s'", v);
			break;
		}
		case 3:
			if (!is_hex(v, 64) || st_hex_decode(cp->head, v, sizeof(cp->head)) != 0)
				return strata_error_set(err, STRATA_EINVAL, "line 4: the head must be 64 lowercase hex digits");
			break;
		case 4:
			cp->time = parse_time(v);
			if (cp->time < 0)
				return strata_error_set(err, STRATA_EINVAL, "line 5: bad time '%s' (want YYYY-MM-DDTHH:MM:SSZ)", v);
			break;
		case 5:
			if (!is_hex(v, 16))
				return strata_error_set(err, STRATA_EINVAL, "line 6: the key id must be 16 lowercase hex digits");
			st_strlcpy(cp->key_id, v, sizeof(cp->key_id));
			break;
		case 7: {
			unsigned char raw[96];

			if (strlen(v) != 88 || EVP_DecodeBlock(raw, (const unsigned char *)v, 88) != 66)
				return strata_error_set(err, STRATA_EINVAL, "line 8: the signature is not 64 bytes of base64");
			memcpy(cp->signature, raw, 64);
			cp->signed_ = 1;
			break;
		}
		default:
			break;
		}
	}
	while (p < end && (*p == '\n' || *p == ' ' || *p == '\r' || *p == '\t'))
		p++;
	if (p != end)
		return strata_error_set(err, STRATA_EINVAL, "line 9: unexpected text after the signature");
	return 0;
}

int strata_audit_checkpoint_create(strata_conn *c, const char *schema, const char *chain,
	const char *private_key_path, strata_audit_checkpoint *cp, strata_error *err)
{
	strata_audit_verify_options o;
	strata_audit_verify_result r;
	strata_buf sql = STRATA_BUF_INIT, text = STRATA_BUF_INIT;
	EVP_PKEY *key = NULL;
	char size[24], head[67], sig[131], when[24];
	const char *params[7];
	int rc;

	memset(cp, 0, sizeof(*cp));
	rc = load_key(&key, private_key_path, 1, err);
	if (rc != 0)
		return rc;
	/* Sign only what verifies: the head is the hash computed here, not the one stored. */
	memset(&o, 0, sizeof(o));
	o.schema = schema;
	o.chain = chain;
	rc = strata_audit_verify(c, &o, &r, err);
	if (rc == 0 && r.kind != STRATA_AUDIT_INTACT)
		rc = strata_error_set(err, STRATA_ESTATE, "chain '%s' is broken at entry %lld (%s): %s", chain,
			(long long)r.seq, strata_audit_break_name(r.kind), r.detail);
	if (rc == 0 && r.last_seq < 1)
		rc = strata_error_set(err, STRATA_ESTATE, "chain '%s' is empty: nothing to checkpoint", chain);
	if (rc == 0) {
		st_strlcpy(cp->chain, chain, sizeof(cp->chain));
		cp->size = r.last_seq;
		memcpy(cp->head, r.head, sizeof(cp->head));
		cp->time = (int64_t)time(NULL);
		rc = sign(cp, key, err);
	}
	if (rc == 0) {
		strata_audit_checkpoint_format(&text, cp);
		st_snprintf(size, sizeof(size), "%lld", (long long)cp->size);
		head[0] = '\\';
		head[1] = 'x';
		st_hex_encode(head + 2, cp->head, 32);
		head[66] = '\0';
		sig[0] = '\\';
		sig[1] = 'x';
		st_hex_encode(sig + 2, cp->signature, 64);
		sig[130] = '\0';
		st_snprintf(when, sizeof(when), "%lld", (long long)cp->time);
		params[0] = chain;
		params[1] = size;
		params[2] = head;
		params[3] = when;
		params[4] = cp->key_id;
		params[5] = sig;
		params[6] = strata_buf_cstr(&text);
		strata_buf_puts(&sql, "INSERT INTO ");
		st_audit_table(&sql, schema, "audit_checkpoints (chain, size, head_hash, signed_at, key_id, signature,"
			" checkpoint) VALUES ($1, $2::bigint, $3::bytea, to_timestamp($4::bigint), $5, $6::bytea, $7)");
		rc = strata_buf_failed(&sql) || strata_buf_failed(&text)
			? strata_error_set(err, STRATA_ENOMEM, "out of memory")
			: strata_conn_execp(c, strata_buf_cstr(&sql), 7, params, err);
		if (rc != 0)
			strata_error_prefix(err, "cannot record the checkpoint");
	}
	EVP_PKEY_free(key);
	strata_buf_release(&sql);
	strata_buf_release(&text);
	return rc;
}
