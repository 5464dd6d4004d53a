// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Kernel feature probes: each program of feature_probes.bpf.c is loaded
 * and attached on its own, so that one refusal hides nothing else; maps
 * are created; mounts are read from /proc/self/mountinfo; per-symbol facts
 * come from vmlinux BTF, /proc/kallsyms and tracefs. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "feature_probes.skel.h"
#include "kernel_features.h"
#include "log.h"
#include "procfs.h"
#include "uprobe_multi.h"

#if defined(__x86_64__)
#define SYS_PREFIX "__x64_sys_"
#elif defined(__aarch64__)
#define SYS_PREFIX "__arm64_sys_"
#else
#define SYS_PREFIX "sys_"
#endif

/* in every kernel's BTF and kallsyms, and traceable (__x64_sys_getpid is
 * not in BTF: syscalls without arguments have no BTF FUNC) */
#define PROBE_FN "vfs_read"

static const char *const fn_names[KFN__COUNT] = {
	[KFN_SYS_MMAP] = SYS_PREFIX "mmap",
	[KFN_SYS_MUNMAP] = SYS_PREFIX "munmap",
	[KFN_SYS_MREMAP] = SYS_PREFIX "mremap",
	[KFN_SYS_BRK] = SYS_PREFIX "brk",
};

static const char *const tp_names[KTP__COUNT] = {
	[KTP_SYS_MMAP] = "syscalls/sys_enter_mmap",
	[KTP_SYS_MUNMAP] = "syscalls/sys_enter_munmap",
	[KTP_SYS_MREMAP] = "syscalls/sys_enter_mremap",
	[KTP_SYS_BRK] = "syscalls/sys_enter_brk",
	[KTP_PAGE_FAULT_USER] = "exceptions/page_fault_user",
	[KTP_RSS_STAT] = "kmem/rss_stat",
};

const char *kernel_fn__name(enum kernel_fn fn)
{
	return fn >= 0 && fn < KFN__COUNT ? fn_names[fn] : "?";
}

const char *kernel_tp__name(enum kernel_tp tp)
{
	return tp >= 0 && tp < KTP__COUNT ? tp_names[tp] : "?";
}

static void set_why(struct kernel_features *f, enum kernel_feature k, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_why(struct kernel_features *f, enum kernel_feature k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->why[k], sizeof(f->why[k]), fmt, ap);
	va_end(ap);
}

/* strerror, with the likely cause of EPERM when memtrail is not root */
static const char *errstr(int err)
{
	if (err == EPERM && geteuid())
		return "Operation not permitted (not root)";
	return strerror(err);
}

/* ---- mounts ---------------------------------------------------------- */

/* The mount point of the first mount of fstype in /proc/self/mountinfo. */
static bool find_mount(const char *fstype, char *path, size_t sz)
{
	char line[1024], mnt[512], type[64];
	bool found = false;
	FILE *fp;

	fp = fopen("/proc/self/mountinfo", "re");
	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		/* "36 35 0:30 / /sys/kernel/tracing rw,... - tracefs tracefs rw" */
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", type) != 1)
			continue;
		if (!strcmp(type, fstype) && strlen(mnt) < sz) {
			memcpy(path, mnt, strlen(mnt) + 1);
			found = true;
		}
	}
	fclose(fp);
	return found;
}

static void probe_tracefs(struct kernel_features *f, bool mount_tracefs)
{
	char debugfs[256], path[300];

	if (find_mount("tracefs", f->tracefs_path, sizeof(f->tracefs_path))) {
		f->tracefs = f->tracefs_mounted = true;
		return;
	}
	/* a mounted debugfs mounts tracefs at tracing/ when it is looked at */
	if (find_mount("debugfs", debugfs, sizeof(debugfs))) {
		snprintf(path, sizeof(path), "%s/tracing", debugfs);
		if (!access(path, F_OK) && find_mount("tracefs", f->tracefs_path,
						      sizeof(f->tracefs_path))) {
			f->tracefs = true;
			return;
		}
	}
	if (!mount_tracefs) {
		set_why(f, KF_TRACEFS, "not mounted");
		return;
	}
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL)) {
		set_why(f, KF_TRACEFS, "not mounted, and mounting it failed: %s", errstr(errno));
		return;
	}
	snprintf(f->tracefs_path, sizeof(f->tracefs_path), "/sys/kernel/tracing");
	f->tracefs = true;
	info("mounted tracefs at /sys/kernel/tracing");
}

