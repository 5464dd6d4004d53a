// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memtrail --check on the running kernel: every fact it states is checked
 * against an independent look at the same kernel (sysfs, mountinfo, a raw
 * fentry load), so that the test holds on this host (6.18: no kprobes,
 * fentry refused) and in the qemu guests (6.1, 6.12: both), and fails when
 * --check says something the kernel contradicts. */
#include <linux/bpf.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "harness.h"

TestSuite(check, .timeout = TEST_TIMEOUT);

#define MAX_ROWS 40

struct check_out {
	int rc;
	size_t n;
	char label[MAX_ROWS][32];
	char value[MAX_ROWS][256];
	char all[16384];	/* everything it printed, for failure messages */
};

/* Runs memtrail with args and collects its stdout; text lines are split
 * into "label  value" rows. */
static void run_memtrail(char **args, struct check_out *o)
{
	char *argv[16] = { (char *)mt_bin() }, line[512];
	struct child c;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	spawn(argv, &c, NULL);
	while (read_line(&c.out, 30000, line, sizeof(line))) {
		char *gap = strstr(line, "  ");

		snprintf(o->all + strlen(o->all), sizeof(o->all) - strlen(o->all), "%s\n", line);
		if (!gap || o->n == MAX_ROWS)
			continue;
		snprintf(o->label[o->n], sizeof(o->label[0]), "%.*s", (int)(gap - line), line);
		snprintf(o->value[o->n], sizeof(o->value[0]), "%s", gap + strspn(gap, " "));
		o->n++;
	}
	o->rc = reap(&c, 30000);
	child_close(&c);
}

static const char *row(const struct check_out *o, const char *label)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->label[i], label))
			return o->value[i];
	cr_assert_fail("no '%s' line in:\n%s", label, o->all);
	return NULL;
}

/* "yes", "yes (...)" -> true; "no — ..." -> false; anything else fails */
static bool yes(const struct check_out *o, const char *label)
{
	const char *v = row(o, label);

	if (!strncmp(v, "yes", 3) && (!v[3] || v[3] == ' '))
		return true;
	cr_assert(!strncmp(v, "no — ", strlen("no — ")) && strlen(v) > strlen("no — "),
		  "%s: '%s' is neither yes nor 'no — reason'", label, v);
	return false;
}

static bool exists(const char *path)
{
	return !access(path, F_OK);
}

/* fentry by hand: a two-instruction tracing program on vfs_write, loaded
 * and attached with the raw calls, without memtrail's code or skeleton */
static bool fentry_works(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct btf *btf = btf__load_vmlinux_btf();
	int id = btf ? btf__find_by_name_kind(btf, "vfs_write", BTF_KIND_FUNC) : -1;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = id);
	int prog, link = -1;

	btf__free(btf);
	if (id <= 0)
		return false;
	prog = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);
	if (prog >= 0)
		link = bpf_raw_tracepoint_open(NULL, prog);
	if (link >= 0)
		close(link);
	if (prog >= 0)
		close(prog);
	return link >= 0;
}

/* The first cgroup2 mount point in mountinfo, "" when none. */
static void cgroup2_mount(char *path, size_t sz)
{
	char line[1024], mnt[512], type[64];
	FILE *fp = fopen("/proc/self/mountinfo", "r");

	path[0] = '\0';
	cr_assert(fp);
	while (!path[0] && fgets(line, sizeof(line), fp)) {
		const char *sep = strstr(line, " - ");

		if (sep && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    sscanf(sep + 3, "%63s", type) == 1 && !strcmp(type, "cgroup2"))
			snprintf(path, sz, "%s", mnt);
	}
	fclose(fp);
}

/* The path the syscall hooks must take on this kernel, auto. */
static const char *expected_syscall_path(bool fentry, bool kprobes)
{
	return fentry ? "fentry" : kprobes ? "kprobe" : "tracepoint";
}

/* "tracepoint — syscalls/..." -> whether it starts with path + " — " */
static bool hook_is(const struct check_out *o, const char *hook, const char *path)
{
	char label[32], prefix[64];

	snprintf(label, sizeof(label), "hook %s", hook);
	snprintf(prefix, sizeof(prefix), "%s — ", path);
	return !strncmp(row(o, label), prefix, strlen(prefix));
}

static const char *const syscall_hooks[] = { "mmap", "munmap", "mremap", "brk" };

