/* One passwd-file entry read in its line (pwfile.c parses and edits the
 * file): the fields where they are in the line's text, the extra fields
 * (Dovecot's space-separated key=value words), the password's scheme, and
 * the line a new entry is written as. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A NUL byte inside a field ends it there, as a string would. */
void pwentry_split(struct arena *ar, const char *text, size_t len, struct pwfile_entry *e,
		   size_t *ncolons)
{
	const char *p = text, *end = text + len;
	const char *c = memchr(p, ':', len);
	if (ar) {
		size_t ulen = (size_t)((c ? c : end) - p);
		const char *nul = memchr(p, '\0', ulen);
		e->user = arena_memdup0(ar, p, nul ? (size_t)(nul - p) : ulen);
	}
	e->text = text;
	e->len = (uint32_t)len;   /* doc lines are shorter than 4 GiB (doc.c) */
	e->fields = 0;
	*ncolons = 0;
	for (size_t k = 0; k < PWFILE_NFIELDS; k++)
		e->at[k] = (uint32_t)len;
	while (c && e->fields < PWFILE_NFIELDS) {
		e->at[e->fields++] = (uint32_t)(c + 1 - text);
		(*ncolons)++;
		p = c + 1;
		c = e->fields < PWFILE_NFIELDS ? memchr(p, ':', (size_t)(end - p)) : NULL;
	}
	if (e->fields == PWFILE_NFIELDS)
		for (const char *q = text + e->at[PWFILE_EXTRA]; q < end; q++)
			*ncolons += *q == ':';
}

const char *pwfile_field(const struct pwfile_entry *e, enum pwfile_field f, size_t *len)
{
	if ((unsigned)f >= e->fields) {
		*len = 0;
		return "";
	}
	unsigned next = (unsigned)f + 1;
	size_t end = next < e->fields && next < PWFILE_NFIELDS ? e->at[next] - 1 : e->len;
	const char *s = e->text + e->at[f];
	const char *nul = memchr(s, '\0', end - e->at[f]);
	*len = nul ? (size_t)(nul - s) : end - e->at[f];
	return s;
}

char *pwfile_field_dup(const struct pwfile_entry *e, enum pwfile_field f)
{
	size_t len;
	const char *s = pwfile_field(e, f, &len);
	return xstrndup(s, len);
}

bool pwfile_field_set(const struct pwfile_entry *e, enum pwfile_field f)
{
	size_t len;
	pwfile_field(e, f, &len);
	return len > 0;
}

/* The line of f, as pwfile_add writes it: all six colons, and ":extra"
 * when extra is not empty. */
void pwentry_line(const struct pwfile_fields *f, struct strbuf *line)
{
	const char *v[6] = { f->password, f->uid, f->gid, f->gecos, f->home, f->shell };
	sb_adds(line, f->user ? f->user : "");
	for (size_t i = 0; i < 6; i++) {
		sb_addc(line, ':');
		sb_adds(line, v[i] ? v[i] : "");
	}
	if (f->extra && *f->extra) {
		sb_addc(line, ':');
		sb_adds(line, f->extra);
	}
}

void pwfile_entry_of(const struct pwfile_fields *f, struct strbuf *line, struct pwfile_entry *e)
{
	sb_reset(line);
	pwentry_line(f, line);
	memset(e, 0, sizeof *e);
	/* Where each field starts, from their lengths: a field holding ':'
	 * (which pwfile_add refuses) is still read whole. */
	const char *v[PWFILE_NFIELDS] = { f->password, f->uid, f->gid, f->gecos, f->home, f->shell,
					  f->extra };
	size_t at = strlen(f->user ? f->user : "");
	e->fields = f->extra && *f->extra ? PWFILE_NFIELDS : PWFILE_NFIELDS - 1;
	for (size_t k = 0; k < PWFILE_NFIELDS; k++) {
		e->at[k] = (uint32_t)(k < e->fields ? at + 1 : line->len);
		at += 1 + (v[k] ? strlen(v[k]) : 0);
	}
	e->text = line->buf;
	e->len = (uint32_t)line->len;
	e->user = (char *)(uintptr_t)(f->user ? f->user : "");
}

/* ---- extra fields ---- */

/* The next field of the bytes [*pos, end). */
bool pwentry_next_word(const char **pos, const char *end, struct pwentry_word *f)
{
	const char *s = *pos;
	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return false;
	const char *e = memchr(s, ' ', (size_t)(end - s));
	if (!e)
		e = end;
	f->start = s;
	f->len = (size_t)(e - s);
	const char *eq = memchr(s, '=', f->len);
	f->keylen = eq ? (size_t)(eq - s) : f->len;
	*pos = e;
	return true;
}

