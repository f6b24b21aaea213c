/* master.cf for `sendas enable|disable` (issue 15): a service that sets its
 * own smtpd_sender_restrictions with -o (a submission listener often does)
 * does not see main.cf's, so the login mismatch restriction goes into its
 * -o too; "-o smtpd_sender_restrictions=$name" names a main.cf parameter,
 * which the caller edits instead. Every other line, comment and byte of the
 * file stays as it is. The "-o { name = value }" form (Postfix 3.0) is
 * not rewritten: a service that sets its restrictions that way without the
 * mismatch restriction is named (sendas_master_braced), and enable refuses
 * rather than claim a protection that listener would not have. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "stage_int.h"
#include "vmailadm/sendas.h"
#include "vmailadm/xalloc.h"

static const char sendas_master_param[] = "smtpd_sender_restrictions=";

/* "$name" or "${name}": name (a new string), else NULL. */
static char *sendas_master_ref(const char *v, size_t len)
{
	if (len < 2 || v[0] != '$')
		return NULL;
	size_t a = 1, b = len;
	if (v[1] == '{' || v[1] == '(') {
		if (v[len - 1] != (v[1] == '{' ? '}' : ')'))
			return NULL;
		a = 2;
		b = len - 1;
	}
	for (size_t i = a; i < b; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '_')
			return NULL;
	return b > a ? xmemdup0(v + a, b - a) : NULL;
}

/* One line of master.cf with its -o smtpd_sender_restrictions=V edited into
 * out; a V that names a parameter goes to params. Returns whether the line
 * changed. */
static bool sendas_master_line(const char *line, size_t len, bool add, struct sendas_list *params,
			       struct strbuf *out)
{
	bool changed = false, after_o = false;
	size_t i = 0;
	while (i < len) {
		size_t ws = i;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		sb_add(out, line + ws, i - ws);
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		const char *w = line + start;
		size_t wl = i - start, pl = sizeof sendas_master_param - 1;
		if (after_o && wl >= pl && strncmp(w, sendas_master_param, pl) == 0) {
			char *v = xmemdup0(w + pl, wl - pl);
			char *ref = sendas_master_ref(v, wl - pl);
			char *nv = ref ? NULL : sendas_restriction_edit(v, add, ",");
			if (ref)
				sendas_list_add(params, ref);
			if (nv) {
				sb_add(out, w, pl);
				sb_adds(out, nv);
				changed = true;
			} else {
				sb_add(out, w, wl);
			}
			free(nv);
			free(ref);
			free(v);
		} else {
			sb_add(out, w, wl);
		}
		after_o = wl == 2 && strncmp(w, "-o", 2) == 0;
	}
	return changed;
}

char *sendas_master_edit(const char *text, size_t len, bool add, struct sendas_list *params, size_t *edits)
{
	struct strbuf out = STRBUF_INIT;
	*edits = 0;
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len, next = nl ? end + 1 : len;
		if (end > pos && text[end - 1] == '\r')
			end--;   /* the line end, kept as it is */
		const char *line = text + pos;
		size_t ll = end - pos, k = 0;
		while (k < ll && (line[k] == ' ' || line[k] == '\t'))
			k++;
		/* Postfix skips a comment line; an indented line continues the
		 * last service line above it, whatever comments lie between. */
		size_t before = out.len;
		if (k < ll && line[k] != '#' && sendas_master_line(line, ll, add, params, &out)) {
			(*edits)++;
		} else {
			sb_truncate(&out, before);
			sb_add(&out, line, ll);
		}
		sb_add(&out, text + end, next - end);
		pos = next;
	}
	if (!*edits) {
		sb_free(&out);
		return NULL;
	}
	return sb_detach(&out);
}

/* The line (from 1) of the first "-o { smtpd_sender_restrictions = ... }"
 * of a service, outside comments and possibly over continuation lines,
 * whose value has no *_sender_login_mismatch restriction; 0 when none. */
unsigned sendas_master_braced(const char *text, size_t len)
{
	/* Comment lines blanked (newlines kept), so that a scan across lines
	 * sees only what Postfix reads. */
	char *t = xmemdup0(text, len);
	for (size_t pos = 0; pos < len;) {
		size_t k = pos;
		while (k < len && (t[k] == ' ' || t[k] == '\t'))
			k++;
		const char *nl = memchr(t + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - t) : len;
		if (k < end && t[k] == '#')
			memset(t + k, ' ', end - k);
		pos = end + 1;
	}
	unsigned found = 0;
	const size_t pl = sizeof sendas_master_param - 2;   /* the name, without '=' */
	for (size_t i = 0; i + 2 < len && !found; i++) {
		if (t[i] != '-' || t[i + 1] != 'o' || (i && !isspace((unsigned char)t[i - 1])))
			continue;
		size_t j = i + 2;
		while (j < len && isspace((unsigned char)t[j]))
			j++;
		if (j == i + 2 || j >= len || t[j] != '{')
			continue;
		const char *close = memchr(t + j, '}', len - j);
		if (!close)
			break;
		const char *c = t + j + 1;
		while (c < close && isspace((unsigned char)*c))
			c++;
		const char *eq = c + pl;
		while (eq < close && isspace((unsigned char)*eq))
			eq++;
		if (close - c > (long)pl && strncmp(c, sendas_master_param, pl) == 0 && *eq == '=') {
			char *v = xmemdup0(eq + 1, (size_t)(close - eq - 1));
			for (char *q = v; *q; q++)
				if (*q == '\n' || *q == '\t')
					*q = ' ';
			char *edited = sendas_restriction_edit(v, true, ",");
			if (edited) {   /* the restriction would be added: it is missing */
				found = 1;
				for (size_t k = 0; k < i; k++)
					found += text[k] == '\n';
			}
			free(edited);
			free(v);
		}
		i = (size_t)(close - t);
	}
	free(t);
	return found;
}
