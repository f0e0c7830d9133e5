// SPDX-License-Identifier: GPL-2.0-only
/*
 * AH (RFC 4302) in tunnel mode over the kernel crypto API's ahash
 * interface (HMAC).  The ICV covers the whole outer packet: the outer
 * header with its mutable fields zeroed (3.3.3.1), the AH header with the
 * ICV zeroed, the inner packet, and with extended sequence numbers the
 * implicit high half of the number, appended (3.3.3.1, 2.5.1).
 *
 * Transmit zeroes the mutable fields in place and puts them back after
 * the hash; receive zeroes them for good, since the outer header is
 * discarded once the packet is authentic.  A driver may complete
 * asynchronously, so each direction is a start and a finish function,
 * as in esp.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "ah.h"
#include "compat.h"
#include "encap.h"
#include "sa.h"
#include "tunnel.h"

/* Longest digest of the table (SHA-512) and ICV (SHA-512-256). */
#define SECTUN_AH_DIGEST_MAX	64
#define SECTUN_AH_ICV_MAX	32

/* What a packet needs across the hash; followed by the request and sg. */
struct sectun_ah_ctx {
	struct sk_buff *skb;
	struct sectun_sa *sa;		/* the packet's reference */
	u64 seq;
	unsigned int len;		/* TX: inner packet length */
	unsigned int hlen;		/* outer header and extension headers */
	unsigned int ah_hlen;		/* AH header with ICV and padding */
	__be32 seqhi;			/* ESN: hashed after the packet */
	union {
		struct {		/* TX: the outer header's mutable fields */
			__be32 flow;	/* IPv6 version, class, flow label */
			__be16 frag_off;
			u8 tos;
			u8 ttl;
		} mut;
		struct {		/* RX */
			u8 icv[SECTUN_AH_ICV_MAX];	/* as received */
			u8 outer_tos;
			u8 nexthdr;
		} rx;
	};
	u8 digest[SECTUN_AH_DIGEST_MAX] __aligned(8);
};

/* AH header bytes: ICV padded to 8, or to 4 where IPv4 allows (2.6). */
static unsigned int sectun_ah_hlen(const struct sectun_sa *sa,
				   sa_family_t family)
{
	unsigned int len = sizeof(struct ip_auth_hdr) + sa->alg->icv_len;

	return family == AF_INET && sa->align4 ? ALIGN(len, 4) : ALIGN(len, 8);
}

unsigned int sectun_ah_len(const struct sectun_sa *sa, sa_family_t family,
			   unsigned int len)
{
	return sectun_ah_hlen(sa, family) + len;
}

unsigned int sectun_ah_max_inner(const struct sectun_sa *sa,
				 sa_family_t family, unsigned int space)
{
	unsigned int hlen = sectun_ah_hlen(sa, family);

	return space > hlen ? space - hlen : 0;
}

/* One allocation per packet: it must outlive asynchronous hashing. */
static struct sectun_ah_ctx *sectun_ah_ctx_alloc(struct crypto_ahash *ahash,
						 int nsg,
						 struct ahash_request **req,
						 struct scatterlist **sg)
{
	unsigned int reqsize = sizeof(**req) + crypto_ahash_reqsize(ahash);
	struct sectun_ah_ctx *ctx;

	ctx = kmalloc(sizeof(*ctx) + crypto_tfm_ctx_alignment() - 1 + reqsize +
		      __alignof__(struct scatterlist) - 1 + sizeof(**sg) * nsg,
		      GFP_ATOMIC);
	if (!ctx)
		return NULL;
	*req = PTR_ALIGN((struct ahash_request *)(ctx + 1),
			 crypto_tfm_ctx_alignment());
	*sg = PTR_ALIGN((struct scatterlist *)((u8 *)*req + reqsize),
			__alignof__(struct scatterlist));
	sg_init_table(*sg, nsg);
	ahash_request_set_tfm(*req, ahash);
	return ctx;
}

/*
 * Hash the packet from skb->data to its end, then with ESN the high half
 * of the sequence number, into ctx->digest.
 */
