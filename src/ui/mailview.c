/* Quick inspection of a mailbox: its INBOX messages (date, from, subject,
 * size, new/unread) read from the headers only, and one message's headers
 * and text, read-only and scrollable. Everything from the mail is drawn
 * through ui_text, which sanitises it. The Maildir is opened beneath the
 * mail base without following symlinks (safeopen). */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ui_int.h"
#include "vmailadm/human.h"
#include "vmailadm/i18n.h"
#include "vmailadm/maildir/name.h"
#include "vmailadm/mailmsg.h"
#include "vmailadm/model.h"
#include "vmailadm/safeopen.h"
#include "vmailadm/xalloc.h"

enum { MESSAGE_MAX = 4 * 1024 * 1024 };

struct maillist {
	struct screen s;
	struct ui *ui;
	char *address, *value;
	int fd;                      /* the maildir, -1 when it could not be opened */
	int ffd;                     /* the folder shown: fd itself for the INBOX */
	char **folders;              /* Maildir++ folders, on-disk names without the dot */
	size_t nfolders;
	size_t folder;               /* 0: INBOX, else folders[folder - 1] */
	size_t mbx;                  /* index for the live counts, SIZE_MAX: none */
	struct maildir_counts seen;  /* the live counts the list was read at */
	struct mailmsg *msgs;
	size_t n, nnew, nunread;
	struct strbuf error;
	struct list list;
};

static int ml_cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The Maildir++ folders: ".NAME" directories that hold a cur/. */
static void ml_find_folders(struct maillist *M)
{
	int dup_fd = dup(M->fd);
	DIR *dir = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!dir) {
		if (dup_fd >= 0)
			close(dup_fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] != '.' || !e->d_name[1] || !strcmp(e->d_name, ".."))
			continue;
		char *cur = xasprintf("%s/cur", e->d_name);
		struct stat st;
		bool is_folder = fstatat(M->fd, cur, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
		free(cur);
		if (!is_folder)
			continue;
		M->folders = xreallocarray(M->folders, M->nfolders + 1, sizeof *M->folders);
		M->folders[M->nfolders++] = xstrdup(e->d_name + 1);
	}
	closedir(dir);
	if (M->nfolders)
		qsort(M->folders, M->nfolders, sizeof *M->folders, ml_cmp_name);
}

/* The folder's name for people: INBOX, or decoded from modified UTF-7. */
static void ml_folder_name(const struct maillist *M, struct strbuf *out)
{
	if (M->folder == 0 || !maildir_mutf7_decode(M->folders[M->folder - 1], out)) {
		sb_reset(out);
		sb_adds(out, M->folder == 0 ? "INBOX" : M->folders[M->folder - 1]);
	}
}

static void ml_load(struct maillist *M)
{
	/* keep the selection on the same message when the list is read again */
	char *keep = M->n && M->list.sel < M->n ? xstrdup(M->msgs[M->list.sel].path) : NULL;
	mailmsg_list_free(&M->msgs, M->n);
	M->n = M->nnew = M->nunread = 0;
	sb_reset(&M->error);
	struct diags d = DIAGS_INIT;
	if (M->fd < 0 && (M->fd = safe_open_dir(world_mailbox_base(M->ui->world), M->value, &d)) >= 0) {
		M->ffd = M->fd;
		ml_find_folders(M);
	}
	if (M->ffd >= 0)
		mailmsg_list(M->ffd, &M->msgs, &M->n, &d);
	if (d.n) {
		char *m = diag_format(&d.v[0]);
		sb_adds(&M->error, m);
		free(m);
	}
	diags_free(&d);
	for (size_t i = 0; i < M->n; i++) {
		M->nnew += M->msgs[i].is_new;
		M->nunread += !M->msgs[i].seen;
		if (keep && strcmp(M->msgs[i].path, keep) == 0)
			M->list.sel = i;
	}
	free(keep);
	list_clamp(&M->list);
	if (M->mbx != SIZE_MAX)
		live_counts(M->ui->live, M->mbx, &M->seen, NULL);
}

/* New mail (or mail read elsewhere) changed the box's live counts: the
 * list follows, as the counts on the main screen do. */
static void ml_follow(struct maillist *M)
{
	struct maildir_counts c;
	if (M->mbx == SIZE_MAX || !live_counts(M->ui->live, M->mbx, &c, NULL))
		return;
	if (memcmp(&c, &M->seen, sizeof c) != 0)
		ml_load(M);
}

