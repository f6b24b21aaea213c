/* Lint's texts built when shown (issue 16): a problem keeps its translated
 * formats and the arguments they take, encoded in the report's arena, not
 * the formatted message and fix. At 100,000 mailboxes the 300,000 problems
 * took 170 MB as formatted texts. The arguments are taken the way printf
 * takes them (conversions, n$ positions, '*'), and each conversion is
 * printed by printf itself with the same value and type, so the text shown
 * is the bytes the eager sb_vaddf gave (test_lint compares them). Strings
 * are the report's copies (lint_text_keep), a pointer in the encoding.
 * A problem's text (lint_text_seal) is its message's and its fix's
 * formats by number (lint_text_fmts) and their arguments, one block. */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lint_int.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

/* More than any lint text takes (the most is 6). */
#define LINT_TEXT_MAXARGS 16

/* An argument's kind, as its encoding's tag byte. */
enum {
	LINT_ARG_STR = 's',    /* a pointer to the report's copy (lint_text_keep) */
	LINT_ARG_NULL = 'n',   /* a NULL string (printf prints "(null)") */
	LINT_ARG_SUBJECT = 'S', /* the problem's subject (the report's copy): a
	                        * mailbox's address or maildir comes back in
	                        * its texts, 8 bytes each as a pointer */
	LINT_ARG_INT = 'i',    /* an intmax_t, zigzag LEB128 (a uid: 3 bytes) */
	LINT_ARG_UINT = 'u',   /* an uintmax_t, LEB128 */
	LINT_ARG_DOUBLE = 'f', /* a double, 8 bytes as they are in memory */
	LINT_ARG_PATH = 'p',   /* a path: a pointer to its directory's copy
	                        * (ending in '/', kept once in rc->dirs), then
	                        * its last component, NUL-terminated. A
	                        * mailbox's maildir path in Postfix's map and
	                        * where Dovecot reads it took 66 bytes of the
	                        * 390 of each mailbox's three problems at
	                        * 100,000 mailboxes (issue 16) */
};

/* The report's copy of s: one of the last strings kept when it is the
 * same (a mailbox's address, maildir and domain come back in each of its
 * problems, Dovecot's mail_location in every mailbox's), else a new copy
 * in a. With the integers' short form this took the report of 10,000
 * mailboxes (30,116 problems) from 247 to 177 bytes a problem; formatted
 * texts took 385. */
static const char *lint_text_recent_find(const struct lint_text_recent *rc, const char *s)
{
	for (size_t i = 0; i < LINT_TEXT_RECENT; i++)
		if (rc->v[i] && rc->v[i][0] == s[0] && strcmp(rc->v[i], s) == 0)
			return rc->v[i];
	return NULL;
}

const char *lint_text_keep(struct arena *a, struct lint_text_recent *rc, const char *s)
{
	const char *found = lint_text_recent_find(rc, s);
	if (found)
		return found;
	const char *copy = arena_strdup(a, s);
	rc->v[rc->next] = copy;
	rc->next = (rc->next + 1) % LINT_TEXT_RECENT;
	return copy;
}

void lint_text_recent_free(struct lint_text_recent *rc)
{
	strmap_free(&rc->dirs);
}

/* Where s splits into a directory worth keeping once (at least 8 bytes,
 * its '/' included) and a last component (not empty; a trailing '/' is
 * part of it): the directory's length, 0 when it does not. */
static size_t lint_text_dir_len(const char *s)
{
	size_t n = strlen(s);
	size_t i = n >= 2 ? n - 2 : 0;
	while (i > 0 && s[i] != '/')
		i--;
	return s[i] == '/' && i + 1 >= 8 && i + 1 < n ? i + 1 : 0;
}

/* The report's copy of s's first n bytes, a directory (kept once). */
static const char *lint_text_dir(struct arena *a, struct lint_text_recent *rc, const char *s,
				 size_t n)
{
	if (!rc->dirs)
		rc->dirs = strmap_create_borrowed(64);
	char *key = xstrndup(s, n);
	char *copy = strmap_get(rc->dirs, key);
	if (!copy) {
		copy = arena_strdup(a, key);
		strmap_put(rc->dirs, copy, copy);
	}
	free(key);
	return copy;
}