bool pwentry_word_is(const struct pwentry_word *f, const char *key)
{
	return strlen(key) == f->keylen && memcmp(f->start, key, f->keylen) == 0;
}

static bool has_field(const char *extra, const char *key)
{
	struct pwentry_word f;
	const char *pos = extra, *end = extra + strlen(extra);
	while (pwentry_next_word(&pos, end, &f))
		if (pwentry_word_is(&f, key))
			return true;
	return false;
}

/* The field name a request for key means in this extra string: a
 * "userdb_"-prefixed key as is; a bare key prefers its userdb_ form, then
 * the bare (passdb) field; NULL when neither is present. */
char *pwentry_resolve_key(const char *extra, const char *key)
{
	if (strncmp(key, "userdb_", 7) == 0)
		return has_field(extra, key) ? xstrdup(key) : NULL;
	char *u = xasprintf("userdb_%s", key);
	if (has_field(extra, u))
		return u;
	free(u);
	return has_field(extra, key) ? xstrdup(key) : NULL;
}

/* Whether field f is named prefix + key. */
static bool field_is2(const struct pwentry_word *f, const char *prefix, size_t plen, const char *key,
		      size_t klen)
{
	return f->keylen == plen + klen && memcmp(f->start, prefix, plen) == 0 &&
	       memcmp(f->start + plen, key, klen) == 0;
}

const char *pwfile_extra_find(const struct pwfile_entry *e, const char *key, size_t *len)
{
	/* pwentry_resolve_key()'s choice in one pass, without building "userdb_key":
	 * a later field of the same name replaces an earlier one in Dovecot's
	 * field list, and a userdb_ field wins over a bare one. */
	bool prefixed = strncmp(key, "userdb_", 7) == 0;
	size_t klen = strlen(key);
	struct pwentry_word f, hit_u = { 0 }, hit_b = { 0 };
	size_t xlen;
	const char *pos = pwfile_field(e, PWFILE_EXTRA, &xlen), *end = pos + xlen;
	while (pwentry_next_word(&pos, end, &f)) {
		if (field_is2(&f, "userdb_", prefixed ? 0 : 7, key, klen))
			hit_u = f;
		else if (!prefixed && field_is2(&f, "", 0, key, klen))
			hit_b = f;
	}
	const struct pwentry_word *hit = hit_u.start ? &hit_u : hit_b.start ? &hit_b : NULL;
	if (!hit)
		return NULL;
	if (hit->keylen == hit->len) {
		*len = 0;
		return hit->start + hit->len;
	}
	*len = hit->len - hit->keylen - 1;
	return hit->start + hit->keylen + 1;
}

char *pwfile_extra_get(const struct pwfile_entry *e, const char *key)
{
	size_t len;
	const char *v = pwfile_extra_find(e, key, &len);
	return v ? xstrndup(v, len) : NULL;
}

/* The n bytes at s start with prefix. */
static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

char *pwfile_scheme(const struct pwfile_entry *e)
{
	size_t len;
	const char *pw = pwfile_field(e, PWFILE_PASSWORD, &len);
	if (len == 0)
		return xstrdup("");
	if (pw[0] == '{') {
		const char *close = memchr(pw, '}', len);
		if (close) {
			char *s = xstrndup(pw + 1, (size_t)(close - pw - 1));
			for (char *q = s; *q; q++)
				if (*q >= 'a' && *q <= 'z')
					*q = (char)(*q - 'a' + 'A');
			return s;
		}
	}
	if (starts(pw, len, "$6$"))
		return xstrdup("SHA512-CRYPT");
	if (starts(pw, len, "$5$"))
		return xstrdup("SHA256-CRYPT");
	if (starts(pw, len, "$2y$") || starts(pw, len, "$2b$") || starts(pw, len, "$2a$"))
		return xstrdup("BLF-CRYPT");
	if (starts(pw, len, "$1$"))
		return xstrdup("MD5-CRYPT");
	/* libpam-pwdfile's "hash[NN]" form, which Dovecot still reads. */
	if (len > 4 && pw[0] != '$' && pw[len - 1] == ']' && pw[len - 4] == '[' &&
	    is_digit(pw[len - 3]) && is_digit(pw[len - 2])) {
		int num = (pw[len - 3] - '0') * 10 + (pw[len - 2] - '0');
		if (num == 34)
			return xstrdup("PLAIN-MD5");
		if (num == 56)
			return xstrdup("DIGEST-MD5");
	}
	return xstrdup("CRYPT");
}