static int sectun_ah_digest(struct sectun_ah_ctx *ctx, struct sk_buff *skb,
			    struct ahash_request *req, struct scatterlist *sg,
			    crypto_completion_t done)
{
	unsigned int len = skb->len;
	int n;

	n = skb_to_sgvec_nomark(skb, sg, 0, skb->len);
	if (unlikely(n <= 0))
		return n ? n : -EINVAL;
	if (ctx->sa->esn) {
		ctx->seqhi = htonl(upper_32_bits(ctx->seq));
		sg_set_buf(&sg[n++], &ctx->seqhi, sizeof(ctx->seqhi));
		len += sizeof(ctx->seqhi);
	}
	sg_mark_end(&sg[n - 1]);
	ahash_request_set_callback(req, 0, done, ctx);
	ahash_request_set_crypt(req, sg, ctx->digest, len);
	return crypto_ahash_digest(req);
}

static void sectun_ah_xmit_finish(struct sectun_ah_ctx *ctx, int err)
{
	struct sk_buff *skb = ctx->skb;
	struct sectun_sa *sa = ctx->sa;
	unsigned int len = ctx->len;
	struct ip_auth_hdr *ah;

	if (skb->protocol == htons(ETH_P_IP)) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tos = ctx->mut.tos;
		iph->frag_off = ctx->mut.frag_off;
		iph->ttl = ctx->mut.ttl;
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		*(__be32 *)ip6h = ctx->mut.flow;
		ip6h->hop_limit = ctx->mut.ttl;
	}
	ah = (struct ip_auth_hdr *)skb_transport_header(skb);
	memcpy(ah->auth_data, ctx->digest, sa->alg->icv_len);
	kfree(ctx);
	sectun_tunnel_send(sa, skb, len, err);
	sectun_sa_put(sa);
}

static void sectun_ah_xmit_done_fn(void *data, int err)
{
	rcu_read_lock();
	local_bh_disable();
	sectun_ah_xmit_finish(data, err);
	local_bh_enable();
	rcu_read_unlock();
}

SECTUN_CRYPTO_DONE(sectun_ah_xmit_done, sectun_ah_xmit_done_fn)

/*
 * Protect the inner packet @skb with @sa and send it under @outer; the
 * caller set the route.  Consumes @skb and the caller's reference on @sa.
 */
void sectun_ah_xmit(struct sectun_sa *sa, struct sk_buff *skb,
		    const struct sectun_outer *outer)
{
	unsigned int ah_hlen = sectun_ah_hlen(sa, outer->family);
	struct net_device *dev = sa->sd->dev;
	unsigned int len = skb->len;
	struct sectun_ah_ctx *ctx;
	struct ahash_request *req;
	struct ip_auth_hdr *ah;
	struct sk_buff *trailer;
	struct scatterlist *sg;
	int nfrags, err;
	u64 seq;

	if (unlikely(!sectun_tunnel_next_seq(sa, &seq)))
		goto drop;

	if (unlikely(skb_cow_head(skb, LL_RESERVED_SPACE(skb_dst(skb)->dev) +
				  sectun_outer_hlen(outer) + ah_hlen)))
		goto error;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nfrags < 0))
		goto error;
	/* Headers are in the linear part: they add no sg entry of their own. */
	ctx = sectun_ah_ctx_alloc(sa->ahash, nfrags + 1, &req, &sg);
	if (unlikely(!ctx))
		goto error;
	ctx->skb = skb;
	ctx->sa = sa;
	ctx->seq = seq;
	ctx->len = len;

	ah = skb_push(skb, ah_hlen);
	skb_reset_transport_header(skb);
	ah->nexthdr = skb->protocol == htons(ETH_P_IP) ? IPPROTO_IPIP :
							 IPPROTO_IPV6;
	ah->hdrlen = (ah_hlen >> 2) - 2;
	ah->reserved = 0;
	ah->spi = htonl(sa->spi);
	ah->seq_no = htonl(lower_32_bits(seq));
	/* ICV and padding: the padding is hashed as sent (3.3.3.2.1). */
	memset(ah->auth_data, 0, ah_hlen - sizeof(*ah));
	sectun_tunnel_push(skb, sa->sd->net, outer);

	/* The length is immutable; ip_local_out would fill in the same. */
	if (outer->family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = htons(skb->len);
		ctx->mut.tos = iph->tos;
		ctx->mut.frag_off = iph->frag_off;
		ctx->mut.ttl = iph->ttl;
		iph->tos = 0;
		iph->frag_off = 0;
		iph->ttl = 0;
		/* The checksum is computed when sending, after the hash. */
		iph->check = 0;
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
		ctx->mut.flow = *(__be32 *)ip6h;
		ctx->mut.ttl = ip6h->hop_limit;
		*(__be32 *)ip6h = htonl(6 << 28);
		ip6h->hop_limit = 0;
	}

	err = sectun_ah_digest(ctx, skb, req, sg, sectun_ah_xmit_done);
	if (err == -EINPROGRESS)
		return;
	sectun_ah_xmit_finish(ctx, err);
	return;