static void lint_text_put_varint(struct strbuf *sb, uintmax_t v)
{
	do {
		unsigned char c = v & 0x7f;
		v >>= 7;
		sb_addc(sb, (char)(c | (v ? 0x80 : 0)));
	} while (v);
}

static const char *lint_text_get_varint(const char *p, uintmax_t *v)
{
	unsigned shift = 0;
	*v = 0;
	unsigned char c;
	do {
		c = (unsigned char)*p++;
		*v |= (uintmax_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	return p;
}

/* One conversion of a format: "%[n$][flags][width][.prec][length]conv". */
struct lint_text_spec {
	const char *flags;
	size_t nflags;
	int width, prec;        /* -1: none; -2: '*' (an int argument) */
	unsigned width_arg, prec_arg, arg;   /* 1-based argument numbers */
	char length[3];
	char conv;
};

static int lint_text_number(const char **f)
{
	int n = 0;
	while (**f >= '0' && **f <= '9')
		n = n * 10 + (*(*f)++ - '0');
	return n;
}

/* A "*" or "*m$": the argument it names (next is the sequential count). */
static unsigned lint_text_star(const char **f, unsigned *next)
{
	const char *p = *f;
	int m = lint_text_number(&p);
	if (m > 0 && *p == '$') {
		*f = p + 1;
		return (unsigned)m;
	}
	return ++*next;
}

/* Parse the conversion at f (just after '%'); *next counts the arguments
 * taken in order. Returns the end of the conversion, or NULL for one lint
 * never uses (wide strings, %n, %p, long double): a programming error. */
static const char *lint_text_parse(const char *f, struct lint_text_spec *sp, unsigned *next)
{
	memset(sp, 0, sizeof *sp);
	sp->width = sp->prec = -1;
	const char *p = f;
	int pos = lint_text_number(&p);
	if (pos > 0 && *p == '$')
		f = p + 1;
	else
		pos = 0;
	sp->flags = f;
	while (*f && strchr("-+ #0'", *f))
		f++;
	sp->nflags = (size_t)(f - sp->flags);
	if (*f == '*') {
		f++;
		sp->width = -2;
		sp->width_arg = lint_text_star(&f, next);
	} else if (*f >= '1' && *f <= '9') {
		sp->width = lint_text_number(&f);
	}
	if (*f == '.') {
		f++;
		if (*f == '*') {
			f++;
			sp->prec = -2;
			sp->prec_arg = lint_text_star(&f, next);
		} else {
			sp->prec = lint_text_number(&f);
		}
	}
	size_t nl = 0;
	while (*f && strchr("hlzjt", *f) && nl < 2)
		sp->length[nl++] = *f++;
	sp->conv = *f;
	if (!*f || !strchr("diouxXcsfFeEgGaA", *f) || (sp->conv == 's' && nl) ||
	    (sp->conv == 'c' && nl))
		return NULL;
	sp->arg = pos > 0 ? (unsigned)pos : ++*next;
	return f + 1;
}

/* The kind of argument a conversion takes. */
static char lint_text_kind(char conv)
{
	if (conv == 's')
		return LINT_ARG_STR;
	if (conv == 'd' || conv == 'i' || conv == 'c')
		return LINT_ARG_INT;
	if (strchr("ouxX", conv))
		return LINT_ARG_UINT;
	return LINT_ARG_DOUBLE;
}

static void lint_text_bad(const char *fmt)
{
	fprintf(stderr, "lint: a text's format lint cannot keep: %s\n", fmt);
	abort();
}

/* Each argument's kind, by number (1-based; kinds[0] unused); the count. */
static unsigned lint_text_kinds(const char *fmt, char kinds[LINT_TEXT_MAXARGS + 1],
				struct lint_text_spec *specs, size_t maxspecs, size_t *nspecs)
{
	unsigned next = 0, n = 0;
	memset(kinds, 0, LINT_TEXT_MAXARGS + 1);
	*nspecs = 0;
	for (const char *f = strchr(fmt, '%'); f; f = strchr(f, '%')) {
		if (f[1] == '%') {
			f += 2;
			continue;
		}
		struct lint_text_spec sp;
		f = lint_text_parse(f + 1, &sp, &next);
		if (!f || (specs && *nspecs == maxspecs) || sp.arg > LINT_TEXT_MAXARGS || sp.width_arg > LINT_TEXT_MAXARGS ||
		    sp.prec_arg > LINT_TEXT_MAXARGS)
			lint_text_bad(fmt);
		kinds[sp.arg] = lint_text_kind(sp.conv);
		if (sp.width_arg)
			kinds[sp.width_arg] = LINT_ARG_INT;
		if (sp.prec_arg)
			kinds[sp.prec_arg] = LINT_ARG_INT;
		unsigned top = sp.arg > sp.width_arg ? sp.arg : sp.width_arg;
		top = top > sp.prec_arg ? top : sp.prec_arg;
		n = n > top ? n : top;
		if (specs)
			specs[(*nspecs)++] = sp;
	}
	return n;
}

/* The value of an integer conversion as va_arg gives it (printf's own
 * promotion rules: h and hh are passed as int). */
static intmax_t lint_text_va_int(const char *length, char conv, va_list *ap)
{
	bool u = strchr("ouxX", conv) != NULL;
	if (!strcmp(length, "l"))
		return u ? (intmax_t)va_arg(*ap, unsigned long) : va_arg(*ap, long);
	if (!strcmp(length, "ll"))
		return u ? (intmax_t)va_arg(*ap, unsigned long long) : va_arg(*ap, long long);
	if (!strcmp(length, "z"))
		return u ? (intmax_t)va_arg(*ap, size_t) : va_arg(*ap, ssize_t);
	if (!strcmp(length, "j"))
		return u ? (intmax_t)va_arg(*ap, uintmax_t) : va_arg(*ap, intmax_t);
	if (!strcmp(length, "t"))
		return va_arg(*ap, ptrdiff_t);
	return u ? (intmax_t)va_arg(*ap, unsigned) : va_arg(*ap, int);
}

const char *lint_text_capture(struct arena *a, struct lint_text_recent *rc, const char *fmt,
			      va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	lint_text_capture_sb(&sb, a, rc, NULL, fmt, ap);
	if (!sb.len)
		return NULL;
	char *out = arena_alloc(a, sb.len, 1);
	memcpy(out, sb.buf, sb.len);
	sb_free(&sb);
	return out;
}

void lint_text_capture_sb(struct strbuf *out, struct arena *a, struct lint_text_recent *rc,
			  const char *subject, const char *fmt, va_list ap)
{
	char kinds[LINT_TEXT_MAXARGS + 1];
	struct lint_text_spec specs[LINT_TEXT_MAXARGS * 3];
	size_t nspecs;
	unsigned n = lint_text_kinds(fmt, kinds, specs, sizeof specs / sizeof specs[0], &nspecs);
	if (n == 0)
		return;
	struct strbuf *sb = out;
	va_list aq;
	va_copy(aq, ap);
	for (unsigned k = 1; k <= n; k++) {
		/* the length modifier of the conversion that takes argument k */
		const char *length = "";
		char conv = 'd';
		for (size_t i = 0; i < nspecs; i++)
			if (specs[i].arg == k) {
				length = specs[i].length;
				conv = specs[i].conv;
			}
		if (kinds[k] == 0)
			lint_text_bad(fmt);   /* an argument no conversion takes */
		if (kinds[k] == LINT_ARG_STR) {
			const char *s = va_arg(aq, const char *);
			size_t dl = s && !lint_text_recent_find(rc, s) ? lint_text_dir_len(s) : 0;
			if (dl) {
				const char *dir = lint_text_dir(a, rc, s, dl);
				sb_addc(sb, LINT_ARG_PATH);
				sb_add(sb, &dir, sizeof dir);
				sb_add(sb, s + dl, strlen(s + dl) + 1);
				continue;
			}
			if (s)
				s = lint_text_keep(a, rc, s);
			sb_addc(sb, !s ? LINT_ARG_NULL : subject && s == subject ? LINT_ARG_SUBJECT
										 : LINT_ARG_STR);
			if (s && s != subject)
				sb_add(sb, &s, sizeof s);
		} else if (kinds[k] == LINT_ARG_DOUBLE) {
			double d = va_arg(aq, double);
			sb_addc(sb, LINT_ARG_DOUBLE);
			sb_add(sb, &d, sizeof d);
		} else {
			bool u = kinds[k] == LINT_ARG_UINT;
			intmax_t v = lint_text_va_int(length, conv, &aq);
			sb_addc(sb, u ? LINT_ARG_UINT : LINT_ARG_INT);
			/* zigzag: a small negative number is short too */
			lint_text_put_varint(sb, u ? (uintmax_t)v
						   : ((uintmax_t)v << 1) ^ (uintmax_t)(v < 0 ? -1 : 0));
		}
	}
	va_end(aq);
}

/* The formats texts use, numbered from 1 (0: no fix), for the whole
 * process: formats are the catalog's strings or literals, which live as
 * long (a few dozen; a second language as many again). Numbered under
 * the lock (lint runs on the interface's thread and its own); a number is
 * read back only from a text sealed after its format was stored. */
#define LINT_TEXT_FMTS 4096
static const char *lint_text_fmts[LINT_TEXT_FMTS];
static size_t lint_text_nfmts;
static pthread_mutex_t lint_text_fmt_lock = PTHREAD_MUTEX_INITIALIZER;

uint16_t lint_text_fmt_number(const char *fmt)
{
	/* the same formats come back in turn: a short search from a hash of
	 * the pointer, in a table of their numbers */
	static uint16_t slots[2 * LINT_TEXT_FMTS];
	size_t h = (size_t)(((uintptr_t)fmt >> 3) * 0x9e3779b97f4a7c15u >> 51) % (2 * LINT_TEXT_FMTS);
	pthread_mutex_lock(&lint_text_fmt_lock);
	for (;; h = (h + 1) % (2 * LINT_TEXT_FMTS)) {
		if (slots[h] && lint_text_fmts[slots[h] - 1] == fmt)
			break;
		if (!slots[h]) {
			if (lint_text_nfmts == LINT_TEXT_FMTS - 1)
				lint_text_bad(fmt);   /* formats made at run time: a programming error */
			lint_text_fmts[lint_text_nfmts++] = fmt;
			slots[h] = (uint16_t)lint_text_nfmts;
			break;
		}
	}
	uint16_t n = slots[h];
	pthread_mutex_unlock(&lint_text_fmt_lock);
	return n;
}

const char *lint_text_fmt(uint16_t n)
{
	pthread_mutex_lock(&lint_text_fmt_lock);
	const char *f = lint_text_fmts[n - 1];
	pthread_mutex_unlock(&lint_text_fmt_lock);
	return f;
}

/* The block: the message's format number and the fix's (2 bytes each,
 * the fix's 0 when there is none), the length of the message's
 * arguments (LEB128), the message's arguments, the fix's. */
void lint_text_block(struct strbuf *out, const char *msgfmt, const struct strbuf *msg,
		     const char *fixfmt, const struct strbuf *fix)
{
	uint16_t nums[2] = { lint_text_fmt_number(msgfmt),
			     fixfmt ? lint_text_fmt_number(fixfmt) : 0 };
	sb_reset(out);
	sb_add(out, nums, sizeof nums);
	lint_text_put_varint(out, msg->len);
	sb_add(out, msg->buf, msg->len);
	if (fixfmt)
		sb_add(out, fix->buf, fix->len);
}

/* One argument decoded. */
struct lint_text_arg {
	char kind;
	const char *s;
	char *joined;   /* a path's (LINT_ARG_PATH), s: freed by the caller */
	intmax_t i;
	double d;
};

static const char *lint_text_decode(const char *p, struct lint_text_arg *v, const char *subject)
{
	v->kind = *p++;
	v->joined = NULL;
	if (v->kind == LINT_ARG_PATH) {
		const char *dir;
		memcpy(&dir, p, sizeof dir);
		p += sizeof dir;
		v->kind = LINT_ARG_STR;
		v->s = v->joined = xasprintf("%s%s", dir, p);
		return p + strlen(p) + 1;
	}
	if (v->kind == LINT_ARG_SUBJECT) {
		v->kind = LINT_ARG_STR;
		v->s = subject;
		return p;
	}
	if (v->kind == LINT_ARG_STR) {
		memcpy(&v->s, p, sizeof v->s);
		return p + sizeof v->s;
	}
	if (v->kind == LINT_ARG_NULL) {
		v->s = NULL;
		return p;
	}
	if (v->kind == LINT_ARG_DOUBLE) {
		memcpy(&v->d, p, sizeof v->d);
		return p + sizeof v->d;
	}
	uintmax_t u;
	p = lint_text_get_varint(p, &u);
	v->i = v->kind == LINT_ARG_UINT ? (intmax_t)u : (intmax_t)(u >> 1) ^ -(intmax_t)(u & 1);
	return p;
}

/* Print one integer conversion with its value in the type printf reads. */
static void lint_text_put_int(struct strbuf *sb, const char *spec, const char *length, char conv,
			      intmax_t v)
{
	bool u = strchr("ouxX", conv) != NULL;
	if (!strcmp(length, "l") && u)
		sb_addf(sb, spec, (unsigned long)v);
	else if (!strcmp(length, "l"))
		sb_addf(sb, spec, (long)v);
	else if (!strcmp(length, "ll") && u)
		sb_addf(sb, spec, (unsigned long long)v);
	else if (!strcmp(length, "ll"))
		sb_addf(sb, spec, (long long)v);
	else if (!strcmp(length, "z") && u)
		sb_addf(sb, spec, (size_t)v);
	else if (!strcmp(length, "z"))
		sb_addf(sb, spec, (ssize_t)v);
	else if (!strcmp(length, "j") && u)
		sb_addf(sb, spec, (uintmax_t)v);
	else if (!strcmp(length, "j"))
		sb_addf(sb, spec, v);
	else if (!strcmp(length, "t"))
		sb_addf(sb, spec, (ptrdiff_t)v);
	else if (u)
		sb_addf(sb, spec, (unsigned)v);
	else
		sb_addf(sb, spec, (int)v);
}

static void lint_text_format_of(struct strbuf *sb, const char *fmt, const char *args,
				const char *subject);

void lint_text_show(struct strbuf *sb, const char *text, bool fix, const char *subject)
{
	uint16_t nums[2];
	memcpy(nums, text, sizeof nums);
	uintmax_t msglen;
	const char *args = lint_text_get_varint(text + sizeof nums, &msglen);
	if (!fix)
		lint_text_format_of(sb, lint_text_fmt(nums[0]), args, subject);
	else if (nums[1])
		lint_text_format_of(sb, lint_text_fmt(nums[1]), args + msglen, subject);
}

void lint_text_format(struct strbuf *sb, const char *fmt, const char *args)
{
	lint_text_format_of(sb, fmt, args, NULL);
}

static void lint_text_format_of(struct strbuf *sb, const char *fmt, const char *args,
				const char *subject)
{
	char kinds[LINT_TEXT_MAXARGS + 1];
	size_t nspecs;
	unsigned n = lint_text_kinds(fmt, kinds, NULL, 0, &nspecs);
	struct lint_text_arg v[LINT_TEXT_MAXARGS + 1];
	const char *p = args;
	for (unsigned k = 1; k <= n; k++)
		p = lint_text_decode(p, &v[k], subject);
	unsigned next = 0;
	const char *f = fmt;
	for (const char *c = strchr(f, '%'); c; c = strchr(f, '%')) {
		sb_add(sb, f, (size_t)(c - f));
		if (c[1] == '%') {
			sb_addc(sb, '%');
			f = c + 2;
			continue;
		}
		struct lint_text_spec sp;
		f = lint_text_parse(c + 1, &sp, &next);
		int width = sp.width == -2 ? (int)v[sp.width_arg].i : sp.width;
		int prec = sp.prec == -2 ? (int)v[sp.prec_arg].i : sp.prec;
		/* the conversion alone, its '*' and n$ replaced by their values
		 * (a negative '*' width is the '-' flag, a negative '*'
		 * precision none) */
		struct strbuf spec = STRBUF_INIT;
		sb_addc(&spec, '%');
		sb_add(&spec, sp.flags, sp.nflags);
		if (width < 0 && sp.width == -2)
			sb_addf(&spec, "-%d", -width);
		else if (width >= 0)
			sb_addf(&spec, "%d", width);
		if (prec >= 0)
			sb_addf(&spec, ".%d", prec);
		sb_adds(&spec, sp.length);
		sb_addc(&spec, sp.conv);
		const struct lint_text_arg *a = &v[sp.arg];
		if (sp.conv == 's')
			sb_addf(sb, sb_str(&spec), a->s);
		else if (a->kind == LINT_ARG_DOUBLE)
			sb_addf(sb, sb_str(&spec), a->d);
		else
			lint_text_put_int(sb, sb_str(&spec), sp.length, sp.conv, a->i);
		sb_free(&spec);
	}
	sb_adds(sb, f);
	for (unsigned k = 1; k <= n; k++)
		free(v[k].joined);
}
