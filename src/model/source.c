/* Where an entry is defined, as its admin knows it (source.h). */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/config.h"
#include "vmailadm/source.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* The snapshot's table files (src/db/snapshot.c writes them) and the
 * database tables their rows come from. */
static const char *const snapshot_tables[][2] = {
	{ "virtual_domains", "pgsql:domain" },
	{ "vmailbox", "pgsql:mailbox" },
	{ "virtual_alias", "pgsql:alias" },
	{ "users", "pgsql:mailbox" },
};

/* How many lines of the snapshot's main.cf are the server's, at the same
 * numbers (snapshot.c comments the lines it replaces out in place and adds
 * its own definitions after them). */
static atomic_uint maincf_lines;

void source_set_maincf_lines(unsigned n)
{
	atomic_store(&maincf_lines, n);
}

/* The snapshot's file name of file, or NULL when it is none (flat files:
 * server_postfix_dir is set only on backend pgsql, where postfix_dir is
 * the snapshot's directory). */
static const char *snapshot_name(const struct config *cfg, const char *file)
{
	if (!file || !cfg || !cfg->server_postfix_dir)
		return NULL;
	size_t dl = strlen(cfg->postfix_dir);
	if (strncmp(file, cfg->postfix_dir, dl) != 0 || file[dl] != '/')
		return NULL;
	return file + dl + 1;
}

const char *source_table_name(const char *base)
{
	for (size_t k = 0; base && k < sizeof snapshot_tables / sizeof snapshot_tables[0]; k++)
		if (!strcmp(base, snapshot_tables[k][0]))
			return snapshot_tables[k][1];
	return NULL;
}

bool source_is_row(const struct config *cfg, const char *file)
{
	return source_table_name(snapshot_name(cfg, file)) != NULL;
}

void source_of(const struct config *cfg, const char *file, unsigned line, struct source *out)
{
	*out = (struct source){ .file = file, .line = line };
	const char *base = snapshot_name(cfg, file), *table = source_table_name(base);
	if (table) {
		*out = (struct source){ .file = table };
	} else if (base) {
		/* the server's own file of that name: main.cf (a line the
		 * snapshot added is none of the server's), master.cf, the
		 * sender login map and its built forms */
		out->owned = xasprintf("%s/%s", cfg->server_postfix_dir, base);
		out->file = out->owned;
		if (!strcmp(base, "main.cf") && line > atomic_load(&maincf_lines))
			out->line = 0;
	} else if (file && cfg && cfg->server_postfix_dir && !strcmp(file, cfg->postfix_dir)) {
		out->file = cfg->server_postfix_dir;   /* the directory itself */
	}
}

void source_free(struct source *s)
{
	free(s->owned);
	s->owned = NULL;
}

char *source_text(const struct config *cfg, const char *file, unsigned line)
{
	struct source s;
	source_of(cfg, file, line, &s);
	char *t = s.line ? xasprintf("%s:%u", s.file, s.line) : xstrdup(s.file ? s.file : "?");
	source_free(&s);
	return t;
}

static bool source_name_char(char c)
{
	return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == '.' ||
	       c == '_' || c == '-';
}

char *source_rename_text(const struct config *cfg, const char *text)
{
	if (!cfg || !cfg->server_postfix_dir || !text || !strstr(text, cfg->postfix_dir))
		return NULL;
	const char *dir = cfg->postfix_dir;
	size_t dl = strlen(dir);
	struct strbuf sb = STRBUF_INIT;
	const char *p = text;
	for (const char *hit; (hit = strstr(p, dir)) != NULL;) {
		const char *e = hit + dl;
		sb_add(&sb, p, (size_t)(hit - p));
		if (source_name_char(*e)) {   /* another name that begins the same */
			sb_add(&sb, hit, dl);
			p = e;
			continue;
		}
		/* the directory, or one file below it */
		if (*e == '/' && source_name_char(e[1]))
			for (e++; source_name_char(*e); e++)
				;
		while (e > hit + dl + 2 && e[-1] == '.')   /* a sentence's full stop */
			e--;
		char *path = xstrndup(hit, (size_t)(e - hit));
		struct source s;
		source_of(cfg, path, 0, &s);
		sb_adds(&sb, s.file);
		source_free(&s);
		free(path);
		p = e;
	}
	sb_adds(&sb, p);
	return sb_detach(&sb);
}
