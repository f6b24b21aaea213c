/* Quick inspection of a mailbox: its INBOX messages (date, from, subject,
 * size, new/unread) read from the headers only, and one message's headers
 * and text, read-only and scrollable. Everything from the mail is drawn
 * through ui_text, which sanitises it. The Maildir is opened beneath the
 * mail base without following symlinks (safeopen). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ui_int.h"
#include "vmailadm/i18n.h"
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
	struct mailmsg *msgs;
	size_t n, nnew, nunread;
	struct strbuf error;
	struct list list;
};

static void ml_load(struct maillist *M)
{
	mailmsg_list_free(&M->msgs, M->n);
	M->n = M->nnew = M->nunread = 0;
	sb_reset(&M->error);
	struct diags d = DIAGS_INIT;
	if (M->fd < 0)
		M->fd = safe_open_dir(world_mailbox_base(M->ui->world), M->value, &d);
	if (M->fd >= 0)
		mailmsg_list(M->fd, &M->msgs, &M->n, &d);
	if (d.n) {
		char *m = diag_format(&d.v[0]);
		sb_adds(&M->error, m);
		free(m);
	}
	diags_free(&d);
	for (size_t i = 0; i < M->n; i++) {
		M->nnew += M->msgs[i].is_new;
		M->nunread += !M->msgs[i].seen;
	}
	list_clamp(&M->list);
}

static size_t ml_count(void *arg)
{
	return ((struct maillist *)arg)->n;
}

enum { W_FLAG = 3, W_DATE = 17, W_FROM = 22, W_SIZE = 9 };

static void ml_row(void *arg, struct ui *ui, int y, int x, int w, size_t i)
{
	struct maillist *M = arg;
	const struct mailmsg *m = &M->msgs[i];
	enum theme_role r = m->is_new ? ROLE_NEW_MAIL : ROLE_NORMAL;
	ui_text(ui, y, x + 1, 1, m->is_new ? "N" : !m->seen ? "U" : " ", r);
	int cx = x + W_FLAG;
	ui_text(ui, y, cx, W_DATE - 1, m->date_text, ROLE_DIM);
	cx += W_DATE;
	ui_text(ui, y, cx, W_FROM - 1, m->from, r);
	cx += W_FROM;
	int sw = x + w - W_SIZE - cx - 1;
	ui_text(ui, y, cx, sw, *m->subject ? m->subject : _("(no subject)"), r);
	char h[32];
	ui_human(h, sizeof h, m->size);
	ui_text_right(ui, y, x + w - W_SIZE - 1, W_SIZE, h, ROLE_NORMAL);
}

static const struct list_ops ml_ops = { ml_count, ml_row, NULL };

static void ml_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct maillist *M = (struct maillist *)s;
	char t[512];
	snprintf(t, sizeof t, _("%s: INBOX, %zu messages (%zu new, %zu unread)"), M->address, M->n,
		 M->nnew, M->nunread);
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, t, ROLE_TITLE);
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

static bool ml_key(struct screen *s, struct ui *ui, ui_key k)
{
	struct maillist *M = (struct maillist *)s;
	ui->dirty = true;
	switch (k) {
	case 'q': case 27: case UI_FN(KEY_LEFT): case 'h':
		ui_pop(ui);
		return true;
	case '\r': case '\n': case UI_FN(KEY_ENTER): case UI_FN(KEY_RIGHT): case 'l': case 'o':
		if (M->n)
			ui_push(ui, viewer_create(ui, M, M->list.sel));
		return true;
	case 'r':
		ml_load(M);
		ui_status(ui, ROLE_STATUS, "%s", _("message list read again"));
		return true;
	case 'n': {
		/* the next box with new mail, in place of this one */
		size_t mbx;
		const struct mailbox *b = browse_next_new(ui->main, &mbx);
		if (!b)
			return true;
		struct screen *next = maillist_create(ui, b);
		ui_pop(ui);
		ui_push(ui, next);
		return true;
	}
	default:
		break;
	}
	if (list_key(&M->list, k))
		return true;
	return k != UI_FN(KEY_F(10)) && k != UI_FN(KEY_F(1)) && k != '?';
}

static void ml_free(struct screen *s)
{
	struct maillist *M = (struct maillist *)s;
	mailmsg_list_free(&M->msgs, M->n);
	if (M->fd >= 0)
		close(M->fd);
	free(M->address);
	free(M->value);
	sb_free(&M->error);
	free(M);
}

static const char *const *ml_keybar(struct screen *s)
{
	(void)s;
	static const char *const kb[] = {
		"Enter", N_("Read"), "n", N_("Next box with new mail"), "r", N_("Reload"),
		"q", N_("Back"), NULL,
	};
	return kb;
}

static const struct screen_ops ml_screen_ops = { ml_draw, ml_key, NULL, ml_free, ml_keybar, NULL };

struct screen *maillist_create(struct ui *ui, const struct mailbox *b)
{
	struct maillist *M = xcalloc(1, sizeof *M);
	M->s.ops = &ml_screen_ops;
	M->ui = ui;
	M->address = xstrdup(b->address);
	M->value = xstrdup(b->value ? b->value : "");
	M->fd = -1;
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

static bool vw_key(struct screen *s, struct ui *ui, ui_key k)
{
	struct viewer *V = (struct viewer *)s;
	ui->dirty = true;
	if (k == 'q' || k == 27 || k == UI_FN(KEY_LEFT) || k == 'h') {
		ui_pop(ui);
		return true;
	}
	size_t h = (size_t)(V->list.height > 0 ? V->list.height : 1);
	size_t last = V->n > h ? V->n - h : 0, top = V->list.top;
	switch (k) {
	case UI_FN(KEY_DOWN): case 'j': case '\r': case '\n': top = top < last ? top + 1 : last; break;
	case UI_FN(KEY_UP): case 'k': top = top ? top - 1 : 0; break;
	case UI_FN(KEY_NPAGE): case ' ': case UI_CTRL('f'): top = top + h < last ? top + h : last; break;
	case UI_FN(KEY_PPAGE): case UI_CTRL('b'): top = top > h ? top - h : 0; break;
	case UI_FN(KEY_HOME): case 'g': top = 0; break;
	case UI_FN(KEY_END): case 'G': top = last; break;
	default: return k != UI_FN(KEY_F(10)) && k != UI_FN(KEY_F(1)) && k != '?';
	}
	V->list.top = V->list.sel = top;
	return true;
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

static const char *const *vw_keybar(struct screen *s)
{
	(void)s;
	static const char *const kb[] = {
		"Up/Down PgUp/PgDn", N_("Scroll"), "q", N_("Back to the list"), NULL,
	};
	return kb;
}

static const struct screen_ops vw_screen_ops = { vw_draw, vw_key, NULL, vw_free, vw_keybar, NULL };

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
	if (mailmsg_read(M->fd, m->path, MESSAGE_MAX, &raw, &d) < 0) {
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
