// SPDX-License-Identifier: GPL-2.0-only
/*
 * Number parsing shared by sectun(8) and the iproute2 plugin.
 */
#include <errno.h>
#include <stdlib.h>

#include "parse.h"

/*
 * Decimal, or hexadecimal with a 0x prefix.  Stricter than strtoull():
 * no sign, no blanks, no octal (a leading zero is still decimal, so
 * "010" is ten, as an operator reading it would expect).
 */
int st_parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	unsigned long long n;
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if ((base == 10 && (*s < '0' || *s > '9')) ||
	    (base == 16 && !((*s >= '0' && *s <= '9') ||
			     (*s >= 'a' && *s <= 'f') ||
			     (*s >= 'A' && *s <= 'F'))))
		return -1;
	errno = 0;
	n = strtoull(s, &end, base);
	if (errno || *end || n > max)
		return -1;
	*v = n;
	return 0;
}
