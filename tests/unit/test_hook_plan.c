// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* hook_plan: the strategy lists against made-up kernels, forced paths,
 * names and parsing. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "hook_plan.h"

TestSuite(hook_plan, .timeout = 10);

/* Every per-symbol fact true: what a kernel with all functions and
 * tracepoints has; the features themselves are set by each kernel below. */
static struct kernel_features all_symbols(void)
{
	struct kernel_features f;
	int i;

	memset(&f, 0, sizeof(f));
	f.btf = true;
	for (i = 0; i < KFN__COUNT; i++)
		f.fn_btf[i] = f.fn_kallsyms[i] = true;
	for (i = 0; i < KTP__COUNT; i++)
		f.tp_exists[i] = true;
	f.tp_btf_exists[KTP_PAGE_FAULT_USER] = f.tp_btf_exists[KTP_RSS_STAT] = true;
	return f;
}

/* this host (6.18): no kprobes, fentry refused, tp_btf and tracefs */
static struct kernel_features host_6_18(void)
{
	struct kernel_features f = all_symbols();

	f.uprobes = f.tp_btf = f.tracefs = true;
	return f;
}

/* Debian 6.1 / 6.12 under qemu: everything */
static struct kernel_features debian_6_1(void)
{
	struct kernel_features f = host_6_18();

	f.kprobes = f.fentry = true;
	return f;
}

static void assert_syscalls(const struct hook_plan *p, enum hook_path path)
{
	int i;

	for (i = HOOK_MMAP; i <= HOOK_BRK; i++)
		cr_assert_eq(p->hooks[i].path, path, "%s: %s, expected %s (%s)", hook__name(i),
			     hook_path__name(p->hooks[i].path), hook_path__name(path),
			     p->hooks[i].why);
}

Test(hook_plan, this_host_takes_tracepoints_and_tp_btf)
{
	struct kernel_features f = host_6_18();
	struct hook_plan p;

	cr_assert_eq(hook_plan__choose(&f, PATH_NONE, &p), 0);
	assert_syscalls(&p, PATH_TRACEPOINT);
	cr_assert_eq(p.hooks[HOOK_FAULT].path, PATH_TP_BTF);
	cr_assert_eq(p.hooks[HOOK_RSS].path, PATH_TRACEPOINT);
	cr_assert(strstr(p.hooks[HOOK_MMAP].why, "syscalls/sys_enter_mmap"), "%s", p.hooks[HOOK_MMAP].why);
	cr_assert(strstr(p.hooks[HOOK_MMAP].why, "no fentry, no kprobes"), "%s", p.hooks[HOOK_MMAP].why);
	cr_assert(strstr(p.hooks[HOOK_FAULT].why, "error code"), "%s", p.hooks[HOOK_FAULT].why);
	cr_assert(strstr(p.hooks[HOOK_RSS].why, "per-CPU"), "%s", p.hooks[HOOK_RSS].why);
}

Test(hook_plan, debian_6_1_takes_fentry)
{
	struct kernel_features f = debian_6_1();
	struct hook_plan p;

	cr_assert_eq(hook_plan__choose(&f, PATH_NONE, &p), 0);
	assert_syscalls(&p, PATH_FENTRY);
	cr_assert_str_eq(p.hooks[HOOK_BRK].why, "fentry/fexit __x64_sys_brk");
	cr_assert_eq(p.hooks[HOOK_FAULT].path, PATH_TP_BTF);
	cr_assert_eq(p.hooks[HOOK_RSS].path, PATH_TRACEPOINT);
}

Test(hook_plan, a_function_missing_from_btf_falls_to_kprobe_alone)
{
	struct kernel_features f = debian_6_1();
	struct hook_plan p;

	f.fn_btf[KFN_SYS_MREMAP] = false;
	cr_assert_eq(hook_plan__choose(&f, PATH_NONE, &p), 0);
	cr_assert_eq(p.hooks[HOOK_MREMAP].path, PATH_KPROBE);
	cr_assert(strstr(p.hooks[HOOK_MREMAP].why, "no __x64_sys_mremap in BTF"), "%s",
		  p.hooks[HOOK_MREMAP].why);
	cr_assert_eq(p.hooks[HOOK_MMAP].path, PATH_FENTRY);
	cr_assert_eq(p.hooks[HOOK_MUNMAP].path, PATH_FENTRY);
	cr_assert_eq(p.hooks[HOOK_BRK].path, PATH_FENTRY);
}

