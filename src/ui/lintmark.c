/* Lint's marks in the main screen: lint and the tracer run for the world
 * the panes show when it changes (never per key); this file keeps the worst
 * severity per subject, draws the '!' mark, and says which problems belong
 * to an entry (for the details pane). Lint looks at every maildir (seconds
 * on 100,000 mailboxes), so it runs in a thread: the keys are answered
 * meanwhile, and its marks appear when it ends. The thread reads the world
 * shown, so whoever frees or changes that world stops it first
 * (lintmark_stop: it gives up between mailboxes; the stop waits until it
 * reads the world no more, not for its end: struct lintrun). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "browse_int.h"
#include "vmailadm/clock.h"
#include "vmailadm/diag.h"
#include "vmailadm/xalloc.h"
#include "vmailadm/lint.h"
#include "vmailadm/model.h"
#include "vmailadm/strmap.h"
#include "vmailadm/trace.h"

/* ---- lint marks ---- */

/* Paths are compared without their trailing '/': lint names a maildir
 * either way. */
static size_t lintmark_key_len(const char *s)
{
	size_t n = strlen(s);
	while (n > 1 && s[n - 1] == '/')
		n--;
	return n;
}

/* key (lives as long as m) -> the worst of its severities. */
static void lintmark_put(struct strmap *m, const char *key, enum lint_severity sev)
{
	uintptr_t old = (uintptr_t)strmap_get(m, key);
	if ((uintptr_t)sev > old)
		strmap_put(m, key, (void *)(uintptr_t)sev);
}

/* The marks of one lint report: its problems, domain -> its catch-all's
 * swallowing (lswallow), and the index of problems by subject with each
 * subject's worst severity (lidx, lnext, lworst: see browse_int.h). Made
 * by the lint thread, so that its end costs the interface a swap (issue
 * 16). */
struct lintmarks {
	struct lint_report r;
	struct strmap *lswallow;
	struct lintidx lidx;
	uint32_t *lnext;
	unsigned char *lworst;
};

/* ---- lintidx (browse_int.h): the subjects' index over the report ---- */

/* The slot of key (n bytes, hash h) in x over r's subjects, or the empty
 * slot where it would go. */
static uint64_t *lintidx_slot(const struct lintidx *x, const struct lint_report *r, const char *key,
			      size_t n, uint32_t h)
{
	for (size_t i = (size_t)(((uint64_t)h * x->cap) >> 32);; i = i + 1 == x->cap ? 0 : i + 1) {
		uint64_t v = x->slots[i];
		if (!v)
			return &x->slots[i];
		if ((uint32_t)(v >> 32) != h)
			continue;
		const char *s = r->v[(uint32_t)v - 1].subject;
		if (lintmark_key_len(s) == n && memcmp(s, key, n) == 0)
			return &x->slots[i];
	}
}

/* The first problem of key (its trailing '/' not counted) + 1, or 0. */
static size_t lintidx_get(const struct lintidx *x, const struct lint_report *r, const char *key)
{
	if (!x->slots || !key)
		return 0;
	size_t n = lintmark_key_len(key);
	return (uint32_t)*lintidx_slot(x, r, key, n, strmap_hash_n(key, n));
}

/* Room for n keys, at most 2/3 full; the slots kept are placed again by
 * their hash (no key read). */
static void lintidx_resize(struct lintidx *x, size_t n)
{
	struct lintidx old = *x;
	x->cap = n + n / 2 + 8;
	x->slots = xcalloc(x->cap, sizeof *x->slots);
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.slots[i])
			continue;
		size_t j = (size_t)(((old.slots[i] >> 32) * x->cap) >> 32);
		while (x->slots[j])
			j = j + 1 == x->cap ? 0 : j + 1;
		x->slots[j] = old.slots[i];
	}
	free(old.slots);
}

/* lidx is made for a subject a problem, then fitted to the subjects
 * (300,103 problems of 200,000 subjects at 100,000 mailboxes). */
