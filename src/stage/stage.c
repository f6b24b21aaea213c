/* Staged editing: operations validated against the world as it will be and
 * applied to in-memory copies of the files. The stage owns the operation
 * list, the bytes of every file as read and as edited, and the actions the
 * commit will run. Replaying the list on freshly read files is the one
 * mechanism behind undo, reload and commit. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "stage_int.h"
#include "vmailadm/config.h"
#include "vmailadm/i18n.h"
#include "vmailadm/model.h"
#include "vmailadm/pgdb.h"
#include "vmailadm/state.h"
#include "vmailadm/strmap.h"
#include "vmailadm/xalloc.h"

/* Files smaller than this are read whole even on the quick path: the
 * excerpt pays off on tables of thousands of lines. Tests set it to 0. */
size_t stage_excerpt_min_bytes = 256 * 1024;

void stage_set_excerpt_min(size_t bytes)
{
	stage_excerpt_min_bytes = bytes;
}

void stage_set_share(struct stage *s, const struct world *w)
{
	s->share = w;
}

void stage_set_transient(struct stage *s, bool on)
{
	s->transient = on;
}

static void stage_layout_clear(struct layout *l)
{
	free(l->maincf);
	free(l->pwfile);
	free(l->aliases);
	free(l->base);
	for (size_t i = 0; i < l->nmaps; i++) {
		free(l->maps[i].path);
		free(l->maps[i].type);
	}
	free(l->maps);
	memset(l, 0, sizeof *l);
}

static void stage_layout_take(struct layout *l, const struct world *w)
{
	stage_layout_clear(l);
	l->maincf = xstrdup(world_maincf_path(w));
	l->pwfile = xstrdup(doc_name(pwfile_doc(world_pwfile(w))));
	l->aliases = xstrdup(doc_name(aliases_doc(world_system_aliases(w))));
	l->base = xstrdup(world_mailbox_base(w) ? world_mailbox_base(w) : "");
	l->nmaps = world_map_count(w);
	l->maps = xcalloc(l->nmaps ? l->nmaps : 1, sizeof *l->maps);
	for (size_t i = 0; i < l->nmaps; i++) {
		const struct world_map *m = world_map(w, i);
		l->maps[i].path = m->ref.path ? xstrdup(m->ref.path) : NULL;
		l->maps[i].type = xstrdup(m->ref.type ? m->ref.type : "");
		l->maps[i].roles = m->roles;
	}
	l->valid = true;
}

/* A file that exists but cannot be read is not an empty one: edits to the
 * world built without it would write that file back without its entries.
 * Returns -1 (the first such file named in d) when w has one. */
int stage_refuse_unreadable(const struct world *w, struct diags *d)
{
	if (world_unreadable_count(w) == 0)
		return 0;
	if (d)
		diag_error(d, world_unreadable(w, 0), 0,
			   _("cannot be read, so its entries are unknown: nothing can be edited (run vmailadm as a user who can read it)"));
	return -1;
}

static int stage_load_world(struct stage *s, struct world **out, struct diags *d)
{
	struct doc_source src = { stagefile_source_load, s, s->share };
	struct diags quiet = DIAGS_INIT;
	/* Load problems of the files themselves are the lint's business; only a
	 * world that cannot load at all, or has a file it could not read,
	 * stops the stage. */
	int rc = world_load_from(s->cfg, &src, out, &quiet);
	if (rc == 0 && stage_refuse_unreadable(*out, d) < 0) {
		world_free(out);
		rc = -1;
	}
	if (rc < 0)
		diags_take(d, &quiet);
	else
		stage_layout_take(&s->layout, *out);
	diags_free(&quiet);
	return rc;
}

struct stage *stage_create(const struct config *cfg)
{
	/* VMAILADM_EXCERPT_MIN: the tests read every file in part (vmailadm(1)) */
	static bool env_read;
	const char *e = env_read ? NULL : getenv("VMAILADM_EXCERPT_MIN");
	env_read = true;
	if (e && *e) {
		char *end;
		unsigned long long v = strtoull(e, &end, 10);
		if (*end == '\0')
			stage_excerpt_min_bytes = (size_t)v;
	}
	/* backend pgsql, after a commit: the files it will read, read again
	 * (on failure they stay as they were, and a commit made on them is
	 * refused as changed since the preview). */
	struct diags quiet = DIAGS_INIT;
	pgdb_snapshot_sync(cfg, &quiet);
	diags_free(&quiet);
	struct stage *s = xcalloc(1, sizeof *s);
	s->cfg = cfg;
	s->files = strmap_create(16);
	return s;
}

