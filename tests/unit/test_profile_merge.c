// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Replica merging on hand-made profiles: which stacks count as the same
 * code, what the merged sample and its shares hold, the per-process totals
 * after it, and how the text and JSON writers show the breakdown. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "profile.h"
#include "profile_merge.h"

#define APP "/srv/app"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"

static struct mt_profile *prof;

static void setup(void)
{
	prof = mt_profile__new(MT_TARGET_PID, "10,11,12");
	cr_assert(not(eq(ptr, prof, NULL)));
}

static void teardown(void)
{
	mt_profile__free(prof);
	prof = NULL;
}

TestSuite(merge, .init = setup, .fini = teardown, .timeout = 10);

/* A two-frame stack of pid: leak() in module at offset off, then main in
 * APP. Addresses differ per pid (ASLR); offsets are what identify code. */
static struct mt_sample *add(pid_t pid, const char *kind, const char *module,
			     uint64_t off, uint64_t bytes, uint64_t allocs, double age)
{
	uint64_t addrs[2] = { 0x550000000000ull + pid * 0x100000ull + off,
			      0x550000000000ull + pid * 0x100000ull + 0x1200 };
	char comm[16];
	struct mt_sample *s;

	snprintf(comm, sizeof(comm), "app-%d", (int)pid);
	cr_assert(not(eq(ptr, mt_profile__process(prof, pid, comm), NULL)));
	s = mt_profile__add_sample(prof, pid, comm, kind, addrs, 2);
	cr_assert(not(eq(ptr, s, NULL)));
	cr_assert(eq(int, mt_frame__set(&s->frames[0], "leak", 0x10, module, off, NULL), 0));
	cr_assert(eq(int, mt_frame__set(&s->frames[1], "main", 0x20, APP, 0x1200, NULL), 0));
	s->stack_id = 0x1000 + pid;
	s->bytes = bytes;
	s->allocs = allocs;
	s->oldest_age_s = age;
	return s;
}

static struct mt_sample *find(uint64_t module_offset, const char *kind)
{
	size_t i;

	for (i = 0; i < prof->nsamples; i++)
		if (prof->samples[i].frames && prof->samples[i].frames[0].module_offset == module_offset &&
		    !strcmp(prof->samples[i].kind, kind))
			return &prof->samples[i];
	return NULL;
}

Test(merge, replicas_fold_into_the_largest_with_each_share)
{
	struct mt_sample *s;

	add(10, "malloc", APP, 0x1100, 4096, 4, 1.5);
	add(11, "malloc", APP, 0x1100, 4096, 2, 3.0);
	add(12, "malloc", APP, 0x1100, 8192, 1, 0.5);
	add(11, "malloc", APP, 0x2200, 100, 1, 1.0); /* another stack */
	cr_assert(eq(int, mt_profile__merge_replicas(prof), 0));
	cr_assert(eq(sz, prof->nsamples, 2));
	s = find(0x1100, "malloc");
	cr_assert(not(eq(ptr, s, NULL)));
	cr_expect(eq(u64, s->bytes, 16384));
	cr_expect(eq(u64, s->allocs, 7));
	cr_expect(eq(dbl, s->oldest_age_s, 3.0));
	/* the largest contributor's own sample: its pid, comm, ids, addresses */
	cr_expect(eq(int, s->pid, 12));
	cr_expect(eq(str, s->comm, "app-12"));
	cr_expect(eq(u64, s->stack_id, 0x1000 + 12));
	cr_expect(eq(u64, s->frames[0].addr, 0x550000000000ull + 12 * 0x100000ull + 0x1100));
	cr_assert(eq(sz, s->npids, 3));
	/* largest first; equal bytes: more allocations first */
	cr_expect(eq(int, s->pids[0].pid, 12));
	cr_expect(eq(u64, s->pids[0].bytes, 8192));
	cr_expect(eq(int, s->pids[1].pid, 10));
	cr_expect(eq(u64, s->pids[1].allocs, 4));
	cr_expect(eq(int, s->pids[2].pid, 11));
	cr_expect(eq(u64, s->pids[2].bytes, 4096));
	cr_expect(eq(u64, s->pids[2].stack_id, 0x1000 + 11));
	cr_expect(eq(str, s->pids[2].comm, "app-11"));
	cr_expect(eq(dbl, s->pids[2].oldest_age_s, 3.0));
	s = find(0x2200, "malloc");
	cr_assert(not(eq(ptr, s, NULL)));
	cr_expect(eq(sz, s->npids, 0));

	/* the per-process totals count each share, not the merged sum */
	mt_profile__finish(prof);
	cr_expect(eq(u64, mt_profile__find_process(prof, 10)->outstanding_bytes, 4096));
	cr_expect(eq(u64, mt_profile__find_process(prof, 11)->outstanding_bytes, 4196));
	cr_expect(eq(u64, mt_profile__find_process(prof, 11)->outstanding_allocs, 3));
	cr_expect(eq(u64, mt_profile__find_process(prof, 12)->outstanding_bytes, 8192));

	/* a second run changes nothing */
	cr_assert(eq(int, mt_profile__merge_replicas(prof), 0));
	cr_expect(eq(sz, prof->nsamples, 2));
	cr_expect(eq(sz, find(0x1100, "malloc")->npids, 3));
	cr_expect(eq(u64, find(0x1100, "malloc")->bytes, 16384));
}

