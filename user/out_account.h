/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Writers for the RSS account of one process (rss_account.h): a text table
 * in the report's style and one JSON object. */
#ifndef MT_OUT_ACCOUNT_H
#define MT_OUT_ACCOUNT_H

#include <stdio.h>

#include "json_writer.h"
#include "rss_account.h"

/* The account as an aligned table: every class in binary units, exact
 * bytes and percent of VmRSS, then the unexplained line and the notes
 * ("note: ..."). comm may be NULL. Stream errors are the caller's to
 * check (ferror), as for the other writers. */
/* stack_name, when given, names a traced stack by its id (NULL: unknown);
 * the ids are shown otherwise. */
typedef const char *(*stack_namer)(uint64_t stack_id, void *ctx);
void out_account__text(FILE *f, const struct rss_account *a, const char *comm,
		       stack_namer stack_name, void *ctx);

/* One JSON object at the writer's current position (a value: after
 * jw_name, in an array, or at the top):
 *   { pid, kernel: { vm_rss, rss_anon, rss_file, rss_shmem, vm_swap, rss,
 *                    pss, pss_anon, pss_file, pss_shmem, anon_huge_pages,
 *                    smaps_rss },
 *     explained: { malloc_live, heap_resident, heap_guessed,
 *                  allocator_retention, heap_unbacked_live,
 *                  mmap_anon_resident, mmap_by_stack: [{stack_id, resident}],
 *                  thread_stacks, threads, threads_guessed,
 *                  thread_stack_resident, file_resident, files_total,
 *                  files: [{path, resident}], shmem_resident },
 *     other_anon, rss_gap, unexplained_bytes, unexplained_pct,
 *     limits: { vmas, vmas_skipped, ranges_unmeasured, pagemap_pages },
 *     notes: [string] }
 * Sizes in bytes; rss_gap and unexplained_bytes may be negative. */
void out_account__json(struct json_writer *w, const struct rss_account *a);

#endif /* MT_OUT_ACCOUNT_H */
