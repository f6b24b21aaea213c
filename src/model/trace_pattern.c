/* The tracer's pattern tables, matched as Postfix matches them: regexp:
 * through POSIX regcomp (dict_regexp.c), pcre: through libpcre2, the
 * library Postfix itself links (dict_pcre.c), so that \d, lookahead and
 * non-greedy quantifiers mean what they mean to Postfix. Rules inside
 * "if /re/ ... endif" blocks apply only when every block around them
 * matches; "!/re/" rules when their pattern does not; regexp's
 * "/p1/!/p2/" when p1 matches and p2 does not; "$n" in a result is the
 * n-th group. */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "trace_int.h"
#include "vmailadm/i18n.h"
#include "vmailadm/strbuf.h"
#include "vmailadm/table.h"
#include "vmailadm/xalloc.h"

/* A compiled pattern of either kind. */
struct matcher {
	bool ok;
	bool pcre;
	regex_t re;
	pcre2_code *code;
	pcre2_match_data *md;
	size_t groups;       /* capture groups in the pattern */
};

/* A compiled "if" block. */
struct ccond {
	const struct table_cond *c;
	struct matcher m;
	struct ccond *parent;
};

struct capture {
	long so, eo;
};

/* Compile pattern with flags the way dict_pcre (pcre) or dict_regexp
 * does; false with a warning where Postfix skips the rule. */
static bool matcher_compile(struct tracer *t, const char *file, unsigned line, const char *pattern,
			    const char *flags, bool pcre, struct matcher *m)
{
	memset(m, 0, sizeof *m);
	m->pcre = pcre;
	if (pcre) {
		uint32_t opts = PCRE2_CASELESS | PCRE2_DOTALL;
		for (const char *f = flags; *f; f++)
			switch (*f) {
			case 'i': opts ^= PCRE2_CASELESS; break;
			case 'm': opts ^= PCRE2_MULTILINE; break;
			case 's': opts ^= PCRE2_DOTALL; break;
			case 'x': opts ^= PCRE2_EXTENDED; break;
			case 'A': opts ^= PCRE2_ANCHORED; break;
			case 'E': opts ^= PCRE2_DOLLAR_ENDONLY; break;
			case 'U': opts ^= PCRE2_UNGREEDY; break;
			default: break;   /* X: obsolete, ignored by Postfix too */
			}
		int err;
		PCRE2_SIZE off;
		m->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &err, &off, NULL);
		if (!m->code) {
			PCRE2_UCHAR buf[256];
			pcre2_get_error_message(err, buf, sizeof buf);
			diag_warn(&t->warn, file, line,
				  _("error in regex at offset %zu: %s: Postfix skips this rule"),
				  (size_t)off, (const char *)buf);
			return false;
		}
		uint32_t n = 0;
		pcre2_pattern_info(m->code, PCRE2_INFO_CAPTURECOUNT, &n);
		m->groups = n;
		m->md = pcre2_match_data_create_from_pattern(m->code, NULL);
		m->ok = true;
		return true;
	}
	int cflags = REG_EXTENDED | REG_ICASE;
	for (const char *f = flags; *f; f++) {
		if (*f == 'i') {
			cflags ^= REG_ICASE;
		} else if (*f == 'x') {
			cflags ^= REG_EXTENDED;
		} else if (*f == 'm') {
			cflags ^= REG_NEWLINE;
		} else {
			diag_warn(&t->warn, file, line,
				  _("unknown regexp option \"%c\": skipping this rule"), *f);
			return false;
		}
	}
	int rc = regcomp(&m->re, pattern, cflags);
	if (rc != 0) {
		char buf[256];
		regerror(rc, &m->re, buf, sizeof buf);
		diag_warn(&t->warn, file, line,
			  _("bad regular expression (%s): Postfix refuses this table"), buf);
		return false;
	}
	m->groups = m->re.re_nsub;
	m->ok = true;
	return true;
}

static void matcher_free(struct matcher *m)
{
	if (!m->ok)
		return;
	if (m->pcre) {
		pcre2_match_data_free(m->md);
		pcre2_code_free(m->code);
	} else {
		regfree(&m->re);
	}
	m->ok = false;
}

