// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of module/replay.c, built in userspace against shim/.
 *
 * Two halves: scripted scenarios, one KTAP case each, for the edges worth
 * naming (window bottom, word and subspace boundaries, ESN wrap, the race
 * between check and advance); then random traffic checked, verdict by
 * verdict, against a reference model written from RFC 4303 appendix A the
 * long way round (a list of the numbers seen, the appendix's case analysis)
 * so that it shares no shortcut with the implementation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bits.h>
#include <linux/sectun.h>

#include "replay.h"

#define U32_LIMIT	BIT_ULL(32)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static unsigned int case_nr;
static unsigned int failed;
static bool case_failed;

/* Diagnostics of the running case, printed before its "not ok" line. */
static void diag(const char *fmt, ...)
{
	va_list ap;

	case_failed = true;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void case_begin(void)
{
	case_failed = false;
}

static void case_end(const char *fmt, ...)
{
	va_list ap;

	if (case_failed)
		printf("not ");
	printf("ok %u ", ++case_nr);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (case_failed)
		failed++;
}

static const char *verdict_name(int err)
{
	switch (-err) {
	case SECTUN_REPLAY_OK:
		return "OK";
	case SECTUN_REPLAY_DUP:
		return "DUP";
	case SECTUN_REPLAY_OLD:
		return "OLD";
	case SECTUN_REPLAY_ZERO:
		return "ZERO";
	}
	return "?";
}

/*
 * A fresh window in a buffer of exactly the size asked for, so that the
 * address sanitizer catches any access past the bitmap, filled with garbage
 * first so that init must set every byte it relies on.
 */
static struct sectun_replay *replay_new(u32 window, bool esn, u64 top)
{
	size_t size = sectun_replay_size(window);
	struct sectun_replay *r = malloc(size);

	if (!r) {
		perror("malloc");
		exit(2);
	}
	memset(r, 0xa5, size);
	sectun_replay_init(r, window, esn, top);
	return r;
}

/* ---- scripted scenarios ---- */

enum op {
	OP_END,
	OP_RX,		/* check(lo) -> verdict, full; if accepted, advance */
	OP_CHECK,	/* check(lo) -> verdict, full */
	OP_ADVANCE,	/* check_and_advance(full) -> verdict */
	OP_TOP,		/* top == full */
};

struct step {
	enum op op;
	u32 lo;
	u64 full;
	int verdict;
};

#define OK	0
#define DUP	(-SECTUN_REPLAY_DUP)
#define OLD	(-SECTUN_REPLAY_OLD)
#define ZERO	(-SECTUN_REPLAY_ZERO)

/* Without ESN the full number is the 32-bit one. */
#define RX(s, v)		{ OP_RX, (u32)(s), (s), (v) }
#define CHECK(s, v)		{ OP_CHECK, (u32)(s), (s), (v) }
/* With ESN, the expected reconstruction too. */
#define RXE(lo, f, v)		{ OP_RX, (lo), (f), (v) }
#define CHECKE(lo, f, v)	{ OP_CHECK, (lo), (f), (v) }
#define ADVANCE(f, v)		{ OP_ADVANCE, 0, (f), (v) }
#define TOP(f)			{ OP_TOP, 0, (f), 0 }
#define END			{ OP_END, 0, 0, 0 }

#define MAX_STEPS	24

/* printf's %llx for u64, whatever the libc's uint64_t is. */
#define X(v)		((unsigned long long)(v))

struct scenario {
	const char *name;
	u32 window;
	bool esn;
	u64 top;
	struct step steps[MAX_STEPS];
};

#define S32	U32_LIMIT

static const struct scenario scenarios[] = {
	{ "first packet of a new SA (top 0)", 64, false, 0, {
		TOP(0), RX(1, OK), TOP(1), RX(1, DUP), RX(2, OK), TOP(2), END } },
	{ "sequence number 0 is refused without ESN", 64, false, 0, {
		RX(0, ZERO), RX(5, OK), RX(0, ZERO), TOP(5), END } },
	{ "sequence number 0 is refused without ESN, window 0", 0, false, 0, {
		RX(0, ZERO), RX(1, OK), RX(0, ZERO), END } },
	{ "a packet at exactly the top is a duplicate", 64, false, 0, {
		RX(5, OK), RX(5, DUP), RX(1000, OK), RX(1000, DUP), END } },
	{ "window 64: bottom edge", 64, false, 0, {
		RX(100, OK), RX(37, OK), RX(36, OLD), RX(37, DUP), RX(38, OK),
		RX(101, OK), RX(37, OLD), RX(38, DUP), RX(39, OK), END } },
	{ "window 64: out of order within the window", 64, false, 0, {
		RX(10, OK), RX(8, OK), RX(9, OK), RX(7, OK), RX(9, DUP),
		RX(12, OK), RX(11, OK), RX(10, DUP), RX(8, DUP), RX(1, OK),
		RX(2, OK), RX(1, DUP), TOP(12), END } },
	{ "window 64: across word boundaries", 64, false, 0, {
		RX(63, OK), RX(64, OK), RX(127, OK), RX(128, OK), RX(65, OK),
		RX(64, OLD), RX(127, DUP), RX(126, OK), RX(192, OK),
		RX(129, OK), RX(128, OLD), RX(191, OK), RX(193, OK),
		RX(130, OK), RX(129, OLD), END } },
	{ "huge jump of 2^31 empties the window", 64, false, 0, {
		RX(1000, OK), RX(990, OK), RX(1000 + (1ULL << 31), OK),
		RX(999, OLD), RX(1000, OLD), RX(1000 + (1ULL << 31) - 63, OK),
		RX(1000 + (1ULL << 31) - 64, OLD),
		RX(1000 + (1ULL << 31) - 1, OK),
		RX(1000 + (1ULL << 31) - 1, DUP), END } },
	{ "jump of exactly the ring leaves no stale bits", 64, false, 0, {
		RX(1, OK), RX(2, OK), RX(63, OK), RX(64, OK), RX(65, OK),
		RX(257, OK), RX(256, OK), RX(255, OK), RX(194, OK), RX(193, OLD),
		RX(320, OK), RX(321, OK), RX(319, OK), RX(258, OK), END } },
	{ "jumps by one word and by the window", 64, false, 0, {
		RX(200, OK), RX(190, OK), RX(264, OK), RX(201, OK), RX(200, OLD),
		RX(202, OK), RX(263, OK), RX(328, OK), RX(265, OK), RX(264, OLD),
		RX(263, OLD), END } },
	{ "window 0: nothing refused but 0", 0, false, 0, {
		RX(5, OK), RX(5, OK), RX(1, OK), RX(0, ZERO), TOP(5),
		RX(0xffffffff, OK), RX(3, OK), RX(0xffffffff, OK),
		TOP(0xffffffff), END } },
	{ "window 1", 1, false, 0, {
		RX(5, OK), RX(5, DUP), RX(4, OLD), RX(6, OK), RX(8, OK),
		RX(7, OLD), RX(8, DUP), RX(9, OK), RX(200, OK), RX(200, DUP),
		RX(199, OLD), END } },
	{ "window 32", 32, false, 0, {
		RX(50, OK), RX(19, OK), RX(18, OLD), RX(19, DUP), RX(40, OK),
		RX(64, OK), RX(33, OK), RX(32, OLD), RX(40, DUP), RX(50, DUP),
		RX(51, OK), END } },
	{ "window 100, not a multiple of the word", 100, false, 0, {
		RX(1000, OK), RX(901, OK), RX(900, OLD), RX(901, DUP),
		RX(1037, OK), RX(938, OK), RX(937, OLD), RX(1000, DUP),
		RX(999, OK), RX(1136, OK), RX(1037, DUP), RX(1036, OLD),
		RX(1100, OK), END } },
	{ "window 4096", 4096, false, 0, {
		RX(5000, OK), RX(905, OK), RX(904, OLD), RX(905, DUP),
		RX(4999, OK), RX(9096, OK), RX(5001, OK), RX(5000, OLD),
		RX(9000, OK), RX(9096 + 8192, OK), RX(9096 + 8192 - 4095, OK),
		RX(9096 + 4096, OLD), RX(9096 + 8192 - 4096, OLD), END } },
	{ "window above the maximum is clamped to 4096", 100000, false, 0, {
		RX(10000, OK), RX(10000 - 4095, OK), RX(10000 - 4096, OLD), END } },
	{ "no ESN: top 2^32 - 1 is the end", 64, false, 0, {
		RX(0xffffffff, OK), RX(1, OLD), RX(0xffffffc0, OK),
		RX(0xffffffbf, OLD), RX(0xffffffff, DUP), TOP(0xffffffff), END } },
	{ "no ESN: a 64-bit initial top is truncated", 64, false, S32 + 100, {
		TOP(100), RX(101, OK), END } },
	{ "SA created with a top: below it counts as received", 64, false, 1000, {
		TOP(1000), RX(1000, DUP), RX(999, DUP), RX(937, DUP),
		RX(936, OLD), RX(1001, OK), RX(1000, DUP), RX(1003, OK),
		RX(1002, OK), TOP(1003), END } },
	{ "SA created with a top mid-word: rest of the word still open", 64,
	  false, 100, {
		RX(101, OK), RX(102, OK), RX(127, OK), RX(126, OK), RX(128, OK),
		RX(100, DUP), RX(65, DUP), RX(64, OLD), END } },
	{ "SA created with a top at the end of a word", 64, false, 127, {
		RX(127, DUP), RX(64, DUP), RX(128, OK), RX(66, DUP), RX(65, DUP),
		RX(129, OK), RX(66, DUP), RX(65, OLD), END } },
	{ "check twice, advance twice: the second is a duplicate", 64, false, 0, {
		RX(10, OK), CHECK(12, OK), CHECK(12, OK), ADVANCE(12, OK),
		ADVANCE(12, DUP), CHECK(12, DUP), TOP(12), END } },
	{ "checked, then the window moved past it: old", 64, false, 0, {
		RX(10, OK), CHECK(20, OK), ADVANCE(200, OK), ADVANCE(20, OLD),
		TOP(200), CHECK(150, OK), ADVANCE(150, OK), ADVANCE(150, DUP),
		END } },
	{ "check_and_advance refuses 0", 64, false, 0, {
		ADVANCE(0, ZERO), TOP(0), END } },

	/* ESN: Seqh from the top and the window, RFC 4303 appendix A2.2. */
	{ "ESN: first packet, low half 0 is the 64-bit 0", 64, true, 0, {
		RXE(0, 0, ZERO), RXE(1, 1, OK), RXE(0, 0, ZERO), TOP(1), END } },
	{ "ESN: near 0 Seqh stays 0 (the RFC's case B would give -1)", 64,
	  true, 5, {
		CHECKE(0xfffffff0, 0xfffffff0, OK), CHECKE(3, 3, DUP),
		CHECKE(6, 6, OK), CHECKE(0, 0, ZERO), END } },
	{ "ESN: wrap from top 2^32 - 5", 64, true, S32 - 5, {
		CHECKE(0, S32, OK), CHECKE(1, S32 + 1, OK),
		CHECKE(10, S32 + 10, OK), CHECKE(0xfffffffb, S32 - 5, DUP),
		CHECKE(0xfffffffc, S32 - 4, OK), CHECKE(0xffffffff, S32 - 1, OK),
		/* 2^32 - 68 is the bottom; one less lies 2^32 ahead */
		CHECKE(0xffffffbc, S32 - 68, DUP),
		CHECKE(0xffffffbb, 2 * S32 - 69, OK),
		RXE(0xffffffff, S32 - 1, OK), RXE(2, S32 + 2, OK),
		RXE(0xffffffff, S32 - 1, DUP), RXE(0xfffffffe, S32 - 2, OK),
		RXE(0, S32, OK), RXE(0, S32, DUP), TOP(S32 + 2), END } },
	{ "ESN: case B, window straddling 2^32", 64, true, S32 - 100, {
		RXE(5, S32 + 5, OK), RXE(0xfffffff0, S32 - 16, OK),
		RXE(0xfffffff0, S32 - 16, DUP),
		/* bottom 2^32 - 58: Seqh = Th - 1 from there, Th below it */
		RXE(0xffffffc6, S32 - 58, OK), RXE(0xffffffc5, 2 * S32 - 59, OK),
		TOP(2 * S32 - 59), RXE(0xffffffc4, 2 * S32 - 60, OK),
		RXE(5, 2 * S32 + 5, OK), END } },
	{ "ESN: top exactly 2^32 - 1", 64, true, S32 - 1, {
		CHECKE(0, S32, OK), CHECKE(0xffffffff, S32 - 1, DUP),
		CHECKE(0xffffffc1, S32 - 63, DUP), CHECKE(0xffffffc0, S32 - 64, DUP),
		CHECKE(0xffffffbf, 2 * S32 - 65, OK), END } },
	{ "ESN: top exactly 2^32", 64, true, S32, {
		CHECKE(0, S32, DUP), CHECKE(1, S32 + 1, OK),
		CHECKE(0xffffffc1, S32 - 63, DUP), CHECKE(0xffffffc0, 2 * S32 - 64, OK),
		RXE(1, S32 + 1, OK), CHECKE(0xffffffc1, 2 * S32 - 63, OK),
		CHECKE(0xffffffc2, S32 - 62, DUP), END } },
	{ "ESN: top at 2^64 - 2, no number after the last", 64, true, ~0ULL - 1, {
		RXE(0xffffffff, ~0ULL, OK), CHECKE(0, ~0ULL << 32, OLD),
		CHECKE(5, (~0ULL << 32) + 5, OLD), CHECKE(0xffffffc0, ~0ULL - 63, DUP),
		CHECKE(0xffffffbf, ~0ULL - 64, OLD), TOP(~0ULL), END } },
	{ "ESN: initial top in a high subspace", 64, true, (5ULL << 32) + 7, {
		RXE(8, (5ULL << 32) + 8, OK), RXE(7, (5ULL << 32) + 7, DUP),
		RXE(0xffffffff, (5ULL << 32) - 1, DUP),
		RXE(0xffffffd0, (5ULL << 32) - 48, DUP),
		RXE(0xffffffc0, (6ULL << 32) - 64, OK), END } },
	{ "ESN, window 0: nearest to the top, nothing refused but 0", 0, true,
	  0, {
		RXE(0, 0, ZERO), RXE(1, 1, OK), RXE(0xffffffff, 0xffffffff, OK),
		/* bottom now 2^31 */
		CHECKE(0x80000000, 0x80000000, OK),
		CHECKE(0x7fffffff, S32 + 0x7fffffff, OK),
		CHECKE(5, S32 + 5, OK), RXE(0xffffffff, 0xffffffff, OK),
		RXE(0, S32, OK), RXE(0x80000001, 0x80000001, OK), TOP(S32),
		RXE(0x80000000, S32 + 0x80000000, OK), END } },
	{ "ESN, window 1", 1, true, S32 + 10, {
		CHECKE(10, S32 + 10, DUP), CHECKE(9, 2 * S32 + 9, OK),
		CHECKE(11, S32 + 11, OK), END } },
	{ "ESN: a number left behind by a jump reads as 2^32 later", 64, true,
	  0, {
		RXE(100, 100, OK), RXE(0x80000064, 0x80000064, OK),
		RXE(99, S32 + 99, OK), TOP(S32 + 99), RXE(100, S32 + 100, OK),
		CHECKE(0x80000064, S32 + 0x80000064, OK),
		CHECKE(0x80000025, S32 + 0x80000025, OK), END } },
};

static void run_scenario(const struct scenario *sc)
{
	struct sectun_replay *r = replay_new(sc->window, sc->esn, sc->top);
	const struct step *st;
	unsigned int i;

	case_begin();
	for (i = 0, st = sc->steps; st->op != OP_END; i++, st++) {
		u64 full = 0xdeadbeef, top;
		int err;

		switch (st->op) {
		case OP_RX:
		case OP_CHECK:
			err = sectun_replay_check(r, st->lo, &full);
			if (err != st->verdict || full != st->full) {
				diag("step %u: check(%#x) = %s, %#llx; expected %s, %#llx",
				     i, st->lo, verdict_name(err), X(full),
				     verdict_name(st->verdict), X(st->full));
				break;
			}
			if (st->op == OP_CHECK || err)
				break;
			err = sectun_replay_check_and_advance(r, full);
			if (err)
				diag("step %u: check_and_advance(%#llx) = %s after an accepting check",
				     i, X(full), verdict_name(err));
			break;
		case OP_ADVANCE:
			err = sectun_replay_check_and_advance(r, st->full);
			if (err != st->verdict)
				diag("step %u: check_and_advance(%#llx) = %s; expected %s",
				     i, X(st->full), verdict_name(err),
				     verdict_name(st->verdict));
			break;
		case OP_TOP:
			top = sectun_replay_top(r);
			if (top != st->full)
				diag("step %u: top %#llx; expected %#llx", i,
				     X(top), X(st->full));
			break;
		case OP_END:
			break;
		}
	}
	case_end("replay: %s", sc->name);
	free(r);
}

static void test_seq_exhausted(void)
{
	static const struct {
		u64 next;
		bool esn;
		bool exhausted;
	} t[] = {
		{ 1, false, false },
		{ S32 - 1, false, false },
		{ S32, false, true },
		{ S32 + 1, false, true },
		{ 0, false, true },
		{ 1, true, false },
		{ S32 - 1, true, false },
		{ S32, true, false },
		{ ~0ULL, true, false },
		{ 0, true, true },
	};
	unsigned int i;

	case_begin();
	for (i = 0; i < ARRAY_SIZE(t); i++)
		if (sectun_seq_exhausted(t[i].next, t[i].esn) != t[i].exhausted)
			diag("sectun_seq_exhausted(%#llx, %d) != %d",
			     X(t[i].next), t[i].esn, t[i].exhausted);
	case_end("replay: outbound sequence exhaustion");
}

static void test_size(void)
{
	size_t none = sectun_replay_size(0);
	u32 w;

	case_begin();
	for (w = 1; w <= SECTUN_REPLAY_WINDOW_MAX; w++) {
		size_t size = sectun_replay_size(w);

		if (size < none + (w + 7) / 8 || size < sectun_replay_size(w - 1))
			diag("sectun_replay_size(%u) = %zu", w, size);
		/* Twice the window at most, plus the spare word. */
		if (size > none + 2 * ((w + 63) / 64 + 1) * 8)
			diag("sectun_replay_size(%u) = %zu is wasteful", w, size);
	}
	if (sectun_replay_size(SECTUN_REPLAY_WINDOW_MAX + 1) !=
	    sectun_replay_size(SECTUN_REPLAY_WINDOW_MAX))
		diag("a window above the maximum is not clamped");
	case_end("replay: sizes grow with the window, above it clamped");
}

/* ---- reference model and random traffic ---- */

/* xorshift64*: a fixed seed, the same traffic on every run. */
static u64 rng_state = 0x5ec7a9e1d2b3c4f5ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Uniform enough in [0, n) for a test; n > 0. */
static u64 rnd_below(u64 n)
{
	return rnd() % n;
}

#define MODEL_SEEN_MAX	(SECTUN_REPLAY_WINDOW_MAX + 1)

struct model {
	u64 top;
	u32 window;
	bool esn;
	u64 floor;		/* every number up to it counts as received */
	unsigned int nseen;
	u64 seen[MODEL_SEEN_MAX];	/* received above floor, in the window */
};

static void model_init(struct model *m, u32 window, bool esn, u64 top)
{
	m->window = window > SECTUN_REPLAY_WINDOW_MAX ?
		    SECTUN_REPLAY_WINDOW_MAX : window;
	m->esn = esn;
	m->top = esn ? top : (u32)top;
	m->floor = m->top;
	m->nseen = 0;
}

/* Appendix A2.2 case by case, with replay.h's two clamps and window 0. */
static u64 model_full(const struct model *m, u32 lo)
{
	u64 w = m->window ? m->window : 1ULL << 31;
	u32 th = m->top >> 32, tl = (u32)m->top, bl;
	u64 seqh;

	if (!m->esn)
		return lo;
	if (m->top < w - 1)
		return lo;			/* no subspace below 0 */
	bl = (u32)(m->top - w + 1);
	if (tl >= w - 1) {
		/* case A: the window lies within one subspace */
		seqh = lo >= bl ? th : (u64)th + 1;
		if (seqh > 0xffffffffULL)
			seqh = th;		/* none above the last */
	} else {
		/* case B: it straddles two */
		seqh = lo >= bl ? th - 1 : th;
	}
	return seqh << 32 | lo;
}

static bool model_seen(const struct model *m, u64 seq)
{
	unsigned int i;

	if (seq <= m->floor)
		return true;
	for (i = 0; i < m->nseen; i++)
		if (m->seen[i] == seq)
			return true;
	return false;
}

static int model_verdict(const struct model *m, u64 seq)
{
	if (seq == 0)
		return ZERO;
	if (m->window == 0 || seq > m->top)
		return OK;
	if (m->top - seq >= m->window)
		return OLD;
	return model_seen(m, seq) ? DUP : OK;
}

static void model_record(struct model *m, u64 seq)
{
	unsigned int i, n = 0;

	if (seq > m->top)
		m->top = seq;
	if (!m->window)
		return;
	/* Forget what fell out of the window: it can only be OLD now. */
	for (i = 0; i < m->nseen; i++)
		if (m->top - m->seen[i] < m->window)
			m->seen[n++] = m->seen[i];
	m->nseen = n;
	if (n == MODEL_SEEN_MAX) {
		fprintf(stderr, "model overflow\n");
		exit(2);
	}
	m->seen[m->nseen++] = seq;
}

/* Where a random SA's top starts: the edges, mostly. */
static u64 random_start(bool esn)
{
	switch (rnd_below(esn ? 8 : 5)) {
	case 0:
		return 0;
	case 1:
		return rnd_below(300);
	case 2:
		return U32_LIMIT - 1 - rnd_below(600);
	case 3:
		return rnd() & 0xffffffff;
	case 4:
		return U32_LIMIT / 2 + rnd_below(600) - 300;
	case 5:
		return U32_LIMIT + rnd_below(600) - 300;
	case 6:
		return ~0ULL - rnd_below(600);
	default:
		return ((rnd_below(1000) + 1) << 32) + rnd_below(600) - 300;
	}
}

/*
 * The next number the "sender" uses, near the top: in order, late, replayed,
 * or jumping ahead, sometimes further than ESN can reconstruct.
 */
static u64 random_seq(const struct model *m, u32 window)
{
	u64 top = m->top, back, fwd;
	u32 reach = window ? window : 64;

	switch (rnd_below(20)) {
	case 0:
		return 0;
	case 1:	/* far ahead: a word, the ring, 2^31, 2^32 and more */
		fwd = 1ULL << rnd_below(m->esn ? 34 : 32);
		fwd += rnd_below(fwd);
		break;
	case 2: case 3: /* ahead by up to a few windows */
		fwd = 1 + rnd_below(3 * reach + 130);
		break;
	case 4: case 5: case 6: case 7: case 8: case 9: case 10:
		fwd = 1 + rnd_below(3);
		break;
	default: /* late or replayed: around the window's bottom */
		back = rnd_below(reach + reach / 4 + 3);
		return top >= back ? top - back : rnd_below(top + 1);
	}
	if (!m->esn && top + fwd > 0xffffffffULL)
		return 0xffffffff - rnd_below(reach + 2);
	if (m->esn && top + fwd < top)
		return ~0ULL - rnd_below(reach + 2);
	return top + fwd;
}

#define PENDING_MAX	6

/* What the random traffic exercised: a model test that never refuses proves little. */
static unsigned long hits[SECTUN_REPLAY_ZERO + 1];
static unsigned long late_refused;	/* check accepted, check_and_advance not */
static unsigned long misread;		/* ESN reconstruction differs from the sender */

/*
 * One SA's life under random traffic.  A packet the check accepts is
 * "decrypted" (its ICV verifies only if the reconstruction found the number
 * the sender used) and then either recorded at once or parked, so that
 * other packets overtake it between its check and its advance, as on
 * another CPU.
 */
static bool random_run(u32 window, bool esn, unsigned int packets)
{
	u64 start = random_start(esn);
	struct sectun_replay *r = replay_new(window, esn, start);
	static struct model m;
	u64 pending[PENDING_MAX];
	unsigned int npending = 0, i;
	bool ok = true;

	model_init(&m, window, esn, start);
	for (i = 0; i < packets && ok; i++) {
		u64 sent = random_seq(&m, window), full, want_full;
		int err, want;

		if (npending && (npending == PENDING_MAX || rnd_below(4) == 0)) {
			unsigned int k = rnd_below(npending);
			u64 seq = pending[k];

			pending[k] = pending[--npending];
			want = model_verdict(&m, seq);
			err = sectun_replay_check_and_advance(r, seq);
			if (err != want) {
				diag("W=%u esn=%d start %#llx packet %u: late",
				     window, esn, X(start), i);
				diag("check_and_advance(%#llx) = %s, model %s",
				     X(seq), verdict_name(err),
				     verdict_name(want));
				ok = false;
			}
			if (!want)
				model_record(&m, seq);
			else
				late_refused++;
			continue;
		}

		want_full = model_full(&m, (u32)sent);
		want = model_verdict(&m, want_full);
		err = sectun_replay_check(r, (u32)sent, &full);
		if (err != want || full != want_full) {
			diag("W=%u esn=%d start %#llx top %#llx packet %u:",
			     window, esn, X(start), X(m.top), i);
			diag("check(%#x) = %s, %#llx; model %s, %#llx",
			     (u32)sent, verdict_name(err), X(full),
			     verdict_name(want), X(want_full));
			ok = false;
			break;
		}
		hits[-err]++;
		if (!err && full != sent)
			misread++;
		if (err || full != sent)
			continue;	/* refused, or the ICV would fail */
		if (rnd_below(3) == 0) {
			pending[npending++] = full;
			continue;
		}
		err = sectun_replay_check_and_advance(r, full);
		if (err) {
			diag("W=%u esn=%d packet %u: check_and_advance(%#llx) = %s",
			     window, esn, i, X(full), verdict_name(err));
			diag("right after the check accepted it");
			ok = false;
		}
		model_record(&m, full);
	}
	if (ok && sectun_replay_top(r) != m.top) {
		diag("W=%u esn=%d start %#llx: top %#llx, model %#llx",
		     window, esn, X(start), X(sectun_replay_top(r)), X(m.top));
		ok = false;
	}
	free(r);
	return ok;
}

static u32 random_window(void)
{
	static const u32 edges[] = { 0, 1, 2, 31, 32, 33, 63, 64, 65, 100, 127,
				     128, 129, 191, 192, 193 };

	if (rnd_below(2))
		return edges[rnd_below(ARRAY_SIZE(edges))];
	return rnd_below(300);
}

static void test_random(const char *name, bool esn, u32 fixed_window,
			unsigned int runs, unsigned int packets)
{
	unsigned int i, bad = 0;

	case_begin();
	memset(hits, 0, sizeof(hits));
	late_refused = 0;
	misread = 0;
	for (i = 0; i < runs && bad < 3; i++) {
		u32 window = fixed_window == ~0U ? random_window() : fixed_window;

		bad += !random_run(window, esn, packets);
	}
	printf("# %s: OK %lu DUP %lu OLD %lu ZERO %lu, late refusals %lu, ESN misread %lu\n",
	       name, hits[SECTUN_REPLAY_OK], hits[SECTUN_REPLAY_DUP],
	       hits[SECTUN_REPLAY_OLD], hits[SECTUN_REPLAY_ZERO], late_refused,
	       misread);
	/*
	 * With ESN nothing reads as left of the window but near 2^64: the
	 * appendix maps every 32-bit number into the 2^32 from the bottom up.
	 */
	if (!hits[SECTUN_REPLAY_OK] || !hits[SECTUN_REPLAY_ZERO] ||
	    (fixed_window && (!hits[SECTUN_REPLAY_DUP] || !late_refused ||
			      (!esn && !hits[SECTUN_REPLAY_OLD]))) ||
	    (esn && !misread))
		diag("%s: the traffic missed a verdict", name);
	case_end("replay: %s agrees with the model (%u runs of %u packets)",
		 name, runs, packets);
}

int main(void)
{
	unsigned int i, planned = ARRAY_SIZE(scenarios) + 2 + 6;

	/* Line-buffered: a crash must not lose the cases already reported. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%u\n", planned);

	for (i = 0; i < ARRAY_SIZE(scenarios); i++)
		run_scenario(&scenarios[i]);
	test_seq_exhausted();
	test_size();
	test_random("random traffic, no ESN", false, ~0U, 2000, 300);
	test_random("random traffic, ESN", true, ~0U, 2000, 300);
	test_random("random traffic, no ESN, window 0", false, 0, 200, 300);
	test_random("random traffic, ESN, window 0", true, 0, 300, 300);
	test_random("random traffic, no ESN, window 4096", false, 4096, 20, 3000);
	test_random("random traffic, ESN, window 4096", true, 4096, 20, 3000);

	if (case_nr != planned)
		printf("# planned %u cases, ran %u\n", planned, case_nr);
	return failed || case_nr != planned;
}
