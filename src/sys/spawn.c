/* Running programs by argv (posix_spawnp, never a shell): stdin fed and
 * stdout/stderr captured through pipes in one poll loop, so that neither
 * side can deadlock on a full pipe; a timeout ends in SIGTERM, then SIGKILL.
 * spawn_start runs the same loop in a thread of its own, so that the caller
 * works meanwhile and the program is served and timed exactly as by
 * spawn_run. spawn_run_as starts it by fork and execve instead, taking
 * another user's ids in between (posix_spawn cannot). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmailadm/clock.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/spawn.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

extern char **environ;

/* A program that ignores SIGTERM gets this long before SIGKILL. */
#define KILL_GRACE_MS 1000
/* After the program exits, a daemon it started may still hold our pipes
 * open (postfix start): read what is already there, then stop waiting. */
#define EXIT_DRAIN_MS 200
/* Beyond this, output is read and dropped (a runaway program must not eat
 * the memory; the first lines are what an error message needs). */
#define OUTPUT_CAP ((size_t)64 << 20)

/* Pipe ends must not land on 0, 1 or 2 (when the caller closed them), or the
 * dup2 in the child would be a no-op that leaves close-on-exec set. */
static int lift_fd(int fd)
{
	if (fd > 2)
		return fd;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static int make_pipe(int p[2])
{
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	p[0] = lift_fd(p[0]);
	p[1] = lift_fd(p[1]);
	if (p[0] < 0 || p[1] < 0) {
		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		return -1;
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0) {
		close(*fd);
		*fd = -1;
	}
}

/* environ with every NAME in env_extra replaced, plus the new ones. The
 * strings are borrowed; only the array is allocated. */
static char **build_env(const char *const env_extra[])
{
	size_t n_env = 0, n_extra = 0;
	while (environ && environ[n_env])
		n_env++;
	while (env_extra && env_extra[n_extra])
		n_extra++;
	char **envp = xcalloc(n_env + n_extra + 1, sizeof *envp);
	size_t k = 0;
	for (size_t i = 0; i < n_env; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nlen = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool overridden = false;
		for (size_t j = 0; j < n_extra && !overridden; j++)
			overridden = strncmp(env_extra[j], environ[i], nlen) == 0
				     && env_extra[j][nlen] == '=';
		if (!overridden)
			envp[k++] = environ[i];
	}
	for (size_t j = 0; j < n_extra; j++)
		envp[k++] = (char *)(uintptr_t)env_extra[j];
	envp[k] = NULL;
	return envp;
}

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd >= 0)
		fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
#else
	(void)pid;
	return -1;
#endif
}

