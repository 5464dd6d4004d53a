// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The text and JSON writers against one hand-made profile: JSON is parsed
 * back and checked field by field, text is checked for its key lines. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "profile.h"

#define LEAKY "/path/to/leaky"
#define LIBC "/usr/lib/x86_64-linux-gnu/libc.so.6"
/* a symbol a hostile binary could carry: escape sequence, bad UTF-8 */
#define EVIL "evil\x1b[31m\xff"

/* Totals of the profile below, by hand: the writers must say exactly these. */
#define BIG_BYTES UINT64_C(5000000000)	/* above 4 GiB: no 32-bit truncation */
#define TOTAL_BYTES (BIG_BYTES + 1234567 + 40960 + 100)
#define TOTAL_ALLOCS (2 + 30 + 10 + 1)

static struct mt_profile *prof;

static struct mt_sample *add_sample(pid_t pid, const char *comm, const uint64_t *addrs,
				    size_t n, uint64_t bytes, uint64_t allocs, double age)
{
	struct mt_sample *s = mt_profile__add_sample(prof, pid, comm, "malloc", addrs, n);

	cr_assert(not(eq(ptr, s, NULL)));
	s->bytes = bytes;
	s->allocs = allocs;
	s->oldest_age_s = age;
	return s;
}

static void add_process(pid_t pid, const char *comm, uint64_t rss)
{
	struct mt_process *pr = mt_profile__process(prof, pid, comm);

	cr_assert(not(eq(ptr, pr, NULL)));
	pr->rss_bytes = rss;
}

/* Three processes (one gone), four stacks added out of order: a resolved
 * one with file:line, unresolved and unmapped frames, a lost stack and a
 * hostile symbol; drops with a zero counter; two notes. */
static struct mt_profile *build(enum mt_target_kind kind, const char *value)
{
	static const uint64_t a_addrs[] = { 0x55d0c0a01189, 0x55d0c0a012ab,
					    0x7f12345671ca, 0x1000 };
	static const uint64_t b_addrs[] = { 0x55d0c0b00010, 0x55d0c0b00020 };
	static const uint64_t d_addrs[] = { 0x400000 };
	struct mt_sample *s;

	prof = mt_profile__new(kind, value);
	cr_assert(not(eq(ptr, prof, NULL)));
	prof->duration_s = 5.0;
	prof->min_age_ns = 2500000000;
	prof->allocs = 120;
	prof->frees = 75;
	prof->unmatched_frees = 3;
	prof->failed_allocs = 2;
	prof->nested_calls = 4;
	prof->inferred_frees = 6;

	add_process(1234, "leaky", 3 * 1024 * 1024 + 512 * 1024);
	add_process(5678, "worker", 10 * 1024 * 1024);
	add_process(91, "gone", 0);

	/* A: 40 KiB in leaky, every kind of frame */
	s = add_sample(1234, "leaky", a_addrs, 4, 40960, 10, 4.25);
	cr_assert(eq(int, mt_frame__set(&s->frames[0], "leak_small", 0x19, LEAKY, 0x1189, NULL), 0));
	s->frames[0].file = strdup("leaky.c");
	s->frames[0].line = 12;
	cr_assert(eq(int, mt_frame__set(&s->frames[1], "main", 0x4b, LEAKY, 0x12ab, NULL), 0));
	cr_assert(eq(int, mt_frame__set(&s->frames[2], NULL, 0, LIBC, 0x271ca, "no symbols"), 0));
	cr_assert(eq(int, mt_frame__set(&s->frames[3], NULL, 0, NULL, 0, "unmapped"), 0));

	/* B: 1,234,567 bytes in worker */
	s = add_sample(5678, "worker", b_addrs, 2, 1234567, 30, 1.5);
	cr_assert(eq(int, mt_frame__set(&s->frames[0], EVIL, 0x10, "/opt/w", 0x10, NULL), 0));
	cr_assert(eq(int, mt_frame__set(&s->frames[1], "worker_main", 0x20, "/opt/w", 0x20, NULL), 0));

