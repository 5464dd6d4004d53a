// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* pprof: the profile.proto message (github.com/google/pprof,
 * proto/profile.proto), gzip-compressed, as `go tool pprof`, Pyroscope
 * and Parca read it. Sample types inuse_objects/count and
 * inuse_space/bytes (the default); one sample per stack with "pid",
 * "comm" and "kind" labels; locations per (process, address), since
 * addresses belong to one address space; mappings per process and module
 * with the module's build ID; the frames come symbolized, inlined calls
 * as extra lines, so pprof has nothing left to look up. Only held memory
 * is written ("fault" samples would count it twice). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "array.h"
#include "frame_label.h"
#include "output.h"
#include "proto_enc.h"
#include "str_table.h"

#define PAGE_SIZE_4K	4096ull

/* profile.proto field numbers */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE, PROFILE_MAPPING, PROFILE_LOCATION,
	PROFILE_FUNCTION, PROFILE_STRING_TABLE,
	PROFILE_TIME_NANOS = 9, PROFILE_DURATION_NANOS, PROFILE_PERIOD_TYPE,
	PROFILE_PERIOD, PROFILE_COMMENT, PROFILE_DEFAULT_SAMPLE_TYPE,
};
enum { VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT };
enum { SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE, SAMPLE_LABEL };
enum { LABEL_KEY = 1, LABEL_STR, LABEL_NUM };
enum {
	MAPPING_ID = 1, MAPPING_MEMORY_START, MAPPING_MEMORY_LIMIT, MAPPING_FILE_OFFSET,
	MAPPING_FILENAME, MAPPING_BUILD_ID, MAPPING_HAS_FUNCTIONS, MAPPING_HAS_FILENAMES,
	MAPPING_HAS_LINE_NUMBERS, MAPPING_HAS_INLINE_FRAMES,
};
enum { LOCATION_ID = 1, LOCATION_MAPPING_ID, LOCATION_ADDRESS, LOCATION_LINE };
enum { LINE_FUNCTION_ID = 1, LINE_LINE };
enum { FUNCTION_ID = 1, FUNCTION_NAME, FUNCTION_SYSTEM_NAME, FUNCTION_FILENAME };

/* Open-addressing map from a key of three integers to a nonzero id. */
struct id_slot {
	uint64_t k[3];
	uint64_t id;	/* 0: empty */
};

struct id_map {
	struct id_slot *slots;
	size_t cap, n;	/* cap: a power of two */
};

struct mapping {
	uint64_t pid, file, build_id;	/* file, build_id: string indexes */
	uint64_t base;			/* address of file offset 0 */
	uint64_t lo, hi;		/* lowest and highest address seen */
	bool files, lines, inlines;
};

struct location {
	uint64_t mapping_id, addr;
	size_t line0, nlines;		/* into pprof_tables.lines */
};

struct line {
	uint64_t function_id;
	int64_t line;
};

struct function {
	uint64_t name, file;		/* string indexes */
};

struct pprof_tables {
	struct str_table strs;
	struct id_map mapping_ids, location_ids, function_ids;
	struct mapping *mappings;
	size_t nmappings, mappings_cap;
	struct location *locations;
	size_t nlocations, locations_cap;
	struct line *lines;
	size_t nlines, lines_cap;
	struct function *functions;
	size_t nfunctions, functions_cap;
	uint64_t lost_location;		/* the "[stack lost]" location, 0: none yet */
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	return h ^ (h >> 33);
}

static uint64_t hash3(const uint64_t k[3])
{
	return mix(k[0] ^ mix(k[1] ^ mix(k[2])));
}

static struct id_slot *id_find(struct id_map *m, const uint64_t k[3])
{
	size_t i = (size_t)hash3(k) & (m->cap - 1);

	while (m->slots[i].id && memcmp(m->slots[i].k, k, sizeof(m->slots[i].k)))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

/* The slot for k, made room for (its id is 0 when k is new). */
static struct id_slot *id_slot(struct id_map *m, const uint64_t k[3])
{
	if ((m->n + 1) * 2 > m->cap) {
		struct id_map bigger = { .cap = m->cap ? m->cap * 2 : 1024 };
		size_t i;

		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots)
			return NULL;
		for (i = 0; i < m->cap; i++)
			if (m->slots[i].id)
				*id_find(&bigger, m->slots[i].k) = m->slots[i];
		bigger.n = m->n;
		free(m->slots);
		*m = bigger;
	}
	return id_find(m, k);
}

