/* The audit record of a commit or a recovery: operations as they turned
 * out, files with digests and backups, maildir actions, maps. Appended to
 * the audit log by state.c, which also reads it back. */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "commit_int.h"
#include "vmailadm/audit.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* What became of the maildir action of the mailbox `address` (ACT_PENDING
 * when it has none). */
static enum act_state audit_maildir_state(const struct run *r, const struct plan *p, const char *address)
{
	for (size_t i = 0; r->acts && i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if ((a->kind == ACT_MAILDIR_ARCHIVE || a->kind == ACT_MAILDIR_PURGE) && a->detail &&
		    strcmp(a->detail, address) == 0)
			return r->acts[i];
	}
	return ACT_PENDING;
}

/* The operation as it turned out, for the record and for its display: in
 * a commit, "(mail archived)" only when a maildir was moved to the archive
 * (st: what became of the mailbox's maildir action). */
static void audit_describe_state(const struct op *op, bool committed, enum act_state st, struct strbuf *out)
{
	if (committed && op->kind == OP_MAILBOX_DEL && !op->keep_maildir) {
		if (st == ACT_NOTHING || st == ACT_PENDING) {
			sb_addf(out, _("remove mailbox %s (it had no maildir)"), op->subject);
			return;
		}
		if (st != ACT_DONE) {
			sb_addf(out, op->purge ? _("remove mailbox %s (its mail was NOT deleted)")
					       : _("remove mailbox %s (its mail was NOT archived)"), op->subject);
			return;
		}
	}
	op_describe(op, out);
}

/* The hash an operation's words carry in the record: never the real one
 * (the words are parsed again to describe it; a DES-form placeholder). */
static const char audit_hidden_hash[] = "{CRYPT}NotRecorded..";

/* The words of op as the record keeps them: language-neutral, shown in the
 * reader's language by audit_operation_text, no password hash. */
static void audit_words(const struct op *op, struct strbuf *out)
{
	struct op *c = op_clone(op);
	if (c->password_hash) {
		free(c->password_hash);
		c->password_hash = xstrdup(audit_hidden_hash);
	}
	op_format(c, out);
	op_free(&c);
}

/* What the record says became of the maildir of the mailbox address
 * removed ("maildirs": archive or purge, "address", "done"). */
static enum act_state audit_record_state(json_t *rec, const char *address)
{
	size_t k;
	json_t *m;
	json_array_foreach(json_object_get(rec, "maildirs"), k, m) {
		const char *a = json_string_value(json_object_get(m, "address"));
		const char *action = json_string_value(json_object_get(m, "action"));
		const char *done = json_string_value(json_object_get(m, "done"));
		if (!a || !action || strcmp(a, address) != 0 ||
		    (strcmp(action, "archive") != 0 && strcmp(action, "purge") != 0))
			continue;
		return !done ? ACT_PENDING : strcmp(done, "yes") == 0 ? ACT_DONE
			 : strcmp(done, "nothing to do") == 0 ? ACT_NOTHING : ACT_FAILED;
	}
	return ACT_PENDING;
}

void audit_operation_text(json_t *rec, size_t k, struct strbuf *out)
{
	const char *words = json_string_value(json_array_get(json_object_get(rec, "op_words"), k));
	const char *stored = json_string_value(json_array_get(json_object_get(rec, "operations"), k));
	struct op *op = NULL;
	struct diags d = DIAGS_INIT;
	int argc;
	char **argv = words ? op_split_words(words, &argc, NULL, 0, &d) : NULL;
	if (argv && argc > 0)
		op = op_from_words(argc, argv, NULL, 0, &d);
	op_words_free(argv);
	diags_free(&d);
	if (!op) {
		/* a record written before op_words, in its committer's language */
		sb_adds(out, stored ? stored : "");
		return;
	}
	const char *result = json_string_value(json_object_get(rec, "result"));
	bool committed = result && strncmp(result, "committed", 9) == 0;
	audit_describe_state(op, committed, committed ? audit_record_state(rec, op->subject) : ACT_PENDING, out);
	op_free(&op);
}

