/* Small modal widgets for editing: the form (labelled fields, hidden ones
 * for passwords, validation on every key with the reason beside the field,
 * a submit that stages an operation or shows why it could not), the
 * one-key question and the read-once note. Each is a screen on the stack;
 * the dialogs draw the screen below them first. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ui_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/passhash.h"
#include "vmailadm/xalloc.h"

enum { LABEL_W = 16, VALUE_W = 50 };
/* The longest value a field takes, in bytes. */
enum { FORM_VALUE_MAX = 1000 };

struct field {
	struct form_field def;
	struct strbuf value;
	struct strbuf why;       /* empty: valid */
	bool valid;
	bool selected;           /* the preselected default, not touched yet */
};

struct form {
	struct screen s;
	char *title;
	struct field *fields;
	size_t n, cur;
	form_submit_fn submit;
	void *ctx;
	void (*ctx_free)(void *);
	struct strbuf error;     /* from the last submit */
	bool tried;              /* a submit was refused: show every reason */
};

/* Take s out of the stack wherever it is (a submit may have pushed a note
 * above it) and free it. */
static void unlink_screen(struct ui *ui, struct screen *s)
{
	struct screen **pp = &ui->top;
	while (*pp && *pp != s)
		pp = &(*pp)->below;
	if (*pp)
		*pp = s->below;
	ui->dirty = true;
}

static void wipe(struct strbuf *sb)
{
	if (sb->buf)
		explicit_bzero(sb->buf, sb->cap);
	sb_free(sb);
}

static void validate(struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct field *fl = &f->fields[i];
		sb_reset(&fl->why);
		fl->valid = !fl->def.check || fl->def.check(f, i, sb_str(&fl->value), &fl->why);
	}
}

struct screen *form_preselect(struct screen *form, size_t field)
{
	struct form *f = (struct form *)form;
	if (field < f->n)
		f->fields[field].selected = f->fields[field].value.len > 0;
	return form;
}

const char *form_value(const struct form *f, size_t field)
{
	return field < f->n ? sb_str(&f->fields[field].value) : "";
}

void *form_ctx(const struct form *f)
{
	return f->ctx;
}

void form_wipe(struct form *f, size_t field)
{
	if (field < f->n) {
		struct strbuf *v = &f->fields[field].value;
		if (v->buf)
			explicit_bzero(v->buf, v->cap);
		sb_reset(v);
	}
}

static void form_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct form *f = (struct form *)s;
	(void)h;
	ui_fill(ui, y, x, w, ROLE_TITLE);
	ui_text(ui, y, x + 1, w - 1, f->title, ROLE_TITLE);
	int row = y + 2;
	for (size_t i = 0; i < f->n; i++, row += 3) {
		const struct field *fl = &f->fields[i];
		bool focus = i == f->cur;
		ui_text(ui, row, x + 2, LABEL_W, _(fl->def.label), focus ? ROLE_SECTION : ROLE_TITLE);
		int vx = x + 2 + LABEL_W;
		ui_fill(ui, row, vx, VALUE_W, focus ? ROLE_SELECTION : ROLE_SELECTION_DIM);
		struct strbuf shown = STRBUF_INIT;
		if (fl->def.hidden) {
			for (size_t k = 0; k < fl->value.len; k++)
				if (((unsigned char)fl->value.buf[k] & 0xc0) != 0x80)
					sb_addc(&shown, '*');
		} else {
			sb_add(&shown, fl->value.buf ? fl->value.buf : "", fl->value.len);
		}
		if (focus && !fl->selected)
			sb_addc(&shown, '_');
		/* the end of a long value stays visible while typing */
		const char *t = sb_str(&shown);
		while (ui_width(t) > VALUE_W - 1 && *t) {
			t++;
			while ((*t & 0xc0) == 0x80)
				t++;
		}
		/* a selected default stands out of its field: typing replaces it */
		ui_text(ui, row, vx, VALUE_W, t,
			focus && !fl->selected ? ROLE_SELECTION : ROLE_SELECTION_DIM);
		sb_free(&shown);
		/* the reason goes under the field: room for a whole sentence */
		/* (two rows: the blank one under it too, when it needs them) */
		int rx = vx, ry = row + 1;
		if (!fl->valid && (fl->value.len || f->tried))
			ui_text_wrapped(ui, ry, rx, x + w - rx, 2, sb_str(&fl->why), ROLE_WARNING);
		else if (fl->why.len)
			ui_text_wrapped(ui, ry, rx, x + w - rx, 2, sb_str(&fl->why), ROLE_DIM);
		else if (fl->def.hint)
			ui_text_wrapped(ui, ry, rx, x + w - rx, 2, _(fl->def.hint), ROLE_DIM);
	}
	/* a refusal is read whole: as many rows as it takes, up to four */
	if (f->error.len)
		row += ui_text_wrapped(ui, row, x + 2, w - 4, 4, sb_str(&f->error), ROLE_ERROR) - 1;
	row += 2;
	ui_text(ui, row, x + 2, w - 4,
		_("Tab/Down: next field   Enter: next, on the last field stage the change   Esc: cancel"),
		ROLE_DIM);
}

