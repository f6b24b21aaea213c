/* Harness for what the scanner reads from Maildir file names, which mail
 * users and remote senders choose in part: the ",S=" size, the ":2," flags,
 * the delivery time, and folder names in IMAP modified UTF-7. A name that
 * decodes gives well-formed UTF-8 without C0 or C1 control characters (a
 * terminal would obey them); one that
 * does not is shown unchanged. Run with `make fuzz-maildirname`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/maildir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = fuzz_cstr(data, size);
	uint64_t sz = 0, sz2 = 0;
	bool has = maildir_name_size(name, &sz);
	if (has != maildir_name_size(name, &sz2) || (has && sz != sz2))
		abort();
	bool seen, trashed;
	maildir_name_flags(name, &seen, &trashed);
	(void)maildir_name_time(name);

	struct strbuf out = STRBUF_INIT;
	sb_adds(&out, "prefix/");
	if (maildir_mutf7_decode(name, &out)) {
		if (!fuzz_utf8_valid(out.buf, out.len))
			abort();
		for (size_t i = 0; i < out.len; i++)
			if ((unsigned char)out.buf[i] < 0x20 || out.buf[i] == 0x7f ||
			    ((unsigned char)out.buf[i] == 0xc2 && i + 1 < out.len &&
			     (unsigned char)out.buf[i + 1] < 0xa0))
				abort();
	} else if (strcmp(sb_str(&out) + 7, name) != 0 || strncmp(out.buf, "prefix/", 7) != 0) {
		abort();
	}
	sb_free(&out);
	free(name);
	return 0;
}
