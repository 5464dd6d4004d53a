// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Multi-uprobe links through the raw bpf syscall. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include "uprobe_multi.h"

#define UPROBE_MULTI_RETURN 1 /* BPF_F_UPROBE_MULTI_RETURN */

/* BPF_LINK_CREATE's attributes for a multi-uprobe, laid out as the
 * kernel's union bpf_attr has them (6.6+); the installed UAPI header
 * predates them. */
struct link_create_uprobe_multi {
	uint32_t prog_fd;
	uint32_t target_fd;
	uint32_t attach_type;
	uint32_t flags;
	uint64_t path;
	uint64_t offsets;
	uint64_t ref_ctr_offsets;
	uint64_t cookies;
	uint32_t cnt;
	uint32_t multi_flags;
	uint32_t pid;
	uint32_t _pad;
};

int uprobe_multi__attach(int prog_fd, const char *path, const uint64_t *offsets,
			 const uint64_t *cookies, size_t n, pid_t pid, enum uprobe_multi_kind kind)
{
	struct link_create_uprobe_multi attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_fd = prog_fd;
	attr.attach_type = kind == UPROBE_MULTI_SESSION ? MT_ATTACH_UPROBE_SESSION
							: MT_ATTACH_UPROBE_MULTI;
	attr.path = (uint64_t)(uintptr_t)path;
	attr.offsets = (uint64_t)(uintptr_t)offsets;
	attr.cookies = (uint64_t)(uintptr_t)cookies;
	attr.cnt = n;
	attr.multi_flags = kind == UPROBE_MULTI_RETURN ? UPROBE_MULTI_RETURN : 0;
	attr.pid = pid > 0 ? (uint32_t)pid : 0; /* 0: every process */
	fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/* A tiny program of the kind's attach type loads, and its link on a
 * missing file fails for the file (ENOENT), not for the type (EINVAL). */
static bool kind_supported(enum uprobe_multi_kind kind)
{
	/* r0 = 0; exit */
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = (enum bpf_attach_type)(kind == UPROBE_MULTI_SESSION
				? MT_ATTACH_UPROBE_SESSION : MT_ATTACH_UPROBE_MULTI));
	uint64_t offset = 0, cookie = 0;
	int prog, err;

	prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, 2, &opts);
	if (prog < 0)
		return false;
	err = uprobe_multi__attach(prog, "/nonexistent/memtrail-feature-probe", &offset,
				   &cookie, 1, -1, kind);
	if (err >= 0)
		close(err);
	close(prog);
	return err == -ENOENT;
}

bool uprobe_multi__supported(void)
{
	return kind_supported(UPROBE_MULTI_ENTRY);
}

bool uprobe_multi__session_supported(void)
{
	return kind_supported(UPROBE_MULTI_SESSION);
}
