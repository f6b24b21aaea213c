/* libFuzzer harness for the main.cf and passwd-file parsers: any input must
 * parse without crashing, render back byte for byte, expand every parameter
 * (loops included) and take a set/unset or add/edit/remove that reads back.
 * Every input goes to both parsers. Run with `make fuzz-maincf_pwfile`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/doc.h"
#include "vmailadm/maincf.h"
#include "vmailadm/pwfile.h"

static void fuzz_maincf(const uint8_t *data, size_t size)
{
	struct diags d = DIAGS_INIT;
	struct maincf *m = maincf_parse(doc_from_mem("fuzz", (const char *)data, size), &d);
	fuzz_check_roundtrip(maincf_doc(m), data, size);
	for (size_t i = 0; i < maincf_count(m); i++) {
		const char *name = maincf_def_at(m, i, NULL, NULL, NULL);
		char *v = maincf_get(m, name);
		char **l = maincf_split_list(v, NULL);
		maincf_list_free(l);
		free(v);
	}
	maincf_set(m, "fuzz_param", "a, b");
	const char *raw = maincf_raw(m, "fuzz_param", NULL);
	if (!raw || strcmp(raw, "a, b") != 0)
		abort();
	if (maincf_count(m) > 0) {
		char *name = strdup(maincf_def_at(m, 0, NULL, NULL, NULL));
		bool ok = name && name[0];
		for (char *p = name; ok && *p; p++)
			ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || *p == '_';
		if (ok) {
			maincf_set(m, name, "x");
			raw = maincf_raw(m, name, NULL);
			if (!raw || strcmp(raw, "x") != 0)
				abort();
			if (!maincf_unset(m, name) || maincf_raw(m, name, NULL))
				abort();
		}
		free(name);
	}
	maincf_free(&m);
	diags_free(&d);
}

static void fuzz_pwfile(const uint8_t *data, size_t size)
{
	struct diags d = DIAGS_INIT;
	struct pwfile *p = pwfile_parse(doc_from_mem("fuzz", (const char *)data, size), &d);
	fuzz_check_roundtrip(pwfile_doc(p), data, size);
	for (size_t i = 0; i < pwfile_count(p); i++) {
		const struct pwfile_entry *e = pwfile_entry(p, i);
		if (!e->shadowed && pwfile_lookup(p, e->user) != e)
			abort();
		free(pwfile_scheme(e));
		free(pwfile_extra_get(e, "quota_rule"));
	}
	if (!pwfile_lookup(p, "fuzz@x.org")) {
		struct pwfile_fields n = { .user = "fuzz@x.org", .password = "{PLAIN}p",
					   .extra = "userdb_quota_rule=*:storage=1G" };
		if (pwfile_add(p, &n, &d) != 0 || !pwfile_lookup(p, "fuzz@x.org"))
			abort();
		if (pwfile_remove(p, "fuzz@x.org", &d) != 0 || pwfile_lookup(p, "fuzz@x.org"))
			abort();
	}
	if (pwfile_count(p) > 0 && !pwfile_entry(p, 0)->shadowed) {
		char *user = strdup(pwfile_entry(p, 0)->user);
		if (user && pwfile_set_password(p, user, "{PLAIN}z", &d) == 0) {
			const struct pwfile_entry *e = pwfile_lookup(p, user);
			/* A user holding no ':' keeps its line and gets the password. */
			size_t len;
			const char *pw = e ? pwfile_field(e, PWFILE_PASSWORD, &len) : NULL;
			if (!strchr(user, ':') && (!pw || len != 8 || memcmp(pw, "{PLAIN}z", 8) != 0))
				abort();
		}
		if (user && pwfile_lookup(p, user) &&
		    pwfile_set_extra(p, user, "userdb_quota_rule", "*:storage=2M", &d) == 0) {
			const struct pwfile_entry *e = pwfile_lookup(p, user);
			char *q = e ? pwfile_extra_get(e, "quota_rule") : NULL;
			if (!q || strcmp(q, "*:storage=2M") != 0)
				abort();
			free(q);
			if (pwfile_set_extra(p, user, "userdb_quota_rule", NULL, &d) != 0)
				abort();
			e = pwfile_lookup(p, user);
			q = e ? pwfile_extra_get(e, "userdb_quota_rule") : NULL;
			if (q)
				abort();
		}
		free(user);
	}
	pwfile_free(&p);
	diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_maincf(data, size);
	fuzz_pwfile(data, size);
	return 0;
}
