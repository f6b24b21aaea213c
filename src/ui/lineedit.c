/* The one line editor of the interface (the filters, the form's fields): a
 * UTF-8 string that grows by typed characters and shrinks by whole
 * characters, never by a byte in the middle of one; and what the status
 * line says of a filter, the same in every view that has one. */
#include "config.h"

#include <string.h>
#include <wchar.h>

#include "ui_int.h"
#include "vmailadm/i18n.h"

bool lineedit_key(struct strbuf *line, ui_key k, size_t max)
{
	if (k == UI_FN(KEY_BACKSPACE) || k == 127 || k == 8) {
		/* drop the last character, not the last byte */
		size_t n = line->len;
		while (n > 0 && ((unsigned char)line->buf[n - 1] & 0xc0) == 0x80)
			n--;
		sb_truncate(line, n ? n - 1 : 0);
		return true;
	}
	if (k >= ' ' && k != 127) {
		char mb[8];
		mbstate_t st;
		memset(&st, 0, sizeof st);
		size_t n = wcrtomb(mb, (wchar_t)k, &st);
		if (n != (size_t)-1 && line->len < max)
			sb_add(line, mb, n);
		return true;
	}
	return false;
}

void lineedit_filter_status(struct ui *ui, const struct strbuf *filter, bool typing)
{
	if (typing)
		ui_status(ui, ROLE_FILTER, _("Filter: %s_   (Enter keeps it, Esc clears it)"),
			  sb_str(filter));
	else if (filter->len)
		ui_status(ui, ROLE_FILTER, _("Filter: %s   (Esc clears it)"), sb_str(filter));
	else
		ui_status(ui, ROLE_STATUS, "%s", "");
}
