/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The algorithm names sectun accepts (strongSwan proposal names) and
 * their KEYMAT lengths, checked before anything is sent.
 */
#ifndef SECTUN_ALGS_H
#define SECTUN_ALGS_H

#include <stddef.h>

#include <linux/sectun.h>

struct alg_info {
	char name[SECTUN_ALG_NAME_MAX];
	unsigned int keylen;	/* KEYMAT bytes: encryption, then integrity */
};

int alg_lookup(const char *name, int proto, struct alg_info *out);
int alg_foreach(int proto, int (*fn)(const struct alg_info *, void *),
		void *arg);
void alg_names(int proto, char *buf, size_t len);

#endif /* SECTUN_ALGS_H */
