// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of module/pad.c (ESP padding, RFC 4303 section 2.4), built in
 * userspace against shim/.
 *
 * Padding lengths are checked against known values written out by hand,
 * then exhaustively against a reference that counts up one byte at a time
 * until the trailer is aligned, sharing no arithmetic shortcut with the
 * implementation; so are how much payload fits in a given space and which
 * encrypted lengths a receiver accepts, by trying every payload length.
 * Fill and check are run over every pad length in buffers of exactly that
 * size, so that the address sanitizer sees any access past the end, and
 * every single-byte corruption must be refused.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "pad.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The pad length byte is 8 bits wide. */
#define PAD_MAX		255U
/* The lengths the exhaustive cases cover: 0 to LEN_MAX. */
#define LEN_MAX		600U

static unsigned int case_nr;
static unsigned int failed;
static bool case_failed;
/* A failing case reports its first few mismatches, not thousands. */
static unsigned int diags;

#define DIAG_MAX	8

static void diag(const char *fmt, ...)
{
	va_list ap;

	case_failed = true;
	if (++diags > DIAG_MAX)
		return;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void case_begin(void)
{
	case_failed = false;
	diags = 0;
}

static void case_end(const char *fmt, ...)
{
	va_list ap;

	if (diags > DIAG_MAX)
		printf("# ... %u more mismatches\n", diags - DIAG_MAX);
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

static void *xmalloc(size_t size)
{
	/* malloc(0) may return NULL; the tests want a pointer either way. */
	void *p = malloc(size ? size : 1);

	if (!p) {
		perror("malloc");
		exit(2);
	}
	return p;
}

/*
 * The reference: the smallest padding that makes payload + padding + the
 * pad length and next header bytes a multiple of the block size, and of 4
 * in any case (section 2.4's two rules, taken one at a time).  Computed in
 * 64 bits, so that lengths near 2^32 mean what they say.
 */
static unsigned int ref_padlen(unsigned int len, unsigned int block)
{
	unsigned long long total = (unsigned long long)len + 2;
	unsigned int pad = 0;

	while ((total + pad) % block || (total + pad) % 4)
		pad++;
	return pad;
}

/* ---- known values ---- */

struct known {
	unsigned int len;
	unsigned int block;
	unsigned int padlen;
};

static const struct known known[] = {
	/* no block (GCM, ChaCha20-Poly1305, GMAC, CTR): 4-byte alignment */
	{ 0, 1, 2 },
	{ 1, 1, 1 },
	{ 2, 1, 0 },
	{ 3, 1, 3 },
	{ 84, 1, 2 },		/* an 84-byte ping: 84 + 2 + 2 = 88 */
	{ 1400, 1, 2 },
	{ 1500, 1, 2 },
	/* block 4: the same as no block */
	{ 0, 4, 2 },
	{ 2, 4, 0 },
	{ 5, 4, 1 },
	{ 1500, 4, 2 },
	/* block 8 (3DES, Blowfish, CAST) */
	{ 0, 8, 6 },
	{ 6, 8, 0 },
	{ 7, 8, 7 },
	{ 20, 8, 2 },
	{ 1500, 8, 2 },
	/* block 16 (AES-CBC) */
	{ 0, 16, 14 },
	{ 1, 16, 13 },
	{ 14, 16, 0 },
	{ 15, 16, 15 },
	{ 16, 16, 14 },
	{ 20, 16, 10 },		/* a bare IPv4 header */
	{ 40, 16, 6 },		/* a bare IPv6 header */
	{ 30, 16, 0 },
	{ 84, 16, 10 },
	{ 1400, 16, 6 },
	{ 1500, 16, 2 },
	/* block 64 */
	{ 0, 64, 62 },
	{ 1, 64, 61 },
	{ 62, 64, 0 },
	{ 63, 64, 63 },
	{ 1500, 64, 34 },
	/* the other powers of two the contract allows */
	{ 0, 2, 2 },
	{ 1, 2, 1 },
	{ 0, 32, 30 },
	{ 31, 32, 31 },
	{ 0, 128, 126 },
	{ 127, 128, 127 },
	/* block 256: the only way to need the full 255 bytes */
	{ 0, 256, 254 },
	{ 254, 256, 0 },
	{ 255, 256, 255 },
	{ 1500, 256, 34 },
	/* lengths near 2^32: len + 2 wraps in 32 bits */
	{ UINT_MAX, 1, 3 },
	{ UINT_MAX, 16, 15 },
	{ UINT_MAX - 1, 16, 0 },
	{ UINT_MAX - 2, 16, 1 },
	{ UINT_MAX, 256, 255 },
	{ 65535, 16, 15 },
	{ 65536, 16, 14 },
};

static void test_known(void)
{
	unsigned int i;

	case_begin();
	for (i = 0; i < ARRAY_SIZE(known); i++) {
		const struct known *k = &known[i];
		unsigned int got = sectun_esp_padlen(k->len, k->block);

		if (got != k->padlen)
			diag("padlen(len %u, block %u) = %u, expected %u",
			     k->len, k->block, got, k->padlen);
		/* keeps the table itself honest */
		if (ref_padlen(k->len, k->block) != k->padlen)
			diag("table entry len %u block %u: reference says %u",
			     k->len, k->block, ref_padlen(k->len, k->block));
	}
	case_end("pad: known pad lengths (%zu cases)", ARRAY_SIZE(known));
}

/* ---- every length against the reference ---- */

static void test_exhaustive(unsigned int block)
{
	unsigned int len, align = block > 4 ? block : 4;
	unsigned int seen_max = 0, seen_zero = 0;

	case_begin();
	for (len = 0; len <= LEN_MAX; len++) {
		unsigned int got = sectun_esp_padlen(len, block);
		unsigned int want = ref_padlen(len, block);

		if (got != want) {
			diag("padlen(len %u, block %u) = %u, reference %u",
			     len, block, got, want);
			continue;
		}
		/* what the reference implies, said outright */
		if (got >= align || got > PAD_MAX)
			diag("padlen(len %u, block %u) = %u: not below %u",
			     len, block, got, align);
		if ((len + got + 2) % align)
			diag("len %u + pad %u + 2 is not a multiple of %u",
			     len, got, align);
		if (got == align - 1)
			seen_max++;
		if (!got)
			seen_zero++;
	}
	/* Each residue comes around every align lengths: both ends occur. */
	if (!seen_max || !seen_zero)
		diag("block %u: pad %u seen %u times, pad 0 %u times",
		     block, align - 1, seen_max, seen_zero);
	case_end("pad: block %u, lengths 0..%u match the reference", block,
		 LEN_MAX);
}

/* Alignment cycles with the length: one period shifted by 2^32 - align. */
static void test_wrap(void)
{
	static const unsigned int blocks[] = { 1, 4, 8, 16, 64, 256 };
	unsigned int i, j;

	case_begin();
	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		for (j = 0; j < 2 * 256; j++) {
			unsigned int len = UINT_MAX - j;
			unsigned int got = sectun_esp_padlen(len, blocks[i]);
			unsigned int want = ref_padlen(len, blocks[i]);

			if (got != want)
				diag("padlen(len %u, block %u) = %u, reference %u",
				     len, blocks[i], got, want);
		}
	}
	case_end("pad: lengths up to 2^32 - 1 (len + 2 wraps) match the reference");
}

/* ---- how much payload fits, which encrypted lengths are possible ---- */

/* Bytes the minimal padding and the trailer make of @len bytes of payload. */
static unsigned long long ref_elen(unsigned int len, unsigned int block)
{
	return (unsigned long long)len + ref_padlen(len, block) + 2;
}

/*
 * The reference: try every payload length that could fit and keep the
 * largest that does; 0 when none does (pad.h's convention).
 */
static unsigned int ref_max_payload(unsigned int space, unsigned int block)
{
	unsigned int len, best = 0;

	for (len = 0; len <= space; len++)
		if (ref_elen(len, block) <= space)
			best = len;
	return best;
}

static const unsigned int all_blocks[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256 };

static void test_max_payload(void)
{
	unsigned int i, space, got, want;

	case_begin();
	if (SECTUN_ESP_TRAILER != 2)
		diag("SECTUN_ESP_TRAILER is %d, RFC 4303 says 2",
		     SECTUN_ESP_TRAILER);
	/* A 1400-byte space, AES-GCM: 1398 bytes, padded by 2 to 1400. */
	if (sectun_esp_max_payload(1400, 1) != 1398)
		diag("max_payload(1400, 1) = %u, expected 1398",
		     sectun_esp_max_payload(1400, 1));
	/* AES-CBC: 1392 = 87 blocks, so 1390 bytes with no padding. */
	if (sectun_esp_max_payload(1400, 16) != 1390)
		diag("max_payload(1400, 16) = %u, expected 1390",
		     sectun_esp_max_payload(1400, 16));
	for (i = 0; i < ARRAY_SIZE(all_blocks); i++) {
		unsigned int block = all_blocks[i];

		for (space = 0; space <= LEN_MAX; space++) {
			got = sectun_esp_max_payload(space, block);
			want = ref_max_payload(space, block);
			if (got != want)
				diag("max_payload(space %u, block %u) = %u, reference %u",
				     space, block, got, want);
		}
		/*
		 * Near 2^32 the reference would loop for ever: check that
		 * the answer fits and one byte more would not.
		 */
		for (space = UINT_MAX; space >= UINT_MAX - 2 * 256; space--) {
			got = sectun_esp_max_payload(space, block);
			if (ref_elen(got, block) > space ||
			    ref_elen(got + 1, block) <= space)
				diag("max_payload(space %u, block %u) = %u: not the largest fit",
				     space, block, got);
		}
	}
	case_end("pad: max_payload is the largest fit, every block, space 0..%u and near 2^32",
		 LEN_MAX);
}

static void test_len_valid(void)
{
	unsigned int i, elen, len;

	case_begin();
	for (i = 0; i < ARRAY_SIZE(all_blocks); i++) {
		unsigned int block = all_blocks[i];

		/*
		 * Valid exactly when some payload, minimally padded, makes
		 * that many bytes: more padding (up to 255 bytes, for
		 * traffic flow confidentiality) only adds whole alignment
		 * units, which yields the same set of lengths.
		 */
		for (elen = 0; elen <= LEN_MAX; elen++) {
			bool want = false, got;

			for (len = 0; len <= elen && !want; len++)
				want = ref_elen(len, block) == elen;
			got = sectun_esp_len_valid(elen, block);
			if (got != want)
				diag("len_valid(%u, block %u) = %d, expected %d",
				     elen, block, got, want);
		}
		/* What the sender builds, the receiver takes. */
		for (len = 0; len <= LEN_MAX; len++) {
			elen = len + sectun_esp_padlen(len, block) + 2;
			if (!sectun_esp_len_valid(elen, block))
				diag("payload %u, block %u: elen %u refused",
				     len, block, elen);
		}
		if (sectun_esp_len_valid(UINT_MAX, block))
			diag("len_valid(2^32 - 1, block %u) is true", block);
		if (!sectun_esp_len_valid(UINT_MAX - 255, block))
			diag("len_valid(2^32 - 256, block %u) is false", block);
	}
	case_end("pad: len_valid accepts exactly what senders build, every block, 0..%u",
		 LEN_MAX);
}

/* ---- fill and check ---- */

static void test_fill(void)
{
	unsigned int padlen, i;

	case_begin();
	for (padlen = 0; padlen <= PAD_MAX; padlen++) {
		/* Exactly padlen bytes: the sanitizer catches a write past them. */
		u8 *p = xmalloc(padlen);

		memset(p, 0xa5, padlen);
		sectun_esp_pad_fill(p, padlen);
		for (i = 0; i < padlen; i++) {
			if (p[i] != i + 1) {
				diag("fill(%u): byte %u is %u, expected %u",
				     padlen, i, p[i], i + 1);
				break;
			}
		}
		free(p);
	}
	case_end("pad: fill writes 1, 2, 3, ... for pad lengths 0..%u", PAD_MAX);
}

/* Guard bytes around the padding, for a write just before or after it. */
static void test_fill_bounds(void)
{
	static const unsigned int lens[] = { 0, 1, 2, 3, 7, 15, 63, 254, 255 };
	u8 buf[PAD_MAX + 32];
	unsigned int i, k;

	case_begin();
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		memset(buf, 0x5a, sizeof(buf));
		sectun_esp_pad_fill(buf + 16, lens[i]);
		for (k = 0; k < 16; k++)
			if (buf[k] != 0x5a)
				diag("fill(%u) wrote %u bytes before the padding",
				     lens[i], 16 - k);
		for (k = 16 + lens[i]; k < sizeof(buf); k++)
			if (buf[k] != 0x5a) {
				diag("fill(%u) wrote byte %u past the padding",
				     lens[i], k - 16 - lens[i]);
				break;
			}
	}
	case_end("pad: fill writes nothing outside the padding");
}