/* Hand stdout on as it comes (a listing of any length, never held whole). */
static void read_to_sink(int *fd, spawn_sink sink, void *ctx)
{
	char buf[65536];
	for (;;) {
		ssize_t r = read(*fd, buf, sizeof buf);
		if (r > 0) {
			sink(ctx, buf, (size_t)r);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		close_fd(fd);
		return;
	}
}

static void read_into(int *fd, struct strbuf *sb)
{
	char buf[65536];
	for (;;) {
		ssize_t r = read(*fd, buf, sizeof buf);
		if (r > 0) {
			if (sb->len < OUTPUT_CAP)
				sb_add(sb, buf, (size_t)r < OUTPUT_CAP - sb->len ? (size_t)r
									    : OUTPUT_CAP - sb->len);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		close_fd(fd); /* EOF or a real error: either way this stream is over */
		return;
	}
}

/* A started program and what serving it needs: the pipe ends, the input
 * still to feed, the clock, and the result being filled. */
struct spawn_proc {
	pid_t pid;
	int fin, fout, ferr;
	const char *input;   /* borrowed: the caller keeps it until spawn_wait */
	size_t input_len;
	int timeout_ms;
	struct timespec started;
	struct spawn_result res;
	pthread_t thread;
	bool threaded;       /* served by its own thread (spawn_start) */
	spawn_sink sink;     /* stdout goes here instead of res.out (spawn_stream) */
	void *sink_ctx;
};

static void result_init(struct spawn_result *res)
{
	res->status = -1;
	res->timed_out = false;
	res->seconds = 0;
	sb_init(&res->out);
	sb_init(&res->err);
}

/* argv started by posix_spawnp with fds[0..2] as its 0, 1, 2; 0 or an
 * errno. */
static int start_plain(const char *const argv[], char **envp, const int fds[3], pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_init(&fa);
	for (int i = 0; i < 3; i++)
		posix_spawn_file_actions_adddup2(&fa, fds[i], i);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	/* Some library (curses, a resolver) may own an fd without O_CLOEXEC. */
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	/* The program starts with default signal handling and nothing blocked,
	 * whatever the TUI did to its own (SIGPIPE ignored, SIGWINCH caught). */
	posix_spawnattr_init(&attr);
	sigset_t all, none;
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	int rc = posix_spawnp(pid, argv[0], &fa, &attr, (char *const *)(uintptr_t)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

/* The file that runs for name: itself when it has a '/', else the first
 * executable one in PATH (looked up before the fork: the child of a
 * program with threads may only make async-signal-safe calls). NULL when
 * none. */
static char *exec_path(const char *name)
{
	if (strchr(name, '/'))
		return xstrdup(name);
	const char *path = getenv("PATH");
	for (const char *d = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";;) {
		const char *c = strchrnul(d, ':');
		char *full = c == d ? xasprintf("./%s", name) : xasprintf("%.*s/%s", (int)(c - d), d, name);
		if (access(full, X_OK) == 0)
			return full;
		free(full);
		if (!*c)
			return NULL;
		d = c + 1;
	}
}

/* argv started by fork and execve as as->uid, with as->gid as its group
 * and its only supplementary group (Postfix's set_ugid), the rest as
 * start_plain; 0 or an errno (the child's, through a close-on-exec pipe,
 * when it could not take the ids or exec). Only async-signal-safe calls
 * in the child. */
static int start_as(const char *const argv[], char **envp, const struct spawn_as *as, const int fds[3],
		    pid_t *pid)
{
	char *path = exec_path(argv[0]);
	if (!path)
		return ENOENT;
	int ep[2];
	if (make_pipe(ep) < 0) {
		int e = errno;
		free(path);
		return e;
	}
	pid_t c = fork();
	if (c == 0) {
		struct sigaction dfl = { .sa_handler = SIG_DFL };
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				(void)sigaction(sig, &dfl, NULL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int e = 0;
		for (int i = 0; i < 3 && !e; i++)
			if (dup2(fds[i], i) < 0)
				e = errno;
		if (!e && (setgid(as->gid) < 0 || setgroups(1, &as->gid) < 0 || setuid(as->uid) < 0))
			e = errno;
		if (!e && as->uid != 0 && setuid(0) == 0)
			e = EPERM;   /* the ids did not stick */
		if (!e) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
			(void)close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
			execve(path, (char *const *)(uintptr_t)argv, envp);
			e = errno;
		}
		(void)!write(ep[1], &e, sizeof e);
		_exit(127);
	}
	int e = c < 0 ? errno : 0;
	free(path);
	close(ep[1]);
	if (c > 0) {
		ssize_t r;
		while ((r = read(ep[0], &e, sizeof e)) < 0 && errno == EINTR)
			;
		if (r == (ssize_t)sizeof e) {
			while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
				;
		} else {
			e = 0;
			*pid = c;
		}
	}
	close(ep[0]);
	return e;
}

/* Everything up to a running program with its pipes ready (as someone
 * else when as is not NULL). */
static int proc_start(const char *const argv[], const char *input, size_t input_len,
		      const char *const env_extra[], const struct spawn_as *as, int timeout_ms,
		      struct spawn_proc *p, struct diags *d)
{
	result_init(&p->res);
	p->sink = NULL;
	p->fin = p->fout = p->ferr = -1;
	p->input = input;
	p->input_len = input ? input_len : 0;
	p->timeout_ms = timeout_ms;
	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0') {
		diag_error(d, NULL, 0, _("cannot run an empty command"));
		return -1;
	}

	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	if (make_pipe(pin) < 0 || make_pipe(pout) < 0 || make_pipe(perr) < 0) {
		diag_error(d, NULL, 0, _("cannot run %s: %s"), argv[0], strerror(errno));
		close_fd(&pin[0]), close_fd(&pin[1]), close_fd(&pout[0]);
		close_fd(&pout[1]), close_fd(&perr[0]), close_fd(&perr[1]);
		return -1;
	}

	char **envp = as && as->env ? NULL : build_env(env_extra);
	const int fds[3] = { pin[0], pout[1], perr[1] };
	clock_now(&p->started);
	int rc = !as ? start_plain(argv, envp, fds, &p->pid)
		     : start_as(argv, envp ? envp : (char **)(uintptr_t)as->env, as, fds, &p->pid);
	free(envp);
	close_fd(&pin[0]);
	close_fd(&pout[1]);
	close_fd(&perr[1]);
	if (rc != 0) {
		if (as)
			diag_error(d, NULL, 0, _("cannot run %s as uid %lu, gid %lu: %s"), argv[0],
				   (unsigned long)as->uid, (unsigned long)as->gid, strerror(rc));
		else
			diag_error(d, NULL, 0, _("cannot run %s: %s"), argv[0], strerror(rc));
		close_fd(&pin[1]), close_fd(&pout[0]), close_fd(&perr[0]);
		return -1;
	}

	p->fin = pin[1], p->fout = pout[0], p->ferr = perr[0];
	fcntl(p->fin, F_SETFL, O_NONBLOCK);
	fcntl(p->fout, F_SETFL, O_NONBLOCK);
	fcntl(p->ferr, F_SETFL, O_NONBLOCK);
	if (p->input_len == 0)
		close_fd(&p->fin);
	return 0;
}

/* Write what the child's input pipe takes now; close it once all is
 * written or the reader is gone (EPIPE noted: its SIGPIPE is taken back). */
static void proc_feed(int *fin, const char *input, size_t input_len, size_t *written,
		      bool *got_epipe)
{
	while (*written < input_len) {
		ssize_t w = write(*fin, input + *written, input_len - *written);
		if (w > 0) {
			*written += (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EPIPE)
			*got_epipe = true;
		if (w < 0 && errno == EAGAIN)
			break;
		*written = input_len; /* the reader is gone: stop feeding */
	}
	if (*written >= input_len)
		close_fd(fin);
}

/* Past the deadline: SIGTERM, then SIGKILL once KILL_GRACE_MS have gone by.
 * *kill_at is when the SIGKILL is due (-1: no SIGTERM yet). */
static void proc_enforce_timeout(pid_t pid, long long now, long long deadline, long long *kill_at,
				 bool *timed_out)
{
	if (deadline >= 0 && now >= deadline && *kill_at < 0) {
		kill(pid, SIGTERM);
		*timed_out = true;
		*kill_at = now + KILL_GRACE_MS;
	}
	if (*kill_at >= 0 && now >= *kill_at) {
		kill(pid, SIGKILL);
		*kill_at = now + 3600 * 1000LL; /* once */
	}
}

/* poll's timeout until wake (a clock_ms time; -1: none), at most 50 ms
 * when the child must be looked at periodically. */
static int proc_wait_ms(long long now, long long wake, bool periodic)
{
	int tmo = wake < 0 ? -1 : (int)(wake - now < 0 ? 0 : wake - now);
	if (periodic && (tmo < 0 || tmo > 50))
		tmo = 50;
	return tmo;
}

/* The child's end as a status: its exit code, or 128 + the signal. */
static int proc_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 0;
}

/* Feed the input, collect the output, enforce the timeout and reap: one
 * poll loop, so that neither side can block on a full pipe. */
static void proc_serve(struct spawn_proc *p)
{
	struct spawn_result *res = &p->res;
	const char *input = p->input;
	size_t input_len = p->input_len;
	pid_t pid = p->pid;
	int fin = p->fin, fout = p->fout, ferr = p->ferr;
	int timeout_ms = p->timeout_ms;

	/* A program that exits without reading its input would kill us with
	 * SIGPIPE: block it here and take the pending one back afterwards. */
	sigset_t pipeset, oldset;
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &oldset);
	bool got_epipe = false;

	int pidfd = pidfd_open_compat(pid);
	long long start = (long long)p->started.tv_sec * 1000 + p->started.tv_nsec / 1000000;
	long long deadline = timeout_ms > 0 ? start + timeout_ms : -1;
	long long kill_at = -1, drain_until = -1;
	size_t written = 0;
	int wstatus = 0;
	bool exited = false;
	struct timespec ended = p->started;

	while (fin >= 0 || fout >= 0 || ferr >= 0 || !exited) {
		if (!exited) {
			pid_t w = waitpid(pid, &wstatus, WNOHANG);
			if (w == pid) {
				exited = true;
				clock_now(&ended);
				drain_until = (long long)clock_ms() + EXIT_DRAIN_MS;
				close_fd(&pidfd);
				close_fd(&fin);
			}
		}
		if (exited && fout < 0 && ferr < 0)
			break;
		long long now = (long long)clock_ms();
		if (exited && now >= drain_until)
			break;
		if (!exited)
			proc_enforce_timeout(pid, now, deadline, &kill_at, &res->timed_out);

		struct pollfd pfd[4];
		int np = 0, i_in = -1, i_out = -1, i_err = -1;
		if (fin >= 0)
			pfd[i_in = np++] = (struct pollfd){ .fd = fin, .events = POLLOUT };
		if (fout >= 0)
			pfd[i_out = np++] = (struct pollfd){ .fd = fout, .events = POLLIN };
		if (ferr >= 0)
			pfd[i_err = np++] = (struct pollfd){ .fd = ferr, .events = POLLIN };
		if (pidfd >= 0 && !exited)
			pfd[np++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };

		/* Wake for the next event we own: the drain end, the kill, the
		 * deadline, or (without a pidfd) a periodic look at the child. */
		long long wake = exited ? drain_until : kill_at >= 0 ? kill_at : deadline;
		int pr = poll(pfd, (nfds_t)np, proc_wait_ms(now, wake, pidfd < 0 && !exited));
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (i_in >= 0 && pfd[i_in].revents)
			proc_feed(&fin, input, input_len, &written, &got_epipe);
		if (i_out >= 0 && pfd[i_out].revents) {
			if (p->sink)
				read_to_sink(&fout, p->sink, p->sink_ctx);
			else
				read_into(&fout, &res->out);
		}
		if (i_err >= 0 && pfd[i_err].revents)
			read_into(&ferr, &res->err);
	}
	close_fd(&fin);
	close_fd(&fout);
	close_fd(&ferr);
	close_fd(&pidfd);
	if (!exited) {
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
		clock_now(&ended);
	}
	p->fin = p->fout = p->ferr = -1;

	if (got_epipe) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipeset, NULL, &zero) == SIGPIPE)
			;
	}
	pthread_sigmask(SIG_SETMASK, &oldset, NULL);

	if (WIFEXITED(wstatus) || WIFSIGNALED(wstatus))
		res->status = proc_status(wstatus);
	res->seconds = clock_seconds(&p->started, &ended);
}

