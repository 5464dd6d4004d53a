// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The folded, pprof and HTML writers (and the JSON frame fields they
 * share the model with) against one hand-made profile: two processes,
 * inlined calls, build IDs, an unresolved and an unmapped frame, a mmap
 * sample, a lost stack, a "fault" sample that must not count, and a
 * hostile symbol made to break each format. pprof output is gunzipped and
 * decoded here, field by field, with a decoder of the test's own. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "output.h"
#include "profile.h"

#define APP "/bin/app"
#define LIBC "/lib/x86_64-linux-gnu/libc.so.6"
#define EVIL "a;b</script><!--x\ny"
#define APP_ID "aabbccdd"
#define BASE_100 UINT64_C(0x555555554000)	/* /bin/app's file offset 0, pid 100 */
#define BASE_200 UINT64_C(0x563000000000)	/* the same, pid 200 */
#define TIME_NS INT64_C(1764684000123456789)

/* held bytes and allocations, by hand: A + B + D + E + F (C is a fault) */
#define HELD_BYTES (5000 + 300 + 8192 + 100 + 700)
#define HELD_ALLOCS (5 + 3 + 1 + 1 + 7)

static struct mt_profile *prof;

static struct mt_sample *sample(pid_t pid, const char *comm, const char *kind, size_t n,
				uint64_t bytes, uint64_t allocs)
{
	static const uint64_t zero[8];
	struct mt_sample *s = mt_profile__add_sample(prof, pid, comm, kind, n ? zero : NULL, n);

	cr_assert_not_null(s);
	s->bytes = bytes;
	s->allocs = allocs;
	cr_assert_not_null(mt_profile__process(prof, pid, comm));
	return s;
}

static void frame(struct mt_sample *s, size_t i, uint64_t addr, const char *sym,
		  const char *module, uint64_t module_offset)
{
	struct mt_frame *f = &s->frames[i];

	f->addr = addr;
	cr_assert(eq(int, mt_frame__set(f, sym, 0x10, module, module_offset,
					sym ? NULL : "no symbols"), 0));
	if (module && !strcmp(module, APP))
		cr_assert(eq(int, mt_frame__set_source(f, NULL, 0, APP_ID), 0));
}

static void build(void)
{
	struct mt_sample *s;

	prof = mt_profile__new(MT_TARGET_PID, "100,200");
	cr_assert_not_null(prof);
	prof->duration_s = 2.5;
	prof->allocs = 40;
	prof->frees = 12;
	cr_assert(eq(int, mt_profile__add_drop(prof, "stack_collision", 2), 0));
	cr_assert(eq(int, mt_profile__add_drop(prof, "live_full", 0), 0));
	cr_assert(eq(int, mt_profile__add_note(prof, "a note"), 0));

	/* A: leak_fn with two calls inlined into it, called from main, from
	 * an unresolved libc frame */
	s = sample(100, "app", "malloc", 3, 5000, 5);
	frame(s, 0, BASE_100 + 0x1234, "leak_fn", APP, 0x1234);
	cr_assert(eq(int, mt_frame__set_source(&s->frames[0], "leak.c", 42, APP_ID), 0));
	cr_assert(eq(int, mt_frame__add_inline(&s->frames[0], "inner_helper", "h.h", 7), 0));
	cr_assert(eq(int, mt_frame__add_inline(&s->frames[0], "middle", "m.h", 3), 0));
	frame(s, 1, BASE_100 + 0x1300, "main", APP, 0x1300);
	frame(s, 2, UINT64_C(0x7f00000271ca), NULL, LIBC, 0x271ca);
	/* B: a symbol made to break folded lines and the HTML page */
	s = sample(100, "app", "malloc", 1, 300, 3);
	frame(s, 0, BASE_100 + 0x2000, EVIL, APP, 0x2000);
	/* C: pages touched inside A's memory: not held, counted nowhere here */
	s = sample(100, "app", "fault", 1, 4096, 1);
	frame(s, 0, BASE_100 + 0x1234, "leak_fn", APP, 0x1234);
	/* D: a private anonymous mapping */
	s = sample(100, "app", "mmap", 1, 8192, 1);
	s->mapping = "anon_private";
	frame(s, 0, BASE_100 + 0x3000, "map_fn", APP, 0x3000);
	/* E: a stack that could not be stored */
	s = sample(100, "app", "malloc", 0, 100, 1);
	s->stack_lost = true;
	/* F: the same function in another process, called from outside any
	 * module */
	s = sample(200, "other", "malloc", 2, 700, 7);
	frame(s, 0, BASE_200 + 0x1234, "leak_fn", APP, 0x1234);
	frame(s, 1, 0x1000, NULL, NULL, 0);

	/* sorted D, A, C, F, B, E */
	mt_profile__finish(prof);
}