/* Drop the actions and notes after the first nacts and nnotes (an
 * operation that failed leaves nothing behind). */
void stage_actions_truncate(struct stage *s, size_t nacts, size_t nnotes)
{
	while (s->nacts > nacts) {
		struct action *a = &s->acts[--s->nacts];
		free(a->path);
		free(a->target);
		free(a->detail);
	}
	while (s->nnotes > nnotes)
		free(s->notes[--s->nnotes]);
}

static void stage_actions_clear(struct stage *s)
{
	stage_actions_truncate(s, 0, 0);
}

void stage_free(struct stage **sp)
{
	struct stage *s = *sp;
	if (!s)
		return;
	for (size_t i = 0; i < s->nops; i++) {
		op_free(&s->ops[i]);
		free(s->opmail[i]);
	}
	free(s->ops);
	free(s->opmail);
	world_free(&s->world);   /* its documents may read the files' bytes (doc_over) */
	stagefile_clear(s);
	strmap_free(&s->files);
	free(s->paths);
	stage_actions_clear(s);
	free(s->acts);
	free(s->notes);
	stage_layout_clear(&s->layout);
	plan_clear(&s->plan);
	free(s);
	*sp = NULL;
}

const struct config *stage_config(const struct stage *s) { return s->cfg; }

size_t stage_count(const struct stage *s) { return s->nops; }

size_t stage_world_patched(const struct stage *s) { return s->world_patched; }

const struct op *stage_op(const struct stage *s, size_t i) { return i < s->nops ? s->ops[i] : NULL; }

void stage_add_action(struct stage *s, enum action_kind kind, const char *path,
		       const char *target, const char *detail)
{
	xgrow(&s->acts, &s->actcap, s->nacts + 1, sizeof *s->acts);
	s->acts[s->nacts++] = (struct action){
		.kind = kind,
		.path = path ? xstrdup(path) : NULL,
		.target = target ? xstrdup(target) : NULL,
		.detail = detail ? xstrdup(detail) : NULL,
	};
}

void stage_add_note(struct stage *s, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	xgrow(&s->notes, &s->notecap, s->nnotes + 1, sizeof *s->notes);
	s->notes[s->nnotes++] = sb_detach(&sb);
}

/* Where things are, from main.cf alone: the other files are not read. */
struct layout_ctx {
	struct stage *s;
	char *maincf;
};

static int stage_empty_load(void *ctx, const char *path, bool missing_ok, struct doc **out,
		      struct diags *d)
{
	struct layout_ctx *c = ctx;
	if (strcmp(path, c->maincf) == 0)
		return stagefile_source_load(c->s, path, missing_ok, out, d);
	*out = doc_from_mem(path, "", 0);
	return 0;
}

int stage_layout_load(struct stage *s, struct diags *d)
{
	/* world_load_from reads main.cf from here (model.c) */
	struct layout_ctx c = { s, xasprintf("%s/main.cf", s->cfg->postfix_dir ? s->cfg->postfix_dir
									      : "/etc/postfix") };
	struct doc_source src = { stage_empty_load, &c, NULL };
	struct diags quiet = DIAGS_INIT;
	struct world *w;
	int rc = world_load_from(s->cfg, &src, &w, &quiet);
	if (rc < 0 && d)
		diags_take(d, &quiet);
	diags_free(&quiet);
	free(c.maincf);
	if (rc < 0)
		return -1;
	stage_layout_take(&s->layout, w);
	world_free(&w);
	return 0;
}

/* The existing mail the actions from index from on move, one path a line
 * ("" when none): what a staged delete was shown it would archive. */
static char *stage_mail_moved(const struct stage *s, size_t from)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = from; i < s->nacts; i++)
		if (s->acts[i].kind == ACT_MAILDIR_ARCHIVE || s->acts[i].kind == ACT_MAILDIR_PURGE ||
		    s->acts[i].kind == ACT_MAILDIR_RENAME)
			sb_addf(&sb, "%s%s", sb.len ? "\n" : "", s->acts[i].path);
	return sb_detach(&sb);
}

/* A replay that would move other mail than the op was staged to (a maildir
 * path changed by hand): nothing of it is kept, and the admin sees both
 * paths before any mail moves. */
bool stage_mail_as_staged(const struct stage *s, const struct op *op, size_t from,
			  const char *expect, struct diags *d)
{
	if (!expect)
		return true;
	char *now = stage_mail_moved(s, from);
	bool same = strcmp(now, expect) == 0;
	if (!same && d)
		diag_error(d, NULL, 0, _("%s: staged to move the mail in %s, but the files edited since name %s"),
			   op->subject, *expect ? expect : _("(no maildir)"), *now ? now : _("(no maildir)"));
	free(now);
	return same;
}