/* The string table index of s (NULL: "", index 0); -1: out of memory. */
static int64_t str_index(struct pprof_tables *t, const char *s)
{
	return str_table__index(&t->strs, s);
}

static void tables_free(struct pprof_tables *t)
{
	str_table__free(&t->strs);
	free(t->mapping_ids.slots);
	free(t->location_ids.slots);
	free(t->function_ids.slots);
	free(t->mappings);
	free(t->locations);
	free(t->lines);
	free(t->functions);
}

/* The function (name, file); 0 when out of memory. */
static uint64_t function_id(struct pprof_tables *t, const char *name, const char *file)
{
	int64_t n = str_index(t, name), f = str_index(t, file);
	uint64_t k[3];
	struct id_slot *slot;

	if (n < 0 || f < 0)
		return 0;
	k[0] = (uint64_t)n;
	k[1] = (uint64_t)f;
	k[2] = 0;
	slot = id_slot(&t->function_ids, k);
	if (!slot)
		return 0;
	if (slot->id)
		return slot->id;
	if (array_grow((void **)&t->functions, &t->functions_cap, t->nfunctions,
		       sizeof(*t->functions)))
		return 0;
	t->functions[t->nfunctions++] = (struct function){ .name = k[0], .file = k[1] };
	memcpy(slot->k, k, sizeof(k));
	slot->id = t->nfunctions;
	t->function_ids.n++;
	return slot->id;
}

static int add_line(struct pprof_tables *t, const char *name, const char *file, uint32_t line)
{
	uint64_t fid = function_id(t, name, file);

	if (!fid || array_grow((void **)&t->lines, &t->lines_cap, t->nlines, sizeof(*t->lines)))
		return -ENOMEM;
	t->lines[t->nlines++] = (struct line){ .function_id = fid, .line = line };
	return 0;
}

/* The mapping of fr's module in process pid (0: none, or out of memory
 * with *err set). A module mapped at several bases (segments placed
 * apart) has one mapping per base, so that address - start + offset is
 * the file offset in each. */
static uint64_t mapping_id(struct pprof_tables *t, pid_t pid, const struct mt_frame *fr,
			   int *err)
{
	struct id_slot *slot;
	struct mapping *m;
	int64_t file, bid;
	uint64_t k[3];

	if (!fr->module || fr->module_offset > fr->addr)
		return 0;
	file = str_index(t, fr->module);
	bid = str_index(t, fr->build_id);
	if (file < 0 || bid < 0)
		goto nomem;
	k[0] = (uint64_t)(uint32_t)pid;
	k[1] = (uint64_t)file;
	k[2] = fr->addr - fr->module_offset;
	slot = id_slot(&t->mapping_ids, k);
	if (!slot)
		goto nomem;
	if (!slot->id) {
		if (array_grow((void **)&t->mappings, &t->mappings_cap, t->nmappings,
			       sizeof(*t->mappings)))
			goto nomem;
		t->mappings[t->nmappings++] = (struct mapping){
			.pid = k[0], .file = k[1], .build_id = (uint64_t)bid, .base = k[2],
			.lo = fr->addr, .hi = fr->addr,
		};
		memcpy(slot->k, k, sizeof(k));
		slot->id = t->nmappings;
		t->mapping_ids.n++;
	}
	m = &t->mappings[slot->id - 1];
	if (fr->addr < m->lo)
		m->lo = fr->addr;
	if (fr->addr > m->hi)
		m->hi = fr->addr;
	if (!m->build_id && bid)
		m->build_id = (uint64_t)bid;
	m->files |= fr->file != NULL;
	m->lines |= fr->line != 0;
	m->inlines |= fr->ninlines != 0;
	return slot->id;
nomem:
	*err = -ENOMEM;
	return 0;
}

/* The location of fr in process pid; 0 with *err set on failure. Lines
 * in pprof's order: the innermost inlined function first, the function
 * that holds the code last. */
