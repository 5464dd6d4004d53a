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

/* the attach types: BPF_TRACE_UPROBE_MULTI and BPF_TRACE_UPROBE_SESSION
 * in the kernel's UAPI */
#define MT_ATTACH_UPROBE_MULTI 48
#define MT_ATTACH_UPROBE_SESSION 57

/* What a link's program runs at. */
enum uprobe_multi_kind {
	UPROBE_MULTI_ENTRY,
	UPROBE_MULTI_RETURN,
	UPROBE_MULTI_SESSION,	/* at the entry, and at the return unless the entry returned 1 */
};

/* True when this kernel creates multi-uprobe links. Costs one tiny
 * program load and a link attempt on a missing file (nothing attaches). */
bool uprobe_multi__supported(void);
/* True when this kernel creates uprobe session links (6.13+). */
bool uprobe_multi__session_supported(void);

/* Attaches prog_fd at offsets[0..n) of the file at path, with cookies[i]
 * readable through bpf_get_attach_cookie, in process pid (-1: all), to
 * run at what kind says. The program was loaded with the kind's attach
 * type. Returns the link fd or -errno. */
int uprobe_multi__attach(int prog_fd, const char *path, const uint64_t *offsets,
			 const uint64_t *cookies, size_t n, pid_t pid, enum uprobe_multi_kind kind);

#endif /* MT_UPROBE_MULTI_H */