static void form_free(struct screen *s)
{
	struct form *f = (struct form *)s;
	for (size_t i = 0; i < f->n; i++) {
		wipe(&f->fields[i].value);
		sb_free(&f->fields[i].why);
	}
	free(f->fields);
	free(f->title);
	sb_free(&f->error);
	if (f->ctx_free)
		f->ctx_free(f->ctx);
	free(f);
}

static void do_submit(struct form *f, struct ui *ui)
{
	validate(f);
	for (size_t i = 0; i < f->n; i++)
		if (!f->fields[i].valid) {
			f->cur = i;
			f->tried = true;
			sb_reset(&f->error);
			sb_adds(&f->error, _("Fix the field marked first."));
			return;
		}
	sb_reset(&f->error);
	if (f->submit(f, ui, &f->error) == 0) {
		unlink_screen(ui, &f->s);
		form_free(&f->s);
	} else {
		validate(f);   /* a submit may have wiped password fields */
	}
}

static bool form_key(struct screen *s, struct ui *ui, ui_key k)
{
	struct form *f = (struct form *)s;
	struct field *fl = &f->fields[f->cur];
	ui->dirty = true;
	if (k == UI_FN(KEY_F(1)))
		return false;   /* the help (? is a letter here) */
	if (k == 27) {
		ui_pop(ui);
		ui_status(ui, ROLE_STATUS, "%s", _("cancelled: nothing was staged"));
		return true;
	}
	if (k == '\t' || k == UI_FN(KEY_DOWN)) {
		fl->selected = false;
		f->cur = (f->cur + 1) % f->n;
	} else if (k == UI_FN(KEY_BTAB) || k == UI_FN(KEY_UP)) {
		fl->selected = false;
		f->cur = (f->cur + f->n - 1) % f->n;
	} else if (k == '\r' || k == '\n' || k == UI_FN(KEY_ENTER)) {
		fl->selected = false;
		if (f->cur + 1 < f->n)
			f->cur++;
		else
			do_submit(f, ui);
		return true;
	} else if (k == UI_CTRL('u')) {
		fl->selected = false;
		form_wipe(f, f->cur);
	} else if (fl->selected) {
		/* the selected default goes for the first character typed over
		 * it, or for Backspace; a key the line editor ignores keeps it */
		struct strbuf typed = STRBUF_INIT;
		if (lineedit_key(&typed, k, FORM_VALUE_MAX)) {
			form_wipe(f, f->cur);
			sb_add(&fl->value, sb_str(&typed), typed.len);
			fl->selected = false;
		}
		wipe(&typed);
	} else {
		lineedit_key(&fl->value, k, FORM_VALUE_MAX);
	}
	sb_reset(&f->error);
	validate(f);
	return true;   /* a form swallows every key (q is a letter here) */
}

static const char *const *form_keybar(struct screen *s)
{
	(void)s;
	static const char *const kb[] = {
		"Tab", N_("Next field"), "Enter", N_("Next / Stage"), "C-u", N_("Clear field"),
		"Esc", N_("Cancel"), NULL,
	};
	return kb;
}

/* For the help only: form_key reads the keys itself (every letter is
 * typed into the field, ? included). */
static const struct keydef form_keys[] = {
	{ .help = N_("A form (every letter is typed, ? included)") },
	{ .name = "Tab  Down", .help = N_("the next field") },
	{ .name = "S-Tab  Up", .help = N_("the previous field") },
	{ .name = "Enter", .help = N_("the next field; on the last one, stage the change") },
	{ .name = "C-u", .help = N_("clear the field") },
	{ .name = "Backspace", .help = N_("erase the last character") },
	{ .name = "F1", .help = N_("this help") },
	{ .name = "Esc", .help = N_("cancel: nothing is staged") },
};
static const struct keytab form_tab = KEYTAB(form_keys);