Test(hook_plan, kprobes_without_fentry)
{
	struct kernel_features f = debian_6_1();
	struct hook_plan p;

	f.fentry = false;
	f.fn_kallsyms[KFN_SYS_BRK] = false; /* blacklisted */
	cr_assert_eq(hook_plan__choose(&f, PATH_NONE, &p), 0);
	cr_assert_eq(p.hooks[HOOK_MMAP].path, PATH_KPROBE);
	cr_assert_eq(p.hooks[HOOK_BRK].path, PATH_TRACEPOINT);
	cr_assert(strstr(p.hooks[HOOK_BRK].why, "__x64_sys_brk not probe-able"), "%s",
		  p.hooks[HOOK_BRK].why);
}

Test(hook_plan, fault_falls_to_its_tracepoint_without_tp_btf)
{
	struct kernel_features f = debian_6_1();
	struct hook_plan p;

	f.tp_btf_exists[KTP_PAGE_FAULT_USER] = false;
	cr_assert_eq(hook_plan__choose(&f, PATH_NONE, &p), 0);
	cr_assert_eq(p.hooks[HOOK_FAULT].path, PATH_TRACEPOINT);
	cr_assert(strstr(p.hooks[HOOK_FAULT].why, "no btf_trace_page_fault_user"), "%s",
		  p.hooks[HOOK_FAULT].why);
}

Test(hook_plan, nothing_available_leaves_every_hook_off_with_a_reason)
{
	struct kernel_features f;
	struct hook_plan p;
	int i;

	memset(&f, 0, sizeof(f));
	cr_assert_eq(hook_plan__choose(&f, PATH_NONE, &p), 0);
	for (i = 0; i < HOOK__COUNT; i++) {
		cr_assert_eq(p.hooks[i].path, PATH_NONE, "%s", hook__name(i));
		cr_assert(!strncmp(p.hooks[i].why, "off: ", 5), "%s", p.hooks[i].why);
	}
	cr_assert_str_eq(p.hooks[HOOK_MMAP].why, "off: no fentry, no kprobes, no tracefs");
	cr_assert_str_eq(p.hooks[HOOK_FAULT].why, "off: no tp_btf, no tracefs");
	cr_assert_str_eq(p.hooks[HOOK_RSS].why, "off: no tracefs");
}

Test(hook_plan, tracefs_without_the_tracepoint)
{
	struct kernel_features f = host_6_18();
	struct hook_plan p;

	f.tp_exists[KTP_RSS_STAT] = false;
	cr_assert_eq(hook_plan__choose(&f, PATH_NONE, &p), 0);
	cr_assert_eq(p.hooks[HOOK_RSS].path, PATH_NONE);
	cr_assert_str_eq(p.hooks[HOOK_RSS].why, "off: no tracepoint kmem/rss_stat");
}

Test(hook_plan, forced_kprobe_without_kprobes_is_an_error)
{
	struct kernel_features f = host_6_18();
	struct hook_plan p;

	cr_assert_eq(hook_plan__choose(&f, PATH_KPROBE, &p), -ENOTSUP);
	assert_syscalls(&p, PATH_NONE);
	cr_assert_str_eq(p.hooks[HOOK_MMAP].why, "forced kprobe: no kprobes");
	/* kprobe is not in their lists: they choose as in auto */
	cr_assert_eq(p.hooks[HOOK_FAULT].path, PATH_TP_BTF);
	cr_assert_eq(p.hooks[HOOK_RSS].path, PATH_TRACEPOINT);
}

