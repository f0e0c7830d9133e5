// SPDX-License-Identifier: GPL-2.0-only
/*
 * ESP trailer arithmetic (see pad.h).  The payload, the padding and the
 * two trailer bytes together must fill whole cipher blocks and end on a
 * 4-byte boundary, so the ICV that follows is aligned (RFC 4303 2.4);
 * stream-like modes (GCM, CTR, ChaCha20, NULL) have a block of 1 or 4
 * and need the 4-byte alignment only.
 */
#include "pad.h"

static unsigned int sectun_esp_align(unsigned int block)
{
	return block > 4 ? block : 4;
}

/* Bytes of padding after @len bytes of payload; @block is a power of two. */
unsigned int sectun_esp_padlen(unsigned int len, unsigned int block)
{
	unsigned int align = sectun_esp_align(block);

	return (align - ((len + SECTUN_ESP_TRAILER) & (align - 1))) &
	       (align - 1);
}

/* RFC 4303 2.4 default padding: 1, 2, 3, ... */
void sectun_esp_pad_fill(u8 *p, unsigned int padlen)
{
	unsigned int i;

	for (i = 0; i < padlen; i++)
		p[i] = i + 1;
}

/*
 * The receiver's check of the default padding (RFC 4303 2.4: "SHOULD
 * inspect"), once the ICV has vouched for the bytes: anything else means
 * a sender bug or a cipher/key mismatch the ICV could not see (NULL
 * encryption).  Not constant time: the bytes are authenticated already.
 */
bool sectun_esp_pad_valid(const u8 *p, unsigned int padlen)
{
	unsigned int i;

	for (i = 0; i < padlen; i++)
		if (p[i] != (u8)(i + 1))
			return false;
	return true;
}

/*
 * The largest payload whose padded, trailed encrypted part fits in @space
 * bytes: what the path MTU leaves after the outer header, the ESP header,
 * the IV and the ICV.  0 if not even an empty payload fits.
 */
unsigned int sectun_esp_max_payload(unsigned int space, unsigned int block)
{
	unsigned int align = sectun_esp_align(block);

	space &= ~(align - 1);
	return space >= SECTUN_ESP_TRAILER ? space - SECTUN_ESP_TRAILER : 0;
}

/*
 * Can @elen bytes be an encrypted part, payload through Next Header?
 * Whole blocks, at least the two trailer bytes: anything else was not
 * produced by a conforming sender and is refused before any crypto.
 */
bool sectun_esp_len_valid(unsigned int elen, unsigned int block)
{
	unsigned int align = sectun_esp_align(block);

	return elen >= SECTUN_ESP_TRAILER && !(elen & (align - 1));
}