void audit_append(struct run *r, struct stage *s, struct written *ws, size_t n,
			 const struct plan *p, const char *result)
{
	json_t *rec = state_audit_record(r->res->id, result);
	json_t *ops = json_array(), *words = json_array();
	/* The descriptions untranslated (the C locale, for this thread only):
	 * the log is read in the reader's language, from op_words (issue:
	 * a French committer's descriptions were stored in French). */
	locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
	locale_t was = c_locale ? uselocale(c_locale) : (locale_t)0;
	for (size_t i = 0; i < stage_count(s); i++) {
		const struct op *op = stage_op(s, i);
		struct strbuf desc = STRBUF_INIT, w = STRBUF_INIT;
		bool done = r->res->committed;
		audit_describe_state(op, done, done ? audit_maildir_state(r, p, op->subject) : ACT_PENDING, &desc);
		json_array_append_new(ops, json_string(desc.buf));
		audit_words(op, &w);
		json_array_append_new(words, json_string(w.buf));
		sb_free(&desc);
		sb_free(&w);
	}
	if (c_locale) {
		uselocale(was);
		freelocale(c_locale);
	}
	json_object_set_new(rec, "operations", ops);
	json_object_set_new(rec, "op_words", words);
	if (r->res->changeset)
		json_object_set_new(rec, "changeset", json_string(r->res->changeset));
	json_t *files = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *f = json_object();
		json_object_set_new(f, "path", json_string(ws[i].f->path));
		json_object_set_new(f, "sha256_before", ws[i].f->existed ? json_string(ws[i].old_sha) : json_null());
		json_object_set_new(f, "sha256_after", json_string(ws[i].new_sha));
		json_object_set_new(f, "backup", ws[i].backup ? json_string(ws[i].backup) : json_null());
		json_array_append_new(files, f);
	}
	json_object_set_new(rec, "files", files);
	json_t *acts = json_array();
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind != ACT_MAILDIR_CREATE && a->kind != ACT_MAILDIR_ARCHIVE && a->kind != ACT_MAILDIR_PURGE &&
		    a->kind != ACT_MAILDIR_RESTORE && a->kind != ACT_MAILDIR_RENAME)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "action", json_string(a->kind == ACT_MAILDIR_CREATE ? "create"
							     : a->kind == ACT_MAILDIR_ARCHIVE ? "archive"
							     : a->kind == ACT_MAILDIR_RESTORE ? "restore"
							     : a->kind == ACT_MAILDIR_RENAME ? "rename" : "purge"));
		if (a->kind == ACT_MAILDIR_RENAME) {
			/* "maildir" is where the mail is now, "from" where it was. */
			json_object_set_new(o, "maildir", json_string(a->target));
			json_object_set_new(o, "from", json_string(a->path));
			if (r->acts)
				json_object_set_new(o, "done", json_string(r->acts[i] == ACT_DONE ? "yes"
									   : r->acts[i] == ACT_NOTHING ? "nothing to do" : "no"));
			json_array_append_new(acts, o);
			continue;
		}
		/* "maildir" is always the place under the base, "archive" the other end. */
		bool rest = a->kind == ACT_MAILDIR_RESTORE;
		json_object_set_new(o, "maildir", json_string(rest ? a->target : a->path));
		if (a->target)
			json_object_set_new(o, "archive", json_string(rest ? a->path : a->target));
		if ((a->kind == ACT_MAILDIR_ARCHIVE || a->kind == ACT_MAILDIR_PURGE) && a->detail)
			json_object_set_new(o, "address", json_string(a->detail));
		if (r->acts && (a->kind == ACT_MAILDIR_ARCHIVE || a->kind == ACT_MAILDIR_PURGE ||
				a->kind == ACT_MAILDIR_CREATE))
			json_object_set_new(o, "done", json_string(r->acts[i] == ACT_DONE ? "yes"
								   : r->acts[i] == ACT_NOTHING ? "nothing to do" : "no"));
		json_array_append_new(acts, o);
	}
	json_object_set_new(rec, "maildirs", acts);
	/* The directories it made for its files (a rollback removes them
	 * again when empty). */
	json_t *dirs = json_array();
	for (size_t i = 0; r->res->committed && i < p->nactions; i++)
		if (p->actions[i].kind == ACT_DIR_CREATE)
			json_array_append_new(dirs, json_string(p->actions[i].path));
	if (json_array_size(dirs))
		json_object_set_new(rec, "directories_made", dirs);
	else
		json_decref(dirs);
	/* The files a rollback removed (made by the commit it undid): a
	 * rollback of it cannot make them again. */
	json_t *gone = json_array();
	for (size_t i = 0; r->acts && i < p->nactions; i++)
		if (p->actions[i].kind == ACT_FILE_REMOVE && r->acts[i] == ACT_DONE)
			json_array_append_new(gone, json_string(p->actions[i].path));
	if (json_array_size(gone))
		json_object_set_new(rec, "files_removed", gone);
	else
		json_decref(gone);
	/* Every map the commit built, whether its source changed or it was
	 * only rebuilt (lint --fix). */
	json_t *maps = json_array();
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind != ACT_POSTMAP && a->kind != ACT_POSTALIAS)
			continue;
		bool only = false;
		for (size_t k = 0; k < p->nrebuilt; k++)
			only |= strcmp(p->rebuilt[k]->path, a->path) == 0;
		json_t *o = json_object();
		json_object_set_new(o, "tool", json_string(a->kind == ACT_POSTMAP ? "postmap" : "postalias"));
		char *spec = xasprintf("%s:%s", a->detail ? a->detail : "", a->path);
		json_object_set_new(o, "map", json_string(spec));
		free(spec);
		json_object_set_new(o, "source_changed", json_boolean(!only));
		json_array_append_new(maps, o);
	}
	json_object_set_new(rec, "maps", maps);
	state_audit_append(r->cfg, rec, r->d);
}

