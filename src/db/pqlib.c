/* libpq opened on first use (see vmailadm/pqlib.h for why), its functions
 * looked up once. */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#define PQLIB_NO_MACROS
#include "vmailadm/diag.h"
#include "vmailadm/i18n.h"
#include "vmailadm/pqlib.h"

struct pqlib pqlib;

static pthread_mutex_t pqlib_lock = PTHREAD_MUTEX_INITIALIZER;
static bool pqlib_loaded;

/* dlsym's object pointer into a function pointer: POSIX guarantees the
 * representations match; memcpy says so without a cast ISO C forbids. */
static bool pqlib_symbol(void *lib, const char *name, void *slot, size_t size)
{
	void *p = dlsym(lib, name);
	if (!p)
		return false;
	memcpy(slot, &p, size);
	return true;
}

static int pqlib_open(struct diags *d)
{
	void *lib = dlopen(LIBPQ_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *why = dlerror();
		diag_error(d, NULL, 0, _("PostgreSQL's client library %s cannot be loaded: %s"),
			   LIBPQ_SONAME, why ? why : "?");
		return -1;
	}
#define PQLIB_LOOKUP(f)                                                                   \
	if (!pqlib_symbol(lib, #f, &pqlib.f, sizeof pqlib.f)) {                           \
		diag_error(d, NULL, 0, _("PostgreSQL's client library %s has no %s"),       \
			   LIBPQ_SONAME, #f);                                                 \
		memset(&pqlib, 0, sizeof pqlib);                                          \
		dlclose(lib);                                                             \
		return -1;                                                                \
	}
	PQLIB_FUNCTIONS(PQLIB_LOOKUP)
#undef PQLIB_LOOKUP
	return 0;
}

int pqlib_load(struct diags *d)
{
	pthread_mutex_lock(&pqlib_lock);
	int rc = pqlib_loaded ? 0 : pqlib_open(d);
	if (rc == 0)
		pqlib_loaded = true;
	pthread_mutex_unlock(&pqlib_lock);
	return rc;
}
