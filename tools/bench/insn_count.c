// SPDX-License-Identifier: GPL-2.0-only
/*
 * QEMU TCG plugin: count every guest instruction executed, take snapshots
 * of the count whenever the guest runs a marker address, optionally count
 * per guest kernel code address, and write it all out.
 *
 *   qemu-system-x86_64 -accel tcg,thread=single ... \
 *	-plugin insn_count.so,out=FILE[,mark=HEXADDR][,hist=HFILE]
 *
 * FILE gets "insns TOTAL" when QEMU exits, and before that one line
 * "mark I COUNT" each time a translation block starting at HEXADDR (a
 * kernel function the guest calls on purpose, with KASLR off) executes:
 * the instructions between two marks are the cost of what the guest did
 * between them, without boot, module loading and whatever else happened
 * before.
 *
 * HFILE gets, for every interval between marks (interval 0 before the
 * first, the last one until exit), a line "interval I", then "user INSNS"
 * for everything below the kernel half of the address space and one line
 * "HEXADDR INSNS" per kernel translation block start address that ran in
 * the interval (the instructions of the blocks starting there).  The bench
 * maps the addresses onto the guest's /proc/kallsyms.
 *
 * Counting is an inline add per executed translation block (the block's
 * instruction count), generated into the translated code: no callback on
 * the hot path.  The counters are plain memory, which is exact only with
 * one TCG thread for all vCPUs (run-vm.sh runs -accel tcg,thread=single).
 *
 * Debian does not package QEMU's plugin header (include/qemu/qemu-plugin.h
 * in QEMU's tree), so the few entry points of plugin API version 1 (QEMU
 * 4.2 to 8.1) used here are declared below, as that header declares them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- from QEMU's include/qemu/qemu-plugin.h, API version 1 ---- */
#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;

enum qemu_plugin_op {
	QEMU_PLUGIN_INLINE_ADD_U64,
};

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index,
					    void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
					   qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
					  qemu_plugin_vcpu_udata_cb_t cb,
					  enum qemu_plugin_cb_flags flags,
					  void *userdata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
					      enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
				    qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_outs(const char *string);
/* ---- end of the QEMU declarations ---- */

QEMU_PLUGIN_EXPORT int qemu_plugin_version = 1;

/* x86-64: the kernel lives in the upper half (canonical addresses). */
#define KERNEL_BASE	0xffff800000000000ULL

/*
 * Open addressing, never resized: the generated code holds pointers into
 * the table.  A Debian guest's kernel runs about a hundred thousand
 * distinct blocks; blocks beyond the table's capacity go to one overflow
 * counter (reported, so that it cannot go unnoticed).
 */
#define HIST_BITS	20
#define HIST_SIZE	(1U << HIST_BITS)
#define HIST_MAX_FILL	(HIST_SIZE / 10 * 9)

struct hist_ent {
	uint64_t vaddr;		/* 0: free */
	uint64_t insns;		/* since the start */
	uint64_t last;		/* at the previous mark */
};

static uint64_t total;		/* every instruction */
static uint64_t user_insns, user_last;	/* with hist: below KERNEL_BASE */
static uint64_t overflow_insns, overflow_last;
static struct hist_ent *hist;
static unsigned int hist_used;
static uint64_t mark_vaddr;
static unsigned int marks;
static FILE *out, *hist_out;

static uint64_t *hist_slot(uint64_t vaddr)
{
	uint64_t h = vaddr * 0x9e3779b97f4a7c15ULL;
	unsigned int i = (unsigned int)(h >> (64 - HIST_BITS));

	for (;; i = (i + 1) & (HIST_SIZE - 1)) {
		if (hist[i].vaddr == vaddr)
			return &hist[i].insns;
		if (!hist[i].vaddr)
			break;
	}
	if (hist_used >= HIST_MAX_FILL)
		return &overflow_insns;
	hist_used++;
	hist[i].vaddr = vaddr;
	return &hist[i].insns;
}

/* The histogram of the interval that ends now. */
static void hist_interval(unsigned int n)
{
	unsigned int i;

	fprintf(hist_out, "interval %u\nuser %llu\n", n,
		(unsigned long long)(user_insns - user_last));
	user_last = user_insns;
	if (overflow_insns != overflow_last)
		fprintf(hist_out, "overflow %llu\n",
			(unsigned long long)(overflow_insns - overflow_last));
	overflow_last = overflow_insns;
	for (i = 0; i < HIST_SIZE; i++) {
		if (hist[i].insns == hist[i].last)
			continue;
		fprintf(hist_out, "%llx %llu\n",
			(unsigned long long)hist[i].vaddr,
			(unsigned long long)(hist[i].insns - hist[i].last));
		hist[i].last = hist[i].insns;
	}
}

static void mark_exec(unsigned int vcpu_index, void *userdata)
{
	(void)vcpu_index;
	(void)userdata;
	fprintf(out, "mark %u %llu\n", ++marks, (unsigned long long)total);
	fflush(out);
	if (hist_out)
		hist_interval(marks - 1);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &total, n);
	if (hist)
		qemu_plugin_register_vcpu_tb_exec_inline(tb,
			QEMU_PLUGIN_INLINE_ADD_U64,
			vaddr >= KERNEL_BASE ? hist_slot(vaddr) : &user_insns, n);
	if (mark_vaddr && vaddr == mark_vaddr)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, mark_exec,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
}

static void at_exit(qemu_plugin_id_t id, void *userdata)
{
	(void)id;
	(void)userdata;
	fprintf(out, "insns %llu\n", (unsigned long long)total);
	if (fclose(out))
		qemu_plugin_outs("insn_count: writing the output file failed\n");
	if (hist_out) {
		hist_interval(marks);
		if (fclose(hist_out))
			qemu_plugin_outs("insn_count: writing the histogram failed\n");
	}
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv);

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *out_path = NULL, *hist_path = NULL;
	char *end;
	int i;

	if (!info->system_emulation) {
		qemu_plugin_outs("insn_count: system emulation only\n");
		return -1;
	}
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			out_path = argv[i] + 4;
		} else if (!strncmp(argv[i], "hist=", 5)) {
			hist_path = argv[i] + 5;
		} else if (!strncmp(argv[i], "mark=", 5)) {
			mark_vaddr = strtoull(argv[i] + 5, &end, 16);
			if (*end || !mark_vaddr) {
				qemu_plugin_outs("insn_count: mark=HEXADDR\n");
				return -1;
			}
		} else {
			qemu_plugin_outs("insn_count: unknown argument\n");
			return -1;
		}
	}
	if (!out_path || !*out_path) {
		qemu_plugin_outs("insn_count: out=FILE is required\n");
		return -1;
	}
	out = fopen(out_path, "w");
	if (!out) {
		qemu_plugin_outs("insn_count: cannot open the output file\n");
		return -1;
	}
	if (hist_path && *hist_path) {
		hist = calloc(HIST_SIZE, sizeof(*hist));
		hist_out = fopen(hist_path, "w");
		if (!hist || !hist_out) {
			qemu_plugin_outs("insn_count: cannot set up the histogram\n");
			return -1;
		}
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
