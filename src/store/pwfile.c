/* The Dovecot passwd-file as a document: entries read the way Dovecot 2.3's
 * db-passwd-file.c reads them, and edits that rewrite only the line (or the
 * one field) they change. The pwfile owns its document; entries are rebuilt
 * from the document after every edit. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vmailadm/i18n.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

struct pwfile {
	struct doc *doc;
	struct pwfile_entry *v;
	size_t n, cap;
	struct strmap *index;   /* lower-cased user -> index + 1 of its first entry */
};

static char *lower_dup(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return r;
}

static bool has_upper(const char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			return true;
	return false;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void entry_clear(struct pwfile_entry *e)
{
	free(e->user);
	free(e->password);
	free(e->uid);
	free(e->gid);
	free(e->gecos);
	free(e->home);
	free(e->shell);
	free(e->extra);
}

static void entries_clear(struct pwfile *p)
{
	for (size_t i = 0; i < p->n; i++)
		entry_clear(&p->v[i]);
	p->n = 0;
	strmap_free(&p->index);
}

/* Dovecot's userdb_parse_uid(): a number other than 0, or a name it looks
 * up in the system's passwd database. Names are not looked up here (the
 * mail server's passwd database may not be this machine's). */
static bool valid_id(const char *s)
{
	if (!*s)
		return true;
	if (is_digit(*s)) {
		unsigned long long v = 0;
		for (const char *p = s; *p; p++) {
			if (!is_digit(*p))
				return false;
			v = v * 10 + (unsigned long long)(*p - '0');
			if (v >= 0xffffffffULL)
				return false;
		}
		return v != 0;
	}
	/* A system user or group name: POSIX portable characters, not starting
	 * with '-' (so "-1" is not taken for a name). */
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		      c == '_' || c == '-' || c == '.' || (c == '$' && !p[1])))
			return false;
	}
	return true;
}

/* One line into an entry: fields split on every ':' (there is no escape),
 * the extra fields are everything after the seventh. */
static void split_line(const char *text, size_t len, struct pwfile_entry *e, size_t *ncolons)
{
	char **f[7] = { &e->user, &e->password, &e->uid, &e->gid, &e->gecos, &e->home,
			&e->shell };
	const char *p = text, *end = text + len;
	size_t k = 0;
	*ncolons = 0;
	for (; k < 7; k++) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		if (!c) {
			*f[k] = xstrndup(p, (size_t)(end - p));
			p = end;
			k++;
			break;
		}
		*f[k] = xstrndup(p, (size_t)(c - p));
		(*ncolons)++;
		p = c + 1;
	}
	for (; k < 7; k++)
		*f[k] = xstrdup("");
	e->extra = *ncolons == 7 ? xstrndup(p, (size_t)(end - p)) : xstrdup("");
	if (*ncolons == 7)
		for (const char *q = p; q < end; q++)
			*ncolons += *q == ':';
}

static void index_doc(struct pwfile *p, struct diags *d)
{
	entries_clear(p);
	size_t nl = doc_count(p->doc);
	p->index = strmap_create(nl);
	const char *file = doc_name(p->doc);
	for (size_t i = 0; i < nl; i++) {
		size_t len;
		const char *text = doc_text(p->doc, i, &len);
		unsigned line = (unsigned)i + 1;
		/* Dovecot skips exactly these; leading whitespace is not stripped. */
		if (len == 0 || text[0] == '#')
			continue;
		size_t k = 0;
		while (k < len && (text[k] == ' ' || text[k] == '\t'))
			k++;
		if (k == len)
			continue;
		if (text[0] == ':') {
			diag_error(d, file, line, _("empty user name: Dovecot ignores this line"));
			continue;
		}
		struct pwfile_entry e = { .first = i, .line = line };
		size_t ncolons;
		split_line(text, len, &e, &ncolons);
		if (k > 0)
			diag_warn(d, file, line,
				  _("user name \"%s\" starts with whitespace: Dovecot does not "
				    "skip indented lines"), e.user);
		else if (has_upper(e.user))
			diag_warn(d, file, line,
				  _("user name \"%s\" has upper-case letters: Dovecot looks up "
				    "lower-cased names, so this line never matches"), e.user);
		if (!valid_id(e.uid))
			diag_error(d, file, line, _("user %s has invalid UID \"%s\""), e.user, e.uid);
		if (!valid_id(e.gid))
			diag_error(d, file, line, _("user %s has invalid GID \"%s\""), e.user, e.gid);
		if (ncolons > 7 && e.extra[0] == ':')
			diag_warn(d, file, line,
				  _("user %s: the eighth field is empty, so Dovecot reads the "
				    "rest as userdb_mail (old format)"), e.user);
		char *key = lower_dup(e.user);
		void *prev = strmap_get(p->index, key);
		if (prev) {
			e.shadowed = true;
			diag_warn(d, file, line,
				  _("user %s exists more than once: line %u wins, this line is "
				    "ignored"), e.user, p->v[(size_t)(uintptr_t)prev - 1].line);
		}
		xgrow(&p->v, &p->cap, p->n + 1, sizeof *p->v);
		p->v[p->n++] = e;
		if (!prev)
			strmap_add(p->index, key, (void *)(uintptr_t)p->n);
		free(key);
	}
}

