// SPDX-License-Identifier: GPL-2.0-only
/*
 * Security associations: creation with their transforms, the per-device
 * lists, the per-netns inbound SPI table, and RCU/refcount lifetime.
 *
 * Writers hold rtnl.  Packet paths find SAs under RCU and take a
 * reference when they must outlive the read section (async crypto).  The
 * last reference frees the SA from a workqueue after a grace period,
 * because freeing a crypto transform may sleep.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/in.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "compat.h"
#include "objcount.h"
#include "replay.h"
#include "sa.h"

static struct workqueue_struct *sectun_sa_wq;
/*
 * SAs not yet freed.  Asynchronous crypto completions hold SAs; the module
 * may only go once the last of them ran (see sectun_sa_uninit()).
 */
static atomic_t sectun_sa_live = ATOMIC_INIT(0);

static u32 sectun_sa_hash(u32 spi, u8 proto)
{
	return hash_32(spi ^ ((u32)proto << 24), SECTUN_SA_HASH_BITS);
}

static void sectun_sa_free(struct sectun_sa *sa)
{
	if (sa->proto == IPPROTO_AH) {
		if (!IS_ERR_OR_NULL(sa->ahash))
			sectun_ahash_free(sa->ahash);
	} else if (!IS_ERR_OR_NULL(sa->aead)) {
		sectun_aead_free(sa->aead);
	}
	kfree(sa->replay);
	free_percpu(sa->stats);
	kfree(sa);
	sectun_obj_destroyed(SECTUN_OBJ_SA);
	if (atomic_dec_and_test(&sectun_sa_live))
		wake_up_var(&sectun_sa_live);
}

static void sectun_sa_free_work(struct work_struct *work)
{
	struct sectun_sa *sa = container_of(to_rcu_work(work), struct sectun_sa,
					    free_rwork);

	if (sa->sd)
		dev_put(sa->sd->dev);
	sectun_sa_free(sa);
}

void sectun_sa_put(struct sectun_sa *sa)
{
	if (refcount_dec_and_test(&sa->refcnt))
		queue_rcu_work(sectun_sa_wq, &sa->free_rwork);
}

/*
 * Build an SA with its transform, not yet visible anywhere.  Done before
 * taking rtnl: allocating a transform may load crypto modules.
 */
struct sectun_sa *sectun_sa_create(const struct sectun_sa_params *p,
				   struct netlink_ext_ack *extack)
{
	struct sectun_sa *sa;
	int err = -ENOMEM;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	sectun_obj_created(SECTUN_OBJ_SA);
	atomic_inc(&sectun_sa_live);

	refcount_set(&sa->refcnt, 1);
	INIT_RCU_WORK(&sa->free_rwork, sectun_sa_free_work);
	INIT_LIST_HEAD(&sa->dev_node);
	INIT_HLIST_NODE(&sa->hash_node);
	spin_lock_init(&sa->replay_lock);
	sa->spi = p->spi;
	sa->dir = p->dir;
	sa->proto = p->proto;
	sa->esn = p->esn;
	sa->window = p->window;
	sa->align4 = p->align4;
	sa->alg = p->alg;

	sa->stats = netdev_alloc_pcpu_stats(struct sectun_sa_pcpu_stats);
	if (!sa->stats)
		goto err;

	if (p->dir == SECTUN_DIR_OUT) {
		atomic64_set(&sa->oseq, p->seq);
	} else {
		sa->replay = kzalloc(sectun_replay_size(p->window), GFP_KERNEL);
		if (!sa->replay)
			goto err;
		sectun_replay_init(sa->replay, p->window, p->esn, p->seq);
	}

	if (p->proto == IPPROTO_AH) {
		sa->ahash = sectun_ahash_new(p->alg, p->key, p->keylen, extack);
		if (IS_ERR(sa->ahash)) {
			err = PTR_ERR(sa->ahash);
			goto err;
		}
	} else {
		sa->aead = sectun_aead_new(p->alg, p->esn, p->key, p->keylen,
					   extack);
		if (IS_ERR(sa->aead)) {
			err = PTR_ERR(sa->aead);
			goto err;
		}
	}
	return sa;

err:
	sectun_sa_free(sa);
	return ERR_PTR(err);
}

/* For an SA that sectun_sa_link() refused: nobody else has seen it. */
void sectun_sa_destroy_unlinked(struct sectun_sa *sa)
{
	sectun_sa_free(sa);
}

/* Do two inbound SAs' local addresses overlap?  Unset is a wildcard. */
static bool sectun_local_overlap(const struct sectun_cfg *a,
				 const struct sectun_cfg *b)
{
	if (!a->has_local || !b->has_local)
		return true;
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->local.ip4 == b->local.ip4;
	return ipv6_addr_equal(&a->local.ip6, &b->local.ip6);
}

