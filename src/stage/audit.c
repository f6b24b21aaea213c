/* The audit record of a commit or a recovery: operations as they turned
 * out, files with digests and backups, maildir actions, maps. Appended to
 * the audit log by state.c, which also reads it back. */
#include "config.h"

#include <string.h>

#include <jansson.h>

#include "commit_int.h"
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

/* The operation for the audit record, as it turned out: "(mail archived)"
 * only when a maildir was moved to the archive. */
static void audit_describe(const struct run *r, const struct plan *p, const struct op *op,
			   struct strbuf *out)
{
	if (op->kind == OP_MAILBOX_DEL && !op->keep_maildir) {
		enum act_state st = audit_maildir_state(r, p, op->subject);
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

void audit_append(struct run *r, struct stage *s, struct written *ws, size_t n,
			 const struct plan *p, const char *result)
{
	json_t *rec = state_audit_record(r->res->id, result);
	json_t *ops = json_array();
	for (size_t i = 0; i < stage_count(s); i++) {
		/* The description, never op_format: that one carries password hashes. */
		struct strbuf desc = STRBUF_INIT;
		if (r->res->committed)
			audit_describe(r, p, stage_op(s, i), &desc);
		else
			op_describe(stage_op(s, i), &desc);
		json_array_append_new(ops, json_string(desc.buf));
		sb_free(&desc);
	}
	json_object_set_new(rec, "operations", ops);
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
