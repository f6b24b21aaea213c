/* Unit tests for atomicio: content, owner and mode kept or taken from the
 * fallback; failures (parent not a directory, a symlink target, a full and a
 * read-only tmpfs when mounting is allowed) leave the target untouched and
 * no temporary file behind; the mtime bump; write-to-temp then rename; the
 * same steps one by one; an mtime no later write can keep; leftovers of a
 * crash recognised and removed. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cu.h"
#include "vmailadm/atomicio.h"
#include "vmailadm/diag.h"
#include "vmailadm/xalloc.h"

static char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *t = xasprintf("%s/vmailadm-atomicio-XXXXXX", base && *base ? base : "/tmp");
	if (mkdtemp(t) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
	return t;
}

static void remove_dir(const char *dir)
{
	DIR *dp = opendir(dir);
	if (dp) {
		struct dirent *e;
		while ((e = readdir(dp)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			char *p = xasprintf("%s/%s", dir, e->d_name);
			unlink(p);
			free(p);
		}
		closedir(dp);
	}
	rmdir(dir);
}

static size_t count_entries(const char *dir)
{
	size_t n = 0;
	DIR *dp = opendir(dir);
	if (dp == NULL)
		return (size_t)-1;
	struct dirent *e;
	while ((e = readdir(dp)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(dp);
	return n;
}

/* The file's content as a string ("" for unreadable, NULL never). */
static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return xstrdup("");
	char *buf = xmalloc(1 << 21);
	size_t n = 0;
	ssize_t r;
	while ((r = read(fd, buf + n, (1 << 21) - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return buf;
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, s, strlen(s)) == (ssize_t)strlen(s));
	close(fd);
}

