/* The quick path: an operation on one mailbox applied to a world loaded
 * from excerpts of the large files (the passwd-file mapped on a second
 * thread), its edits spliced into the whole files. */
#include "config.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/model.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

static void quick_part_free(struct part *pt)
{
	excerpt_free(&pt->x);
	mapfile_close(&pt->m);
	stagefile_cur_release(&pt->cur, &pt->cur_map);
	stagefile_undo_destroy(&pt->undo);
	free(pt);
}

/* Operations on one mailbox read a handful of keys: their domain, the
 * address, the domain's catch-all, and (removal) the aliases naming it.
 * For them the world is loaded from excerpts of the large files (the lines
 * with those keys, where a new line would go, the end of the file; see
 * excerpt.h) and the same operation code runs on it; the edits are spliced
 * into the whole files. Whatever goes wrong there (a refusal included) is
 * left to the full path, whose answer is the one that counts: the quick
 * path only ever takes a success. */
static bool quick_eligible(const struct op *op)
{
	if (!op_quick_kind(op->kind))
		return false;
	const char *at = op->subject ? strrchr(op->subject, '@') : NULL;
	return at && at != op->subject && at[1];
}

/* How the quick path reads path: -1 whole, else an excerpt kind. */
static int quick_excerpt_kind(const struct stage *s, const char *path)
{
	const struct layout *l = &s->layout;
	if (strcmp(path, l->maincf) == 0 || strcmp(path, l->aliases) == 0)
		return -1;
	int kind = strcmp(path, l->pwfile) == 0 ? EXCERPT_PASSWD : -2;
	for (size_t i = 0; i < l->nmaps; i++) {
		if (!l->maps[i].path || strcmp(l->maps[i].path, path) != 0)
			continue;
		const char *type = l->maps[i].type;
		int k = !*type ? EXCERPT_LIST
		      : (table_type_built_suffix(type) || !strcmp(type, "texthash") || !strcmp(type, "dbm") ||
			 !strcmp(type, "sdbm")) ? EXCERPT_TABLE : -1;
		if (kind != -2 && kind != k)
			return -1;   /* read two ways (or a pattern table): whole */
		kind = k;
	}
	return kind == -2 ? -1 : kind;
}

/* Map path and excerpt it (under the SIGBUS guard); the part, or NULL
 * when the file cannot be mapped or excerpted (then it is read whole). */
struct map_job {
	struct part *pt;
	enum excerpt_kind kind;
	const struct excerpt_want *want;
};

static void quick_excerpt_run(void *arg)
{
	struct map_job *j = arg;
	j->pt->x = excerpt_build(j->kind, j->pt->m.data, j->pt->m.len, j->want);
}

static struct part *quick_part_map(const char *path, enum excerpt_kind kind, const struct excerpt_want *want,
			     size_t min_bytes)
{
	struct part *pt = xcalloc(1, sizeof *pt);
	struct diags d = DIAGS_INIT;
	int rc = mapfile_open(path, &pt->m, &d);
	diags_free(&d);   /* read(2) tells again, in the usual words */
	struct map_job j = { pt, kind, want };
	if (rc != 0 || pt->m.len < min_bytes || !mapfile_try(quick_excerpt_run, &j) || !pt->x) {
		quick_part_free(pt);
		return NULL;
	}
	return pt;
}

/* The passwd-file is the largest file by far (a long hash a line): the
 * quick path maps and excerpts it on a second thread while the world
 * loads main.cf and the tables. */
struct prefetch {
	pthread_t thread;
	bool running;
	const char *path;
	const struct excerpt_want *want;
	size_t min_bytes;
	struct part *pt;           /* NULL: read it the usual way */
};

static void *quick_prefetch_run(void *arg)
{
	struct prefetch *p = arg;
	p->pt = quick_part_map(p->path, EXCERPT_PASSWD, p->want, p->min_bytes);
	return NULL;
}

struct quick {
	struct stage *s;
	struct excerpt_want want;
	struct prefetch pf;
};

static void quick_prefetch_start(struct quick *q)
{
	struct stage *s = q->s;
	struct prefetch *p = &q->pf;
	p->path = s->layout.pwfile;
	if (stagefile_get(s, p->path) || quick_excerpt_kind(s, p->path) != EXCERPT_PASSWD)
		return;
	p->want = &q->want;
	p->min_bytes = stage_excerpt_min_bytes;
	p->running = pthread_create(&p->thread, NULL, quick_prefetch_run, p) == 0;
}

