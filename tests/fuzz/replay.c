/* A plain driver for the fuzz harnesses, so that `make check` replays the
 * kept inputs without clang or libFuzzer: each file named on the command
 * line, or each file in each directory named, is read into a buffer of
 * exactly its size and given to LLVMFuzzerTestOneInput once. Without
 * arguments: tests/fuzz/regress/NAME (the crashes fuzzing found) and the
 * seed directories FUZZ_SEEDS, under $top_srcdir (tests/fuzz/local.mk
 * compiles both names in). A property that fails aborts, naming the input
 * on stderr first; no input at all is a failure too. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "vmailadm/xalloc.h"

static unsigned long replayed;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, len = 0;
	uint8_t *buf = malloc(cap);
	for (size_t r; buf && (r = fread(buf + len, 1, cap - len, f)) > 0;) {
		len += r;
		if (len == cap)
			buf = realloc(buf, cap *= 2);
	}
	bool bad = !buf || ferror(f);
	fclose(f);
	if (bad) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		return -1;
	}
	/* Exactly len bytes, so that an overread is one ASan sees. */
	uint8_t *exact = malloc(len ? len : 1);
	if (!exact)
		abort();
	memcpy(exact, buf, len);
	free(buf);
	fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	replayed++;
	return 0;
}

static int replay_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		if (nm[0] != '.') {
			size_t l = strlen(path) + strlen(nm) + 2;
			char *p = malloc(l);
			if (!p)
				abort();
			snprintf(p, l, "%s/%s", path, nm);
			if (replay_path(p) < 0)
				rc = -1;
			free(p);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* The directories replayed by default: regress/NAME (absent until a crash
 * is kept) and each of the space-separated FUZZ_SEEDS. */
static int replay_defaults(void)
{
	const char *top = getenv("top_srcdir");
	if (!top)
		top = ".";
	char *list = xasprintf("tests/fuzz/regress/%s %s", FUZZ_NAME, FUZZ_SEEDS);
	int rc = 0;
	char *save = NULL;
	for (char *w = strtok_r(list, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *p = xasprintf("%s/%s", top, w);
		struct stat st;
		bool regress = strncmp(w, "tests/fuzz/regress/", 19) == 0;
		if (!(regress && stat(p, &st) < 0 && errno == ENOENT) && replay_path(p) < 0)
			rc = -1;
		free(p);
	}
	free(list);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;
	if (argc < 2)
		rc = replay_defaults() < 0;
	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i]) < 0)
			rc = 1;
	printf("%s: %lu inputs replayed\n", FUZZ_NAME, replayed);
	return rc || replayed == 0;
}
