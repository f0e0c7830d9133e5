/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading SA keys: hex text from a file, stdin, or (batch only) inline.
 */
#ifndef SECTUN_KEYFILE_H
#define SECTUN_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "algs.h"
#include "sectun.h"

int key_spec_check(struct ctx *c, char *spec);
int key_load(struct ctx *c, char *spec, const struct alg_info *alg,
	     uint8_t *key, size_t *keylen);

#endif /* SECTUN_KEYFILE_H */
