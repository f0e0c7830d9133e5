// SPDX-License-Identifier: GPL-2.0-only
/*
 * Algorithm table and transform setup.  All cryptography is the kernel
 * crypto API's; this file only maps proposal names to its templates and
 * lays KEYMAT out the way each template wants it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <crypto/hash.h>
#include <linux/in.h>
#include <linux/moduleparam.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netlink.h>

#include "compat.h"
#include "crypto.h"
#include "objcount.h"

#define AEAD(_name, _tmpl, _keylen, _icv) {				\
	.name = _name, .kind = SECTUN_ALG_AEAD, .proto = IPPROTO_ESP,	\
	.aead = _tmpl, .enc_keylen = _keylen, .icv_len = _icv,		\
	.iv_len = 8, .block = 4,					\
}

/* RFC 2404 (SHA-1), RFC 4868 (SHA-2), RFC 2403 (MD5) truncations. */
#define H_sha1		"hmac(sha1)", 20, 12
#define H_sha256	"hmac(sha256)", 32, 16
#define H_sha384	"hmac(sha384)", 48, 24
#define H_sha512	"hmac(sha512)", 64, 32
#define H_md5		"hmac(md5)", 16, 12

#define __AUTHENC(_name, _cipher, _enckey, _iv, _block, _rnd, _hash, _akey, \
		  _icv) {						    \
	.name = _name, .kind = SECTUN_ALG_AUTHENC, .proto = IPPROTO_ESP,    \
	.cipher = _cipher, .hash = _hash, .enc_keylen = _enckey,	    \
	.auth_keylen = _akey, .icv_len = _icv, .iv_len = _iv,		    \
	.block = _block, .iv_random = _rnd,				    \
}

#define AUTHENC(_name, _cipher, _enckey, _iv, _block, _rnd, _h) \
	__AUTHENC(_name, _cipher, _enckey, _iv, _block, _rnd, _h)

#define __AH(_name, _hash, _akey, _icv) {				\
	.name = _name, .kind = SECTUN_ALG_HASH, .proto = IPPROTO_AH,	\
	.hash = _hash, .auth_keylen = _akey, .icv_len = _icv,		\
}

#define AH(_name, _h) __AH(_name, _h)

/*
 * ESP with neither confidentiality nor integrity: what is left to measure
 * is the datapath itself (Documentation/benchmark.md).  RFC 4303 forbids
 * it, so it exists only when the module is loaded with benchmark=1.
 */
#define NULL_NULL {							\
	.name = "null", .kind = SECTUN_ALG_AUTHENC, .proto = IPPROTO_ESP, \
	.cipher = "ecb(cipher_null)", .hash = "digest_null", .block = 4, \
	.benchmark_only = true,						\
}

static const struct sectun_alg sectun_algs[] = {
	AEAD("aes128gcm16", "rfc4106(gcm(aes))", 20, 16),
	AEAD("aes128gcm12", "rfc4106(gcm(aes))", 20, 12),
	AEAD("aes128gcm8", "rfc4106(gcm(aes))", 20, 8),
	AEAD("aes256gcm16", "rfc4106(gcm(aes))", 36, 16),
	AEAD("aes256gcm12", "rfc4106(gcm(aes))", 36, 12),
	AEAD("aes256gcm8", "rfc4106(gcm(aes))", 36, 8),
	AEAD("chacha20poly1305", "rfc7539esp(chacha20,poly1305)", 36, 16),
	AEAD("aes128gmac", "rfc4543(gcm(aes))", 20, 16),
	AEAD("aes256gmac", "rfc4543(gcm(aes))", 36, 16),
	/* name, cipher, cipher key (+ nonce), IV, block, random IV, integrity */
	AUTHENC("aes128-sha1", "cbc(aes)", 16, 16, 16, true, H_sha1),
	AUTHENC("aes256-sha1", "cbc(aes)", 32, 16, 16, true, H_sha1),
	AUTHENC("aes128ctr-sha1", "rfc3686(ctr(aes))", 20, 8, 4, false, H_sha1),
	AUTHENC("aes256ctr-sha1", "rfc3686(ctr(aes))", 36, 8, 4, false, H_sha1),
	AUTHENC("null-sha1", "ecb(cipher_null)", 0, 0, 4, false, H_sha1),
	AUTHENC("aes128-sha256", "cbc(aes)", 16, 16, 16, true, H_sha256),
	AUTHENC("aes256-sha256", "cbc(aes)", 32, 16, 16, true, H_sha256),
	AUTHENC("aes128ctr-sha256", "rfc3686(ctr(aes))", 20, 8, 4, false, H_sha256),
	AUTHENC("aes256ctr-sha256", "rfc3686(ctr(aes))", 36, 8, 4, false, H_sha256),
	AUTHENC("null-sha256", "ecb(cipher_null)", 0, 0, 4, false, H_sha256),
	AUTHENC("aes128-sha384", "cbc(aes)", 16, 16, 16, true, H_sha384),
	AUTHENC("aes256-sha384", "cbc(aes)", 32, 16, 16, true, H_sha384),
	AUTHENC("aes128ctr-sha384", "rfc3686(ctr(aes))", 20, 8, 4, false, H_sha384),
	AUTHENC("aes256ctr-sha384", "rfc3686(ctr(aes))", 36, 8, 4, false, H_sha384),
	AUTHENC("null-sha384", "ecb(cipher_null)", 0, 0, 4, false, H_sha384),
	AUTHENC("aes128-sha512", "cbc(aes)", 16, 16, 16, true, H_sha512),
	AUTHENC("aes256-sha512", "cbc(aes)", 32, 16, 16, true, H_sha512),
	AUTHENC("aes128ctr-sha512", "rfc3686(ctr(aes))", 20, 8, 4, false, H_sha512),
	AUTHENC("aes256ctr-sha512", "rfc3686(ctr(aes))", 36, 8, 4, false, H_sha512),
	AUTHENC("null-sha512", "ecb(cipher_null)", 0, 0, 4, false, H_sha512),
	AUTHENC("aes128-md5", "cbc(aes)", 16, 16, 16, true, H_md5),
	AUTHENC("aes256-md5", "cbc(aes)", 32, 16, 16, true, H_md5),
	AUTHENC("aes128ctr-md5", "rfc3686(ctr(aes))", 20, 8, 4, false, H_md5),
	AUTHENC("aes256ctr-md5", "rfc3686(ctr(aes))", 36, 8, 4, false, H_md5),
	AUTHENC("null-md5", "ecb(cipher_null)", 0, 0, 4, false, H_md5),
	NULL_NULL,
	AH("sha1", H_sha1),
	AH("sha256", H_sha256),
	AH("sha384", H_sha384),
	AH("sha512", H_sha512),
	AH("md5", H_md5),
};

