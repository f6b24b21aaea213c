/* Where an entry is defined, as its admin knows it (source.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmailadm/config.h"
#include "vmailadm/source.h"
#include "vmailadm/xalloc.h"

/* The snapshot's table files (src/db/snapshot.c writes them) and the
 * database tables their rows come from. */
static const char *const snapshot_tables[][2] = {
	{ "virtual_domains", "pgsql:domain" },
	{ "vmailbox", "pgsql:mailbox" },
	{ "virtual_alias", "pgsql:alias" },
	{ "users", "pgsql:mailbox" },
};

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

static const char *snapshot_table(const char *base)
{
	for (size_t k = 0; base && k < sizeof snapshot_tables / sizeof snapshot_tables[0]; k++)
		if (!strcmp(base, snapshot_tables[k][0]))
			return snapshot_tables[k][1];
	return NULL;
}

bool source_is_row(const struct config *cfg, const char *file)
{
	return snapshot_table(snapshot_name(cfg, file)) != NULL;
}

void source_of(const struct config *cfg, const char *file, unsigned line, struct source *out)
{
	*out = (struct source){ .file = file, .line = line };
	const char *base = snapshot_name(cfg, file), *table = snapshot_table(base);
	if (table) {
		*out = (struct source){ .file = table };
	} else if (base && !strcmp(base, "main.cf")) {
		out->owned = xasprintf("%s/main.cf", cfg->server_postfix_dir);
		out->file = out->owned;
		out->line = 0;
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
