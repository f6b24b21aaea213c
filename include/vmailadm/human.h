/* Sizes for people: one owner for the format the command line and the
 * interface show (src/sys/human.c). */
#ifndef VMAILADM_HUMAN_H
#define VMAILADM_HUMAN_H

#include <stddef.h>
#include <stdint.h>

/* bytes as "893 B", "3.9 KiB", "893 KiB", "1.0 GiB": binary units (B, KiB
 * ... PiB), one decimal below 10 of a unit, none above, rounded as printf
 * rounds the exact value. The decimal mark is always '.', whatever the
 * locale: the units are symbols that are not translated, the same text
 * in every language keeps the columns scripts read from the text output
 * stable, and no call depends on the process's LC_NUMERIC. len >= 16. */
void human_size(char *buf, size_t len, uint64_t bytes);
/* v in decimal digits into buf (21 bytes at least); its length. */
size_t human_u64(char *buf, uint64_t v);

#endif
