// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tracer__cost against an independent look at the same process: the BPF
 * maps found by walking /proc/self/fd (every "bpf-map" descriptor, its
 * fdinfo memlock), VmRSS read from /proc/self/status around the call,
 * getrusage around it. Loads the real BPF object: needs root. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tracer.h"

static void require_root(void)
{
	if (geteuid() == 0)
		return;
	if (getenv("CI"))
		cr_fatal("this test loads BPF programs: it needs root, and CI must run it");
	cr_skip_test("SKIPPED: needs root (loads the BPF programs)");
}

/* "key:<blanks>N" from a /proc text file, as the kernel prints it */
static uint64_t proc_value(const char *path, const char *key)
{
	char line[256];
	uint64_t v = 0;
	bool found = false;
	FILE *f = fopen(path, "r");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key))) {
			v = strtoull(line + strlen(key), NULL, 10);
			found = true;
		}
	fclose(f);
	cr_assert(found, "%s has no %s line", path, key);
	return v;
}

/* Sum of memlock over every BPF map this process holds, and their count. */
static uint64_t bpf_maps_memlock(size_t *n)
{
	struct dirent *de;
	uint64_t sum = 0;
	DIR *d = opendir("/proc/self/fd");

	cr_assert_not_null(d);
	*n = 0;
	while ((de = readdir(d))) {
		char link[300], target[64], info[300];
		ssize_t len;

		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		if (strcmp(target, "anon_inode:bpf-map"))
			continue;
		snprintf(info, sizeof(info), "/proc/self/fdinfo/%s", de->d_name);
		sum += proc_value(info, "memlock:");
		(*n)++;
	}
	closedir(d);
	return sum;
}

static double cpu_s(void)
{
	struct rusage ru;

	cr_assert(eq(int, getrusage(RUSAGE_SELF, &ru), 0));
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static const struct mt_map_cost *find_map(const struct mt_tracer_cost *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nmaps; i++)
		if (!strcmp(c->maps[i].name, name))
			return &c->maps[i];
	cr_fatal("no map %s in the cost figures", name);
	return NULL;
}

Test(tracer_cost, figures_match_procfs, .timeout = 60)
{
	struct tracer_opts opts = { .sz = sizeof(opts), .max_allocs = 50000,
				    .max_stacks = 2000, .events = MT_EVENTS_MALLOC };
	struct mt_tracer_cost c = {}, c2 = {};
	uint64_t rss_before, rss_after, maps_sum;
	double cpu_before, cpu_after;
	struct tracer *t, *t2;
	size_t nmaps;

	require_root();
	t = tracer__new(&opts);
	cr_assert_not_null(t, "tracer__new: %s", strerror(errno));

	cpu_before = cpu_s();
	rss_before = proc_value("/proc/self/status", "VmRSS:") * 1024;
	cr_assert(eq(int, tracer__cost(t, &c), 0));
	rss_after = proc_value("/proc/self/status", "VmRSS:") * 1024;
	cpu_after = cpu_s();
	maps_sum = bpf_maps_memlock(&nmaps);

	cr_assert(c.known);
	/* every map of the tracer, and nothing else (this process has no
	 * other BPF maps): the same figures the kernel gives per fd */
	cr_expect(eq(u64, c.map_bytes, maps_sum));
	cr_expect(eq(sz, c.nmaps, nmaps));
	/* the sizes asked for are the sizes loaded, and they cost at least
	 * their entries (key + value each) */
	cr_expect(eq(u32, find_map(&c, "live")->max_entries, 50000));
	cr_expect(eq(u32, find_map(&c, "stacks")->max_entries, 2000));
	cr_expect(ge(u64, find_map(&c, "live")->memlock_bytes, 50000 * sizeof(struct mt_live_slot)));
	/* the live slots are mapped, resident from the start: in the rss */
	cr_expect(ge(u64, c.rss_map_bytes, 50000 * sizeof(struct mt_live_slot)));
	cr_expect(le(u64, c.rss_map_bytes, c.rss_bytes));
	/* the reads around the call bound it; they touch a page or two */
	cr_expect(ge(u64, c.rss_bytes + 65536, rss_before < rss_after ? rss_before : rss_after));
	cr_expect(le(u64, c.rss_bytes, (rss_before > rss_after ? rss_before : rss_after) + 65536));
	cr_expect(ge(u64, c.rss_peak_bytes, c.rss_bytes));
	cr_expect(ge(dbl, c.cpu_user_s + c.cpu_sys_s, cpu_before));
	cr_expect(le(dbl, c.cpu_user_s + c.cpu_sys_s, cpu_after));

	/* a second tracer with a live map four times larger: its live map
	 * costs about four times as much, and the total covers both */
	opts.max_allocs = 200000;
	t2 = tracer__new(&opts);
	cr_assert_not_null(t2, "tracer__new: %s", strerror(errno));
	cr_assert(eq(int, tracer__cost(t2, &c2), 0));
	cr_expect(gt(u64, find_map(&c2, "live")->memlock_bytes,
		     3 * find_map(&c, "live")->memlock_bytes));
	maps_sum = bpf_maps_memlock(&nmaps);
	cr_expect(eq(u64, c.map_bytes + c2.map_bytes, maps_sum));
	tracer__free(t2);
	tracer__free(t);
}
