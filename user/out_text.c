// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Human report. One line per fact, stable prefixes ("#N ", "processes:",
 * "drops:", "note:", "command ...") so that it greps well. Sizes show both a
 * binary-unit figure and the exact byte count; nothing is made up for a
 * frame that did not resolve. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "frame_label.h"
#include "out_account.h"
#include "output.h"
#include "size_fmt.h"


/* Symbol names, paths, comms and command lines come from the traced
 * programs: write them so that they cannot drive the terminal. */
static void put_clean(FILE *f, const char *s)
{
	frame_label__put_clean(f, s, NULL);
}

/* comm is a fixed array the kernel fills; do not trust it to end in NUL */
static void put_comm(FILE *f, const char comm[16])
{
	char buf[17];

	memcpy(buf, comm, 16);
	buf[16] = '\0';
	put_clean(f, buf);
}

/* 1234567 -> "1,234,567" (locale-independent, so tests and scripts can
 * rely on it) */
static void put_count(FILE *f, uint64_t v)
{
	char buf[32];

	size_fmt__count(buf, sizeof(buf), v);
	fputs(buf, f);
}

static void put_human(FILE *f, uint64_t bytes)
{
	char buf[32];

	size_fmt__human(buf, sizeof(buf), bytes);
	fputs(buf, f);
}

/* "40.0 KiB (40,960 bytes)"; below 1 KiB "N B" is already exact */
static void put_size(FILE *f, uint64_t bytes)
{
	put_human(f, bytes);
	if (bytes < 1024)
		return;
	fputs(" (", f);
	put_count(f, bytes);
	fputs(" bytes)", f);
}

static void put_counted(FILE *f, uint64_t n, const char *one, const char *many)
{
	put_count(f, n);
	fprintf(f, " %s", n == 1 ? one : many);
}

static const struct mt_process *find_process(const struct mt_profile *p, pid_t pid)
{
	size_t i;

	for (i = 0; i < p->nprocesses; i++)
		if (p->processes[i].pid == pid)
			return &p->processes[i];
	return NULL;
}

/* "[pid 1234 (leaky)]", "[pids 1,2]", "[command ./leaky -n 3]",
 * "[cgroup /sys/fs/cgroup/x]", "[pod UID]", "[container ID]", "[system]" */
static void put_target(FILE *f, const struct mt_profile *p)
{
	const char *v = p->target_value ? p->target_value : "";
	const struct mt_process *pr;
	char *end;
	long pid;

	switch (p->target_kind) {
	case MT_TARGET_PID:
		if (strchr(v, ',')) {
			fputs("[pids ", f);
			put_clean(f, v);
			fputs("]", f);
			break;
		}
		fputs("[pid ", f);
		put_clean(f, v);
		errno = 0;
		pid = strtol(v, &end, 10);
		pr = (*v && !*end && !errno && pid > 0 && pid <= INT_MAX) ?
			find_process(p, pid) : NULL;
		if (pr) {
			fputs(" (", f);
			put_comm(f, pr->comm);
			fputs(")", f);
		}
		fputs("]", f);
		break;
	case MT_TARGET_COMMAND:
		fputs("[command ", f);
		put_clean(f, v);
		fputs("]", f);
		break;
	case MT_TARGET_CGROUP:
		fputs("[cgroup ", f);
		put_clean(f, v);
		fputs("]", f);
		break;
	case MT_TARGET_POD:
	case MT_TARGET_CONTAINER:
		fputs(p->target_kind == MT_TARGET_POD ? "[pod " : "[container ", f);
		put_clean(f, v);
		fputs("]", f);
		break;
	default:
		fputs("[system]", f);
		break;
	}
}

