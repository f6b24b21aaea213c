/* Sizes for people (human.h): the one format of a byte count that the
 * command line (stats, lint) and the interface (panes, details, queue,
 * mail) show, with integers only: stats prints one on each of 10,000
 * lines, and no locale's decimal mark gets in. */
#include "config.h"

#include <string.h>

#include "vmailadm/human.h"

/* n / 2^k (k >= 1) rounded to nearest, ties to even: what printf does
 * with the exact binary value of a double. */
static uint64_t human_shift_round(uint64_t n, unsigned k)
{
	uint64_t q = n >> k, r = n & ((1ULL << k) - 1), half = 1ULL << (k - 1);
	return q + (r > half || (r == half && (q & 1)));
}

size_t human_u64(char *buf, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return n;
}

void human_size(char *buf, size_t len, uint64_t bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	unsigned u = 0;
	while (u + 1 < sizeof units / sizeof units[0] && (bytes >> (10 * u)) >= 1024)
		u++;
	char num[24];
	if (u == 0) {
		human_u64(num, bytes);
	} else if (bytes < (10ULL << (10 * u))) {   /* bytes * 10 < 2^64: u <= 5 */
		uint64_t tenths = human_shift_round(bytes * 10, 10 * u);
		size_t n = human_u64(num, tenths / 10);
		num[n] = '.';
		num[n + 1] = (char)('0' + tenths % 10);
		num[n + 2] = 0;
	} else {
		human_u64(num, human_shift_round(bytes, 10 * u));
	}
	size_t n = strlen(num), ul = strlen(units[u]);
	if (len == 0)
		return;
	if (n + 1 + ul >= len) {              /* never with a 16-byte buffer */
		buf[0] = 0;
		return;
	}
	memcpy(buf, num, n);
	buf[n] = ' ';
	memcpy(buf + n + 1, units[u], ul + 1);
}
