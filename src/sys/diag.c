/* Diagnostics: collected problems with file and line, plus the two ways
 * out (panic for bugs, fatal for an unusable environment). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static void (*fatal_cleanup)(void);

void diags_init(struct diags *d)
{
	d->v = NULL;
	d->n = d->cap = 0;
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	diags_init(d);
}

void diag_add(struct diags *d, enum diag_level level, const char *file, unsigned line,
	      const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	xgrow(&d->v, &d->cap, d->n + 1, sizeof *d->v);
	d->v[d->n++] = (struct diag){
		.level = level,
		.file = file ? xstrdup(file) : NULL,
		.line = line,
		.msg = sb_detach(&sb),
	};
}

size_t diags_count(const struct diags *d, enum diag_level level)
{
	size_t n = 0;
	for (size_t i = 0; i < d->n; i++)
		n += d->v[i].level == level;
	return n;
}

bool diags_has_errors(const struct diags *d)
{
	return diags_count(d, DIAG_ERROR) > 0;
}

void diags_take(struct diags *dst, struct diags *src)
{
	xgrow(&dst->v, &dst->cap, dst->n + src->n, sizeof *dst->v);
	if (src->n)
		memcpy(dst->v + dst->n, src->v, src->n * sizeof *src->v);
	dst->n += src->n;
	free(src->v);
	diags_init(src);
}

static const char *level_name(enum diag_level level)
{
	switch (level) {
	case DIAG_NOTE: return _("note");
	case DIAG_WARNING: return _("warning");
	case DIAG_ERROR: return _("error");
	}
	return "?";
}

static const struct diag_namer *namer;

void diag_set_namer(const struct diag_namer *n)
{
	namer = n;
}

char *diag_name_text(const char *text)
{
	return namer && text ? namer->text(text) : NULL;
}

char *diag_format(const struct diag *g)
{
	struct strbuf sb = STRBUF_INIT;
	const char *file = g->file, *msg = g->msg;
	unsigned line = g->line;
	char *named = file && namer ? namer->file(file, &line) : NULL;
	char *text = namer ? namer->text(msg) : NULL;
	if (named)
		file = named;
	if (text)
		msg = text;
	if (file) {
		sb_add_printable(&sb, file, strlen(file));
		if (line)
			sb_addf(&sb, ":%u", line);
		sb_adds(&sb, ": ");
	}
	sb_adds(&sb, level_name(g->level));
	sb_adds(&sb, ": ");
	sb_add_printable(&sb, msg, strlen(msg));
	free(named);
	free(text);
	return sb_detach(&sb);
}

void diags_print(const struct diags *d, FILE *fp)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->v[i]);
		fprintf(fp, "%s\n", s);
		free(s);
	}
}

void vm_set_fatal_cleanup(void (*fn)(void))
{
	fatal_cleanup = fn;
}

void vm_panic(const char *fmt, ...)
{
	va_list ap;
	fputs("vmailadm: panic: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void vm_fatal(const char *fmt, ...)
{
	va_list ap;
	if (fatal_cleanup) {
		void (*fn)(void) = fatal_cleanup;
		fatal_cleanup = NULL; /* a failure inside cleanup must not recurse */
		fn();
	}
	fprintf(stderr, "vmailadm: %s: ", _("fatal"));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}
