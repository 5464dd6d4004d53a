// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* perf map parser and address lookup. Entries are sorted by start; an
 * entry that a later line overlaps is dropped, so every lookup is one
 * bisection and the kept entries never overlap. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "perf_map.h"

struct ent {
	struct perf_map_entry e;
	size_t seq;		/* line order: later lines win */
};

struct perf_map {
	struct ent *ents;
	size_t n;
	size_t skipped;
	char *names;		/* every name, NUL-separated */
};

/* Parses hex digits (optional 0x) at *p..end; at most 16 digits. */
static bool parse_hex(const char **p, const char *end, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;
	int digits = 0;

	if (end - s >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; s < end; s++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (++digits > 16)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (!digits)
		return false;
	*p = s;
	*out = v;
	return true;
}

/* One line (no newline): "START SIZE NAME". name/name_len point into line. */
static bool parse_line(const char *line, const char *end, uint64_t *start,
		       uint64_t *size, const char **name, size_t *name_len)
{
	const char *p = line;

	if (!parse_hex(&p, end, start) || p == end || *p != ' ')
		return false;
	while (p < end && *p == ' ')
		p++;
	if (!parse_hex(&p, end, size) || p == end || *p != ' ')
		return false;
	while (p < end && *p == ' ')
		p++;
	/* a trailing CR (a file written on another system) is not the name */
	while (end > p && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (p == end || memchr(p, '\0', (size_t)(end - p)))
		return false;
	if (!*size || *start + *size < *start)
		return false;
	*name = p;
	*name_len = (size_t)(end - p);
	return true;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;

	if (x->e.start != y->e.start)
		return x->e.start < y->e.start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Keeps, of overlapping entries, the one from the latest line. */
static void drop_overlaps(struct perf_map *pm)
{
	size_t i, n = 0;

	for (i = 0; i < pm->n; i++) {
		struct ent *cur = &pm->ents[i];

		while (n && pm->ents[n - 1].e.start + pm->ents[n - 1].e.size > cur->e.start) {
			if (pm->ents[n - 1].seq > cur->seq)
				break;
			n--;
			pm->skipped++;
		}
		if (n && pm->ents[n - 1].e.start + pm->ents[n - 1].e.size > cur->e.start) {
			pm->skipped++;
			continue;
		}
		pm->ents[n++] = *cur;
	}
	pm->n = n;
}

int perf_map__parse(const char *buf, size_t len, struct perf_map **out)
{
	struct perf_map *pm;
	const char *p = buf, *end = buf + len;
	size_t cap = 0, names_len = 0, seq = 0;
	int err = -ENOMEM;

	if (!out || (len && !buf))
		return -EINVAL;
	*out = NULL;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -ENOMEM;
	/* names never take more room than the text they come from */
	pm->names = malloc(len + 1);
	if (!pm->names)
		goto fail;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end, *name;
		uint64_t start, size;
		size_t name_len;

		if (line_end == p) {
			p = line_end + 1;
			continue;
		}
		if (line_end - p > PERF_MAP_MAX_LINE ||
		    !parse_line(p, line_end, &start, &size, &name, &name_len) ||
		    pm->n >= PERF_MAP_MAX_ENTRIES) {
			pm->skipped++;
			p = line_end + 1;
			continue;
		}
		if (pm->n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct ent *ne;

			if (ncap > PERF_MAP_MAX_ENTRIES)
				ncap = PERF_MAP_MAX_ENTRIES;
			ne = realloc(pm->ents, ncap * sizeof(*ne));
			if (!ne)
				goto fail;
			pm->ents = ne;
			cap = ncap;
		}
		memcpy(pm->names + names_len, name, name_len);
		pm->names[names_len + name_len] = '\0';
		/* names_len is an offset until the array stops moving */
		pm->ents[pm->n].e = (struct perf_map_entry){
			.start = start, .size = size, .name = (const char *)(uintptr_t)names_len,
		};
		pm->ents[pm->n].seq = seq++;
		pm->n++;
		names_len += name_len + 1;
		p = line_end + 1;
	}
	for (size_t i = 0; i < pm->n; i++)
		pm->ents[i].e.name = pm->names + (uintptr_t)pm->ents[i].e.name;
	/* an empty map has no array: qsort's pointer must not be NULL */
	if (pm->n)
		qsort(pm->ents, pm->n, sizeof(*pm->ents), cmp_ent);
	drop_overlaps(pm);
	*out = pm;
	return 0;
fail:
	perf_map__free(pm);
	return err;
}

int perf_map__read_fd(int fd, struct perf_map **out)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	int err;

	if (fd < 0 || !out)
		return -EINVAL;
	*out = NULL;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > PERF_MAP_MAX_BYTES)
		return -EFBIG;
	/* the file may grow while we read (a JIT appending): read what
	 * fstat saw, no more */
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)st.st_size) {
		ssize_t r = pread(fd, buf + len, (size_t)st.st_size - len, (off_t)len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			free(buf);
			return err;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	/* a partly written last line is not an entry */
	while (len && buf[len - 1] != '\n')
		len--;
	err = perf_map__parse(buf, len, out);
	free(buf);
	return err;
}

int perf_map__load(const char *path, struct perf_map **out)
{
	int fd, err;

	if (!path || !out)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	err = perf_map__read_fd(fd, out);
	close(fd);
	return err;
}

void perf_map__free(struct perf_map *pm)
{
	if (!pm)
		return;
	free(pm->ents);
	free(pm->names);
	free(pm);
}

const struct perf_map_entry *perf_map__find(const struct perf_map *pm, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!pm)
		return NULL;
	hi = pm->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pm->ents[mid].e.start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	/* kept entries do not overlap: only the nearest start can cover addr */
	if (addr - pm->ents[lo - 1].e.start < pm->ents[lo - 1].e.size)
		return &pm->ents[lo - 1].e;
	return NULL;
}

size_t perf_map__count(const struct perf_map *pm)
{
	return pm ? pm->n : 0;
}

size_t perf_map__skipped(const struct perf_map *pm)
{
	return pm ? pm->skipped : 0;
}
