/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Security associations: the objects, their lifetime and lookups.
 */
#ifndef _SECTUN_SA_H
#define _SECTUN_SA_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "crypto.h"
#include "replay.h"
#include "sectun.h"

/* Per-CPU: the packet path counts without sharing a cache line. */
struct sectun_sa_pcpu_stats {
	u64_stats_t packets;
	u64_stats_t bytes;
	struct u64_stats_sync syncp;
};

/* Drops are rare: one atomic each is cheap enough and simple. */
enum sectun_sa_drop {
	SECTUN_DROP_REPLAY,
	SECTUN_DROP_INTEGRITY,
	SECTUN_DROP_MALFORMED,
	SECTUN_DROP_INNER,
	SECTUN_DROP_SEQ_EXHAUSTED,
	SECTUN_DROP_ERRORS,
	SECTUN_DROP_DUMMY,
	__SECTUN_DROP_MAX
};

struct sectun_sa {
	struct hlist_node hash_node;	/* sectun_net.sa_in or sa_out */
	struct list_head dev_node;	/* sd->sas */
	struct sectun_dev *sd;		/* holds a device reference */
	refcount_t refcnt;
	struct rcu_work free_rwork;

	u32 spi;
	u8 dir;				/* enum sectun_dir */
	u8 proto;			/* IPPROTO_ESP or IPPROTO_AH */
	bool esn;
	bool align4;			/* AH over IPv4: 4-byte ICV padding */
	u32 window;
	const struct sectun_alg *alg;
	union {
		struct crypto_aead *aead;	/* ESP */
		struct crypto_ahash *ahash;	/* AH */
	};

	atomic64_t oseq;		/* outbound: next number to send */
	spinlock_t replay_lock;		/* inbound: guards replay */
	struct sectun_replay *replay;

	struct sectun_sa_pcpu_stats __percpu *stats;
	atomic64_t drops[__SECTUN_DROP_MAX];
	time64_t last_used;		/* seconds since the epoch, 0 = never */
};

/* Parameters of a new SA, validated by the netlink layer. */
struct sectun_sa_params {
	u32 spi;
	u8 dir;
	u8 proto;
	bool esn;
	bool align4;
	u32 window;
	u64 seq;
	const struct sectun_alg *alg;
	const u8 *key;
	unsigned int keylen;
};

struct sectun_sa *sectun_sa_create(const struct sectun_sa_params *p,
				   struct netlink_ext_ack *extack);
void sectun_sa_destroy_unlinked(struct sectun_sa *sa);
int sectun_sa_link(struct sectun_dev *sd, struct sectun_sa *sa,
		   struct netlink_ext_ack *extack);
void sectun_sa_unlink(struct sectun_sa *sa);
struct sectun_sa *sectun_sa_find_dev(struct sectun_dev *sd, u8 dir, u32 spi,
				     u8 proto);
void sectun_sa_flush_dev(struct sectun_dev *sd, u8 dir);
bool sectun_sa_local_conflict(struct sectun_dev *sd,
			      const struct sectun_cfg *cfg);
bool sectun_sa_dev_has_proto(struct sectun_dev *sd, u8 proto);
void sectun_sa_put(struct sectun_sa *sa);
u64 sectun_sa_seq(struct sectun_sa *sa);
void sectun_sa_stats_read(const struct sectun_sa *sa, u64 *packets,
			  u64 *bytes);
struct sectun_sa *sectun_sa_lookup(struct net *net, u8 dir, u32 spi, u8 proto,
				   sa_family_t family, const void *addr);
void sectun_sa_count(struct sectun_sa *sa, unsigned int len);

static inline void sectun_sa_drop(struct sectun_sa *sa, enum sectun_sa_drop why)
{
	atomic64_inc(&sa->drops[why]);
}

/*
 * Take the next outbound sequence number.  A compare-and-swap rather than
 * an increment: once exhausted the counter must stay put, or an ESN
 * counter would wrap to 0 and then hand out 1 again.
 */
static inline bool sectun_sa_next_seq(struct sectun_sa *sa, u64 *seq)
{
	s64 cur = atomic64_read(&sa->oseq);

	do {
		if (sectun_seq_exhausted(cur, sa->esn))
			return false;
	} while (!atomic64_try_cmpxchg(&sa->oseq, &cur, cur + 1));
	*seq = cur;
	return true;
}

/* Inbound: may @seq_lo be received?  Its full number into @seq. */
static inline int sectun_sa_replay_check(struct sectun_sa *sa, u32 seq_lo,
					 u64 *seq)
{
	int err;

	spin_lock(&sa->replay_lock);
	err = sectun_replay_check(sa->replay, seq_lo, seq);
	spin_unlock(&sa->replay_lock);
	return err;
}

/*
 * Inbound, once @seq authenticated: record it, checked again under the
 * lock because another CPU may have taken it since the first check.
 */
static inline int sectun_sa_replay_advance(struct sectun_sa *sa, u64 seq)
{
	int err;

	spin_lock(&sa->replay_lock);
	err = sectun_replay_check_and_advance(sa->replay, seq);
	spin_unlock(&sa->replay_lock);
	return err;
}

static inline bool sectun_sa_active(const struct sectun_sa *sa)
{
	return rcu_access_pointer(sa->sd->tx_sa) == sa;
}

static inline void sectun_sa_hold(struct sectun_sa *sa)
{
	refcount_inc(&sa->refcnt);
}

int sectun_sa_init(void);
void sectun_sa_uninit(void);

#endif /* _SECTUN_SA_H */