static void test_new_file_fallback(void)
{
	char *dir = make_tmpdir();
	char *path = xasprintf("%s/vmailbox", dir);
	struct diags d = DIAGS_INIT;
	struct file_owner fo = { 1234, 5678, 0640 };
	bool root = geteuid() == 0;
	if (!root)
		fo.uid = geteuid(), fo.gid = getegid();
	CU_ASSERT_EQUAL(atomic_write(path, "a@b.c b.c/a/\n", 13, &fo, false, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	char *s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "a@b.c b.c/a/\n");
	free(s);
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(st.st_uid, fo.uid);
	CU_ASSERT_EQUAL(st.st_gid, fo.gid);
	CU_ASSERT_EQUAL(count_entries(dir), 1);

	/* No fallback: our ids and 0644 less the umask. */
	char *p2 = xasprintf("%s/other", dir);
	mode_t old = umask(027);
	CU_ASSERT_EQUAL(atomic_write(p2, "", 0, NULL, false, &d), 0);
	umask(old);
	CU_ASSERT_EQUAL_FATAL(stat(p2, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(st.st_size, 0);
	CU_ASSERT_EQUAL(st.st_uid, geteuid());
	free(p2);
	diags_free(&d);
	free(path);
	remove_dir(dir);
	free(dir);
}

static void test_existing_kept(void)
{
	char *dir = make_tmpdir();
	char *path = xasprintf("%s/dovecot-users", dir);
	struct diags d = DIAGS_INIT;
	put(path, "old\n");
	bool root = geteuid() == 0;
	if (root)
		CU_ASSERT_EQUAL(chown(path, 4321, 8765), 0);
	CU_ASSERT_EQUAL(chmod(path, 0604), 0);
	struct stat before, st;
	CU_ASSERT_EQUAL_FATAL(stat(path, &before), 0);
	struct file_owner fo = { 1, 1, 0666 }; /* must be ignored: the file exists */
	CU_ASSERT_EQUAL(atomic_write(path, "new content\n", 12, &fo, false, &d), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	char *s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "new content\n");
	free(s);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0604);
	CU_ASSERT_EQUAL(st.st_uid, before.st_uid);
	CU_ASSERT_EQUAL(st.st_gid, before.st_gid);
	if (root)
		CU_ASSERT_EQUAL(st.st_uid, 4321);
	CU_ASSERT_NOT_EQUAL(st.st_ino, before.st_ino); /* replaced, not rewritten */
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	diags_free(&d);
	free(path);
	remove_dir(dir);
	free(dir);
}

static void test_failures_leave_target(void)
{
	char *dir = make_tmpdir();
	struct diags d = DIAGS_INIT;
	/* Parent is a regular file. */
	char *file = xasprintf("%s/plain", dir);
	put(file, "x");
	char *bad = xasprintf("%s/plain/virtual", dir);
	CU_ASSERT_EQUAL(atomic_write(bad, "y", 1, NULL, false, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_EQUAL(d.v[0].level, DIAG_ERROR);
	CU_ASSERT_STRING_EQUAL(d.v[0].file, bad);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, strerror(ENOTDIR)));
	CU_ASSERT_PTR_NULL(strchr(d.v[0].msg, '\n'));

	/* A symlink target is refused and left alone, and so is what it points to. */
	char *link = xasprintf("%s/link", dir);
	CU_ASSERT_EQUAL(symlink("plain", link), 0);
	CU_ASSERT_EQUAL(atomic_write(link, "y", 1, NULL, false, &d), -1);
	CU_ASSERT_EQUAL(d.n, 2);
	struct stat st;
	CU_ASSERT_EQUAL(lstat(link, &st), 0);
	CU_ASSERT_TRUE(S_ISLNK(st.st_mode));
	char *s = slurp(file);
	CU_ASSERT_STRING_EQUAL(s, "x");
	free(s);

	/* A directory in the way. */
	char *sub = xasprintf("%s/sub", dir);
	CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
	CU_ASSERT_EQUAL(atomic_write(sub, "y", 1, NULL, false, &d), -1);
	CU_ASSERT_EQUAL(d.n, 3);
	rmdir(sub);
	CU_ASSERT_EQUAL(count_entries(dir), 2); /* plain, link: no temp files */
	free(sub);
	free(link);
	free(bad);
	free(file);
	diags_free(&d);
	remove_dir(dir);
	free(dir);
}

/* A 64 KB tmpfs: a 1 MB write fails with ENOSPC; remounted read-only, any
 * write fails with EROFS. Needs mount(2) (root, or a permissive container);
 * skipped otherwise. */
static void test_full_and_readonly_fs(void)
{
	char *dir = make_tmpdir();
	if (mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0755") < 0) {
		fprintf(stderr, "mount tmpfs not permitted (%s): ENOSPC/EROFS test skipped\n",
			strerror(errno));
		rmdir(dir);
		free(dir);
		return;
	}
	struct diags d = DIAGS_INIT;
	char *path = xasprintf("%s/virtual", dir);
	CU_ASSERT_EQUAL(atomic_write(path, "old\n", 4, NULL, false, &d), 0);
	size_t n = 1 << 20;
	char *big = xmalloc(n);
	memset(big, 'x', n);
	CU_ASSERT_EQUAL(atomic_write(path, big, n, NULL, false, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].file, path);
	CU_ASSERT_PTR_NOT_NULL(strstr(d.v[0].msg, strerror(ENOSPC)));
	char *s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "old\n");
	free(s);
	CU_ASSERT_EQUAL(count_entries(dir), 1);

	struct atomic_temp t;
	CU_ASSERT_EQUAL(atomic_temp_write(path, big, n, NULL, false, &t, &d), -1);
	CU_ASSERT_PTR_NULL(t.path);
	CU_ASSERT_EQUAL(d.n, 2);
	CU_ASSERT_EQUAL(count_entries(dir), 1);

	if (mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL) == 0) {
		CU_ASSERT_EQUAL(atomic_write(path, "new\n", 4, NULL, false, &d), -1);
		CU_ASSERT_EQUAL_FATAL(d.n, 3);
		CU_ASSERT_PTR_NOT_NULL(strstr(d.v[2].msg, strerror(EROFS)));
		s = slurp(path);
		CU_ASSERT_STRING_EQUAL(s, "old\n");
		free(s);
	} else {
		fprintf(stderr, "remount read-only failed (%s): EROFS part skipped\n", strerror(errno));
	}
	free(big);
	free(path);
	diags_free(&d);
	CU_ASSERT_EQUAL(umount2(dir, MNT_DETACH), 0);
	rmdir(dir);
	free(dir);
}

/* The second the kernel dates files with now: its clock for file times
 * ticks coarsely and may lag time(2) by a tick across a second boundary. */
static time_t fs_now(const char *dir)
{
	char *probe = xasprintf("%s/.probe", dir);
	put(probe, "x");
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(stat(probe, &st), 0);
	unlink(probe);
	free(probe);
	return st.st_mtim.tv_sec;
}