int spawn_run(const char *const argv[], const char *input, size_t input_len,
	      const char *const env_extra[], int timeout_ms, struct spawn_result *res,
	      struct diags *d)
{
	struct spawn_proc p;
	int rc = proc_start(argv, input, input_len, env_extra, NULL, timeout_ms, &p, d);
	if (rc == 0)
		proc_serve(&p);
	*res = p.res;
	return rc;
}

int spawn_run_as(const char *const argv[], const struct spawn_as *as, int timeout_ms,
		 struct spawn_result *res, struct diags *d)
{
	struct spawn_proc p;
	int rc = proc_start(argv, NULL, 0, NULL, as, timeout_ms, &p, d);
	if (rc == 0)
		proc_serve(&p);
	*res = p.res;
	return rc;
}

int spawn_stream(const char *const argv[], const char *const env_extra[], int timeout_ms,
		 spawn_sink sink, void *ctx, struct spawn_result *res, struct diags *d)
{
	struct spawn_proc p;
	int rc = proc_start(argv, NULL, 0, env_extra, NULL, timeout_ms, &p, d);
	if (rc == 0) {
		p.sink = sink;
		p.sink_ctx = ctx;
		proc_serve(&p);
	}
	*res = p.res;
	return rc;
}

static void *serve_thread(void *arg)
{
	proc_serve(arg);
	return NULL;
}