static void put_frame(FILE *f, size_t i, const struct mt_frame *fr)
{
	fprintf(f, "    #%-2zu 0x%016" PRIx64 " ", i, fr->addr);
	if (fr->symbol) {
		put_clean(f, fr->symbol);
		fprintf(f, "+0x%" PRIx64, fr->offset);
		if (fr->module) {
			fputs(" (", f);
			put_clean(f, fr->module);
			fputs(")", f);
		}
		if (fr->file) {
			fputs(" at ", f);
			put_clean(f, fr->file);
			if (fr->line)
				fprintf(f, ":%" PRIu32, fr->line);
		}
	} else if (fr->module) {
		/* unresolved but mapped: where it is, and why it has no name */
		fputs("[", f);
		put_clean(f, fr->reason ? fr->reason : "unresolved");
		fputs("] (", f);
		put_clean(f, fr->module);
		fprintf(f, "+0x%" PRIx64 ")", fr->module_offset);
	} else {
		/* no file behind it: unmapped, or anonymous / JIT code */
		fputs("[", f);
		put_clean(f, fr->reason ? fr->reason : "unmapped");
		fputs("]", f);
	}
	fputc('\n', f);
	/* calls inlined at this address, innermost first */
	for (size_t j = 0; j < fr->ninlines; j++) {
		const struct mt_inline *in = &fr->inlines[j];

		fputs("        inlined ", f);
		put_clean(f, in->symbol ? in->symbol : "??");
		if (in->file) {
			fputs(" at ", f);
			put_clean(f, in->file);
			if (in->line)
				fprintf(f, ":%" PRIu32, in->line);
		}
		fputc('\n', f);
	}
}

/* A stack several processes hold: "in 3 processes: pid 10 4.0 KiB, ...",
 * at most SHARES_SHOWN of them by name */
#define SHARES_SHOWN 8
static void put_shares(FILE *f, const struct mt_sample *s)
{
	uint64_t rest = 0;
	size_t i;

	if (s->npids < 2)
		return;
	fprintf(f, "    in %zu processes: ", s->npids);
	for (i = 0; i < s->npids; i++) {
		if (i >= SHARES_SHOWN) {
			rest += s->pids[i].bytes;
			continue;
		}
		fprintf(f, "%spid %d ", i ? ", " : "", (int)s->pids[i].pid);
		put_human(f, s->pids[i].bytes);
	}
	if (s->npids > SHARES_SHOWN) {
		fprintf(f, ", %zu more ", s->npids - SHARES_SHOWN);
		put_human(f, rest);
	}
	fputc('\n', f);
}

static void put_sample(FILE *f, size_t rank, const struct mt_sample *s)
{
	size_t i;

	fprintf(f, "\n#%-2zu ", rank);
	put_size(f, s->bytes);
	fputs(" in ", f);
	put_counted(f, s->allocs, "allocation", "allocations");
	if (s->samples) {
		fputs(" (estimated from ", f);
		put_counted(f, s->samples, "sample)", "samples)");
	}
	fprintf(f, ", oldest %.1f s, pid %d (", s->oldest_age_s, (int)s->pid);
	put_comm(f, s->comm);
	fputs(") [", f);
	put_clean(f, s->kind ? s->kind : "unknown");
	if (s->mapping) {
		fputc(' ', f);
		put_clean(f, s->mapping);
	}
	fputs("]\n", f);

	put_shares(f, s);
	if (s->stack_lost) {
		fputs("    [stack lost: not stored, see drops]\n", f);
		return;
	}
	if (!s->nframes)
		fputs("    [no frames]\n", f);
	for (i = 0; i < s->nframes; i++)
		put_frame(f, i, &s->frames[i]);
	if (s->stack_partial)
		fputs("    [partial stack: the callers past the last frame could not be "
		      "unwound, or a frame was guessed]\n", f);
}

/* One RSS counter: now (peak), as the kernel counts it. */
static void put_counter(FILE *f, const char *name, int64_t now, int64_t peak)
{
	fprintf(f, "  %s ", name);
	if (now < 0) {
		fputs("unchanged", f);
		return;
	}
	put_human(f, now);
	if (peak > now) {
		fputs(" (peak ", f);
		put_human(f, peak);
		fputc(')', f);
	}
}

static void put_rss_counters(FILE *f, const struct mt_process *pr)
{
	fputs("    kernel rss counters:", f);
	put_counter(f, "anon", pr->rss_now.anon, pr->rss_peak.anon);
	put_counter(f, "file", pr->rss_now.file, pr->rss_peak.file);
	put_counter(f, "shmem", pr->rss_now.shmem, pr->rss_peak.shmem);
	put_counter(f, "swap", pr->rss_now.swap, pr->rss_peak.swap);
	fputc('\n', f);
}

