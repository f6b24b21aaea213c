/* vmailadm import --csv FILE: create mailboxes from address,password,quota
 * rows, one transaction (the loop is transact_batch). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli_int.h"
#include "vmailadm/cli.h"
#include "vmailadm/config.h"
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/op.h"
#include "vmailadm/passhash.h"
#include "vmailadm/stage.h"
#include "vmailadm/xalloc.h"

/* Split one CSV line (RFC 4180 quotes) into at most max fields; -1 when
 * a quoted field is not closed on its line. */
static int import_csv_fields(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line, *out = line;
	while (n < max) {
		fields[n++] = out;
		bool quoted = *p == '"';
		if (quoted)
			p++;
		while (*p) {
			if (quoted && *p == '"' && p[1] == '"') {
				*out++ = '"';
				p += 2;
			} else if (quoted && *p == '"') {
				quoted = false;
				p++;
			} else if (!quoted && (*p == ',' || *p == '\n' || *p == '\r')) {
				break;
			} else {
				*out++ = *p++;
			}
		}
		if (quoted)
			return -1;
		char sep = *p;
		*out++ = '\0';
		if (sep != ',')
			break;
		p++;
	}
	return n;
}

/* Spreadsheets begin a UTF-8 CSV file with a byte order mark. */
static const char utf8_bom[] = "\xef\xbb\xbf";

/* One row. An empty password creates a mailbox without one; "*" generates
 * one. The copy of the line is wiped: it holds a password. */
static int import_row(struct cli *cli, struct stage *s, const struct transact_opts *o,
		      const char *file, char *line, unsigned line_no, char **generated)
{
	char *fields[4] = { NULL, NULL, NULL, NULL };
	if (line_no == 1 && strncmp(line, utf8_bom, sizeof utf8_bom - 1) == 0)
		line += sizeof utf8_bom - 1;
	char *copy = xstrdup(line);
	int nf = import_csv_fields(copy, fields, 4);
	if (nf < 0) {
		fprintf(stderr, _("%s:%u: a quoted field has no closing quote\n"), file, line_no);
		passhash_wipe(copy);
		return EXIT_USAGE;
	}
	bool blank = nf == 1 && fields[0][0] == '\0';
	bool header = line_no == 1 && strcasecmp(fields[0], "address") == 0;
	if (blank || header || fields[0][0] == '#') {
		passhash_wipe(copy);
		return EXIT_OK;
	}
	if (nf > 3) {
		fprintf(stderr, _("%s:%u: expected address,password,quota\n"), file, line_no);
		passhash_wipe(copy);
		return EXIT_USAGE;
	}
	struct op *op = op_new(OP_MAILBOX_ADD, fields[0]);
	if (nf >= 3 && *fields[2])
		op->quota = xstrdup(fields[2]);
	/* A malformed address or quota is wrong whatever the mail tree
	 * holds: a usage error (2), as in apply's batch lines (op_from_words
	 * runs the same check), not a refusal (1). */
	struct strbuf why = STRBUF_INIT;
	if (!op_check(op, &why)) {
		struct diags bad = DIAGS_INIT;
		diag_error(&bad, file, line_no, "%s", sb_str(&why));
		cli_diags(cli, &bad);
		diags_free(&bad);
		sb_free(&why);
		passhash_wipe(copy);
		op_free(&op);
		return EXIT_USAGE;
	}
	sb_free(&why);
	const char *pw = nf >= 2 ? fields[1] : "";
	char *plain = NULL;
	if (strcmp(pw, "*") == 0) {
		plain = passhash_generate(passhash_generated_len(cli_config(cli)->password_min_length));
		*generated = xasprintf("%s: %s", op->subject, plain);
	} else if (*pw) {
		if (transact_check_password(cli, o, pw, file, line_no) < 0) {
			passhash_wipe(copy);
			op_free(&op);
			return EXIT_PROBLEMS;
		}
		plain = xstrdup(pw);
	}
	int rc = EXIT_OK;
	struct diags d = DIAGS_INIT;
	if (plain) {
		const char *scheme = o->scheme ? o->scheme : cli_config(cli)->password_scheme;
		op->password_hash = passhash_hash(scheme, plain, &d);
		passhash_wipe(plain);
	}
	passhash_wipe(copy);
	bool failed = plain && !op->password_hash;
	if (failed)
		op_free(&op);
	if (failed || stage_push(s, op, &d) < 0) {
		for (size_t i = 0; i < d.n; i++)
			if (!d.v[i].file) {
				d.v[i].file = xstrdup(file);
				d.v[i].line = line_no;
			}
		cli_diags(cli, &d);
		rc = EXIT_PROBLEMS;
	}
	diags_free(&d);
	return rc;
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	transact_timing_start();
	struct transact_opts o = { .json = cli->json };
	int n, rc;
	char **words = transact_words(cli, argc, argv, &o, &n, &rc);
	if (rc || n != 3 || strcmp(words[1], "--csv") != 0) {
		free(words);
		return rc ? rc : cli_usage_error(cli, _("give --csv FILE"));
	}
	passhash_protect_process(); /* the rows hold passwords */
	rc = transact_batch(cli, &o, words[2], words[2], import_row, _("%s: %s holds no rows\n"),
			    _("nothing was changed: the import is applied whole or not at all\n"));
	free(words);
	return rc;
}