static void teardown(void)
{
	mt_profile__free(prof);
	prof = NULL;
}

TestSuite(flame_formats, .init = build, .fini = teardown, .timeout = 10);

typedef int (*writer_fn)(const struct mt_profile *, const struct out_opts *, FILE *);

static char *render(writer_fn fn, const struct out_opts *o, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	cr_assert_not_null(f);
	cr_assert(eq(int, fn(prof, o, f), 0));
	cr_assert(eq(int, fclose(f), 0));
	if (len)
		*len = n;
	return buf;
}

/* ---- folded ---------------------------------------------------------------- */

Test(flame_formats, folded_lines)
{
	static const char *const want[] = {
		"app (pid 100);mmap (anon_private);map_fn 8192",
		"app (pid 100);malloc;libc.so.6+0x271ca;main;leak_fn;middle;inner_helper 5000",
		"other (pid 200);malloc;0x1000;leak_fn 700",
		"app (pid 100);malloc;a?b</script><!--x?y 300",
		"app (pid 100);malloc;[stack lost] 100",
	};
	char *out = render(out_folded__write, &(struct out_opts){ 0 }, NULL);
	char *line, *save = NULL;
	size_t n = 0;
	long long sum = 0;

	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		char *sp = strrchr(line, ' ');

		cr_assert(lt(sz, n, sizeof(want) / sizeof(want[0])), "extra line '%s'", line);
		cr_assert(eq(str, line, (char *)want[n]));
		/* every line: frames, one space, a plain integer */
		cr_assert_not_null(sp);
		cr_assert(eq(sz, strspn(sp + 1, "0123456789"), strlen(sp + 1)));
		sum += atoll(sp + 1);
	}
	cr_assert(eq(sz, n, sizeof(want) / sizeof(want[0])));
	/* the graph's total is the report's held total: no fault bytes */
	cr_assert(eq(i64, sum, HELD_BYTES));
	free(out);
}

Test(flame_formats, folded_top)
{
	char *out = render(out_folded__write, &(struct out_opts){ .top = 3 }, NULL);

	/* the first three samples are D, A and C; C is a fault */
	cr_assert(eq(str, out, "app (pid 100);mmap (anon_private);map_fn 8192\n"
		     "app (pid 100);malloc;libc.so.6+0x271ca;main;leak_fn;middle;inner_helper 5000\n"));
	free(out);
}

/* ---- pprof: a small decoder ------------------------------------------------ */

struct field {
	uint32_t num;
	unsigned wire;
	uint64_t v;		/* varint */
	const uint8_t *p;	/* length-delimited */
	size_t len;
};

static uint64_t get_varint(const uint8_t **p, const uint8_t *end)
{
	uint64_t v = 0;
	unsigned shift = 0;

	for (;;) {
		cr_assert(lt(ptr, (void *)*p, (void *)end), "varint runs off the end");
		cr_assert(lt(uint, shift, 64), "varint too long");
		v |= (uint64_t)(**p & 0x7f) << shift;
		shift += 7;
		if (!(*(*p)++ & 0x80))
			return v;
	}
}

/* The next field of [*p, end); false at the end. */
static bool next_field(const uint8_t **p, const uint8_t *end, struct field *f)
{
	uint64_t key;

	if (*p == end)
		return false;
	key = get_varint(p, end);
	f->num = (uint32_t)(key >> 3);
	f->wire = key & 7;
	if (f->wire == 0) {
		f->v = get_varint(p, end);
	} else {
		cr_assert(eq(uint, f->wire, 2), "wire type %u", f->wire);
		f->len = get_varint(p, end);
		cr_assert(le(sz, f->len, (size_t)(end - *p)));
		f->p = *p;
		*p += f->len;
	}
	return true;
}