static void lintmarks_build(struct lintmarks *m)
{
	const struct lint_report *r = &m->r;
	m->lswallow = strmap_create_borrowed(8);
	lintidx_resize(&m->lidx, r->n);
	size_t nkeys = 0;
	m->lnext = xcalloc(r->n + 1, sizeof *m->lnext);
	m->lworst = xcalloc(r->n + 1, sizeof *m->lworst);
	for (size_t i = r->n; i-- > 0;) {   /* backwards: chains in report order */
		const struct lint_problem *p = &r->v[i];
		if (!p->subject)
			continue;
		size_t len = lintmark_key_len(p->subject);
		uint32_t h = strmap_hash_n(p->subject, len);
		uint64_t *sl = lintidx_slot(&m->lidx, r, p->subject, len, h);
		uint32_t next = (uint32_t)*sl;
		nkeys += next == 0;
		m->lnext[i] = next;
		*sl = (uint64_t)h << 32 | (uint32_t)(i + 1);
		unsigned char worst = next ? m->lworst[next - 1] : 0;
		if (p->severity >= LINT_WARNING && (unsigned char)p->severity > worst)
			worst = (unsigned char)p->severity;
		m->lworst[i] = worst;
		if (p->severity >= LINT_WARNING && strcmp(lint_problem_rule(p), "catchall-swallows-mailboxes") == 0)
			lintmark_put(m->lswallow, p->subject, p->severity);
	}
	lintidx_resize(&m->lidx, nkeys);
}

static void lintmarks_free(struct lintmarks *m)
{
	strmap_free(&m->lswallow);
	free(m->lidx.slots);
	lint_report_free(&m->r);
	free(m->lnext);
	free(m->lworst);
	memset(m, 0, sizeof *m);
}

