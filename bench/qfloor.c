/* The floor of a queue listing read from the files (bench/queue.sh): walk
 * the queue directories of QUEUE_DIR (maildrop, active, incoming,
 * deferred, hold and their subdirectories), and for each file only open
 * it, fstat it, read it and close it, then do the same with the defer log
 * at the same place under defer/ -- what any reader of the files must do,
 * and nothing else. THREADS workers share the subdirectories (default 1).
 * Prints the number of files and bytes read. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const queues[] = { "maildrop", "active", "incoming", "deferred", "hold" };
static const char *top;
static int nthreads = 1;

struct tally {
	long files, bytes;
};

static void read_fd(int fd, struct tally *t)
{
	char buf[8192];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		t->bytes += n;
		if ((size_t)n < sizeof buf)
			break;
	}
	close(fd);
}

static void walk(int dirfd, const char *rel, struct tally *t);

/* The entry name of dirfd (rel: dirfd's path below QUEUE_DIR): a directory
 * is walked, a file read, then its defer log in dfd (-1: none). */
static void one(int dirfd, const char *name, const char *rel, int dfd, struct tally *t)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		char sub[4096];
		snprintf(sub, sizeof sub, "%s/%s", rel, name);
		walk(fd, sub, t);
		close(fd);
		return;
	}
	t->files++;
	read_fd(fd, t);
	int lfd = dfd < 0 ? -1 : openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (lfd >= 0)
		read_fd(lfd, t);
}

/* The defer log directory that goes with rel ("deferred/1": defer/1). */
static int defer_dir(const char *rel)
{
	char defer[4096];
	const char *slash = strchr(rel, '/');
	snprintf(defer, sizeof defer, "%s/defer%s", top, slash ? slash : "");
	return open(defer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Every file below dirfd. */
static void walk(int dirfd, const char *rel, struct tally *t)
{
	DIR *dp = fdopendir(dup(dirfd));
	if (!dp)
		return;
	int dfd = defer_dir(rel);
	struct dirent *e;
	while ((e = readdir(dp)) != NULL)
		if (e->d_name[0] != '.')
			one(dirfd, e->d_name, rel, dfd, t);
	if (dfd >= 0)
		close(dfd);
	closedir(dp);
}

struct worker {
	int id;
	struct tally t;
};

/* Worker id takes every nthreads-th entry of each queue directory. */
static void *run(void *arg)
{
	struct worker *w = arg;
	for (size_t q = 0; q < sizeof queues / sizeof queues[0]; q++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", top, queues[q]);
		int qfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		DIR *dp = qfd < 0 ? NULL : fdopendir(dup(qfd));
		int dfd = defer_dir(queues[q]);
		struct dirent *e;
		for (long k = 0; dp && (e = readdir(dp)) != NULL;)
			if (e->d_name[0] != '.' && k++ % nthreads == w->id)
				one(qfd, e->d_name, queues[q], dfd, &w->t);
		if (dfd >= 0)
			close(dfd);
		if (dp)
			closedir(dp);
		if (qfd >= 0)
			close(qfd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: qfloor QUEUE_DIR [THREADS]\n");
		return 2;
	}
	top = argv[1];
	nthreads = argc > 2 ? atoi(argv[2]) : 1;
	if (nthreads < 1 || nthreads > 64)
		nthreads = 1;
	struct worker w[64];
	pthread_t th[64];
	for (int i = 0; i < nthreads; i++) {
		w[i] = (struct worker){ .id = i };
		if (pthread_create(&th[i], NULL, run, &w[i]) != 0)
			return 1;
	}
	struct tally sum = { 0, 0 };
	for (int i = 0; i < nthreads; i++) {
		pthread_join(th[i], NULL);
		sum.files += w[i].t.files;
		sum.bytes += w[i].t.bytes;
	}
	printf("%ld files, %ld bytes\n", sum.files, sum.bytes);
	return 0;
}