int spawn_start(const char *const argv[], const char *input, size_t input_len,
		const char *const env_extra[], int timeout_ms, struct spawn_proc **pp,
		struct diags *d)
{
	struct spawn_proc *p = xcalloc(1, sizeof *p);
	*pp = NULL;
	if (proc_start(argv, input, input_len, env_extra, NULL, timeout_ms, p, d) < 0) {
		spawn_result_free(&p->res);
		free(p);
		return -1;
	}
	*pp = p;
	/* The thread takes no signal: they stay the caller's (the TUI's
	 * SIGWINCH, SIGTERM). Without a thread, spawn_wait serves it. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->threaded = pthread_create(&p->thread, NULL, serve_thread, p) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return 0;
}

void spawn_wait(struct spawn_proc **pp, struct spawn_result *res)
{
	struct spawn_proc *p = *pp;
	if (p->threaded)
		pthread_join(p->thread, NULL);
	else
		proc_serve(p);
	*res = p->res;
	free(p);
	*pp = NULL;
}

void spawn_result_free(struct spawn_result *res)
{
	sb_free(&res->out);
	sb_free(&res->err);
}

/* The first line with something other than blanks in it, trimmed. */
static bool first_line(const struct strbuf *sb, struct strbuf *line)
{
	const char *p = sb_str(sb), *end = p + sb->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		const char *s = p;
		while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		const char *t = e;
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			t--;
		if (t > s) {
			sb_add(line, s, (size_t)(t - s));
			return true;
		}
		p = nl ? nl + 1 : end;
	}
	return false;
}