/* The in-place update of the kept world an operation's edit may get
 * (worldpatch.c), prepared before it is applied; one on the passwd-file
 * alone (a password, a quota) needs none. */
/* Whether op names every target of alias a (alias del of its targets
 * then removes its whole entry, apply_alias_del). */
static bool op_names_every_target(const struct op *op, const struct alias *a)
{
	for (size_t k = 0; a && k < a->ntargets; k++) {
		bool named = false;
		for (size_t i = 0; i < op->ntargets && !named; i++)
			named = strcasecmp(a->targets[k].address, op->targets[i]) == 0;
		if (!named)
			return false;
	}
	return a != NULL;
}

static void worldpatch_prepare_op(const struct stage *s, const struct world *w, const struct op *op,
				  struct worldpatch *p)
{
	const struct alias *al = world_alias_find(w, op->subject);
	bool alias = al != NULL;
	const struct domain *dom;
	switch (op->kind) {
	case OP_ALIAS_DEL:
		/* its last targets removed: the whole entry goes (or becomes an
		 * identity entry under a catch-all: the patch then declines) */
		if (op->ntargets == 0 || op_names_every_target(op, al))
			worldpatch_alias_del_prepare(w, op->subject, p);
		else
			worldpatch_alias_targets_prepare(w, op->subject, p);
		break;
	case OP_ALIAS_ADD:
	case OP_ALIAS_SET:
		if (alias)
			worldpatch_alias_targets_prepare(w, op->subject, p);
		else
			worldpatch_alias_add_prepare(w, op->subject, p);
		break;
	case OP_FORWARD_SET:
		/* a mailbox's own alias: its value set, or a new one */
		if (alias)
			worldpatch_alias_targets_prepare(w, op->subject, p);
		else
			worldpatch_alias_add_prepare(w, op->subject, p);
		break;
	case OP_FORWARD_CLEAR:
		/* removed, or its value set to the identity entry that keeps the
		 * mailbox from its domain's catch-all (apply_forward_clear) */
		dom = strrchr(op->subject, '@') ? world_domain_find(w, strrchr(op->subject, '@') + 1) : NULL;
		if (alias && dom && !dom->catchall_alias)
			worldpatch_alias_del_prepare(w, op->subject, p);
		else if (alias)
			worldpatch_alias_targets_prepare(w, op->subject, p);
		break;
	case OP_MAILBOX_ADD:
		worldpatch_mailbox_add_prepare(w, op->subject, p);
		break;
	case OP_MAILBOX_DEL:
		worldpatch_mailbox_del_prepare(w, op->subject, p);
		break;
	case OP_MAILBOX_RENAME:
		if (!op->keep_old && op->ntargets == 1)
			worldpatch_mailbox_rename_prepare(w, op->subject, op->targets[0], p);
		break;
	case OP_DOMAIN_ADD:
		if (!op->alias_of)
			worldpatch_domain_add_prepare(w, op->subject, p);
		break;
	case OP_CATCHALL_SET:
		if (op->ntargets == 1 && (dom = world_domain_find(w, op->subject)) != NULL)
			worldpatch_catchall_set_prepare(
				w, op->subject, apply_catchall_in_mailbox_map(s, w, dom, op->targets[0]), p);
		break;
	case OP_DOMAIN_DEL:
		worldpatch_domain_del_prepare(w, op->subject, p);
		break;
	case OP_CATCHALL_CLEAR:
		worldpatch_catchall_clear_prepare(w, op->subject, p);
		break;
	default:
		break;
	}
	/* these edit one passwd-file line, of their subject */
	if (op->kind == OP_MAILBOX_ADD || op->kind == OP_MAILBOX_DEL || op->kind == OP_MAILBOX_PASSWD ||
	    op->kind == OP_MAILBOX_QUOTA)
		worldpatch_passwd_prepare(w, op->subject, p);
}

static void stage_world_drop(struct stage *s)
{
	world_free(&s->world);
	s->world_stale = false;
}

/* The staged world's arrays made again after the last operation's edits;
 * a world that cannot be rebuilt is dropped (stage_world loads it anew). */
static void stage_world_fresh(struct stage *s)
{
	if (!s->world || !s->world_stale)
		return;
	struct diags quiet = DIAGS_INIT;   /* load problems are lint's (stage_load_world) */
	if (world_rebuild(s->world, &quiet) < 0)
		world_free(&s->world);
	diags_free(&quiet);
	s->world_stale = false;
}

