/* Unit tests for safeopen: symlinks and ".." anywhere in rel are refused with
 * a clear message; Maildirs get mode 0700 and the vmail owner (checked when
 * running as root); moving into the archive creates its parents; removing a
 * tree deletes a symlink without touching what it points to. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/diag.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/spawn.h"
#include "vmailadm/xalloc.h"

static char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = xasprintf("%s/vmailadm-safeopen-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(t) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	return t;
}

/* rm -rf through spawn (argv, no shell): the tests must not rely on the
 * code under test to clean up after themselves. */
static void rm_rf(const char *dir)
{
	const char *argv[] = { "rm", "-rf", "--one-file-system", dir, NULL };
	struct diags d = DIAGS_INIT;
	struct spawn_result r;
	spawn_run(argv, NULL, 0, NULL, 10000, &r, &d);
	spawn_result_free(&r);
	diags_free(&d);
}

static char *path2(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

static void mkdir_p(const char *base, const char *rel)
{
	char *p = path2(base, rel);
	for (char *s = p + strlen(base) + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			mkdir(p, 0755);
			*s = '/';
		}
	mkdir(p, 0755);
	free(p);
}

static void touch(const char *base, const char *rel)
{
	char *p = path2(base, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT(fd >= 0);
	if (fd >= 0)
		close(fd);
	free(p);
}

static bool exists(const char *base, const char *rel)
{
	struct stat st;
	char *p = path2(base, rel);
	bool r = lstat(p, &st) == 0;
	free(p);
	return r;
}

static void test_component(void)
{
	CU_ASSERT_TRUE(safe_component("alice"));
	CU_ASSERT_TRUE(safe_component(".Sent"));
	CU_ASSERT_TRUE(safe_component("..."));
	CU_ASSERT_TRUE(safe_component("caf\xc3\xa9"));
	CU_ASSERT_FALSE(safe_component(""));
	CU_ASSERT_FALSE(safe_component(NULL));
	CU_ASSERT_FALSE(safe_component("."));
	CU_ASSERT_FALSE(safe_component(".."));
	CU_ASSERT_FALSE(safe_component("a/b"));
	CU_ASSERT_FALSE(safe_component("a\nb"));
	CU_ASSERT_FALSE(safe_component("a\x1b[31m"));
	CU_ASSERT_FALSE(safe_component("a\x7f"));
}

static void test_open_dir_refuses(void)
{
	char *base = make_tmpdir();
	char *outside = make_tmpdir();
	struct diags d = DIAGS_INIT;
	mkdir_p(base, "example.com/alice/cur");
	touch(base, "example.com/file");

	int fd = safe_open_dir(base, "example.com/alice/", &d);
	CU_ASSERT_FATAL(fd >= 0);
	struct stat a, b;
	char *p = path2(base, "example.com/alice");
	CU_ASSERT_EQUAL(fstat(fd, &a), 0);
	CU_ASSERT_EQUAL(stat(p, &b), 0);
	CU_ASSERT_EQUAL(a.st_ino, b.st_ino);
	CU_ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
	free(p);
	fd = safe_open_dir(base, "", &d);
	CU_ASSERT(fd >= 0);
	close(fd);
	fd = safe_open_dir(base, "example.com//alice", &d);
	CU_ASSERT(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL(d.n, 0);

	/* A symlink in the middle and at the end of rel. */
	char *lnk = path2(base, "evil.com");
	CU_ASSERT_EQUAL(symlink(outside, lnk), 0);
	mkdir_p(outside, "bob");
	CU_ASSERT_EQUAL(safe_open_dir(base, "evil.com/bob", &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].file, lnk);
	CU_ASSERT_STRING_EQUAL(d.v[0].msg, "is a symbolic link; refusing to follow it");
	char *lnk2 = path2(base, "example.com/alice/new");
	CU_ASSERT_EQUAL(symlink(outside, lnk2), 0);
	CU_ASSERT_EQUAL(safe_open_dir(base, "example.com/alice/new", &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 2);
	CU_ASSERT_STRING_EQUAL(d.v[1].file, lnk2);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[1].msg, "symbolic link"));

	/* "..", ".", absolute rel, a file in the way, a relative base. */
	CU_ASSERT_EQUAL(safe_open_dir(base, "example.com/../example.com", &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[2].msg, "\"..\""));
	CU_ASSERT_EQUAL(safe_open_dir(base, "./example.com", &d), -1);
	CU_ASSERT_EQUAL(safe_open_dir(base, "/etc", &d), -1);
	CU_ASSERT_EQUAL(safe_open_dir(base, "example.com/file", &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 6);
	CU_ASSERT_STRING_EQUAL(d.v[5].msg, "is not a directory");
	CU_ASSERT_EQUAL(safe_open_dir("relative/base", "x", &d), -1);
	CU_ASSERT_EQUAL(safe_open_dir(base, "nope", &d), -1);
	CU_ASSERT_EQUAL(d.n, 8);
	for (size_t i = 0; i < d.n; i++)
		CU_ASSERT_EQUAL(d.v[i].level, DIAG_ERROR);
	free(lnk2);
	free(lnk);
	diags_free(&d);
	rm_rf(base);
	rm_rf(outside);
	free(base);
	free(outside);
}

static void check_dir(const char *base, const char *rel, mode_t mode, uid_t uid, gid_t gid)
{
	struct stat st;
	char *p = path2(base, rel);
	CU_ASSERT_EQUAL_FATAL(lstat(p, &st), 0);
	CU_ASSERT_TRUE(S_ISDIR(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, mode);
	if (st.st_uid != uid || (st.st_mode & 07777) != mode)
		fprintf(stderr, "%s: mode %o owner %ld\n", p, (unsigned)(st.st_mode & 07777),
			(long)st.st_uid);
	CU_ASSERT_EQUAL(st.st_uid, uid);
	CU_ASSERT_EQUAL(st.st_gid, gid);
	free(p);
}

static void test_make_maildir(void)
{
	char *base = make_tmpdir();
	char *outside = make_tmpdir();
	struct diags d = DIAGS_INIT;
	bool root = geteuid() == 0;
	uid_t u = root ? 5000 : geteuid();
	gid_t g = root ? 5000 : getegid();
	mode_t old = umask(022); /* the mode must not depend on it */
	CU_ASSERT_EQUAL(safe_make_maildir(base, "example.com/alice/", u, g, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	check_dir(base, "example.com", 0700, u, g);
	check_dir(base, "example.com/alice", 0700, u, g);
	check_dir(base, "example.com/alice/cur", 0700, u, g);
	check_dir(base, "example.com/alice/new", 0700, u, g);
	check_dir(base, "example.com/alice/tmp", 0700, u, g);

	/* An existing Maildir is left as it is; a missing subdirectory is added. */
	char *cur = path2(base, "example.com/alice/cur");
	CU_ASSERT_EQUAL(chmod(cur, 0750), 0);
	char *tmp = path2(base, "example.com/alice/tmp");
	CU_ASSERT_EQUAL(rmdir(tmp), 0);
	CU_ASSERT_EQUAL(safe_make_maildir(base, "example.com/alice", u, g, &d), 0);
	check_dir(base, "example.com/alice/cur", 0750, u, g);
	check_dir(base, "example.com/alice/tmp", 0700, u, g);
	/* An existing domain directory is not changed by a new box in it. */
	char *dom = path2(base, "example.com");
	CU_ASSERT_EQUAL(chmod(dom, 0755), 0);
	CU_ASSERT_EQUAL(safe_make_maildir(base, "example.com/bob", u, g, &d), 0);
	check_dir(base, "example.com", 0755, u, g);
	check_dir(base, "example.com/bob/new", 0700, u, g);
	CU_ASSERT_EQUAL(d.n, 0);

	/* tmp replaced by a symlink: refused, nothing created outside. */
	CU_ASSERT_EQUAL(rmdir(tmp), 0);
	CU_ASSERT_EQUAL(symlink(outside, tmp), 0);
	CU_ASSERT_EQUAL(safe_make_maildir(base, "example.com/alice", u, g, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].file, tmp);
	/* The domain a symlink: refused, the target stays empty. */
	char *evil = path2(base, "evil.com");
	CU_ASSERT_EQUAL(symlink(outside, evil), 0);
	CU_ASSERT_EQUAL(safe_make_maildir(base, "evil.com/carol", u, g, &d), -1);
	CU_ASSERT_EQUAL(d.n, 2);
	CU_ASSERT_FALSE(exists(outside, "carol"));
	CU_ASSERT_EQUAL(safe_make_maildir(base, "", u, g, &d), -1);
	CU_ASSERT_EQUAL(safe_make_maildir(base, "../x", u, g, &d), -1);
	CU_ASSERT_EQUAL(d.n, 4);

	/* safe_mkdirs returns the created directory's fd, mode exact. */
	int fd = safe_mkdirs(base, "a/b/c", 0750, (uid_t)-1, (gid_t)-1, &d);
	CU_ASSERT(fd >= 0);
	if (fd >= 0)
		close(fd);
	check_dir(base, "a/b", 0750, geteuid(), getegid());
	check_dir(base, "a/b/c", 0750, geteuid(), getegid());
	umask(old);
	free(evil);
	free(dom);
	free(tmp);
	free(cur);
	diags_free(&d);
	rm_rf(base);
	rm_rf(outside);
	free(base);
	free(outside);
}

static void test_rename_to_archive(void)
{
	char *base = make_tmpdir();
	char *arch = make_tmpdir();
	struct diags d = DIAGS_INIT;
	bool root = geteuid() == 0;
	uid_t u = root ? 5000 : geteuid();
	gid_t g = root ? 5000 : getegid();
	CU_ASSERT_EQUAL_FATAL(safe_make_maildir(base, "example.com/bob", u, g, &d), 0);
	touch(base, "example.com/bob/cur/1700000000.M1P2.host:2,S");
	CU_ASSERT_EQUAL(safe_rename(base, "example.com/bob/", arch, "2024-05-01/example.com/bob", &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_FALSE(exists(base, "example.com/bob"));
	CU_ASSERT_TRUE(exists(arch, "2024-05-01/example.com/bob/cur/1700000000.M1P2.host:2,S"));
	check_dir(arch, "2024-05-01", 0700, u, g);
	check_dir(arch, "2024-05-01/example.com", 0700, u, g);

	/* Never replaces what is already in the archive. */
	CU_ASSERT_EQUAL_FATAL(safe_make_maildir(base, "example.com/bob", u, g, &d), 0);
	CU_ASSERT_EQUAL(safe_rename(base, "example.com/bob", arch, "2024-05-01/example.com/bob", &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, "already exists"));
	CU_ASSERT_TRUE(exists(base, "example.com/bob/cur"));
	CU_ASSERT_TRUE(exists(arch, "2024-05-01/example.com/bob/cur/1700000000.M1P2.host:2,S"));
	/* A missing source, and a symlink in the archive path. */
	CU_ASSERT_EQUAL(safe_rename(base, "example.com/nobody", arch, "x/nobody", &d), -1);
	CU_ASSERT_EQUAL(d.n, 2);
	char *lnk = path2(arch, "link");
	CU_ASSERT_EQUAL(symlink(base, lnk), 0);
	CU_ASSERT_EQUAL(safe_rename(base, "example.com/bob", arch, "link/bob", &d), -1);
	CU_ASSERT_EQUAL(d.n, 3);
	CU_ASSERT_TRUE(exists(base, "example.com/bob"));
	CU_ASSERT_FALSE(exists(base, "bob"));
	free(lnk);

	/* Another filesystem: EXDEV is named (needs a tmpfs mount). */
	char *mnt = make_tmpdir();
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") == 0) {
		CU_ASSERT_EQUAL(safe_rename(base, "example.com/bob", mnt, "bob", &d), -1);
		CU_ASSERT_EQUAL_FATAL(d.n, 4);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.v[3].msg, "another filesystem"));
		CU_ASSERT_TRUE(exists(base, "example.com/bob"));
		umount2(mnt, MNT_DETACH);
	} else {
		fprintf(stderr, "mount tmpfs not permitted: EXDEV test skipped\n");
	}
	rmdir(mnt);
	free(mnt);
	diags_free(&d);
	rm_rf(base);
	rm_rf(arch);
	free(base);
	free(arch);
}

static void test_remove_tree(void)
{
	char *base = make_tmpdir();
	char *outside = make_tmpdir();
	struct diags d = DIAGS_INIT;
	mkdir_p(base, "example.com/dave/cur");
	mkdir_p(base, "example.com/dave/.Sent/cur");
	touch(base, "example.com/dave/cur/msg1");
	touch(base, "example.com/dave/.Sent/cur/msg2");
	touch(base, "example.com/dave/dovecot-uidlist");
	touch(outside, "precious");
	mkdir_p(outside, "sub");
	touch(outside, "sub/precious2");
	char *l1 = path2(base, "example.com/dave/cur/link-to-dir");
	char *l2 = path2(base, "example.com/dave/link-to-file");
	char *target = path2(outside, "precious");
	CU_ASSERT_EQUAL(symlink(outside, l1), 0);
	CU_ASSERT_EQUAL(symlink(target, l2), 0);
	char *sub = path2(base, "example.com/dave/.Sent/cur");
	CU_ASSERT_EQUAL(chmod(sub, 0), 0); /* unreadable to others; we own it */
	if (geteuid() != 0)
		chmod(sub, 0700);

	CU_ASSERT_EQUAL(safe_remove_tree(base, "example.com/dave/", &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_FALSE(exists(base, "example.com/dave"));
	CU_ASSERT_TRUE(exists(base, "example.com"));
	CU_ASSERT_TRUE(exists(outside, "precious"));
	CU_ASSERT_TRUE(exists(outside, "sub/precious2"));

	/* Missing: fine. Empty rel, "..", a symlink on the way: refused. */
	CU_ASSERT_EQUAL(safe_remove_tree(base, "example.com/dave", &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(safe_remove_tree(base, "", &d), -1);
	CU_ASSERT_EQUAL(safe_remove_tree(base, "example.com/..", &d), -1);
	char *evil = path2(base, "evil.com");
	CU_ASSERT_EQUAL(symlink(outside, evil), 0);
	CU_ASSERT_EQUAL(safe_remove_tree(base, "evil.com/sub", &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 3);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[2].msg, "symbolic link"));
	CU_ASSERT_TRUE(exists(outside, "sub/precious2"));
	/* The symlink itself as rel: removed, not followed. */
	CU_ASSERT_EQUAL(safe_remove_tree(base, "evil.com", &d), 0);
	CU_ASSERT_FALSE(exists(base, "evil.com"));
	CU_ASSERT_TRUE(exists(outside, "sub/precious2"));
	CU_ASSERT_TRUE(exists(outside, "precious"));

	/* A mount inside the tree is not entered. */
	mkdir_p(base, "example.com/erin/cur");
	char *mnt = path2(base, "example.com/erin/cur");
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=64k") == 0) {
		touch(base, "example.com/erin/cur/keep");
		CU_ASSERT_EQUAL(safe_remove_tree(base, "example.com/erin", &d), -1);
		CU_ASSERT_TRUE(exists(base, "example.com/erin/cur/keep"));
		umount2(mnt, MNT_DETACH);
	}
	free(mnt);
	free(evil);
	free(sub);
	free(target);
	free(l2);
	free(l1);
	diags_free(&d);
	rm_rf(base);
	rm_rf(outside);
	free(base);
	free(outside);
}

/* Which files may be written (issue 10): under the Postfix directory
 * (itself possibly a symlink) with no symlink below it, the configured
 * files, never an account database, never a directory or a device. */
static void test_check_target(void)
{
	char *base = make_tmpdir(), *outside = make_tmpdir();
	char *pf = path2(base, "postfix"), *link = path2(base, "pflink");
	mkdir_p(base, "postfix/sub");
	CU_ASSERT_EQUAL(symlink(pf, link), 0);
	char *sub = path2(outside, "maps");
	mkdir(sub, 0755);
	char *lsub = path2(pf, "maps");
	CU_ASSERT_EQUAL(symlink(sub, lsub), 0);
	char *users = path2(outside, "users");
	const char *const dirs[] = { link, NULL };
	const char *const files[] = { users, NULL };
	struct diags d = DIAGS_INIT;
	char *p;

	p = path2(link, "vmailbox");                 /* absent, beneath the top as configured */
	CU_ASSERT_EQUAL(safe_check_target(p, dirs, files, &d), 0);
	free(p);
	p = path2(pf, "sub/virtual");                /* beneath the top as resolved */
	CU_ASSERT_EQUAL(safe_check_target(p, dirs, files, &d), 0);
	free(p);
	CU_ASSERT_EQUAL(safe_check_target(users, dirs, files, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);

	p = path2(link, "maps/virtual");             /* through a symlink below the top */
	CU_ASSERT_EQUAL(safe_check_target(p, dirs, files, &d), -1);
	free(p);
	p = path2(outside, "virtual");               /* outside */
	CU_ASSERT_EQUAL(safe_check_target(p, dirs, files, &d), -1);
	free(p);
	CU_ASSERT_EQUAL(safe_check_target("/etc/passwd", dirs, files, &d), -1);
	CU_ASSERT_EQUAL(safe_check_target("virtual", dirs, files, &d), -1);
	p = path2(link, "sub");                      /* a directory */
	CU_ASSERT_EQUAL(safe_check_target(p, dirs, files, &d), -1);
	free(p);
	char *lnk = path2(pf, "virtual_alias");      /* the file itself a symlink */
	CU_ASSERT_EQUAL(symlink("/etc/passwd", lnk), 0);
	CU_ASSERT_EQUAL(safe_check_target(lnk, dirs, files, &d), -1);
	/* And an account database is refused even beneath the top. */
	const char *const etc[] = { "/etc", NULL };
	CU_ASSERT_EQUAL(safe_check_target("/etc/shadow", etc, NULL, &d), -1);
	CU_ASSERT_EQUAL(d.n, 7);
	for (size_t i = 0; i < d.n; i++)
		CU_ASSERT_PTR_NOT_NULL(d.v[i].file);

	free(lnk);
	free(users);
	free(lsub);
	free(sub);
	free(link);
	free(pf);
	diags_free(&d);
	rm_rf(base);
	rm_rf(outside);
	free(base);
	free(outside);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "safe_component", test_component },
		{ "open refuses symlinks, .., absolute", test_open_dir_refuses },
		{ "make maildir: modes, owner, symlinks", test_make_maildir },
		{ "rename into the archive", test_rename_to_archive },
		{ "remove tree never follows symlinks", test_remove_tree },
		{ "which files may be written", test_check_target },
		CU_TEST_INFO_NULL,
	};
	return cu_run("safeopen", tests);
}