	/* C: 100 bytes whose stack was lost */
	s = add_sample(1234, "leaky", NULL, 0, 100, 1, 0.5);
	s->stack_lost = true;

	/* D: the biggest, in a process that has exited */
	s = add_sample(91, "gone", d_addrs, 1, BIG_BYTES, 2, 3.0);
	cr_assert(eq(int, mt_frame__set(&s->frames[0], "big", 0, "/bin/gone", 0x1000, NULL), 0));

	cr_assert(eq(int, mt_profile__add_drop(prof, "stack_collision", 2), 0));
	cr_assert(eq(int, mt_profile__add_drop(prof, "live_full", 0), 0));
	cr_assert(eq(int, mt_profile__add_drop(prof, "stack_error", 1), 0));
	cr_assert(eq(int, mt_profile__add_note(prof, "symbols of %s: %s", LIBC, "no symbols"), 0));
	cr_assert(eq(int, mt_profile__add_note(prof, "tab\there"), 0));

	/* sorted D, B, A, C; processes 91, 5678, 1234 */
	mt_profile__finish(prof);
	return prof;
}

static void teardown(void)
{
	mt_profile__free(prof);
	prof = NULL;
}

TestSuite(out_json, .fini = teardown, .timeout = 10);
TestSuite(out_text, .fini = teardown, .timeout = 10);

/* ---- JSON ----------------------------------------------------------------- */

static json_t *render_json(const struct out_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_error_t jerr;
	json_t *root;

	cr_assert(not(eq(ptr, f, NULL)));
	cr_assert(eq(int, out_json__write(prof, o, f), 0));
	fclose(f);
	root = json_loadb(buf, len, 0, &jerr);
	cr_assert(not(eq(ptr, root, NULL)), "not JSON (%s): %s", jerr.text, buf);
	free(buf);
	return root;
}

static json_t *get(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	cr_assert(not(eq(ptr, v, NULL)), "missing \"%s\"", key);
	return v;
}

static long long get_int(json_t *obj, const char *key)
{
	json_t *v = get(obj, key);

	cr_assert(eq(int, json_typeof(v), JSON_INTEGER), "\"%s\" not an integer", key);
	return json_integer_value(v);
}

static double get_real(json_t *obj, const char *key)
{
	json_t *v = get(obj, key);

	cr_assert(eq(int, json_typeof(v), JSON_REAL), "\"%s\" not a real", key);
	return json_real_value(v);
}

static const char *get_str(json_t *obj, const char *key)
{
	json_t *v = get(obj, key);

	cr_assert(eq(int, json_typeof(v), JSON_STRING), "\"%s\" not a string", key);
	return json_string_value(v);
}

static bool get_bool(json_t *obj, const char *key)
{
	json_t *v = get(obj, key);
	bool is_bool = json_is_boolean(v);

	cr_assert(is_bool, "\"%s\" not a bool", key);
	return json_is_true(v);
}

static json_t *get_array(json_t *obj, const char *key, size_t n)
{
	json_t *v = get(obj, key);

	cr_assert(eq(int, json_typeof(v), JSON_ARRAY), "\"%s\" not an array", key);
	cr_assert(eq(sz, json_array_size(v), n), "\"%s\" size", key);
	return v;
}

static void assert_null(json_t *obj, const char *key)
{
	cr_assert(eq(int, json_typeof(get(obj, key)), JSON_NULL), "\"%s\" not null", key);
}