static const struct screen_ops form_ops = {
	form_draw, form_key, NULL, form_free, form_keybar, &form_tab,
};

struct screen *form_create(struct ui *ui, const char *title, const struct form_field *fields,
			   size_t n, form_submit_fn submit, void *ctx, void (*ctx_free)(void *))
{
	(void)ui;
	struct form *f = xcalloc(1, sizeof *f);
	f->s.ops = &form_ops;
	f->title = xstrdup(title);
	f->fields = xcalloc(n, sizeof *f->fields);
	f->n = n;
	for (size_t i = 0; i < n; i++) {
		f->fields[i].def = fields[i];
		sb_init(&f->fields[i].value);
		sb_init(&f->fields[i].why);
		if (fields[i].hidden) {
			/* A password: the whole room the line editor allows, at
			 * once, so that no realloc leaves a copy of what was typed
			 * so far in freed memory (the buffer is wiped, not
			 * freed copies); and no core dump may show it. */
			sb_grow(&f->fields[i].value, FORM_VALUE_MAX);
			passhash_protect_process();
		}
		if (fields[i].initial)
			sb_adds(&f->fields[i].value, fields[i].initial);
	}
	f->submit = submit;
	f->ctx = ctx;
	f->ctx_free = ctx_free;
	sb_init(&f->error);
	validate(f);
	return &f->s;
}

/* ---- dialogs ---- */

struct dialog {
	struct screen s;
	char *title;
	char *text;
	enum theme_role role;
	const char *const *choices;   /* NULL: a note */
	ask_fn answer;
	void *ctx;
	void (*ctx_free)(void *);
	/* A text longer than the box scrolls (Up, Down, PgUp, PgDn) rather
	 * than lose its last lines: the first line shown, and from the last
	 * paint how many lines there are and how many fit. */
	size_t top, nlines, shown;
};

static void dialog_draw(struct screen *s, struct ui *ui, int y, int x, int h, int w)
{
	struct dialog *dl = (struct dialog *)s;
	if (s->below)
		s->below->ops->draw(s->below, ui, y, x, h, w);
	int bw = w - 8 < 72 ? w - 8 : 72;
	char **lines;
	size_t n = ui_wrap(dl->text, bw - 4, &lines);
	int bh = (int)n + 5;
	if (bh > h)
		bh = h;
	int by = y + (h - bh) / 2, bx = x + (w - bw) / 2;
	for (int r = 0; r < bh; r++)
		ui_fill(ui, by + r, bx, bw, ROLE_NORMAL);
	/* a frame, so that the text of the pane below never seems to go on
	 * inside the question */
	for (int r = 0; r < bh && by + r < y + h; r++) {
		ui_text(ui, by + r, bx - 1, 1, ui->g->vline, ROLE_BORDER);
		ui_text(ui, by + r, bx + bw, 1, ui->g->vline, ROLE_BORDER);
	}
	if (by + bh < y + h)
		for (int c = bx - 1; c <= bx + bw; c++)
			ui_text(ui, by + bh, c, 1, ui->g->hline, ROLE_BORDER);
	size_t shown = bh > 4 ? (size_t)(bh - 4) : 0;
	if (dl->top + shown > n)
		dl->top = n > shown ? n - shown : 0;
	dl->nlines = n;
	dl->shown = shown;
	ui_fill(ui, by, bx, bw, ROLE_TITLE);
	int tw = ui_text(ui, by, bx + 1, bw - 2, dl->title, ROLE_TITLE);
	if (n > shown) {
		char more[96];
		snprintf(more, sizeof more, _("  lines %zu-%zu of %zu (Up, Down)"), dl->top + 1,
			 dl->top + shown, n);
		ui_text(ui, by, bx + 1 + tw, bw - 2 - tw, more, ROLE_TITLE);
	}
	for (size_t i = 0; i < n; i++) {
		if (i >= dl->top && i - dl->top < shown)
			ui_text(ui, by + 2 + (int)(i - dl->top), bx + 2, bw - 4, lines[i], dl->role);
		free(lines[i]);
	}
	free(lines);
	int cx = bx + 2, cy = by + bh - 2;
	if (dl->choices) {
		for (size_t i = 0; dl->choices[i] && dl->choices[i + 1]; i += 2) {
			cx += ui_text(ui, cy, cx, bx + bw - cx, dl->choices[i], ROLE_KEY);
			cx += ui_text(ui, cy, cx, bx + bw - cx, " ", ROLE_NORMAL);
			cx += ui_text(ui, cy, cx, bx + bw - cx, _(dl->choices[i + 1]), ROLE_NORMAL);
			cx += ui_text(ui, cy, cx, bx + bw - cx, "   ", ROLE_NORMAL);
		}
	} else {
		ui_text(ui, cy, cx, bw - 4, _("Press any key to close."), ROLE_DIM);
	}
	ui_fill(ui, by + bh - 1, bx, bw, ROLE_BORDER);
}