static void put_processes(FILE *f, const struct mt_profile *p)
{
	const struct mt_process *pr;
	size_t i;

	if (!p->nprocesses)
		return;
	fputs("\nprocesses:\n", f);
	for (i = 0; i < p->nprocesses; i++) {
		pr = &p->processes[i];
		fprintf(f, "  pid %d (", (int)pr->pid);
		put_comm(f, pr->comm);
		fputs("): ", f);
		put_size(f, pr->outstanding_bytes);
		fputs(" outstanding in ", f);
		put_counted(f, pr->outstanding_allocs, "allocation", "allocations");
		if (pr->rss_bytes) {
			fputs(", rss ", f);
			put_human(f, pr->rss_bytes);
		} else {
			fputs(", exited", f); /* no rss to read any more */
		}
		if (pr->faults) {
			fputs(", faulted in ", f);
			put_human(f, pr->faulted_bytes);
		}
		fputc('\n', f);
		if (pr->rss_traced)
			put_rss_counters(f, pr);
	}
}

struct namer_ctx {
	const struct mt_profile *p;
	pid_t pid;
	char buf[64];
};

/* A traced mapping stack, by its first two frames ("map_pages < map_anon"). */
static const char *name_stack(uint64_t stack_id, void *ctx)
{
	struct namer_ctx *nc = ctx;
	size_t i;

	for (i = 0; i < nc->p->nsamples; i++) {
		const struct mt_sample *s = &nc->p->samples[i];
		struct mt_sample_pid own;
		const struct mt_sample_pid *sh = mt_sample__share(s, nc->pid, &own);
		const char *f0, *f1;

		if (!sh || sh->stack_id != stack_id || !s->mapping || !s->nframes)
			continue;
		f0 = s->frames[0].symbol ? s->frames[0].symbol : "?";
		f1 = s->nframes > 1 && s->frames[1].symbol ? s->frames[1].symbol : NULL;
		snprintf(nc->buf, sizeof(nc->buf), "%s%s%s", f0, f1 ? " < " : "", f1 ? f1 : "");
		return nc->buf;
	}
	return NULL;
}

static void put_accounts(FILE *f, const struct mt_profile *p)
{
	const struct mt_process *pr;
	size_t i;

	for (i = 0; i < p->naccounts; i++) {
		struct namer_ctx nc = { .p = p, .pid = p->accounts[i].pid };

		pr = mt_profile__find_process((struct mt_profile *)p, p->accounts[i].pid);
		fputc('\n', f);
		out_account__text(f, &p->accounts[i], pr ? pr->comm : "", name_stack, &nc);
	}
}

/* "  tracer: cpu 0.31 s (user 0.20, sys 0.11), rss 28.1 MiB (peak 29.0 MiB,
 *  mapped bpf maps 20.2 MiB), bpf maps 41.2 MiB, report 0.04 s (cpu 0.03 s)" */
static void put_tracer_cost(FILE *f, const struct mt_tracer_cost *c)
{
	if (!c->known)
		return;
	fprintf(f, "  tracer: cpu %.2f s (user %.2f, sys %.2f), rss ",
		c->cpu_user_s + c->cpu_sys_s, c->cpu_user_s, c->cpu_sys_s);
	put_human(f, c->rss_bytes);
	fputs(" (peak ", f);
	put_human(f, c->rss_peak_bytes);
	fputs(", mapped bpf maps ", f);
	put_human(f, c->rss_map_bytes);
	fputs("), bpf maps ", f);
	put_human(f, c->map_bytes);
	fprintf(f, ", report %.2f s (cpu %.2f s)\n", c->report_build_s, c->report_build_cpu_s);
}

/* Only counters that fired: a line of zeros hides the one that matters. */
static void put_drops(FILE *f, const struct mt_profile *p)
{
	bool any = false;
	size_t i;

	for (i = 0; i < p->ndrops; i++) {
		if (!p->drops[i].value)
			continue;
		fputs(any ? ", " : "drops: ", f);
		put_clean(f, p->drops[i].name ? p->drops[i].name : "unknown");
		fputc(' ', f);
		put_count(f, p->drops[i].value);
		any = true;
	}
	fputs(any ? "\n" : "no drops\n", f);
}

