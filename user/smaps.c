// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parsers and readers for the kernel's memory figures: status, smaps_rollup
 * and smaps. All three are "Key:   N kB" lines; one table-driven line
 * parser serves them, strict on the keys it knows, silent on the others
 * (newer kernels add lines). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "smaps.h"

#define SMALL_FILE_MAX		(64u << 10)
/* ~1.2 KB a mapping: room for ~100,000 mappings, past the default
 * vm.max_map_count (65530) */
#define SMAPS_MAX_BYTES		(128u << 20)

struct kb_field {
	const char *key;	/* with the colon */
	size_t off;		/* offset of the uint64_t it fills */
	bool required;
};

#define FIELD(type, key, member, req) { key, offsetof(type, member), req }

static const struct kb_field status_fields[] = {
	FIELD(struct smaps_status, "VmRSS:", vm_rss, true),
	FIELD(struct smaps_status, "RssAnon:", rss_anon, true),
	FIELD(struct smaps_status, "RssFile:", rss_file, true),
	FIELD(struct smaps_status, "RssShmem:", rss_shmem, true),
	FIELD(struct smaps_status, "VmSwap:", vm_swap, true),
};

/* Pss_Anon & co came with 5.9: older kernels leave them 0 */
static const struct kb_field rollup_fields[] = {
	FIELD(struct smaps_rollup, "Rss:", rss, true),
	FIELD(struct smaps_rollup, "Pss:", pss, true),
	FIELD(struct smaps_rollup, "Pss_Anon:", pss_anon, false),
	FIELD(struct smaps_rollup, "Pss_File:", pss_file, false),
	FIELD(struct smaps_rollup, "Pss_Shmem:", pss_shmem, false),
	FIELD(struct smaps_rollup, "AnonHugePages:", anon_huge, false),
};

static const struct kb_field vma_fields[] = {
	FIELD(struct smaps_vma, "Size:", size, true),
	FIELD(struct smaps_vma, "Rss:", rss, true),
	FIELD(struct smaps_vma, "Anonymous:", anonymous, true),
	FIELD(struct smaps_vma, "Swap:", swap, false),
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

/* The next line of [*p, end): its start and length; false at the end. */
static bool next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	*line = *p;
	*len = (size_t)((nl ? nl : end) - *p);
	*p = nl ? nl + 1 : end;
	return true;
}

/* Fills the field of base that line names, setting its bit in *found.
 * 0 also for a line of no listed key. */
static int parse_kb_line(const char *line, size_t len, const struct kb_field *fields,
			 size_t n, void *base, uint32_t *found)
{
	uint64_t kb;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		err = procfs__parse_field(line, len, fields[i].key, "kB", &kb);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		if (kb > UINT64_MAX / 1024)
			return -EINVAL;
		*(uint64_t *)((char *)base + fields[i].off) = kb * 1024;
		*found |= 1u << i;
		return 0;
	}
	return 0;
}

static int check_required(const struct kb_field *fields, size_t n, uint32_t found)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fields[i].required && !(found & 1u << i))
			return -ENODATA;
	return 0;
}

static int parse_kb_text(const char *buf, size_t len, const struct kb_field *fields,
			 size_t n, void *base)
{
	const char *p = buf, *line;
	uint32_t found = 0;
	size_t llen;
	int err;

	if (!buf && len)
		return -EINVAL;
	while (next_line(&p, buf + len, &line, &llen))
		if ((err = parse_kb_line(line, llen, fields, n, base, &found)))
			return err;
	return check_required(fields, n, found);
}

int smaps__parse_status(const char *buf, size_t len, struct smaps_status *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	return parse_kb_text(buf, len, status_fields, NFIELDS(status_fields), out);
}

int smaps__parse_rollup(const char *buf, size_t len, struct smaps_rollup *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	return parse_kb_text(buf, len, rollup_fields, NFIELDS(rollup_fields), out);
}

/* A block starts with "start-end ...": hex digits then '-'. Field lines
 * are "Name_With_Letters:"; neither has the other's separator first. */
static bool is_header(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == '_' || (line[i] >= '0' && line[i] <= '9') ||
			   (line[i] >= 'a' && line[i] <= 'z') ||
			   (line[i] >= 'A' && line[i] <= 'Z')))
		i++;
	return i < len && line[i] == '-';
}

/* The block just parsed must have had the lines we rely on, and agree
 * with its own header. */
static int close_vma(const struct smaps_vma *v, uint32_t found)
{
	int err = check_required(vma_fields, NFIELDS(vma_fields), found);

	if (err)
		return -EINVAL;
	if (v->size != v->map.end - v->map.start || v->rss > v->size ||
	    v->anonymous > v->rss)
		return -EINVAL;
	return 0;
}

int smaps__parse(const char *buf, size_t len, size_t max_vmas, struct smaps *out)
{
	struct smaps s = {};
	const char *p = buf, *line;
	struct smaps_vma *cur = NULL;
	uint32_t found = 0;
	size_t cap = 0, llen;
	int err = 0;

	if (!out || (!buf && len))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	while (next_line(&p, buf + len, &line, &llen)) {
		if (is_header(line, llen)) {
			if (cur && (err = close_vma(cur, found)))
				goto cleanup;
			cur = NULL;
			if (max_vmas && s.n == max_vmas) {
				s.skipped++;
				continue;
			}
			if ((err = array_grow((void **)&s.vmas, &cap, s.n, sizeof(*s.vmas))))
				goto cleanup;
			cur = &s.vmas[s.n];
			memset(cur, 0, sizeof(*cur));
			if ((err = procfs__parse_map_line(line, llen, &cur->map)))
				goto cleanup;
			s.n++;
			found = 0;
			continue;
		}
		if (s.skipped)
			continue;
		/* fields before any header: not smaps */
		if (!cur) {
			err = -EINVAL;
			goto cleanup;
		}
		if ((err = parse_kb_line(line, llen, vma_fields, NFIELDS(vma_fields), cur,
					 &found)))
			goto cleanup;
	}
	if (cur && (err = close_vma(cur, found)))
		goto cleanup;
	*out = s;
	return 0;
cleanup:
	smaps__free(&s);
	return err;
}

void smaps__free(struct smaps *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		free(s->vmas[i].map.path);
	free(s->vmas);
	memset(s, 0, sizeof(*s));
}

/* Reads <root>/PID/name and hands the text to parse. */
static int read_kb_file(const char *root, pid_t pid, const char *name,
			const struct kb_field *fields, size_t n, void *base)
{
	char *text = NULL;
	size_t len;
	int err;

	err = procfs__read_pid_file(root, pid, name, SMALL_FILE_MAX, &text, &len);
	if (err)
		return err;
	err = parse_kb_text(text, len, fields, n, base);
	free(text);
	return err;
}

int smaps__read_status(const char *root, pid_t pid, struct smaps_status *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	return read_kb_file(root, pid, "status", status_fields, NFIELDS(status_fields), out);
}

int smaps__read_rollup(const char *root, pid_t pid, struct smaps_rollup *out)
{
	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	return read_kb_file(root, pid, "smaps_rollup", rollup_fields,
			    NFIELDS(rollup_fields), out);
}

int smaps__read(const char *root, pid_t pid, size_t max_vmas, struct smaps *out)
{
	char *text = NULL;
	size_t len;
	int err;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	err = procfs__read_pid_file(root, pid, "smaps", SMAPS_MAX_BYTES, &text, &len);
	if (err)
		return err;
	err = smaps__parse(text, len, max_vmas, out);
	free(text);
	return err;
}
