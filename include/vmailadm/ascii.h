/* Character classes of the C locale, whatever locale the process runs in:
 * the files vmailadm parses are read by Postfix and Dovecot that way
 * (isspace() in the "C" locale). Inline: the table parsers call these for
 * every byte of 100,000-line files. */
#ifndef VMAILADM_ASCII_H
#define VMAILADM_ASCII_H
#include <stdbool.h>

/* Space, tab, newline, carriage return, vertical tab, form feed. */
static inline bool ascii_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

#endif