/* valgrind's "in use at exit" line, for the one case where "leak" has a
 * precise meaning: memory the program never gave back */
static void put_command(FILE *f, const struct mt_profile *p, uint64_t bytes,
			uint64_t allocs)
{
	int code = p->command_exit_code;

	if (!p->command_exited)
		fputs("command still running when tracing stopped: held ", f);
	else if (code < 0)
		fprintf(f, "command killed by signal %d: still held at exit: ", -code);
	else
		fprintf(f, "command exited with status %d: still held at exit: ", code);
	put_counted(f, bytes, "byte", "bytes");
	fputs(" in ", f);
	put_counted(f, allocs, "allocation", "allocations");
	fputs(" from ", f);
	put_counted(f, p->nsamples, "stack", "stacks");
	fputc('\n', f);
}

int out_text__write(const struct mt_profile *p, const struct out_opts *o, FILE *f)
{
	uint64_t bytes = 0, allocs = 0, rest_bytes = 0, rest_allocs = 0;
	size_t i, nstacks;

	if (!p || !f)
		return -EINVAL;

	nstacks = mt_profile__shown(p, o ? o->top : 0);
	mt_profile__sum(p, 0, &bytes, &allocs);
	mt_profile__sum(p, nstacks, &rest_bytes, &rest_allocs);

	fputs("memtrail: ", f);
	if (p->nsamples) {
		put_counted(f, p->nsamples, "stack holds ", "stacks hold ");
		put_size(f, bytes);
		fputs(" in ", f);
		put_counted(f, allocs, "allocation", "allocations");
	} else {
		fputs("no outstanding allocations", f);
	}
	fputs(" ", f);
	put_target(f, p);
	fprintf(f, " over %.1f s\n", p->duration_s);

	fputs(p->sample_bytes ? "  sampled allocs " : "  allocs ", f);
	put_count(f, p->allocs);
	fputs(p->sample_bytes ? "  sampled frees " : "  frees ", f);
	put_count(f, p->frees);
	if (p->sample_bytes) {
		fputs("  unsampled frees ", f);
		put_count(f, p->frees_unsampled);
	}
	fputs("  unmatched frees ", f);
	put_count(f, p->unmatched_frees);
	fputs("  failed allocs ", f);
	put_count(f, p->failed_allocs);
	fputs("  nested calls ", f);
	put_count(f, p->nested_calls);
	if (p->inferred_frees) {
		fputs("  inferred frees ", f);
		put_count(f, p->inferred_frees);
	}
	fputs("  drops ", f);
	put_count(f, mt_profile__total_drops(p));
	fputc('\n', f);
	if (p->min_age_ns)
		fprintf(f, "  allocations younger than %.1f s left out\n",
			p->min_age_ns / 1e9);
	if (p->sample_bytes) {
		fputs("  sampled: one allocation per ", f);
		put_size(f, p->sample_bytes);
		fputs(" allocated on average (--sample); bytes and allocations are estimates\n", f);
	}
	put_tracer_cost(f, &p->tracer);

	for (i = 0; i < nstacks; i++)
		put_sample(f, i + 1, &p->samples[i]);
	if (nstacks < p->nsamples) {
		fputs("\n... ", f);
		put_counted(f, p->nsamples - nstacks, "more stack holds ",
			    "more stacks hold ");
		put_size(f, rest_bytes);
		fputs(" in ", f);
		put_counted(f, rest_allocs, "allocation", "allocations");
		fputs(" (raise --top to see them)\n", f);
	}

	put_processes(f, p);
	put_accounts(f, p);

	fputc('\n', f);
	put_drops(f, p);
	for (i = 0; i < p->nnotes; i++) {
		fputs("note: ", f);
		put_clean(f, p->notes[i] ? p->notes[i] : "");
		fputc('\n', f);
	}
	if (p->target_kind == MT_TARGET_COMMAND)
		put_command(f, p, bytes, allocs);

	/* one check at the end: stdio errors are sticky */
	if (fflush(f) == EOF || ferror(f))
		return -EIO;
	return 0;
}