static size_t ml_count(void *arg)
{
	return ((struct maillist *)arg)->n;
}

enum { W_FLAG = 5, W_DATE = 17, W_FROM = 22, W_SIZE = 9 };

static void ml_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct maillist *M = arg;
	const struct mailmsg *m = &M->msgs[i];
	enum theme_role r = m->is_new ? ROLE_NEW_MAIL : ROLE_NORMAL;
	/* N new, U unread, then R replied, F flagged (mutt's letters) */
	char flags[4] = { m->is_new ? 'N' : !m->seen ? 'U' : ' ', m->replied ? 'R' : ' ',
			  m->flagged ? 'F' : ' ', 0 };
	ui_text(ui, y, x + 1, 3, flags, m->flagged ? ROLE_WARNING : r);
	int cx = x + W_FLAG;
	ui_text(ui, y, cx, W_DATE - 1, m->date_text, ROLE_DIM);
	cx += W_DATE;
	ui_text(ui, y, cx, W_FROM - 1, m->from, r);
	cx += W_FROM;
	int sw = x + w - W_SIZE - cx - 1;
	ui_text(ui, y, cx, sw, *m->subject ? m->subject : _("(no subject)"), r);
	char h[32];
	human_size(h, sizeof h, m->size);
	ui_text_right(ui, y, x + w - W_SIZE - 1, W_SIZE, h, ROLE_NORMAL);
}

static const struct list_ops ml_ops = { ml_count, ml_row, NULL };

static void ml_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct maillist *M = (struct maillist *)s;
	ml_follow(M);
	char t[512];
	struct strbuf folder = STRBUF_INIT;
	ml_folder_name(M, &folder);
	snprintf(t, sizeof t, ngettext("%s: %s, %zu message (%zu new, %zu unread)",
				       "%s: %s, %zu messages (%zu new, %zu unread)", M->n),
		 M->address, sb_str(&folder), M->n, M->nnew, M->nunread);
	sb_free(&folder);
	ui_fill(ui, y, x, w, ROLE_TITLE);
	/* The folder's number at the right; the title cut before it (with
	 * its ellipsis), never written over. */
	int fw = 0;
	if (M->nfolders) {
		char f[64];
		snprintf(f, sizeof f, _("folder %zu/%zu (f)"), M->folder + 1, M->nfolders + 1);
		fw = ui_width(f);
		ui_text_right(ui, y, x + w - fw - 1, fw, f, ROLE_TITLE);
	}
	ui_text(ui, y, x + 1, w - 1 - (fw ? fw + 3 : 0), t, ROLE_TITLE);
	ui_fill(ui, y + 1, x, w, ROLE_TITLE);
	ui_text(ui, y + 1, x + W_FLAG, W_DATE - 1, _("date"), ROLE_TITLE);
	ui_text(ui, y + 1, x + W_FLAG + W_DATE, W_FROM - 1, _("from"), ROLE_TITLE);
	ui_text(ui, y + 1, x + W_FLAG + W_DATE + W_FROM, 20, _("subject"), ROLE_TITLE);
	ui_text_right(ui, y + 1, x + w - W_SIZE - 1, W_SIZE, _("size"), ROLE_TITLE);
	if (M->error.len)
		ui_text(ui, y + 2, x + 1, w - 2, sb_str(&M->error), ROLE_ERROR);
	else if (M->n == 0)
		ui_text(ui, y + 2, x + 3, w - 3, _("(no messages)"), ROLE_DIM);
	if (!M->error.len && M->n)
		list_draw(&M->list, ui, y + 2, x, h - 2, w, ROLE_SELECTION);
}

static struct screen *viewer_create(struct ui *ui, struct maillist *M, size_t i);

static bool ml_k_back(struct screen *s, struct ui *ui, ui_key k)
{
	(void)s;
	(void)k;
	ui_pop(ui);
	return true;
}

static bool ml_k_read(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	struct maillist *M = (struct maillist *)s;
	if (M->n)
		ui_push(ui, viewer_create(ui, M, M->list.sel));
	return true;
}

static bool ml_k_reload(struct screen *s, struct ui *ui, ui_key k)
{
	(void)k;
	ml_load((struct maillist *)s);
	ui_status(ui, ROLE_STATUS, "%s", _("message list read again"));
	return true;
}

