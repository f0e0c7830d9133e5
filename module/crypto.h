/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The algorithm table (names operators know from strongSwan, KEYMAT layout,
 * ICV/IV/block sizes) and transform setup through the kernel crypto API.
 */
#ifndef _SECTUN_CRYPTO_H
#define _SECTUN_CRYPTO_H

#include <linux/types.h>

struct crypto_aead;
struct crypto_ahash;
struct netlink_ext_ack;

enum sectun_alg_kind {
	SECTUN_ALG_AEAD,	/* combined mode: GCM, GMAC, ChaCha20-Poly1305 */
	SECTUN_ALG_AUTHENC,	/* cipher + HMAC through authenc/authencesn */
	SECTUN_ALG_HASH,	/* AH: HMAC only */
};

struct sectun_alg {
	const char *name;		/* strongSwan proposal keyword */
	enum sectun_alg_kind kind;
	u8 proto;			/* IPPROTO_ESP or IPPROTO_AH */
	const char *aead;		/* SECTUN_ALG_AEAD: crypto template */
	const char *cipher;		/* SECTUN_ALG_AUTHENC: cipher template */
	const char *hash;		/* AUTHENC and HASH: hmac(...) */
	u8 enc_keylen;			/* with the 4-byte salt/nonce if any */
	u8 auth_keylen;
	u8 icv_len;
	u8 iv_len;			/* IV bytes on the wire */
	u8 block;			/* ESP payload alignment (RFC 4303 2.4) */
	/*
	 * CBC needs an unpredictable IV (RFC 3602 2.3); the counter modes
	 * (GCM, GMAC, CTR, ChaCha20) only a unique one: the sequence number.
	 */
	bool iv_random;
	/* Insecure, for measurements: refused unless benchmark=1. */
	bool benchmark_only;
};

int sectun_crypto_init(void);
const struct sectun_alg *sectun_alg_find(const char *name, u8 proto);

static inline unsigned int sectun_alg_keylen(const struct sectun_alg *alg)
{
	return alg->enc_keylen + alg->auth_keylen;
}

struct crypto_aead *sectun_aead_new(const struct sectun_alg *alg, bool esn,
				    const u8 *key, unsigned int keylen,
				    struct netlink_ext_ack *extack);
struct crypto_ahash *sectun_ahash_new(const struct sectun_alg *alg,
				      const u8 *key, unsigned int keylen,
				      struct netlink_ext_ack *extack);
void sectun_aead_free(struct crypto_aead *aead);
void sectun_ahash_free(struct crypto_ahash *ahash);

#endif /* _SECTUN_CRYPTO_H */