Test(out_json, top_level)
{
	json_t *root, *t, *st, *drops, *notes;

	build(MT_TARGET_PID, "1234,5678,91");
	root = render_json(&(struct out_opts){ 0 });

	cr_assert(eq(str, (char *)get_str(root, "tool"), "memtrail"));
	cr_assert(eq(i64, get_int(root, "schema"), 1));
	cr_assert(eq(dbl, get_real(root, "duration_s"), 5.0));
	cr_assert(eq(dbl, get_real(root, "min_age_s"), 2.5));
	cr_assert(eq(ptr, json_object_get(root, "command"), NULL), "command outside command mode");

	t = get(root, "target");
	cr_assert(eq(str, (char *)get_str(t, "kind"), "pid"));
	cr_assert(eq(str, (char *)get_str(t, "value"), "1234,5678,91"));

	st = get(root, "stats");
	cr_assert(eq(i64, get_int(st, "allocs"), 120));
	cr_assert(eq(i64, get_int(st, "frees"), 75));
	cr_assert(eq(i64, get_int(st, "unmatched_frees"), 3));
	cr_assert(eq(i64, get_int(st, "failed_allocs"), 2));
	cr_assert(eq(i64, get_int(st, "nested_calls"), 4));
	cr_assert(eq(i64, get_int(st, "inferred_frees"), 6));
	cr_assert(eq(i64, get_int(st, "drops_total"), 3));
	drops = get(st, "drops");
	cr_assert(eq(sz, json_object_size(drops), 3)); /* zeros too: the full set */
	cr_assert(eq(i64, get_int(drops, "stack_collision"), 2));
	cr_assert(eq(i64, get_int(drops, "live_full"), 0));
	cr_assert(eq(i64, get_int(drops, "stack_error"), 1));

	cr_assert(eq(i64, get_int(root, "outstanding_bytes"), (long long)TOTAL_BYTES));
	cr_assert(eq(i64, get_int(root, "outstanding_allocs"), TOTAL_ALLOCS));
	cr_assert(eq(i64, get_int(root, "stacks_total"), 4));

	notes = get_array(root, "notes", 2);
	cr_assert(eq(str, (char *)json_string_value(json_array_get(notes, 0)),
		     "symbols of " LIBC ": no symbols"));
	cr_assert(eq(str, (char *)json_string_value(json_array_get(notes, 1)), "tab\there"));
	json_decref(root);
}

Test(out_json, processes)
{
	static const struct {
		long long pid;
		const char *comm;
		long long bytes, allocs, rss;
	} want[] = {
		{ 91, "gone", (long long)BIG_BYTES, 2, 0 },
		{ 5678, "worker", 1234567, 30, 10 * 1024 * 1024 },
		{ 1234, "leaky", 40960 + 100, 11, 3 * 1024 * 1024 + 512 * 1024 },
	};
	json_t *root, *procs, *pr;
	size_t i;

	build(MT_TARGET_PID, "1234,5678,91");
	/* top limits stacks, never processes */
	root = render_json(&(struct out_opts){ .top = 1 });
	procs = get_array(root, "processes", 3);
	for (i = 0; i < 3; i++) {
		pr = json_array_get(procs, i);
		cr_assert(eq(sz, json_object_size(pr), 7));
		cr_assert(eq(i64, get_int(pr, "pid"), want[i].pid));
		cr_assert(eq(str, (char *)get_str(pr, "comm"), (char *)want[i].comm));
		cr_assert(eq(i64, get_int(pr, "outstanding_bytes"), want[i].bytes));
		cr_assert(eq(i64, get_int(pr, "outstanding_allocs"), want[i].allocs));
		cr_assert(eq(i64, get_int(pr, "rss_bytes"), want[i].rss));
	}
	json_decref(root);
}

