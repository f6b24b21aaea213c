/* Harness for the maildirsize reader (Maildir++ quota, written by Dovecot
 * in the user's maildir, so partly the user's doing): any bytes, not
 * NUL-terminated (the scanner reads the file into a fixed buffer), parse
 * without reading past the end; a definition gives limits of -1 or more.
 * Run with `make fuzz-maildirsize`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/maildir.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* data is exactly size bytes (libFuzzer and replay.c): ASan reports a
	 * read one byte past it. */
	struct maildir_quota q;
	if (maildir_quota_parse((const char *)data, size, &q) &&
	    (q.limit_bytes < -1 || q.limit_msgs < -1))
		abort();
	return 0;
}
