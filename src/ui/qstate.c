/* The Postfix queue as the interface knows it: listed in a thread (a big
 * queue, or a Postfix that does not answer, must not freeze the keys),
 * listed again when the queue directories change (src/traffic/qwatch.c), or
 * every few seconds when they cannot be watched (not root). The queue view
 * (queueview.c) shows it; the domains pane counts what waits per domain. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui_int.h"
#include "vmailadm/clock.h"
#include "vmailadm/i18n.h"
#include "vmailadm/queue.h"
#include "vmailadm/qwatch.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

/* Postfix moves a message through several directories in a burst: list
 * once the burst is over. */
#define SETTLE_MS 300
/* Without watches: how often to list again, the queue view open or not. */
#define POLL_OPEN_MS 3000
#define POLL_CLOSED_MS 30000
/* After a failure (Postfix down, postqueue refused). */
#define RETRY_MS 10000

struct qstate {
	struct traffic_postfix pf;
	bool pf_ok;
	struct qwatch *watch;
	struct queue_snapshot snap;   /* the last listing that worked */
	bool have;
	unsigned gen;                 /* bumped with each new listing or problem */
	struct strbuf problem;        /* why the last listing failed, "" if it did not */
	double last_end, last_ms;     /* when the last listing ended, how long it took */
	double due;                   /* list then; 0: not scheduled */
	bool open;                    /* the queue view is open: poll faster */
	/* The listing in progress, owned by the thread until it writes to pipe. */
	bool busy;
	pthread_t thread;
	int pipe[2];
	double started;
	struct queue_snapshot next;
	struct diags nextd;
	long nextrc;
};

static void *qstate_thread(void *arg)
{
	struct qstate *Q = arg;
	Q->nextrc = queue_snapshot_take(&Q->pf, &Q->next, &Q->nextd);
	char b = 1;
	while (write(Q->pipe[1], &b, 1) < 0 && errno == EINTR)
		;
	return NULL;
}

