// SPDX-License-Identifier: GPL-2.0-only
/*
 * Anti-replay window and ESN reconstruction; see replay.h for the contract.
 *
 * The window's bitmap is a ring of 64-bit words indexed by sequence number
 * divided by 64, as in WireGuard's counter validation.  Moving the top then
 * only ever clears whole words, the words it enters: a jump of any size
 * costs at most one pass over the ring, never a walk over the numbers
 * skipped.  The ring has one word more than the window needs, so the word
 * of the top, partly in the future, never shares a slot with the word of
 * the window's bottom; and a power-of-two number of words, so that finding
 * a slot is a mask, never a 64-bit division (which 32-bit kernels can only
 * do through div_u64()).
 *
 * Invariant: the slot of every word index from (top / 64) - words + 1 to
 * top / 64 holds exactly the numbers of that word received since the top
 * entered it (or taken as received by sectun_replay_init()); bits above the
 * top are clear.
 */
#include <linux/bits.h>
#include <linux/sectun.h>
#include <linux/string.h>
#include <linux/types.h>

#include "replay.h"

#define REPLAY_WORD_SHIFT	6
#define REPLAY_WORD_BITS	BIT(REPLAY_WORD_SHIFT)

/* The ESN span guessed for a window of 0; replay.h says why. */
#define REPLAY_NOWINDOW_SPAN	BIT_ULL(31)

/* Start of the last 2^32 numbers: no high half exists above it. */
#define REPLAY_LAST_SUBSPACE	(~0ULL << 32)

struct sectun_replay {
	u64 top;		/* highest authenticated number; u32 range without ESN */
	u32 window;		/* numbers checked, the top included; 0 = off */
	u32 mask;		/* ring words - 1 */
	bool esn;
	u64 ring[];
};

static u32 replay_window(u32 window)
{
	/* The netlink policy enforces the maximum; never trust a caller to. */
	return window > SECTUN_REPLAY_WINDOW_MAX ? SECTUN_REPLAY_WINDOW_MAX : window;
}

static u32 replay_words(u32 window)
{
	u32 need, words = 1;

	window = replay_window(window);
	if (!window)
		return 0;
	need = (window + REPLAY_WORD_BITS - 1) / REPLAY_WORD_BITS + 1;
	while (words < need)
		words <<= 1;
	return words;
}

static u32 replay_slot(const struct sectun_replay *r, u64 seq)
{
	return (seq >> REPLAY_WORD_SHIFT) & r->mask;
}

static u64 replay_bit(u64 seq)
{
	return BIT_ULL(seq & (REPLAY_WORD_BITS - 1));
}

/**
 * sectun_replay_size() - bytes to allocate for a window
 * @window: replay window in packets, 0 for none
 *
 * Return: the size of a struct sectun_replay with its bitmap; a window above
 * SECTUN_REPLAY_WINDOW_MAX is treated as the maximum, here and by
 * sectun_replay_init().
 */
size_t sectun_replay_size(u32 window)
{
	return sizeof(struct sectun_replay) + replay_words(window) * sizeof(u64);
}

/**
 * sectun_replay_init() - set up a window
 * @r: sectun_replay_size(@window) bytes, contents undefined
 * @window: replay window in packets, 0 to turn the replay check off
 * @esn: 64-bit extended sequence numbers; without, @top is truncated to 32
 * @top: the highest number already received, 0 for a new SA
 *
 * Nothing says which numbers below a non-zero @top arrived (an SA handed
 * over from elsewhere carries only the top), so all of them are taken as
 * received: refusing a late original is harmless, accepting a replay is not.
 */
void sectun_replay_init(struct sectun_replay *r, u32 window, bool esn, u64 top)
{
	u32 words = replay_words(window);

	r->window = replay_window(window);
	r->esn = esn;
	r->top = esn ? top : (u32)top;
	r->mask = words ? words - 1 : 0;
	if (!words)
		return;
	memset(r->ring, 0xff, words * sizeof(u64));
	/* Up to and including top; the rest of its word is still to come. */
	r->ring[replay_slot(r, r->top)] = (replay_bit(r->top) << 1) - 1;
}