static void dialog_free(struct screen *s)
{
	struct dialog *dl = (struct dialog *)s;
	free(dl->title);
	if (dl->text) {
		/* a note may hold a generated password */
		explicit_bzero(dl->text, strlen(dl->text));
		free(dl->text);
	}
	if (dl->ctx_free)
		dl->ctx_free(dl->ctx);
	free(dl);
}

/* Up, Down, PgUp, PgDn move a text that does not fit its box. */
static bool dialog_scroll(struct dialog *dl, ui_key k)
{
	if (dl->nlines <= dl->shown)
		return false;
	size_t last = dl->nlines - dl->shown, page = dl->shown > 1 ? dl->shown - 1 : 1;
	if (k == UI_FN(KEY_UP))
		dl->top = dl->top ? dl->top - 1 : 0;
	else if (k == UI_FN(KEY_DOWN))
		dl->top = dl->top < last ? dl->top + 1 : last;
	else if (k == UI_FN(KEY_PPAGE))
		dl->top = dl->top > page ? dl->top - page : 0;
	else if (k == UI_FN(KEY_NPAGE))
		dl->top = dl->top + page < last ? dl->top + page : last;
	else
		return false;
	return true;
}

static bool dialog_key(struct screen *s, struct ui *ui, ui_key k)
{
	struct dialog *dl = (struct dialog *)s;
	ui->dirty = true;
	if (k == UI_FN(KEY_RESIZE))
		return false;
	if (dialog_scroll(dl, k))
		return true;
	if (!dl->choices) {
		ui_pop(ui);
		return true;
	}
	int chosen = 0;
	if (k == 27)
		chosen = 27;
	for (size_t i = 0; !chosen && dl->choices[i] && dl->choices[i + 1]; i += 2) {
		int c = (unsigned char)dl->choices[i][0];
		if (k == c || (k < 128 && k >= 'A' && k <= 'Z' && k + 32 == c && dl->choices[i][1] == 0))
			chosen = c;
	}
	if (!chosen)
		return true;   /* other keys are ignored: the question waits */
	ask_fn fn = dl->answer;
	void *ctx = dl->ctx;
	void (*cf)(void *) = dl->ctx_free;
	dl->ctx_free = NULL;
	unlink_screen(ui, s);
	dialog_free(s);
	fn(ui, ctx, chosen);
	if (cf)
		cf(ctx);
	return true;
}

static const char *const *dialog_keybar(struct screen *s)
{
	struct dialog *dl = (struct dialog *)s;
	/* "any key" is words, not a key's name: translated (the bar draws
	 * key names as they are). */
	static const char *note_kb[] = { NULL, N_("Close"), NULL };
	note_kb[0] = _("any key");
	return dl->choices ? dl->choices : note_kb;
}

static const struct screen_ops dialog_ops = {
	dialog_draw, dialog_key, NULL, dialog_free, dialog_keybar, NULL,
};

struct screen *form_ask_create(struct ui *ui, const char *title, const char *text,
			       const char *const *choices, ask_fn answer, void *ctx,
			       void (*ctx_free)(void *))
{
	(void)ui;
	struct dialog *dl = xcalloc(1, sizeof *dl);
	dl->s.ops = &dialog_ops;
	dl->title = xstrdup(title);
	dl->text = xstrdup(text);
	dl->role = ROLE_NORMAL;
	dl->choices = choices;
	dl->answer = answer;
	dl->ctx = ctx;
	dl->ctx_free = ctx_free;
	return &dl->s;
}

struct screen *form_note_create(struct ui *ui, const char *title, const char *text,
				enum theme_role role)
{
	(void)ui;
	struct dialog *dl = xcalloc(1, sizeof *dl);
	dl->s.ops = &dialog_ops;
	dl->title = xstrdup(title);
	dl->text = xstrdup(text);
	dl->role = role;
	return &dl->s;
}
