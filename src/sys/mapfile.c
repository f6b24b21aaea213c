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