/* "none [integrity] confidentiality" -> "integrity" */
static bool parse_lockdown(const char *buf, char *out, size_t sz)
{
	const char *open = strchr(buf, '['), *close = open ? strchr(open, ']') : NULL;

	if (!close)
		return false;
	snprintf(out, sz, "%.*s", (int)(close - open - 1), open + 1);
	return true;
}

/* Reads the lockdown file in a child with a private securityfs mount, so
 * that nothing stays mounted when securityfs is not. */
static void read_lockdown_privately(char *out, size_t sz)
{
	char buf[128] = "";
	int pfd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return;
	pid = fork();
	if (pid == 0) {
		int fd;

		close(pfd[0]);
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL))
			_exit(1);
		fd = open("/sys/kernel/security/lockdown", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			_exit(1);
		n = read(fd, buf, sizeof(buf) - 1);
		_exit(n > 0 && write(pfd[1], buf, n) == n ? 0 : 1);
	}
	close(pfd[1]);
	if (pid > 0) {
		n = read(pfd[0], buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		waitpid(pid, &status, 0);
		parse_lockdown(buf, out, sz);
	}
	close(pfd[0]);
}

static void probe_lockdown(struct kernel_features *f)
{
	char *buf;
	size_t len;

	if (!procfs__read_file("/sys/kernel/security/lockdown", 256, &buf, &len)) {
		parse_lockdown(buf, f->lockdown, sizeof(f->lockdown));
		free(buf);
		return;
	}
	read_lockdown_privately(f->lockdown, sizeof(f->lockdown));
}

/* ---- per-symbol facts ------------------------------------------------ */

static void probe_btf_symbols(struct kernel_features *f)
{
	struct btf *btf = btf__load_vmlinux_btf();
	char name[96];
	int i;

	if (!btf)
		return;
	for (i = 0; i < KFN__COUNT; i++)
		f->fn_btf[i] = btf__find_by_name_kind(btf, fn_names[i], BTF_KIND_FUNC) > 0;
	for (i = KTP_PAGE_FAULT_USER; i < KTP__COUNT; i++) {
		snprintf(name, sizeof(name), "btf_trace_%s", strchr(tp_names[i], '/') + 1);
		f->tp_btf_exists[i] = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF) > 0;
	}
	btf__free(btf);
}

/* Marks in listed[] the kernel functions that the file names: /proc/kallsyms
 * ("ffffffff81379cc0 T __x64_sys_getpid", text symbols only) or the kprobes
 * blacklist ("0xffffffff81000000-0xffffffff81000010\tname"). */
static void mark_listed(const char *path, bool kallsyms, bool listed[KFN__COUNT])
{
	char line[512], name[256], type;
	FILE *fp;
	int i;

	fp = fopen(path, "re");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		if (kallsyms ? sscanf(line, "%*s %c %255s", &type, name) != 2 ||
			       (type != 't' && type != 'T')
			     : sscanf(line, "%*s %255s", name) != 1)
			continue;
		for (i = 0; i < KFN__COUNT; i++)
			listed[i] |= !strcmp(name, fn_names[i]);
	}
	fclose(fp);
}

