/* Harness for the queue file reader (src/traffic/qfile.c): a queue file
 * Postfix left half-written, cut short or damaged, and a defer log of any
 * bytes, must be read without reading past the end, looping or failing:
 * the input is read as a queue file (from a memfd, as qdir.c reads files)
 * and as a defer log; a message listed has every field set, each text
 * valid UTF-8 (JSON can carry it). Run with
 * `make fuzz-qfile`. */
#include "config.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "vmailadm/qfile.h"

/* What is listed can be written as JSON (valid UTF-8). */
static void json_ok(const char *s)
{
	json_t *j = json_string(s);
	if (!j)
		abort();
	json_decref(j);
}

static void entry(void *ctx, const char *address, const char *reason)
{
	(void)ctx;
	if (!address[0] || !reason[0])
		abort(); /* Postfix's place holders fill an empty field */
	json_ok(address);
	json_ok(reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	qfile_defer_parse((const char *)data, size, size & 1, entry, NULL);
	int fd = memfd_create("qfile", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		struct stat st;
		fstat(fd, &st);
		struct qfile_opts o = { "MAILER-DAEMON", size % 3, size & 2 };
		struct queue_msg m;
		if (qfile_read(fd, &st, "deferred", "ID", -1, &o, &m) == 1) {
			if (!m.queue_name || !m.queue_id || !m.sender || (m.nrcpts && !m.rcpts))
				abort();
			json_ok(m.sender);
			for (size_t i = 0; i < m.nrcpts; i++) {
				json_ok(m.rcpts[i].address);
				if (m.rcpts[i].reason)
					json_ok(m.rcpts[i].reason);
			}
			queue_msg_free(&m);
		}
	}
	close(fd);
	return 0;
}
