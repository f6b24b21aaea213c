/* Unit tests for spawn: output capture, stdin, 1 MB both ways without
 * deadlock, exit codes and signals, missing programs, timeouts, the
 * environment, the failure message spawn_check builds, and the same run
 * started (spawn_start) and finished later (spawn_wait). */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/diag.h"
#include "vmailadm/spawn.h"
#include "vmailadm/xalloc.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_echo(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	const char *argv[] = { "/bin/echo", "hello", "a b", NULL };
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv, NULL, 0, NULL, 0, &r, &d), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_FALSE(r.timed_out);
	CU_ASSERT_STRING_EQUAL(sb_str(&r.out), "hello a b\n");
	CU_ASSERT_EQUAL(r.err.len, 0);
	spawn_result_free(&r);
	/* PATH lookup without a slash; no shell: the '*' and ';' stay literal. */
	const char *argv2[] = { "echo", "*;", "$HOME", NULL };
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv2, NULL, 0, NULL, 0, &r, &d), 0);
	CU_ASSERT_STRING_EQUAL(sb_str(&r.out), "*; $HOME\n");
	spawn_result_free(&r);
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
}

static void test_cat_input(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	const char *argv[] = { "/bin/cat", NULL };
	const char in[] = "line one\nline\0two\n";
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv, in, sizeof in - 1, NULL, 5000, &r, &d), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL_FATAL(r.out.len, sizeof in - 1);
	CU_ASSERT_EQUAL(memcmp(r.out.buf, in, sizeof in - 1), 0);
	spawn_result_free(&r);
	/* No input: cat sees EOF at once instead of waiting on our stdin. */
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv, NULL, 0, NULL, 5000, &r, &d), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_FALSE(r.timed_out);
	CU_ASSERT_EQUAL(r.out.len, 0);
	spawn_result_free(&r);
	diags_free(&d);
}

/* 1 MB in, 1 MB out on stdout and 1 MB on stderr at once: with blocking
 * writes and sequential reads this deadlocks on the 64 KB pipe buffers. */
static void test_large_both_ways(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	size_t n = 1 << 20;
	char *in = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	in[n - 1] = '\n';
	const char *argv[] = { "/bin/sh", "-c", "tee /dev/stderr", NULL };
	double t0 = now_s();
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv, in, n, NULL, 20000, &r, &d), 0);
	CU_ASSERT(now_s() - t0 < 10);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_FALSE(r.timed_out);
	CU_ASSERT_EQUAL(r.out.len, n);
	CU_ASSERT_EQUAL(r.err.len, n);
	CU_ASSERT(r.out.len == n && memcmp(r.out.buf, in, n) == 0);
	CU_ASSERT(r.err.len == n && memcmp(r.err.buf, in, n) == 0);
	spawn_result_free(&r);
	/* A program that exits without reading 1 MB of input: no SIGPIPE for us. */
	const char *argv2[] = { "/bin/true", NULL };
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv2, in, n, NULL, 5000, &r, &d), 0);
	CU_ASSERT_EQUAL(r.status, 0);
	spawn_result_free(&r);
	free(in);
	diags_free(&d);
}