static void test_mtime_bump(void)
{
	char *dir = make_tmpdir();
	char *path = xasprintf("%s/users", dir);
	struct diags d = DIAGS_INIT;
	put(path, "a:{PLAIN}1\n");
	bool tested = false;
	/* Date the old file to this very second and replace it at once; if the
	 * clock ticked over in between, the clash did not happen: try again. */
	for (int attempt = 0; attempt < 5 && !tested; attempt++) {
		time_t t0 = fs_now(dir);
		struct timespec ts[2] = { { t0, 0 }, { t0, 0 } };
		CU_ASSERT_EQUAL_FATAL(utimensat(AT_FDCWD, path, ts, 0), 0);
		CU_ASSERT_EQUAL(atomic_write(path, "a:{PLAIN}2\n", 11, NULL, true, &d), 0);
		if (fs_now(dir) != t0)
			continue;
		struct stat st;
		CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
		CU_ASSERT_EQUAL(st.st_mtim.tv_sec, t0 + 1);
		CU_ASSERT_EQUAL(st.st_size, 11);
		tested = true;
	}
	CU_ASSERT_TRUE(tested);

	/* Without the flag the clash stays (the mtime is simply "now"). */
	tested = false;
	for (int attempt = 0; attempt < 5 && !tested; attempt++) {
		time_t t0 = fs_now(dir);
		struct timespec ts[2] = { { t0, 0 }, { t0, 0 } };
		CU_ASSERT_EQUAL_FATAL(utimensat(AT_FDCWD, path, ts, 0), 0);
		CU_ASSERT_EQUAL(atomic_write(path, "a:{PLAIN}3\n", 11, NULL, false, &d), 0);
		if (fs_now(dir) != t0)
			continue;
		struct stat st;
		CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
		CU_ASSERT_EQUAL(st.st_mtim.tv_sec, t0);
		tested = true;
	}
	CU_ASSERT_TRUE(tested);

	/* An old file from long ago: no bump needed, the new one is "now". */
	struct timespec ts[2] = { { 1000000000, 0 }, { 1000000000, 0 } };
	CU_ASSERT_EQUAL(utimensat(AT_FDCWD, path, ts, 0), 0);
	time_t t0 = fs_now(dir);
	CU_ASSERT_EQUAL(atomic_write(path, "a:{PLAIN}4\n", 11, NULL, true, &d), 0);
	struct stat st;
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT(st.st_mtim.tv_sec >= t0 && st.st_mtim.tv_sec <= fs_now(dir));
	CU_ASSERT_EQUAL(d.n, 0);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	diags_free(&d);
	free(path);
	remove_dir(dir);
	free(dir);
}