/* The values of a packed repeated field (or one unpacked value). */
static size_t unpack(const struct field *f, uint64_t *out, size_t max)
{
	const uint8_t *p = f->p, *end = f->p + f->len;
	size_t n = 0;

	if (f->wire == 0) {
		out[0] = f->v;
		return 1;
	}
	while (p < end) {
		cr_assert(lt(sz, n, max));
		out[n++] = get_varint(&p, end);
	}
	return n;
}

#define MAXN 64

struct pp_line {
	uint64_t function_id;
	int64_t line;
};

struct pp {
	char *strs[MAXN];
	size_t nstrs;
	struct { uint64_t locs[MAXN]; size_t nlocs; int64_t values[2];
		 struct { uint64_t key, str; int64_t num; } labels[8]; size_t nlabels; } samples[MAXN];
	size_t nsamples;
	struct { uint64_t id, mapping, addr; struct pp_line lines[8]; size_t nlines; } locs[MAXN];
	size_t nlocs;
	struct { uint64_t id, name, system_name, file; } funcs[MAXN];
	size_t nfuncs;
	struct { uint64_t id, start, limit, offset, file, build_id; bool has_functions; } maps[MAXN];
	size_t nmaps;
	uint64_t sample_types[2][2], period_type[2], comments[MAXN];
	size_t nsample_types, ncomments;
	int64_t time_nanos, duration_nanos, period, default_sample_type;
};

static void value_type(const struct field *f, uint64_t out[2])
{
	const uint8_t *p = f->p, *end = f->p + f->len;
	struct field g;

	while (next_field(&p, end, &g))
		out[g.num - 1] = g.v;
}

static void decode_sample(struct pp *pp, const struct field *f)
{
	const uint8_t *p = f->p, *end = f->p + f->len;
	struct field g, h;
	uint64_t vals[MAXN];
	size_t n, i;

	cr_assert(lt(sz, pp->nsamples, MAXN));
	while (next_field(&p, end, &g)) {
		if (g.num == 1) {
			pp->samples[pp->nsamples].nlocs = unpack(&g, pp->samples[pp->nsamples].locs, MAXN);
		} else if (g.num == 2) {
			n = unpack(&g, vals, MAXN);
			cr_assert(eq(sz, n, 2), "values per sample");
			for (i = 0; i < 2; i++)
				pp->samples[pp->nsamples].values[i] = (int64_t)vals[i];
		} else if (g.num == 3) {
			const uint8_t *q = g.p, *qend = g.p + g.len;
			size_t nl = pp->samples[pp->nsamples].nlabels++;

			cr_assert(lt(sz, nl, 8));
			while (next_field(&q, qend, &h)) {
				if (h.num == 1)
					pp->samples[pp->nsamples].labels[nl].key = h.v;
				else if (h.num == 2)
					pp->samples[pp->nsamples].labels[nl].str = h.v;
				else if (h.num == 3)
					pp->samples[pp->nsamples].labels[nl].num = (int64_t)h.v;
			}
		}
	}
	pp->nsamples++;
}

static void decode_location(struct pp *pp, const struct field *f)
{
	const uint8_t *p = f->p, *end = f->p + f->len;
	struct field g, h;

	cr_assert(lt(sz, pp->nlocs, MAXN));
	while (next_field(&p, end, &g)) {
		if (g.num == 1)
			pp->locs[pp->nlocs].id = g.v;
		else if (g.num == 2)
			pp->locs[pp->nlocs].mapping = g.v;
		else if (g.num == 3)
			pp->locs[pp->nlocs].addr = g.v;
		else if (g.num == 4) {
			const uint8_t *q = g.p, *qend = g.p + g.len;
			struct pp_line *l = &pp->locs[pp->nlocs].lines[pp->locs[pp->nlocs].nlines++];

			cr_assert(le(sz, pp->locs[pp->nlocs].nlines, 8));
			while (next_field(&q, qend, &h)) {
				if (h.num == 1)
					l->function_id = h.v;
				else if (h.num == 2)
					l->line = (int64_t)h.v;
			}
		}
	}
	pp->nlocs++;
}