/* f and F: the next and the previous folder (INBOX first). */
static bool ml_k_folder(struct screen *s, struct ui *ui, ui_key k)
{
	struct maillist *M = (struct maillist *)s;
	if (!M->nfolders) {
		ui_status(ui, ROLE_STATUS, "%s", _("this mailbox has no folder but its INBOX"));
		return true;
	}
	size_t n = M->nfolders + 1;
	size_t next = (M->folder + (k == 'F' ? n - 1 : 1)) % n;
	int fd = M->fd;
	if (next > 0) {
		char *rel = xasprintf("%s/.%s", M->value, M->folders[next - 1]);
		struct diags d = DIAGS_INIT;
		fd = safe_open_dir(world_mailbox_base(M->ui->world), rel, &d);
		free(rel);
		if (fd < 0) {
			char *m = d.n ? diag_format(&d.v[0]) : xstrdup(M->folders[next - 1]);
			ui_status(ui, ROLE_ERROR, "%s", m);
			free(m);
			diags_free(&d);
			return true;
		}
		diags_free(&d);
	}
	if (M->ffd >= 0 && M->ffd != M->fd)
		close(M->ffd);
	M->ffd = fd;
	M->folder = next;
	M->list.sel = M->list.top = 0;
	mailmsg_list_free(&M->msgs, M->n);
	M->n = 0;
	ml_load(M);
	return true;
}

static bool ml_k_next_box(struct screen *s, struct ui *ui, ui_key k)
{
	(void)s;
	(void)k;
	size_t mbx;
	const struct mailbox *b = browse_next_new(ui->main, &mbx);
	if (!b)
		return true;
	struct screen *next = mailview_list_create(ui, b);
	ui_pop(ui);   /* this list, replaced by the next box's */
	ui_push(ui, next);
	return true;
}

static bool ml_k_move(struct screen *s, struct ui *ui, ui_key k)
{
	(void)ui;
	return list_key(&((struct maillist *)s)->list, k);
}

static const struct keydef ml_keys[] = {
	{ .help = N_("A mailbox's messages") },
	{ .keys = { UI_FN(KEY_UP), UI_FN(KEY_DOWN), 'k', 'j' }, .run = ml_k_move, .name = "Up Down  k j",
	  .help = N_("previous / next row") },
	{ .keys = { UI_FN(KEY_PPAGE), UI_FN(KEY_NPAGE), UI_FN(KEY_HOME), UI_FN(KEY_END), 'g', 'G' },
	  .run = ml_k_move, .name = "PgUp PgDn  g G", .help = N_("a page up / down, first / last row") },
	{ .keys = { '\r', '\n', UI_FN(KEY_ENTER), UI_FN(KEY_RIGHT), 'l', 'o' }, .run = ml_k_read,
	  .name = "Enter  o", .help = N_("read the message (read-only: its flags do not change)"),
	  .bar_key = "Enter", .bar = N_("Read"), .bar_pos = 2 },
	{ .keys = { 'f', 'F' }, .run = ml_k_folder, .name = "f  F",
	  .help = N_("the next / previous folder (Sent, Trash ...), INBOX first"),
	  .bar_key = "f", .bar = N_("Folder"), .bar_pos = 3 },
	{ .keys = { 'n' }, .run = ml_k_next_box, .name = "n",
	  .help = N_("the next mailbox with new mail, in place of this one"),
	  .bar_key = "n", .bar = N_("Next box with new mail"), .bar_pos = 4 },
	{ .keys = { 'r' }, .run = ml_k_reload, .name = "r",
	  .help = N_("read the list again (new mail shows by itself)"), .bar_key = "r",
	  .bar = N_("Reload"), .bar_pos = 5 },
	{ .name = "N U R F", .help = N_("flags: new, unread, replied, flagged") },
	{ .name = "F1  ?", .help = N_("this help"), .bar_key = "F1", .bar = N_("Help"), .bar_pos = 1 },
	{ .keys = { 'q', 27, UI_FN(KEY_LEFT), 'h' }, .run = ml_k_back, .name = "q  Esc  Left",
	  .help = N_("back to the main screen"), .bar_key = "q", .bar = N_("Back"), .bar_pos = 6 },
};
static const struct keytab ml_tab = KEYTAB(ml_keys);

/* The message list's and the viewer's keys: their table's, else every key
 * is theirs but the help and the menu keys, which go to the main loop. */