const struct sectun_alg *sectun_alg_find(const char *name, u8 proto)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(sectun_algs); i++)
		if (sectun_algs[i].proto == proto &&
		    !strcmp(sectun_algs[i].name, name))
			return &sectun_algs[i];
	return NULL;
}

/*
 * The aesni drivers fall back to cryptd, completing in a workqueue, when
 * the FPU is busy; rare enough that tests could never hit it on purpose.
 * This sends every ESP and AH transform through cryptd so they can.
 */
static bool force_async;
module_param(force_async, bool, 0444);
MODULE_PARM_DESC(force_async,
		 "Run every ESP and AH transform asynchronously through cryptd (testing)");

static bool benchmark;
module_param(benchmark, bool, 0444);
MODULE_PARM_DESC(benchmark,
		 "Offer the insecure ESP algorithm null: no encryption, no integrity (benchmarks only)");

/* Module parameters that cannot work on this kernel refuse the load. */
int sectun_crypto_init(void)
{
	if (force_async && !SECTUN_COMPAT_CRYPTD_AEAD) {
		pr_err("force_async needs Linux 6.3 or later (cryptd AEAD)\n");
		return -EINVAL;
	}
	if (benchmark)
		pr_warn("benchmark mode: the insecure null algorithm is available\n");
	return 0;
}

