// SPDX-License-Identifier: GPL-2.0-only
/*
 * ESP (RFC 4303) in tunnel mode over the kernel crypto API's AEAD
 * interface: the combined modes directly, cipher + HMAC through authenc
 * (authencesn with extended sequence numbers).  Encryption and decryption
 * run in place over the packet; a driver may complete asynchronously
 * (cryptd, hardware), so each direction is a start function and a finish
 * function that either the start or the crypto callback calls.
 *
 * The associated data is the ESP header and the IV, as every template
 * here expects it.  With ESN the high half of the sequence number, sent
 * implicitly (RFC 4303 2.2.1), must be authenticated too: it is written
 * into the ESP header for the duration of the crypto, the SPI moving into
 * the four bytes in front of it, the way the kernel's own esp4/esp6 do,
 * and both are put back before the packet goes anywhere.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/aead.h>
#include <linux/ip.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <net/esp.h>

#include "compat.h"
#include "encap.h"
#include "esp.h"
#include "pad.h"
#include "sa.h"
#include "tunnel.h"

/* What a packet needs across the crypto call; followed by IV, request, sg. */
struct sectun_esp_ctx {
	struct sk_buff *skb;
	struct sectun_sa *sa;		/* the packet's reference */
	u64 seq;
	unsigned int len;		/* TX: inner packet; RX: encrypted part */
	__be32 saved;			/* ESN: what the SPI was moved over */
	u8 outer_tos;			/* RX */
};

/* Bytes on the wire after the outer header for an inner packet of @len. */
unsigned int sectun_esp_len(const struct sectun_sa *sa, unsigned int len)
{
	const struct sectun_alg *alg = sa->alg;

	return sizeof(struct ip_esp_hdr) + alg->iv_len + len +
	       sectun_esp_padlen(len, alg->block) + SECTUN_ESP_TRAILER +
	       alg->icv_len;
}

/* The largest inner packet whose ESP packet fits in @space bytes. */
unsigned int sectun_esp_max_inner(const struct sectun_sa *sa,
				  unsigned int space)
{
	const struct sectun_alg *alg = sa->alg;
	unsigned int fixed = sizeof(struct ip_esp_hdr) + alg->iv_len +
			     alg->icv_len;

	return space > fixed ? sectun_esp_max_payload(space - fixed, alg->block)
			     : 0;
}

/* One allocation per packet, as esp4 does: it must outlive async crypto. */
static struct sectun_esp_ctx *sectun_esp_ctx_alloc(struct crypto_aead *aead,
						   int nfrags, u8 **iv,
						   struct aead_request **req,
						   struct scatterlist **sg)
{
	unsigned int reqsize = sizeof(**req) + crypto_aead_reqsize(aead);
	struct sectun_esp_ctx *ctx;
	size_t len;

	len = sizeof(*ctx) + crypto_aead_alignmask(aead) +
	      crypto_aead_ivsize(aead) + crypto_tfm_ctx_alignment() - 1 +
	      reqsize + __alignof__(struct scatterlist) - 1 +
	      sizeof(**sg) * nfrags;
	ctx = kmalloc(len, GFP_ATOMIC);
	if (!ctx)
		return NULL;
	*iv = PTR_ALIGN((u8 *)(ctx + 1), crypto_aead_alignmask(aead) + 1);
	*req = PTR_ALIGN((struct aead_request *)(*iv + crypto_aead_ivsize(aead)),
			 crypto_tfm_ctx_alignment());
	*sg = PTR_ALIGN((struct scatterlist *)((u8 *)*req + reqsize),
			__alignof__(struct scatterlist));
	sg_init_table(*sg, nfrags);
	aead_request_set_tfm(*req, aead);
	return ctx;
}

/*
 * ESN: lay out SPI, Seq# high, Seq# low from @ad, four bytes before the
 * ESP header, saving what was there.
 */
static void sectun_esp_esn_borrow(struct sectun_esp_ctx *ctx, u8 *ad,
				  struct ip_esp_hdr *esph, u64 seq)
{
	memcpy(&ctx->saved, ad, sizeof(ctx->saved));
	memcpy(ad, &esph->spi, sizeof(esph->spi));
	esph->spi = htonl(upper_32_bits(seq));
}

static void sectun_esp_esn_restore(struct sectun_esp_ctx *ctx,
				   struct ip_esp_hdr *esph)
{
	esph->spi = htonl(ctx->sa->spi);
	memcpy((u8 *)esph - sizeof(ctx->saved), &ctx->saved, sizeof(ctx->saved));
}

static void sectun_esp_xmit_finish(struct sectun_esp_ctx *ctx, int err)
{
	struct sk_buff *skb = ctx->skb;
	struct sectun_sa *sa = ctx->sa;
	unsigned int len = ctx->len;

	if (sa->esn)
		sectun_esp_esn_restore(ctx, ip_esp_hdr(skb));
	kfree(ctx);
	sectun_tunnel_send(sa, skb, len, err);
	sectun_sa_put(sa);
}