Test(out_json, stacks_in_profile_order)
{
	json_t *root, *stacks, *s;

	build(MT_TARGET_SYSTEM, "");
	root = render_json(NULL);
	stacks = get_array(root, "stacks", 4);

	s = json_array_get(stacks, 0);
	cr_assert(eq(str, (char *)get_str(s, "kind"), "malloc"));
	cr_assert(eq(i64, get_int(s, "pid"), 91));
	cr_assert(eq(str, (char *)get_str(s, "comm"), "gone"));
	cr_assert(eq(i64, get_int(s, "bytes"), (long long)BIG_BYTES));
	cr_assert(eq(i64, get_int(s, "allocs"), 2));
	cr_assert(eq(dbl, get_real(s, "oldest_age_s"), 3.0));
	cr_assert(not(get_bool(s, "stack_lost")));
	get_array(s, "frames", 1);

	s = json_array_get(stacks, 1);
	cr_assert(eq(i64, get_int(s, "pid"), 5678));
	cr_assert(eq(i64, get_int(s, "bytes"), 1234567));
	cr_assert(eq(dbl, get_real(s, "oldest_age_s"), 1.5));

	s = json_array_get(stacks, 2);
	cr_assert(eq(i64, get_int(s, "pid"), 1234));
	cr_assert(eq(str, (char *)get_str(s, "comm"), "leaky"));
	cr_assert(eq(i64, get_int(s, "bytes"), 40960));
	cr_assert(eq(i64, get_int(s, "allocs"), 10));
	cr_assert(eq(dbl, get_real(s, "oldest_age_s"), 4.25));
	get_array(s, "frames", 4);

	s = json_array_get(stacks, 3);
	cr_assert(eq(i64, get_int(s, "bytes"), 100));
	cr_assert(get_bool(s, "stack_lost"));
	get_array(s, "frames", 0);

	cr_assert(eq(str, (char *)get_str(get(root, "target"), "kind"), "system"));
	cr_assert(eq(str, (char *)get_str(get(root, "target"), "value"), ""));
	json_decref(root);
}

Test(out_json, frames)
{
	json_t *root, *frames, *fr;

	build(MT_TARGET_SYSTEM, "");
	root = render_json(NULL);
	frames = get(json_array_get(get(root, "stacks"), 2), "frames");

	/* resolved, with source line; no reason when there is a symbol */
	fr = json_array_get(frames, 0);
	cr_assert(eq(str, (char *)get_str(fr, "addr"), "0x55d0c0a01189"));
	cr_assert(eq(str, (char *)get_str(fr, "symbol"), "leak_small"));
	cr_assert(eq(i64, get_int(fr, "offset"), 0x19));
	cr_assert(eq(str, (char *)get_str(fr, "module"), LEAKY));
	cr_assert(eq(i64, get_int(fr, "module_offset"), 0x1189));
	cr_assert(eq(str, (char *)get_str(fr, "file"), "leaky.c"));
	cr_assert(eq(i64, get_int(fr, "line"), 12));
	cr_assert(eq(ptr, json_object_get(fr, "reason"), NULL));

	/* resolved, no source: file and line null */
	fr = json_array_get(frames, 1);
	cr_assert(eq(str, (char *)get_str(fr, "addr"), "0x55d0c0a012ab"));
	cr_assert(eq(str, (char *)get_str(fr, "symbol"), "main"));
	cr_assert(eq(i64, get_int(fr, "offset"), 0x4b));
	assert_null(fr, "file");
	assert_null(fr, "line");
	cr_assert(eq(ptr, json_object_get(fr, "reason"), NULL));

	/* unresolved in a module: null symbol, module offset, reason */
	fr = json_array_get(frames, 2);
	cr_assert(eq(str, (char *)get_str(fr, "addr"), "0x7f12345671ca"));
	assert_null(fr, "symbol");
	cr_assert(eq(str, (char *)get_str(fr, "module"), LIBC));
	cr_assert(eq(i64, get_int(fr, "module_offset"), 0x271ca));
	cr_assert(eq(str, (char *)get_str(fr, "reason"), "no symbols"));

	/* unmapped: module null as well */
	fr = json_array_get(frames, 3);
	cr_assert(eq(str, (char *)get_str(fr, "addr"), "0x1000"));
	assert_null(fr, "symbol");
	assert_null(fr, "module");
	cr_assert(eq(str, (char *)get_str(fr, "reason"), "unmapped"));

	/* a hostile symbol arrives escaped and as valid UTF-8 */
	fr = json_array_get(get(json_array_get(get(root, "stacks"), 1), "frames"), 0);
	cr_assert(eq(str, (char *)get_str(fr, "symbol"), "evil\x1b[31m\xef\xbf\xbd"));
	json_decref(root);
}

