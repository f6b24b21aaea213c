/* gettext wrappers: every user-visible string goes through _() or N_(). */
#ifndef VMAILADM_I18N_H
#define VMAILADM_I18N_H
#include <libintl.h>
#include <locale.h>

#define _(s) gettext(s)
#define N_(s) (s)

#endif