/* Driver completions may run in process context: give them softirq's. */
static void sectun_esp_xmit_done_fn(void *data, int err)
{
	rcu_read_lock();
	local_bh_disable();
	sectun_esp_xmit_finish(data, err);
	local_bh_enable();
	rcu_read_unlock();
}

SECTUN_CRYPTO_DONE(sectun_esp_xmit_done, sectun_esp_xmit_done_fn)

/*
 * Protect the inner packet @skb with @sa and send it under @outer; the
 * caller set the route.  Consumes @skb and the caller's reference on @sa.
 */
void sectun_esp_xmit(struct sectun_sa *sa, struct sk_buff *skb,
		     const struct sectun_outer *outer)
{
	const struct sectun_alg *alg = sa->alg;
	struct net_device *dev = sa->sd->dev;
	unsigned int len = skb->len, padlen, elen, assoclen, tailen;
	struct sectun_esp_ctx *ctx;
	struct ip_esp_hdr *esph;
	struct aead_request *req;
	struct scatterlist *sg;
	struct sk_buff *trailer;
	u8 *iv, *tail, *ad;
	int nfrags, err;
	u64 seq;

	if (unlikely(!sectun_tunnel_next_seq(sa, &seq)))
		goto drop;

	padlen = sectun_esp_padlen(len, alg->block);
	elen = len + padlen + SECTUN_ESP_TRAILER;
	tailen = padlen + SECTUN_ESP_TRAILER + alg->icv_len;

	/* Headers in front, trailer and ICV behind, all of it ours to write. */
	if (unlikely(skb_cow_head(skb, LL_RESERVED_SPACE(skb_dst(skb)->dev) +
				  sectun_outer_hlen(outer) +
				  sizeof(*esph) + alg->iv_len)))
		goto error;
	nfrags = skb_cow_data(skb, tailen, &trailer);
	if (unlikely(nfrags < 0))
		goto error;
	ctx = sectun_esp_ctx_alloc(sa->aead, nfrags, &iv, &req, &sg);
	if (unlikely(!ctx))
		goto error;

	tail = skb_tail_pointer(trailer);
	sectun_esp_pad_fill(tail, padlen);
	tail[padlen] = padlen;
	tail[padlen + 1] = skb->protocol == htons(ETH_P_IP) ? IPPROTO_IPIP :
							      IPPROTO_IPV6;
	pskb_put(skb, trailer, tailen);

	esph = skb_push(skb, sizeof(*esph) + alg->iv_len);
	skb_reset_transport_header(skb);
	esph->spi = htonl(sa->spi);
	esph->seq_no = htonl(lower_32_bits(seq));
	if (alg->iv_random)
		get_random_bytes(iv, alg->iv_len);
	else if (alg->iv_len)
		memcpy(iv, &(__be64){ cpu_to_be64(seq) }, sizeof(__be64));
	/* The request's copy: CBC hands back its chaining value in it. */
	memcpy(esph + 1, iv, alg->iv_len);
	sectun_tunnel_push(skb, sa->sd->net, outer);

	ad = (u8 *)esph;
	assoclen = sizeof(*esph) + alg->iv_len;
	if (sa->esn) {
		ad -= 4;
		sectun_esp_esn_borrow(ctx, ad, esph, seq);
		assoclen += 4;
	}
	ctx->skb = skb;
	ctx->sa = sa;
	ctx->len = len;
	err = skb_to_sgvec(skb, sg, ad - skb->data,
			   assoclen + elen + alg->icv_len);
	if (unlikely(err < 0)) {
		sectun_esp_xmit_finish(ctx, err);
		return;
	}

	aead_request_set_callback(req, 0, sectun_esp_xmit_done, ctx);
	aead_request_set_crypt(req, sg, sg, elen, iv);
	aead_request_set_ad(req, assoclen);
	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return;
	sectun_esp_xmit_finish(ctx, err);
	return;

error:
	sectun_sa_drop(sa, SECTUN_DROP_ERRORS);
	DEV_STATS_INC(dev, tx_errors);
drop:
	kfree_skb(skb);
	sectun_sa_put(sa);
}

