/* The grammar of one logical line of a Postfix lookup-table source, as
 * postmap(1) and match_list read it: the key and value of an indexed
 * table, the words of a /file/name list, and the warnings both give. One
 * owner for table.c (the documents) and tableidx.c (the read-only index). */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"
#include "vmailadm/ascii.h"
#include "vmailadm/i18n.h"
#include "vmailadm/xalloc.h"

const char *tableline_trim(const char *s, size_t n, size_t *len)
{
	while (n > 0 && ascii_is_ws(*s)) {
		s++;
		n--;
	}
	while (n > 0 && ascii_is_ws(s[n - 1]))
		n--;
	*len = n;
	return s;
}

bool tableline_key_end(const char *s, size_t n, size_t *len)
{
	bool inq = false;
	size_t i = 0;
	for (; i < n; i++) {
		if (s[i] == '\\') {
			if (++i >= n)
				break;
		} else if (ascii_is_ws(s[i])) {
			if (!inq)
				break;
		} else if (s[i] == '"') {
			inq = !inq;
		}
	}
	*len = i;
	return !inq;
}

bool tableline_indexed(const char *s, size_t n, const char *name, unsigned line, size_t *klen,
		       const char **value, size_t *vlen, struct diags *d)
{
	if (!tableline_key_end(s, n, klen)) {
		char *c = xmemdup0(s, n);
		diag_error(d, name, line, _("unbalanced '\"' in '%.60s' -- ignoring this line"), c);
		free(c);
		return false;
	}
	*value = tableline_trim(s + *klen, n - *klen, vlen);
	if (*klen == 0 || *vlen == 0) {
		diag_error(d, name, line, _("expected format: key whitespace value"));
		return false;
	}
	if (s[*klen - 1] == ':')
		diag_warn(d, name, line,
			  _("record is in \"key: value\" format; is this an alias file?"));
	return true;
}

bool tableline_word(const char *s, size_t n, size_t *pos, size_t *start, size_t *len)
{
	size_t i = *pos;
	while (i < n && (s[i] == ',' || ascii_is_ws(s[i])))
		i++;
	if (i >= n) {
		*pos = i;
		return false;
	}
	*start = i;
	bool inq = false;
	for (; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '"')
			inq = !inq;
		else if (!inq && (s[i] == ',' || ascii_is_ws(s[i])))
			break;
	}
	*len = i - *start;
	*pos = i;
	return true;
}

bool tableline_list_next(const char *s, size_t n, size_t *pos, size_t *start, size_t *len,
			 const char *name, unsigned line, struct diags *d)
{
	if (!tableline_word(s, n, pos, start, len))
		return false;
	if (s[*start] == '#') {
		char *c = xmemdup0(s + *start, n - *start);
		diag_warn(d, name, line, _("comment at end of line is not supported: %.60s"), c);
		free(c);
		return false;
	}
	return true;
}

void tableline_duplicate(struct diags *d, const char *name, enum table_syntax syntax,
			 unsigned line, const char *key, unsigned first_line)
{
	if (syntax == TABLE_LIST)
		diag_warn(d, name, line, _("\"%s\" is already listed on line %u"), key, first_line);
	else
		diag_warn(d, name, line,
			  _("duplicate entry: \"%s\" (first on line %u, which Postfix uses)"), key,
			  first_line);
}

/* The value of an entry, address by address (table_value_next): the
 * grammar of the value, as the key's is above. */
static const char *skip_comment(const char *p)
{
	int depth = 0;
	for (; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
	}
	return p;
}

bool table_value_next(const char **cursor, const char **start, size_t *len)
{
	const char *p = *cursor;
	/* separators, and comments: tok822 drops "(Info desk)". Only a
	 * comment standing apart: a '(' inside a word stays in it, for the
	 * address checks to refuse */
	while (*p == ',' || *p == '(' || isspace((unsigned char)*p))
		p = *p == '(' ? skip_comment(p) : p + 1;
	if (!*p) {
		*cursor = p;
		return false;
	}
	const char *s = p;
	bool quoted = false;
	for (; *p; p++) {
		if (quoted && *p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == ',' || isspace((unsigned char)*p)))
			break;
	}
	*start = s;
	*len = (size_t)(p - s);
	*cursor = p;
	return true;
}
