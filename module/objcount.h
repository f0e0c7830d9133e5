/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Object accounting for debug builds (make DEBUG=1): every device, SA and
 * crypto transform created and destroyed is counted, and module unload
 * reports both numbers so tests can prove nothing leaked, as WireGuard's
 * netns.sh does.  Release builds compile it away.
 */
#ifndef _SECTUN_OBJCOUNT_H
#define _SECTUN_OBJCOUNT_H

enum sectun_obj {
	SECTUN_OBJ_DEV,
	SECTUN_OBJ_SA,
	SECTUN_OBJ_TFM,
	__SECTUN_OBJ_MAX
};

#ifdef SECTUN_DEBUG
void sectun_obj_created(enum sectun_obj type);
void sectun_obj_destroyed(enum sectun_obj type);
bool sectun_obj_report(void);
#else
static inline void sectun_obj_created(enum sectun_obj type) { }
static inline void sectun_obj_destroyed(enum sectun_obj type) { }
static inline bool sectun_obj_report(void) { return true; }
#endif

#endif /* _SECTUN_OBJCOUNT_H */