static void probe_kallsyms(struct kernel_features *f)
{
	bool blacklisted[KFN__COUNT] = {};
	char debugfs[256], path[300];
	int i;

	mark_listed("/proc/kallsyms", true, f->fn_kallsyms);
	if (find_mount("debugfs", debugfs, sizeof(debugfs))) {
		snprintf(path, sizeof(path), "%s/kprobes/blacklist", debugfs);
		mark_listed(path, false, blacklisted);
	}
	for (i = 0; i < KFN__COUNT; i++)
		f->fn_kallsyms[i] &= !blacklisted[i];
}

static bool tracepoint_exists(const char *tracefs, const char *cat_name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/events/%s/id", tracefs, cat_name);
	return !access(path, R_OK);
}

static void probe_tracepoints(struct kernel_features *f)
{
	char exit_name[96];
	int i;

	if (!f->tracefs)
		return;
	for (i = 0; i < KTP__COUNT; i++) {
		const char *enter = strstr(tp_names[i], "sys_enter_");

		f->tp_exists[i] = tracepoint_exists(f->tracefs_path, tp_names[i]);
		if (enter) {
			snprintf(exit_name, sizeof(exit_name), "syscalls/sys_exit_%s",
				 enter + strlen("sys_enter_"));
			f->tp_exists[i] &= tracepoint_exists(f->tracefs_path, exit_name);
		}
	}
}

/* ---- programs and maps ----------------------------------------------- */

/* Failures are the expected outcome of a probe: libbpf says nothing about
 * them unless libbpf's own output was asked for (-vv). */
static libbpf_print_fn_t saved_print;

static int probe_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (saved_print && log_get_level() >= LOG_LIBBPF_DEBUG)
		return saved_print(level, fmt, ap);
	return 0;
}

enum probe_prog { PROBE_FENTRY, PROBE_KPROBE, PROBE_UPROBE, PROBE_TP_BTF };

static struct bpf_program *probe_program(struct feature_probes_bpf *skel, enum probe_prog which)
{
	switch (which) {
	case PROBE_FENTRY: return skel->progs.probe_fentry;
	case PROBE_KPROBE: return skel->progs.probe_kprobe;
	case PROBE_UPROBE: return skel->progs.probe_uprobe;
	default: return skel->progs.probe_tp_btf;
	}
}

/* A uprobe on this very function, in the file this process runs: offset
 * from /proc/self/maps, so that a stripped memtrail probes as well. */
static struct bpf_link *attach_self_uprobe(struct bpf_program *prog)
{
	uint64_t addr = (uint64_t)(uintptr_t)&kernel_features__probe;
	const struct proc_map *m;
	struct proc_maps maps;
	struct bpf_link *link = NULL;
	int err;

	err = procfs__read_maps(NULL, getpid(), &maps);
	if (err) {
		errno = -err;
		return NULL;
	}
	m = procfs__find_map(&maps, addr);
	if (m && m->path)
		link = bpf_program__attach_uprobe(prog, false, getpid(), m->path,
						  addr - m->start + m->pgoff);
	else
		errno = ENOENT;
	err = errno;
	procfs__free_maps(&maps);
	errno = err;
	return link;
}

/* Loads and attaches one probe program. 0, or -errno with *stage "load" or
 * "attach". */
static int try_program(enum probe_prog which, const char **stage)
{
	struct feature_probes_bpf *skel;
	struct bpf_program *prog, *p;
	struct bpf_link *link = NULL;
	int err;

	*stage = "open";
	skel = feature_probes_bpf__open();
	if (!skel)
		return -errno;
	prog = probe_program(skel, which);
	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, p == prog);
	*stage = "target";
	err = which == PROBE_FENTRY ? bpf_program__set_attach_target(prog, 0, PROBE_FN) : 0;
	if (!err) {
		*stage = "load";
		err = feature_probes_bpf__load(skel);
	}
	if (!err) {
		*stage = "attach";
		switch (which) {
		case PROBE_KPROBE:
			link = bpf_program__attach_kprobe(prog, false, PROBE_FN);
			break;
		case PROBE_UPROBE:
			link = attach_self_uprobe(prog);
			break;
		default:
			link = bpf_program__attach(prog);
		}
		err = link ? 0 : -errno;
	}
	bpf_link__destroy(link);
	feature_probes_bpf__destroy(skel);
	return err;
}