/* Apply op to the staged world, then keep the edited bytes. That world is
 * the one kept from the last operation (issue 16: staging is incremental,
 * no file is read or parsed again; its arrays are made again from its
 * edited documents by stage_world_fresh) or, when there is none, a fresh
 * load of the staged files; the quick path takes an operation on one
 * mailbox first when no world is kept. Full loads remain the fallback where
 * the kept world cannot follow: after an operation refused once it had
 * edited a document (half edited, the world is dropped; one refused before
 * any edit keeps it), a new main.cf (it may name other maps), undo and
 * reading the files again (stage_load replays). On failure every staged
 * byte, action and note is as it was before. */
static int stage_apply_one(struct stage *s, const struct op *op, const char *expect,
			   struct diags *d)
{
	/* the words' own checks first: no file is read for a malformed op */
	struct strbuf why = STRBUF_INIT;
	if (!op_check(op, &why))
		return apply_refuse(d, &why);
	sb_free(&why);
	if (!s->world && quick_apply(s, op, expect) == 0)
		return 0;
	stage_world_fresh(s);
	struct world *w = s->world;
	s->world = NULL;
	if (!w && stage_load_world(s, &w, d) < 0)
		return -1;
	/* Nothing is written to the staged bytes unless the operation
	 * succeeds (splice_sync_world); main.cf is kept to see whether it changed. */
	size_t nacts = s->nacts, nnotes = s->nnotes;
	struct staged_file *mf = s->layout.valid ? stagefile_get(s, s->layout.maincf) : NULL;
	struct strbuf saved = STRBUF_INIT;
	if (mf)
		sb_add(&saved, sb_str(stagefile_bytes(s, mf)), stagefile_bytes(s, mf)->len);
	/* the world follows the edit in place where it can (worldpatch.c);
	 * a passwd-file borrowed from the interface's world is made the staged
	 * world's own first when the edit is one of its lines (its entries
	 * move and its parse count with them): the mailboxes then follow the
	 * edit in place, not joined again in full (issue 16: 100,000 at the
	 * first password change of a session) */
	if (op->kind == OP_MAILBOX_ADD || op->kind == OP_MAILBOX_DEL || op->kind == OP_MAILBOX_PASSWD ||
	    op->kind == OP_MAILBOX_QUOTA)
		world_pwfile_own(w);
	struct worldpatch wp = { 0 };
	worldpatch_prepare_op(s, w, op, &wp);
	/* a table borrowed from the interface's world is made the staged
	 * world's own before the edit (its entries move): prepared again on
	 * them */
	if (wp.ready && ((wp.map && world_map_own(w, wp.map)) | (wp.identity && world_map_own(w, wp.id_map))))
		worldpatch_prepare_op(s, w, op, &wp);
	int rc = apply_op(s, w, op, d);
	if (rc == 0 && !stage_mail_as_staged(s, op, nacts, expect, d))
		rc = -1;
	/* only the prepared map and the passwd-file edited (either may not be) */
	struct doc *pw = pwfile_doc(world_pwfile(w));
	wp.passwd = rc == 0 && doc_dirty(pw);
	bool in_place = rc == 0 && splice_dirty_within(w, wp.ready ? table_doc(wp.map->table) : NULL,
						       wp.ready && wp.identity ? table_doc(wp.id_map->table) : NULL, pw);
	if (rc == 0) {
		splice_sync_world(s, w);
		/* A new main.cf may name other maps: the layout must be re-read. */
		const struct strbuf *now = mf ? stagefile_bytes(s, mf) : NULL;
		if (!now || now->len != saved.len || memcmp(sb_str(now), sb_str(&saved), saved.len) != 0)
			s->layout.valid = false;
	}
	if (rc == 0 && s->layout.valid) {
		splice_clean_world(w);
		s->world = w;
		s->world_stale = !(in_place && worldpatch_apply(w, &wp) == 0);
		s->world_patched += !s->world_stale;
	} else if (rc < 0 && !splice_world_dirty(w)) {
		s->world = w;   /* refused before any edit: it still holds */
	} else {
		world_free(&w);
	}
	if (rc < 0)
		stage_actions_truncate(s, nacts, nnotes);
	sb_free(&saved);
	s->plan_valid = false;
	return rc;
}