static void test_round_trip(void)
{
	unsigned int padlen;

	case_begin();
	for (padlen = 0; padlen <= PAD_MAX; padlen++) {
		u8 *p = xmalloc(padlen);

		sectun_esp_pad_fill(p, padlen);
		if (!sectun_esp_pad_valid(p, padlen))
			diag("valid(fill(%u)) is false", padlen);
		free(p);
	}
	case_end("pad: what fill writes is valid, pad lengths 0..%u", PAD_MAX);
}

/* The default padding written independently of fill. */
static void test_valid_literal(void)
{
	static const u8 one[] = { 1 };
	static const u8 seven[] = { 1, 2, 3, 4, 5, 6, 7 };
	static const u8 zeros[] = { 0, 0, 0, 0 };
	static const u8 from0[] = { 0, 1, 2, 3 };
	static const u8 from2[] = { 2, 3, 4, 5 };
	static const u8 swapped[] = { 1, 3, 2, 4 };
	u8 *p = xmalloc(PAD_MAX);
	unsigned int i;

	case_begin();
	if (!sectun_esp_pad_valid(one, 1))
		diag("{ 1 } refused");
	if (!sectun_esp_pad_valid(seven, 7))
		diag("{ 1 .. 7 } refused");
	/* A prefix of valid padding is valid padding of that length. */
	if (!sectun_esp_pad_valid(seven, 3))
		diag("{ 1, 2, 3 } refused");
	if (sectun_esp_pad_valid(zeros, 4))
		diag("zeros accepted");
	if (sectun_esp_pad_valid(from0, 4))
		diag("{ 0, 1, 2, 3 } accepted");
	if (sectun_esp_pad_valid(from2, 4))
		diag("{ 2, 3, 4, 5 } accepted");
	if (sectun_esp_pad_valid(swapped, 4))
		diag("{ 1, 3, 2, 4 } accepted");
	/* 255 bytes, the largest pad length, written here, not by fill */
	for (i = 0; i < PAD_MAX; i++)
		p[i] = i + 1;
	if (!sectun_esp_pad_valid(p, PAD_MAX))
		diag("{ 1 .. 255 } refused");
	p[PAD_MAX - 1] = 0;
	if (sectun_esp_pad_valid(p, PAD_MAX))
		diag("{ 1 .. 254, 0 } accepted");
	free(p);
	case_end("pad: valid accepts 1, 2, 3, ... and refuses other patterns");
}