static int lintmark_cmp_pos(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

size_t lintmark_problems_of(const struct browse *B, const char *const *keys, size_t n, size_t **out)
{
	size_t cnt = 0, cap = 0;
	*out = NULL;
	for (size_t j = 0; j < n && B->lidx.slots; j++) {
		if (!keys[j])
			continue;
		bool seen = false;   /* the same key twice (a domain and its catch-all's) */
		for (size_t m = 0; m < j && !seen; m++)
			seen = keys[m] && strcmp(keys[m], keys[j]) == 0;
		uintptr_t at = seen ? 0 : lintidx_get(&B->lidx, &B->lint, keys[j]);
		for (; at; at = B->lnext[at - 1]) {
			xgrow(out, &cap, cnt + 1, sizeof **out);
			(*out)[cnt++] = at - 1;
		}
	}
	if (cnt > 1)
		qsort(*out, cnt, sizeof **out, lintmark_cmp_pos);
	return cnt;
}

/* m's value for subject (without its trailing '/'), 0 when absent. */
static uintptr_t lintmark_get(const struct strmap *m, const char *subject)
{
	if (!m || !subject)
		return 0;
	size_t n = lintmark_key_len(subject);
	if (!subject[n])
		return (uintptr_t)strmap_get(m, subject);
	struct strbuf k = STRBUF_INIT;
	sb_add(&k, subject, n);
	uintptr_t v = (uintptr_t)strmap_get(m, sb_str(&k));
	sb_free(&k);
	return v;
}

/* Worst severity lint gave subject (0: none, else LINT_WARNING/ERROR). */
static int lintmark_sev(const struct browse *B, const char *subject)
{
	size_t at = lintidx_get(&B->lidx, &B->lint, subject);
	return at ? B->lworst[at - 1] : 0;
}

static int lintmark_max(int a, int b)
{
	return a > b ? a : b;
}

/* A staged mailbox's maildir is created by the commit: lint's
 * mailbox-without-maildir is not news for it. */
bool lintmark_staged_new(const struct browse *B, const struct mailbox *b)
{
	return B->w != B->disk && !world_mailbox_find(B->disk, b->address);
}

int lintmark_mailbox(const struct browse *B, const struct mailbox *b)
{
	int v = lintmark_sev(B, b->address);
	if (!lintmark_staged_new(B, b))
		v = lintmark_max(v, lintmark_sev(B, b->maildir));
	if (b->swallowed)
		v = lintmark_max(v, (int)lintmark_get(B->lswallow, b->domain));
	return v;
}

int lintmark_alias(const struct browse *B, const struct alias *a)
{
	return lintmark_sev(B, a->address);
}

int lintmark_catchall(const struct browse *B, const struct catchall *c)
{
	struct strbuf k = STRBUF_INIT;
	sb_addf(&k, "@%s", c->domain);
	int v = lintmark_max(lintmark_sev(B, sb_str(&k)), (int)lintmark_get(B->lswallow, c->domain));
	sb_free(&k);
	return v;
}

static int lintmark_domain(const struct browse *B, const struct domain *d)
{
	int v = lintmark_sev(B, d->name);
	size_t n;
	const struct mailbox *mb = world_domain_mailboxes(B->w, d, &n);
	for (size_t i = 0; i < n && v < LINT_ERROR; i++)
		v = lintmark_max(v, lintmark_mailbox(B, &mb[i]));
	const struct alias *al = world_domain_aliases(B->w, d, &n);
	for (size_t i = 0; i < n && v < LINT_ERROR; i++)
		v = lintmark_max(v, lintmark_alias(B, &al[i]));
	if (d->catchall_alias)
		v = lintmark_max(v, lintmark_catchall(B, d->catchall_alias));
	if (d->catchall_mailbox)
		v = lintmark_max(v, lintmark_catchall(B, d->catchall_mailbox));
	return v;
}

/* Each domain's mark: the worst of it and its entries. */
static void lintmark_domains(struct browse *B)
{
	for (size_t i = 0; i < B->ndomains; i++)
		B->dsev[i] = B->dents[i].d ? (unsigned char)lintmark_domain(B, B->dents[i].d) : 0;
}

/* One run of lint in a thread, over the world the panes show. A staging
 * does not wait for it to end (issue 16: 4-37 ms of every staging): it
 * tells it to stop, waits only until it no longer reads the world (which
 * the staging then patches in place or frees), and leaves it; the run
 * frees itself (its partial report too) when it ends. Held by the
 * interface and by its thread (refs); the last one frees it. */
struct lintrun {
	pthread_t thread;
	atomic_bool stop;             /* the main thread gave up on this run */
	atomic_bool reading;          /* the thread may still read w, cfg, disk */
	atomic_bool ending;           /* the interface ends: no pages given back */
	atomic_int refs;
	atomic_int tid;               /* the thread's id (0: not known yet) */
	int pipe[2];                  /* the thread's "done" byte */
	const struct world *w;
	const struct config *cfg;
	const char *gate;             /* VMAILADM_LINT_GATE */
	struct lintmarks marks;       /* the report and its maps */
	/* The maildir sizes the live scan had when this lint started, by the
	 * disk world's mailbox (>= 0 bytes, -1 not scanned, -2 not
	 * measurable), so that lint reads no maildir again for its quota rule;
	 * by_maildir (made on the lint thread, for the staged world's boxes):
	 * maildir -> index + 1. */
	int64_t *sizes;
	const struct mailbox *disk;
	size_t ndisk;
	struct strmap *by_maildir;
};

/* Lint of the world shown: its running thread, or its finished marks. */
struct lintjob {
	struct lintrun *run;          /* a thread was started and not joined */
	bool done;                    /* marks hold a finished lint of the world */
	const char *gate;             /* VMAILADM_LINT_GATE */
	struct lintmarks marks;       /* the report and its maps */
	/* Marks given up (the last ones shown), freed by a thread of their
	 * own (lintmark_trash_reap) when the next lint starts or when the new
	 * marks are shown: 20,000 problems take the interface tens of ms to
	 * free, and staging an edit waited for it (issue 16). The main
	 * thread's only (a run given up frees its own marks). */
	struct lintmarks trash[2];
	size_t ntrash;
	double t0;
};

static void lintmark_discard(struct lintjob *J, struct lintmarks *m)
{
	if (!m->r.v && !m->lidx.slots)
		return;   /* nothing to free */
	if (J->ntrash == 2) {   /* no thread since the last two: free one here */
		lintmarks_free(&J->trash[0]);
		J->trash[0] = J->trash[1];
		J->ntrash = 1;
	}
	J->trash[J->ntrash++] = *m;
	memset(m, 0, sizeof *m);
}

static void lintmark_trash_free(struct lintjob *J)
{
	for (size_t i = 0; i < J->ntrash; i++)
		lintmarks_free(&J->trash[i]);
	J->ntrash = 0;
}

struct lintmark_reap {
	struct lintmarks v[2];
	size_t n;
};

/* Give the pages freed back to the system (issue 16: resident <= 64 MB
 * at 10,000 mailboxes). Lint, the reaper and the stage allocate on threads
 * of their own, and glibc keeps what a thread frees in that thread's arena:
 * after five staged edits the interface held 10 MB more than with one
 * arena (bench/tui.sh: 70 MB against 60). malloc_trim(0) releases the
 * free pages of every arena; it runs here, off the interface's thread. */
static void lintmark_trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static void *lintmark_reap_run(void *arg)
{
	struct lintmark_reap *r = arg;
	for (size_t i = 0; i < r->n; i++)
		lintmarks_free(&r->v[i]);
	free(r);
	lintmark_trim();
	return NULL;
}

/* The trash freed by a thread of its own, which nobody waits for: freed
 * by the lint thread, it held back the stop of that lint, which the next
 * staged edit waits for. */
static void lintmark_trash_reap(struct lintjob *J)
{
	if (J->ntrash == 0)
		return;
	struct lintmark_reap *r = xcalloc(1, sizeof *r);
	memcpy(r->v, J->trash, J->ntrash * sizeof *J->trash);
	r->n = J->ntrash;
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, lintmark_reap_run, r) == 0) {
		J->ntrash = 0;   /* the reaper has them */
		memset(J->trash, 0, sizeof J->trash);
	} else {
		free(r);   /* lintmark_start frees them, or the next reaper */
	}
	pthread_attr_destroy(&attr);
}