int spawn_result_check(const char *const argv[], const struct spawn_result *res, int timeout_ms,
		       struct diags *d)
{
	if (res->status == 0 && !res->timed_out)
		return 0;
	struct strbuf why = STRBUF_INIT;
	if (res->timed_out)
		sb_addf(&why, _("%s timed out after %d ms"), argv[0], timeout_ms);
	else if (res->status > 128)
		sb_addf(&why, _("%s failed (signal %d)"), argv[0], res->status - 128);
	else
		sb_addf(&why, _("%s failed (exit %d)"), argv[0], res->status);
	struct strbuf line = STRBUF_INIT;
	if (first_line(&res->err, &line) || first_line(&res->out, &line)) {
		sb_adds(&why, ": ");
		sb_add(&why, line.buf, line.len);
	}
	diag_error(d, NULL, 0, "%s", sb_str(&why));
	sb_free(&line);
	sb_free(&why);
	return -1;
}

int spawn_check(const char *const argv[], int timeout_ms, struct diags *d)
{
	struct spawn_result res;
	if (spawn_run(argv, NULL, 0, NULL, timeout_ms, &res, d) < 0)
		return -1;
	int rc = spawn_result_check(argv, &res, timeout_ms, d);
	spawn_result_free(&res);
	return rc;
}

char *spawn_marked_line(const struct strbuf *err, const char *const markers[], bool anchored)
{
	for (const char *l = sb_str(err), *end = l + err->len; l < end;) {
		const char *nl = memchr(l, '\n', (size_t)(end - l));
		size_t len = nl ? (size_t)(nl - l) : (size_t)(end - l);
		for (size_t m = 0; markers[m]; m++) {
			size_t mlen = strlen(markers[m]);
			if (anchored ? len >= mlen && memcmp(l, markers[m], mlen) == 0
				     : memmem(l, len, markers[m], mlen) != NULL)
				return xstrndup(l, len);
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	return NULL;
}

char **spawn_argv_split(const char *cmdline)
{
	size_t n = 0, cap = 0;
	char **argv = NULL;
	const char *p = cmdline ? cmdline : "";
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		const char *s = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		xgrow(&argv, &cap, n + 2, sizeof *argv);
		argv[n++] = xstrndup(s, (size_t)(p - s));
	}
	xgrow(&argv, &cap, n + 1, sizeof *argv);
	argv[n] = NULL;
	return argv;
}

void spawn_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

bool spawn_first_word(const char *const argv[], char *out, size_t size)
{
	struct spawn_result r;
	struct diags d = DIAGS_INIT;
	bool ok = spawn_run(argv, NULL, 0, NULL, 5000, &r, &d) == 0 && r.status == 0;
	if (ok) {
		size_t n = strcspn(sb_str(&r.out), " \n");
		if (n >= size)
			n = size - 1;
		memcpy(out, sb_str(&r.out), n);
		out[n] = '\0';
	}
	spawn_result_free(&r);
	diags_free(&d);
	return ok;
}
