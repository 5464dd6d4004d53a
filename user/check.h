/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* memtrail --check: what this kernel offers and which path each kernel
 * hook will take; the first command to run on a new node. */
#ifndef MT_CHECK_H
#define MT_CHECK_H

#include <stdbool.h>
#include <stdio.h>
#include "hook_plan.h"

/* Probes the kernel (mounting tracefs when it is not mounted, as a trace
 * would), writes the findings to out as aligned text or JSON, and returns
 * the exit code: 0 when memtrail can trace here (BTF and uprobes, and the
 * forced kernel-hook path if any), 1 otherwise. */
int check__run(FILE *out, bool json, enum hook_path force);

#endif /* MT_CHECK_H */
