/* Everything src/maildir's scanner offers, in one include: the scanner
 * itself (maildir/scan.h), maildirsize (maildir/quota.h) and message and
 * folder names (maildir/name.h). Code that needs one part includes that
 * part; this header serves the tests and the benches that use them all. */
#ifndef VMAILADM_MAILDIR_H
#define VMAILADM_MAILDIR_H

#include "vmailadm/maildir/name.h"
#include "vmailadm/maildir/quota.h"
#include "vmailadm/maildir/scan.h"

#endif
