// SPDX-License-Identifier: GPL-2.0-only
/*
 * Debug-build object accounting; see objcount.h.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/printk.h>

#include "objcount.h"

static atomic64_t created[__SECTUN_OBJ_MAX];
static atomic64_t destroyed[__SECTUN_OBJ_MAX];

static const char * const obj_names[__SECTUN_OBJ_MAX] = {
	[SECTUN_OBJ_DEV] = "devices",
	[SECTUN_OBJ_SA] = "sas",
	[SECTUN_OBJ_TFM] = "tfms",
};

void sectun_obj_created(enum sectun_obj type)
{
	atomic64_inc(&created[type]);
}

void sectun_obj_destroyed(enum sectun_obj type)
{
	atomic64_inc(&destroyed[type]);
}

/*
 * The line format is parsed by the selftests and the VM runner: keep
 * "accounting: NAME created N destroyed M" and the word LEAK on mismatch.
 */
bool sectun_obj_report(void)
{
	bool clean = true;
	int i;

	for (i = 0; i < __SECTUN_OBJ_MAX; i++) {
		s64 c = atomic64_read(&created[i]);
		s64 d = atomic64_read(&destroyed[i]);

		if (c == d) {
			pr_info("accounting: %s created %lld destroyed %lld\n",
				obj_names[i], c, d);
		} else {
			pr_err("accounting: LEAK %s created %lld destroyed %lld\n",
			       obj_names[i], c, d);
			clean = false;
		}
	}
	return clean;
}
