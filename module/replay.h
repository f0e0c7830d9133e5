/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inbound anti-replay window and extended sequence number (ESN)
 * reconstruction, RFC 4303 section 3.4.3 and appendix A.
 *
 * Pure code: no locking (the SA's replay_lock serializes every call on one
 * window), no allocation (the SA allocates sectun_replay_size() bytes) and
 * nothing from the kernel beyond types and memset, so selftests/unit builds
 * the same file in userspace and checks it against a reference model.
 *
 * Receive path, per packet:
 *
 *	before decryption, under the lock:
 *		err = sectun_replay_check(r, ntohl(esp->seq_no), &seq);
 *	drop on err; otherwise authenticate with seq (its high half is the
 *	ESN's implicit Seqh), then, after the ICV verified, under the lock:
 *		err = sectun_replay_check_and_advance(r, seq);
 *	drop on err: another CPU accepted the same number, or moved the window
 *	past it, while this packet was being decrypted.
 *
 * Sequence number 0 is never sent (RFC 4303 section 3.3.3: the first packet
 * carries 1), so it is refused: the 32-bit 0 without ESN, the 64-bit 0 with
 * ESN (with ESN a 32-bit 0 is valid once the high half is non-zero).
 *
 * A window of 0 turns the replay check off, but with ESN the high half of
 * each number must still be guessed from the highest number seen.  RFC 4303
 * derives it from the window and leaves the window-less case open (xfrm
 * refuses it), so sectun picks the number nearest the top: as if the window
 * were 2^31, accepting reordering up to 2^31 - 1 behind the top and jumps up
 * to 2^31 ahead.  Whoever turns the check off wants reordering tolerated;
 * a window of 1 would instead misread every late packet as 2^32 ahead.
 */
#ifndef _SECTUN_REPLAY_H
#define _SECTUN_REPLAY_H

#include <linux/types.h>

/* Opaque: only replay.c looks inside. */
struct sectun_replay;

/*
 * Why a sequence number is refused.  The functions return 0 to accept, or
 * the negated verdict, so "if (err)" is the whole test on the fast path.
 */
enum sectun_replay_verdict {
	SECTUN_REPLAY_OK,
	SECTUN_REPLAY_DUP,	/* in the window and already received */
	SECTUN_REPLAY_OLD,	/* left of the window: cannot tell, so refused */
	SECTUN_REPLAY_ZERO,	/* 0 is never a valid sequence number */
};

size_t sectun_replay_size(u32 window);
void sectun_replay_init(struct sectun_replay *r, u32 window, bool esn, u64 top);
int sectun_replay_check(const struct sectun_replay *r, u32 seq_lo,
			u64 *seq_full);
int sectun_replay_check_and_advance(struct sectun_replay *r, u64 seq_full);
void sectun_replay_advance(struct sectun_replay *r, u64 seq_full);
u64 sectun_replay_top(const struct sectun_replay *r);

/*
 * Outbound: may @next, the next number to send, still be used?  The
 * counter must never wrap (RFC 4303 section 3.3.3): the last number is
 * 2^32 - 1 without ESN and 2^64 - 1 with it, and a 64-bit counter that did
 * wrap reads 0, which is exhausted as well.
 */
static inline bool sectun_seq_exhausted(u64 next, bool esn)
{
	return !next || (!esn && (next >> 32));
}

#endif /* _SECTUN_REPLAY_H */
