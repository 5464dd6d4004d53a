/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Multi-uprobe links (kernel 6.6+) through the raw bpf syscall: Debian's
 * libbpf 1.1 can neither name their attach type nor create them. One link
 * holds many probes of one file for one process, and detaches with one
 * RCU grace period instead of one per probe. */
#ifndef MT_UPROBE_MULTI_H
#define MT_UPROBE_MULTI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* the attach type: BPF_TRACE_UPROBE_MULTI in the kernel's UAPI */
#define MT_ATTACH_UPROBE_MULTI 48

/* True when this kernel creates multi-uprobe links. Costs one tiny
 * program load and a link attempt on a missing file (nothing attaches). */
bool uprobe_multi__supported(void);

/* Attaches prog_fd at offsets[0..n) of the file at path, with cookies[i]
 * readable through bpf_get_attach_cookie, in process pid (-1: all), at
 * the functions' return when retprobe. Returns the link fd or -errno. */
int uprobe_multi__attach(int prog_fd, const char *path, const uint64_t *offsets,
			 const uint64_t *cookies, size_t n, pid_t pid, bool retprobe);

#endif /* MT_UPROBE_MULTI_H */