/* Does subject match? cap (10 slots) gets the groups. */
static bool matcher_exec(const struct matcher *m, const char *subject, struct capture *cap)
{
	for (size_t i = 0; i < 10; i++)
		cap[i].so = cap[i].eo = -1;
	if (m->pcre) {
		int rc = pcre2_match(m->code, (PCRE2_SPTR)subject, PCRE2_ZERO_TERMINATED, 0, 0, m->md,
				     NULL);
		if (rc <= 0)
			return false;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
		for (int i = 0; i < rc && i < 10; i++)
			if (ov[2 * i] != PCRE2_UNSET) {
				cap[i].so = (long)ov[2 * i];
				cap[i].eo = (long)ov[2 * i + 1];
			}
		return true;
	}
	regmatch_t pm[10];
	if (regexec(&m->re, subject, 10, pm, 0) != 0)
		return false;
	for (size_t i = 0; i < 10; i++) {
		cap[i].so = pm[i].rm_so;
		cap[i].eo = pm[i].rm_eo;
	}
	return true;
}

/* The highest $n of a result (mac_parse's $n, ${n}, $$), or -1 when it
 * names something that is no number (Postfix: "bad replacement syntax"). */
static long max_group(const char *value)
{
	long max = 0;
	for (const char *p = value; *p; p++) {
		if (*p != '$')
			continue;
		if (p[1] == '$') {
			p++;
			continue;
		}
		const char *q = p + 1;
		char close = *q == '{' ? '}' : *q == '(' ? ')' : 0;
		if (close)
			q++;
		long n = 0;
		const char *d = q;
		while (isdigit((unsigned char)*q))
			n = n * 10 + (*q++ - '0');
		if (q == d || n < 1 || (close && *q != close) ||
		    (!close && (isalpha((unsigned char)*q) || *q == '_')))
			return -1;
		if (n > max)
			max = n;
		p = close ? q : q - 1;
	}
	return max;
}

/* The result of a rule with $n, ${n} and $$ replaced. */
static char *substitute(const char *value, const char *subject, const struct capture *cap)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = value; *p; p++) {
		if (*p != '$') {
			sb_addc(&sb, *p);
			continue;
		}
		if (p[1] == '$') {
			sb_addc(&sb, '$');
			p++;
			continue;
		}
		const char *q = p + 1;
		bool close = *q == '{' || *q == '(';
		if (close)
			q++;
		size_t n = 0;
		while (isdigit((unsigned char)*q))
			n = n * 10 + (size_t)(*q++ - '0');
		if (n < 10 && cap[n].so >= 0)
			sb_add(&sb, subject + cap[n].so, (size_t)(cap[n].eo - cap[n].so));
		p = close ? q : q - 1;
	}
	char *s = sb_detach(&sb);
	return s ? s : xstrdup("");
}

/* The "if" at event c compiled as Postfix would; the block it opens (inside
 * parent), or NULL when Postfix skips it: then the next "endif" closes the
 * block around it instead (dict_regexp_open, dict_pcre_open). */
static struct ccond *cond_open(struct tracer *t, struct tmap *m, const struct table_cond *c,
			       struct ccond *parent, bool pcre)
{
	struct ccond *cc = xcalloc(1, sizeof *cc);
	cc->c = c;
	cc->parent = parent;
	m->conds = xreallocarray(m->conds, m->nconds + 1, sizeof *m->conds);
	m->conds[m->nconds++] = cc;
	if (!matcher_compile(t, m->file, c->line, c->pattern, c->flags, pcre, &cc->m))
		return NULL;
	return cc;
}