static struct crypto_aead *sectun_aead_alloc(const char *name,
					     struct netlink_ext_ack *extack)
{
	char tmpl[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *aead;

	/* cryptd wraps synchronous implementations only. */
	aead = crypto_alloc_aead(name, 0, force_async ? CRYPTO_ALG_ASYNC : 0);
	if (IS_ERR(aead))
		goto err;
	if (!force_async)
		return aead;

	/*
	 * cryptd instances carry the inner algorithm's name and only a
	 * driver name of their own: ask for cryptd of the implementation
	 * the synchronous request found.
	 */
	if (snprintf(tmpl, sizeof(tmpl), "cryptd(%s)",
		     crypto_tfm_alg_driver_name(crypto_aead_tfm(aead))) >=
	    sizeof(tmpl)) {
		crypto_free_aead(aead);
		NL_SET_ERR_MSG(extack, "crypto driver name too long for cryptd");
		return ERR_PTR(-ENAMETOOLONG);
	}
	crypto_free_aead(aead);
	name = tmpl;
	aead = crypto_alloc_aead(name, 0, 0);
	if (!IS_ERR(aead))
		return aead;
err:
	SECTUN_ERR_FMT(extack, "algorithm not available in this kernel",
		       "algorithm %s not available in this kernel", name);
	return aead;
}

/*
 * KEYMAT is encryption key then integrity key (RFC 7296 2.17); authenc
 * wants an rtattr with the encryption key length, then the integrity key,
 * then the encryption key.
 */
static int sectun_authenc_setkey(struct crypto_aead *aead,
				 const struct sectun_alg *alg, const u8 *key)
{
	struct crypto_authenc_key_param *param;
	unsigned int len;
	struct rtattr *rta;
	u8 *blob, *p;
	int err;

	len = RTA_SPACE(sizeof(*param)) + alg->auth_keylen + alg->enc_keylen;
	blob = kmalloc(len, GFP_KERNEL);
	if (!blob)
		return -ENOMEM;

	rta = (struct rtattr *)blob;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(alg->enc_keylen);
	p = blob + RTA_SPACE(sizeof(*param));
	memcpy(p, key + alg->enc_keylen, alg->auth_keylen);
	memcpy(p + alg->auth_keylen, key, alg->enc_keylen);

	err = crypto_aead_setkey(aead, blob, len);
	kfree_sensitive(blob);
	return err;
}

struct crypto_aead *sectun_aead_new(const struct sectun_alg *alg, bool esn,
				    const u8 *key, unsigned int keylen,
				    struct netlink_ext_ack *extack)
{
	char tmpl[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *aead;
	int err;

	if (alg->benchmark_only && !benchmark) {
		NL_SET_ERR_MSG(extack,
			       "algorithm null is benchmark-only: load sectun with benchmark=1");
		return ERR_PTR(-EINVAL);
	}

	if (alg->kind == SECTUN_ALG_AEAD) {
		strscpy(tmpl, alg->aead, sizeof(tmpl));
	} else if (snprintf(tmpl, sizeof(tmpl), "%s(%s,%s)",
			    esn ? "authencesn" : "authenc", alg->hash,
			    alg->cipher) >= sizeof(tmpl)) {
		NL_SET_ERR_MSG(extack, "crypto template name too long");
		return ERR_PTR(-ENAMETOOLONG);
	}

	aead = sectun_aead_alloc(tmpl, extack);
	if (IS_ERR(aead))
		return aead;

	err = crypto_aead_setauthsize(aead, alg->icv_len);
	if (err) {
		NL_SET_ERR_MSG(extack, "ICV length refused by the crypto API");
		goto err_free;
	}
	if (alg->kind == SECTUN_ALG_AEAD)
		err = crypto_aead_setkey(aead, key, keylen);
	else
		err = sectun_authenc_setkey(aead, alg, key);
	if (err) {
		NL_SET_ERR_MSG(extack, "key refused by the crypto API");
		goto err_free;
	}
	/* The datapath relies on the IV size the table promises. */
	if (crypto_aead_ivsize(aead) != alg->iv_len) {
		NL_SET_ERR_MSG(extack, "crypto API IV size differs from the algorithm table");
		err = -EINVAL;
		goto err_free;
	}
	sectun_obj_created(SECTUN_OBJ_TFM);
	return aead;

err_free:
	crypto_free_aead(aead);
	return ERR_PTR(err);
}

/* As sectun_aead_alloc(), for AH's hashes. */
static struct crypto_ahash *sectun_ahash_alloc(const char *name,
					       struct netlink_ext_ack *extack)
{
	char tmpl[CRYPTO_MAX_ALG_NAME];
	struct crypto_ahash *ahash;

	ahash = crypto_alloc_ahash(name, 0, force_async ? CRYPTO_ALG_ASYNC : 0);
	if (IS_ERR(ahash))
		goto err;
	if (!force_async)
		return ahash;

	if (snprintf(tmpl, sizeof(tmpl), "cryptd(%s)",
		     crypto_tfm_alg_driver_name(crypto_ahash_tfm(ahash))) >=
	    sizeof(tmpl)) {
		crypto_free_ahash(ahash);
		NL_SET_ERR_MSG(extack, "crypto driver name too long for cryptd");
		return ERR_PTR(-ENAMETOOLONG);
	}
	crypto_free_ahash(ahash);
	name = tmpl;
	ahash = crypto_alloc_ahash(name, 0, 0);
	if (!IS_ERR(ahash))
		return ahash;
err:
	SECTUN_ERR_FMT(extack, "algorithm not available in this kernel",
		       "algorithm %s not available in this kernel", name);
	return ahash;
}

struct crypto_ahash *sectun_ahash_new(const struct sectun_alg *alg,
				      const u8 *key, unsigned int keylen,
				      struct netlink_ext_ack *extack)
{
	struct crypto_ahash *ahash;
	int err;

	ahash = sectun_ahash_alloc(alg->hash, extack);
	if (IS_ERR(ahash))
		return ahash;
	err = crypto_ahash_setkey(ahash, key, keylen);
	if (err) {
		NL_SET_ERR_MSG(extack, "key refused by the crypto API");
		crypto_free_ahash(ahash);
		return ERR_PTR(err);
	}
	if (crypto_ahash_digestsize(ahash) < alg->icv_len) {
		NL_SET_ERR_MSG(extack, "digest shorter than the ICV");
		crypto_free_ahash(ahash);
		return ERR_PTR(-EINVAL);
	}
	sectun_obj_created(SECTUN_OBJ_TFM);
	return ahash;
}

/* The crypto API frees transform contexts, keys included, zeroed. */
void sectun_aead_free(struct crypto_aead *aead)
{
	crypto_free_aead(aead);
	sectun_obj_destroyed(SECTUN_OBJ_TFM);
}

void sectun_ahash_free(struct crypto_ahash *ahash)
{
	crypto_free_ahash(ahash);
	sectun_obj_destroyed(SECTUN_OBJ_TFM);
}