static void decode_function(struct pp *pp, const struct field *f)
{
	const uint8_t *p = f->p, *end = f->p + f->len;
	struct field g;

	cr_assert(lt(sz, pp->nfuncs, MAXN));
	while (next_field(&p, end, &g)) {
		if (g.num == 1)
			pp->funcs[pp->nfuncs].id = g.v;
		else if (g.num == 2)
			pp->funcs[pp->nfuncs].name = g.v;
		else if (g.num == 3)
			pp->funcs[pp->nfuncs].system_name = g.v;
		else if (g.num == 4)
			pp->funcs[pp->nfuncs].file = g.v;
	}
	pp->nfuncs++;
}

static void decode_mapping(struct pp *pp, const struct field *f)
{
	const uint8_t *p = f->p, *end = f->p + f->len;
	struct field g;

	cr_assert(lt(sz, pp->nmaps, MAXN));
	while (next_field(&p, end, &g)) {
		switch (g.num) {
		case 1: pp->maps[pp->nmaps].id = g.v; break;
		case 2: pp->maps[pp->nmaps].start = g.v; break;
		case 3: pp->maps[pp->nmaps].limit = g.v; break;
		case 4: pp->maps[pp->nmaps].offset = g.v; break;
		case 5: pp->maps[pp->nmaps].file = g.v; break;
		case 6: pp->maps[pp->nmaps].build_id = g.v; break;
		case 7: pp->maps[pp->nmaps].has_functions = g.v; break;
		}
	}
	pp->nmaps++;
}

static struct pp *decode(const uint8_t *gz, size_t gzlen)
{
	static uint8_t raw[1 << 20];
	struct pp *pp = calloc(1, sizeof(*pp));
	z_stream zs = { 0 };
	const uint8_t *p = raw, *end;
	struct field f;

	cr_assert_not_null(pp);
	/* gzip, not a bare zlib stream: the magic bytes first */
	cr_assert(ge(sz, gzlen, 2));
	cr_assert(eq(u8, gz[0], 0x1f));
	cr_assert(eq(u8, gz[1], 0x8b));
	cr_assert(eq(int, inflateInit2(&zs, 16 + 15), Z_OK));
	zs.next_in = (Bytef *)gz;
	zs.avail_in = (uInt)gzlen;
	zs.next_out = raw;
	zs.avail_out = sizeof(raw);
	cr_assert(eq(int, inflate(&zs, Z_FINISH), Z_STREAM_END));
	end = raw + zs.total_out;
	inflateEnd(&zs);

	while (next_field(&p, end, &f)) {
		switch (f.num) {
		case 1:
			cr_assert(lt(sz, pp->nsample_types, 2));
			value_type(&f, pp->sample_types[pp->nsample_types++]);
			break;
		case 2: decode_sample(pp, &f); break;
		case 3: decode_mapping(pp, &f); break;
		case 4: decode_location(pp, &f); break;
		case 5: decode_function(pp, &f); break;
		case 6:
			cr_assert(lt(sz, pp->nstrs, MAXN));
			pp->strs[pp->nstrs] = strndup((const char *)f.p, f.len);
			pp->nstrs++;
			break;
		case 9: pp->time_nanos = (int64_t)f.v; break;
		case 10: pp->duration_nanos = (int64_t)f.v; break;
		case 11: value_type(&f, pp->period_type); break;
		case 12: pp->period = (int64_t)f.v; break;
		case 13:
			pp->ncomments += unpack(&f, pp->comments + pp->ncomments, MAXN - pp->ncomments);
			break;
		case 14: pp->default_sample_type = (int64_t)f.v; break;
		default:
			cr_fatal("unexpected Profile field %u", f.num);
		}
	}
	return pp;
}

static void pp_free(struct pp *pp)
{
	size_t i;

	for (i = 0; i < pp->nstrs; i++)
		free(pp->strs[i]);
	free(pp);
}

static const char *str(const struct pp *pp, uint64_t idx)
{
	cr_assert(lt(u64, idx, pp->nstrs), "string index %lu of %zu", (unsigned long)idx, pp->nstrs);
	return pp->strs[idx];
}

/* ids are 1..n in order: each table's entry i has id i + 1 */
static const char *func_name(const struct pp *pp, uint64_t id)
{
	cr_assert(ge(u64, id, 1));
	cr_assert(le(u64, id, pp->nfuncs));
	cr_assert(eq(u64, pp->funcs[id - 1].id, id));
	return str(pp, pp->funcs[id - 1].name);
}

