// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* GET /metrics: per-group outstanding memory, the tracer's counters and
 * drops, and its own cost, in Prometheus text format. */
#include <errno.h>
#include <stdio.h>
#include "prom_writer.h"
#include "serve_summary.h"

/* What a group's samples are labelled with: the pod UID ("" for a
 * cgroup that is no pod's) and the cgroup. */
static void group_labels(const struct group *grp, struct prom_label l[2])
{
	l[0] = (struct prom_label){ "pod_uid", grp->is_pod ? grp->pod_uid : "" };
	l[1] = (struct prom_label){ "cgroup", grp->cgroup };
}

enum group_value { GV_BYTES, GV_ALLOCS, GV_PROCESSES, GV_RSS };

static int put_per_group(FILE *f, const struct serve_summary *s, const char *name,
			 const char *help, enum group_value what)
{
	size_t i, n = groups__count(s->groups);
	struct prom_label l[2];
	int err = prom_family(f, name, "gauge", help);

	for (i = 0; i < n && !err; i++) {
		const struct group *grp = groups__at(s->groups, i);
		uint64_t v = what == GV_BYTES ? s->totals[i].bytes
			     : what == GV_ALLOCS ? s->totals[i].allocs
			     : what == GV_RSS ? s->totals[i].rss_bytes : grp->npids;

		group_labels(grp, l);
		err = prom_sample(f, name, l, 2, v);
	}
	return err;
}

static int put_one(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
	int err = prom_family(f, name, type, help);

	return err ? err : prom_sample(f, name, NULL, 0, v);
}

int serve_metrics__write(const struct serve_summary *s, FILE *f)
{
	const struct mt_profile *p = s->p;
	struct groups_stats st;
	size_t i;
	int err;

	groups__get_stats(s->groups, &st);
	err = put_one(f, "memtrail_up", "gauge",
		      "1 while the tracer is attached and its event loop runs (see /healthz)",
		      s->healthy);
	if (!err)
		err = put_per_group(f, s, "memtrail_outstanding_bytes",
				    "Bytes allocated and not freed, by the processes of a pod or cgroup",
				    GV_BYTES);
	if (!err)
		err = put_per_group(f, s, "memtrail_outstanding_allocs",
				    "Allocations not freed, by the processes of a pod or cgroup",
				    GV_ALLOCS);
	if (!err)
		err = put_per_group(f, s, "memtrail_group_processes",
				    "Processes in a pod or cgroup", GV_PROCESSES);
	if (!err)
		err = put_per_group(f, s, "memtrail_group_rss_bytes",
				    "Resident memory of a pod's or cgroup's processes (VmRSS summed: "
				    "pages they share count in each)", GV_RSS);
	if (!err)
		err = put_one(f, "memtrail_outside_outstanding_bytes", "gauge",
			      "Bytes held by traced processes in no tracked group",
			      s->outside.bytes);
	if (!err)
		err = put_one(f, "memtrail_allocs_total", "counter",
			      "Allocations recorded", p->allocs);
	if (!err)
		err = put_one(f, "memtrail_frees_total", "counter",
			      "Frees matched to a recorded allocation", p->frees);
	if (!err)
		err = put_one(f, "memtrail_unmatched_frees_total", "counter",
			      "Frees of memory allocated before tracing began", p->unmatched_frees);
	if (!err)
		err = put_one(f, "memtrail_failed_allocs_total", "counter",
			      "Allocator calls that returned no memory", p->failed_allocs);
	if (!err)
		err = put_one(f, "memtrail_live_overflows_total", "counter",
			      "Allocations that found their slots taken and went to the overflow "
			      "(many: --max-allocs is nearly full)", p->live_overflows);
	if (!err)
		err = put_one(f, "memtrail_thread_fallbacks_total", "counter",
			      "Threads that kept their state by thread id for want of task storage",
			      p->thread_fallbacks);
	if (!err)
		err = prom_family(f, "memtrail_drops_total", "counter",
				  "Events that could not be recorded, by reason");
	for (i = 0; i < p->ndrops && !err; i++) {
		struct prom_label l = { "name", p->drops[i].name };

		err = prom_sample(f, "memtrail_drops_total", &l, 1, p->drops[i].value);
	}
	if (!err)
		err = put_one(f, "memtrail_groups", "gauge",
			      "Pods and cgroups tracked", st.tracked);
	if (!err)
		err = put_one(f, "memtrail_groups_untracked", "gauge",
			      "Pods and cgroups seen but not tracked: over --max-groups",
			      st.untracked);
	if (!err)
		err = put_one(f, "memtrail_groups_forgotten_total", "counter",
			      "Pods and cgroups forgotten because their processes were gone",
			      st.forgotten);
	if (!err)
		err = put_one(f, "memtrail_probes", "gauge", "Uprobes attached", s->nprobes);
	if (!err)
		err = put_one(f, "process_resident_memory_bytes", "gauge",
			      "Resident memory of memtrail itself", s->self_rss_bytes);
	if (!err)
		err = put_one(f, "memtrail_heap_bytes", "gauge",
			      "memtrail's own malloc heap in use", s->self_heap_bytes);
	if (!err && ferror(f))
		err = -EIO;
	return err;
}
