/* The audit record read back (src/stage/audit.c writes it): an
 * operation's text in the reader's language. */
#ifndef VMAILADM_AUDIT_H
#define VMAILADM_AUDIT_H

#include <stddef.h>

#include <jansson.h>

#include "vmailadm/strbuf.h"

/* The k-th operation of audit record rec as its description in the
 * current language: from its words (op_words, language-neutral) and, for
 * a mailbox removal, what the record says became of its maildir; a record
 * written before op_words gives its stored text as it is. */
void audit_operation_text(json_t *rec, size_t k, struct strbuf *out);

#endif