static void test_exit_codes(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	const char *argv[] = { "/bin/sh", "-c", "echo out; echo '  ' >&2; echo 'bad thing' >&2; exit 3",
			       NULL };
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv, NULL, 0, NULL, 5000, &r, &d), 0);
	CU_ASSERT_EQUAL(r.status, 3);
	spawn_result_free(&r);
	const char *argv2[] = { "/bin/sh", "-c", "kill -USR1 $$", NULL };
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv2, NULL, 0, NULL, 5000, &r, &d), 0);
	CU_ASSERT_EQUAL(r.status, 128 + SIGUSR1);
	spawn_result_free(&r);
	CU_ASSERT_EQUAL(d.n, 0);

	/* spawn_check: the first non-blank stderr line, else stdout. */
	CU_ASSERT_EQUAL(spawn_check(argv, 5000, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "/bin/sh failed (exit 3): bad thing");
	const char *argv3[] = { "/bin/sh", "-c", "printf '\\n  from stdout \\n'; exit 1", NULL };
	CU_ASSERT_EQUAL(spawn_check(argv3, 5000, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 2);
	CU_ASSERT_STRING_EQUAL(d.v[1].msg, "/bin/sh failed (exit 1): from stdout");
	const char *argv4[] = { "false", NULL };
	CU_ASSERT_EQUAL(spawn_check(argv4, 5000, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 3);
	CU_ASSERT_STRING_EQUAL(d.v[2].msg, "false failed (exit 1)");
	const char *argv5[] = { "true", NULL };
	CU_ASSERT_EQUAL(spawn_check(argv5, 5000, &d), 0);
	CU_ASSERT_EQUAL(d.n, 3);
	diags_free(&d);
}

static void test_missing_program(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	const char *argv[] = { "vmailadm-no-such-program", "x", NULL };
	CU_ASSERT_EQUAL(spawn_run(argv, NULL, 0, NULL, 0, &r, &d), -1);
	CU_ASSERT_EQUAL(r.status, -1);
	spawn_result_free(&r);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "cannot run vmailadm-no-such-program: No such file or directory");
	const char *argv2[] = { "/nonexistent/postmap", NULL };
	CU_ASSERT_EQUAL(spawn_check(argv2, 0, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 2);
	CU_ASSERT_STRING_EQUAL(d.v[1].msg, "cannot run /nonexistent/postmap: No such file or directory");
	diags_free(&d);
}

/* The programs sleep 30 s and each bound is 20 s: only a program left to
 * run to its end reaches it (under load a spawn alone can take a good part
 * of a second; the bounds were 1 and 3 s against a sleep of 5). */
static void test_timeout(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	const char *argv[] = { "/bin/sleep", "30", NULL };
	double t0 = now_s();
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv, NULL, 0, NULL, 200, &r, &d), 0);
	double dt = now_s() - t0;
	CU_ASSERT(dt >= 0.19 && dt < 20.0);
	CU_ASSERT_TRUE(r.timed_out);
	CU_ASSERT_EQUAL(r.status, 128 + SIGTERM);
	spawn_result_free(&r);
	/* SIGTERM ignored: SIGKILL follows after the grace second. */
	const char *argv2[] = { "/bin/sh", "-c", "trap '' TERM; sleep 30", NULL };
	t0 = now_s();
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv2, NULL, 0, NULL, 200, &r, &d), 0);
	dt = now_s() - t0;
	CU_ASSERT(dt >= 1.1 && dt < 20.0);
	CU_ASSERT_TRUE(r.timed_out);
	CU_ASSERT_EQUAL(r.status, 128 + SIGKILL);
	spawn_result_free(&r);
	CU_ASSERT_EQUAL(spawn_check(argv, 200, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "/bin/sleep timed out after 200 ms");
	diags_free(&d);
}

/* A background child that keeps stdout open must not hold us once the
 * program itself has exited. */
static void test_daemon_keeps_pipe(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	const char *argv[] = { "/bin/sh", "-c", "echo started; sleep 30 & exit 0", NULL };
	double t0 = now_s();
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv, NULL, 0, NULL, 0, &r, &d), 0);
	CU_ASSERT(now_s() - t0 < 20.0);   /* not the background sleep's 30 s */
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(sb_str(&r.out), "started\n");
	spawn_result_free(&r);
	diags_free(&d);
}

static void test_env_extra(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	setenv("VMAILADM_TEST_KEEP", "kept", 1);
	setenv("VMAILADM_TEST_OVER", "old", 1);
	const char *env[] = { "VMAILADM_TEST_OVER=new", "VMAILADM_TEST_ADD=added", NULL };
	const char *argv[] = { "/bin/sh", "-c",
			       "echo \"$VMAILADM_TEST_KEEP $VMAILADM_TEST_OVER $VMAILADM_TEST_ADD\"; "
			       "env | grep -c '^VMAILADM_TEST_OVER='",
			       NULL };
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv, NULL, 0, env, 5000, &r, &d), 0);
	CU_ASSERT_STRING_EQUAL(sb_str(&r.out), "kept new added\n1\n");
	spawn_result_free(&r);
	/* Our own fds other than 0-2 do not leak into the program. */
	const char *argv2[] = { "/bin/sh", "-c", "ls /proc/self/fd | wc -l", NULL };
	CU_ASSERT_EQUAL_FATAL(spawn_run(argv2, NULL, 0, NULL, 5000, &r, &d), 0);
	/* 0, 1, 2 and the one ls opens to read the directory. */
	CU_ASSERT_STRING_EQUAL(sb_str(&r.out), "4\n");
	spawn_result_free(&r);
	diags_free(&d);
}

/* spawn_start returns while the program runs: it waits for a file that the
 * caller creates only after spawn_start has returned (a synchronous start
 * would time out instead). Two programs at once, each with its own output. */
