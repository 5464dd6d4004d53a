// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* tracer -> profile -> symbolizer -> writer, for one report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "java.h"
#include "log.h"
#include "output.h"
#include "procfs.h"
#include "profile_merge.h"
#include "report.h"

/* One note per (process, module) the symbolizer had something to say about. */
static int note_module(struct mt_profile *p, pid_t pid, const char *module, const char *note)
{
	char *text = NULL;
	size_t i;
	int err = 0;

	if (asprintf(&text, "pid %d: %s: %s", (int)pid, module, note) < 0)
		return -ENOMEM;
	for (i = 0; i < p->nnotes; i++)
		if (!strcmp(p->notes[i], text))
			break;
	if (i == p->nnotes)
		err = mt_profile__add_note(p, "%s", text);
	free(text);
	return err;
}

/* Names one frame template (a distinct address of pid) from res. */
static int name_template(struct mt_profile *p, pid_t pid, struct mt_frame *f,
			 const struct sym_result *res)
{
	size_t j;
	int err;

	err = mt_frame__set(f, res->symbol, res->offset, res->module, res->module_offset,
			    res->symbol ? NULL : res->reason);
	if (!err)
		err = mt_frame__set_source(f, res->file, res->line, res->build_id);
	if (!err && res->module_note && res->module)
		err = note_module(p, pid, res->module, res->module_note);
	for (j = 0; j < res->ninlines && !err; j++)
		err = mt_frame__add_inline(f, res->inlines[j].symbol, res->inlines[j].file,
					   res->inlines[j].line);
	return err;
}

/* Frames repeat across stacks (the same callers, the same allocator
 * wrappers): each distinct address of a process is resolved and its
 * strings copied once per report, and the sample's frames share them. */
static int name_frames(struct mt_profile *p, struct symbolizer *sym, struct mt_sample *s)
{
	size_t i;
	int err = 0;

	for (i = 0; i < s->nframes && !err; i++) {
		struct mt_frame *tmpl;
		struct sym_result res;
		bool fresh;

		tmpl = mt_profile__frame_template(p, s->pid, s->frames[i].addr, &fresh);
		if (!tmpl)
			return -ENOMEM;
		if (fresh) {
			if (symbolizer__resolve(sym, s->pid, &tmpl->addr, 1, &res))
				/* nothing known about the process: the frame says why */
				err = mt_frame__set(tmpl, NULL, 0, NULL, 0,
						    "process gone before its maps were read");
			else
				err = name_template(p, s->pid, tmpl, &res);
		}
		mt_frame__share(&s->frames[i], tmpl);
	}
	return err;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct mt_profile *build(struct tracer *t, struct symbolizer *sym,
				enum mt_target_kind kind, const char *target,
				uint64_t min_age_ns, uint64_t since_ns,
				bool (*keep)(pid_t pid, void *ctx), void *ctx)
{
	double t0, t1;
	struct mt_profile *p;
	size_t i;
	int err;

	p = mt_profile__new(kind, target);
	if (!p)
		return NULL;
	t0 = now_s();
	err = since_ns ? tracer__snapshot_since(t, p, since_ns, keep, ctx)
		       : tracer__snapshot(t, p, min_age_ns, keep, ctx);
	t1 = now_s();
	for (i = 0; i < p->nsamples && !err; i++) {
		struct mt_sample *s = &p->samples[i];
		struct mt_process *proc;
		char comm[16] = "?";

		proc = mt_profile__find_process(p, s->pid);
		/* first sample of this process (an entry made for its RSS
		 * counters has no name yet) */
		if (!proc || !proc->comm[0]) {
			procfs__read_comm(NULL, s->pid, comm, sizeof(comm));
			proc = mt_profile__process(p, s->pid, comm);
			if (!proc) {
				err = -errno;
				break;
			}
			procfs__read_rss(NULL, s->pid, &proc->rss_bytes);
			/* libraries loaded since the last look; a JVM's
			 * perf map (--java) */
			java__refresh(sym, p, s->pid);
		}
		memcpy(s->comm, proc->comm, sizeof(s->comm));
		err = name_frames(p, sym, s);
	}
	if (!err)
		java__note_frames(sym, p);
	debug("report: %zu stacks read in %.3f s, symbolized in %.3f s", p->nsamples,
	      t1 - t0, now_s() - t1);
	/* replicas: one stack, each process's share (every writer sees it) */
	if (!err)
		err = mt_profile__merge_replicas(p);
	if (err) {
		mt_profile__free(p);
		errno = -err;
		return NULL;
	}
	return p;
}

struct mt_profile *report__build(struct tracer *t, struct symbolizer *sym,
				 enum mt_target_kind kind, const char *target,
				 uint64_t min_age_ns,
				 bool (*keep)(pid_t pid, void *ctx), void *ctx)
{
	return build(t, sym, kind, target, min_age_ns, 0, keep, ctx);
}

struct mt_profile *report__build_since(struct tracer *t, struct symbolizer *sym,
				       enum mt_target_kind kind, const char *target,
				       uint64_t since_ns,
				       bool (*keep)(pid_t pid, void *ctx), void *ctx)
{
	return build(t, sym, kind, target, 0, since_ns, keep, ctx);
}

static uint64_t malloc_live(const struct mt_profile *p, pid_t pid)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < p->nsamples; i++) {
		struct mt_sample_pid own;
		const struct mt_sample_pid *sh = mt_sample__share(&p->samples[i], pid, &own);

		if (sh && !strcmp(p->samples[i].kind, "malloc"))
			sum += sh->bytes;
	}
	return sum;
}