static bool mailview_key(const struct keytab *tab, struct screen *s, struct ui *ui, ui_key k)
{
	ui->dirty = true;
	const struct keydef *d = keys_find(tab, k);
	if (d && d->run)
		return d->run(s, ui, k);
	return k != UI_FN(KEY_F(10)) && k != UI_FN(KEY_F(1)) && k != '?';
}

static bool ml_key(struct screen *s, struct ui *ui, ui_key k)
{
	return mailview_key(&ml_tab, s, ui, k);
}

static void ml_free(struct screen *s)
{
	struct maillist *M = (struct maillist *)s;
	mailmsg_list_free(&M->msgs, M->n);
	if (M->ffd >= 0 && M->ffd != M->fd)
		close(M->ffd);
	if (M->fd >= 0)
		close(M->fd);
	for (size_t i = 0; i < M->nfolders; i++)
		free(M->folders[i]);
	free(M->folders);
	free(M->address);
	free(M->value);
	sb_free(&M->error);
	free(M);
}

static const struct screen_ops ml_screen_ops = { ml_draw, ml_key, NULL, ml_free, NULL, &ml_tab };

struct screen *mailview_list_create(struct ui *ui, const struct mailbox *b)
{
	struct maillist *M = xcalloc(1, sizeof *M);
	M->s.ops = &ml_screen_ops;
	M->ui = ui;
	M->address = xstrdup(b->address);
	M->value = xstrdup(b->value ? b->value : "");
	M->fd = M->ffd = -1;
	/* the disk world's mailbox of that address: the live counts' index */
	size_t nb;
	const struct mailbox *boxes = world_mailboxes(ui->world, &nb);
	const struct mailbox *disk = world_mailbox_find(ui->world, b->address);
	M->mbx = disk ? (size_t)(disk - boxes) : SIZE_MAX;
	sb_init(&M->error);
	list_init(&M->list, &ml_ops, M);
	if (!b->is_maildir)
		sb_adds(&M->error, _("not a Maildir (an mbox file): nothing to list"));
	else
		ml_load(M);
	return &M->s;
}

/* ---- one message ---- */

struct viewer {
	struct screen s;
	char *title;
	char **lines;
	size_t n;
	struct list list;
	size_t header_lines;         /* lines before the body */
};

static size_t vw_count(void *arg)
{
	return ((struct viewer *)arg)->n;
}

static void vw_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct viewer *V = arg;
	const char *l = V->lines[i];
	enum theme_role r = ROLE_NORMAL;
	if (i < V->header_lines) {
		const char *colon = strchr(l, ':');
		if (colon) {
			size_t nl = (size_t)(colon - l) + 1;
			char name[32];
			snprintf(name, sizeof name, "%.*s", (int)(nl < sizeof name ? nl : sizeof name - 1), l);
			int used = ui_label(ui, y, x + 1, w - 1, name, ROLE_TITLE);
			ui_label(ui, y, x + 1 + used, w - 1 - used, colon + 1, ROLE_NORMAL);
			return;
		}
	} else if (l[0] == '>') {
		r = ROLE_DIM;
	} else if (l[0] == '[') {
		r = ROLE_SECTION;
	}
	ui_label(ui, y, x + 1, w - 1, l, r);   /* escaped by split_lines */
}

static bool vw_selectable(void *arg, size_t i)
{
	(void)arg;
	(void)i;
	return false;
}

static const struct list_ops vw_ops = { vw_count, vw_row, vw_selectable };

static void vw_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct viewer *V = (struct viewer *)s;
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, V->title, ROLE_TITLE);
	list_draw(&V->list, ui, y + 1, x, h - 1, w, -1);
}

static bool vw_k_scroll(struct screen *s, struct ui *ui, ui_key k)
{
	(void)ui;
	struct viewer *V = (struct viewer *)s;
	return list_scroll(&V->list, V->n, k);
}

static bool vw_k_back(struct screen *s, struct ui *ui, ui_key k)
{
	(void)s;
	(void)k;
	ui_pop(ui);
	return true;
}