/* The label key of sample i: its string value (NULL when absent), its
 * number in *num. */
static const char *label(const struct pp *pp, size_t i, const char *key, int64_t *num)
{
	size_t j;

	for (j = 0; j < pp->samples[i].nlabels; j++) {
		if (strcmp(str(pp, pp->samples[i].labels[j].key), key))
			continue;
		if (num)
			*num = pp->samples[i].labels[j].num;
		return str(pp, pp->samples[i].labels[j].str);
	}
	return NULL;
}

static struct pp *render_pprof(const struct out_opts *o)
{
	size_t len;
	char *out = render(out_pprof__write, o, &len);
	struct pp *pp = decode((const uint8_t *)out, len);

	free(out);
	return pp;
}

/* The sample whose leaf location's innermost line is function name. */
static size_t sample_with_leaf(const struct pp *pp, const char *name, int64_t pid)
{
	size_t i;

	for (i = 0; i < pp->nsamples; i++) {
		uint64_t loc = pp->samples[i].locs[0];

		cr_assert(ge(u64, loc, 1));
		cr_assert(le(u64, loc, pp->nlocs));
		int64_t p = 0;

		label(pp, i, "pid", &p);
		if (!strcmp(func_name(pp, pp->locs[loc - 1].lines[0].function_id), name) && p == pid)
			return i;
	}
	cr_fatal("no sample with leaf %s in pid %ld", name, (long)pid);
	return 0;
}

Test(flame_formats, pprof_header)
{
	struct pp *pp = render_pprof(&(struct out_opts){ .time_ns = TIME_NS });
	size_t i;
	bool target = false, drops = false, note = false;

	cr_assert(ge(sz, pp->nstrs, 1));
	cr_assert(eq(str, pp->strs[0], ""));
	cr_assert(eq(sz, pp->nsample_types, 2));
	cr_assert(eq(str, (char *)str(pp, pp->sample_types[0][0]), "inuse_objects"));
	cr_assert(eq(str, (char *)str(pp, pp->sample_types[0][1]), "count"));
	cr_assert(eq(str, (char *)str(pp, pp->sample_types[1][0]), "inuse_space"));
	cr_assert(eq(str, (char *)str(pp, pp->sample_types[1][1]), "bytes"));
	cr_assert(eq(str, (char *)str(pp, (uint64_t)pp->default_sample_type), "inuse_space"));
	cr_assert(eq(str, (char *)str(pp, pp->period_type[0]), "inuse_space"));
	cr_assert(eq(i64, pp->period, 1));
	cr_assert(eq(i64, pp->time_nanos, TIME_NS));
	cr_assert(eq(i64, pp->duration_nanos, INT64_C(2500000000)));
	for (i = 0; i < pp->ncomments; i++) {
		const char *c = str(pp, pp->comments[i]);

		target |= strstr(c, "pid 100,200") != NULL;
		/* the counters that dropped something, and the total */
		drops |= !strcmp(c, "drops 2: stack_collision 2");
		note |= !strcmp(c, "a note");
	}
	cr_assert(target, "no comment names the target");
	cr_assert(drops, "no comment gives the drops");
	cr_assert(note, "the profile's notes are not comments");
	pp_free(pp);
}

Test(flame_formats, pprof_samples_sum_to_held_memory)
{
	struct pp *pp = render_pprof(&(struct out_opts){ 0 });
	int64_t bytes = 0, objects = 0;
	size_t i;

	cr_assert(eq(sz, pp->nsamples, 5), "the fault sample must not be written");
	for (i = 0; i < pp->nsamples; i++) {
		objects += pp->samples[i].values[0];
		bytes += pp->samples[i].values[1];
	}
	cr_assert(eq(i64, bytes, HELD_BYTES));
	cr_assert(eq(i64, objects, HELD_ALLOCS));
	pp_free(pp);
}