void trace_pattern_compile(struct tracer *t, struct tmap *m)
{
	bool pcre = strcmp(m->ref->type, "pcre") == 0;
	size_t n = table_count(m->table), nev, ev = 0;
	const struct table_event *events = table_events(m->table, &nev);
	m->rules = xcalloc(n ? n : 1, sizeof *m->rules);
	m->nrules = n;
	struct ccond *open = NULL;   /* the innermost block Postfix has open */
	for (size_t i = 0; i <= n; i++) {
		const struct table_entry *e = i < n ? table_entry(m->table, i) : NULL;
		/* the "if" and "endif" lines before this rule, paired as Postfix
		 * pairs them: an "if" it skips opens nothing, an "endif" with
		 * nothing open is ignored */
		for (; ev < nev && (!e || events[ev].line < e->line); ev++) {
			if (events[ev].cond) {
				struct ccond *cc = cond_open(t, m, events[ev].cond, open, pcre);
				if (cc)
					open = cc;
			} else if (open) {
				open = open->parent;
			}
		}
		if (!e)
			break;
		struct rule *r = &m->rules[i];
		r->e = e;
		r->cond = open;
		r->max_sub = max_group(e->value);
		if (r->max_sub < 0) {
			diag_warn(&t->warn, m->file, e->line,
				  _("bad replacement syntax: skipping this rule"));
			continue;
		}
		if (r->max_sub > 0 && e->rule->negated) {
			diag_warn(&t->warn, m->file, e->line,
				  _("$number found in negative match replacement text: skipping this rule"));
			continue;
		}
		if (e->rule->second && pcre) {
			/* dict_pcre knows no second pattern: '!' is an option to it */
			diag_warn(&t->warn, m->file, e->line,
				  _("unknown regexp option \"%c\": skipping this rule"), '!');
			continue;
		}
		r->m = xcalloc(1, sizeof *r->m);
		if (!matcher_compile(t, m->file, e->line, e->lookup_key, e->rule->flags, pcre,
				     r->m))
			continue;
		if (e->rule->second) {
			r->m2 = xcalloc(1, sizeof *r->m2);
			if (!matcher_compile(t, m->file, e->line, e->rule->second, e->rule->second_flags,
					     false, r->m2)) {
				matcher_free(r->m);   /* Postfix drops the whole rule */
				continue;
			}
		}
		if ((size_t)r->max_sub > r->m->groups) {
			diag_warn(&t->warn, m->file, e->line,
				  _("out of range replacement index \"%ld\": skipping this rule"),
				  r->max_sub);
			matcher_free(r->m);
		}
	}
}

void trace_pattern_free(struct tmap *m)
{
	for (size_t k = 0; k < m->nrules; k++) {
		if (m->rules[k].m)
			matcher_free(m->rules[k].m);
		free(m->rules[k].m);
		if (m->rules[k].m2)
			matcher_free(m->rules[k].m2);
		free(m->rules[k].m2);
	}
	free(m->rules);
	for (size_t k = 0; k < m->nconds; k++) {
		matcher_free(&m->conds[k]->m);
		free(m->conds[k]);
	}
	free(m->conds);
}

/* Every "if" block around a rule matches key. */
static bool conds_hold(const struct ccond *c, const char *key)
{
	struct capture cap[10];
	for (; c; c = c->parent)
		if (matcher_exec(&c->m, key, cap) == c->c->negated)
			return false;
	return true;
}

bool trace_pattern_lookup(const struct tmap *m, const char *key, bool no_regsub, struct hit *h)
{
	for (size_t k = 0; k < m->nrules; k++) {
		const struct rule *r = &m->rules[k];
		if (!r->m || !r->m->ok)
			continue;
		/* virtual(8) opens its maps with DICT_FLAG_NO_REGSUB: a rule with
		 * $n is not loaded at all there */
		if (no_regsub && r->max_sub > 0)
			continue;
		if (!conds_hold(r->cond, key))
			continue;
		struct capture cap[10], cap2[10];
		if (matcher_exec(r->m, key, cap) == r->e->rule->negated)
			continue;
		if (r->m2 && matcher_exec(r->m2, key, cap2) == r->e->rule->second_negated)
			continue;
		h->map = m;
		h->line = r->e->line;
		h->value = strchr(r->e->value, '$') ? substitute(r->e->value, key, cap)
						    : xstrdup(r->e->value);
		return true;
	}
	return false;
}