error:
	sectun_sa_drop(sa, SECTUN_DROP_ERRORS);
	DEV_STATS_INC(dev, tx_errors);
drop:
	kfree_skb(skb);
	sectun_sa_put(sa);
}

/*
 * IPv4 options (RFC 4302 A.1): the few immutable ones are hashed as they
 * are, every other one is zeroed whole.  A source route's final address
 * is already the destination by the time the packet is received here.
 */
static int sectun_ah4_clear_options(u8 *opt, unsigned int len)
{
	while (len > 0) {
		unsigned int optlen;

		if (opt[0] == IPOPT_END)
			return 0;
		if (opt[0] == IPOPT_NOOP) {
			opt++;
			len--;
			continue;
		}
		if (len < 2 || opt[1] < 2 || opt[1] > len)
			return -EINVAL;
		optlen = opt[1];
		switch (opt[0]) {
		case IPOPT_SEC:
		case 0x85:	/* extended security */
		case 0x86:	/* commercial security */
		case IPOPT_RA:
		case 0x95:	/* sender directed multi-destination delivery */
			break;
		default:
			memset(opt, 0, optlen);
		}
		opt += optlen;
		len -= optlen;
	}
	return 0;
}

/*
 * IPv6 extension headers before AH (RFC 4302 A.2): options whose type
 * says they may change en route have their data zeroed; a routing header
 * reached its end and reads as the sender hashed it.
 */
static int sectun_ah6_clear_exthdrs(u8 *nh, unsigned int len)
{
	unsigned int off = sizeof(struct ipv6hdr);
	u8 nexthdr = ((struct ipv6hdr *)nh)->nexthdr;

	while (off < len) {
		struct ipv6_opt_hdr *eh = (struct ipv6_opt_hdr *)(nh + off);
		unsigned int ehlen, o;

		if (len - off < sizeof(*eh))
			return -EINVAL;
		ehlen = ipv6_optlen(eh);
		if (ehlen > len - off)
			return -EINVAL;
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			for (o = 2; o < ehlen;) {
				u8 *opt = nh + off + o;

				if (opt[0] == IPV6_TLV_PAD1) {
					o++;
					continue;
				}
				if (ehlen - o < 2 || opt[1] > ehlen - o - 2)
					return -EINVAL;
				/* Bit 0x20 of the type: "may change en route". */
				if (opt[0] & 0x20)
					memset(opt + 2, 0, opt[1]);
				o += 2 + opt[1];
			}
			break;
		case NEXTHDR_ROUTING:
			break;
		default:
			return -EINVAL;
		}
		nexthdr = eh->nexthdr;
		off += ehlen;
	}
	return nexthdr == IPPROTO_AH ? 0 : -EINVAL;
}

/* Zero what may change in flight; -EINVAL if the header is malformed. */
static int sectun_ah_clear_mutable(struct sk_buff *skb, unsigned int hlen)
{
	if (skb->protocol == htons(ETH_P_IP)) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tos = 0;
		iph->frag_off = 0;
		iph->ttl = 0;
		iph->check = 0;
		return sectun_ah4_clear_options((u8 *)(iph + 1),
						hlen - sizeof(*iph));
	}
	*(__be32 *)ipv6_hdr(skb) = htonl(6 << 28);
	ipv6_hdr(skb)->hop_limit = 0;
	return sectun_ah6_clear_exthdrs(skb_network_header(skb), hlen);
}

static void sectun_ah_rcv_finish(struct sectun_ah_ctx *ctx, int err)
{
	struct sk_buff *skb = ctx->skb;
	struct sectun_sa *sa = ctx->sa;
	unsigned int pull = ctx->hlen + ctx->ah_hlen;
	u8 outer_tos = ctx->rx.outer_tos;
	u8 nexthdr = ctx->rx.nexthdr;
	u64 seq = ctx->seq;

	if (likely(!err) &&
	    crypto_memneq(ctx->digest, ctx->rx.icv, sa->alg->icv_len))
		err = -EBADMSG;
	kfree(ctx);
	if (unlikely(err)) {
		sectun_tunnel_rx_drop(sa, skb, err == -EBADMSG ?
				      SECTUN_DROP_INTEGRITY : SECTUN_DROP_ERRORS);
		goto out;
	}

	/* Authentic; now it may move the window (RFC 4302 3.4.3). */
	err = sectun_sa_replay_advance(sa, seq);
	if (unlikely(err)) {
		sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_REPLAY);
		goto out;
	}
	sectun_encap_float(sa, skb);

	__skb_pull(skb, pull);
	sectun_tunnel_rcv(sa, skb, nexthdr, outer_tos);
