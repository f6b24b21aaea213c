/* Progress of the exercises in state_dir/exercises: the facts a check saw
 * that a later step of the same exercise erases (bob created, then
 * removed), one "NUMBER FACT" line each. Everything else is read from the
 * real state at every check, so the file never makes a step done alone. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exercise_int.h"
#include "vmailadm/atomicio.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/xalloc.h"

#define PROGRESS_FILE "exercises"
#define FACT_MAX 64

struct fact {
	int number;
	char name[FACT_MAX];
};

struct exercise_progress {
	char *path;
	struct fact *v;
	size_t n, cap;
	bool dirty;
};

static char *progress_path(const struct config *cfg)
{
	return xasprintf("%s/%s", cfg->state_dir, PROGRESS_FILE);
}

struct exercise_progress *progress_load(const struct config *cfg)
{
	struct exercise_progress *p = xcalloc(1, sizeof *p);
	p->path = progress_path(cfg);
	FILE *fp = fopen(p->path, "re");
	if (!fp)
		return p;  /* no progress yet (or unreadable: nothing remembered) */
	char line[256];
	while (fgets(line, sizeof line, fp)) {
		int number;
		char name[FACT_MAX];
		if (sscanf(line, "%d %63s", &number, name) == 2 && exercise_get(number)) {
			xgrow(&p->v, &p->cap, p->n + 1, sizeof *p->v);
			p->v[p->n].number = number;
			snprintf(p->v[p->n].name, sizeof p->v[p->n].name, "%s", name);
			p->n++;
		}
	}
	fclose(fp);
	return p;
}

void progress_free(struct exercise_progress **pp)
{
	struct exercise_progress *p = *pp;
	if (!p)
		return;
	free(p->path);
	free(p->v);
	free(p);
	*pp = NULL;
}

bool progress_has(const struct exercise_progress *p, int number, const char *fact)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].number == number && strcmp(p->v[i].name, fact) == 0)
			return true;
	return false;
}

void progress_add(struct exercise_progress *p, int number, const char *fact)
{
	if (progress_has(p, number, fact))
		return;
	xgrow(&p->v, &p->cap, p->n + 1, sizeof *p->v);
	p->v[p->n].number = number;
	snprintf(p->v[p->n].name, sizeof p->v[p->n].name, "%s", fact);
	p->n++;
	p->dirty = true;
}

static int write_file(struct exercise_progress *p, const char *state_dir, struct diags *d)
{
	if (mkdir(state_dir, 0750) < 0 && errno != EEXIST) {
		diag_error(d, state_dir, 0, _("cannot create the state directory: %s"), strerror(errno));
		return -1;
	}
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "# vmailadm exercises: facts a later step erases (vmailadm exercise reset)\n");
	for (size_t i = 0; i < p->n; i++)
		sb_addf(&sb, "%d %s\n", p->v[i].number, p->v[i].name);
	int rc = atomic_write(p->path, sb.buf, sb.len, NULL, false, d);
	sb_free(&sb);
	if (rc == 0)
		p->dirty = false;
	return rc;
}

int progress_save(struct exercise_progress *p, struct diags *d)
{
	if (!p->dirty)
		return 0;
	char *dir = xstrdup(p->path);
	*strrchr(dir, '/') = '\0';
	int rc = write_file(p, dir, d);
	free(dir);
	return rc;
}

int exercise_progress_reset(const struct config *cfg, int number, struct diags *d)
{
	struct exercise_progress *p = progress_load(cfg);
	size_t out = 0;
	for (size_t i = 0; i < p->n; i++)
		if (number != 0 && p->v[i].number != number)
			p->v[out++] = p->v[i];
	p->dirty = out != p->n;
	p->n = out;
	int rc = progress_save(p, d);
	progress_free(&p);
	return rc;
}