int pwfile_parse(struct doc *doc, struct pwfile **out, struct diags *d)
{
	struct pwfile *p = xcalloc(1, sizeof *p);
	p->doc = doc;
	index_doc(p, d);
	*out = p;
	return 0;
}

void pwfile_free(struct pwfile **pp)
{
	struct pwfile *p = *pp;
	if (!p)
		return;
	entries_clear(p);
	free(p->v);
	doc_free(&p->doc);
	free(p);
	*pp = NULL;
}

struct doc *pwfile_doc(const struct pwfile *p) { return p->doc; }
size_t pwfile_count(const struct pwfile *p) { return p->n; }

const struct pwfile_entry *pwfile_entry(const struct pwfile *p, size_t i)
{
	if (i >= p->n)
		vm_panic("pwfile_entry: %zu of %zu", i, p->n);
	return &p->v[i];
}

const struct pwfile_entry *pwfile_lookup(const struct pwfile *p, const char *user)
{
	char *key = lower_dup(user);
	void *v = strmap_get(p->index, key);
	free(key);
	return v ? &p->v[(size_t)(uintptr_t)v - 1] : NULL;
}

/* ---- extra fields -------------------------------------------------------- */

/* Walk the space-separated fields (Dovecot splits on ' ' only). */
struct field {
	const char *start;   /* the token */
	size_t len;
	size_t keylen;       /* up to '=' (or the whole token) */
};

static bool next_field(const char **pos, struct field *f)
{
	const char *s = *pos;
	while (*s == ' ')
		s++;
	if (!*s)
		return false;
	const char *e = strchr(s, ' ');
	if (!e)
		e = s + strlen(s);
	f->start = s;
	f->len = (size_t)(e - s);
	const char *eq = memchr(s, '=', f->len);
	f->keylen = eq ? (size_t)(eq - s) : f->len;
	*pos = e;
	return true;
}

static bool field_is(const struct field *f, const char *key)
{
	return strlen(key) == f->keylen && memcmp(f->start, key, f->keylen) == 0;
}

static bool has_field(const char *extra, const char *key)
{
	struct field f;
	const char *pos = extra;
	while (next_field(&pos, &f))
		if (field_is(&f, key))
			return true;
	return false;
}

/* The field name a request for key means in this extra string: a
 * "userdb_"-prefixed key as is; a bare key prefers its userdb_ form, then
 * the bare (passdb) field; NULL when neither is present. */
static char *resolve_key(const char *extra, const char *key)
{
	if (strncmp(key, "userdb_", 7) == 0)
		return has_field(extra, key) ? xstrdup(key) : NULL;
	char *u = xasprintf("userdb_%s", key);
	if (has_field(extra, u))
		return u;
	free(u);
	return has_field(extra, key) ? xstrdup(key) : NULL;
}

char *pwfile_extra_get(const struct pwfile_entry *e, const char *key)
{
	char *name = resolve_key(e->extra, key);
	if (!name)
		return NULL;
	/* A later field of the same name replaces an earlier one in Dovecot's
	 * field list. */
	struct field f, hit = { 0 };
	const char *pos = e->extra;
	while (next_field(&pos, &f))
		if (field_is(&f, name))
			hit = f;
	free(name);
	if (hit.keylen == hit.len)
		return xstrdup("");
	return xstrndup(hit.start + hit.keylen + 1, hit.len - hit.keylen - 1);
}