Test(check, text_states_what_this_kernel_has)
{
	char *args[] = { "--check", NULL }, cg[512], label[32], tp[600];
	bool fentry = fentry_works(), kprobes = exists("/sys/bus/event_source/devices/kprobe");
	const char *want = expected_syscall_path(fentry, kprobes), *v;
	struct check_out o;
	size_t i;

	require_root();
	unsetenv("MEMTRAIL_KERNEL_HOOKS");
	run_memtrail(args, &o);
	cr_assert_eq(o.rc, 0, "memtrail --check exited %d:\n%s", o.rc, o.all);
	cr_log_info("fentry %d, kprobes %d: syscall hooks expect %s\n%s", fentry, kprobes, want, o.all);

	cr_assert(row(&o, "kernel")[0]);
	cr_assert_eq(yes(&o, "BTF"), exists("/sys/kernel/btf/vmlinux"), "%s", o.all);
	cr_assert_eq(yes(&o, "uprobes"), exists("/sys/bus/event_source/devices/uprobe"), "%s", o.all);
	cr_assert_eq(yes(&o, "kprobes"), kprobes, "%s", o.all);
	cr_assert_eq(yes(&o, "fentry"), fentry, "%s", o.all);
	cr_assert_eq(yes(&o, "uprobe-multi"), kernel_at_least(6, 6), "%s", o.all);
	/* every kernel memtrail runs on (6.1+) has these */
	cr_assert(yes(&o, "BTF") && yes(&o, "uprobes"), "%s", o.all);
	cr_assert(yes(&o, "tp_btf") && yes(&o, "ringbuf") && yes(&o, "task storage"), "%s", o.all);

	cgroup2_mount(cg, sizeof(cg));
	cr_assert_eq(yes(&o, "cgroup v2"), cg[0] != '\0', "%s", o.all);
	if (cg[0]) {
		snprintf(tp, sizeof(tp), "yes (%s)", cg);
		cr_assert_str_eq(row(&o, "cgroup v2"), tp);
	}
	/* --check mounts tracefs when it is not: it is there afterwards */
	cr_assert(yes(&o, "tracefs"), "%s", o.all);
	v = row(&o, "tracefs");
	cr_assert(strstr(v, "already mounted") || strstr(v, "mounted by memtrail"), "%s", v);
	cr_assert(sscanf(v, "yes (%511[^,]", cg) == 1, "%s", v);
	snprintf(tp, sizeof(tp), "%s/events/kmem/rss_stat/id", cg);
	cr_assert(exists(tp), "tracefs line says %s, but there is no %s", v, tp);
	cr_assert(row(&o, "lockdown")[0]);

	for (i = 0; i < 4; i++)
		cr_assert(hook_is(&o, syscall_hooks[i], want), "%s: expected %s\n%s",
			  syscall_hooks[i], want, o.all);
	cr_assert(hook_is(&o, "fault", "tp_btf"), "%s", o.all);
	cr_assert(hook_is(&o, "rss_stat", "tracepoint"), "%s", o.all);
	cr_assert(strstr(row(&o, "hook fault"), "error code"), "%s", o.all);
	snprintf(label, sizeof(label), "%s", row(&o, "can trace"));
	cr_assert_str_eq(label, "yes");
}

static json_t *run_json(char **args, int *rc)
{
	struct check_out o;
	json_error_t jerr;
	json_t *root;

	run_memtrail(args, &o);
	*rc = o.rc;
	root = json_loads(o.all, 0, &jerr);
	cr_assert(root, "not JSON (%s, line %d):\n%s", jerr.text, jerr.line, o.all);
	return root;
}

static bool feature(json_t *root, const char *key)
{
	json_t *f = json_object_get(json_object_get(root, "features"), key), *why;

	cr_assert(json_is_boolean(json_object_get(f, "available")), "features.%s.available", key);
	why = json_object_get(f, "why");
	if (json_is_true(json_object_get(f, "available")))
		cr_assert(json_is_null(why), "features.%s: available, with a why", key);
	else
		cr_assert(json_string_length(why) > 0, "features.%s: missing, without a why", key);
	return json_is_true(json_object_get(f, "available"));
}

static const char *hook_path(json_t *root, const char *hook)
{
	json_t *h = json_object_get(json_object_get(root, "hooks"), hook);

	cr_assert(json_string_length(json_object_get(h, "why")) > 0, "hooks.%s.why", hook);
	return json_string_value(json_object_get(h, "path"));
}

