// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The RSS account as text and JSON. Text: one row a class, columns for
 * the binary-unit size, the exact bytes ("1,234,567") and the share of
 * VmRSS, the same figures the report prints for stacks; paths from the
 * traced process are written so that they cannot drive the terminal. */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "out_account.h"
#include "size_fmt.h"

#define LABEL_WIDTH 26

/* Control characters and ill-formed UTF-8 become '?'. */
static void put_safe(FILE *f, const char *s)
{
	size_t len;

	for (; *s; s += len) {
		unsigned char c = (unsigned char)*s;
		bool ok = jw_utf8_next(s, &len);
		bool ctl = (len == 1 && (c < 0x20 || c == 0x7f)) ||
			   (len == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0);

		if (ok && !ctl)
			fwrite(s, 1, len, f);
		else
			fputc('?', f);
	}
}

/* "  label        1.2 MiB       1,234,567   26.8%" (negative: "-") */
static void row(FILE *f, int indent, const char *label, int64_t bytes, uint64_t rss)
{
	uint64_t mag = bytes < 0 ? (uint64_t)0 - (uint64_t)bytes : (uint64_t)bytes;
	char human[32], count[40], signed_human[34], signed_count[42];

	size_fmt__human(human, sizeof(human), mag);
	size_fmt__count(count, sizeof(count), mag);
	snprintf(signed_human, sizeof(signed_human), "%s%s", bytes < 0 ? "-" : "", human);
	snprintf(signed_count, sizeof(signed_count), "%s%s", bytes < 0 ? "-" : "", count);
	fprintf(f, "%*s%-*s %11s %16s", indent, "", LABEL_WIDTH - indent, label ? label : "",
		signed_human, signed_count);
	if (rss)
		fprintf(f, " %6.1f%%", (double)bytes * 100.0 / (double)rss);
	if (label)
		fputc('\n', f);
}

static void put_kernel(FILE *f, const struct rss_account *a)
{
	const struct smaps_status *s = &a->status;
	const struct smaps_rollup *r = &a->rollup;
	char b[6][32];

	size_fmt__human(b[0], sizeof(b[0]), s->rss_anon);
	size_fmt__human(b[1], sizeof(b[1]), s->rss_file);
	size_fmt__human(b[2], sizeof(b[2]), s->rss_shmem);
	size_fmt__human(b[3], sizeof(b[3]), s->vm_swap);
	fprintf(f, "  kernel: anon %s, file %s, shmem %s; swap %s\n", b[0], b[1], b[2], b[3]);
	size_fmt__human(b[0], sizeof(b[0]), r->pss);
	size_fmt__human(b[1], sizeof(b[1]), r->pss_anon);
	size_fmt__human(b[2], sizeof(b[2]), r->pss_file);
	size_fmt__human(b[3], sizeof(b[3]), r->pss_shmem);
	size_fmt__human(b[4], sizeof(b[4]), r->anon_huge);
	size_fmt__human(b[5], sizeof(b[5]), r->rss);
	fprintf(f, "  pss %s (anon %s, file %s, shmem %s); smaps rss %s, anon huge pages %s\n",
		b[0], b[1], b[2], b[3], b[5], b[4]);
}

static void put_heap(FILE *f, const struct rss_account *a, uint64_t rss)
{
	row(f, 2, "heap", (int64_t)a->heap_resident, rss);
	row(f, 4, "malloc live", (int64_t)a->malloc_live, rss);
	if (a->heap_unbacked_live)
		row(f, 4, "live, never touched", (int64_t)a->heap_unbacked_live, rss);
	else
		row(f, 4, "allocator retention", (int64_t)a->allocator_retention, rss);
	if (a->heap_guessed)
		row(f, 4, "arenas (by layout)", (int64_t)a->heap_guessed, rss);
}

static void put_lists(FILE *f, const struct rss_account *a, uint64_t rss,
		      stack_namer stack_name, void *ctx)
{
	char label[64];
	size_t i;

	row(f, 2, "mmap by traced stacks", (int64_t)a->mmap_anon_resident, rss);
	for (i = 0; i < a->nmmap_by_stack; i++) {
		const char *name = stack_name ? stack_name(a->mmap_by_stack[i].stack_id, ctx) : NULL;

		if (name)
			snprintf(label, sizeof(label), "%s", name);
		else
			snprintf(label, sizeof(label), "stack 0x%" PRIx64, a->mmap_by_stack[i].stack_id);
		row(f, 4, label, (int64_t)a->mmap_by_stack[i].resident, rss);
	}
	snprintf(label, sizeof(label), "thread stacks (%zu of %zu)", a->thread_stacks,
		 a->threads);
	row(f, 2, label, (int64_t)a->thread_stack_resident, rss);
	snprintf(label, sizeof(label), "files (%zu)", a->files_total);
	row(f, 2, label, (int64_t)a->file_resident, rss);
	for (i = 0; i < a->nfiles; i++) {
		row(f, 4, NULL, (int64_t)a->files[i].resident, rss);
		fputs("  ", f);
		put_safe(f, a->files[i].path ? a->files[i].path : "");
		fputc('\n', f);
	}
	if (a->nfiles < a->files_total)
		fprintf(f, "    ... %zu more files\n", a->files_total - a->nfiles);
	row(f, 2, "shmem", (int64_t)a->shmem_resident, rss);
}

