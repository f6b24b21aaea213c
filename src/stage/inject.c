/* The failure-injection points of the commit (inject.h): counts how often
 * each step was reached and compares with VMAILADM_FAIL_AT. Test-only
 * behaviour, but compiled in: the campaign runs the real binary. */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmailadm/i18n.h"
#include "vmailadm/inject.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

/* How many times each step was reached in this commit: a handful of
 * names, so a short list is enough. */
static struct {
	char *name;
	unsigned n;
} seen[64];
static size_t nseen;

void inject_reset(void)
{
	for (size_t i = 0; i < nseen; i++)
		free(seen[i].name);
	nseen = 0;
}

static unsigned count(const char *step)
{
	for (size_t i = 0; i < nseen; i++)
		if (strcmp(seen[i].name, step) == 0)
			return ++seen[i].n;
	if (nseen < sizeof seen / sizeof seen[0]) {
		seen[nseen].name = xstrdup(step);
		seen[nseen].n = 1;
		nseen++;
	}
	return 1;
}

static void trace(const char *step)
{
	const char *file = getenv("VMAILADM_INJECT_TRACE");
	if (!file || !*file)
		return;
	int fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, "%s\n", step);
	if (write(fd, sb.buf, sb.len) < 0) {
		/* a test's record only */
	}
	sb_free(&sb);
	close(fd);
}

/* Does SPEC (STEP[#N][:kill]) name this step at its nth time? */
static bool matches(const char *spec, size_t len, const char *step, unsigned nth, bool *kill)
{
	*kill = len > 5 && strncmp(spec + len - 5, ":kill", 5) == 0;
	if (*kill)
		len -= 5;
	const char *hash = memchr(spec, '#', len);
	size_t name_len = hash ? (size_t)(hash - spec) : len;
	if (name_len != strlen(step) || strncmp(spec, step, name_len) != 0)
		return false;
	return !hash || strtoul(hash + 1, NULL, 10) == nth;
}

int inject_at(const char *step, struct diags *d)
{
	const char *at = getenv("VMAILADM_FAIL_AT");
	bool traced = getenv("VMAILADM_INJECT_TRACE") != NULL;
	if ((!at || !*at) && !traced)
		return 0;
	trace(step);
	unsigned nth = count(step);
	for (const char *p = at; p && *p;) {
		size_t len = strcspn(p, ",");
		bool kill;
		if (matches(p, len, step, nth, &kill)) {
			if (kill)
				raise(SIGKILL);
			diag_error(d, NULL, 0, _("failure injected at step %s (VMAILADM_FAIL_AT)"), step);
			return -1;
		}
		p += len + (p[len] == ',');
	}
	return 0;
}