Test(merge, only_the_same_code_merges)
{
	struct mt_sample *s;

	add(10, "malloc", APP, 0x1100, 10, 1, 0);
	add(11, "mmap", APP, 0x1100, 20, 1, 0);		/* another kind */
	add(12, "malloc", "/srv/other", 0x1100, 30, 1, 0); /* another file */
	add(13, "malloc", APP, 0x1104, 40, 1, 0);	/* another offset */
	s = add(14, "malloc", APP, 0x1100, 50, 1, 0);	/* a third frame */
	s->frames = realloc(s->frames, 3 * sizeof(*s->frames));
	memset(&s->frames[2], 0, sizeof(s->frames[2]));
	s->nframes = 3;
	cr_assert(eq(int, mt_frame__set(&s->frames[2], "start", 0, LIBC, 0x2700, NULL), 0));
	s = add(15, "mmap", APP, 0x1100, 60, 1, 0);	/* same kind, other mapping */
	s->mapping = "anon_private";
	cr_assert(eq(int, mt_profile__merge_replicas(prof), 0));
	cr_expect(eq(sz, prof->nsamples, 6));
}

Test(merge, build_ids_name_a_file_under_any_path)
{
	struct mt_sample *a, *b, *c, *d;

	/* one image in two containers: another path, the same build ID */
	a = add(10, "malloc", "/proc/10/root/srv/app", 0x1100, 10, 1, 0);
	b = add(11, "malloc", "/srv/app", 0x1100, 20, 1, 0);
	cr_assert(eq(int, mt_frame__set_source(&a->frames[0], NULL, 0, "ab12"), 0));
	cr_assert(eq(int, mt_frame__set_source(&a->frames[1], NULL, 0, "cd34"), 0));
	cr_assert(eq(int, mt_frame__set_source(&b->frames[0], NULL, 0, "ab12"), 0));
	cr_assert(eq(int, mt_frame__set_source(&b->frames[1], NULL, 0, "cd34"), 0));
	/* same path, another build: not the same code */
	c = add(12, "malloc", "/srv/app", 0x1100, 30, 1, 0);
	cr_assert(eq(int, mt_frame__set_source(&c->frames[0], NULL, 0, "ffff"), 0));
	cr_assert(eq(int, mt_frame__set_source(&c->frames[1], NULL, 0, "cd34"), 0));
	/* same path, one frame without a build ID: not known to be the same */
	d = add(13, "malloc", "/srv/app", 0x1100, 40, 1, 0);
	cr_assert(eq(int, mt_frame__set_source(&d->frames[1], NULL, 0, "cd34"), 0));
	cr_assert(eq(int, mt_profile__merge_replicas(prof), 0));
	cr_assert(eq(sz, prof->nsamples, 3));
	a = NULL;
	for (size_t i = 0; i < prof->nsamples; i++)
		if (prof->samples[i].npids)
			a = &prof->samples[i];
	cr_assert(not(eq(ptr, a, NULL)));
	cr_expect(eq(u64, a->bytes, 30));
	cr_expect(eq(int, a->pid, 11));
	cr_expect(eq(sz, a->npids, 2));
}

Test(merge, lost_empty_and_anonymous_stacks_stay_alone)
{
	struct mt_sample *s;

	s = add(10, "malloc", APP, 0x1100, 10, 1, 0);
	s->stack_lost = true;
	s = add(11, "malloc", APP, 0x1100, 10, 1, 0);
	s->stack_lost = true;
	/* JIT code: equal offsets in anonymous memory mean nothing */
	add(12, "malloc", "[anon:jit]", 0x1100, 10, 1, 0);
	add(13, "malloc", "[anon:jit]", 0x1100, 10, 1, 0);
	s = add(14, "malloc", APP, 0x1100, 10, 1, 0);
	cr_assert(eq(int, mt_frame__set(&s->frames[0], NULL, 0, NULL, 0, "unmapped"), 0));
	s = add(15, "malloc", APP, 0x1100, 10, 1, 0);
	cr_assert(eq(int, mt_frame__set(&s->frames[0], NULL, 0, NULL, 0, "unmapped"), 0));
	cr_assert(not(eq(ptr, mt_profile__add_sample(prof, 16, "x", "malloc", NULL, 0), NULL)));
	cr_assert(not(eq(ptr, mt_profile__add_sample(prof, 17, "x", "malloc", NULL, 0), NULL)));
	cr_assert(eq(int, mt_profile__merge_replicas(prof), 0));
	cr_expect(eq(sz, prof->nsamples, 8));
}