static void test_start_then_wait(void)
{
	struct diags d = DIAGS_INIT;
	char dir[] = "/tmp/vmailadm-test-spawn.XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char *flag = xasprintf("%s/go", dir);
	char *script = xasprintf("while [ ! -e %s ]; do sleep 0.01; done; echo seen; echo note >&2", flag);
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *argv2[] = { "/bin/sh", "-c", "echo second; exit 4", NULL };
	struct spawn_proc *p = NULL, *q = NULL;
	double t0 = now_s();
	CU_ASSERT_EQUAL_FATAL(spawn_start(argv, NULL, 0, NULL, 10000, &p, &d), 0);
	CU_ASSERT_EQUAL_FATAL(spawn_start(argv2, NULL, 0, NULL, 10000, &q, &d), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	FILE *fp = fopen(flag, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
	fclose(fp);
	struct spawn_result r, r2;
	spawn_wait(&p, &r);
	spawn_wait(&q, &r2);
	double wall = now_s() - t0;
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_FALSE(r.timed_out);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(sb_str(&r.out), "seen\n");
	CU_ASSERT_STRING_EQUAL(sb_str(&r.err), "note\n");
	CU_ASSERT(r.seconds > 0 && r.seconds <= wall);
	CU_ASSERT_EQUAL(r2.status, 4);
	CU_ASSERT_STRING_EQUAL(sb_str(&r2.out), "second\n");
	CU_ASSERT_EQUAL(spawn_result_check(argv2, &r2, 10000, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "/bin/sh failed (exit 4): second");
	spawn_result_free(&r);
	spawn_result_free(&r2);
	unlink(flag);
	rmdir(dir);
	free(flag);
	free(script);
	diags_free(&d);
}

/* While the caller is busy, the program is still served: 1 MB of input
 * fed and 1 MB of output read on each stream (more than the pipes hold),
 * and a timeout that runs out meanwhile still ends it. */
static void test_served_while_busy(void)
{
	struct diags d = DIAGS_INIT;
	size_t n = 1 << 20;
	char *in = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		in[i] = (char)('a' + i % 26);
	const char *argv[] = { "/bin/sh", "-c", "tee /dev/stderr; echo done >&2", NULL };
	struct spawn_proc *p;
	CU_ASSERT_EQUAL_FATAL(spawn_start(argv, in, n, NULL, 20000, &p, &d), 0);
	usleep(300000);
	struct spawn_result r;
	spawn_wait(&p, &r);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT(r.out.len == n && memcmp(r.out.buf, in, n) == 0);
	CU_ASSERT(r.err.len == n + 5 && memcmp(r.err.buf, in, n) == 0);
	spawn_result_free(&r);
	free(in);

	const char *argv2[] = { "/bin/sleep", "30", NULL };
	CU_ASSERT_EQUAL_FATAL(spawn_start(argv2, NULL, 0, NULL, 100, &p, &d), 0);
	usleep(400000);
	spawn_wait(&p, &r);
	CU_ASSERT_TRUE(r.timed_out);
	CU_ASSERT_EQUAL(r.status, 128 + SIGTERM);
	spawn_result_free(&r);
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
}

static void test_start_missing_program(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_proc *p = (struct spawn_proc *)&d; /* must be reset */
	const char *argv[] = { "/nonexistent/postmap", "hash:x", NULL };
	CU_ASSERT_EQUAL(spawn_start(argv, NULL, 0, NULL, 1000, &p, &d), -1);
	CU_ASSERT_PTR_NULL(p);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "cannot run /nonexistent/postmap: No such file or directory");
	diags_free(&d);
}

static void test_argv_split(void)
{
	char **a = spawn_argv_split("  /usr/sbin/postfix  -c\t/etc/postfix reload ");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a[0], "/usr/sbin/postfix");
	CU_ASSERT_STRING_EQUAL(a[1], "-c");
	CU_ASSERT_STRING_EQUAL(a[2], "/etc/postfix");
	CU_ASSERT_STRING_EQUAL(a[3], "reload");
	CU_ASSERT_PTR_NULL(a[4]);
	spawn_argv_free(a);
	a = spawn_argv_split("   ");
	CU_ASSERT_PTR_NULL(a[0]);
	spawn_argv_free(a);
	a = spawn_argv_split("echo 'a b'");
	CU_ASSERT_STRING_EQUAL(a[1], "'a");
	CU_ASSERT_STRING_EQUAL(a[2], "b'");
	spawn_argv_free(a);
}

/* The first line carrying a marker: at its start (doveadm's "Error:"), or
 * anywhere (postmap's "postmap: fatal:"); the last line without its
 * newline; none in an empty stream. */
static void test_marked_line(void)
{
	static const char *const dove[] = { "Error:", "Fatal:", NULL };
	static const char *const pm[] = { "fatal:", "warning:", NULL };
	struct strbuf err = STRBUF_INIT;
	CU_ASSERT_PTR_NULL(spawn_marked_line(&err, dove, true));
	sb_adds(&err, "0 cache entries flushed\nsaid: Error: not at the start\n"
		      "Error: auth-master: connect(...) failed\nFatal: later\n");
	char *l = spawn_marked_line(&err, dove, true);
	CU_ASSERT_STRING_EQUAL(l, "Error: auth-master: connect(...) failed");
	free(l);
	l = spawn_marked_line(&err, dove, false);
	CU_ASSERT_STRING_EQUAL(l, "said: Error: not at the start");
	free(l);
	sb_reset(&err);
	sb_adds(&err, "postmap: info: x\npostmap: warning: pgsql:/x.cf: no host");
	l = spawn_marked_line(&err, pm, false);
	CU_ASSERT_STRING_EQUAL(l, "postmap: warning: pgsql:/x.cf: no host");
	free(l);
	CU_ASSERT_PTR_NULL(spawn_marked_line(&err, pm, true));
	sb_free(&err);
}

/* As another user: root runs id as nobody (its group the only one, the
 * signals default, stdout captured, exit status kept); anybody else, and
 * a program that does not exist, are told they cannot. */
static void test_run_as(void)
{
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	struct passwd *pw = getpwnam("nobody");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pw);
	const char *const env[] = { "PATH=/usr/bin:/bin", "ONLY=this", NULL };
	struct spawn_as as = { pw->pw_uid, pw->pw_gid, env };
	const char *argv[] = { "sh", "-c", "id -u; id -G; trap; echo ${HOME:-no home} $ONLY; exit 3", NULL };
	if (geteuid() == 0) {
		gid_t root_group = 0;   /* a supplementary group the program must not keep */
		CU_ASSERT_EQUAL(setgroups(1, &root_group), 0);
		signal(SIGINT, SIG_IGN);
		CU_ASSERT_EQUAL_FATAL(spawn_run_as(argv, &as, 5000, &r, &d), 0);
		signal(SIGINT, SIG_DFL);
		char *want = xasprintf("%lu\n%lu\nno home this\n", (unsigned long)pw->pw_uid,
				       (unsigned long)pw->pw_gid);
		CU_ASSERT_STRING_EQUAL(sb_str(&r.out), want);
		CU_ASSERT_EQUAL(r.status, 3);
		CU_ASSERT_EQUAL(d.n, 0);
		free(want);
	} else {
		CU_ASSERT_EQUAL(spawn_run_as(argv, &as, 5000, &r, &d), -1);
		CU_ASSERT_EQUAL_FATAL(d.n, 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "cannot run sh as uid"));
	}
	spawn_result_free(&r);
	diags_free(&d);
	const char *missing[] = { "no-such-program-vmailadm", NULL };
	CU_ASSERT_EQUAL(spawn_run_as(missing, &as, 5000, &r, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "cannot run no-such-program-vmailadm as uid"));
	spawn_result_free(&r);
	diags_free(&d);
}

int main(void)
{
	/* A test harness may ignore SIGPIPE or not; spawn must work either way,
	 * so leave the default (fatal) disposition to prove it blocks it. */
	signal(SIGPIPE, SIG_DFL);
	CU_TestInfo tests[] = {
		{ "echo, PATH lookup, no shell", test_echo },
		{ "cat with input, and without", test_cat_input },
		{ "1 MB in, 1 MB out on both streams", test_large_both_ways },
		{ "exit codes, signals, spawn_check message", test_exit_codes },
		{ "missing program", test_missing_program },
		{ "timeout: TERM, then KILL", test_timeout },
		{ "background child keeps the pipe", test_daemon_keeps_pipe },
		{ "env_extra and no fd leaks", test_env_extra },
		{ "argv split", test_argv_split },
		{ "spawn_start returns at once; two programs", test_start_then_wait },
		{ "started program served while the caller is busy", test_served_while_busy },
		{ "spawn_start of a missing program", test_start_missing_program },
		{ "the first line with a marker", test_marked_line },
		{ "run as another user", test_run_as },
		CU_TEST_INFO_NULL,
	};
	return cu_run("spawn", tests);
}