char *pwfile_scheme(const struct pwfile_entry *e)
{
	const char *pw = e->password;
	size_t len = strlen(pw);
	if (len == 0)
		return xstrdup("");
	if (pw[0] == '{') {
		const char *close = strchr(pw, '}');
		if (close) {
			char *s = xstrndup(pw + 1, (size_t)(close - pw - 1));
			for (char *q = s; *q; q++)
				if (*q >= 'a' && *q <= 'z')
					*q = (char)(*q - 'a' + 'A');
			return s;
		}
	}
	if (strncmp(pw, "$6$", 3) == 0)
		return xstrdup("SHA512-CRYPT");
	if (strncmp(pw, "$5$", 3) == 0)
		return xstrdup("SHA256-CRYPT");
	if (strncmp(pw, "$2y$", 4) == 0 || strncmp(pw, "$2b$", 4) == 0 ||
	    strncmp(pw, "$2a$", 4) == 0)
		return xstrdup("BLF-CRYPT");
	if (strncmp(pw, "$1$", 3) == 0)
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

/* ---- edits --------------------------------------------------------------- */

static void reindex(struct pwfile *p)
{
	struct diags scratch = DIAGS_INIT;
	index_doc(p, &scratch);
	diags_free(&scratch);
}

static bool has_any(const char *s, const char *bad)
{
	for (; *s; s++)
		if (strchr(bad, *s) || (unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static const char *domain_of(const char *user)
{
	const char *at = strrchr(user, '@');
	return at ? at + 1 : "";
}

int pwfile_add(struct pwfile *p, const struct pwfile_entry *e, struct diags *d)
{
	const char *file = doc_name(p->doc);
	const char *user = e->user ? e->user : "";
	const char *f[6] = { e->password, e->uid, e->gid, e->gecos, e->home, e->shell };
	if (!*user || user[0] == '#' || has_any(user, ": \t")) {
		diag_error(d, file, 0, _("invalid user name \"%s\""), user);
		return -1;
	}
	if (has_upper(user)) {
		diag_error(d, file, 0,
			   _("user name \"%s\" must be lower case (Dovecot looks up "
			     "lower-cased names)"), user);
		return -1;
	}
	for (size_t i = 0; i < 6; i++) {
		if (f[i] && has_any(f[i], ":")) {
			diag_error(d, file, 0,
				   _("user %s: a field holds ':' or a control character"), user);
			return -1;
		}
	}
	if (e->uid && !valid_id(e->uid)) {
		diag_error(d, file, 0, _("user %s has invalid UID \"%s\""), user, e->uid);
		return -1;
	}
	if (e->gid && !valid_id(e->gid)) {
		diag_error(d, file, 0, _("user %s has invalid GID \"%s\""), user, e->gid);
		return -1;
	}
	const char *extra = e->extra ? e->extra : "";
	if (has_any(extra, "") || extra[0] == ':') {
		diag_error(d, file, 0, _("user %s: invalid extra fields \"%s\""), user, extra);
		return -1;
	}
	const struct pwfile_entry *old = pwfile_lookup(p, user);
	if (old) {
		diag_error(d, file, old->line, _("user %s already exists"), old->user);
		return -1;
	}
	struct strbuf line = STRBUF_INIT;
	sb_adds(&line, user);
	for (size_t i = 0; i < 6; i++) {
		sb_addc(&line, ':');
		sb_adds(&line, f[i] ? f[i] : "");
	}
	if (*extra) {
		sb_addc(&line, ':');
		sb_adds(&line, extra);
	}
	/* Next to the domain's other users, so the file stays grouped. */
	size_t at = doc_count(p->doc);
	const char *dom = domain_of(user);
	for (size_t i = p->n; i-- > 0;) {
		if (strcasecmp(domain_of(p->v[i].user), dom) == 0) {
			at = p->v[i].first + 1;
			break;
		}
	}
	doc_insert(p->doc, at, sb_str(&line));
	sb_free(&line);
	reindex(p);
	return 0;
}

int pwfile_remove(struct pwfile *p, const char *user, struct diags *d)
{
	if (!pwfile_lookup(p, user)) {
		diag_error(d, doc_name(p->doc), 0, _("no user %s in the passwd-file"), user);
		return -1;
	}
	/* Shadowed duplicates go too: otherwise the next one would come back. */
	for (size_t i = p->n; i-- > 0;)
		if (strcasecmp(p->v[i].user, user) == 0)
			doc_delete(p->doc, p->v[i].first, 1);
	reindex(p);
	return 0;
}

/* The text of an entry's line for an in-place edit, or NULL (with a diag)
 * when it holds a NUL byte: the edit could not keep the rest of it. */
static const char *edit_text(struct pwfile *p, const struct pwfile_entry *e, size_t *len,
			     struct diags *d)
{
	const char *text = doc_text(p->doc, e->first, len);
	if (memchr(text, '\0', *len)) {
		diag_error(d, doc_name(p->doc), e->line,
			   _("the line of user %s holds a NUL byte; fix it by hand"), e->user);
		return NULL;
	}
	return text;
}

/* Offset of the n-th ':' in text (n >= 1), or len when there are fewer. */
static size_t colon_pos(const char *text, size_t len, size_t n)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] == ':' && --n == 0)
			return i;
	return len;
}

int pwfile_set_password(struct pwfile *p, const char *user, const char *password,
			struct diags *d)
{
	const struct pwfile_entry *e = pwfile_lookup(p, user);
	if (!e) {
		diag_error(d, doc_name(p->doc), 0, _("no user %s in the passwd-file"), user);
		return -1;
	}
	if (has_any(password, ":")) {
		diag_error(d, doc_name(p->doc), e->line,
			   _("user %s: a password must not hold ':' or control characters"),
			   e->user);
		return -1;
	}
	size_t len;
	const char *text = edit_text(p, e, &len, d);
	if (!text)
		return -1;
	size_t c1 = colon_pos(text, len, 1);
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, text, c1);
	sb_addc(&sb, ':');
	sb_adds(&sb, password);
	if (c1 < len) {
		size_t c2 = colon_pos(text, len, 2);
		sb_add(&sb, text + c2, len - c2);
	}
	doc_replace(p->doc, e->first, sb_str(&sb));
	sb_free(&sb);
	reindex(p);
	return 0;
}

