/* Finding and reading the mail log: a file and its rotated siblings
 * (plain or gzip through zlib), or the journal through journalctl (spawn).
 * Everything is handed to a sink chunk by chunk. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "vmailadm/i18n.h"
#include "vmailadm/logsrc.h"
#include "vmailadm/spawn.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

#define CHUNK (1u << 20)

struct sibling {
	char *path;
	struct timespec mtime;
	long num;      /* ".3" / ".3.gz": 3; -1 otherwise */
};

static int sibling_cmp(const void *a, const void *b)
{
	const struct sibling *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	/* Same time (a copy, a restored backup): the higher number is older. */
	if (x->num != y->num)
		return x->num > y->num ? -1 : 1;
	return strcmp(x->path, y->path);
}

char **logsrc_files(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	const char *base = slash ? slash + 1 : path;
	size_t blen = strlen(base);
	struct sibling *v = NULL;
	size_t n = 0, cap = 0;
	DIR *dp = opendir(dir);
	struct dirent *de;
	while (dp && (de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, base, blen) != 0 ||
		    (de->d_name[blen] != '.' && de->d_name[blen] != '-'))
			continue;
		char *full = xasprintf("%s/%s", dir, de->d_name);
		struct stat st;
		if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		xgrow(&v, &cap, n + 1, sizeof *v);
		char *end;
		long num = strtol(de->d_name + blen + 1, &end, 10);
		v[n++] = (struct sibling){ full, st.st_mtim,
					   end != de->d_name + blen + 1 && (!*end || strcmp(end, ".gz") == 0)
						   ? num
						   : -1 };
	}
	if (dp)
		closedir(dp);
	free(dir);
	if (n > 1) /* v is NULL when there are none: qsort(NULL) is undefined */
		qsort(v, n, sizeof *v, sibling_cmp);
	char **out = xcalloc(n + 2, sizeof *out);
	for (size_t i = 0; i < n; i++)
		out[i] = v[i].path;
	struct stat st;
	if (stat(path, &st) == 0)
		out[n++] = xstrdup(path);
	free(v);
	return out;
}

void logsrc_files_free(char ***filesp)
{
	char **f = *filesp;
	if (!f)
		return;
	for (size_t i = 0; f[i]; i++)
		free(f[i]);
	free(f);
	*filesp = NULL;
}

static int read_gzip(int fd, const char *path, logsrc_sink sink, void *ctx, struct diags *d)
{
	gzFile gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		diag_error(d, path, 0, _("cannot read: %s"), strerror(ENOMEM));
		return -1;
	}
	gzbuffer(gz, 256 * 1024);
	char *buf = xmalloc(CHUNK);
	int rc = 0;
	for (;;) {
		int r = gzread(gz, buf, CHUNK);
		if (r > 0) {
			sink(ctx, buf, (size_t)r);
			continue;
		}
		if (r < 0) {
			int zerr;
			const char *msg = gzerror(gz, &zerr);
			diag_error(d, path, 0, _("cannot read: %s"),
				   zerr == Z_ERRNO ? strerror(errno) : msg);
			rc = -1;
		}
		break;
	}
	/* A truncated file (rotation cut it short, a disk filled up) is read as
	 * far as it goes: gzread reports it only through gzerror. */
	int zerr = Z_OK;
	const char *msg = gzerror(gz, &zerr);
	if (rc == 0 && zerr != Z_OK && zerr != Z_STREAM_END) {
		diag_warn(d, path, 0, _("cannot read to the end: %s"), msg);
	}
	free(buf);
	gzclose(gz);
	return rc;
}

int logsrc_read_file(const char *path, logsrc_sink sink, void *ctx, struct diags *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		diag_error(d, path, 0, _("cannot read: %s"), strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_error(d, path, 0, _("cannot read: %s"), _("not a regular file"));
		close(fd);
		return -1;
	}
	unsigned char magic[2];
	ssize_t r = pread(fd, magic, 2, 0);
	if (r == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		return read_gzip(fd, path, sink, ctx, d);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	char *buf = xmalloc(CHUNK);
	int rc = 0;
	for (;;) {
		r = read(fd, buf, CHUNK);
		if (r > 0) {
			sink(ctx, buf, (size_t)r);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			diag_error(d, path, 0, _("cannot read: %s"), strerror(errno));
			rc = -1;
		}
		break;
	}
	free(buf);
	close(fd);
	return rc;
}

bool logsrc_have_journal(void)
{
	struct stat st;
	if (stat("/run/systemd/journal", &st) != 0 && stat("/var/log/journal", &st) != 0)
		return false;
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = xstrdup(path), *save = NULL;
	bool found = false;
	for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/journalctl", dir);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

int logsrc_read_journal(bool dovecot, int64_t since, logsrc_sink sink, void *ctx,
			struct diags *d)
{
	char since_arg[40];
	const char *argv[12];
	int n = 0;
	argv[n++] = "journalctl";
	argv[n++] = "--no-pager";
	argv[n++] = "-q";
	argv[n++] = "-o";
	argv[n++] = "short";
	argv[n++] = "-u";
	argv[n++] = "postfix*";
	if (dovecot) {
		argv[n++] = "-u";
		argv[n++] = "dovecot";
	}
	if (since > 0) {
		snprintf(since_arg, sizeof since_arg, "--since=@%lld", (long long)since);
		argv[n++] = since_arg;
	}
	argv[n] = NULL;
	struct spawn_result res;
	int rc = spawn_stream(argv, NULL, 0, sink, ctx, &res, d);
	if (rc == 0)
		rc = spawn_result_check(argv, &res, 0, d);
	spawn_result_free(&res);
	return rc;
}