static void sectun_esp_rcv_finish(struct sectun_esp_ctx *ctx, int err)
{
	const struct sectun_alg *alg = ctx->sa->alg;
	unsigned int hlen = sizeof(struct ip_esp_hdr) + alg->iv_len;
	struct sk_buff *skb = ctx->skb;
	struct sectun_sa *sa = ctx->sa;
	unsigned int elen = ctx->len;
	u8 outer_tos = ctx->outer_tos;
	u64 seq = ctx->seq;
	u8 buf[255], trl[2];
	const u8 *p;
	u8 padlen, nexthdr;

	if (sa->esn)
		sectun_esp_esn_restore(ctx, (struct ip_esp_hdr *)skb->data);
	kfree(ctx);
	if (unlikely(err)) {
		sectun_tunnel_rx_drop(sa, skb, err == -EBADMSG ?
				      SECTUN_DROP_INTEGRITY : SECTUN_DROP_ERRORS);
		goto out;
	}

	/* Authentic; now it may move the window (RFC 4303 3.4.3). */
	err = sectun_sa_replay_advance(sa, seq);
	if (unlikely(err)) {
		sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_REPLAY);
		goto out;
	}
	sectun_encap_float(sa, skb);

	p = skb_header_pointer(skb, skb->len - alg->icv_len - sizeof(trl),
			       sizeof(trl), trl);
	if (unlikely(!p))
		goto malformed;
	padlen = p[0];
	nexthdr = p[1];
	if (padlen + SECTUN_ESP_TRAILER > elen)
		goto malformed;
	p = skb_header_pointer(skb, hlen + elen - SECTUN_ESP_TRAILER - padlen,
			       padlen, buf);
	if (!p || !sectun_esp_pad_valid(p, padlen))
		goto malformed;
	if (pskb_trim(skb, hlen + elen - SECTUN_ESP_TRAILER - padlen))
		goto malformed;
	__skb_pull(skb, hlen);

	if (nexthdr == IPPROTO_NONE) {
		/* A dummy packet (RFC 4303 2.6): discarded, nothing wrong. */
		sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_DUMMY);
		goto out;
	}
	sectun_tunnel_rcv(sa, skb, nexthdr, outer_tos);
	goto out;

malformed:
	sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_MALFORMED);
out:
	sectun_sa_put(sa);
}

static void sectun_esp_rcv_done_fn(void *data, int err)
{
	rcu_read_lock();
	local_bh_disable();
	sectun_esp_rcv_finish(data, err);
	local_bh_enable();
	rcu_read_unlock();
}

SECTUN_CRYPTO_DONE(sectun_esp_rcv_done, sectun_esp_rcv_done_fn)

/*
 * An ESP packet for inbound @sa, data at the ESP header, outer header
 * still in front.  Consumes @skb and the caller's reference on @sa.
 */
void sectun_esp_rcv(struct sectun_sa *sa, struct sk_buff *skb, u8 outer_tos)
{
	const struct sectun_alg *alg = sa->alg;
	unsigned int hlen = sizeof(struct ip_esp_hdr) + alg->iv_len;
	struct sectun_esp_ctx *ctx;
	struct ip_esp_hdr *esph;
	struct aead_request *req;
	struct scatterlist *sg;
	struct sk_buff *trailer;
	unsigned int elen, assoclen;
	int nfrags, err;
	u8 *iv, *ad;
	u64 seq;

	if (unlikely(skb->len < hlen + alg->icv_len ||
		     !pskb_may_pull(skb, hlen)))
		goto malformed;
	elen = skb->len - hlen - alg->icv_len;
	if (unlikely(!sectun_esp_len_valid(elen, alg->block)))
		goto malformed;

	/* Before any crypto: replayed packets cost nothing (RFC 4303 3.4.3). */
	esph = (struct ip_esp_hdr *)skb->data;
	err = sectun_sa_replay_check(sa, ntohl(esph->seq_no), &seq);
	if (unlikely(err)) {
		sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_REPLAY);
		goto out;
	}

	nfrags = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nfrags < 0))
		goto error;
	/* ESN borrows four bytes in front: the outer header's, now ours. */
	if (unlikely(sa->esn && skb_headroom(skb) < 4))
		goto error;
	ctx = sectun_esp_ctx_alloc(sa->aead, nfrags, &iv, &req, &sg);
	if (unlikely(!ctx))
		goto error;

	esph = (struct ip_esp_hdr *)skb->data;
	memcpy(iv, esph + 1, alg->iv_len);
	ad = skb->data;
	assoclen = hlen;
	ctx->skb = skb;
	ctx->sa = sa;
	ctx->seq = seq;
	ctx->len = elen;
	ctx->outer_tos = outer_tos;
	if (sa->esn) {
		ad -= 4;
		sectun_esp_esn_borrow(ctx, ad, esph, seq);
		assoclen += 4;
	}
	err = skb_to_sgvec(skb, sg, ad - skb->data,
			   assoclen + elen + alg->icv_len);
	if (unlikely(err < 0)) {
		sectun_esp_rcv_finish(ctx, err);
		return;
	}

	aead_request_set_callback(req, 0, sectun_esp_rcv_done, ctx);
	aead_request_set_crypt(req, sg, sg, elen + alg->icv_len, iv);
	aead_request_set_ad(req, assoclen);
	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return;
	sectun_esp_rcv_finish(ctx, err);
	return;

malformed:
	sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_MALFORMED);
	goto out;
error:
	sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_ERRORS);
out:
	sectun_sa_put(sa);
}