Test(check, json_states_the_same)
{
	char *args[] = { "--check", "--format", "json", NULL };
	bool fentry = fentry_works(), kprobes = exists("/sys/bus/event_source/devices/kprobe");
	const char *want = expected_syscall_path(fentry, kprobes);
	json_t *root, *tracefs, *probes, *fn;
	const char *name;
	size_t i;
	int rc;

	require_root();
	unsetenv("MEMTRAIL_KERNEL_HOOKS");
	root = run_json(args, &rc);
	cr_assert_eq(rc, 0);
	cr_assert_str_eq(json_string_value(json_object_get(root, "tool")), "memtrail");
	cr_assert_str_eq(json_string_value(json_object_get(root, "kind")), "check");
	cr_assert(json_string_length(json_object_get(root, "kernel")) > 0);
	cr_assert(feature(root, "btf") && feature(root, "uprobes") && feature(root, "tp_btf"));
	cr_assert(feature(root, "ringbuf") && feature(root, "task_storage"));
	cr_assert_eq(feature(root, "kprobes"), kprobes);
	cr_assert_eq(feature(root, "fentry"), fentry);
	cr_assert_eq(feature(root, "uprobe_multi"), kernel_at_least(6, 6));
	feature(root, "cgroup_v2");
	cr_assert(feature(root, "tracefs"));
	tracefs = json_object_get(json_object_get(root, "features"), "tracefs");
	cr_assert(json_string_length(json_object_get(tracefs, "path")) > 0);
	cr_assert(json_is_boolean(json_object_get(tracefs, "mounted_by_memtrail")));
	for (i = 0; i < 4; i++)
		cr_assert_str_eq(hook_path(root, syscall_hooks[i]), want);
	cr_assert_str_eq(hook_path(root, "fault"), "tp_btf");
	cr_assert_str_eq(hook_path(root, "rss_stat"), "tracepoint");
	cr_assert(json_is_true(json_object_get(root, "can_trace")));
	cr_assert(json_is_null(json_object_get(root, "reason")));
	/* each function says whether it is probed, where, and why */
	probes = json_object_get(json_object_get(root, "probes"), "functions");
	cr_assert(json_object_size(probes) > 8);
	json_object_foreach(probes, name, fn) {
		cr_assert(json_string_length(json_object_get(fn, "why")) > 0, "%s", name);
		cr_assert(json_is_boolean(json_object_get(fn, "probed")), "%s", name);
		if (json_is_true(json_object_get(fn, "probed")))
			cr_assert(json_is_boolean(json_object_get(fn, "emulated")) &&
				  json_is_integer(json_object_get(fn, "offset_from_entry")), "%s", name);
	}
	/* this libc: free's probe moved past its test %rdi,%rdi;
	 * reallocarray's calls reach realloc's probe */
	cr_assert_gt(json_integer_value(json_object_get(json_object_get(probes, "free"),
							"offset_from_entry")), 0);
	cr_assert(json_is_false(json_object_get(json_object_get(probes, "reallocarray"), "probed")));
	cr_assert(json_is_true(json_object_get(json_object_get(probes, "realloc"), "probed")));
	json_decref(root);
}

/* A forced kprobe path: taken where the kernel has kprobes, a failure
 * (exit 1, hooks off, a reason) where it has not; never tracepoints. */
Test(check, forced_kprobe_is_kprobe_or_a_failure)
{
	char *args[] = { "--check", "--kernel-hooks", "kprobe", NULL };
	bool kprobes = exists("/sys/bus/event_source/devices/kprobe");
	struct check_out o;
	size_t i;

	require_root();
	unsetenv("MEMTRAIL_KERNEL_HOOKS");
	run_memtrail(args, &o);
	cr_assert_eq(o.rc, kprobes ? 0 : 1, "exit %d:\n%s", o.rc, o.all);
	for (i = 0; i < 4; i++)
		cr_assert(hook_is(&o, syscall_hooks[i], kprobes ? "kprobe" : "none"), "%s", o.all);
	cr_assert_eq(yes(&o, "can trace"), kprobes, "%s", o.all);
	if (!kprobes)
		cr_assert(strstr(row(&o, "hook mmap"), "forced kprobe"), "%s", o.all);
}

/* The environment variable forces the same way; tracepoint is in the
 * fault hook's list too. */
Test(check, env_forces_tracepoints)
{
	char *args[] = { "--check", "--format", "json", NULL };
	json_t *root;
	size_t i;
	int rc;

	require_root();
	setenv("MEMTRAIL_KERNEL_HOOKS", "tracepoint", 1);
	root = run_json(args, &rc);
	cr_assert_eq(rc, 0);
	for (i = 0; i < 4; i++)
		cr_assert_str_eq(hook_path(root, syscall_hooks[i]), "tracepoint");
	cr_assert_str_eq(hook_path(root, "fault"), "tracepoint");
	cr_assert_str_eq(hook_path(root, "rss_stat"), "tracepoint");
	json_decref(root);
}

Test(check, bad_forced_paths_are_usage_errors)
{
	char *flag[] = { "--check", "--kernel-hooks", "kprobes", NULL }, *plain[] = { "--check", NULL };
	struct check_out o;

	unsetenv("MEMTRAIL_KERNEL_HOOKS");
	run_memtrail(flag, &o);
	cr_assert_eq(o.rc, 2);
	setenv("MEMTRAIL_KERNEL_HOOKS", "sometimes", 1);
	run_memtrail(plain, &o);
	cr_assert_eq(o.rc, 2);
}