static int add_account(struct mt_profile *p, struct tracer *t, pid_t pid)
{
	const struct vm_range *vr;
	struct rss_input in = { .pid = pid };
	struct rss_range *ranges;
	struct rss_account *tmp;
	size_t n, i;
	int err;

	vr = tracer__vm_ranges(t, pid, &n);
	ranges = calloc(n + 1, sizeof(*ranges));
	if (!ranges)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ranges[i] = (struct rss_range){
			.start = vr[i].start, .end = vr[i].end, .stack_id = vr[i].stack_id,
			.cls = vr[i].flags & MT_VM_INTERNAL ? RSS_RANGE_ALLOCATOR : RSS_RANGE_USER_MMAP,
		};
	in.ranges = ranges;
	in.nranges = n;
	in.malloc_live_bytes = malloc_live(p, pid);
	tmp = reallocarray(p->accounts, p->naccounts + 1, sizeof(*tmp));
	if (!tmp) {
		free(ranges);
		return -ENOMEM;
	}
	p->accounts = tmp;
	err = rss_account__compute(&in, &p->accounts[p->naccounts]);
	free(ranges);
	if (err == -ESRCH)
		return 0; /* gone since the snapshot: nothing to account */
	if (!err)
		p->naccounts++;
	return err;
}

int report__add_accounts(struct mt_profile *p, struct tracer *t)
{
	size_t i;
	int err = 0;

	for (i = 0; i < p->nprocesses && !err; i++)
		err = add_account(p, t, p->processes[i].pid);
	return err;
}

/* The wall-clock time the trace began: now, less its duration. */
static int64_t report__start_ns(const struct mt_profile *p)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts))
		return 0;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - (int64_t)(p->duration_s * 1e9);
}

int report__write(const struct mt_profile *p, const struct options *opts, FILE *f)
{
	struct out_opts o = { .top = opts->top, .pretty = opts->interval_s == 0 };
	int err;

	switch (opts->format) {
	case FORMAT_JSON:
		err = out_json__write(p, &o, f);
		break;
	case FORMAT_FOLDED:
		err = out_folded__write(p, &o, f);
		break;
	case FORMAT_PPROF:
		o.time_ns = report__start_ns(p);
		err = out_pprof__write(p, &o, f);
		break;
	case FORMAT_HTML:
		err = out_html__write(p, &o, f);
		break;
	case FORMAT_TEXT:
	default:
		err = out_text__write(p, &o, f);
		break;
	}
	if (!err && fflush(f))
		err = -errno;
	return err;
}
