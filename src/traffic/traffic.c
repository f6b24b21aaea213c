/* The traffic area's entry points: main.cf's queue and log parameters, and
 * the delivery log gathered from its sources into one maillog. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/logsrc.h"
#include "vmailadm/maincf.h"
#include "vmailadm/traffic.h"
#include "vmailadm/xalloc.h"

/* smtputf8_enable, whose default depends on compatibility_level (below
 * level 1: no). */
static bool traffic_smtputf8(const struct maincf *m)
{
	char *v = maincf_get(m, "smtputf8_enable");
	bool yes;
	if (v[0]) {
		yes = strcasecmp(v, "yes") == 0;
	} else {
		char *level = maincf_get(m, "compatibility_level");
		yes = strtod(level, NULL) >= 1;
		free(level);
	}
	free(v);
	return yes;
}

int traffic_postfix_load(const struct config *cfg, struct traffic_postfix *pf, struct diags *d)
{
	memset(pf, 0, sizeof *pf);
	char *path = xasprintf("%s/main.cf", cfg->postfix_dir);
	struct doc *doc = NULL;
	struct diags mine = DIAGS_INIT;
	if (doc_load(path, true, &doc, &mine) < 0) {
		diags_take(d, &mine);
		free(path);
		return -1;
	}
	diags_free(&mine); /* main.cf's own warnings are lint's business */
	free(path);
	struct maincf *m = maincf_parse(doc, &mine);
	diags_free(&mine);
	pf->config_dir = xstrdup(cfg->postfix_dir);
	pf->queue_directory = maincf_get(m, "queue_directory");
	pf->maillog_file = maincf_get(m, "maillog_file");
	pf->myhostname = maincf_get(m, "myhostname");
	pf->hash_queue_names = maincf_get(m, "hash_queue_names");
	pf->hash_queue_depth = maincf_get_long(m, "hash_queue_depth", 1);
	pf->empty_address_recipient = maincf_get(m, "empty_address_recipient");
	pf->duplicate_filter_limit = maincf_get_long(m, "duplicate_filter_limit", 1000);
	pf->smtputf8_enable = traffic_smtputf8(m);
	maincf_free(&m);
	return 0;
}

void traffic_postfix_free(struct traffic_postfix *pf)
{
	free(pf->config_dir);
	free(pf->queue_directory);
	free(pf->maillog_file);
	free(pf->myhostname);
	free(pf->hash_queue_names);
	free(pf->empty_address_recipient);
	memset(pf, 0, sizeof *pf);
}

static void feed(void *ctx, const char *data, size_t len)
{
	maillog_feed(ctx, data, len);
}

/* Read every file of list; 0 when at least one was read. */
static int read_files(struct maillog *m, const char *const *list, struct diags *d)
{
	int ok = 0, tried = 0;
	for (size_t i = 0; list[i]; i++) {
		tried++;
		if (logsrc_read_file(list[i], feed, m, d) == 0)
			ok++;
	}
	return tried && ok ? 0 : -1;
}

int traffic_maillog(const struct config *cfg, const struct maillog_query *q,
		    const char *const *files, struct maillog **out, char **source, struct diags *d)
{
	struct maillog *m = maillog_new(q);
	*out = m;
	*source = NULL;
	int rc;
	if (files && files[0]) {
		rc = read_files(m, files, d);
		size_t n = 0;
		while (files[n])
			n++;
		*source = n == 1 ? xstrdup(files[0]) : xasprintf(_("%zu files"), n);
		maillog_finish(m);
		return rc;
	}
	struct traffic_postfix pf;
	if (traffic_postfix_load(cfg, &pf, d) < 0)
		return -1;
	const char *live = pf.maillog_file[0] ? pf.maillog_file : LOGSRC_SYSLOG_FILE;
	char **list = logsrc_files(live);
	if (list[0]) {
		rc = read_files(m, (const char *const *)list, d);
		size_t n = 0;
		while (list[n])
			n++;
		struct stat st;
		bool has_live = stat(live, &st) == 0;
		size_t rotated = has_live ? n - 1 : n;
		*source = rotated ? xasprintf(ngettext("%s and %zu rotated file",
						       "%s and %zu rotated files", rotated),
					      live, rotated)
				  : xstrdup(live);
	} else if (!pf.maillog_file[0] && logsrc_have_journal()) {
		rc = logsrc_read_journal(q->logins, q->since, feed, m, d);
		*source = xstrdup("journalctl");
	} else {
		diag_error(d, live, 0, _("no mail log here (nor a systemd journal)"));
		rc = -1;
	}
	logsrc_files_free(&list);
	traffic_postfix_free(&pf);
	maillog_finish(m);
	return rc;
}