Test(out_json, top_n)
{
	json_t *root, *stacks;

	build(MT_TARGET_SYSTEM, "");
	root = render_json(&(struct out_opts){ .top = 2 });
	stacks = get_array(root, "stacks", 2);
	cr_assert(eq(i64, get_int(json_array_get(stacks, 0), "pid"), 91));
	cr_assert(eq(i64, get_int(json_array_get(stacks, 1), "pid"), 5678));
	/* totals still count every stack */
	cr_assert(eq(i64, get_int(root, "stacks_total"), 4));
	cr_assert(eq(i64, get_int(root, "outstanding_bytes"), (long long)TOTAL_BYTES));
	json_decref(root);

	/* a limit above the count changes nothing */
	root = render_json(&(struct out_opts){ .top = 10 });
	get_array(root, "stacks", 4);
	json_decref(root);
}

Test(out_json, command_mode)
{
	json_t *root, *cmd;

	build(MT_TARGET_COMMAND, "./leaky -n 3");
	prof->command_exited = true;
	prof->command_exit_code = 1;
	root = render_json(NULL);
	cr_assert(eq(str, (char *)get_str(get(root, "target"), "kind"), "command"));
	cr_assert(eq(str, (char *)get_str(get(root, "target"), "value"), "./leaky -n 3"));
	cmd = get(root, "command");
	cr_assert(get_bool(cmd, "exited"));
	cr_assert(eq(i64, get_int(cmd, "exit_code"), 1));
	json_decref(root);

	prof->command_exit_code = -9;
	root = render_json(NULL);
	cr_assert(eq(i64, get_int(get(root, "command"), "exit_code"), -9));
	json_decref(root);

	prof->command_exited = false;
	prof->command_exit_code = 0;
	root = render_json(NULL);
	cr_assert(not(get_bool(get(root, "command"), "exited")));
	json_decref(root);
}

Test(out_json, pretty_same_values)
{
	json_t *compact, *pretty;

	build(MT_TARGET_PID, "1234");
	compact = render_json(&(struct out_opts){ .pretty = false });
	pretty = render_json(&(struct out_opts){ .pretty = true });
	cr_assert(json_equal(compact, pretty));
	json_decref(compact);
	json_decref(pretty);
}

Test(out_json, empty_profile)
{
	json_t *root, *st;

	prof = mt_profile__new(MT_TARGET_PID, "42");
	cr_assert(not(eq(ptr, prof, NULL)));
	mt_profile__finish(prof);
	root = render_json(NULL);
	get_array(root, "stacks", 0);
	get_array(root, "processes", 0);
	get_array(root, "notes", 0);
	st = get(root, "stats");
	cr_assert(eq(sz, json_object_size(get(st, "drops")), 0));
	cr_assert(eq(i64, get_int(st, "drops_total"), 0));
	cr_assert(eq(i64, get_int(root, "outstanding_bytes"), 0));
	cr_assert(eq(dbl, get_real(root, "duration_s"), 0.0));
	json_decref(root);
}

Test(out_json, stream_error)
{
	char ro[16] = "";
	FILE *f = fmemopen(ro, sizeof(ro), "r");

	build(MT_TARGET_SYSTEM, "");
	cr_assert(not(eq(ptr, f, NULL)));
	cr_assert(eq(int, out_json__write(prof, NULL, f), -EIO));
	fclose(f);
}

/* ---- text ----------------------------------------------------------------- */

static char *render_text(const struct out_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(not(eq(ptr, f, NULL)));
	cr_assert(eq(int, out_text__write(prof, o, f), 0));
	fclose(f);
	return buf;
}