/*
 * Nothing to check, so nothing may be read: the pointer given is one past
 * the end of an allocation, which the address sanitizer refuses to let
 * anything dereference.
 */
static void test_valid_empty(void)
{
	u8 *p = xmalloc(1);

	case_begin();
	p[0] = 0xff;
	if (!sectun_esp_pad_valid(p + 1, 0))
		diag("padlen 0 refused");
	if (!sectun_esp_pad_valid(p, 0))
		diag("padlen 0 in front of junk refused");
	free(p);
	case_end("pad: padlen 0 is valid and reads nothing");
}

/* valid() of a copy of good padding with byte @pos set to @val. */
static bool corrupted_valid(const u8 *good, u8 *buf, unsigned int padlen,
			    unsigned int pos, u8 val)
{
	memcpy(buf, good, padlen);
	buf[pos] = val;
	return sectun_esp_pad_valid(buf, padlen);
}

/*
 * Every position of every pad length, set to 0, to 0xff and with its
 * lowest and highest bits flipped; and for a few lengths, every position
 * set to each of the 255 wrong values.
 */
static void test_corruption(void)
{
	static const unsigned int all_values[] = { 1, 2, 3, 4, 7, 8, 15, 16,
						   63, 254, 255 };
	unsigned int padlen, pos, v, i, tried = 0;
	u8 *good, *buf;

	case_begin();
	for (padlen = 1; padlen <= PAD_MAX; padlen++) {
		good = xmalloc(padlen);
		buf = xmalloc(padlen);
		sectun_esp_pad_fill(good, padlen);
		for (pos = 0; pos < padlen; pos++) {
			const u8 vals[] = { 0, 0xff, good[pos] ^ 0x01,
					    good[pos] ^ 0x80 };

			for (v = 0; v < ARRAY_SIZE(vals); v++) {
				if (vals[v] == good[pos])
					continue;	/* 0xff at byte 255 */
				tried++;
				if (corrupted_valid(good, buf, padlen, pos,
						    vals[v]))
					diag("padlen %u: byte %u = %#x accepted",
					     padlen, pos, vals[v]);
			}
		}
		free(good);
		free(buf);
	}
	for (i = 0; i < ARRAY_SIZE(all_values); i++) {
		padlen = all_values[i];
		good = xmalloc(padlen);
		buf = xmalloc(padlen);
		sectun_esp_pad_fill(good, padlen);
		for (pos = 0; pos < padlen; pos++) {
			for (v = 0; v <= 0xff; v++) {
				if (v == good[pos])
					continue;
				tried++;
				if (corrupted_valid(good, buf, padlen, pos, v))
					diag("padlen %u: byte %u = %#x accepted",
					     padlen, pos, v);
			}
		}
		free(good);
		free(buf);
	}
	printf("# %u corrupted paddings tried\n", tried);
	case_end("pad: every single-byte corruption is refused");
}

int main(void)
{
	unsigned int i, planned = 2 + ARRAY_SIZE(all_blocks) + 8;

	/* Line-buffered: a crash must not lose the cases already reported. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%u\n", planned);

	test_known();
	for (i = 0; i < ARRAY_SIZE(all_blocks); i++)
		test_exhaustive(all_blocks[i]);
	test_wrap();
	test_max_payload();
	test_len_valid();
	test_fill();
	test_fill_bounds();
	test_round_trip();
	test_valid_literal();
	test_valid_empty();
	test_corruption();

	if (case_nr != planned)
		printf("# planned %u cases, ran %u\n", planned, case_nr);
	return failed || case_nr != planned;
}
