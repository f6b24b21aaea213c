/* Harness for the operation word splitter of batch files (op.c): any line
 * splits or is refused with an error; the words a line splits into, read as
 * an operation, format back (op_format) to a line that splits and reads as
 * the same operation (op_format again gives the same text).
 * Run with `make fuzz-opwords`. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmailadm/diag.h"
#include "vmailadm/op.h"

static char *format(const struct op *op)
{
	struct strbuf sb = STRBUF_INIT;
	op_format(op, &sb);
	return sb_detach(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = fuzz_cstr(data, size);
	struct diags d = DIAGS_INIT;
	int argc = -1;
	char **w = op_split_words(line, &argc, "fuzz", 1, &d);
	if (!w) {
		if (!diags_has_errors(&d))
			abort();
	} else {
		if (argc < 0 || w[argc] != NULL)
			abort();
		struct op *op = argc >= 2 ? op_from_words(argc, w, "fuzz", 1, &d) : NULL;
		if (op) {
			char *text = format(op);
			int argc2;
			char **w2 = op_split_words(text, &argc2, "fuzz", 1, &d);
			struct op *op2 = w2 ? op_from_words(argc2, w2, "fuzz", 1, &d) : NULL;
			char *text2 = op2 ? format(op2) : NULL;
			if (!text2 || strcmp(text, text2) != 0)
				abort();
			free(text2);
			op_free(&op2);
			op_words_free(w2);
			free(text);
			op_free(&op);
		}
		op_words_free(w);
	}
	diags_free(&d);
	free(line);
	return 0;
}
