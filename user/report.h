/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Assembles one report: drain the tracer into a fresh profile, name the
 * frames, add process facts, order it, hand it to the chosen writer. */
#ifndef MT_REPORT_H
#define MT_REPORT_H

#include <stdio.h>
#include "options.h"
#include "profile.h"
#include "symbolize.h"
#include "tracer.h"

/* Builds the profile of what is outstanding now. keep() selects the
 * processes (NULL: all). NULL with errno set. */
struct mt_profile *report__build(struct tracer *t, struct symbolizer *sym,
				 enum mt_target_kind kind, const char *target,
				 uint64_t min_age_ns,
				 bool (*keep)(pid_t pid, void *ctx), void *ctx);
/* The same for a window: what was allocated from since_ns on
 * (tracer__now_ns) and is still outstanding. NULL with errno set. */
struct mt_profile *report__build_since(struct tracer *t, struct symbolizer *sym,
				       enum mt_target_kind kind, const char *target,
				       uint64_t since_ns,
				       bool (*keep)(pid_t pid, void *ctx), void *ctx);
/* Adds the RSS account of every live process of p (kernel events): what
 * the kernel says it holds, split into what the trace explains. A process
 * gone meanwhile is skipped. 0 or -errno. */
int report__add_accounts(struct mt_profile *p, struct tracer *t);
/* Writes p in the format of opts. 0 or -errno. */
int report__write(const struct mt_profile *p, const struct options *opts, FILE *f);

#endif /* MT_REPORT_H */
