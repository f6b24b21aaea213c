/* The exit statuses of vmailadm, the same for the command line and the
 * interface: success; nothing found or problems found; usage or
 * configuration error. */
#ifndef VMAILADM_EXITSTATUS_H
#define VMAILADM_EXITSTATUS_H

enum { EXIT_OK = 0, EXIT_PROBLEMS = 1, EXIT_USAGE = 2 };

#endif