static bool lintmark_job_stopped(void *arg)
{
	return atomic_load(&((struct lintrun *)arg)->stop);
}

/* Until the run's thread reads the world no more (it was told to stop).
 * It looks at the stop between any two entries, but at nice 10 it may
 * wait long for the CPU behind the scan's threads and other processes
 * (issue 16: 4-37 ms of a staging): it is hurried meanwhile
 * (background_hurry: the interface's nice, the real-time class; allowed
 * to root, otherwise it stays as it was), and the interface sleeps rather
 * than spin, leaving it the CPU. */
static void lintrun_wait_unread(struct lintrun *R)
{
	if (!atomic_load(&R->reading))
		return;
	background_hurry(R->thread, atomic_load(&R->tid));
	const struct timespec tick = { 0, 20 * 1000 };
	while (atomic_load(&R->reading))
		nanosleep(&tick, NULL);
}

/* One holder lets go of the run; the last frees it. */
static void lintrun_release(struct lintrun *R)
{
	if (atomic_fetch_sub(&R->refs, 1) != 1)
		return;
	lintmarks_free(&R->marks);
	strmap_free(&R->by_maildir);
	free(R->sizes);
	close(R->pipe[0]);
	close(R->pipe[1]);
	free(R);
}

/* VMAILADM_LINT_GATE (tests only): lint does not end before this file
 * exists, so that a test sees, by order and not by time, that a key is
 * answered while lint runs. */
static void lintmark_gate_wait(struct lintrun *J)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	while (J->gate && !lintmark_job_stopped(J) && access(J->gate, F_OK) != 0)
		nanosleep(&tick, NULL);
}

/* lint_with's maildir_bytes, on the lint thread: from the sizes copied. */
static int lintmark_job_bytes(void *arg, const struct mailbox *b, uint64_t *bytes)
{
	struct lintrun *J = arg;
	size_t i = (size_t)(b - J->disk);
	if (b < J->disk || i >= J->ndisk) {   /* a staged world's: by its maildir */
		if (!J->by_maildir) {
			J->by_maildir = strmap_create_borrowed(J->ndisk + 1);
			for (size_t k = 0; k < J->ndisk; k++)
				if (J->disk[k].maildir)
					strmap_put(J->by_maildir, J->disk[k].maildir,
						   (void *)(uintptr_t)(k + 1));
		}
		i = b->maildir ? (uintptr_t)strmap_get(J->by_maildir, b->maildir) : 0;
		if (i-- == 0)
			return -1;
	}
	if (J->sizes[i] < 0)
		return J->sizes[i] == -1 ? -1 : 0;
	*bytes = (uint64_t)J->sizes[i];
	return 1;
}

