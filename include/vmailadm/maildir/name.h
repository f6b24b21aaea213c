/* What a Maildir message or folder name says (src/maildir/name.c): the
 * ,S= size, the :2, flags, the delivery time, and folder names decoded
 * from IMAP modified UTF-7. */
#ifndef VMAILADM_MAILDIR_NAME_H
#define VMAILADM_MAILDIR_NAME_H
#include <stdbool.h>
#include <stdint.h>

struct strbuf;

/* Decode an IMAP modified UTF-7 name (RFC 3501 §5.1.3) into UTF-8, appended
 * to out; false (and the name appended unchanged) when it is not valid or
 * would decode to a control character. */
bool maildir_mutf7_decode(const char *name, struct strbuf *out);
/* The ,S= size in a message name (Maildir++: the file's size in bytes);
 * false when absent or bad. */
bool maildir_name_size(const char *name, uint64_t *size);
/* Flags of a name's ":2," info: sets *seen and *trashed. */
void maildir_name_flags(const char *name, bool *seen, bool *trashed);
/* The delivery time: the leading "time." of a unique name (maildir(5)), or 0. */
uint32_t maildir_name_time(const char *name);

#endif
