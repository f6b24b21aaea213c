/* The journal of a commit (state_dir/journal, stored by state.c): the
 * operations, every file with its backup and digests, the maildir actions
 * and the temporary files; read back by the recovery. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commit_int.h"
#include "vmailadm/config.h"
#include "vmailadm/doc.h"
#include "vmailadm/state.h"
#include "vmailadm/xalloc.h"

/* The journal: the operations, every file with its backup and digests, and
 * every temporary file (a crash before the renames leaves those). Durable
 * before the first live file changes. */
int journal_write(struct run *r, struct stage *s, struct written *ws, size_t n,
			 struct written *rb, size_t nrb, const char *extra)
{
	struct strbuf j = STRBUF_INIT;
	sb_addf(&j, "vmailadm-journal 1\nid %s\n", r->res->id);
	/* The files are a snapshot: whether the commit happened is the
	 * database's change set (pgcommit.c, pgcommit_landed). */
	if (r->cfg->backend == BACKEND_PGSQL)
		sb_adds(&j, "backend pgsql\n");
	/* s NULL: a rollback on backend pgsql, whose rows and files are not
	 * a stage's (pgcommit_rollback) */
	for (size_t i = 0; s && i < stage_count(s); i++) {
		sb_adds(&j, "op ");
		op_format(stage_op(s, i), &j);
		sb_addc(&j, '\n');
	}
	/* Directories made for the files (pgfiles_mkdirs): "mkdir PATH". */
	const struct plan *dp = s ? stage_plan(s) : NULL;
	for (size_t i = 0; dp && i < dp->nactions; i++)
		if (dp->actions[i].kind == ACT_DIR_CREATE)
			sb_addf(&j, "mkdir %s\n", dp->actions[i].path);
	for (size_t i = 0; i < n; i++)
		sb_addf(&j, "file %s%s%s %s %s %s %s\n", ws[i].type ? ws[i].tool : "-",
			ws[i].type ? ":" : "", ws[i].type ? ws[i].type : "",
			ws[i].backup ? ws[i].backup : "-", ws[i].old_sha, ws[i].new_sha, ws[i].f->path);
	/* Every maildir action, so that a recovery moves the mail with the
	 * entries: "maildir<TAB>KIND<TAB>PATH<TAB>TARGET" (no path holds a
	 * control byte: safeopen refuses them). */
	const struct plan *p = s ? stage_plan(s) : NULL;
	if (s && stage_maincf_path(s))
		sb_addf(&j, "base %s\n", stage_mailbox_base(s));
	for (size_t i = 0; p && i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		if (a->kind == ACT_MAILDIR_CREATE || a->kind == ACT_MAILDIR_ARCHIVE ||
		    a->kind == ACT_MAILDIR_PURGE || a->kind == ACT_MAILDIR_RESTORE ||
		    a->kind == ACT_MAILDIR_RENAME)
			sb_addf(&j, "maildir\t%s\t%s\t%s\n", plan_action_name(a->kind), a->path,
				a->target ? a->target : "-");
	}
	/* A file a rolled back commit made, removed after the reloads: the
	 * recovery finishes the commit then ("remove SHA PATH"). */
	for (size_t i = 0; p && i < p->nactions; i++)
		if (p->actions[i].kind == ACT_FILE_REMOVE)
			sb_addf(&j, "remove %s %s\n", p->actions[i].detail, p->actions[i].path);
	/* A map that does not exist yet: a rollback leaves none either
	 * ("newmap OLD_SHA SUFFIX SOURCE"; the source last, it may hold spaces). */
	for (size_t i = 0; i < n; i++) {
		const struct build *b = &ws[i].b;
		struct stat st;
		if (ws[i].type && b->db && lstat(b->db, &st) < 0 && errno == ENOENT)
			sb_addf(&j, "newmap %s %s %s\n", ws[i].old_sha, b->db + strlen(ws[i].f->path),
				ws[i].f->path);
	}
	for (size_t i = 0; i < n + nrb; i++) {
		const struct build *b = i < n ? &ws[i].b : &rb[i - n].b;
		if (b->src.path)
			sb_addf(&j, "temp %s\n", b->src.path);
		if (b->tmpdb)
			sb_addf(&j, "temp %s\n", b->tmpdb);
	}
	if (extra)
		sb_adds(&j, extra);   /* a pgsql rollback's removals (pgfiles.c) */
	int rc = state_journal_write(r->cfg, j.buf, j.len, r->d);
	sb_free(&j);
	return rc;
}

int journal_file_sha(const char *path, char hex[65], bool *exists)
{
	struct doc *doc;
	struct diags d = DIAGS_INIT;
	int rc = doc_load(path, true, &doc, &d);
	diags_free(&d);
	if (rc < 0)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	doc_render(doc, &sb);
	*exists = doc_exists(doc);
	sha256_hex(sb_str(&sb), sb.len, hex);
	sb_free(&sb);
	doc_free(&doc);
	return 0;
}

/* Has the file of a journal line ("KIND BACKUP OLD NEW PATH") the bytes
 * the commit wrote? */
static bool journal_file_is_new(const char *line)
{
	char kind[64], backup[4096], old_sha[65], new_sha[65], now[65];
	int off = 0;
	bool exists;
	if (sscanf(line, "%63s %4095s %64s %64s %n", kind, backup, old_sha, new_sha, &off) < 4 || off == 0)
		return false;
	return journal_file_sha(line + off, now, &exists) == 0 && strcmp(now, new_sha) == 0;
}

/* What a journal says: its id, the mail base, whether every file it names
 * has the new bytes, whether it moves mail. */
void journal_scan(const struct doc *j, char **id, char **base, bool *all_new, bool *moves)
{
	*all_new = true;
	*moves = false;
	for (size_t i = 0; i < doc_count(j); i++) {
		size_t len;
		const char *t = doc_text(j, i, &len);
		char *line = xmemdup0(t, len);
		if (strncmp(line, "id ", 3) == 0) {
			free(*id);
			*id = xstrdup(line + 3);
		} else if (strncmp(line, "base ", 5) == 0) {
			free(*base);
			*base = xstrdup(line + 5);
		} else if (strncmp(line, "file ", 5) == 0) {
			*all_new &= journal_file_is_new(line + 5);
		} else if (strncmp(line, "maildir\tarchive-", 16) == 0 || strncmp(line, "maildir\tpurge-", 14) == 0 ||
			   strncmp(line, "remove ", 7) == 0) {
			*moves = true;   /* work left after the files: finished, not undone */
		}
		free(line);
	}
}
