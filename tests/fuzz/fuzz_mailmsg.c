/* Harness for the reader of untrusted mail (mailmsg.c): any message, its
 * headers unfolded and decoded (RFC 2047), its date read, its From shown and
 * the whole rendered (MIME parts, quoted-printable, base64, charsets), without
 * a crash, an overread or a leak; an unfolded header holds no line break and
 * a date's text fits its buffer. Run with `make fuzz-mailmsg`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/mailmsg.h"

static const char *const headers[] = { "From", "Subject", "Date", "To", "Content-Type" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *msg = (const char *)data;
	struct strbuf v = STRBUF_INIT, out = STRBUF_INIT;
	for (size_t i = 0; i < sizeof headers / sizeof *headers; i++) {
		sb_truncate(&v, 0);
		if (!mailmsg_header(msg, size, headers[i], &v))
			continue;
		if (memchr(v.buf, '\n', v.len))
			abort();
		sb_truncate(&out, 0);
		mailmsg_decode_words(v.buf, v.len, &out);
		sb_truncate(&out, 0);
		mailmsg_from_display(v.buf, v.len, &out);
		char text[24];
		int64_t t;
		memset(text, 'x', sizeof text);
		if (mailmsg_parse_date(sb_str(&v), &t, text, sizeof text) &&
		    !memchr(text, '\0', sizeof text))
			abort();
	}
	/* The whole input as a header value too: decoders see raw bytes. */
	sb_truncate(&out, 0);
	mailmsg_decode_words(msg, size, &out);
	sb_truncate(&out, 0);
	mailmsg_render(msg, size, &out);
	sb_free(&v);
	sb_free(&out);
	return 0;
}