static void probe_programs(struct kernel_features *f)
{
	const char *stage;
	int err;

	err = try_program(PROBE_UPROBE, &stage);
	f->uprobes = !err;
	if (err && access("/sys/bus/event_source/devices/uprobe", F_OK))
		set_why(f, KF_UPROBES, "no uprobe PMU (CONFIG_UPROBE_EVENTS unset?)");
	else if (err)
		set_why(f, KF_UPROBES, "%s failed: %s", stage, errstr(-err));

	err = try_program(PROBE_KPROBE, &stage);
	f->kprobes = !err;
	if (err && access("/sys/bus/event_source/devices/kprobe", F_OK))
		set_why(f, KF_KPROBES, "no kprobe PMU (CONFIG_KPROBES unset?)");
	else if (err)
		set_why(f, KF_KPROBES, "%s on %s failed: %s", stage, PROBE_FN, errstr(-err));

	err = try_program(PROBE_FENTRY, &stage);
	f->fentry = !err;
	if (err == -EPERM && !strcmp(stage, "load") && !geteuid())
		set_why(f, KF_FENTRY, "refused: EPERM (lockdown%s%s?)",
			f->lockdown[0] ? "=" : "", f->lockdown);
	else if (err)
		set_why(f, KF_FENTRY, "%s on %s failed: %s", stage, PROBE_FN, errstr(-err));

	err = try_program(PROBE_TP_BTF, &stage);
	f->tp_btf = !err;
	if (err)
		set_why(f, KF_TP_BTF, "%s failed: %s", stage, errstr(-err));

	f->uprobe_multi = uprobe_multi__supported();
	if (!f->uprobe_multi)
		set_why(f, KF_UPROBE_MULTI, "%s", geteuid() ? "not probed (not root)"
			: "no BPF_TRACE_UPROBE_MULTI links (kernel < 6.6?)");
}

static void probe_maps(struct kernel_features *f)
{
	int fd, ok;

	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "mt_probe_rb", 0, 0, getpagesize(), NULL);
	f->ringbuf = fd >= 0;
	if (fd >= 0)
		close(fd);
	else
		set_why(f, KF_RINGBUF, "map create failed: %s", errstr(errno));
	/* local storage maps need BTF for key and value: libbpf builds it */
	ok = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL);
	f->task_storage = ok == 1;
	if (ok != 1)
		set_why(f, KF_TASK_STORAGE, "map create failed%s%s", ok < 0 ? ": " : "",
			ok < 0 ? errstr(-ok) : "");
}

void kernel_features__probe(struct kernel_features *f, bool mount_tracefs)
{
	struct utsname u;

	memset(f, 0, sizeof(*f));
	if (!uname(&u))
		snprintf(f->release, sizeof(f->release), "%s", u.release);
	f->btf = !access("/sys/kernel/btf/vmlinux", R_OK);
	if (!f->btf)
		set_why(f, KF_BTF, "no /sys/kernel/btf/vmlinux (CONFIG_DEBUG_INFO_BTF unset?)");
	f->cgroup_v2 = find_mount("cgroup2", f->cgroup_v2_path, sizeof(f->cgroup_v2_path));
	if (!f->cgroup_v2)
		set_why(f, KF_CGROUP_V2, "no cgroup2 mount");
	probe_tracefs(f, mount_tracefs);
	probe_lockdown(f);

	saved_print = libbpf_set_print(probe_print);
	if (f->btf)
		probe_btf_symbols(f);
	probe_kallsyms(f);
	probe_tracepoints(f);
	probe_programs(f);
	probe_maps(f);
	libbpf_set_print(saved_print);
	saved_print = NULL;
}