#define assert_has(text, needle) \
	cr_assert(not(eq(ptr, strstr(text, needle), NULL)), \
		  "missing \"%s\" in:\n%s", needle, text)
#define assert_lacks(text, needle) \
	cr_assert(eq(ptr, strstr(text, needle), NULL), \
		  "unexpected \"%s\" in:\n%s", needle, text)

Test(out_text, header_and_stats)
{
	static const char head[] =
		"memtrail: 4 stacks hold 4.7 GiB (5,001,275,627 bytes) in 43 allocations "
		"[pids 1234,5678,91] over 5.0 s\n";
	char *t;

	build(MT_TARGET_PID, "1234,5678,91");
	t = render_text(NULL);
	cr_assert(eq(int, strncmp(t, head, strlen(head)), 0), "header:\n%s", t);
	assert_has(t, "\n  allocs 120  frees 75  unmatched frees 3  failed allocs 2"
		      "  nested calls 4  inferred frees 6  drops 3\n");
	assert_has(t, "\n  allocations younger than 2.5 s left out\n");
	free(t);
}

Test(out_text, stacks_and_frames)
{
	char *t;

	build(MT_TARGET_SYSTEM, "");
	t = render_text(NULL);
	assert_has(t, "[system] over 5.0 s\n");
	assert_has(t, "\n#1  4.7 GiB (5,000,000,000 bytes) in 2 allocations, oldest 3.0 s, "
		      "pid 91 (gone) [malloc]\n");
	assert_has(t, "\n#2  1.2 MiB (1,234,567 bytes) in 30 allocations, oldest 1.5 s, "
		      "pid 5678 (worker) [malloc]\n");
	assert_has(t, "\n#3  40.0 KiB (40,960 bytes) in 10 allocations, oldest 4.2 s, "
		      "pid 1234 (leaky) [malloc]\n"
		      "    #0  0x000055d0c0a01189 leak_small+0x19 (" LEAKY ") at leaky.c:12\n"
		      "    #1  0x000055d0c0a012ab main+0x4b (" LEAKY ")\n"
		      /* unresolved: module+offset and the reason, no made-up name */
		      "    #2  0x00007f12345671ca [no symbols] (" LIBC "+0x271ca)\n"
		      "    #3  0x0000000000001000 [unmapped]\n");
	assert_has(t, "\n#4  100 B in 1 allocation, oldest 0.5 s, pid 1234 (leaky) [malloc]\n"
		      "    [stack lost: not stored, see drops]\n");
	assert_has(t, "    #0  0x0000000000400000 big+0x0 (/bin/gone)\n");
	free(t);
}

Test(out_text, hostile_strings_cannot_drive_the_terminal)
{
	char *t;

	build(MT_TARGET_SYSTEM, "");
	t = render_text(NULL);
	assert_has(t, "    #0  0x000055d0c0b00010 evil?[31m?+0x10 (/opt/w)\n");
	cr_assert(eq(ptr, strchr(t, '\x1b'), NULL));
	assert_has(t, "note: tab?here\n");
	free(t);
}

Test(out_text, processes_drops_notes)
{
	char *t;

	build(MT_TARGET_PID, "1234,5678,91");
	t = render_text(NULL);
	assert_has(t, "\nprocesses:\n"
		      "  pid 91 (gone): 4.7 GiB (5,000,000,000 bytes) outstanding in 2 allocations, exited\n"
		      "  pid 5678 (worker): 1.2 MiB (1,234,567 bytes) outstanding in 30 allocations, rss 10.0 MiB\n"
		      "  pid 1234 (leaky): 40.1 KiB (41,060 bytes) outstanding in 11 allocations, rss 3.5 MiB\n");
	/* only the counters that fired */
	assert_has(t, "\ndrops: stack_collision 2, stack_error 1\n");
	assert_lacks(t, "live_full");
	assert_has(t, "\nnote: symbols of " LIBC ": no symbols\n");
	assert_lacks(t, "command");
	free(t);
}

