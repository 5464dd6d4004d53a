/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* User space's side of the live allocations (bpf/live_table.bpf.c): the
 * slot array read and purged through its mmap, the overflow hash through
 * the bpf syscall. Tracer-private, like tracer_priv.h. */
#ifndef MT_LIVE_TABLE_H
#define MT_LIVE_TABLE_H

#include "tracer_priv.h"

/* Maps the loaded skeleton's table; NULL with errno set on failure. */
struct live_table *live_table__open(struct memtrail_bpf *skel);
void live_table__free(struct live_table *lt);

/* Visits every record as (struct mt_live_key, struct mt_live_val): the
 * slots, then the overflow. A slot freed while it is read is skipped.
 * 0 or -errno. */
int live_table__for_each(struct live_table *lt, map_visit_fn visit, void *ctx);

/* Removes the record of key if it was made before before_ns (UINT64_MAX:
 * whenever): 0 when this call removed it, -ENOENT when it is gone (a free
 * took it) or is a newer one (the address was handed out again since it
 * was read). */
int live_table__delete(struct live_table *lt, const struct mt_live_key *key, uint64_t before_ns);

#endif /* MT_LIVE_TABLE_H */