static uint64_t location_id(struct pprof_tables *t, pid_t pid, const struct mt_frame *fr,
			    int *err)
{
	uint64_t k[3] = { (uint64_t)(uint32_t)pid, fr->addr, 1 };
	struct location *loc;
	struct id_slot *slot;
	char *label;
	size_t i;

	slot = id_slot(&t->location_ids, k);
	if (!slot) {
		*err = -ENOMEM;
		return 0;
	}
	if (slot->id)
		return slot->id;
	if (array_grow((void **)&t->locations, &t->locations_cap, t->nlocations,
		       sizeof(*t->locations))) {
		*err = -ENOMEM;
		return 0;
	}
	loc = &t->locations[t->nlocations];
	*loc = (struct location){ .addr = fr->addr, .line0 = t->nlines };
	loc->mapping_id = mapping_id(t, pid, fr, err);
	if (*err)
		return 0;
	for (i = 0; i < fr->ninlines && !*err; i++)
		*err = add_line(t, fr->inlines[i].symbol ? fr->inlines[i].symbol : "?",
				fr->inlines[i].file, fr->inlines[i].line);
	label = frame_label(fr);
	if (!label)
		*err = -ENOMEM;
	if (!*err)
		*err = add_line(t, label, fr->file, fr->line);
	free(label);
	if (*err)
		return 0;
	loc = &t->locations[t->nlocations];
	loc->nlines = t->nlines - loc->line0;
	t->nlocations++;
	memcpy(slot->k, k, sizeof(k));
	slot->id = t->nlocations;
	t->location_ids.n++;
	return slot->id;
}

/* A stack that could not be stored still holds its bytes: one shared
 * location, no address, says so. */
static uint64_t lost_location(struct pprof_tables *t, int *err)
{
	struct location *loc;

	if (t->lost_location)
		return t->lost_location;
	if (array_grow((void **)&t->locations, &t->locations_cap, t->nlocations,
		       sizeof(*t->locations)) ||
	    add_line(t, "[stack lost]", NULL, 0)) {
		*err = -ENOMEM;
		return 0;
	}
	loc = &t->locations[t->nlocations++];
	*loc = (struct location){ .line0 = t->nlines - 1, .nlines = 1 };
	t->lost_location = t->nlocations;
	return t->lost_location;
}

static void put_label(struct pb_buf *b, struct pb_buf *tmp, int64_t key, int64_t str,
		      bool is_num, int64_t num)
{
	pb_reset(tmp);
	pb_int(tmp, LABEL_KEY, key);
	if (is_num)
		pb_int(tmp, LABEL_NUM, num);
	else
		pb_int(tmp, LABEL_STR, str);
	pb_message(b, SAMPLE_LABEL, tmp);
}

static int put_sample(struct pprof_tables *t, const struct mt_sample *s, struct pb_buf *out,
		      uint64_t **ids, size_t *ids_cap)
{
	struct pb_buf msg, label;
	uint64_t values[2] = { s->allocs, s->bytes };
	int64_t k_pid, k_comm, k_kind, v_comm, v_kind, k_map = 0, v_map = 0;
	char comm[17];
	size_t i, n = s->nframes ? s->nframes : 1;
	int err = 0;

	if (n > *ids_cap) {
		uint64_t *tmp = reallocarray(*ids, n, sizeof(*tmp));

		if (!tmp)
			return -ENOMEM;
		*ids = tmp;
		*ids_cap = n;
	}
	/* location_id[0] is the leaf, like frames[0] */
	for (i = 0; i < s->nframes && !err; i++)
		(*ids)[i] = location_id(t, s->pid, &s->frames[i], &err);
	if (!s->nframes)
		(*ids)[0] = lost_location(t, &err);
	if (err)
		return err;
	memcpy(comm, s->comm, 16);
	comm[16] = '\0';
	k_pid = str_index(t, "pid");
	k_comm = str_index(t, "comm");
	v_comm = str_index(t, comm);
	k_kind = str_index(t, "kind");
	v_kind = str_index(t, s->kind);
	if (s->mapping) {
		k_map = str_index(t, "mapping");
		v_map = str_index(t, s->mapping);
	}
	if (k_pid < 0 || k_comm < 0 || v_comm < 0 || k_kind < 0 || v_kind < 0 ||
	    k_map < 0 || v_map < 0)
		return -ENOMEM;

	pb_init(&msg);
	pb_init(&label);
	pb_packed(&msg, SAMPLE_LOCATION_ID, *ids, n);
	pb_packed(&msg, SAMPLE_VALUE, values, 2);
	put_label(&msg, &label, k_pid, 0, true, s->pid);
	put_label(&msg, &label, k_comm, v_comm, false, 0);
	put_label(&msg, &label, k_kind, v_kind, false, 0);
	if (s->mapping)
		put_label(&msg, &label, k_map, v_map, false, 0);
	pb_message(out, PROFILE_SAMPLE, &msg);
	pb_free(&msg);
	pb_free(&label);
	return out->err;
}

