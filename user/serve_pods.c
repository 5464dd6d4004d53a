// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* GET /pods: every group the tracer sees, with its cgroup, processes and
 * what they hold. Snake-case keys with units, as in the report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "json_writer.h"
#include "serve_summary.h"

int serve_summary__totals(const struct groups *g, const struct mt_profile *p,
			  struct group_totals **totals, struct group_totals *outside)
{
	size_t i, n = groups__count(g);

	*totals = calloc(n + 1, sizeof(**totals));
	if (!*totals)
		return -ENOMEM;
	*outside = (struct group_totals){};
	for (i = 0; i < p->nsamples; i++) {
		const struct mt_sample *smp = &p->samples[i];
		const struct group *grp;
		struct group_totals *t;

		if (!mt_sample__held(smp))
			continue; /* pages touched inside held memory: not more of it */
		grp = groups__of_pid(g, smp->pid);
		t = grp ? &(*totals)[grp - groups__at(g, 0)] : outside;
		t->bytes += smp->bytes;
		t->allocs += smp->allocs;
	}
	return 0;
}

static void put_pids(struct json_writer *w, const struct group_member *m)
{
	size_t i;

	jw_name(w, "pids");
	jw_start_array(w);
	for (i = 0; i < m->npids; i++)
		jw_i64(w, m->pids[i]);
	jw_end_array(w);
}

static void put_group(struct json_writer *w, const struct serve_summary *s,
		      const struct group *grp, const struct group_totals *t)
{
	char heap[GROUP_UID_MAX + 32];
	size_t i, j;

	jw_start_object(w);
	jw_string_field(w, "pod_uid", grp->is_pod ? grp->pod_uid : NULL);
	if (grp->is_pod)
		jw_string_field(w, "qos", grp->qos[0] ? grp->qos : NULL);
	jw_string_field(w, "cgroup", grp->cgroup);
	jw_u64_field(w, "cgroup_id", grp->cgroup_id);
	jw_name(w, "pids");
	jw_start_array(w);
	for (i = 0; i < grp->nmembers; i++)
		for (j = 0; j < grp->members[i].npids; j++)
			jw_i64(w, grp->members[i].pids[j]);
	jw_end_array(w);
	/* members whose probes are not in yet (just joined, just exec'd, or
	 * no allocator file): what they allocate is not counted */
	jw_name(w, "untraced_pids");
	jw_start_array(w);
	for (i = 0; i < grp->nmembers && s->traced; i++)
		for (j = 0; j < grp->members[i].npids; j++)
			if (!s->traced(s->traced_ctx, grp->members[i].pids[j]))
				jw_i64(w, grp->members[i].pids[j]);
	jw_end_array(w);
	jw_u64_field(w, "outstanding_bytes", t->bytes);
	jw_u64_field(w, "outstanding_allocs", t->allocs);
	jw_u64_field(w, "rss_bytes", t->rss_bytes);
	/* where its processes sit: the containers of a pod */
	jw_name(w, "cgroups");
	jw_start_array(w);
	for (i = 0; i < grp->nmembers; i++) {
		const struct group_member *m = &grp->members[i];

		jw_start_object(w);
		jw_string_field(w, "cgroup", m->cgroup);
		jw_string_field(w, "container_id", m->container_id[0] ? m->container_id : NULL);
		put_pids(w, m);
		jw_end_object(w);
	}
	jw_end_array(w);
	/* where its profile is */
	if (grp->is_pod)
		snprintf(heap, sizeof(heap), "/pods/%s/heap", grp->pod_uid);
	else
		snprintf(heap, sizeof(heap), "/cgroups/%llu/heap", (unsigned long long)grp->cgroup_id);
	jw_string_field(w, "heap", heap);
	jw_end_object(w);
}

int serve_pods__write(const struct serve_summary *s, FILE *f)
{
	struct groups_stats st;
	struct json_writer *w;
	size_t i, n = groups__count(s->groups);

	groups__get_stats(s->groups, &st);
	w = jw_new(f, true);
	if (!w)
		return -ENOMEM;
	jw_start_object(w);
	jw_string_field(w, "tool", "memtrail");
	jw_u64_field(w, "schema", 1);
	jw_string_field(w, "root", s->root);
	jw_name(w, "pods");
	jw_start_array(w);
	for (i = 0; i < n; i++)
		put_group(w, s, groups__at(s->groups, i), &s->totals[i]);
	jw_end_array(w);
	jw_u64_field(w, "groups_tracked", st.tracked);
	jw_u64_field(w, "groups_untracked", st.untracked);
	jw_u64_field(w, "groups_forgotten", st.forgotten);
	jw_u64_field(w, "outside_bytes", s->outside.bytes);
	jw_u64_field(w, "outside_allocs", s->outside.allocs);
	jw_end_object(w);
	return jw_destroy(w) ? -EIO : 0;
}
