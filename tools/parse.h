/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Number parsing shared by sectun(8) and the iproute2 plugin.
 */
#ifndef SECTUN_PARSE_H
#define SECTUN_PARSE_H

#include <stdint.h>

int st_parse_u64(const char *s, uint64_t max, uint64_t *v);

#endif /* SECTUN_PARSE_H */