Test(out_text, single_pid_target_names_its_comm)
{
	char *t;

	build(MT_TARGET_PID, "1234");
	t = render_text(NULL);
	assert_has(t, " [pid 1234 (leaky)] over 5.0 s\n");
	free(t);
}

Test(out_text, top_n)
{
	char *t;

	build(MT_TARGET_SYSTEM, "");
	t = render_text(&(struct out_opts){ .top = 2 });
	assert_has(t, "\n#1  ");
	assert_has(t, "\n#2  ");
	assert_lacks(t, "\n#3  ");
	assert_lacks(t, "leak_small");
	assert_has(t, "\n... 2 more stacks hold 40.1 KiB (41,060 bytes) in 11 allocations"
		      " (raise --top to see them)\n");
	/* the header still counts everything */
	assert_has(t, "memtrail: 4 stacks hold 4.7 GiB (5,001,275,627 bytes) in 43 allocations");
	free(t);
}

Test(out_text, empty_profile)
{
	char *t;

	prof = mt_profile__new(MT_TARGET_PID, "42");
	cr_assert(not(eq(ptr, prof, NULL)));
	prof->duration_s = 1.0;
	mt_profile__finish(prof);
	t = render_text(NULL);
	assert_has(t, "memtrail: no outstanding allocations [pid 42] over 1.0 s\n");
	assert_has(t, "\nno drops\n");
	assert_lacks(t, "#1");
	assert_lacks(t, "processes:");
	free(t);
}

Test(out_text, command_summary)
{
	char *t;

	build(MT_TARGET_COMMAND, "./leaky -n 3");
	prof->command_exited = true;
	prof->command_exit_code = 1;
	t = render_text(NULL);
	assert_has(t, " [command ./leaky -n 3] over 5.0 s\n");
	assert_has(t, "\ncommand exited with status 1: still held at exit: "
		      "5,001,275,627 bytes in 43 allocations from 4 stacks\n");
	free(t);

	prof->command_exit_code = -9;
	t = render_text(NULL);
	assert_has(t, "\ncommand killed by signal 9: still held at exit: "
		      "5,001,275,627 bytes in 43 allocations from 4 stacks\n");
	free(t);

	prof->command_exited = false;
	t = render_text(NULL);
	assert_has(t, "\ncommand still running when tracing stopped: held 5,001,275,627 bytes");
	free(t);
}

Test(out_text, command_clean_exit)
{
	char *t;

	prof = mt_profile__new(MT_TARGET_COMMAND, "true");
	cr_assert(not(eq(ptr, prof, NULL)));
	prof->command_exited = true;
	mt_profile__finish(prof);
	t = render_text(NULL);
	assert_has(t, "memtrail: no outstanding allocations [command true]");
	assert_has(t, "\ncommand exited with status 0: still held at exit: "
		      "0 bytes in 0 allocations from 0 stacks\n");
	free(t);
}

struct size_case {
	uint64_t bytes;
	char want[48];	/* inline: parameters are copied to the worker */
};