static void *lintmark_thread(void *arg)
{
	struct lintrun *J = arg;
	const struct lint_with with = { lintmark_job_stopped, lintmark_job_bytes, J };
	lint_run_with(J->w, J->cfg, NULL, &with, &J->marks.r);
	/* From here on, nothing of the world, the config or the disk boxes:
	 * a stop waits for this only. */
	atomic_store(&J->reading, false);
	if (atomic_load(&J->stop) && atomic_load(&J->tid) > 0)
		background_calm();   /* the class and nice a stop may have changed */
	strmap_free(&J->by_maildir);
	if (!lintmark_job_stopped(J))
		lintmarks_build(&J->marks);
	if (!lintmark_job_stopped(J))
		lintmark_trim();   /* lint's own work freed */
	lintmark_gate_wait(J);
	char c = 1;
	while (write(J->pipe[1], &c, 1) < 0 && errno == EINTR)
		;
	/* read before the release, which may free J */
	bool stopped = lintmark_job_stopped(J), ending = atomic_load(&J->ending);
	bool own_thread = atomic_load(&J->tid) > 0;
	lintrun_release(J);
	/* its partial report and lint's work, freed by the release; not when
	 * the interface ends: it waits for this thread, and a malloc_trim of
	 * some 400 MB at 100,000 mailboxes is long, for memory about to go */
	if (stopped && !ending)
		lintmark_trim();
	if (stopped && own_thread)   /* a stop that came after the first calm */
		background_calm();
	return NULL;
}

/* Lint on its thread: background work (background_thread). */
static void *lintmark_thread_run(void *arg)
{
	atomic_store(&((struct lintrun *)arg)->tid, (int)gettid());
	background_thread();
	return lintmark_thread(arg);
}

/* Join the thread (it has written its byte): its marks become the job's. */
static void lintmark_join(struct lintjob *J)
{
	struct lintrun *R = J->run;
	if (!R)
		return;
	pthread_join(R->thread, NULL);
	J->run = NULL;
	J->done = !atomic_load(&R->stop);
	lintmark_discard(J, &J->marks);
	J->marks = R->marks;
	memset(&R->marks, 0, sizeof R->marks);
	lintrun_release(R);
}

/* Stop and forget the running lint: its world is about to change or go.
 * Waits only until the thread reads it no more (it looks at the stop
 * between mailboxes), not for its end: the run frees itself (wait: joined,
 * when the interface ends). */
static void lintmark_job_cancel(struct lintjob *J, bool wait)
{
	if (!J)
		return;
	struct lintrun *R = J->run;
	if (R) {
		if (wait)
			atomic_store(&R->ending, true);
		atomic_store(&R->stop, true);
		if (wait) {
			if (atomic_load(&R->reading))   /* the interface ends: no waiting long either */
				background_hurry(R->thread, atomic_load(&R->tid));
			lintmark_join(J);
		} else {
			lintrun_wait_unread(R);
			pthread_detach(R->thread);
			J->run = NULL;
			lintrun_release(R);
		}
	}
	lintmark_discard(J, &J->marks);
	J->done = false;
}

/* The finished lint's report becomes the marks. */
static void lintmark_apply(struct browse *B)
{
	struct lintjob *J = B->job;
	struct lintmarks old = { B->lint, B->lswallow, B->lidx, B->lnext, B->lworst };
	lintmark_discard(J, &old);
	B->lint = J->marks.r;
	B->lswallow = J->marks.lswallow;
	B->lidx = J->marks.lidx;
	B->lnext = J->marks.lnext;
	B->lworst = J->marks.lworst;
	memset(&J->marks, 0, sizeof J->marks);
	J->done = false;
	B->lint_pending = false;
	lintmark_domains(B);
	if (B->ui->timing) {   /* VMAILADM_UI_TIMING: from the start of lint to its marks */
		fprintf(B->ui->timing, "lint %zu %.3f\n", B->lint.n, clock_ms() - J->t0);
		fprintf(B->ui->timing, "lint-bytes %zu\n", lint_report_bytes(&B->lint));
		fflush(B->ui->timing);
	}
}