/*
 * Would an inbound SA (@spi, @proto) of a device with settings @cfg be
 * ambiguous with one of another device, or of @sd itself?  Caller holds
 * rtnl.  @skip_sd: compare with every device but this one.
 */
static struct sectun_sa *sectun_sa_in_conflict(struct sectun_net *sn, u32 spi,
					       u8 proto,
					       const struct sectun_cfg *cfg,
					       const struct sectun_dev *skip_sd)
{
	struct sectun_sa *other;

	hash_for_each_possible(sn->sa_in, other, hash_node,
			       sectun_sa_hash(spi, proto)) {
		if (other->spi != spi || other->proto != proto ||
		    other->sd == skip_sd)
			continue;
		if (sectun_local_overlap(cfg, rtnl_dereference(other->sd->cfg)))
			return other;
	}
	return NULL;
}

struct sectun_sa *sectun_sa_find_dev(struct sectun_dev *sd, u8 dir, u32 spi,
				     u8 proto)
{
	struct sectun_sa *sa;

	ASSERT_RTNL();
	list_for_each_entry(sa, &sd->sas, dev_node)
		if (sa->dir == dir && sa->spi == spi &&
		    (!proto || sa->proto == proto))
			return sa;
	return NULL;
}

/* Publish @sa on @sd; an outbound SA becomes the active one atomically. */
int sectun_sa_link(struct sectun_dev *sd, struct sectun_sa *sa,
		   struct netlink_ext_ack *extack)
{
	struct sectun_net *sn = sectun_pernet(sd->net);

	ASSERT_RTNL();
	if (sa->proto == IPPROTO_AH &&
	    rtnl_dereference(sd->cfg)->encap == SECTUN_ENCAP_UDP) {
		NL_SET_ERR_MSG(extack,
			       "AH cannot be carried in UDP (RFC 3948): the device has encap udp");
		return -EINVAL;
	}
	if (sectun_sa_find_dev(sd, sa->dir, sa->spi, sa->proto)) {
		SECTUN_ERR_FMT(extack, "an SA with this SPI already exists",
			       "%s SA with SPI 0x%x already exists on %s",
			       sa->dir == SECTUN_DIR_IN ? "an inbound" :
							  "an outbound",
			       sa->spi, sd->dev->name);
		return -EEXIST;
	}
	if (sa->dir == SECTUN_DIR_IN) {
		struct sectun_sa *other;

		other = sectun_sa_in_conflict(sn, sa->spi, sa->proto,
					      rtnl_dereference(sd->cfg), sd);
		if (other) {
			SECTUN_ERR_FMT(extack,
				       "inbound SPI already used by another device for the same local address",
				       "inbound SPI 0x%x already used by %s for the same local address",
				       sa->spi, other->sd->dev->name);
			return -EEXIST;
		}
	}

	sa->sd = sd;
	dev_hold(sd->dev);
	list_add_tail(&sa->dev_node, &sd->sas);
	sd->sa_count++;
	if (sa->dir == SECTUN_DIR_IN) {
		hash_add_rcu(sn->sa_in, &sa->hash_node,
			     sectun_sa_hash(sa->spi, sa->proto));
	} else {
		hash_add_rcu(sn->sa_out, &sa->hash_node,
			     sectun_sa_hash(sa->spi, sa->proto));
		/* The list holds one reference, the active pointer another. */
		sectun_sa_hold(sa);
		sa = rcu_replace_pointer(sd->tx_sa, sa, lockdep_rtnl_is_held());
		if (sa)
			sectun_sa_put(sa);
	}
	return 0;
}

/* Unpublish @sa and drop the list's reference.  No fallback for TX. */
void sectun_sa_unlink(struct sectun_sa *sa)
{
	struct sectun_dev *sd = sa->sd;

	ASSERT_RTNL();
	list_del_init(&sa->dev_node);
	sd->sa_count--;
	hash_del_rcu(&sa->hash_node);
	if (sa->dir == SECTUN_DIR_OUT && rtnl_dereference(sd->tx_sa) == sa) {
		RCU_INIT_POINTER(sd->tx_sa, NULL);
		sectun_sa_put(sa);
	}
	sectun_sa_put(sa);
}

/* Delete every SA of @sd, or only those of direction @dir when non-zero. */
void sectun_sa_flush_dev(struct sectun_dev *sd, u8 dir)
{
	struct sectun_sa *sa, *tmp;

	ASSERT_RTNL();
	list_for_each_entry_safe(sa, tmp, &sd->sas, dev_node) {
		if (dir && sa->dir != dir)
			continue;
		sectun_genl_sa_notify(sa, SECTUN_CMD_SA_DEL);
		sectun_sa_unlink(sa);
	}
}

/*
 * Would giving @sd the settings @cfg make one of its inbound SPIs
 * ambiguous with another device's?  Checked before a local address change.
 */
