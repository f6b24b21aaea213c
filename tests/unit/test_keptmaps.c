/* src/db/keptmaps.c: the main.cf settings db postfix-config gives (and
 * --apply sets, issue 18): the account lists on the database's maps, the
 * items that cannot be rows kept in place, proxy_read_maps only when
 * main.cf's own does not approve the maps. No server needed. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "cu.h"
#include "vmailadm/diag.h"
#include "vmailadm/doc.h"
#include "vmailadm/maincf.h"
#include "vmailadm/pgdb.h"

#define D "/etc/postfix/pgsql"

static struct maincf *mc_of(const char *text)
{
	struct diags d = DIAGS_INIT;
	struct maincf *m = maincf_parse(doc_from_mem("main.cf", text, strlen(text)), &d);
	diags_free(&d);
	return m;
}

/* The value set for name, or NULL. */
static const char *value_of(const struct pgdb_setting *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return v[i].value;
	return NULL;
}

static void test_defaults(void)
{
	struct diags d = DIAGS_INIT;
	struct pgdb_setting *v;
	size_t n = pgdb_postfix_settings(D, NULL, "main.cf", &v, &d);
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_STRING_EQUAL(value_of(v, n, "virtual_mailbox_domains"), "proxy:pgsql:" D "/domains.cf");
	CU_ASSERT_STRING_EQUAL(value_of(v, n, "virtual_mailbox_maps"),
			       "proxy:pgsql:" D "/mailbox.cf, proxy:pgsql:" D "/ad_mailbox.cf");
	CU_ASSERT_PTR_NULL(value_of(v, n, "proxy_read_maps"));
	pgdb_settings_free(v, n);
	CU_ASSERT_EQUAL(d.n, 0);
	diags_free(&d);
}

static void test_kept_and_proxy_read(void)
{
	struct maincf *mc = mc_of("virtual_alias_maps = pcre:/etc/postfix/a.pcre, hash:/etc/postfix/virtual\n"
				  "virtual_mailbox_maps = hash:/etc/postfix/vmailbox\n"
				  "proxy_read_maps = $local_recipient_maps, $virtual_alias_maps\n");
	struct diags d = DIAGS_INIT;
	struct pgdb_setting *v;
	size_t n = pgdb_postfix_settings(D, mc, "main.cf", &v, &d);
	CU_ASSERT_STRING_EQUAL(value_of(v, n, "virtual_alias_maps"),
			       "pcre:/etc/postfix/a.pcre, proxy:pgsql:" D "/alias.cf, proxy:pgsql:" D
			       "/ad_alias.cf, proxy:pgsql:" D "/ad_catchall.cf");
	/* the lists it does not name are added, the others kept, in its style */
	CU_ASSERT_STRING_EQUAL(value_of(v, n, "proxy_read_maps"),
			       "$local_recipient_maps, $virtual_alias_maps, $virtual_mailbox_domains, "
			       "$virtual_mailbox_maps");
	pgdb_settings_free(v, n);
	maincf_free(&mc);
	diags_free(&d);
	mc = mc_of("proxy_read_maps = $local_recipient_maps   $virtual_alias_maps\n");
	n = pgdb_postfix_settings(D, mc, "main.cf", &v, &d);
	CU_ASSERT_STRING_EQUAL(value_of(v, n, "proxy_read_maps"),
			       "$local_recipient_maps   $virtual_alias_maps $virtual_mailbox_domains "
			       "$virtual_mailbox_maps");
	pgdb_settings_free(v, n);
	maincf_free(&mc);
	diags_free(&d);
	/* every list named (or its maps one by one): no proxy_read_maps line */
	mc = mc_of("proxy_read_maps = ${virtual_alias_maps} $(virtual_mailbox_maps) proxy:pgsql:" D "/domains.cf\n");
	n = pgdb_postfix_settings(D, mc, "main.cf", &v, &d);
	CU_ASSERT_PTR_NULL(value_of(v, n, "proxy_read_maps"));
	pgdb_settings_free(v, n);
	maincf_free(&mc);
	diags_free(&d);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "without main.cf: the three lists", test_defaults },
		{ "kept items in place, proxy_read_maps completed", test_kept_and_proxy_read },
		CU_TEST_INFO_NULL,
	};
	return cu_run("keptmaps", tests);
}
