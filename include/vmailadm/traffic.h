/* The server's traffic for the front ends: the few main.cf parameters the
 * queue and the log need, and the delivery log read from wherever it is
 * (src/traffic/traffic.c). The CLI and the TUI call these, never the
 * sources one by one. No curses. */
#ifndef VMAILADM_TRAFFIC_H
#define VMAILADM_TRAFFIC_H
#include <stdbool.h>

#include "vmailadm/diag.h"
#include "vmailadm/maillog.h"

struct config;

struct traffic_postfix {
	char *config_dir;       /* the configuration's postfix_dir */
	char *queue_directory;  /* main.cf, else Postfix's default */
	char *maillog_file;     /* "" when Postfix logs through syslog */
	char *myhostname;       /* which server's queue this is */
	/* What the queue files' reader (qdir.c, qfile.c) needs to find them
	 * and show them as showq does. */
	char *hash_queue_names;
	long hash_queue_depth;
	char *empty_address_recipient;
	long duplicate_filter_limit;
	bool smtputf8_enable;
};

/* Read main.cf of cfg's postfix_dir (a missing main.cf gives Postfix's
 * defaults, as postconf would). Returns 0 or -1 with d. */
int traffic_postfix_load(const struct config *cfg, struct traffic_postfix *pf, struct diags *d);
void traffic_postfix_free(struct traffic_postfix *pf);

/* The delivery log for q, from files when given (NULL-terminated), else
 * maillog_file and its rotated files, else /var/log/mail.log and its
 * rotated files, else the journal. *source gets what was read ("FILE",
 * "FILE and N rotated files", "journalctl"), for the user. A file that
 * cannot be read is an error in d and the others are still read; returns
 * -1 when there was no log at all or nothing could be read. */
int traffic_maillog(const struct config *cfg, const struct maillog_query *q,
		    const char *const *files, struct maillog **out, char **source, struct diags *d);

#endif