/*
 * RFC 4303 appendix A2.2 picks the high half Seqh that puts the number in
 * the 2^32 numbers starting at the window's bottom: with Tl and Th the
 * halves of the top and Bl = Tl - W + 1 that of the bottom, if the window
 * lies in one subspace (Tl >= W - 1), Seqh = Th when seq_lo >= Bl and Th + 1
 * otherwise; if it straddles two, Th - 1 when seq_lo >= Bl and Th otherwise.
 * As one sum: bottom + (seq_lo - Bl) mod 2^32.
 *
 * Two edges where the appendix would name a number that cannot exist are
 * clamped instead.  Before the top reaches W - 1 the bottom would be below
 * 0 and Seqh -1: no number is negative, so Seqh is 0 and a seq_lo far
 * above the top reads as the jump ahead it would have to be.  Near 2^64 the
 * range would run past the last number: it stops there, and what would
 * have been Seqh = 2^32 reads as left of the window.
 */
static u64 replay_seq_full(const struct sectun_replay *r, u32 seq_lo)
{
	u64 span, bottom;

	if (!r->esn)
		return seq_lo;
	span = r->window ? r->window : REPLAY_NOWINDOW_SPAN;
	bottom = r->top >= span - 1 ? r->top - (span - 1) : 0;
	if (bottom > REPLAY_LAST_SUBSPACE)
		bottom = REPLAY_LAST_SUBSPACE;
	return bottom + (u32)(seq_lo - (u32)bottom);
}

static int replay_verdict(const struct sectun_replay *r, u64 seq)
{
	if (!seq)
		return -SECTUN_REPLAY_ZERO;
	if (!r->window || seq > r->top)
		return 0;
	if (r->top - seq >= r->window)
		return -SECTUN_REPLAY_OLD;
	if (r->ring[replay_slot(r, seq)] & replay_bit(seq))
		return -SECTUN_REPLAY_DUP;
	return 0;
}

/**
 * sectun_replay_check() - may a packet be decrypted?
 * @r: the window, under the SA's replay lock
 * @seq_lo: the 32-bit sequence number from the packet, host order
 * @seq_full: set to the full number (with ESN, its high half reconstructed),
 *	even when refused, for the log
 *
 * With the replay check off (window 0) only sequence number 0 is refused.
 *
 * Return: 0 if the number may be new, else -enum sectun_replay_verdict.
 */
int sectun_replay_check(const struct sectun_replay *r, u32 seq_lo,
			u64 *seq_full)
{
	*seq_full = replay_seq_full(r, seq_lo);
	return replay_verdict(r, *seq_full);
}

/* Clear the words the top enters on its way to @seq, at most the ring. */
static void replay_scroll(struct sectun_replay *r, u64 seq)
{
	u64 word = r->top >> REPLAY_WORD_SHIFT;
	u64 count = (seq >> REPLAY_WORD_SHIFT) - word;

	if (count > (u64)r->mask + 1)
		count = (u64)r->mask + 1;
	while (count--)
		r->ring[++word & r->mask] = 0;
}

/**
 * sectun_replay_advance() - record an authenticated number
 * @r: the window, under the SA's replay lock
 * @seq_full: a number sectun_replay_check() returned, its ICV verified
 *
 * Moves the top when @seq_full is above it.  Records without judging: a
 * duplicate stays recorded, a number left of the window is ignored.  The
 * receive path wants sectun_replay_check_and_advance() instead.
 */
void sectun_replay_advance(struct sectun_replay *r, u64 seq_full)
{
	if (!r->window) {
		/* No bitmap, but ESN still reconstructs from the top. */
		if (seq_full > r->top)
			r->top = seq_full;
		return;
	}
	if (seq_full > r->top) {
		replay_scroll(r, seq_full);
		r->top = seq_full;
	} else if (r->top - seq_full >= r->window) {
		return;
	}
	r->ring[replay_slot(r, seq_full)] |= replay_bit(seq_full);
}

/**
 * sectun_replay_check_and_advance() - accept an authenticated number once
 * @r: the window, under the SA's replay lock
 * @seq_full: a number sectun_replay_check() accepted, its ICV verified
 *
 * The check before decryption ran on an older state: since then another
 * CPU may have accepted the same number or moved the window past it, so
 * the verdict is taken again, and the number recorded only if it stands.
 *
 * Return: 0 if recorded, else -enum sectun_replay_verdict.
 */
int sectun_replay_check_and_advance(struct sectun_replay *r, u64 seq_full)
{
	int err = replay_verdict(r, seq_full);

	if (!err)
		sectun_replay_advance(r, seq_full);
	return err;
}

/**
 * sectun_replay_top() - the highest number received
 * @r: the window
 *
 * Return: the top, for SA dumps (SECTUN_SA_A_SEQ of an inbound SA).
 */
u64 sectun_replay_top(const struct sectun_replay *r)
{
	return r->top;
}