Test(hook_plan, forced_path_is_taken_over_a_better_one)
{
	struct kernel_features f = debian_6_1();
	struct hook_plan p;

	cr_assert_eq(hook_plan__choose(&f, PATH_KPROBE, &p), 0);
	assert_syscalls(&p, PATH_KPROBE);
	cr_assert(strstr(p.hooks[HOOK_MMAP].why, "(forced)"), "%s", p.hooks[HOOK_MMAP].why);

	cr_assert_eq(hook_plan__choose(&f, PATH_TRACEPOINT, &p), 0);
	assert_syscalls(&p, PATH_TRACEPOINT);
	cr_assert_eq(p.hooks[HOOK_FAULT].path, PATH_TRACEPOINT); /* in its list */
	cr_assert_eq(p.hooks[HOOK_RSS].path, PATH_TRACEPOINT);
}

Test(hook_plan, forced_fentry_missing_one_function_fails_that_hook_only)
{
	struct kernel_features f = debian_6_1();
	struct hook_plan p;

	f.fn_btf[KFN_SYS_MMAP] = false;
	cr_assert_eq(hook_plan__choose(&f, PATH_FENTRY, &p), -ENOTSUP);
	cr_assert_eq(p.hooks[HOOK_MMAP].path, PATH_NONE);
	cr_assert_str_eq(p.hooks[HOOK_MMAP].why, "forced fentry: no __x64_sys_mmap in BTF");
	cr_assert_eq(p.hooks[HOOK_MUNMAP].path, PATH_FENTRY);
}

Test(hook_plan, a_bad_force_is_refused)
{
	struct kernel_features f = host_6_18();
	struct hook_plan p;

	cr_assert_eq(hook_plan__choose(&f, PATH__COUNT, &p), -EINVAL);
	cr_assert_eq(hook_plan__choose(&f, (enum hook_path)-1, &p), -EINVAL);
}

Test(hook_plan, path_names_round_trip)
{
	static const enum hook_path forcible[] = { PATH_FENTRY, PATH_KPROBE, PATH_TRACEPOINT };
	enum hook_path out;
	size_t i;

	for (i = 0; i < sizeof(forcible) / sizeof(forcible[0]); i++) {
		out = PATH__COUNT;
		cr_assert_eq(hook_path__parse(hook_path__name(forcible[i]), &out), 0);
		cr_assert_eq(out, forcible[i]);
	}
	out = PATH_KPROBE;
	cr_assert_eq(hook_path__parse("auto", &out), 0);
	cr_assert_eq(out, PATH_NONE);
	cr_assert_str_eq(hook_path__name(PATH_NONE), "none");
	cr_assert_str_eq(hook_path__name(PATH_TP_BTF), "tp_btf");
	cr_assert_str_eq(hook_path__name(PATH__COUNT), "?");
}

Test(hook_plan, parse_refuses_what_cannot_be_forced)
{
	static const char *const bad[] = { "", "none", "tp_btf", "Kprobe", "kprobes", "fentry ", NULL };
	enum hook_path out = PATH_FENTRY;
	size_t i;

	for (i = 0; bad[i]; i++)
		cr_assert_eq(hook_path__parse(bad[i], &out), -EINVAL, "'%s'", bad[i]);
	cr_assert_eq(hook_path__parse(NULL, &out), -EINVAL);
	cr_assert_eq(out, PATH_FENTRY);
}

Test(hook_plan, hook_and_kernel_names)
{
	static const char *const names[HOOK__COUNT] = { "mmap", "munmap", "mremap", "brk",
							"fault", "rss_stat" };
	int i;

	for (i = 0; i < HOOK__COUNT; i++)
		cr_assert_str_eq(hook__name(i), names[i]);
	cr_assert_str_eq(hook__name(HOOK__COUNT), "?");
	cr_assert_str_eq(kernel_fn__name(KFN_SYS_MUNMAP), "__x64_sys_munmap");
	cr_assert_str_eq(kernel_tp__name(KTP_PAGE_FAULT_USER), "exceptions/page_fault_user");
	cr_assert_str_eq(kernel_tp__name(KTP_RSS_STAT), "kmem/rss_stat");
}
