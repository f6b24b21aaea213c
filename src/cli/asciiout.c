/* Output for a terminal that cannot show UTF-8 (LANG=C, POSIX, a Latin-1
 * locale): the commands write UTF-8 (their messages' arrows and the data's
 * accents), which such a terminal shows as two or three junk characters
 * per character. On such a terminal, and only there, stdout and stderr go
 * through a filter that writes the arrows and dots as ASCII ("->", "...")
 * and every other non-ASCII character as one '?'. A pipe or a file gets
 * the bytes unchanged: a script (and --json, which is UTF-8 by definition)
 * reads what the files hold. */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "vmailadm/cli.h"

struct ascii_stream {
	int fd;
	unsigned char carry[4];   /* the start of a character cut by a write */
	size_t ncarry;
};

static const struct {
	unsigned cp;
	const char *ascii;
} ascii_names[] = {
	{ 0x2192, "->" }, { 0x2190, "<-" }, { 0x21d2, "=>" }, { 0x2026, "..." },
	{ 0x2022, "*" },  { 0x00b7, "." },  { 0x2013, "-" },  { 0x2014, "--" },
	{ 0x2018, "'" },  { 0x2019, "'" },  { 0x201c, "\"" }, { 0x201d, "\"" },
	{ 0x00a0, " " },  { 0x202f, " " },  { 0x2713, "x" },  { 0x00ab, "<<" },
	{ 0x00bb, ">>" }, { 0x2260, "!=" },
};

static int ascii_put(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The length of the UTF-8 sequence starting with byte c (1 when invalid:
 * shown as one '?' too). */
static size_t ascii_seq_len(unsigned char c)
{
	return c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 1;
}

static void ascii_char(const unsigned char *s, size_t n, char *out, size_t *o)
{
	unsigned cp = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	for (size_t i = 0; i < sizeof ascii_names / sizeof ascii_names[0]; i++)
		if (ascii_names[i].cp == cp) {
			size_t l = strlen(ascii_names[i].ascii);
			memcpy(out + *o, ascii_names[i].ascii, l);
			*o += l;
			return;
		}
	out[(*o)++] = '?';
}

static ssize_t ascii_write(void *cookie, const char *buf, size_t size)
{
	struct ascii_stream *A = cookie;
	char out[4096 * 3];
	size_t o = 0, i = 0;
	const unsigned char *p = (const unsigned char *)buf;
	while (i < size || A->ncarry) {
		if (o > sizeof out - 8) {
			if (ascii_put(A->fd, out, o) < 0)
				return -1;
			o = 0;
		}
		unsigned char c = A->ncarry ? A->carry[0] : p[i];
		if (c < 0x80 && !A->ncarry) {
			out[o++] = (char)c;
			i++;
			continue;
		}
		size_t want = ascii_seq_len(c);
		if (!A->ncarry) {
			A->carry[A->ncarry++] = c;
			i++;
		}
		/* a byte that does not continue the character ends it (one '?') */
		while (A->ncarry < want && i < size && (p[i] & 0xc0) == 0x80)
			A->carry[A->ncarry++] = p[i++];
		if (A->ncarry < want && i >= size)
			break;   /* the rest of the character comes with the next write */
		ascii_char(A->carry, A->ncarry < want ? 1 : want, out, &o);
		A->ncarry = 0;
	}
	if (o && ascii_put(A->fd, out, o) < 0)
		return -1;
	return (ssize_t)size;
}

static FILE *ascii_open(FILE *old, struct ascii_stream *A)
{
	fflush(old);
	A->fd = fileno(old);
	cookie_io_functions_t io = { .write = ascii_write };
	FILE *f = fopencookie(A, "w", io);
	if (f)
		setvbuf(f, NULL, old == stderr ? _IONBF : _IOLBF, 0);
	return f ? f : old;
}

void asciiout_install(void)
{
	static struct ascii_stream out, err;
	const char *codeset = nl_langinfo(CODESET);
	if (codeset && (strcasecmp(codeset, "UTF-8") == 0 || strcasecmp(codeset, "utf8") == 0))
		return;
	if (isatty(STDOUT_FILENO))
		stdout = ascii_open(stdout, &out);
	if (isatty(STDERR_FILENO))
		stderr = ascii_open(stderr, &err);
}