static void qstate_begin(struct qstate *Q)
{
	Q->due = 0;
	if (!qwatch_postfix_up(&Q->pf)) {
		sb_reset(&Q->problem);
		sb_addf(&Q->problem, _("Postfix is not running (no %s/public/showq): nothing to list"),
			Q->pf.queue_directory);
		Q->gen++;
		queue_snapshot_free(&Q->snap);
		Q->have = false;
		if (qwatch_fd(Q->watch) < 0)   /* else the socket's creation wakes us */
			Q->due = clock_ms() + RETRY_MS;
		return;
	}
	sigset_t all, old;
	sigfillset(&all);   /* the thread must not take the interface's signals */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	Q->started = clock_ms();
	int rc = pthread_create(&Q->thread, NULL, qstate_thread, Q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	Q->busy = true;
	if (rc != 0) {
		Q->thread = pthread_self();
		qstate_thread(Q);   /* no thread: list now, the pipe says it is done */
	}
}

/* The thread's result taken in: the new listing, or the reason it failed. */
static void qstate_end(struct qstate *Q)
{
	if (!pthread_equal(Q->thread, pthread_self()))
		pthread_join(Q->thread, NULL);
	Q->busy = false;
	Q->last_end = clock_ms();
	Q->last_ms = Q->last_end - Q->started;
	sb_reset(&Q->problem);
	if (Q->nextrc < 0) {
		if (Q->nextd.n) {
			char *m = diag_format(&Q->nextd.v[0]);
			sb_adds(&Q->problem, m);
			free(m);
		} else {
			sb_adds(&Q->problem, _("the queue could not be listed"));
		}
		queue_snapshot_free(&Q->next);
		Q->due = Q->last_end + RETRY_MS;
	} else {
		queue_snapshot_free(&Q->snap);
		Q->snap = Q->next;
		memset(&Q->next, 0, sizeof Q->next);
		Q->have = true;
	}
	diags_free(&Q->nextd);
	Q->gen++;
}

/* The earliest time the next listing may start: a big queue takes a while
 * to list, so never spend more than a third of the time listing it. */
static double qstate_not_before(const struct qstate *Q)
{
	double gap = Q->last_ms * 2 > 1000 ? Q->last_ms * 2 : 1000;
	return Q->last_end ? Q->last_end + gap : 0;
}

void qstate_start(struct ui *ui)
{
	struct qstate *Q = xcalloc(1, sizeof *Q);
	struct diags d = DIAGS_INIT;
	Q->pipe[0] = Q->pipe[1] = -1;
	Q->pf_ok = traffic_postfix_load(ui->cfg, &Q->pf, &d) == 0;
	if (!Q->pf_ok) {
		char *m = d.n ? diag_format(&d.v[0]) : xstrdup("main.cf");
		sb_adds(&Q->problem, m);
		free(m);
	} else if (pipe2(Q->pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		sb_addf(&Q->problem, "pipe: %s", strerror(errno));
		Q->pf_ok = false;
	} else {
		Q->watch = qwatch_create(&Q->pf);
		Q->due = clock_ms();   /* right after the first paint */
	}
	diags_free(&d);
	ui->qstate = Q;
}

int qstate_pollfds(struct ui *ui, struct pollfd *fds, int max)
{
	struct qstate *Q = ui->qstate;
	int n = 0;
	if (!Q || !Q->pf_ok)
		return 0;
	if (n < max && Q->busy)
		fds[n++] = (struct pollfd){ .fd = Q->pipe[0], .events = POLLIN };
	if (n < max && qwatch_fd(Q->watch) >= 0)
		fds[n++] = (struct pollfd){ .fd = qwatch_fd(Q->watch), .events = POLLIN };
	return n;
}

int qstate_timeout(struct ui *ui)
{
	struct qstate *Q = ui->qstate;
	if (!Q || !Q->pf_ok || Q->busy || !Q->due)
		return -1;
	double left = Q->due - clock_ms();
	return left <= 0 ? 0 : (int)left + 1;
}

bool qstate_handle(struct ui *ui)
{
	struct qstate *Q = ui->qstate;
	if (!Q || !Q->pf_ok)
		return false;
	bool changed = false;
	char b[16];
	if (Q->busy && read(Q->pipe[0], b, sizeof b) > 0) {
		qstate_end(Q);
		changed = true;
	}
	if (qwatch_drain(Q->watch)) {
		double t = clock_ms() + SETTLE_MS, nb = qstate_not_before(Q);
		Q->due = t > nb ? t : nb;
	}
	if (!Q->busy && !Q->due && qwatch_fd(Q->watch) < 0 && Q->have)
		Q->due = Q->last_end + (Q->open ? POLL_OPEN_MS : POLL_CLOSED_MS);
	if (!Q->busy && Q->due && clock_ms() >= Q->due) {
		unsigned g = Q->gen;
		qstate_begin(Q);
		changed |= Q->gen != g;
	}
	return changed;
}

void qstate_refresh(struct ui *ui)
{
	struct qstate *Q = ui->qstate;
	if (Q && Q->pf_ok && !Q->busy)
		Q->due = clock_ms();
}

void qstate_set_open(struct ui *ui, bool open)
{
	struct qstate *Q = ui->qstate;
	if (!Q)
		return;
	Q->open = open;
	if (open && Q->pf_ok && !Q->busy && (!Q->due || qwatch_fd(Q->watch) < 0))
		Q->due = clock_ms();   /* the view shows a fresh listing */
}

const struct queue_snapshot *qstate_snapshot(struct ui *ui, unsigned *gen)
{
	struct qstate *Q = ui->qstate;
	if (gen)
		*gen = Q ? Q->gen : 0;
	return Q && Q->have ? &Q->snap : NULL;
}

const char *qstate_problem(struct ui *ui)
{
	struct qstate *Q = ui->qstate;
	return Q && Q->problem.len ? Q->problem.buf : NULL;
}

bool qstate_busy(struct ui *ui)
{
	return ui->qstate && ui->qstate->busy;
}

bool qstate_live(struct ui *ui)
{
	return ui->qstate && qwatch_fd(ui->qstate->watch) >= 0;
}

const struct traffic_postfix *qstate_postfix(struct ui *ui)
{
	struct qstate *Q = ui->qstate;
	return Q && Q->pf_ok ? &Q->pf : NULL;
}

size_t qstate_domain(struct ui *ui, const char *domain)
{
	const struct queue_snapshot *s = qstate_snapshot(ui, NULL);
	return s ? queue_snapshot_domain(s, domain) : 0;
}

void qstate_free(struct ui *ui)
{
	struct qstate *Q = ui->qstate;
	if (!Q)
		return;
	if (Q->busy) {   /* at most postqueue's own time: it is killed on timeout */
		if (!pthread_equal(Q->thread, pthread_self()))
			pthread_join(Q->thread, NULL);
		queue_snapshot_free(&Q->next);
		diags_free(&Q->nextd);
	}
	queue_snapshot_free(&Q->snap);
	qwatch_free(&Q->watch);
	traffic_postfix_free(&Q->pf);
	sb_free(&Q->problem);
	for (int i = 0; i < 2; i++)
		if (Q->pipe[i] >= 0)
			close(Q->pipe[i]);
	free(Q);
	ui->qstate = NULL;
}
