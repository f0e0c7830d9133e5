/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ESP trailer arithmetic, RFC 4303 section 2.4: the padding that aligns the
 * encrypted part, its default contents, and how much inner packet fits in a
 * given space.
 *
 * Pure code like replay.c: nothing from the kernel beyond types, so
 * selftests/unit builds this file in userspace and checks it.
 */
#ifndef _SECTUN_PAD_H
#define _SECTUN_PAD_H

#include <linux/types.h>

/* Pad Length and Next Header, the two bytes after the padding. */
#define SECTUN_ESP_TRAILER	2

unsigned int sectun_esp_padlen(unsigned int len, unsigned int block);
void sectun_esp_pad_fill(u8 *p, unsigned int padlen);
bool sectun_esp_pad_valid(const u8 *p, unsigned int padlen);
unsigned int sectun_esp_max_payload(unsigned int space, unsigned int block);
bool sectun_esp_len_valid(unsigned int elen, unsigned int block);

#endif /* _SECTUN_PAD_H */