Test(merge, one_process_twice_is_one_share)
{
	struct mt_sample *s;

	/* pid 10 maps the file twice: two samples of the same code */
	add(10, "malloc", APP, 0x1100, 100, 1, 2.0);
	add(10, "malloc", APP, 0x1100, 50, 1, 1.0);
	add(20, "malloc", APP, 0x1300, 7, 1, 0); /* alone */
	add(20, "malloc", APP, 0x1300, 7, 1, 0); /* ...and its own twin: left be */
	cr_assert(eq(int, mt_profile__merge_replicas(prof), 0));
	cr_expect(eq(sz, prof->nsamples, 4));
	add(11, "malloc", APP, 0x1100, 120, 1, 0);
	cr_assert(eq(int, mt_profile__merge_replicas(prof), 0));
	cr_assert(eq(sz, prof->nsamples, 3));
	s = find(0x1100, "malloc");
	cr_expect(eq(u64, s->bytes, 270));
	cr_assert(eq(sz, s->npids, 2));
	cr_expect(eq(int, s->pids[0].pid, 10));
	cr_expect(eq(u64, s->pids[0].bytes, 150));
	cr_expect(eq(u64, s->pids[0].allocs, 2));
	cr_expect(eq(dbl, s->pids[0].oldest_age_s, 2.0));
	cr_expect(eq(int, s->pids[1].pid, 11));
	/* the sample kept is pid 10's larger one */
	cr_expect(eq(int, s->pid, 10));
	cr_expect(eq(u64, s->stack_id, 0x1000 + 10));
}

static char *write_with(int (*writer)(const struct mt_profile *, const struct out_opts *, FILE *))
{
	struct out_opts o = { .top = 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(not(eq(ptr, f, NULL)));
	cr_assert(eq(int, writer(prof, &o, f), 0));
	fclose(f);
	return buf;
}

Test(merge, writers_show_the_breakdown)
{
	json_t *root, *stacks, *pids, *e;
	json_error_t jerr;
	char *text, *json;
	pid_t pid;

	for (pid = 10; pid < 20; pid++)
		add(pid, "malloc", APP, 0x1100, pid == 10 ? 8192 : 4096, 2, 1.0);
	add(30, "malloc", APP, 0x2200, 100, 1, 1.0);
	cr_assert(eq(int, mt_profile__merge_replicas(prof), 0));
	mt_profile__finish(prof);

	text = write_with(out_text__write);
	cr_expect(strstr(text, "\n    in 10 processes: pid 10 8.0 KiB, pid 11 4.0 KiB, pid 12 4.0 KiB, "
			 "pid 13 4.0 KiB, pid 14 4.0 KiB, pid 15 4.0 KiB, pid 16 4.0 KiB, "
			 "pid 17 4.0 KiB, 2 more 8.0 KiB\n") != NULL, "%s", text);
	/* a stack of one process has no breakdown line */
	cr_expect(eq(ptr, strstr(text, "in 1 processes"), NULL), "%s", text);
	free(text);

	json = write_with(out_json__write);
	root = json_loads(json, 0, &jerr);
	cr_assert(not(eq(ptr, root, NULL)), "%s: %s", jerr.text, json);
	stacks = json_object_get(root, "stacks");
	cr_assert(eq(sz, json_array_size(stacks), 2));
	e = json_array_get(stacks, 0);
	cr_expect(eq(i64, json_integer_value(json_object_get(e, "pid")), 10));
	cr_expect(eq(str, (char *)json_string_value(json_object_get(e, "comm")), "app-10"));
	cr_expect(eq(i64, json_integer_value(json_object_get(e, "bytes")), 8192 + 9 * 4096));
	cr_expect(eq(i64, json_integer_value(json_object_get(e, "allocs")), 20));
	pids = json_object_get(e, "pids");
	cr_assert(eq(sz, json_array_size(pids), 10));
	cr_expect(eq(i64, json_integer_value(json_object_get(json_array_get(pids, 0), "pid")), 10));
	cr_expect(eq(i64, json_integer_value(json_object_get(json_array_get(pids, 0), "bytes")), 8192));
	cr_expect(eq(i64, json_integer_value(json_object_get(json_array_get(pids, 9), "pid")), 19));
	cr_expect(eq(i64, json_integer_value(json_object_get(json_array_get(pids, 9), "allocs")), 2));
	cr_expect(eq(str, (char *)json_string_value(json_object_get(json_array_get(pids, 9), "comm")),
		     "app-19"));
	/* one process's stack: its own share */
	pids = json_object_get(json_array_get(stacks, 1), "pids");
	cr_assert(eq(sz, json_array_size(pids), 1));
	cr_expect(eq(i64, json_integer_value(json_object_get(json_array_get(pids, 0), "pid")), 30));
	cr_expect(eq(i64, json_integer_value(json_object_get(json_array_get(pids, 0), "bytes")), 100));
	/* the processes list has each process's own bytes */
	e = json_object_get(root, "processes");
	cr_expect(eq(i64, json_integer_value(json_object_get(json_array_get(e, 0), "outstanding_bytes")),
		     8192));
	json_decref(root);
	free(json);
}
