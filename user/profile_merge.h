/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Replicas: the same program in several processes (a Deployment's pods on
 * one node, worker processes) holds memory from the same stacks. Merging
 * them turns N copies of one stack into one, with each process's share. */
#ifndef MT_PROFILE_MERGE_H
#define MT_PROFILE_MERGE_H

#include "profile.h"

/* Merges the samples of p that are the same stack in different processes:
 * same kind and mapping, and for every frame the same module (by build
 * ID when both frames have one, else by path) at the same file offset.
 * Samples with a lost stack, no frames, or a frame outside any file
 * (anonymous or JIT code: equal offsets there mean nothing) stay alone.
 * Each merged sample gets pids[], largest first; the others are removed.
 * Run once, after the frames are named. 0 or -ENOMEM (then some stacks
 * may be left unmerged; p stays consistent). */
int mt_profile__merge_replicas(struct mt_profile *p);

#endif /* MT_PROFILE_MERGE_H */