int stage_push(struct stage *s, struct op *op, struct diags *d)
{
	if (s->broken < s->nops) {
		diag_error(d, NULL, 0, _("an earlier staged change no longer applies: undo it first"));
		op_free(&op);
		return -1;
	}
	size_t nacts = s->nacts;
	if (stage_apply_one(s, op, NULL, d) < 0) {
		op_free(&op);
		return -1;
	}
	xgrow(&s->ops, &s->opcap, s->nops + 1, sizeof *s->ops);
	xgrow(&s->opmail, &s->opmailcap, s->nops + 1, sizeof *s->opmail);
	s->opmail[s->nops] = stage_mail_moved(s, nacts);
	s->ops[s->nops++] = op;
	s->broken = s->nops;
	return 0;
}

int stage_load(struct stage *s, struct diags *d)
{
	stage_world_drop(s);
	stagefile_clear(s);
	s->stale = false;
	stage_layout_clear(&s->layout);   /* main.cf is read again too */
	stage_actions_clear(s);
	s->plan_valid = false;
	s->broken = s->nops;
	for (size_t i = 0; i < s->nops; i++) {
		if (stage_apply_one(s, s->ops[i], s->opmail[i], d) < 0) {
			struct strbuf desc = STRBUF_INIT;
			op_describe(s->ops[i], &desc);
			diag_error(d, NULL, 0, _("staged change %zu (%s) no longer applies to the files as they are now"),
				   i + 1, desc.buf);
			sb_free(&desc);
			s->broken = i;
			return -1;
		}
	}
	/* Nothing staged: the world loads when asked for (stage_world); only
	 * a main.cf that cannot be read stops the stage now. */
	if (s->nops == 0 && !s->layout.valid && stage_layout_load(s, d) < 0)
		return -1;
	return 0;
}

int stage_refresh(struct stage *s, bool *replayed, struct diags *d)
{
	*replayed = false;
	if (pgdb_snapshot_sync(s->cfg, d) < 0)
		return -1;
	bool same = s->broken == s->nops && !s->stale;
	struct strbuf now = STRBUF_INIT;
	for (size_t i = 0; i < s->npaths && same; i++)
		same = stagefile_unchanged(stagefile_get(s, s->paths[i]), &now);
	sb_free(&now);
	if (same)
		return 0;
	*replayed = true;
	return stage_load(s, d);
}

const char *stage_maincf_path(struct stage *s)
{
	if (!s->layout.valid)
		stage_layout_load(s, NULL);
	return s->layout.valid ? s->layout.maincf : NULL;
}

const char *stage_mailbox_base(struct stage *s)
{
	return stage_maincf_path(s) ? s->layout.base : NULL;
}

void stage_reset(struct stage *s)
{
	stage_layout_clear(&s->layout);
	for (size_t i = 0; i < s->nops; i++) {
		op_free(&s->ops[i]);
		free(s->opmail[i]);
	}
	s->nops = 0;
	s->broken = 0;
	stage_world_drop(s);
	stagefile_clear(s);
	stage_actions_clear(s);
	s->plan_valid = false;
}

int stage_undo(struct stage *s, struct diags *d)
{
	if (s->nops == 0)
		return 0;
	op_free(&s->ops[--s->nops]);
	free(s->opmail[s->nops]);
	return stage_load(s, d);
}

const struct world *stage_world(struct stage *s, struct diags *d)
{
	stage_world_fresh(s);
	if (!s->world && stage_load_world(s, &s->world, d) < 0)
		return NULL;
	return s->world;
}

int stage_save_pending(struct stage *s, struct diags *d)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < stage_count(s); i++) {
		op_format(stage_op(s, i), &sb);
		sb_addc(&sb, '\n');
	}
	int rc = state_pending_write(stage_config(s), sb.buf, sb.len, d);
	sb_free(&sb);
	return rc;
}

bool stage_has_pending(const struct config *cfg)
{
	return state_pending_exists(cfg);
}

int stage_restore_pending(struct stage *s, size_t *n, struct diags *d)
{
	const struct config *cfg = stage_config(s);
	char *path = state_pending_path(cfg);
	struct doc *doc;
	*n = 0;
	if (state_pending_load(cfg, &doc, d) < 0) {
		free(path);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < doc_count(doc) && rc == 0; i++) {
		size_t len;
		const char *t = doc_text(doc, i, &len);
		char *line = xmemdup0(t, len);
		int argc;
		char **words = op_split_words(line, &argc, path, (unsigned)i + 1, d);
		if (words && argc > 0) {
			struct op *op = op_from_words(argc, words, path, (unsigned)i + 1, d);
			if (!op || stage_push(s, op, d) < 0)
				rc = -1;
			else
				(*n)++;
		}
		op_words_free(words);
		free(line);
	}
	if (rc == 0)
		state_pending_discard(cfg);
	doc_free(&doc);
	free(path);
	return rc;
}