/* The thread's part, once; NULL when it has none. */
static struct part *quick_prefetch_join(struct quick *q)
{
	struct prefetch *p = &q->pf;
	if (!p->running)
		return NULL;
	pthread_join(p->thread, NULL);
	p->running = false;
	struct part *pt = p->pt;
	p->pt = NULL;
	return pt;
}

static int quick_load(void *ctx, const char *path, bool missing_ok, struct doc **out,
		      struct diags *d)
{
	struct quick *q = ctx;
	struct stage *s = q->s;
	int kind = quick_excerpt_kind(s, path);
	struct staged_file *f = stagefile_get(s, path);
	if (kind < 0 || strmap_get(s->excerpts, path))
		return stagefile_source_load(s, path, missing_ok, out, d);
	struct part *pt = NULL;
	if (q->pf.running && strcmp(path, q->pf.path) == 0)
		pt = quick_prefetch_join(q);
	else if (!f)
		pt = quick_part_map(path, (enum excerpt_kind)kind, &q->want, stage_excerpt_min_bytes);
	if (pt) {
		/* first read of this file: in part, from its mapping */
		f = stagefile_lazy(s, path, pt);
		strmap_put(s->excerpts, path, pt);
		*out = excerpt_doc(pt->x, pt->m.data, path);
		return 0;
	}
	if (!f && !(f = stagefile_read(s, path, missing_ok, d)))
		return -1;
	/* staged bytes (edited, or read whole): excerpted from memory */
	const struct strbuf *b = stagefile_bytes(s, f);
	if (f->existed && b->len >= stage_excerpt_min_bytes) {
		struct excerpt *x = excerpt_build((enum excerpt_kind)kind, sb_str(b), b->len, &q->want);
		if (x) {
			pt = xcalloc(1, sizeof *pt);
			pt->x = x;
			strmap_put(s->excerpts, path, pt);
			*out = excerpt_doc(x, sb_str(b), path);
			return 0;
		}
	}
	return stagefile_source_load(s, path, missing_ok, out, d);
}

static void quick_excerpts_free(struct stage *s)
{
	size_t pos = 0;
	const char *k;
	void *v;
	while (s->excerpts && strmap_next(s->excerpts, &pos, &k, &v))
		quick_part_free(v);
	strmap_free(&s->excerpts);
}

/* 0 when op is applied; -1 when the full path must decide. */
int quick_apply(struct stage *s, const struct op *op, const char *expect)
{
	struct domain_limits lim;
	if (stage_excerpt_min_bytes == SIZE_MAX || !quick_eligible(op) ||
	    (!s->layout.valid && stage_layout_load(s, NULL) < 0))
		return -1;
	/* A domain's limits count its whole range, which excerpts do not hold. */
	if (config_domain_limits(s->cfg, strrchr(op->subject, '@') + 1, &lim))
		return -1;
	char *key = table_fold_key(op->subject);
	const char *domain = strrchr(key, '@') + 1;
	char *catchall = xasprintf("@%s", domain);
	const char *keys[] = { key, domain, catchall };
	const char *needles[] = { key };
	/* domain_keys: which domains mirror this one is read from the domain
	 * lines (aliasdom_apply_sync leaves it to the full path then) */
	struct quick q = { s, { keys, 3, domain, needles, op->kind == OP_MAILBOX_DEL, true }, { 0 } };
	struct doc_source src = { quick_load, &q, NULL };
	struct diags quiet = DIAGS_INIT;
	struct world *w = NULL;
	size_t nacts = s->nacts, nnotes = s->nnotes;
	s->excerpts = strmap_create(8);
	quick_prefetch_start(&q);
	int rc = world_load_from(s->cfg, &src, &w, &quiet);
	struct part *unused = quick_prefetch_join(&q);   /* the world never asked for it */
	if (unused)
		quick_part_free(unused);
	if (rc == 0)
		rc = stage_refuse_unreadable(w, NULL);  /* the full path says why */
	if (rc == 0)
		rc = apply_op(s, w, op, &quiet);
	if (rc == 0 && !stage_mail_as_staged(s, op, nacts, expect, NULL))
		rc = -1;   /* the full path says why */
	if (rc == 0 && !splice_world(s, w))
		rc = -1;
	if (rc == 0) {
		world_free(&s->world);   /* none is kept on this path; in case */
		s->world_stale = false;
		splice_sync_world(s, w);
		s->plan_valid = false;
	} else {
		stage_actions_truncate(s, nacts, nnotes);
	}
	world_free(&w);
	quick_excerpts_free(s);
	diags_free(&quiet);
	free(catchall);
	free(key);
	return rc;
}
