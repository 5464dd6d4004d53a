// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* /pods and /metrics from a hand-made profile and a fake cgroup tree:
 * the per-group split (held samples only), the JSON fields, the exact
 * metric lines. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "serve_summary.h"
#include "tmpdir.h"

static char *mnt;
static struct groups *g;
static struct mt_profile *p;

static void put(const char *rel, const char *procs)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", mnt, rel);
	cr_assert(eq(int, mkdir(path, 0755), 0));
	strcat(path, "/cgroup.procs");
	f = fopen(path, "w");
	cr_assert(not(eq(ptr, f, NULL)));
	fputs(procs, f);
	fclose(f);
}

static void pod_of(const char *path, struct group_class *c)
{
	const char *pod = strstr(path, "/pod");

	if (!pod)
		return;
	c->is_pod = true;
	snprintf(c->pod_uid, sizeof(c->pod_uid), "%.3s", pod + 4);
	c->pod_len = pod + 7 - path;
}

static void sample(pid_t pid, const char *kind, uint64_t bytes, uint64_t allocs)
{
	uint64_t addr = 0x1000;
	struct mt_sample *s = mt_profile__add_sample(p, pid, "w", kind, &addr, 1);

	cr_assert(not(eq(ptr, s, NULL)));
	s->bytes = bytes;
	s->allocs = allocs;
}

static void setup(void)
{
	struct groups_opts o = { .sz = sizeof(o), .classify = pod_of };

	mnt = tmpdir_make("mt-summary");
	put("/kp", "");
	put("/kp/podabc", "1\n2\n");
	put("/kp/sys\"te\\m", "3\n");
	o.mount = mnt;
	o.root = "/kp";
	g = groups__new(&o);
	cr_assert(not(eq(ptr, g, NULL)));
	cr_assert(eq(int, groups__refresh(g), 0));
	p = mt_profile__new(MT_TARGET_CGROUP, "/kp");
	sample(1, "malloc", 1000, 10);
	sample(2, "malloc", 24, 1);
	sample(2, "mmap", 4096, 1);
	sample(2, "fault", 8192, 2);	/* pages touched inside held memory */
	sample(3, "malloc", 7, 7);
	sample(4, "malloc", 5, 1);	/* traced, in no group */
	mt_profile__add_drop(p, "live_map_full", 3);
}

static void teardown(void)
{
	mt_profile__free(p);
	groups__free(g);
	tmpdir_remove(mnt);
}

TestSuite(serve_summary, .init = setup, .fini = teardown, .timeout = 10);

static char *write_out(bool metrics)
{
	struct serve_summary s = { .root = "/kp", .groups = g, .p = p, .nprobes = 17,
				   .self_rss_bytes = 12345,
				   .self_heap_bytes = 6789, .healthy = true };
	struct group_totals *totals;
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(eq(int, serve_summary__totals(g, p, &totals, &s.outside), 0));
	totals[1].rss_bytes = 4096 * 3;
	s.totals = totals;
	cr_assert(eq(int, metrics ? serve_metrics__write(&s, f) : serve_pods__write(&s, f), 0));
	fclose(f);
	free(totals);
	return buf;
}