Test(flame_formats, pprof_locations_and_inlines)
{
	struct pp *pp = render_pprof(&(struct out_opts){ 0 });
	size_t a = sample_with_leaf(pp, "inner_helper", 100), i;
	const struct pp_line *l;
	uint64_t loc;

	/* A: leaf first, three locations, the outermost in libc */
	cr_assert(eq(sz, pp->samples[a].nlocs, 3));
	cr_assert(eq(i64, pp->samples[a].values[1], 5000));
	cr_assert(eq(i64, pp->samples[a].values[0], 5));
	loc = pp->samples[a].locs[0];
	cr_assert(eq(u64, pp->locs[loc - 1].id, loc));
	cr_assert(eq(u64, pp->locs[loc - 1].addr, BASE_100 + 0x1234));
	/* pprof's order: innermost inlined call first, the real function last */
	cr_assert(eq(sz, pp->locs[loc - 1].nlines, 3));
	l = pp->locs[loc - 1].lines;
	cr_assert(eq(str, (char *)func_name(pp, l[0].function_id), "inner_helper"));
	cr_assert(eq(i64, l[0].line, 7));
	cr_assert(eq(str, (char *)str(pp, pp->funcs[l[0].function_id - 1].file), "h.h"));
	cr_assert(eq(str, (char *)func_name(pp, l[1].function_id), "middle"));
	cr_assert(eq(i64, l[1].line, 3));
	cr_assert(eq(str, (char *)func_name(pp, l[2].function_id), "leak_fn"));
	cr_assert(eq(i64, l[2].line, 42));
	cr_assert(eq(str, (char *)str(pp, pp->funcs[l[2].function_id - 1].file), "leak.c"));
	cr_assert(eq(str, (char *)str(pp, pp->funcs[l[2].function_id - 1].system_name), "leak_fn"));
	/* the unresolved libc frame is named by module and offset */
	loc = pp->samples[a].locs[2];
	cr_assert(eq(sz, pp->locs[loc - 1].nlines, 1));
	cr_assert(eq(str, (char *)func_name(pp, pp->locs[loc - 1].lines[0].function_id),
		     "libc.so.6+0x271ca"));
	/* one function per (name, file): leak_fn of pid 200 has no file, so
	 * it is another; every function id is distinct */
	for (i = 0; i < pp->nfuncs; i++)
		cr_assert(eq(u64, pp->funcs[i].id, i + 1));
	pp_free(pp);
}

Test(flame_formats, pprof_labels)
{
	struct pp *pp = render_pprof(&(struct out_opts){ 0 });
	size_t f = sample_with_leaf(pp, "leak_fn", 200);
	size_t d = sample_with_leaf(pp, "map_fn", 100);

	int64_t pid = 0;

	/* pid is a number label, the others strings */
	cr_assert(eq(str, (char *)label(pp, f, "pid", &pid), ""));
	cr_assert(eq(i64, pid, 200));
	cr_assert(eq(str, (char *)label(pp, f, "comm", NULL), "other"));
	cr_assert(eq(str, (char *)label(pp, f, "kind", NULL), "malloc"));
	cr_assert_null(label(pp, f, "mapping", NULL));
	cr_assert(eq(sz, pp->samples[f].nlabels, 3));
	cr_assert(eq(str, (char *)label(pp, d, "kind", NULL), "mmap"));
	cr_assert(eq(str, (char *)label(pp, d, "mapping", NULL), "anon_private"));
	cr_assert(eq(str, (char *)label(pp, d, "comm", NULL), "app"));
	pp_free(pp);
}

/* Each location's address, through its mapping, is the frame's file
 * offset; the same file in two processes is two mappings. */
Test(flame_formats, pprof_mappings)
{
	struct pp *pp = render_pprof(&(struct out_opts){ 0 });
	size_t a = sample_with_leaf(pp, "inner_helper", 100);
	size_t f = sample_with_leaf(pp, "leak_fn", 200);
	uint64_t la = pp->samples[a].locs[0], lf = pp->samples[f].locs[0], lu;
	size_t i;

	for (i = 0; i < pp->nmaps; i++)
		cr_assert(eq(u64, pp->maps[i].id, i + 1));
	cr_assert(not(eq(u64, pp->locs[la - 1].mapping, pp->locs[lf - 1].mapping)));
	for (i = 0; i < 2; i++) {
		uint64_t loc = i ? lf : la;
		uint64_t m = pp->locs[loc - 1].mapping;
		uint64_t addr = pp->locs[loc - 1].addr;

		cr_assert(ge(u64, m, 1));
		cr_assert(le(u64, m, pp->nmaps));
		cr_assert(eq(str, (char *)str(pp, pp->maps[m - 1].file), APP));
		cr_assert(eq(str, (char *)str(pp, pp->maps[m - 1].build_id), APP_ID));
		cr_assert(pp->maps[m - 1].has_functions);
		cr_assert(le(u64, pp->maps[m - 1].start, addr));
		cr_assert(lt(u64, addr, pp->maps[m - 1].limit));
		cr_assert(eq(u64, addr - pp->maps[m - 1].start + pp->maps[m - 1].offset, 0x1234));
	}
	/* outside any module: a location without a mapping */
	lu = pp->samples[f].locs[1];
	cr_assert(eq(u64, pp->locs[lu - 1].mapping, 0));
	cr_assert(eq(u64, pp->locs[lu - 1].addr, 0x1000));
	/* libc has no build ID here: index 0, "" */
	lu = pp->samples[a].locs[2];
	cr_assert(eq(str, (char *)str(pp, pp->maps[pp->locs[lu - 1].mapping - 1].build_id), ""));
	pp_free(pp);
}

