/* An edited file's staged bytes as the bytes read with a few spans
 * replaced (issue 16): a staging splices its lines into these spans, and
 * the whole file is made (into cur) only when something reads it, the
 * plan or a world loaded again. At 100,000 mailboxes a whole copy of the
 * passwd-file (28 MB) and of each edited map (6 MB) was held from the
 * first edit on, beside the bytes read that the interface's world holds. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "stage_int.h"
#include "vmailadm/xalloc.h"

/* old's [off, off + len) replaced by text's [at, at + n); sorted by off,
 * never overlapping */
struct stagedit_span {
	size_t off, len, at, n;
};
struct stagedit {
	struct stagedit_span *v;
	size_t n;
	struct strbuf text;
	size_t len;    /* the staged bytes' length */
	bool whole;    /* cur holds them too (stagedit_whole) */
};

void stagedit_free(struct staged_file *f)
{
	struct stagedit *e = f->edits;
	if (!e)
		return;
	if (e->whole)
		stagefile_cur_release(&f->cur, &f->cur_map);
	free(e->v);
	sb_free(&e->text);
	free(e);
	f->edits = NULL;
}

size_t stagedit_len(const struct staged_file *f)
{
	return f->edits->len;
}

/* The staged bytes [from, to) appended to out. */
static void stagedit_render(const struct staged_file *f, size_t from, size_t to, struct strbuf *out)
{
	const struct stagedit *e = f->edits;
	size_t pos = 0, opos = 0;
	for (size_t i = 0; i <= e->n && pos < to; i++) {
		/* what old keeps before span i (or up to its end), then span i */
		size_t keep = (i < e->n ? e->v[i].off : f->old.len) - opos;
		const char *part[2] = { sb_str(&f->old) + opos, i < e->n ? sb_str(&e->text) + e->v[i].at : NULL };
		size_t plen[2] = { keep, i < e->n ? e->v[i].n : 0 };
		for (size_t k = 0; k < 2; k++) {
			size_t a = from > pos ? from - pos : 0, b = to - pos < plen[k] ? to - pos : plen[k];
			if (a < b)
				sb_add(out, part[k] + a, b - a);
			pos += plen[k];
			if (pos >= to)
				break;
		}
		if (i < e->n)
			opos = e->v[i].off + e->v[i].len;
	}
}

const struct strbuf *stagedit_whole(struct staged_file *f)
{
	struct stagedit *e = f->edits;
	if (!e->whole) {
		stagefile_cur_release(&f->cur, &f->cur_map);
		sb_grow(&f->cur, e->len + 1);
		stagedit_render(f, 0, e->len, &f->cur);
		e->whole = true;
	}
	return &f->cur;
}

bool stagedit_is_whole(const struct staged_file *f)
{
	return f->edits->whole;
}

void stagedit_drop_whole(struct staged_file *f)
{
	if (f->edits && f->edits->whole) {
		stagefile_cur_release(&f->cur, &f->cur_map);
		f->edits->whole = false;
	}
}

void stagedit_begin(struct staged_file *f)
{
	stagefile_cur_release(&f->cur, &f->cur_map);
	f->edits = xcalloc(1, sizeof *f->edits);
	f->edits->len = f->old.len;
	f->edited = true;
	f->same_head = 0;   /* as stagefile_set */
}

void stagedit_splice(struct staged_file *f, size_t off, size_t len, const char *text, size_t n)
{
	struct stagedit *e = f->edits;
	stagedit_drop_whole(f);
	/* the spans that overlap or touch [off, off + len) in the staged
	 * bytes, [i0, i1), merged with it into one; delta: what the spans
	 * before i0 added to the length */
	size_t i0 = 0, cs = 0;
	long long delta = 0;
	while (i0 < e->n) {
		cs = (size_t)((long long)e->v[i0].off + delta);
		if (cs + e->v[i0].n >= off)
			break;
		delta += (long long)e->v[i0].n - (long long)e->v[i0].len;
		i0++;
	}
	size_t i1 = i0, lo = off, hi = off + len;
	size_t old_lo = (size_t)((long long)off - delta);
	long long d = delta;
	while (i1 < e->n) {
		size_t s = (size_t)((long long)e->v[i1].off + d);
		if (s > off + len)
			break;
		if (s < lo) {
			lo = s;
			old_lo = e->v[i1].off;
		}
		if (s + e->v[i1].n > hi)
			hi = s + e->v[i1].n;
		d += (long long)e->v[i1].n - (long long)e->v[i1].len;
		i1++;
	}
	/* the end of the merged span in old: a span's end, or past the last
	 * span merged by the same distance as in the staged bytes */
	size_t old_hi = (size_t)((long long)hi - d);
	struct strbuf mid = STRBUF_INIT;
	stagedit_render(f, lo, off, &mid);
	sb_add(&mid, text, n);
	stagedit_render(f, off + len, hi, &mid);
	/* the spans again, their texts copied into a new buffer (no text of
	 * a span replaced is kept) */
	size_t nn = e->n - (i1 - i0) + 1;
	struct stagedit_span *v = xreallocarray(NULL, nn, sizeof *v);
	struct strbuf nt = STRBUF_INIT;
	size_t k = 0;
	for (size_t i = 0; i <= e->n; i++) {
		if (i == i0) {
			v[k++] = (struct stagedit_span){ old_lo, old_hi - old_lo, nt.len, mid.len };
			sb_add(&nt, mid.buf, mid.len);
		}
		if (i == e->n)
			break;
		if (i >= i0 && i < i1)
			continue;
		v[k] = e->v[i];
		v[k++].at = nt.len;
		sb_add(&nt, sb_str(&e->text) + e->v[i].at, e->v[i].n);
	}
	sb_free(&mid);
	free(e->v);
	sb_free(&e->text);
	e->v = v;
	e->n = nn;
	e->text = nt;
	e->len = e->len - len + n;
}

bool stagedit_changed(const struct staged_file *f)
{
	const struct stagedit *e = f->edits;
	if (e->len != f->old.len)
		return true;
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].n != e->v[i].len || memcmp(sb_str(&e->text) + e->v[i].at, sb_str(&f->old) + e->v[i].off, e->v[i].n) != 0)
			return true;
	return false;
}
