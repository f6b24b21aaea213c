/* Where the mail log is and how it is read: the file main.cf's
 * maillog_file names, else /var/log/mail.log, each with its rotated
 * siblings (".1", ".2.gz", "-20261206.gz"...) oldest first; gzip files are
 * read through zlib; else the systemd journal through journalctl. Data is
 * handed on in chunks as it is read, never held whole. No curses. */
#ifndef VMAILADM_LOGSRC_H
#define VMAILADM_LOGSRC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmailadm/diag.h"

#define LOGSRC_SYSLOG_FILE "/var/log/mail.log"

typedef void (*logsrc_sink)(void *ctx, const char *data, size_t len);

/* The files of the log whose current file is path: the rotated siblings in
 * its directory (same name followed by '.' or '-'), oldest first by
 * modification time, then path itself when it exists. NULL-terminated;
 * free with logsrc_files_free. An empty list when none exists. */
char **logsrc_files(const char *path);
void logsrc_files_free(char ***filesp);

/* Read one file (plain or gzip, told by its first bytes) into sink.
 * Returns 0, or -1 with "FILE: reason" in d. */
int logsrc_read_file(const char *path, logsrc_sink sink, void *ctx, struct diags *d);

/* Whether journalctl can be run here (found in PATH and a journal exists). */
bool logsrc_have_journal(void);
/* journalctl -u postfix (and -u dovecot when dovecot), short format, from
 * since (epoch seconds; 0: everything) into sink. 0, or -1 with d. */
int logsrc_read_journal(bool dovecot, int64_t since, logsrc_sink sink, void *ctx,
			struct diags *d);

#endif