void out_account__text(FILE *f, const struct rss_account *a, const char *comm,
		       stack_namer stack_name, void *ctx)
{
	uint64_t rss = a->status.vm_rss;
	char human[32], count[40];
	size_t i;

	size_fmt__human(human, sizeof(human), rss);
	size_fmt__count(count, sizeof(count), rss);
	fprintf(f, "rss of pid %d", (int)a->pid);
	if (comm) {
		fputs(" (", f);
		put_safe(f, comm);
		fputc(')', f);
	}
	fprintf(f, ": %s (%s bytes)\n", human, count);
	put_kernel(f, a);
	fprintf(f, "%-*s %11s %16s %7s\n", LABEL_WIDTH, "", "size", "bytes", "of rss");
	put_heap(f, a, rss);
	put_lists(f, a, rss, stack_name, ctx);
	row(f, 2, "unexplained", a->unexplained_bytes, rss);
	row(f, 4, "other anonymous", (int64_t)a->other_anon, rss);
	row(f, 4, "status - smaps", a->rss_gap, rss);
	for (i = 0; i < a->nnotes; i++) {
		fputs("note: ", f);
		put_safe(f, a->notes[i] ? a->notes[i] : "");
		fputc('\n', f);
	}
}

static void put_json_kernel(struct json_writer *w, const struct rss_account *a)
{
	jw_name(w, "kernel");
	jw_start_object(w);
	jw_u64_field(w, "vm_rss", a->status.vm_rss);
	jw_u64_field(w, "rss_anon", a->status.rss_anon);
	jw_u64_field(w, "rss_file", a->status.rss_file);
	jw_u64_field(w, "rss_shmem", a->status.rss_shmem);
	jw_u64_field(w, "vm_swap", a->status.vm_swap);
	jw_u64_field(w, "rss", a->rollup.rss);
	jw_u64_field(w, "pss", a->rollup.pss);
	jw_u64_field(w, "pss_anon", a->rollup.pss_anon);
	jw_u64_field(w, "pss_file", a->rollup.pss_file);
	jw_u64_field(w, "pss_shmem", a->rollup.pss_shmem);
	jw_u64_field(w, "anon_huge_pages", a->rollup.anon_huge);
	jw_u64_field(w, "smaps_rss", a->smaps_rss);
	jw_end_object(w);
}

static void put_json_explained(struct json_writer *w, const struct rss_account *a)
{
	size_t i;

	jw_name(w, "explained");
	jw_start_object(w);
	jw_u64_field(w, "malloc_live", a->malloc_live);
	jw_u64_field(w, "heap_resident", a->heap_resident);
	jw_u64_field(w, "heap_guessed", a->heap_guessed);
	jw_u64_field(w, "allocator_retention", a->allocator_retention);
	jw_u64_field(w, "heap_unbacked_live", a->heap_unbacked_live);
	jw_u64_field(w, "mmap_anon_resident", a->mmap_anon_resident);
	jw_name(w, "mmap_by_stack");
	jw_start_array(w);
	for (i = 0; i < a->nmmap_by_stack; i++) {
		jw_start_object(w);
		char id[32];

		snprintf(id, sizeof(id), "0x%" PRIx64, a->mmap_by_stack[i].stack_id);
		jw_string_field(w, "stack_id", id); /* u64: beyond JSON's exact integers */
		jw_u64_field(w, "resident", a->mmap_by_stack[i].resident);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_u64_field(w, "thread_stacks", a->thread_stacks);
	jw_u64_field(w, "threads", a->threads);
	jw_u64_field(w, "threads_guessed", a->threads_guessed);
	jw_u64_field(w, "thread_stack_resident", a->thread_stack_resident);
	jw_u64_field(w, "file_resident", a->file_resident);
	jw_u64_field(w, "files_total", a->files_total);
	jw_name(w, "files");
	jw_start_array(w);
	for (i = 0; i < a->nfiles; i++) {
		jw_start_object(w);
		jw_string_field(w, "path", a->files[i].path);
		jw_u64_field(w, "resident", a->files[i].resident);
		jw_end_object(w);
	}
	jw_end_array(w);
	jw_u64_field(w, "shmem_resident", a->shmem_resident);
	jw_end_object(w);
}

void out_account__json(struct json_writer *w, const struct rss_account *a)
{
	size_t i;

	jw_start_object(w);
	jw_i64_field(w, "pid", a->pid);
	put_json_kernel(w, a);
	put_json_explained(w, a);
	jw_u64_field(w, "other_anon", a->other_anon);
	jw_i64_field(w, "rss_gap", a->rss_gap);
	jw_i64_field(w, "unexplained_bytes", a->unexplained_bytes);
	jw_double_field(w, "unexplained_pct", a->unexplained_pct);
	jw_name(w, "limits");
	jw_start_object(w);
	jw_u64_field(w, "vmas", a->vmas);
	jw_u64_field(w, "vmas_skipped", a->vmas_skipped);
	jw_u64_field(w, "ranges_unmeasured", a->ranges_unmeasured);
	jw_u64_field(w, "pagemap_pages", a->pagemap_pages);
	jw_end_object(w);
	jw_name(w, "notes");
	jw_start_array(w);
	for (i = 0; i < a->nnotes; i++)
		jw_string(w, a->notes[i]);
	jw_end_array(w);
	jw_end_object(w);
}