Test(flame_formats, pprof_hostile_name_and_lost_stack)
{
	struct pp *pp = render_pprof(&(struct out_opts){ 0 });
	size_t b = sample_with_leaf(pp, EVIL, 100);
	size_t e = sample_with_leaf(pp, "[stack lost]", 100);

	/* protobuf strings carry any bytes: the name is kept exactly */
	cr_assert(eq(i64, pp->samples[b].values[1], 300));
	cr_assert(eq(i64, pp->samples[e].values[1], 100));
	cr_assert(eq(sz, pp->samples[e].nlocs, 1));
	cr_assert(eq(u64, pp->locs[pp->samples[e].locs[0] - 1].addr, 0));
	pp_free(pp);
}

/* ---- HTML ------------------------------------------------------------------ */

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

static json_t *html_data(const char *page)
{
	static const char open[] = "<script type=\"application/json\" id=\"mt-data\">";
	const char *start = strstr(page, open), *end;
	json_error_t jerr;
	json_t *root;

	cr_assert_not_null(start);
	start += strlen(open);
	end = strstr(start, "</script>");
	cr_assert_not_null(end);
	root = json_loadb(start, (size_t)(end - start), 0, &jerr);
	cr_assert_not_null(root, "data blob is not JSON: %s", jerr.text);
	return root;
}

Test(flame_formats, html_page_is_self_contained)
{
	char *page = render(out_html__write, &(struct out_opts){ 0 }, NULL);

	cr_assert(eq(int, strncmp(page, "<!DOCTYPE html>", 15), 0));
	cr_assert_not_null(strstr(page, "</html>\n"));
	/* the data script and the page's script end; the hostile name adds
	 * no end tag and opens no comment */
	cr_assert(eq(sz, count(page, "</script>"), 2));
	cr_assert(eq(sz, count(page, "<!--"), 1)); /* the page's own header comment */
	cr_assert_null(strstr(page, "@@MEMTRAIL_DATA@@"));
	/* nothing fetched from anywhere */
	cr_assert_null(strstr(page, "http://"));
	cr_assert_null(strstr(page, "https://"));
	cr_assert_null(strstr(page, " src="));
	cr_assert_null(strstr(page, "<link"));
	free(page);
}

Test(flame_formats, html_data_matches_the_profile)
{
	char *page = render(out_html__write, &(struct out_opts){ 0 }, NULL);
	json_t *root = html_data(page), *names, *stacks, *st;
	long long sum = 0;
	bool found_a = false, found_evil = false;
	size_t i, j;

	names = json_object_get(root, "names");
	stacks = json_object_get(root, "stacks");
	cr_assert(eq(int, json_typeof(names), JSON_ARRAY));
	cr_assert(eq(sz, json_array_size(stacks), 5));
	cr_assert(eq(str, (char *)json_string_value(json_object_get(root, "title")),
		     "memtrail: pid 100,200"));
	json_array_foreach(stacks, i, st) {
		json_t *frames = json_array_get(st, 2), *idx;
		char joined[512] = "";

		sum += json_integer_value(json_array_get(st, 0));
		json_array_foreach(frames, j, idx) {
			const char *n = json_string_value(json_array_get(names,
							  (size_t)json_integer_value(idx)));

			cr_assert_not_null(n);
			if (!strcmp(n, EVIL))
				found_evil = true; /* exact, once unescaped */
			if (j)
				strncat(joined, ";", sizeof(joined) - strlen(joined) - 1);
			strncat(joined, n, sizeof(joined) - strlen(joined) - 1);
		}
		if (!strcmp(joined, "app (pid 100);malloc;libc.so.6+0x271ca;main;leak_fn;middle;inner_helper")) {
			found_a = true;
			cr_assert(eq(i64, json_integer_value(json_array_get(st, 0)), 5000));
			cr_assert(eq(i64, json_integer_value(json_array_get(st, 1)), 5));
		}
	}
	cr_assert(eq(i64, sum, HELD_BYTES));
	cr_assert(found_a, "stack A missing, or not root-first");
	cr_assert(found_evil);
	/* the drops that dropped something, then the notes */
	names = json_object_get(root, "notes");
	cr_assert(eq(sz, json_array_size(names), 2));
	cr_assert(eq(str, (char *)json_string_value(json_array_get(names, 0)),
		     "dropped stack_collision: 2"));
	cr_assert(eq(str, (char *)json_string_value(json_array_get(names, 1)), "a note"));
	json_decref(root);
	free(page);
}