static void put_value_type(struct pb_buf *b, uint32_t field, int64_t type, int64_t unit)
{
	struct pb_buf msg;

	pb_init(&msg);
	pb_int(&msg, VALUE_TYPE_TYPE, type);
	pb_int(&msg, VALUE_TYPE_UNIT, unit);
	pb_message(b, field, &msg);
	pb_free(&msg);
}

static void put_tables(struct pb_buf *b, const struct pprof_tables *t)
{
	struct pb_buf msg, line;
	size_t i, j;

	pb_init(&msg);
	pb_init(&line);
	for (i = 0; i < t->nmappings; i++) {
		const struct mapping *m = &t->mappings[i];
		/* the pages the profile's addresses fall in: inside the mapping
		 * the process had (addresses and file offsets agree modulo the
		 * page size), and the same file offset at every address */
		uint64_t start = m->lo & ~(PAGE_SIZE_4K - 1);
		uint64_t limit = (m->hi | (PAGE_SIZE_4K - 1)) + 1;

		if (start < m->base)
			start = m->base;
		if (limit <= m->hi)
			limit = UINT64_MAX;
		pb_reset(&msg);
		pb_uint(&msg, MAPPING_ID, i + 1);
		pb_uint(&msg, MAPPING_MEMORY_START, start);
		pb_uint(&msg, MAPPING_MEMORY_LIMIT, limit);
		pb_uint(&msg, MAPPING_FILE_OFFSET, start - m->base);
		pb_int(&msg, MAPPING_FILENAME, (int64_t)m->file);
		pb_int(&msg, MAPPING_BUILD_ID, (int64_t)m->build_id);
		/* symbolized here, with the process's own files: pprof must not
		 * look the addresses up again in whatever files it finds */
		pb_bool(&msg, MAPPING_HAS_FUNCTIONS, true);
		pb_bool(&msg, MAPPING_HAS_FILENAMES, m->files);
		pb_bool(&msg, MAPPING_HAS_LINE_NUMBERS, m->lines);
		pb_bool(&msg, MAPPING_HAS_INLINE_FRAMES, m->inlines);
		pb_message(b, PROFILE_MAPPING, &msg);
	}
	for (i = 0; i < t->nlocations; i++) {
		const struct location *l = &t->locations[i];

		pb_reset(&msg);
		pb_uint(&msg, LOCATION_ID, i + 1);
		if (l->mapping_id)
			pb_uint(&msg, LOCATION_MAPPING_ID, l->mapping_id);
		if (l->addr)
			pb_uint(&msg, LOCATION_ADDRESS, l->addr);
		for (j = 0; j < l->nlines; j++) {
			pb_reset(&line);
			pb_uint(&line, LINE_FUNCTION_ID, t->lines[l->line0 + j].function_id);
			if (t->lines[l->line0 + j].line)
				pb_int(&line, LINE_LINE, t->lines[l->line0 + j].line);
			pb_message(&msg, LOCATION_LINE, &line);
		}
		pb_message(b, PROFILE_LOCATION, &msg);
	}
	for (i = 0; i < t->nfunctions; i++) {
		pb_reset(&msg);
		pb_uint(&msg, FUNCTION_ID, i + 1);
		pb_int(&msg, FUNCTION_NAME, (int64_t)t->functions[i].name);
		pb_int(&msg, FUNCTION_SYSTEM_NAME, (int64_t)t->functions[i].name);
		if (t->functions[i].file)
			pb_int(&msg, FUNCTION_FILENAME, (int64_t)t->functions[i].file);
		pb_message(b, PROFILE_FUNCTION, &msg);
	}
	pb_free(&msg);
	pb_free(&line);
}

/* The trace's target, size, drops and notes, as the profile's comments. */
static int comments(struct pprof_tables *t, const struct mt_profile *p, uint64_t **ids,
		    size_t *n)
{
	char *text[4] = { NULL };
	size_t i, nt = 0, cap = 0;
	const char *sep;
	FILE *f;
	int err = 0;

	if (asprintf(&text[nt++], "memtrail: %s %s, %.3f s", mt_target_kind__str(p->target_kind),
		     p->target_value ? p->target_value : "", p->duration_s) < 0 ||
	    asprintf(&text[nt++], "allocations recorded %" PRIu64 ", frees %" PRIu64
		     ", frees of memory allocated before the trace %" PRIu64,
		     p->allocs, p->frees, p->unmatched_frees) < 0) {
		text[--nt] = NULL;
		err = -ENOMEM;
		goto out;
	}
	f = open_memstream(&text[nt], &cap);
	if (!f) {
		err = -ENOMEM;
		goto out;
	}
	nt++;
	fprintf(f, "drops %" PRIu64, mt_profile__total_drops(p));
	for (i = 0, sep = ":"; i < p->ndrops; i++) {
		if (!p->drops[i].value)
			continue;
		fprintf(f, "%s %s %" PRIu64, sep, p->drops[i].name, p->drops[i].value);
		sep = ",";
	}
	if (fclose(f)) {
		err = -ENOMEM;
		goto out;
	}
	*ids = calloc(nt + p->nnotes, sizeof(**ids));
	if (!*ids) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nt + p->nnotes; i++) {
		int64_t idx = str_index(t, i < nt ? text[i] : p->notes[i - nt]);

		if (idx < 0) {
			err = -ENOMEM;
			goto out;
		}
		(*ids)[i] = (uint64_t)idx;
	}
	*n = nt + p->nnotes;
