// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Replica merging: sort the mergeable samples by what makes stacks the
 * same code, fold each run of equals into its largest member. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "profile_merge.h"

static int cmp_str(const char *a, const char *b)
{
	/* frames of one address share their strings (profile templates) */
	if (a == b)
		return 0;
	if (!a || !b)
		return !a - !b;
	return strcmp(a, b);
}

/* A frame's module identity: its build ID if it has one, else its path. */
static int cmp_frame(const struct mt_frame *a, const struct mt_frame *b)
{
	int c;

	if ((c = !a->build_id - !b->build_id))
		return c; /* one with, one without: not known to be one file */
	c = a->build_id ? cmp_str(a->build_id, b->build_id) : cmp_str(a->module, b->module);
	if (c)
		return c;
	return a->module_offset < b->module_offset ? -1 : a->module_offset > b->module_offset;
}

static int cmp_stack(const struct mt_sample *a, const struct mt_sample *b)
{
	size_t i;
	int c;

	if ((c = cmp_str(a->kind, b->kind)) || (c = cmp_str(a->mapping, b->mapping)))
		return c;
	if (a->nframes != b->nframes)
		return a->nframes < b->nframes ? -1 : 1;
	for (i = 0; i < a->nframes; i++)
		if ((c = cmp_frame(&a->frames[i], &b->frames[i])))
			return c;
	return 0;
}

static bool mergeable(const struct mt_sample *s)
{
	size_t i;

	if (s->stack_lost || !s->nframes)
		return false;
	for (i = 0; i < s->nframes; i++) {
		const struct mt_frame *f = &s->frames[i];

		if (!f->build_id && (!f->module || f->module[0] != '/'))
			return false;
	}
	return true;
}

/* Largest first: bytes, allocs, then the lower pid (a stable choice). */
static int cmp_share(const struct mt_sample_pid *a, const struct mt_sample_pid *b)
{
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->allocs != b->allocs)
		return a->allocs > b->allocs ? -1 : 1;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

static int cmp_share_q(const void *a, const void *b)
{
	return cmp_share(a, b);
}

/* qsort_r: report building may run in several threads (serve) */
static int cmp_index(const void *a, const void *b, void *ctx)
{
	const struct mt_profile *p = ctx;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = cmp_stack(&p->samples[i], &p->samples[j]);

	if (c)
		return c;
	return i < j ? -1 : i > j;
}

/* Adds s (or the shares it already has) to shares[0..*n). */
static void add_shares(struct mt_sample_pid *shares, size_t *n, const struct mt_sample *s)
{
	struct mt_sample_pid own;
	const struct mt_sample_pid *sh = s->npids ? s->pids : mt_sample__share(s, s->pid, &own);
	size_t k, j, cnt = s->npids ? s->npids : 1;

	for (k = 0; k < cnt; k++) {
		for (j = 0; j < *n && shares[j].pid != sh[k].pid; j++)
			;
		if (j == *n) {
			shares[(*n)++] = sh[k];
			continue;
		}
		/* one process, two samples of the same code (the file mapped twice) */
		shares[j].bytes += sh[k].bytes;
		shares[j].allocs += sh[k].allocs;
		if (sh[k].oldest_age_s > shares[j].oldest_age_s)
			shares[j].oldest_age_s = sh[k].oldest_age_s;
	}
}

/* Folds the run idx[0..n) into one sample; marks the others for removal. */
static int fold(struct mt_profile *p, const size_t *idx, size_t n, bool *gone)
{
	struct mt_sample_pid *shares;
	struct mt_sample *keep;
	size_t i, nshares = 0, cap = 0, best;

	for (i = 0; i < n; i++)
		cap += p->samples[idx[i]].npids ? p->samples[idx[i]].npids : 1;
	shares = calloc(cap, sizeof(*shares));
	if (!shares)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		add_shares(shares, &nshares, &p->samples[idx[i]]);
	if (nshares < 2) {
		free(shares); /* one process's own samples only: leave them be */
		return 0;
	}
	qsort(shares, nshares, sizeof(*shares), cmp_share_q);
	/* the sample that stays: the largest contributor's own (its frames
	 * carry that process's addresses) */
	best = n;
	for (i = 0; i < n; i++) {
		const struct mt_sample *s = &p->samples[idx[i]];

		if (s->pid == shares[0].pid && (best == n || s->bytes > p->samples[idx[best]].bytes))
			best = i;
	}
	if (best == n)
		best = 0; /* shares from an earlier merge: any member will do */
	keep = &p->samples[idx[best]];
	for (i = 0; i < n; i++) {
		const struct mt_sample *s = &p->samples[idx[i]];

		if (i == best)
			continue;
		keep->bytes += s->bytes;
		keep->allocs += s->allocs;
		if (s->oldest_age_s > keep->oldest_age_s)
			keep->oldest_age_s = s->oldest_age_s;
		gone[idx[i]] = true;
	}
	free(keep->pids);
	keep->pids = shares;
	keep->npids = nshares;
	return 0;
}

int mt_profile__merge_replicas(struct mt_profile *p)
{
	size_t *idx, n = 0, i, j, start;
	bool *gone;
	int err = 0;

	if (p->nsamples < 2)
		return 0;
	/* replicas are other processes: one process's stacks never merge */
	for (i = 1; i < p->nsamples && p->samples[i].pid == p->samples[0].pid; i++)
		;
	if (i == p->nsamples)
		return 0;
	idx = calloc(p->nsamples, sizeof(*idx));
	gone = calloc(p->nsamples, sizeof(*gone));
	if (!idx || !gone) {
		free(idx);
		free(gone);
		return -ENOMEM;
	}
	for (i = 0; i < p->nsamples; i++)
		if (mergeable(&p->samples[i]))
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_index, p);
	/* runs of equal stacks; a failed fold leaves its run unmerged, and
	 * the runs folded before it are complete, so p stays consistent */
	for (start = 0; start < n && !err; start = i) {
		for (i = start + 1; i < n; i++)
			if (cmp_stack(&p->samples[idx[start]], &p->samples[idx[i]]))
				break;
		if (i - start > 1)
			err = fold(p, idx + start, i - start, gone);
	}
	for (i = j = 0; i < p->nsamples; i++) {
		if (gone[i]) {
			mt_sample__clear(&p->samples[i]);
			continue;
		}
		if (i != j)
			p->samples[j] = p->samples[i];
		j++;
	}
	p->nsamples = j;
	free(idx);
	free(gone);
	return err;
}