out:
	sectun_sa_put(sa);
}

static void sectun_ah_rcv_done_fn(void *data, int err)
{
	rcu_read_lock();
	local_bh_disable();
	sectun_ah_rcv_finish(data, err);
	local_bh_enable();
	rcu_read_unlock();
}

SECTUN_CRYPTO_DONE(sectun_ah_rcv_done, sectun_ah_rcv_done_fn)

/* The header lengths a receiver accepts: either alignment over IPv4. */
static bool sectun_ah_hlen_valid(const struct sectun_sa *sa,
				 sa_family_t family, unsigned int ah_hlen)
{
	unsigned int len = sizeof(struct ip_auth_hdr) + sa->alg->icv_len;

	return ah_hlen == ALIGN(len, 8) ||
	       (family == AF_INET && ah_hlen == ALIGN(len, 4));
}

/*
 * An AH packet for inbound @sa, data at the AH header, outer header (and
 * IPv6 extension headers) in front.  Consumes @skb and the caller's
 * reference on @sa.
 */
void sectun_ah_rcv(struct sectun_sa *sa, struct sk_buff *skb, u8 outer_tos)
{
	sa_family_t family = skb->protocol == htons(ETH_P_IP) ? AF_INET :
								 AF_INET6;
	unsigned int icv_len = sa->alg->icv_len;
	unsigned int hlen, ah_hlen;
	struct sectun_ah_ctx *ctx;
	struct ahash_request *req;
	struct ip_auth_hdr *ah;
	struct sk_buff *trailer;
	struct scatterlist *sg;
	int nfrags, err;
	u64 seq;

	if (unlikely(!pskb_may_pull(skb, sizeof(*ah))))
		goto malformed;
	ah = (struct ip_auth_hdr *)skb->data;
	ah_hlen = (ah->hdrlen + 2) << 2;
	if (unlikely(!sectun_ah_hlen_valid(sa, family, ah_hlen) ||
		     !pskb_may_pull(skb, ah_hlen)))
		goto malformed;

	/* Before any crypto: replayed packets cost nothing (RFC 4302 3.4.3). */
	ah = (struct ip_auth_hdr *)skb->data;
	err = sectun_sa_replay_check(sa, ntohl(ah->seq_no), &seq);
	if (unlikely(err)) {
		sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_REPLAY);
		goto out;
	}

	/* The headers are rewritten below: they must be ours alone. */
	if (unlikely(skb_unclone(skb, GFP_ATOMIC)))
		goto error;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nfrags < 0))
		goto error;
	ctx = sectun_ah_ctx_alloc(sa->ahash, nfrags + 1, &req, &sg);
	if (unlikely(!ctx))
		goto error;

	hlen = skb->data - skb_network_header(skb);
	ah = (struct ip_auth_hdr *)skb->data;
	ctx->skb = skb;
	ctx->sa = sa;
	ctx->seq = seq;
	ctx->hlen = hlen;
	ctx->ah_hlen = ah_hlen;
	ctx->rx.outer_tos = outer_tos;
	ctx->rx.nexthdr = ah->nexthdr;
	memcpy(ctx->rx.icv, ah->auth_data, icv_len);
	memset(ah->auth_data, 0, icv_len);
	if (unlikely(sectun_ah_clear_mutable(skb, hlen))) {
		kfree(ctx);
		goto malformed;
	}

	__skb_push(skb, hlen);
	err = sectun_ah_digest(ctx, skb, req, sg, sectun_ah_rcv_done);
	if (err == -EINPROGRESS)
		return;
	sectun_ah_rcv_finish(ctx, err);
	return;

malformed:
	sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_MALFORMED);
	goto out;
error:
	sectun_tunnel_rx_drop(sa, skb, SECTUN_DROP_ERRORS);
out:
	sectun_sa_put(sa);
}