ParameterizedTestParameters(out_text, human_sizes)
{
	static struct size_case cases[] = {
		{ 0, "#1  0 B in 1 allocation" },
		{ 1, "#1  1 B in" },
		{ 1023, "#1  1023 B in" },
		{ 1024, "#1  1.0 KiB (1,024 bytes) in" },
		{ 1536, "#1  1.5 KiB (1,536 bytes) in" },
		{ 1048575, "#1  1.0 MiB (1,048,575 bytes) in" },	/* not 1024.0 KiB */
		{ 1048576, "#1  1.0 MiB (1,048,576 bytes) in" },
		{ 1073741824, "#1  1.0 GiB (1,073,741,824 bytes) in" },
		{ UINT64_MAX, "#1  16.0 EiB (18,446,744,073,709,551,615 bytes)" },
	};

	return cr_make_param_array(struct size_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct size_case *c, out_text, human_sizes)
{
	static const uint64_t addr = 0x1000;
	char *t;

	prof = mt_profile__new(MT_TARGET_SYSTEM, "");
	cr_assert(not(eq(ptr, prof, NULL)));
	add_sample(1, "init", &addr, 1, c->bytes, 1, 0.0);
	t = render_text(NULL);
	assert_has(t, c->want);
	free(t);
}

Test(out_text, stream_error)
{
	char ro[16] = "";
	FILE *f = fmemopen(ro, sizeof(ro), "r");

	build(MT_TARGET_SYSTEM, "");
	cr_assert(not(eq(ptr, f, NULL)));
	cr_assert(eq(int, out_text__write(prof, NULL, f), -EIO));
	fclose(f);
}

/* ---- the tracer's own cost --------------------------------------------- */

static void set_cost(void)
{
	struct mt_tracer_cost *c = &prof->tracer;

	c->known = true;
	c->cpu_user_s = 1.25;
	c->cpu_sys_s = 0.5;
	c->rss_bytes = 12 << 20;
	c->rss_peak_bytes = 20 << 20;
	c->rss_map_bytes = 9 << 20;
	c->report_build_s = 0.375;
	c->report_build_cpu_s = 0.25;
	c->nmaps = 2;
	snprintf(c->maps[0].name, sizeof(c->maps[0].name), "live");
	c->maps[0].max_entries = 1048576;
	c->maps[0].memlock_bytes = 117440512;
	snprintf(c->maps[1].name, sizeof(c->maps[1].name), "stacks");
	c->maps[1].max_entries = 131072;
	c->maps[1].memlock_bytes = 80000000;
	c->map_bytes = 117440512 + 80000000;
}

Test(out_text, tracer_cost)
{
	char *t;

	build(MT_TARGET_PID, "1234");
	t = render_text(NULL);
	assert_lacks(t, "tracer:");
	free(t);
	set_cost();
	t = render_text(NULL);
	assert_has(t, "\n  tracer: cpu 1.75 s (user 1.25, sys 0.50), rss 12.0 MiB "
		      "(peak 20.0 MiB, mapped bpf maps 9.0 MiB), bpf maps 188.3 MiB, "
		      "report 0.38 s (cpu 0.25 s)\n");
	free(t);
}

Test(out_json, tracer_cost)
{
	json_t *root, *tr, *maps;

	build(MT_TARGET_PID, "1234");
	root = render_json(NULL);
	cr_assert(eq(ptr, json_object_get(root, "tracer"), NULL), "a cost not measured is left out");
	json_decref(root);
	set_cost();
	root = render_json(NULL);
	tr = get(root, "tracer");
	cr_assert(eq(dbl, get_real(tr, "cpu_s"), 1.75));
	cr_assert(eq(dbl, get_real(tr, "cpu_user_s"), 1.25));
	cr_assert(eq(dbl, get_real(tr, "cpu_sys_s"), 0.5));
	cr_assert(eq(i64, get_int(tr, "rss_bytes"), 12 << 20));
	cr_assert(eq(i64, get_int(tr, "rss_peak_bytes"), 20 << 20));
	cr_assert(eq(i64, get_int(tr, "rss_bpf_map_bytes"), 9 << 20));
	cr_assert(eq(i64, get_int(tr, "bpf_map_bytes"), 197440512));
	cr_assert(eq(dbl, get_real(tr, "report_build_s"), 0.375));
	cr_assert(eq(dbl, get_real(tr, "report_build_cpu_s"), 0.25));
	maps = get_array(tr, "bpf_maps", 2);
	cr_assert_str_eq(get_str(json_array_get(maps, 1), "name"), "stacks");
	cr_assert(eq(i64, get_int(json_array_get(maps, 1), "max_entries"), 131072));
	cr_assert(eq(i64, get_int(json_array_get(maps, 1), "memlock_bytes"), 80000000));
	json_decref(root);
}