static const struct keydef vw_keys[] = {
	{ .help = N_("A message (read-only)") },
	{ .keys = { UI_FN(KEY_UP), UI_FN(KEY_DOWN), 'k', 'j', '\r', '\n' }, .run = vw_k_scroll,
	  .name = "Up Down  k j", .help = N_("scroll a line"), .bar_key = "Up/Down PgUp/PgDn",
	  .bar = N_("Scroll"), .bar_pos = 2 },
	{ .keys = { UI_FN(KEY_PPAGE), UI_FN(KEY_NPAGE), ' ', UI_CTRL('b'), UI_CTRL('f') },
	  .run = vw_k_scroll, .name = "PgUp PgDn  Space", .help = N_("scroll a page") },
	{ .keys = { UI_FN(KEY_HOME), UI_FN(KEY_END), 'g', 'G' }, .run = vw_k_scroll,
	  .name = "Home End  g G", .help = N_("the start / the end") },
	{ .name = "F1  ?", .help = N_("this help"), .bar_key = "F1", .bar = N_("Help"), .bar_pos = 1 },
	{ .keys = { 'q', 27, UI_FN(KEY_LEFT), 'h' }, .run = vw_k_back, .name = "q  Esc  Left",
	  .help = N_("back to the list"), .bar_key = "q", .bar = N_("Back to the list"), .bar_pos = 3 },
};
static const struct keytab vw_tab = KEYTAB(vw_keys);

static bool vw_key(struct screen *s, struct ui *ui, ui_key k)
{
	return mailview_key(&vw_tab, s, ui, k);
}

static void vw_free(struct screen *s)
{
	struct viewer *V = (struct viewer *)s;
	for (size_t i = 0; i < V->n; i++)
		free(V->lines[i]);
	free(V->lines);
	free(V->title);
	free(V);
}

static const struct screen_ops vw_screen_ops = { vw_draw, vw_key, NULL, vw_free, NULL, &vw_tab };

/* Split text into lines, tabs to spaces and CR dropped (the sanitiser would
 * show them as \t and \r), each escaped here while its length is known:
 * a NUL byte shows as \x00 instead of cutting the line short (the rows
 * are then drawn as they are, with ui_label). */
static void split_lines(struct viewer *V, const char *text, size_t len)
{
	size_t cap = 0, i = 0;
	while (i < len) {
		struct strbuf l = STRBUF_INIT;
		size_t col = 0;
		while (i < len && text[i] != '\n') {
			char c = text[i++];
			if (c == '\r')
				continue;
			if (c == '\t') {
				do
					sb_addc(&l, ' ');
				while (++col % 8);
				continue;
			}
			sb_addc(&l, c);
			if (((unsigned char)c & 0xc0) != 0x80)
				col++;
		}
		i++;
		struct strbuf shown = STRBUF_INIT;
		sb_add_printable(&shown, l.buf ? l.buf : "", l.len);
		sb_free(&l);
		xgrow(&V->lines, &cap, V->n + 1, sizeof *V->lines);
		V->lines[V->n++] = sb_detach(&shown);
	}
}

/* A viewer over text already rendered (mailmsg_render's form). */
static struct viewer *viewer_new(const char *title, const char *text, size_t len)
{
	struct viewer *V = xcalloc(1, sizeof *V);
	V->s.ops = &vw_screen_ops;
	list_init(&V->list, &vw_ops, V);
	V->title = xstrdup(title);
	split_lines(V, text, len);
	for (size_t k = 0; k < V->n && V->lines[k][0]; k++)
		V->header_lines = k + 1;
	return V;
}

struct screen *mailview_text(struct ui *ui, const char *title, const char *text, size_t len)
{
	(void)ui;
	return &viewer_new(title, text, len)->s;
}

static struct screen *viewer_create(struct ui *ui, struct maillist *M, size_t i)
{
	(void)ui;
	const struct mailmsg *m = &M->msgs[i];
	char *title = xasprintf("%s  (%s, %s)", *m->subject ? m->subject : _("(no subject)"),
				M->address, m->path);
	struct strbuf raw = STRBUF_INIT, out = STRBUF_INIT;
	struct diags d = DIAGS_INIT;
	if (mailmsg_read(M->ffd, m->path, MESSAGE_MAX, &raw, &d) < 0) {
		char *e = diag_format(&d.v[0]);
		sb_adds(&out, e);
		free(e);
	} else {
		mailmsg_render(raw.buf, raw.len, &out);
	}
	diags_free(&d);
	struct viewer *V = viewer_new(title, sb_str(&out), out.len);
	free(title);
	sb_free(&raw);
	sb_free(&out);
	return &V->s;
}
