/* The interface's drawing helpers: text sanitised and cut or wrapped by
 * display width (a character the terminal cannot show becomes '?', a cut
 * ends with an ellipsis), drawn in a theme role; the status line's
 * message; sizes in binary units. ui.c owns the terminal and the loop. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ui_int.h"
#include "vmailadm/ascii.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/xalloc.h"

static wchar_t ellipsis = L'~';   /* L'…' in a UTF-8 locale */

void ui_draw_set_utf8(bool utf8)
{
	ellipsis = utf8 ? L'\u2026' : L'~';
}

/* Sanitise s, then cut it to width columns on a character boundary; a
 * character the terminal cannot show (wcwidth < 0) becomes '?'. */
/* raw: the program's own text (a key's name such as \), drawn as it is;
 * otherwise control bytes and backslashes are escaped (text from files). */
static size_t to_wide(const char *s, bool raw, int width, wchar_t *out, size_t max, int *used)
{
	struct strbuf sb = STRBUF_INIT;
	if (raw)
		sb_adds(&sb, s);
	else
		sb_add_printable(&sb, s, strlen(s));
	mbstate_t st;
	memset(&st, 0, sizeof st);
	const char *p = sb_str(&sb);
	size_t left = sb.len, n = 0;
	int cols = 0;
	while (left && n + 1 < max) {
		wchar_t wc;
		size_t r = mbrtowc(&wc, p, left, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			wc = L'?';
			r = 1;
			memset(&st, 0, sizeof st);
		}
		int cw = wcwidth(wc);
		if (cw < 0) {
			wc = L'?';
			cw = 1;
		}
		if (cols + cw > width) {
			/* cut: end with an ellipsis when there is room for one */
			while (n > 0 && cols + 1 > width)
				cols -= wcwidth(out[--n]) > 0 ? wcwidth(out[n]) : 1;
			if (n > 0 || width >= 1) {
				out[n++] = ellipsis;
				cols += 1;
			}
			break;
		}
		out[n++] = wc;
		cols += cw;
		p += r;
		left -= r;
	}
	out[n] = 0;
	sb_free(&sb);
	*used = cols;
	return n;
}

static attr_t role_attr(struct ui *ui, enum theme_role role)
{
	if (ui->row_role >= 0)
		return ui->attr[ui->row_role];
	return ui->attr[role];
}

static int ui_draw(struct ui *ui, int y, int x, int width, const char *s, bool raw,
		   enum theme_role role)
{
	if (width <= 0 || !s)
		return 0;
	wchar_t buf[512];
	int used;
	size_t n = to_wide(s, raw, width, buf, sizeof buf / sizeof buf[0], &used);
	attrset(role_attr(ui, role));
	mvaddnwstr(y, x, buf, (int)n);
	return used;
}

int ui_text(struct ui *ui, int y, int x, int width, const char *s, enum theme_role role)
{
	return ui_draw(ui, y, x, width, s, false, role);
}

int ui_label(struct ui *ui, int y, int x, int width, const char *s, enum theme_role role)
{
	return ui_draw(ui, y, x, width, s, true, role);
}

int ui_text_right(struct ui *ui, int y, int x, int width, const char *s, enum theme_role role)
{
	int w = ui_width(s);
	if (w > width)
		w = width;
	return ui_text(ui, y, x + width - w, w, s, role);
}

void ui_fill(struct ui *ui, int y, int x, int width, enum theme_role role)
{
	if (width <= 0)
		return;
	attrset(role_attr(ui, role));
	mvhline(y, x, ' ', width);
}

int ui_width(const char *s)
{
	wchar_t buf[512];
	int used;
	to_wide(s, false, 1 << 20, buf, sizeof buf / sizeof buf[0], &used);
	return used;
}

size_t ui_fit(const char *s, int width)
{
	size_t i = 0, len = strlen(s);
	int cols = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	while (i < len) {
		/* one raw unit: a valid character, or one byte */
		size_t r = mbrtowc(NULL, s + i, len - i, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
			r = 1;
			memset(&st, 0, sizeof st);
		}
		char unit[8];
		memcpy(unit, s + i, r < sizeof unit - 1 ? r : sizeof unit - 1);
		unit[r < sizeof unit - 1 ? r : sizeof unit - 1] = 0;
		int w = ui_width(unit);
		if (cols + w > width)
			break;
		cols += w;
		i += r;
	}
	return i;
}

void ui_status(struct ui *ui, enum theme_role role, const char *fmt, ...)
{
	va_list ap;
	sb_reset(&ui->status);
	va_start(ap, fmt);
	sb_vaddf(&ui->status, fmt, ap);
	va_end(ap);
	ui->status_role = role;
	ui->dirty = true;
}

size_t ui_wrap(const char *text, int width, char ***out)
{
	char **v = NULL;
	size_t n = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xmemdup0(p, len);
		char *q = line;
		do {
			size_t fit = ui_fit(q, width);
			if (q[fit] && fit > 0) {   /* break at the last space that fits */
				size_t sp = fit;
				while (sp > 0 && q[sp] != ' ')
					sp--;
				if (sp > 0)
					fit = sp;
			}
			if (fit == 0 && *q)
				fit = 1;
			v = xreallocarray(v, n + 1, sizeof *v);
			v[n++] = xmemdup0(q, fit);
			q += fit;
			while (*q == ' ')
				q++;
		} while (*q);
		free(line);
		p += len;
		if (*p == '\n')
			p++;
	}
	*out = v;
	return n;
}

void ui_wrap_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

int ui_text_wrapped(struct ui *ui, int y, int x, int width, int maxrows, const char *text,
		    enum theme_role role)
{
	char **lines;
	size_t n = ui_wrap(text, width, &lines);
	int rows = 0;
	for (size_t i = 0; i < n && rows < maxrows; i++, rows++) {
		/* the last row that fits ends with the ellipsis when more follows */
		if (rows == maxrows - 1 && i + 1 < n) {
			char *rest = xasprintf("%s %s", lines[i], lines[i + 1]);
			ui_text(ui, y + rows, x, width, rest, role);
			free(rest);
		} else {
			ui_text(ui, y + rows, x, width, lines[i], role);
		}
	}
	ui_wrap_free(lines, n);
	return rows ? rows : 1;
}

int ui_text_para(struct ui *ui, int y, int x, int width, int ymax, int indent, const char *text,
		 enum theme_role role)
{
	if (width - indent < 1)
		return y;
	char **lines;
	size_t n = ui_wrap(text, width - indent, &lines);
	for (size_t i = 0; i < n && y < ymax; i++)
		ui_text(ui, y++, x + indent, width - indent, lines[i], role);
	ui_wrap_free(lines, n);
	return y;
}

char *ui_one_line(const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = value ? value : ""; *p; p++) {
		if (ascii_is_ws(*p)) {
			while (ascii_is_ws(p[1]))
				p++;
			sb_addc(&sb, ' ');
		} else {
			sb_addc(&sb, *p);
		}
	}
	char *r = xstrdup(sb_str(&sb));
	sb_free(&sb);
	return r;
}
