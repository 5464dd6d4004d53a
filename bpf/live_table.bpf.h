/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* BPF-only: where outstanding allocations are kept (live_table.bpf.c).
 * The table stores and finds records; state.bpf.c does the accounting. */
#ifndef LIVE_TABLE_BPF_H
#define LIVE_TABLE_BPF_H

#include "memtrail.h"

/* mt_live_put's result: bits */
#define MT_LIVE_REPLACED 1 /* a record of the same (tgid, addr) was there: it is gone */
#define MT_LIVE_FULL	 2 /* no room: val was not recorded */
#define MT_LIVE_OVERFLOWED 4 /* recorded in the overflow hash: its slots were taken */

/* Records val for (tgid, addr); 0, or MT_LIVE_* bits. */
int mt_live_put(__u32 tgid, __u64 addr, const struct mt_live_val *val) __hidden;
/* Takes the record of (tgid, addr) out into *out: 0, or -1 when there is
 * none (or a racing free took it first: only one taker accounts). */
int mt_live_take(__u32 tgid, __u64 addr, struct mt_live_val *out) __hidden;

#endif /* LIVE_TABLE_BPF_H */