bool sectun_sa_local_conflict(struct sectun_dev *sd,
			      const struct sectun_cfg *cfg)
{
	struct sectun_net *sn = sectun_pernet(sd->net);
	struct sectun_sa *sa;

	ASSERT_RTNL();
	list_for_each_entry(sa, &sd->sas, dev_node)
		if (sa->dir == SECTUN_DIR_IN &&
		    sectun_sa_in_conflict(sn, sa->spi, sa->proto, cfg, sd))
			return true;
	return false;
}

bool sectun_sa_dev_has_proto(struct sectun_dev *sd, u8 proto)
{
	struct sectun_sa *sa;

	ASSERT_RTNL();
	list_for_each_entry(sa, &sd->sas, dev_node)
		if (sa->proto == proto)
			return true;
	return false;
}

/* Outbound: the next number to send; inbound: the top of the window. */
u64 sectun_sa_seq(struct sectun_sa *sa)
{
	u64 seq;

	if (sa->dir == SECTUN_DIR_OUT)
		return atomic64_read(&sa->oseq);
	spin_lock_bh(&sa->replay_lock);
	seq = sectun_replay_top(sa->replay);
	spin_unlock_bh(&sa->replay_lock);
	return seq;
}

void sectun_sa_stats_read(const struct sectun_sa *sa, u64 *packets,
			  u64 *bytes)
{
	int cpu;

	*packets = 0;
	*bytes = 0;
	for_each_possible_cpu(cpu) {
		const struct sectun_sa_pcpu_stats *s = per_cpu_ptr(sa->stats, cpu);
		unsigned int start;
		u64 p, b;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			p = u64_stats_read(&s->packets);
			b = u64_stats_read(&s->bytes);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		*packets += p;
		*bytes += b;
	}
}

static bool sectun_addr_match(const struct sectun_cfg *cfg,
			      const union sectun_addr *a, sa_family_t family,
			      const void *addr)
{
	if (cfg->family != family)
		return false;
	if (family == AF_INET)
		return a->ip4 == *(const __be32 *)addr;
	return ipv6_addr_equal(&a->ip6, addr);
}

/*
 * Packet paths: the SA of @net for @spi whose device's address matches
 * @addr (inbound: the packet's destination against the local address, an
 * unset local matching any; outbound: the destination of a packet we sent
 * against the remote).  Under RCU; returns a reference, or NULL.
 */
static bool sectun_sa_match(struct sectun_sa *sa, u8 dir, u32 spi, u8 proto,
			    sa_family_t family, const void *addr)
{
	const struct sectun_cfg *cfg;

	if (sa->spi != spi || sa->proto != proto)
		return false;
	cfg = rcu_dereference(sa->sd->cfg);
	if (dir == SECTUN_DIR_IN)
		return !cfg->has_local ||
		       sectun_addr_match(cfg, &cfg->local, family, addr);
	return cfg->has_remote &&
	       sectun_addr_match(cfg, &cfg->remote, family, addr);
}

struct sectun_sa *sectun_sa_lookup(struct net *net, u8 dir, u32 spi, u8 proto,
				   sa_family_t family, const void *addr)
{
	struct sectun_net *sn = sectun_pernet(net);
	u32 key = sectun_sa_hash(spi, proto);
	struct sectun_sa *sa;

	if (dir == SECTUN_DIR_IN) {
		hash_for_each_possible_rcu(sn->sa_in, sa, hash_node, key)
			if (sectun_sa_match(sa, dir, spi, proto, family, addr) &&
			    refcount_inc_not_zero(&sa->refcnt))
				return sa;
	} else {
		hash_for_each_possible_rcu(sn->sa_out, sa, hash_node, key)
			if (sectun_sa_match(sa, dir, spi, proto, family, addr) &&
			    refcount_inc_not_zero(&sa->refcnt))
				return sa;
	}
	return NULL;
}

/* Per packet: this CPU's counters, and when the SA was last used. */
void sectun_sa_count(struct sectun_sa *sa, unsigned int len)
{
	struct sectun_sa_pcpu_stats *s = this_cpu_ptr(sa->stats);
	time64_t now = ktime_get_real_seconds();

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->packets);
	u64_stats_add(&s->bytes, len);
	u64_stats_update_end(&s->syncp);
	/* Written only when it changes: one shared line, once a second. */
	if (READ_ONCE(sa->last_used) != now)
		WRITE_ONCE(sa->last_used, now);
}

int sectun_sa_init(void)
{
	sectun_sa_wq = alloc_workqueue("sectun_sa", WQ_MEM_RECLAIM, 0);
	return sectun_sa_wq ? 0 : -ENOMEM;
}

/* Callers made sure no SA is left; this waits for the last frees. */
void sectun_sa_uninit(void)
{
	rcu_barrier();
	flush_workqueue(sectun_sa_wq);
	wait_var_event(&sectun_sa_live, !atomic_read(&sectun_sa_live));
	destroy_workqueue(sectun_sa_wq);
}
