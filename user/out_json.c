// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* JSON report, schema 1 (DESIGN.md). Fields may be added, never renamed.
 * Sizes and counts are exact integers; absent values are null, not 0 or "". */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json_writer.h"
#include "out_account.h"
#include "output.h"

/* comm is a fixed array the kernel fills; do not trust it to end in NUL */
static void put_comm(struct json_writer *w, const char *name, const char comm[16])
{
	char buf[17];

	memcpy(buf, comm, 16);
	buf[16] = '\0';
	jw_string_field(w, name, buf);
}

/* "file" and "line", null when unknown */
static void put_position(struct json_writer *w, const char *file, uint32_t line)
{
	jw_string_field(w, "file", file);
	jw_name(w, "line");
	if (line)
		jw_u64(w, line);
	else
		jw_null(w);
}

/* Inlined calls at the frame's address, innermost first (as mt_frame
 * holds them); [] when none. */
static void put_inlines(struct json_writer *w, const struct mt_frame *fr)
{
	size_t i;

	jw_name(w, "inlines");
	jw_start_array(w);
	for (i = 0; i < fr->ninlines; i++) {
		const struct mt_inline *in = &fr->inlines[i];

		jw_start_object(w);
		jw_string_field(w, "symbol", in->symbol);
		put_position(w, in->file, in->line);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void put_frame(struct json_writer *w, const struct mt_frame *fr)
{
	char addr[2 + 16 + 1];

	snprintf(addr, sizeof(addr), "0x%" PRIx64, fr->addr);
	jw_start_object(w);
	jw_string_field(w, "addr", addr);
	jw_string_field(w, "symbol", fr->symbol);
	jw_u64_field(w, "offset", fr->offset);
	jw_string_field(w, "module", fr->module);
	jw_u64_field(w, "module_offset", fr->module_offset);
	put_position(w, fr->file, fr->line);
	if (!fr->symbol)
		jw_string_field(w, "reason", fr->reason);
	jw_string_field(w, "build_id", fr->build_id);
	put_inlines(w, fr);
	jw_end_object(w);
}

/* "pids": each process's share of the stack, largest first; one entry,
 * the sample's own, when no other process holds the same stack */
static void put_shares(struct json_writer *w, const struct mt_sample *s)
{
	struct mt_sample_pid own;
	const struct mt_sample_pid *sh = s->npids ? s->pids : mt_sample__share(s, s->pid, &own);
	size_t i, n = s->npids ? s->npids : 1;

	jw_name(w, "pids");
	jw_start_array(w);
	for (i = 0; i < n; i++) {
		jw_start_object(w);
		jw_i64_field(w, "pid", sh[i].pid);
		put_comm(w, "comm", sh[i].comm);
		jw_u64_field(w, "bytes", sh[i].bytes);
		jw_u64_field(w, "allocs", sh[i].allocs);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void put_sample(struct json_writer *w, const struct mt_sample *s)
{
	char id[32];
	size_t i;

	jw_start_object(w);
	jw_string_field(w, "kind", s->kind);
	if (s->mapping)
		jw_string_field(w, "mapping", s->mapping);
	jw_i64_field(w, "pid", s->pid);
	put_comm(w, "comm", s->comm);
	jw_u64_field(w, "bytes", s->bytes);
	jw_u64_field(w, "allocs", s->allocs);
	if (s->samples) /* --sample: bytes and allocs above are estimates */
		jw_u64_field(w, "samples", s->samples);
	snprintf(id, sizeof(id), "0x%" PRIx64, s->stack_id);
	jw_string_field(w, "stack_id", id); /* u64: beyond JSON's exact integers */
	jw_double_field(w, "oldest_age_s", s->oldest_age_s);
	jw_bool_field(w, "stack_lost", s->stack_lost);
	/* null: walked by the kernel's frame-pointer walk, not checked */
	jw_name(w, "complete");
	if (s->stack_walked)
		jw_bool(w, !s->stack_partial);
	else
		jw_null(w);
	put_shares(w, s);
	jw_name(w, "frames");
	jw_start_array(w);
	for (i = 0; i < s->nframes; i++)
		put_frame(w, &s->frames[i]);
	jw_end_array(w);
	jw_end_object(w);
}

/* The kernel's RSS counters in bytes; null for one that never changed
 * while traced (its value is the one /proc shows). */
static void put_counters(struct json_writer *w, const char *name,
			 const struct mt_rss_counters *c)
{
	const struct { const char *name; int64_t v; } f[] = {
		{ "anon", c->anon }, { "file", c->file }, { "shmem", c->shmem }, { "swap", c->swap },
	};
	size_t i;

	jw_name(w, name);
	jw_start_object(w);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		jw_name(w, f[i].name);
		if (f[i].v < 0)
			jw_null(w);
		else
			jw_i64(w, f[i].v);
	}
	jw_end_object(w);
}

static void put_process(struct json_writer *w, const struct mt_process *pr)
{
	jw_start_object(w);
	jw_i64_field(w, "pid", pr->pid);
	put_comm(w, "comm", pr->comm);
	jw_u64_field(w, "outstanding_bytes", pr->outstanding_bytes);
	jw_u64_field(w, "outstanding_allocs", pr->outstanding_allocs);
	jw_u64_field(w, "rss_bytes", pr->rss_bytes);
	jw_u64_field(w, "faulted_bytes", pr->faulted_bytes);
	jw_u64_field(w, "faults", pr->faults);
	if (pr->rss_traced) {
		put_counters(w, "rss_kernel", &pr->rss_now);
		put_counters(w, "rss_kernel_peak", &pr->rss_peak);
	}
	jw_end_object(w);
}

/* "tracer": memtrail's own cost, with each BPF map's share */
static void put_tracer_cost(struct json_writer *w, const struct mt_tracer_cost *c)
{
	size_t i;

	jw_name(w, "tracer");
	jw_start_object(w);
	jw_double_field(w, "cpu_s", c->cpu_user_s + c->cpu_sys_s);
	jw_double_field(w, "cpu_user_s", c->cpu_user_s);
	jw_double_field(w, "cpu_sys_s", c->cpu_sys_s);
	jw_u64_field(w, "rss_bytes", c->rss_bytes);
	jw_u64_field(w, "rss_peak_bytes", c->rss_peak_bytes);
	jw_u64_field(w, "rss_bpf_map_bytes", c->rss_map_bytes);
	jw_u64_field(w, "bpf_map_bytes", c->map_bytes);
	jw_double_field(w, "report_build_s", c->report_build_s);
	jw_double_field(w, "report_build_cpu_s", c->report_build_cpu_s);
	jw_name(w, "bpf_maps");
	jw_start_array(w);
	for (i = 0; i < c->nmaps; i++) {
		jw_start_object(w);
		jw_string_field(w, "name", c->maps[i].name);
		jw_u64_field(w, "max_entries", c->maps[i].max_entries);
		jw_u64_field(w, "memlock_bytes", c->maps[i].memlock_bytes);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_end_object(w);
}

static void put_stats(struct json_writer *w, const struct mt_profile *p)
{
	size_t i;

	jw_name(w, "stats");
	jw_start_object(w);
	jw_u64_field(w, "allocs", p->allocs);
	jw_u64_field(w, "frees", p->frees);
	jw_u64_field(w, "unmatched_frees", p->unmatched_frees);
	jw_u64_field(w, "failed_allocs", p->failed_allocs);
	jw_u64_field(w, "nested_calls", p->nested_calls);
	jw_u64_field(w, "inferred_frees", p->inferred_frees);
	if (p->sample_bytes)
		jw_u64_field(w, "frees_unsampled", p->frees_unsampled);
	jw_u64_field(w, "stack_walks", p->stack_walks);
	jw_u64_field(w, "thread_fallbacks", p->thread_fallbacks);
	jw_u64_field(w, "live_overflows", p->live_overflows);
	jw_name(w, "drops");
	jw_start_object(w);
	for (i = 0; i < p->ndrops; i++)
		jw_u64_field(w, p->drops[i].name, p->drops[i].value);
	jw_end_object(w);
	jw_u64_field(w, "drops_total", mt_profile__total_drops(p));
	jw_end_object(w);
}

int out_json__write(const struct mt_profile *p, const struct out_opts *o, FILE *f)
{
	struct json_writer *w;
	uint64_t bytes = 0, allocs = 0;
	size_t i, nstacks;

	if (!p || !f)
		return -EINVAL;
	w = jw_new(f, o && o->pretty);
	if (!w)
		return -errno;

	nstacks = mt_profile__shown(p, o ? o->top : 0);
	/* totals over every stack, not just the ones shown */
	mt_profile__sum(p, 0, &bytes, &allocs);

	jw_start_object(w);
	jw_string_field(w, "tool", "memtrail");
	jw_u64_field(w, "schema", 1);
	jw_double_field(w, "duration_s", p->duration_s);
	jw_double_field(w, "min_age_s", p->min_age_ns / 1e9);

	jw_name(w, "target");
	jw_start_object(w);
	jw_string_field(w, "kind", mt_target_kind__str(p->target_kind));
	jw_string_field(w, "value", p->target_value ? p->target_value : "");
	jw_end_object(w);

	if (p->target_kind == MT_TARGET_COMMAND) {
		jw_name(w, "command");
		jw_start_object(w);
		jw_bool_field(w, "exited", p->command_exited);
		jw_i64_field(w, "exit_code", p->command_exit_code);
		jw_end_object(w);
	}

	put_stats(w, p);
	/* --sample: allocs and frees in stats count samples; stacks' bytes
	 * and allocs are estimates */
	jw_name(w, "sampling");
	if (p->sample_bytes) {
		jw_start_object(w);
		jw_u64_field(w, "mean_interval_bytes", p->sample_bytes);
		jw_end_object(w);
	} else {
		jw_null(w);
	}
	if (p->tracer.known)
		put_tracer_cost(w, &p->tracer);

	jw_u64_field(w, "outstanding_bytes", bytes);
	jw_u64_field(w, "outstanding_allocs", allocs);
	jw_u64_field(w, "stacks_total", p->nsamples);

	jw_name(w, "processes");
	jw_start_array(w);
	for (i = 0; i < p->nprocesses; i++)
		put_process(w, &p->processes[i]);
	jw_end_array(w);

	jw_name(w, "stacks");
	jw_start_array(w);
	for (i = 0; i < nstacks; i++)
		put_sample(w, &p->samples[i]);
	jw_end_array(w);

	if (p->naccounts) {
		jw_name(w, "rss_accounting");
		jw_start_array(w);
		for (i = 0; i < p->naccounts; i++)
			out_account__json(w, &p->accounts[i]);
		jw_end_array(w);
	}

	jw_name(w, "notes");
	jw_start_array(w);
	for (i = 0; i < p->nnotes; i++)
		jw_string(w, p->notes[i]);
	jw_end_array(w);

	jw_end_object(w);
	return jw_destroy(w);
}
