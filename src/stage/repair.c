/* The operations that put back or build again what the files already
 * describe: a file from its backup and an archived maildir (rollback), a
 * map's built file and a missing maildir (lint --fix). Like every handler,
 * they only stage: the commit does the work. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/sha256.h"
#include "vmailadm/xalloc.h"

/* rollback: the file gets the bytes of a backup, provided it still holds
 * what the commit being undone wrote (op->sha256), so that an edit made
 * since is never overwritten silently. */
int apply_file_restore(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const char *backup = op->targets[0];
	struct doc *b;
	if (doc_load(backup, false, &b, d) < 0)
		return -1;
	struct strbuf bytes = STRBUF_INIT;
	doc_render(b, &bytes);
	doc_free(&b);
	struct staged_file *f = stagefile_get(s, op->subject);
	if (!f) {
		struct doc *doc;
		if (stagefile_source_load(s, op->subject, true, &doc, d) < 0) {
			sb_free(&bytes);
			return -1;
		}
		doc_free(&doc);
		f = stagefile_get(s, op->subject);
	}
	if (op->sha256) {
		char hex[65];
		sha256_hex(sb_str(stagefile_bytes(s, f)), stagefile_bytes(s, f)->len, hex);
		if (strcmp(hex, op->sha256) != 0) {
			diag_error(d, op->subject, 0,
				   _("%s changed since the commit being undone: restoring it would lose that change (use --force to restore it anyway)"),
				   op->subject);
			sb_free(&bytes);
			return -1;
		}
	}
	stagefile_set(f, &bytes);
	return 0;
}

int apply_maildir_restore(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const char *archive = op->targets[0];
	struct stat st;
	if (lstat(archive, &st) < 0 || !S_ISDIR(st.st_mode)) {
		diag_error(d, archive, 0, _("the archived maildir is gone: %s cannot be moved back"), op->subject);
		return -1;
	}
	if (lstat(op->subject, &st) == 0) {
		diag_error(d, op->subject, 0, _("%s exists again: the archived maildir %s is left where it is"),
			   op->subject, archive);
		return -1;
	}
	stage_add_action(s, ACT_MAILDIR_RESTORE, archive, op->subject, NULL);
	return 0;
}

static bool apply_action_staged(const struct stage *s, enum action_kind kind, const char *path);

/* rollback: a file the commit being undone made (a new sender login map)
 * is removed, with the maps built from it, provided it still holds the
 * bytes that commit gave it (op->sha256) and main.cf as staged (its own
 * restore before this) no longer names it: Postfix stops at a map it
 * cannot open. The commit removes it after its reloads (ACT_FILE_REMOVE). */
int apply_file_remove(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct config *cfg = stage_config(s);
	const char *const dirs[] = { cfg->postfix_dir, NULL };
	const char *const files[] = { cfg->passwd_file, cfg->aliases_file, NULL };
	if (!op->sha256) {
		diag_error(d, NULL, 0, _("file remove %s: --if-sha SHA is required (the bytes the file must still hold)"),
			   op->subject);
		return -1;
	}
	if (safe_check_target(op->subject, dirs, files, d) < 0)
		return -1;
	struct doc *doc;
	if (doc_load(op->subject, true, &doc, d) < 0)
		return -1;
	struct strbuf bytes = STRBUF_INIT;
	doc_render(doc, &bytes);
	char hex[65];
	sha256_hex(sb_str(&bytes), bytes.len, hex);
	bool exists = doc_exists(doc);
	doc_free(&doc);
	sb_free(&bytes);
	struct staged_file *f = stagefile_get(s, op->subject);
	if (!exists) {
		diag_error(d, op->subject, 0, _("%s is gone already: there is nothing to remove"), op->subject);
	} else if (strcmp(hex, op->sha256) != 0 || (f && stagefile_changed(f))) {
		diag_error(d, op->subject, 0, _("%s changed since the commit being undone: removing it would lose that change"),
			   op->subject);
	} else if (stagefile_maincf_names(s, op->subject)) {
		diag_error(d, stage_maincf_path(s), 0, _("main.cf names %s: removing it would leave Postfix a map it cannot open"),
			   op->subject);
	} else if (apply_action_staged(s, ACT_FILE_REMOVE, op->subject)) {
		diag_error(d, op->subject, 0, _("%s is already staged to be removed"), op->subject);
	} else {
		stage_add_action(s, ACT_FILE_REMOVE, op->subject, NULL, op->sha256);
		return 0;
	}
	return -1;
}