static void test_temp_then_rename(void)
{
	char *dir = make_tmpdir();
	char *path = xasprintf("%s/virtual", dir);
	struct diags d = DIAGS_INIT;
	put(path, "old\n");
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	struct atomic_temp t;
	CU_ASSERT_EQUAL_FATAL(atomic_temp_write(path, "new\n", 4, NULL, false, &t, &d), 0);
	CU_ASSERT_EQUAL_FATAL(atomic_temp_sync(&t, &d), 0);
	char *tmp = t.path;
	t.path = NULL;
	atomic_temp_discard(&t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	CU_ASSERT_EQUAL(strncmp(tmp, path, strlen(path)), 0); /* same directory */
	CU_ASSERT_PTR_NULL(strchr(tmp + strlen(dir) + 1, '/'));
	char *s = slurp(tmp);
	CU_ASSERT_STRING_EQUAL(s, "new\n");
	free(s);
	s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "old\n");
	free(s);
	struct stat st;
	CU_ASSERT_EQUAL(stat(tmp, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0640);
	CU_ASSERT_EQUAL(count_entries(dir), 2);
	CU_ASSERT_EQUAL(atomic_rename(tmp, path, &d), 0);
	s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "new\n");
	free(s);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	/* Renaming something that is gone fails with a message naming the target. */
	CU_ASSERT_EQUAL(atomic_rename(tmp, path, &d), -1);
	CU_ASSERT_EQUAL_FATAL(d.n, 1);
	CU_ASSERT_STRING_EQUAL(d.v[0].file, path);
	CU_ASSERT_EQUAL(atomic_fsync_parent(path, &d), 0);
	char *nodir = xasprintf("%s/nope/x", dir);
	CU_ASSERT_EQUAL(atomic_fsync_parent(nodir, &d), -1);
	CU_ASSERT_EQUAL(d.n, 2);
	free(nodir);
	free(tmp);
	diags_free(&d);
	free(path);
	remove_dir(dir);
	free(dir);
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* The steps one by one: written (owner, mode, size, mtime known) but not
 * in place; synced; renamed over the target, which then is the very file
 * written; a discarded temporary file leaves nothing. */
static void test_temp_steps(void)
{
	char *dir = make_tmpdir();
	char *path = xasprintf("%s/users", dir);
	struct diags d = DIAGS_INIT;
	put(path, "old\n");
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	struct atomic_temp t;
	CU_ASSERT_EQUAL_FATAL(atomic_temp_write(path, "new one\n", 8, NULL, true, &t, &d), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t.path);
	CU_ASSERT_STRING_EQUAL(t.target, path);
	CU_ASSERT(t.fd >= 0);
	CU_ASSERT_EQUAL(t.st.st_size, 8);
	CU_ASSERT_EQUAL(t.st.st_mode & 07777, 0640);
	CU_ASSERT_TRUE(t.unique_mtime); /* this filesystem keeps nanoseconds */
	char *s = slurp(t.path);
	CU_ASSERT_STRING_EQUAL(s, "new one\n");
	free(s);
	s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "old\n");
	free(s);
	CU_ASSERT_EQUAL(atomic_temp_sync(&t, &d), 0);
	CU_ASSERT_EQUAL(t.fd, -1);
	CU_ASSERT_EQUAL(atomic_temp_sync(&t, &d), 0);
	char *tmp = xstrdup(t.path);
	CU_ASSERT_EQUAL_FATAL(atomic_temp_rename(&t, &d), 0);
	CU_ASSERT_PTR_NULL(t.path);
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_ino, t.st.st_ino);
	CU_ASSERT(same_time(st.st_mtim, t.st.st_mtim));
	s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "new one\n");
	free(s);
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
	atomic_temp_discard(&t); /* renamed: only frees */
	CU_ASSERT_EQUAL(count_entries(dir), 1);

	/* Written, then given up: the target is untouched, nothing is left. */
	CU_ASSERT_EQUAL_FATAL(atomic_temp_write(path, "third\n", 6, NULL, false, &t, &d), 0);
	CU_ASSERT_EQUAL(count_entries(dir), 2);
	atomic_temp_discard(&t);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "new one\n");
	free(s);
	CU_ASSERT_EQUAL(d.n, 0);
	free(tmp);
	diags_free(&d);
	free(path);
	remove_dir(dir);
	free(dir);
}

/* A write right after ours, even of the same size and within the same tick
 * of the kernel's clock, changes the mtime: ours is dated before any date
 * the kernel can still give. A file written after ours is dated later. */
static void test_mtime_no_later_write_matches(void)
{
	char *dir = make_tmpdir();
	char *path = xasprintf("%s/vmailbox", dir);
	char *probe = xasprintf("%s/probe", dir);
	struct diags d = DIAGS_INIT;
	for (int i = 0; i < 20; i++) {
		CU_ASSERT_EQUAL_FATAL(atomic_write(path, "a@b c/d/\n", 9, NULL, false, &d), 0);
		struct stat ours, later, other;
		CU_ASSERT_EQUAL_FATAL(stat(path, &ours), 0);
		put(probe, "x");
		put(path, "a@b c/e/\n");
		CU_ASSERT_EQUAL_FATAL(stat(path, &later), 0);
		CU_ASSERT_EQUAL_FATAL(stat(probe, &other), 0);
		CU_ASSERT_EQUAL(later.st_size, ours.st_size);
		CU_ASSERT_FALSE(same_time(later.st_mtim, ours.st_mtim));
		CU_ASSERT(other.st_mtim.tv_sec > ours.st_mtim.tv_sec ||
			  (other.st_mtim.tv_sec == ours.st_mtim.tv_sec &&
			   other.st_mtim.tv_nsec > ours.st_mtim.tv_nsec));
	}
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
	free(probe);
	free(path);
	remove_dir(dir);
	free(dir);
}

/* Unsynced (caches): the same content, owner and mode, nothing left
 * beside it, and a symbolic link still refused. */