/* The audit record of a recovery: the files of the journal ("file KIND
 * BACKUP OLD NEW PATH"), as a commit's record gives them, so that
 * `vmailadm log` and `rollback` see how the commit ended. */
void audit_recovered(const struct config *cfg, const struct doc *j, const char *id,
			    const char *result, struct diags *d)
{
	json_t *rec = state_audit_record(id, result);
	json_t *files = json_array(), *dirs = json_array(), *gone = json_array();
	bool finished = strcmp(result, "finished by recovery") == 0;
	for (size_t i = 0; i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		char *line = xmemdup0(t, len);
		char kind[64], backup[4096], old_sha[65], new_sha[65];
		int off = 0;
		if (finished && strncmp(line, "mkdir ", 6) == 0)
			json_array_append_new(dirs, json_string(line + 6));
		if (finished && len > 7 + 65 && strncmp(line, "remove ", 7) == 0)
			json_array_append_new(gone, json_string(line + 7 + 65));
		if (strncmp(line, "file ", 5) == 0 &&
		    sscanf(line + 5, "%63s %4095s %64s %64s %n", kind, backup, old_sha, new_sha, &off) >= 4 && off) {
			json_t *f = json_object();
			bool had = strcmp(backup, "-") != 0;
			json_object_set_new(f, "path", json_string(line + 5 + off));
			json_object_set_new(f, "sha256_before", had ? json_string(old_sha) : json_null());
			json_object_set_new(f, "sha256_after", json_string(new_sha));
			json_object_set_new(f, "backup", had ? json_string(backup) : json_null());
			json_array_append_new(files, f);
		}
		free(line);
	}
	json_object_set_new(rec, "operations", json_array());
	json_object_set_new(rec, "files", files);
	if (json_array_size(dirs))
		json_object_set_new(rec, "directories_made", dirs);
	else
		json_decref(dirs);
	if (json_array_size(gone))
		json_object_set_new(rec, "files_removed", gone);
	else
		json_decref(gone);
	state_audit_append(cfg, rec, d);
}
