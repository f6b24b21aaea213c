/* Read-only file mappings with SIGBUS guarded (see mapfile.h). The handler
 * is installed once for the process; it jumps back only on a thread inside
 * mapfile_try(), and elsewhere restores the default action and lets the
 * signal kill the process as it would have. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmailadm/i18n.h"
#include "vmailadm/mapfile.h"

int mapfile_open(const char *path, struct mapfile *m, struct diags *d)
{
	memset(m, 0, sizeof *m);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		diag_error(d, path, 0, _("cannot open: %s"), strerror(errno));
		return -1;
	}
	if (fstat(fd, &m->st) < 0 || !S_ISREG(m->st.st_mode)) {
		diag_error(d, path, 0, "%s", S_ISREG(m->st.st_mode) ? strerror(errno) : _("not a regular file"));
		close(fd);
		return -1;
	}
	m->len = (size_t)m->st.st_size;
	if (m->len) {
		void *p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
		if (p == MAP_FAILED) {
			diag_error(d, path, 0, _("cannot read: %s"), strerror(errno));
			close(fd);
			m->len = 0;
			return -1;
		}
		m->data = p;
	}
	close(fd);   /* the mapping stays */
	return 0;
}

void mapfile_close(struct mapfile *m)
{
	if (m->data)
		munmap((void *)(uintptr_t)m->data, m->len);
	memset(m, 0, sizeof *m);
}

char *mapfile_cow(const char *path, const struct stat *want, size_t room, size_t *maplen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return NULL;
	struct stat st;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	if (fstat(fd, &st) < 0 || st.st_ino != want->st_ino || st.st_dev != want->st_dev ||
	    st.st_size != want->st_size || st.st_mtim.tv_sec != want->st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != want->st_mtim.tv_nsec || st.st_size == 0) {
		close(fd);
		return NULL;
	}
	size_t len = (size_t)st.st_size;
	size_t file_pages = (len + page - 1) / page * page;
	size_t total = (len + room + page - 1) / page * page;
	if (total < file_pages)
		total = file_pages;
	/* anonymous room first, the file's pages over its start */
	char *base = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	if (mmap(base, file_pages, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
		munmap(base, total);
		close(fd);
		return NULL;
	}
	close(fd);
	*maplen = total;
	return base;
}

void mapfile_cow_free(char *p, size_t maplen)
{
	if (p)
		munmap(p, maplen);
}

static _Thread_local sigjmp_buf *guard;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static void on_sigbus(int sig)
{
	if (guard)
		siglongjmp(*guard, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigbus;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
}

bool mapfile_try(void (*fn)(void *arg), void *arg)
{
	pthread_once(&installed, install);
	sigjmp_buf env;
	if (sigsetjmp(env, 1)) {
		guard = NULL;
		return false;
	}
	guard = &env;
	fn(arg);
	guard = NULL;
	return true;
}