out:
	for (i = 0; i < nt; i++)
		free(text[i]);
	return err;
}

/* Writes buf gzip-compressed (zlib's gzip wrapper) to f. */
static int write_gzip(const uint8_t *buf, size_t len, FILE *f)
{
	uint8_t out[64 * 1024];
	z_stream zs = { 0 };
	int zr, err = 0;

	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	zs.next_in = (Bytef *)buf;
	zs.avail_in = (uInt)len; /* pb_buf stays below 2 GiB */
	do {
		zs.next_out = out;
		zs.avail_out = sizeof(out);
		zr = deflate(&zs, Z_FINISH);
		if (zr == Z_STREAM_ERROR) {
			err = -EIO;
			break;
		}
		if (fwrite(out, 1, sizeof(out) - zs.avail_out, f) != sizeof(out) - zs.avail_out) {
			err = -EIO;
			break;
		}
	} while (zr != Z_STREAM_END);
	deflateEnd(&zs);
	return err;
}

int out_pprof__write(const struct mt_profile *p, const struct out_opts *o, FILE *f)
{
	struct pprof_tables t = { 0 };
	struct pb_buf samples, out;
	uint64_t *ids = NULL, *comment_ids = NULL;
	size_t i, n, ids_cap = 0, ncomments = 0;
	int64_t s_objects, s_count, s_space, s_bytes;
	int err = 0;

	if (!p || !f)
		return -EINVAL;
	pb_init(&samples);
	pb_init(&out);
	/* string_table[0] must be "" */
	if (str_index(&t, "") != 0) {
		err = -ENOMEM;
		goto out;
	}
	s_objects = str_index(&t, "inuse_objects");
	s_count = str_index(&t, "count");
	s_space = str_index(&t, "inuse_space");
	s_bytes = str_index(&t, "bytes");
	if (s_objects < 0 || s_count < 0 || s_space < 0 || s_bytes < 0) {
		err = -ENOMEM;
		goto out;
	}
	n = mt_profile__shown(p, o ? o->top : 0);
	for (i = 0; i < n && !err; i++)
		if (mt_sample__held(&p->samples[i]))
			err = put_sample(&t, &p->samples[i], &samples, &ids, &ids_cap);
	if (!err)
		err = comments(&t, p, &comment_ids, &ncomments);
	if (err)
		goto out;

	/* fields in field-number order */
	put_value_type(&out, PROFILE_SAMPLE_TYPE, s_objects, s_count);
	put_value_type(&out, PROFILE_SAMPLE_TYPE, s_space, s_bytes);
	pb_append(&out, &samples); /* complete fields already */
	put_tables(&out, &t);
	for (i = 0; i < t.strs.n; i++)
		pb_string(&out, PROFILE_STRING_TABLE, t.strs.strs[i]);
	if (o && o->time_ns)
		pb_int(&out, PROFILE_TIME_NANOS, o->time_ns);
	pb_int(&out, PROFILE_DURATION_NANOS, (int64_t)(p->duration_s * 1e9));
	put_value_type(&out, PROFILE_PERIOD_TYPE, s_space, s_bytes);
	pb_int(&out, PROFILE_PERIOD, 1); /* every allocation is traced */
	for (i = 0; i < ncomments; i++)
		pb_int(&out, PROFILE_COMMENT, (int64_t)comment_ids[i]);
	pb_int(&out, PROFILE_DEFAULT_SAMPLE_TYPE, s_space);
	err = out.err;
	if (!err)
		err = write_gzip(out.data, out.len, f);
	if (!err && ferror(f))
		err = -EIO;
out:
	free(ids);
	free(comment_ids);
	pb_free(&samples);
	pb_free(&out);
	tables_free(&t);
	return err;
}
