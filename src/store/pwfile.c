/* The Dovecot passwd-file as a document: entries read the way Dovecot 2.3's
 * db-passwd-file.c reads them, and edits that rewrite only the line (or the
 * one field) they change. The pwfile owns its document; entries read their
 * fields in its lines, their users (the index's keys) are in one arena; an
 * edit updates the entries and the index in place (pwfile_remove_many
 * parses the document again). */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/pwfile.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

struct pwfile {
	/* the document; the index of lower-cased users (the keys are the
	 * entries' own user fields, or folded copies, in the arena); the
	 * arena holds each entry's user (the fields are read in the
	 * document's lines: pwfile_field) */
	struct entrydoc ed;
	struct pwfile_entry *v;
	size_t cap;
	size_t parses;   /* whole reparses after an edit (pwfile_parses) */
	/* Issue 16: borrowed from another world's, as a table is (table.h:
	 * table_borrow; store_int.h's struct table) */
	struct pwfile *base;
	size_t refs;
	table_moved_fn *moved;
	void *moved_ctx;
};

/* s folded to lower case, in buf when it fits, else newly allocated. */
static char *fold_into(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);
	char *r = len < size ? buf : xmalloc(len + 1);
	for (size_t i = 0; i <= len; i++)
		r[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
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

/* Dovecot's userdb_parse_uid(): a number other than 0, or a name it looks
 * up in the system's passwd database. Names are not looked up here (the
 * mail server's passwd database may not be this machine's). */
static bool valid_id_n(const char *s, size_t n)
{
	if (!n)
		return true;
	const char *end = s + n;
	if (is_digit(*s)) {
		unsigned long long v = 0;
		for (const char *p = s; p < end; p++) {
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
	for (const char *p = s; p < end; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		      c == '_' || c == '-' || c == '.' || (c == '$' && p + 1 == end)))
			return false;
	}
	return true;
}

static bool valid_id(const char *s)
{
	return valid_id_n(s, strlen(s));
}

/* Field f of e is a valid uid or gid; else the error naming it. */
static void check_id(const struct pwfile_entry *e, enum pwfile_field f, const char *file,
		     struct diags *d)
{
	size_t len;
	const char *v = pwfile_field(e, f, &len);
	if (valid_id_n(v, len))
		return;
	char *id = xstrndup(v, len);
	if (f == PWFILE_UID)
		diag_error(d, file, e->line, _("user %s has invalid UID \"%s\""), e->user, id);
	else
		diag_error(d, file, e->line, _("user %s has invalid GID \"%s\""), e->user, id);
	free(id);
}

/* Dovecot uses the first line of a user. */
static void shadow(void *obj, size_t idx, size_t first, struct diags *d)
{
	struct pwfile *p = obj;
	struct pwfile_entry *e = &p->v[idx];
	e->shadowed = true;
	diag_warn(d, doc_name(p->ed.doc), e->line,
		  _("user %s exists more than once: line %u wins, this line is "
		    "ignored"), e->user, p->v[first].line);
}

static void index_doc(struct pwfile *p, struct diags *d)
{
	size_t nl = doc_count(p->ed.doc);
	entrydoc_restart(&p->ed, nl);
	/* At most one entry a line: one allocation, no doubling. */
	if (p->cap < nl) {
		p->v = xreallocarray(p->v, nl, sizeof *p->v);
		p->cap = nl;
		arena_populate(p->v, nl * sizeof *p->v);
	}
	const char *file = doc_name(p->ed.doc);
	for (size_t i = 0; i < nl; i++) {
		size_t len;
		const char *text = doc_text(p->ed.doc, i, &len);
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
		struct pwfile_entry e = { .line = line };
		size_t ncolons;
		pwentry_split(&p->ed.arena, text, len, &e, &ncolons);
		if (k > 0)
			diag_warn(d, file, line,
				  _("user name \"%s\" starts with whitespace: Dovecot does not "
				    "skip indented lines"), e.user);
		else if (has_upper(e.user))
			diag_warn(d, file, line,
				  _("user name \"%s\" has upper-case letters: Dovecot looks up "
				    "lower-cased names, so this line never matches"), e.user);
		check_id(&e, PWFILE_UID, file, d);
		check_id(&e, PWFILE_GID, file, d);
		if (ncolons > 7 && text[e.at[PWFILE_EXTRA]] == ':')
			diag_warn(d, file, line,
				  _("user %s: the eighth field is empty, so Dovecot reads the "
				    "rest as userdb_mail (old format)"), e.user);
		const char *key = e.user;
		if (has_upper(key))
			key = arena_fold(&p->ed.arena, key, strlen(key));
		p->v[p->ed.n++] = e;
		entrydoc_index_later(&p->ed, p->ed.n - 1, key, shadow, p, d);
	}
	entrydoc_index_pending(&p->ed, shadow, p, d);
}

struct pwfile *pwfile_parse(struct doc *doc, struct diags *d)
{
	struct pwfile *p = xcalloc(1, sizeof *p);
	p->ed.doc = doc;
	p->refs = 1;
	index_doc(p, d);
	return p;
}

void pwfile_forget_retired(struct pwfile *x)
{
	entrydoc_forget_retired(&x->ed);
}

void pwfile_free(struct pwfile **pp)
{
	struct pwfile *p = *pp;
	if (!p)
		return;
	*pp = NULL;
	if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;   /* a borrower frees it */
	if (!p->ed.borrowed)
		free(p->v);
	entrydoc_free(&p->ed);
	pwfile_free(&p->base);
	free(p);
}

struct pwfile *pwfile_borrow(struct pwfile *base)
{
	struct pwfile *p = xmalloc(sizeof *p);
	*p = *base;
	entrydoc_borrow(&p->ed, &base->ed);
	__atomic_add_fetch(&base->refs, 1, __ATOMIC_RELAXED);
	p->base = base;
	p->refs = 1;
	p->moved = NULL;
	p->moved_ctx = NULL;
	return p;
}

void pwfile_on_move(struct pwfile *p, table_moved_fn *moved, void *ctx)
{
	p->moved = moved;
	p->moved_ctx = ctx;
}

bool pwfile_borrowed(const struct pwfile *p) { return p->ed.borrowed; }

bool pwfile_own(struct pwfile *p)
{
	if (!p->ed.borrowed)
		return false;
	const struct pwfile_entry *old = p->v;
	p->cap = p->ed.n ? p->ed.n : 1;
	p->v = xreallocarray(NULL, p->cap, sizeof *p->v);
	if (p->ed.n)
		memcpy(p->v, old, p->ed.n * sizeof *p->v);
	entrydoc_own(&p->ed);
	p->parses++;   /* the entries moved */
	if (p->moved)
		p->moved(p->moved_ctx, old, p->v, p->ed.n * sizeof *p->v);
	return true;
}

/* Before every edit, as table.c's table_edit. */
static void pwfile_edit(struct pwfile *p)
{
	if (__atomic_load_n(&p->refs, __ATOMIC_ACQUIRE) > 1)
		vm_panic("passwd-file %s edited while another world borrows it", doc_name(p->ed.doc));
	pwfile_own(p);
}

struct doc *pwfile_doc(const struct pwfile *p) { return p->ed.doc; }
size_t pwfile_count(const struct pwfile *p) { return p->ed.n; }

const struct pwfile_entry *pwfile_entry(const struct pwfile *p, size_t i)
{
	entrydoc_check(&p->ed, i, "pwfile_entry");
	return &p->v[i];
}

const struct pwfile_entry *pwfile_lookup(const struct pwfile *p, const char *user)
{
	char buf[256];
	char *key = fold_into(user, buf, sizeof buf);
	size_t at = entrydoc_find(&p->ed, key);
	if (key != buf)
		free(key);
	return at ? &p->v[at - 1] : NULL;
}

/* ---- edits --------------------------------------------------------------- */

static void reindex(struct pwfile *p)
{
	struct diags scratch = DIAGS_INIT;
	index_doc(p, &scratch);
	diags_free(&scratch);
	p->parses++;
}

/* One edit made on the entries and the index in place instead of parsing
 * every line again (issue 16: the reparse of a 10,000-line passwd-file was
 * a third of a staged password change). A line's entry depends on its text
 * alone (no continuation lines) and on the earlier lines' users (shadowed),
 * which these edits keep: each gives exactly what index_doc gives on the
 * edited document (test_pwfile compares them). The replaced strings stay
 * in the arena (the index borrows its keys) until the next reparse. */

/* The lookup key of entry e as index_doc makes it. */
static const char *patch_key(struct pwfile *p, const struct pwfile_entry *e)
{
	return has_upper(e->user) ? arena_fold(&p->ed.arena, e->user, strlen(e->user)) : e->user;
}

/* Entries from..n moved by one: the index names each first-of-its-user at
 * its new position (shadowed entries are not in it). */
static void patch_reindex_from(struct pwfile *p, size_t from)
{
	for (size_t i = from; i < p->ed.n; i++)
		if (!p->v[i].shadowed)
			strmap_put(p->ed.index, patch_key(p, &p->v[i]), (void *)(uintptr_t)(i + 1));
}

/* Entry i's line replaced by text with the same user: split again. */
static void patch_line(struct pwfile *p, size_t i)
{
	struct pwfile_entry *e = &p->v[i], ne = { .line = e->line,
						 .shadowed = e->shadowed };
	size_t len, ncolons;
	const char *text = doc_text(p->ed.doc, PWFILE_FIRST(e), &len);
	pwentry_split(&p->ed.arena, text, len, &ne, &ncolons);
	*e = ne;
}

/* A new line at physical line at for a user not in the file. */
static void patch_insert(struct pwfile *p, size_t at)
{
	size_t pos = 0;
	while (pos < p->ed.n && PWFILE_FIRST(&p->v[pos]) < at)
		pos++;
	xgrow(&p->v, &p->cap, p->ed.n + 1, sizeof *p->v);
	memmove(p->v + pos + 1, p->v + pos, (p->ed.n - pos) * sizeof *p->v);
	p->ed.n++;
	for (size_t i = pos + 1; i < p->ed.n; i++) {
		p->v[i].line++;
	}
	struct pwfile_entry *e = &p->v[pos];
	memset(e, 0, sizeof *e);
	e->line = (unsigned)at + 1;
	size_t len, ncolons;
	const char *text = doc_text(p->ed.doc, at, &len);
	pwentry_split(&p->ed.arena, text, len, e, &ncolons);
	/* the entries after it one on in the index (its user was in none), then its own */
	if (!store_shift_cheaper(p->ed.n - 1 - pos, p->ed.n)) {
		patch_reindex_from(p, pos);
		return;
	}
	strmap_shift_values(p->ed.index, (uintptr_t)pos + 1, 1);
	strmap_put(p->ed.index, patch_key(p, e), (void *)(uintptr_t)(pos + 1));
}

/* Every line of the entries whose folded user is key deleted (the first,
 * which the index names, and its shadowed duplicates, after it), the later
 * entries moved up. The users are compared from the first on only, each
 * whose first letter matches (issue 16: two strcasecmp per line of a
 * 100,000-line file were most of a staged mailbox removal). */
static void patch_remove(struct pwfile *p, const char *key)
{
	size_t first = (size_t)(uintptr_t)strmap_get(p->ed.index, key);
	if (first-- == 0)
		return;
	size_t *gone = NULL, ngone = 0, cap = 0;
	int k0 = tolower((unsigned char)key[0]);
	for (size_t i = first; i < p->ed.n; i++)
		if (tolower((unsigned char)p->v[i].user[0]) == k0 && strcasecmp(p->v[i].user, key) == 0) {
			xgrow(&gone, &cap, ngone + 1, sizeof *gone);
			gone[ngone++] = i;
		}
	for (size_t g = ngone; g-- > 0;)   /* from the last: earlier lines hold */
		doc_delete(p->ed.doc, PWFILE_FIRST(&p->v[gone[g]]), 1);
	strmap_del(p->ed.index, key);
	size_t k = first, g = 0;
	for (size_t i = first; i < p->ed.n; i++) {
		struct pwfile_entry e = p->v[i];
		if (g < ngone && gone[g] == i) {
			g++;
			continue;
		}
		e.line -= (unsigned)g;
		p->v[k++] = e;
	}
	p->ed.n = k;
	free(gone);
	if (ngone == 1 && store_shift_cheaper(k - first, k))   /* the later positions one down */
		strmap_shift_values(p->ed.index, (uintptr_t)first + 2, -1);
	else
		patch_reindex_from(p, first);
}

size_t pwfile_parses(const struct pwfile *p)
{
	return p->parses;
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

const struct pwfile_entry *pwfile_neighbour(const struct pwfile *p, const char *user)
{
	const char *dom = domain_of(user);
	for (size_t i = p->ed.n; i-- > 0;)
		if (strcasecmp(domain_of(p->v[i].user), dom) == 0)
			return &p->v[i];
	return p->ed.n ? &p->v[p->ed.n - 1] : NULL;
}

/* Is line i of the file blank (nothing but white space)? */
static bool pwfile_line_blank(const struct pwfile *p, size_t i)
{
	size_t len;
	const char *s = doc_text(p->ed.doc, i, &len);
	for (size_t k = 0; k < len; k++)
		if (s[k] != ' ' && s[k] != '\t' && s[k] != '\r')
			return false;
	return true;
}

/* f can be written as a new line (pwfile_add's rules); else an error. */
static bool fields_ok(const struct pwfile_fields *e, const char *file, struct diags *d)
{
	const char *user = e->user ? e->user : "";
	const char *f[6] = { e->password, e->uid, e->gid, e->gecos, e->home, e->shell };
	if (!*user || user[0] == '#' || has_any(user, ": \t")) {
		diag_error(d, file, 0, _("invalid user name \"%s\""), user);
		return false;
	}
	if (has_upper(user)) {
		diag_error(d, file, 0,
			   _("user name \"%s\" must be lower case (Dovecot looks up "
			     "lower-cased names)"), user);
		return false;
	}
	for (size_t i = 0; i < 6; i++) {
		if (f[i] && has_any(f[i], ":")) {
			diag_error(d, file, 0,
				   _("user %s: a field holds ':' or a control character"), user);
			return false;
		}
	}
	if (e->uid && !valid_id(e->uid)) {
		diag_error(d, file, 0, _("user %s has invalid UID \"%s\""), user, e->uid);
		return false;
	}
	if (e->gid && !valid_id(e->gid)) {
		diag_error(d, file, 0, _("user %s has invalid GID \"%s\""), user, e->gid);
		return false;
	}
	const char *extra = e->extra ? e->extra : "";
	if (has_any(extra, "") || extra[0] == ':') {
		diag_error(d, file, 0, _("user %s: invalid extra fields \"%s\""), user, extra);
		return false;
	}
	return true;
}

int pwfile_add(struct pwfile *p, const struct pwfile_fields *f, struct diags *d)
{
	pwfile_edit(p);
	const char *file = doc_name(p->ed.doc);
	if (!fields_ok(f, file, d))
		return -1;
	const struct pwfile_entry *old = pwfile_lookup(p, f->user);
	if (old) {
		diag_error(d, file, old->line, _("user %s already exists"), old->user);
		return -1;
	}
	struct strbuf line = STRBUF_INIT;
	pwentry_line(f, &line);
	/* Next to the domain's other users, so the file stays grouped; a
	 * domain's first user at the end, after a blank line (else it reads
	 * as the last block's, under its "# Domaine : ..." comment). */
	size_t at = doc_count(p->ed.doc);
	const char *dom = domain_of(f->user);
	bool first = true;
	for (size_t i = p->ed.n; i-- > 0;) {
		if (strcasecmp(domain_of(p->v[i].user), dom) == 0) {
			at = PWFILE_FIRST(&p->v[i]) + 1;
			first = false;
			break;
		}
	}
	if (first && strchr(f->user, '@') && p->ed.n > 0 && !pwfile_line_blank(p, at - 1)) {
		doc_insert(p->ed.doc, at, "");
		at++;
	}
	doc_insert(p->ed.doc, at, sb_str(&line));
	sb_free(&line);
	patch_insert(p, at);
	return 0;
}

int pwfile_remove(struct pwfile *p, const char *user, struct diags *d)
{
	pwfile_edit(p);
	if (!pwfile_lookup(p, user)) {
		diag_error(d, doc_name(p->ed.doc), 0, _("no user %s in the passwd-file"), user);
		return -1;
	}
	/* Shadowed duplicates go too: otherwise the next one would come back. */
	char buf[256], *key = fold_into(user, buf, sizeof buf);
	patch_remove(p, key);
	if (key != buf)
		free(key);
	return 0;
}

int pwfile_remove_many(struct pwfile *p, const char *const *users, size_t n, struct diags *d)
{
	pwfile_edit(p);
	struct strmap *gone = strmap_create(n);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (!pwfile_lookup(p, users[i])) {
			diag_error(d, doc_name(p->ed.doc), 0, _("no user %s in the passwd-file"), users[i]);
			rc = -1;
			break;
		}
		char buf[256], *folded = fold_into(users[i], buf, sizeof buf);
		strmap_put(gone, folded, gone);   /* any non-NULL value */
		if (folded != buf)
			free(folded);
	}
	if (rc == 0) {
		size_t nl = doc_count(p->ed.doc);
		bool *drop = xcalloc(nl ? nl : 1, sizeof *drop);
		/* shadowed duplicates too, as pwfile_remove */
		for (size_t i = 0; i < p->ed.n; i++) {
			char buf[256], *folded = fold_into(p->v[i].user, buf, sizeof buf);
			if (strmap_get(gone, folded))
				drop[PWFILE_FIRST(&p->v[i])] = true;
			if (folded != buf)
				free(folded);
		}
		doc_delete_marked(p->ed.doc, drop);
		free(drop);
		reindex(p);
	}
	strmap_free(&gone);
	return rc;
}

/* The text of an entry's line for an in-place edit, or NULL (with a diag)
 * when it holds a NUL byte: the edit could not keep the rest of it. */
static const char *edit_text(struct pwfile *p, const struct pwfile_entry *e, size_t *len,
			     struct diags *d)
{
	const char *text = doc_text(p->ed.doc, PWFILE_FIRST(e), len);
	if (memchr(text, '\0', *len)) {
		diag_error(d, doc_name(p->ed.doc), e->line,
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
	pwfile_edit(p);
	const struct pwfile_entry *e = pwfile_lookup(p, user);
	if (!e) {
		diag_error(d, doc_name(p->ed.doc), 0, _("no user %s in the passwd-file"), user);
		return -1;
	}
	if (has_any(password, ":")) {
		diag_error(d, doc_name(p->ed.doc), e->line,
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
	doc_replace(p->ed.doc, PWFILE_FIRST(e), sb_str(&sb));
	sb_free(&sb);
	patch_line(p, (size_t)(e - p->v));
	return 0;
}

int pwfile_set_extra(struct pwfile *p, const char *user, const char *key,
		     const char *value, struct diags *d)
{
	pwfile_edit(p);
	const char *file = doc_name(p->ed.doc);
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
	char *name = pwentry_resolve_key(extra, key);
	if (!name && !value) {
		free(extra);
		return 0;
	}
	/* Rebuild the extra part: kept fields keep their order and the spaces
	 * written before them; the first field of that name is rewritten in
	 * place, later ones of the same name are dropped. */
	struct strbuf nx = STRBUF_INIT;
	bool done = false, any = false;
	const char *pos = extra, *prev_end = extra, *xend = extra + strlen(extra);
	struct pwentry_word f;
	while (pwentry_next_word(&pos, xend, &f)) {
		bool match = name && pwentry_word_is(&f, name);
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
	doc_replace(p->ed.doc, PWFILE_FIRST(e), sb_str(&sb));
	sb_free(&sb);
	sb_free(&nx);
	free(extra);
	free(name);
	patch_line(p, (size_t)(e - p->v));
	return 0;
}