Test(serve_summary, pods_json)
{
	char *out = write_out(false);
	json_error_t jerr;
	json_t *root = json_loads(out, 0, &jerr), *pods, *pod, *sys;
	bool uid_null;

	cr_assert(not(eq(ptr, root, NULL)), "%s: %s", jerr.text, out);
	cr_assert(eq(int, json_integer_value(json_object_get(root, "schema")), 1));
	pods = json_object_get(root, "pods");
	cr_assert(eq(sz, json_array_size(pods), 2));
	/* by key: cgroup paths ("/...") before pod UIDs */
	pod = json_array_get(pods, 1);
	cr_assert(eq(str, (char *)json_string_value(json_object_get(pod, "pod_uid")), "abc"));
	cr_assert(eq(str, (char *)json_string_value(json_object_get(pod, "cgroup")), "/kp/podabc"));
	cr_assert(eq(int, json_integer_value(json_object_get(pod, "outstanding_bytes")), 1000 + 24 + 4096));
	cr_assert(eq(int, json_integer_value(json_object_get(pod, "outstanding_allocs")), 12));
	cr_assert(eq(sz, json_array_size(json_object_get(pod, "pids")), 2));
	cr_assert(eq(str, (char *)json_string_value(json_object_get(pod, "heap")), "/pods/abc/heap"));
	sys = json_array_get(pods, 0);
	uid_null = json_is_null(json_object_get(sys, "pod_uid"));
	cr_assert(uid_null);
	cr_assert(eq(str, (char *)json_string_value(json_object_get(sys, "cgroup")), "/kp/sys\"te\\m"));
	cr_assert(eq(int, json_integer_value(json_object_get(sys, "outstanding_bytes")), 7));
	cr_assert(eq(int, json_integer_value(json_object_get(root, "outside_bytes")), 5));
	cr_assert(eq(int, json_integer_value(json_object_get(root, "groups_tracked")), 2));
	json_decref(root);
	free(out);
}

static bool has(const char *out, const char *needle)
{
	return strstr(out, needle) != NULL;
}

Test(serve_summary, metrics_text)
{
	char *out = write_out(true);

	cr_assert(has(out,
		"# TYPE memtrail_outstanding_bytes gauge\n"
		"memtrail_outstanding_bytes{pod_uid=\"\",cgroup=\"/kp/sys\\\"te\\\\m\"} 7\n"
		"memtrail_outstanding_bytes{pod_uid=\"abc\",cgroup=\"/kp/podabc\"} 5120\n"), "%s", out);
	cr_assert(has(out,
		"memtrail_outstanding_allocs{pod_uid=\"abc\",cgroup=\"/kp/podabc\"} 12\n"), "%s", out);
	cr_assert(has(out,
		"memtrail_group_processes{pod_uid=\"abc\",cgroup=\"/kp/podabc\"} 2\n"), "%s", out);
	cr_assert(has(out, "\nmemtrail_drops_total{name=\"live_map_full\"} 3\n"), "%s", out);
	cr_assert(has(out, "\nmemtrail_outside_outstanding_bytes 5\n"), "%s", out);
	cr_assert(has(out, "memtrail_group_rss_bytes{pod_uid=\"abc\",cgroup=\"/kp/podabc\"} 12288\n"), "%s", out);
	cr_assert(has(out, "\nprocess_resident_memory_bytes 12345\n"), "%s", out);
	cr_assert(has(out, "# TYPE memtrail_heap_bytes gauge\nmemtrail_heap_bytes 6789\n"), "%s", out);
	cr_assert(has(out, "\nmemtrail_up 1\n"), "%s", out);
	cr_assert(has(out, "\nmemtrail_probes 17\n"), "%s", out);
	free(out);
}

/* every family once, a HELP before its TYPE, samples only of the
 * family just announced: what a Prometheus parser requires */
Test(serve_summary, metrics_well_formed)
{
	char *out = write_out(true), *save = NULL, *line, fam[128] = "";
	char seen[64][128];
	size_t nseen = 0, i;
	bool help = false;

	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[128];

		if (sscanf(line, "# HELP %127s", name) == 1) {
			for (i = 0; i < nseen; i++)
				cr_assert(strcmp(seen[i], name) != 0, "family %s twice", name);
			cr_assert(lt(sz, nseen, 64));
			strcpy(seen[nseen++], name);
			strcpy(fam, name);
			help = true;
			continue;
		}
		if (sscanf(line, "# TYPE %127s", name) == 1) {
			cr_assert(help && !strcmp(name, fam), "TYPE %s without its HELP", name);
			help = false;
			continue;
		}
		cr_assert(eq(int, strncmp(line, fam, strlen(fam)), 0), "%s outside %s", line, fam);
		cr_assert(line[strlen(fam)] == '{' || line[strlen(fam)] == ' ', "%s", line);
	}
	cr_assert(gt(sz, nseen, 10));
	free(out);
}