/* Nothing held: folded is empty, pprof a valid profile without samples,
 * the page has an empty stack list. */
Test(flame_formats, empty_profile)
{
	char *out, *page;
	json_t *root;
	struct pp *pp;

	mt_profile__free(prof);
	prof = mt_profile__new(MT_TARGET_SYSTEM, NULL);
	cr_assert_not_null(prof);
	mt_profile__finish(prof);
	out = render(out_folded__write, &(struct out_opts){ 0 }, NULL);
	cr_assert(eq(str, out, ""));
	free(out);
	pp = render_pprof(&(struct out_opts){ 0 });
	cr_assert(eq(sz, pp->nsamples, 0));
	cr_assert(eq(sz, pp->nsample_types, 2));
	cr_assert(eq(str, pp->strs[0], ""));
	pp_free(pp);
	page = render(out_html__write, &(struct out_opts){ 0 }, NULL);
	root = html_data(page);
	cr_assert(eq(sz, json_array_size(json_object_get(root, "stacks")), 0));
	json_decref(root);
	free(page);
}

/* ---- JSON: the frame fields the symbolizer fills ---------------------------- */

Test(flame_formats, json_frames_carry_build_id_and_inlines)
{
	char *out = render(out_json__write, &(struct out_opts){ 0 }, NULL);
	json_error_t jerr;
	json_t *root = json_loads(out, 0, &jerr), *stack, *frame, *inl;
	size_t i;

	cr_assert_not_null(root, "%s", jerr.text);
	/* samples in profile order: D, A, ... */
	stack = json_array_get(json_object_get(root, "stacks"), 1);
	frame = json_array_get(json_object_get(stack, "frames"), 0);
	cr_assert(eq(str, (char *)json_string_value(json_object_get(frame, "symbol")), "leak_fn"));
	cr_assert(eq(str, (char *)json_string_value(json_object_get(frame, "build_id")), APP_ID));
	inl = json_object_get(frame, "inlines");
	cr_assert(eq(sz, json_array_size(inl), 2));
	cr_assert(eq(str, (char *)json_string_value(json_object_get(json_array_get(inl, 0), "symbol")),
		     "inner_helper"));
	cr_assert(eq(str, (char *)json_string_value(json_object_get(json_array_get(inl, 0), "file")),
		     "h.h"));
	cr_assert(eq(i64, json_integer_value(json_object_get(json_array_get(inl, 0), "line")), 7));
	cr_assert(eq(str, (char *)json_string_value(json_object_get(json_array_get(inl, 1), "symbol")),
		     "middle"));
	/* no build ID (libc here): null; no inlines: [] */
	frame = json_array_get(json_object_get(stack, "frames"), 2);
	cr_assert(eq(int, json_typeof(json_object_get(frame, "build_id")), JSON_NULL));
	cr_assert(eq(sz, json_array_size(json_object_get(frame, "inlines")), 0));
	for (i = 0; i < json_array_size(json_object_get(root, "stacks")); i++)
		cr_assert(eq(int, json_typeof(json_object_get(json_array_get(
			json_object_get(root, "stacks"), i), "frames")), JSON_ARRAY));
	json_decref(root);
	free(out);
}