static bool apply_action_staged(const struct stage *s, enum action_kind kind, const char *path)
{
	for (size_t i = 0; i < s->nacts; i++)
		if (s->acts[i].kind == kind && s->acts[i].path && strcmp(s->acts[i].path, path) == 0)
			return true;
	return false;
}

/* lint --fix: a map whose .db is missing or older than its source is built
 * again by the commit, under its lock, although no byte of it changes. Only
 * a map this server uses can be named, so that the op cannot be made to run
 * postmap on an arbitrary file. */
int apply_map_rebuild(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const char *colon = strchr(op->subject, ':');
	if (!colon || colon == op->subject || colon[1] != '/') {
		diag_error(d, NULL, 0, _("'%s' is not a map written as type:/absolute/path"), op->subject);
		return -1;
	}
	char *type = xstrndup(op->subject, (size_t)(colon - op->subject));
	const char *path = colon + 1;
	int rc = -1;
	enum action_kind kind = ACT_POSTMAP;
	const char *known = NULL;   /* the type the server reads it as */
	if (strcmp(path, doc_name(aliases_doc(world_system_aliases(w)))) == 0) {
		kind = ACT_POSTALIAS;
		known = type;
	}
	for (size_t i = 0; i < world_map_count(w) && !known; i++) {
		const struct world_map *m = world_map(w, i);
		if (m->ref.path && strcmp(m->ref.path, path) == 0)
			known = m->ref.type ? m->ref.type : "";
	}
	struct staged_file *f = stagefile_get(s, path);
	if (!known) {
		diag_error(d, world_maincf_path(w), 0, _("%s is not a map of this server: main.cf names no such table"),
			   path);
	} else if (strcmp(known, type) != 0) {
		diag_error(d, world_maincf_path(w), 0, _("main.cf reads %s as %s:%s, not %s:%s"), path, known,
			   path, type, path);
	} else if (!table_type_built_suffix(type)) {
		diag_error(d, NULL, 0, _("%s:%s is read as it is: there is no map to build (only hash, btree, lmdb and cdb are)"),
			   type, path);
	} else if (!f || (!f->existed && stagefile_bytes(s, f)->len == 0)) {
		diag_error(d, path, 0, _("%s does not exist: there is nothing to build the map from"), path);
	} else if (apply_action_staged(s, kind, path)) {
		diag_error(d, path, 0, _("the map %s:%s is already staged to be rebuilt"), type, path);
	} else {
		stage_add_action(s, kind, path, NULL, type);
		rc = 0;
	}
	free(type);
	return rc;
}

/* lint --fix: a mailbox whose maildir is missing gets it now rather than at
 * the first delivery or login (Dovecot would create it as whoever runs it). */
int apply_maildir_create(struct stage *s, struct world *w, const struct op *op, struct diags *d)
{
	const struct mailbox *b = world_mailbox_find(w, op->subject);
	if (!b || !b->local[0]) {
		diag_error(d, NULL, 0, _("%s is not a mailbox"), op->subject);
		return -1;
	}
	if (!b->is_maildir) {
		diag_error(d, b->file, b->line, _("%s is delivered to the mbox file %s, not to a maildir"),
			   b->address, b->maildir);
		return -1;
	}
	const char *base = world_mailbox_base(w);
	size_t bl = base ? strlen(base) : 0;
	while (bl > 1 && base[bl - 1] == '/')
		bl--;
	char *path = xstrdup(b->maildir);
	for (size_t n = strlen(path); n > 1 && path[n - 1] == '/';)
		path[--n] = '\0';
	int rc = -1;
	struct stat st;
	if (!bl || strncmp(path, base, bl) != 0 || path[bl] != '/' || !path[bl + 1]) {
		diag_error(d, b->file, b->line, _("the maildir %s of %s is not under virtual_mailbox_base %s"),
			   path, b->address, base && *base ? base : "(unset)");
	} else if (lstat(path, &st) == 0) {
		diag_error(d, path, 0, _("the maildir %s of %s exists already"), path, b->address);
	} else if (errno != ENOENT) {
		diag_error(d, path, 0, _("cannot look at %s: %s"), path, strerror(errno));
	} else if (apply_action_staged(s, ACT_MAILDIR_CREATE, path)) {
		diag_error(d, path, 0, _("the maildir of %s is already staged to be created"), b->address);
	} else {
		stage_add_action(s, ACT_MAILDIR_CREATE, path, NULL, b->address);
		rc = 0;
	}
	free(path);
	return rc;
}