int pwfile_set_extra(struct pwfile *p, const char *user, const char *key,
		     const char *value, struct diags *d)
{
	const char *file = doc_name(p->doc);
	const struct pwfile_entry *e = pwfile_lookup(p, user);
	if (!e) {
		diag_error(d, file, 0, _("no user %s in the passwd-file"), user);
		return -1;
	}
	if (!*key || has_any(key, " =")) {
		diag_error(d, file, e->line, _("invalid extra field name \"%s\""), key);
		return -1;
	}
	if (value && has_any(value, " ")) {
		diag_error(d, file, e->line,
			   _("the value of %s must not hold spaces or control characters"), key);
		return -1;
	}
	size_t len;
	const char *text = edit_text(p, e, &len, d);
	if (!text)
		return -1;
	size_t c7 = colon_pos(text, len, 7);
	char *extra = c7 < len ? xstrndup(text + c7 + 1, len - c7 - 1) : xstrdup("");
	char *name = resolve_key(extra, key);
	if (!name && !value) {
		free(extra);
		return 0;
	}
	/* Rebuild the extra part: kept fields keep their order and the spaces
	 * written before them; the first field of that name is rewritten in
	 * place, later ones of the same name are dropped. */
	struct strbuf nx = STRBUF_INIT;
	bool done = false, any = false;
	const char *pos = extra, *prev_end = extra;
	struct field f;
	while (next_field(&pos, &f)) {
		bool match = name && field_is(&f, name);
		if (match && (!value || done)) {
			prev_end = f.start + f.len;
			continue;
		}
		if (any)
			sb_add(&nx, prev_end, (size_t)(f.start - prev_end));
		else if (prev_end == extra)
			sb_add(&nx, extra, (size_t)(f.start - extra));
		if (match) {
			sb_add(&nx, f.start, f.keylen);
			sb_addc(&nx, '=');
			sb_adds(&nx, value);
			done = true;
		} else {
			sb_add(&nx, f.start, f.len);
		}
		any = true;
		prev_end = f.start + f.len;
	}
	if (value && !done) {
		if (any)
			sb_addc(&nx, ' ');
		sb_adds(&nx, key);
		sb_addc(&nx, '=');
		sb_adds(&nx, value);
		any = true;
	}
	if (any)
		sb_adds(&nx, prev_end);   /* trailing spaces as written */
	struct strbuf sb = STRBUF_INIT;
	sb_add(&sb, text, c7 < len ? c7 : len);
	size_t have = 0;
	for (size_t i = 0; i < len && i < c7; i++)
		have += text[i] == ':';
	if (nx.len > 0) {
		/* A short line ("user:{PLAIN}pw") is padded to seven colons. */
		for (; have < 6; have++)
			sb_addc(&sb, ':');
		sb_addc(&sb, ':');
		sb_add(&sb, nx.buf, nx.len);
	}
	doc_replace(p->doc, e->first, sb_str(&sb));
	sb_free(&sb);
	sb_free(&nx);
	free(extra);
	free(name);
	reindex(p);
	return 0;
}