/* The live scan's sizes for the lint about to start (main thread: the
 * scan's figures are the main thread's). */
static void lintmark_sizes(struct browse *B, struct lintrun *J)
{
	J->disk = B->boxes;
	J->ndisk = B->nboxes;
	J->sizes = xreallocarray(NULL, J->ndisk ? J->ndisk : 1, sizeof *J->sizes);
	for (size_t i = 0; i < J->ndisk; i++) {
		struct maildir_counts c;
		enum maildir_status st;
		if (!live_counts(B->ui->live, i, &c, &st))
			J->sizes[i] = st == MAILDIR_NOT_SCANNED ? -1 : -2;
		else
			J->sizes[i] = st == MAILDIR_OK && c.bytes <= INT64_MAX ? (int64_t)c.bytes : -2;
	}
}

static void lintmark_start(struct browse *B)
{
	if (!B->job) {
		B->job = xcalloc(1, sizeof *B->job);
		const char *gate = getenv("VMAILADM_LINT_GATE");
		B->job->gate = gate && *gate ? gate : NULL;
	}
	struct lintjob *J = B->job;
	struct lintrun *R = xcalloc(1, sizeof *R);
	if (pipe2(R->pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		vm_fatal("pipe: %s", strerror(errno));
	R->w = B->w;
	R->cfg = B->ui->cfg;
	R->gate = J->gate;
	J->t0 = clock_ms();
	lintmark_sizes(B, R);
	atomic_init(&R->stop, false);
	atomic_init(&R->ending, false);
	atomic_init(&R->reading, true);
	atomic_init(&R->refs, 2);   /* the interface's and the thread's */
	B->lint_pending = true;
	lintmark_trash_reap(J);
	lintmark_trash_free(J);   /* no reaper thread: here */
	sigset_t all, old;
	/* The thread must not take the interface's signals (SIGWINCH, SIGTERM). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&R->thread, NULL, lintmark_thread_run, R);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0) {
		J->run = R;
		return;
	}
	lintmark_thread(R);   /* no thread: lint now, as before */
	lintmark_discard(J, &J->marks);
	J->marks = R->marks;
	memset(&R->marks, 0, sizeof R->marks);
	lintrun_release(R);
	J->done = true;
	lintmark_apply(B);
}

/* Lint and a tracer for the world the panes show. The old tracer may
 * outlive its world by this long: trace_free does not look at it. The old
 * marks stay (by name) until the new lint ends: most of them still hold,
 * and they do not blink at every staged change. */
void lintmark_attach(struct browse *B)
{
	trace_free(&B->tracer);
	struct diags scratch = DIAGS_INIT;
	B->tracer = trace_create(B->w, &scratch);
	diags_free(&scratch);

	lintmark_job_cancel(B->job, false);
	lintmark_domains(B);
	B->lint_waits = live_scanning(B->ui->live);
	if (B->lint_waits)
		B->lint_pending = true;   /* lintmark_scanned starts it */
	else
		lintmark_start(B);
}

void lintmark_scanned(struct ui *ui)
{
	struct browse *B = (struct browse *)ui->main;
	if (B && B->lint_waits) {
		B->lint_waits = false;
		lintmark_start(B);
	}
}

void lintmark_free(struct browse *B)
{
	if (B->job) {
		lintmark_job_cancel(B->job, true);
		lintmark_trash_free(B->job);
		free(B->job);
		B->job = NULL;
	}
	strmap_free(&B->lswallow);
	free(B->lidx.slots);
	B->lidx = (struct lintidx){ NULL, 0 };
	lint_report_free(&B->lint);
	free(B->lnext);
	B->lnext = NULL;
	free(B->lworst);
	B->lworst = NULL;
	trace_free(&B->tracer);
}

/* ---- the main loop's side (ui_int.h) ---- */

void lintmark_stop(struct ui *ui)
{
	struct browse *B = (struct browse *)ui->main;
	if (B)
		lintmark_job_cancel(B->job, false);
}

bool lintmark_running(struct ui *ui)
{
	const struct browse *B = (const struct browse *)ui->main;
	return B && B->lint_pending;
}

int lintmark_pollfd(struct ui *ui, struct pollfd *fd)
{
	struct browse *B = (struct browse *)ui->main;
	if (!B || !B->job || !B->job->run)
		return 0;
	*fd = (struct pollfd){ .fd = B->job->run->pipe[0], .events = POLLIN };
	return 1;
}

/* The thread ended: its report becomes the marks, once the main screen is
 * on top again (another screen may be reading the report shown). */
bool lintmark_handle(struct ui *ui)
{
	struct browse *B = (struct browse *)ui->main;
	if (!B || !B->job)
		return false;
	struct lintjob *J = B->job;
	if (ui->top != ui->main)
		B->problems_wanted = false;   /* the user went elsewhere */
	if (J->run) {
		struct pollfd p = { .fd = J->run->pipe[0], .events = POLLIN };
		if (poll(&p, 1, 0) <= 0)
			return false;
		lintmark_join(J);
	}
	if (!J->done || ui->top != ui->main)
		return false;
	lintmark_apply(B);
	details_build(B);
	/* The report replaced is shown nowhere now (the main screen is on top,
	 * the details built again from the new one, the thread joined): freed
	 * now, not at the next lint's start. Kept in the trash until then, it
	 * was held beside the new one while nothing was edited (issue 16: 443
	 * MB at 100,000 mailboxes after one staging's lint, against 352). */
	lintmark_trash_reap(J);
	if (B->ui->timing) {   /* the reports still held beside the one shown */
		fprintf(B->ui->timing, "lint-kept %zu\n", J->ntrash);
		fflush(B->ui->timing);
	}
	if (B->problems_wanted) {   /* ! was pressed while lint ran */
		B->problems_wanted = false;
		ui_status(ui, ROLE_STATUS, "%s", "");
		ui_push(ui, problems_create(B));
	}
	return true;
}

static enum theme_role lintmark_role(int sev)
{
	return sev >= LINT_ERROR ? ROLE_ERROR : ROLE_WARNING;
}

/* The lint mark: a character, so that it reads without colours too. */
void lintmark_draw(struct ui *ui, int y, int x, int sev)
{
	if (sev >= LINT_WARNING)
		ui_text(ui, y, x, 1, "!", lintmark_role(sev));
}

static bool lintmark_same_key(const char *subject, const char *key)
{
	if (!key)
		return false;
	size_t n = lintmark_key_len(subject);
	return n == lintmark_key_len(key) && strncmp(subject, key, n) == 0;
}

bool lintmark_match_mailbox(const struct lint_problem *p, const void *arg)
{
	const struct lintmark_mailbox_arg *ma = arg;
	const struct mailbox *b = ma->b;
	if (lintmark_same_key(p->subject, b->maildir))
		return !ma->staged_new || strcmp(lint_problem_rule(p), "mailbox-without-maildir") != 0;
	if (lintmark_same_key(p->subject, b->address))
		return true;
	return b->swallowed && strcmp(lint_problem_rule(p), "catchall-swallows-mailboxes") == 0 &&
	       strcmp(p->subject, b->domain) == 0;
}

bool lintmark_match_alias(const struct lint_problem *p, const void *arg)
{
	return strcmp(p->subject, ((const struct alias *)arg)->address) == 0;
}

bool lintmark_match_catchall(const struct lint_problem *p, const void *arg)
{
	const struct catchall *c = arg;
	if (p->subject[0] == '@' && strcmp(p->subject + 1, c->domain) == 0)
		return true;
	return strcmp(lint_problem_rule(p), "catchall-swallows-mailboxes") == 0 &&
	       strcmp(p->subject, c->domain) == 0;
}

bool lintmark_match_domain(const struct lint_problem *p, const void *arg)
{
	return strcmp(p->subject, ((const struct domain *)arg)->name) == 0;
}