static void test_unsynced(void)
{
	char *dir = make_tmpdir();
	char *path = xasprintf("%s/digests", dir);
	struct diags d = DIAGS_INIT;
	struct file_owner own = { geteuid(), getegid(), 0600 };
	CU_ASSERT_EQUAL(atomic_write_unsynced(path, "one\n", 4, &own, false, &d), 0);
	CU_ASSERT_EQUAL(atomic_write_unsynced(path, "two\n", 4, &own, false, &d), 0);
	char *s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "two\n");
	free(s);
	struct stat st;
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(count_entries(dir), 1);
	char *link = xasprintf("%s/link", dir);
	CU_ASSERT_EQUAL(symlink(path, link), 0);
	CU_ASSERT_EQUAL(atomic_write_unsynced(link, "three\n", 6, &own, false, &d), -1);
	CU_ASSERT_EQUAL(d.n, 1);
	CU_ASSERT_EQUAL(count_entries(dir), 2);
	s = slurp(path);
	CU_ASSERT_STRING_EQUAL(s, "two\n");
	free(s);
	free(link);
	diags_free(&d);
	free(path);
	remove_dir(dir);
	free(dir);
}

/* Leftovers of a crash: NAME.vmailadm-XXXXXX and, with the suffixes asked
 * for, NAME.vmailadm-XXXXXX.db; nothing else (other suffixes, other
 * lengths, no NAME, directories, symbolic links, the admin's files). */
static void test_remove_leftovers(void)
{
	char *dir = make_tmpdir();
	static const char *const gone[] = { "vmailbox.vmailadm-Ab3dE9", "vmailbox.vmailadm-Ab3dE9.db",
					    "users.vmailadm-zzzzzz" };
	static const char *const kept[] = { "vmailbox", "vmailbox.db", "vmailbox.vmailadm-Ab3dE9.lmdb",
					    "vmailbox.vmailadm-short", "x.vmailadm-ABCDEFG",
					    ".vmailadm-ABCDEF", "users.vmailadm-ab_def", "main.cf" };
	for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
		char *p = xasprintf("%s/%s", dir, gone[i]);
		put(p, "x\n");
		free(p);
	}
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		char *p = xasprintf("%s/%s", dir, kept[i]);
		put(p, "x\n");
		free(p);
	}
	char *sub = xasprintf("%s/d.vmailadm-ABCDEF", dir);
	CU_ASSERT_EQUAL(mkdir(sub, 0700), 0);
	char *link = xasprintf("%s/s.vmailadm-ABCDEF", dir);
	CU_ASSERT_EQUAL(symlink("main.cf", link), 0);
	static const char *const suffixes[] = { ".db", ".cdb", NULL };
	struct strbuf said = STRBUF_INIT;
	CU_ASSERT_EQUAL(atomic_remove_leftovers(dir, suffixes, &said), 3);
	for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
		char *p = xasprintf("%s/%s\n", dir, gone[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(sb_str(&said), p));
		p[strlen(p) - 1] = '\0';
		CU_ASSERT_NOT_EQUAL(access(p, F_OK), 0);
		free(p);
	}
	for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
		char *p = xasprintf("%s/%s", dir, kept[i]);
		CU_ASSERT_EQUAL(access(p, F_OK), 0);
		free(p);
	}
	CU_ASSERT_EQUAL(access(sub, F_OK), 0);
	CU_ASSERT_EQUAL(lstat(link, &(struct stat){ 0 }), 0);
	/* Nothing the second time; no suffixes: the plain names only. */
	CU_ASSERT_EQUAL(atomic_remove_leftovers(dir, suffixes, NULL), 0);
	CU_ASSERT_EQUAL(atomic_remove_leftovers(dir, NULL, NULL), 0);
	char *missing = xasprintf("%s/nope", dir);
	CU_ASSERT_EQUAL(atomic_remove_leftovers(missing, suffixes, NULL), 0);
	free(missing);
	sb_free(&said);
	rmdir(sub);
	free(sub);
	free(link);
	remove_dir(dir);
	free(dir);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "new file: fallback owner and mode, umask", test_new_file_fallback },
		{ "existing file: owner and mode kept", test_existing_kept },
		{ "failures leave the target and no temp", test_failures_leave_target },
		{ "full and read-only filesystem", test_full_and_readonly_fs },
		{ "mtime second bumped on a clash", test_mtime_bump },
		{ "write to temp, then rename", test_temp_then_rename },
		{ "temp steps: write, sync, rename, discard", test_temp_steps },
		{ "no later write keeps our mtime", test_mtime_no_later_write_matches },
		{ "leftover temporary files removed, nothing else", test_remove_leftovers },
		{ "unsynced write for caches", test_unsynced },
		CU_TEST_INFO_NULL,
	};
	return cu_run("atomicio", tests);
}
