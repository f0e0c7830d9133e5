/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SA output shared by show, sa list and monitor.
 */
#ifndef SECTUN_SHOW_H
#define SECTUN_SHOW_H

#include "dump.h"

const char *dir_str(uint8_t dir);
const char *proto_str(uint8_t proto);
void sa_print_line(const struct sa_info *sa);
void sa_json_fields(const struct sa_info *sa);

#endif /* SECTUN_SHOW_H */
