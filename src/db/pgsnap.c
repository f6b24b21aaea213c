/* Several COPY reads in one REPEATABLE READ snapshot, on two connections
 * at once: the main connection exports its snapshot (pg_export_snapshot)
 * and a second one, in a thread, adopts it (SET TRANSACTION SNAPSHOT)
 * before reading its share. Both see the very same database state, as if
 * one connection had read everything, while the server works on two
 * queries at once and the two threads parse, sort and format their rows
 * side by side: on 100,000 mailboxes the serial read was the larger half
 * of a snapshot. When the second connection cannot be had (no
 * connection slot left, an older server, the snapshot not found there),
 * the main connection reads its share too, in the same transaction: the
 * same rows, later. */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pgdb_int.h"
#include "vmailadm/diag.h"
#include "vmailadm/xalloc.h"

struct pgsnap_side {
	const char *conninfo;
	char *snapshot;               /* pg_export_snapshot()'s name */
	const struct pgsnap_query *q;
	size_t n;
	struct pgcopy *res;
	pgsnap_done_fn *done;
	void *ctx;
	struct diags d;
	int rc;                       /* 0 read, -1 failed (in d), 1 not started */
};

/* Query i on db, then its done callback in the same thread. */
static int pgsnap_one(struct pgdb *db, const struct pgsnap_query *q, size_t i, struct pgcopy *res,
		      pgsnap_done_fn *done, void *ctx, struct diags *d)
{
	if (pgcopy_read(db, q[i].sql, q[i].nf, &res[i], d) < 0)
		return -1;
	if (done)
		done(ctx, i);
	return 0;
}

/* The proof of the shared snapshot (tests/integration/pgsql-backend.sh):
 * with VMAILADM_PGSNAP_WAIT=FILE the second connection, before adopting
 * the snapshot, creates FILE.waiting and waits (at most 30 s) for FILE,
 * so that a test can commit in between. */
static void pgsnap_test_wait(void)
{
	const char *file = getenv("VMAILADM_PGSNAP_WAIT");
	if (!file || !*file)
		return;
	char *waiting = xasprintf("%s.waiting", file);
	int fd = open(waiting, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	free(waiting);
	struct stat st;
	for (int i = 0; i < 3000 && stat(file, &st) < 0; i++)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
}

/* The thread of the second connection. Until its transaction has
 * adopted the snapshot nothing is said: the main connection then reads
 * the side's queries itself (rc 1). */
static void *pgsnap_side_run(void *arg)
{
	struct pgsnap_side *s = arg;
	struct diags quiet = DIAGS_INIT;
	struct pgdb *db = pgdb_connect(s->conninfo, &quiet);
	s->rc = 1;
	if (db) {
		pgsnap_test_wait();
		char *sql = xasprintf("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; "
				      "SET TRANSACTION SNAPSHOT '%s'", s->snapshot);
		if (pgdb_exec(db, sql, &quiet) == 0) {
			s->rc = 0;
			for (size_t i = 0; i < s->n && s->rc == 0; i++)
				if (s->q[i].side)
					s->rc = pgsnap_one(db, s->q, i, s->res, s->done, s->ctx, &s->d);
			PQclear(PQexec(db->conn, "COMMIT"));
		}
		free(sql);
		pgdb_close(&db);
	}
	diags_free(&quiet);
	return NULL;
}

/* The transaction's snapshot exported for the second connection, its
 * thread started: true when it runs. */
static bool pgsnap_side_start(struct pgdb *db, struct pgsnap_side *s, pthread_t *th)
{
	if (!db->conninfo || getenv("VMAILADM_PGSNAP_SERIAL"))
		return false;
	bool any = false;
	for (size_t i = 0; i < s->n; i++)
		any |= s->q[i].side;
	if (!any)
		return false;
	s->snapshot = pgdb_value(db, "SELECT pg_export_snapshot()", NULL);
	/* A name such as 00000003-0000001B-1: anything else is not quoted. */
	if (!s->snapshot || !*s->snapshot || s->snapshot[strspn(s->snapshot, "0123456789ABCDEFabcdef-")])
		return false;
	return pthread_create(th, NULL, pgsnap_side_run, s) == 0;
}

int pgsnap_read(struct pgdb *db, const struct pgsnap_query *q, size_t n, struct pgcopy *res,
		pgsnap_done_fn *done, void *ctx, struct diags *d)
{
	memset(res, 0, n * sizeof *res);
	if (pgdb_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", d) < 0)
		return -1;
	struct pgsnap_side s = { db->conninfo, NULL, q, n, res, done, ctx, DIAGS_INIT, 1 };
	pthread_t th;
	bool started = pgsnap_side_start(db, &s, &th);
	if (!started && PQtransactionStatus(db->conn) != PQTRANS_INTRANS) {
		/* pg_export_snapshot() refused: its transaction is aborted; a new
		 * one (nothing was read in the old). */
		PQclear(PQexec(db->conn, "ROLLBACK"));
		if (pgdb_exec(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", d) < 0) {
			free(s.snapshot);
			return -1;
		}
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!q[i].side)
			rc = pgsnap_one(db, q, i, res, done, ctx, d);
	/* The exported snapshot lives as long as this transaction: it ends
	 * once the second connection is done with it. */
	if (started)
		pthread_join(th, NULL);
	diags_take(d, &s.d);
	if (rc == 0 && s.rc < 0)
		rc = -1;
	for (size_t i = 0; i < n && rc == 0 && s.rc == 1; i++)
		if (q[i].side)
			rc = pgsnap_one(db, q, i, res, done, ctx, d);
	PQclear(PQexec(db->conn, "COMMIT"));
	free(s.snapshot);
	return rc;
}
