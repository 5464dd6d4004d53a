// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Readers for /proc/PID files. The maps parser is strict: it accepts the
 * kernel's format and nothing else, so a misread never becomes a wrong
 * address range. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"

#define PROCFS_ROOT		"/proc"
/* max_map_count lines of ~100 bytes is ~26 MB even when raised to 262144;
 * paths up to PATH_MAX make anything bigger an attack, not a process */
#define MAPS_MAX_BYTES		(128u << 20)
#define SMALL_FILE_MAX		(64u << 10)
#define DELETED_SUFFIX		" (deleted)"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Own number parsers: strtoull would accept signs, blanks and "0x". */
static int parse_hex(const char **p, const char *end, uint64_t *val)
{
	const char *s = *p;
	uint64_t v = 0;
	int d;

	while (s < end && (d = hex_digit(*s)) >= 0) {
		if (v >> 60)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
		s++;
	}
	if (s == *p)
		return -EINVAL;
	*p = s;
	*val = v;
	return 0;
}

static int parse_dec(const char **p, const char *end, uint64_t *val)
{
	const char *s = *p;
	uint64_t v = 0;

	while (s < end && *s >= '0' && *s <= '9') {
		uint64_t d = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
		s++;
	}
	if (s == *p)
		return -EINVAL;
	*p = s;
	*val = v;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

static int parse_perms(const char **p, const char *end, char perms[5])
{
	static const char allowed[4][2] = { { 'r', '-' }, { 'w', '-' },
					    { 'x', '-' }, { 'p', 's' } };
	const char *s = *p;
	int i;

	if (end - s < 4)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		if (s[i] != allowed[i][0] && s[i] != allowed[i][1])
			return -EINVAL;
		perms[i] = s[i];
	}
	perms[4] = '\0';
	*p = s + 4;
	return 0;
}

/* "start-end perms offset major:minor inode [   path]" */
int procfs__parse_map_line(const char *line, size_t len, struct proc_map *m)
{
	const char *p = line, *end = line + len;
	uint64_t major, minor;
	size_t plen, slen = strlen(DELETED_SUFFIX);
	int err;

	memset(m, 0, sizeof(*m));
	if (memchr(line, '\0', len))
		return -EINVAL;
	if ((err = parse_hex(&p, end, &m->start)) ||
	    (err = expect(&p, end, '-')) ||
	    (err = parse_hex(&p, end, &m->end)) ||
	    (err = expect(&p, end, ' ')) ||
	    (err = parse_perms(&p, end, m->perms)) ||
	    (err = expect(&p, end, ' ')) ||
	    (err = parse_hex(&p, end, &m->pgoff)) ||
	    (err = expect(&p, end, ' ')) ||
	    (err = parse_hex(&p, end, &major)) ||
	    (err = expect(&p, end, ':')) ||
	    (err = parse_hex(&p, end, &minor)) ||
	    (err = expect(&p, end, ' ')) ||
	    (err = parse_dec(&p, end, &m->ino)))
		return err;
	if (m->start >= m->end || major > UINT32_MAX || minor > UINT32_MAX)
		return -EINVAL;
	m->dev_major = (uint32_t)major;
	m->dev_minor = (uint32_t)minor;

	if (p == end)
		return 0;
	/* the kernel pads with spaces up to the path column */
	if ((err = expect(&p, end, ' ')))
		return err;
	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return 0;

	plen = (size_t)(end - p);
	if (plen > slen && !memcmp(end - slen, DELETED_SUFFIX, slen)) {
		m->deleted = true;
		plen -= slen;
	}
	m->path = strndup(p, plen);
	return m->path ? 0 : -ENOMEM;
}

static int cmp_map_start(const void *a, const void *b)
{
	const struct proc_map *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

int procfs__parse_maps(const char *buf, size_t len, struct proc_maps *out)
{
	struct proc_maps maps = {};
	const char *p, *end, *nl;
	size_t cap = 1, i;
	bool sorted = true;
	int err = 0;

	if (!out || (!buf && len))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!len)
		return 0;

	/* one allocation: there are at most newlines + 1 lines */
	for (p = buf, end = buf + len; (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1)
		cap++;
	maps.maps = calloc(cap, sizeof(*maps.maps));
	if (!maps.maps)
		return -ENOMEM;

	for (p = buf; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		err = procfs__parse_map_line(p, (size_t)(nl - p), &maps.maps[maps.n]);
		if (err)
			goto cleanup;
		if (maps.n && maps.maps[maps.n].start < maps.maps[maps.n - 1].start)
			sorted = false;
		maps.n++;
	}
	/* procfs__find_map bisects; the kernel prints in order, fixtures may not */
	if (!sorted)
		qsort(maps.maps, maps.n, sizeof(*maps.maps), cmp_map_start);
	*out = maps;
	maps.maps = NULL;
	maps.n = 0;
cleanup:
	for (i = 0; i < maps.n; i++)
		free(maps.maps[i].path);
	free(maps.maps);
	return err;
}

void procfs__free_maps(struct proc_maps *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		free(m->maps[i].path);
	free(m->maps);
	m->maps = NULL;
	m->n = 0;
}

const struct proc_map *procfs__find_map(const struct proc_maps *m, uint64_t addr)
{
	size_t lo = 0, hi;

	if (!m || !m->n)
		return NULL;
	/* first mapping that starts above addr; the one before may hold it */
	hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || addr >= m->maps[lo - 1].end)
		return NULL;
	return &m->maps[lo - 1];
}

int procfs__read_file(const char *path, size_t max, char **buf, size_t *len)
{
	char *b = NULL, *nb;
	size_t cap, n = 0;
	struct stat st;
	ssize_t r;
	int fd, err = 0;

	if (!path || !buf)
		return -EINVAL;
	*buf = NULL;
	if (len)
		*len = 0;
	/* room for one byte past max (to notice it) and the NUL */
	if (max > SIZE_MAX / 4)
		max = SIZE_MAX / 4;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* /proc files report size 0: st_size is a hint, never a bound */
	cap = 4096;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size < max)
		cap = (size_t)st.st_size + 2;
	if (cap > max + 2)
		cap = max + 2;
	b = malloc(cap);
	if (!b) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (;;) {
		if (n + 1 >= cap) {
			size_t ncap = cap > (max + 2) / 2 ? max + 2 : cap * 2;

			nb = realloc(b, ncap);
			if (!nb) {
				err = -ENOMEM;
				goto cleanup;
			}
			b = nb;
			cap = ncap;
		}
		r = read(fd, b + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto cleanup;
		}
		if (!r)
			break;
		n += (size_t)r;
		if (n > max) {
			err = -EFBIG;
			goto cleanup;
		}
	}
	b[n] = '\0';
	*buf = b;
	b = NULL;
	if (len)
		*len = n;
cleanup:
	free(b);
	close(fd);
	return err;
}

int procfs__read_pid_file(const char *root, pid_t pid, const char *name,
			 size_t max, char **buf, size_t *len)
{
	char *path = NULL, *dir = NULL;
	struct stat st;
	int err;

	if (pid <= 0)
		return -EINVAL;
	if (!root)
		root = PROCFS_ROOT;
	if (asprintf(&path, "%s/%d/%s", root, (int)pid, name) < 0) {
		path = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	err = procfs__read_file(path, max, buf, len);
	if (err != -ENOENT)
		goto cleanup;
	if (asprintf(&dir, "%s/%d", root, (int)pid) < 0) {
		dir = NULL;
		err = -ENOMEM;
		goto cleanup;
	}
	if (stat(dir, &st) && errno == ENOENT)
		err = -ESRCH;
cleanup:
	free(dir);
	free(path);
	return err;
}

int procfs__read_maps(const char *root, pid_t pid, struct proc_maps *out)
{
	char *buf = NULL;
	size_t len;
	int err;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	err = procfs__read_pid_file(root, pid, "maps", MAPS_MAX_BYTES, &buf, &len);
	if (err)
		return err;
	err = procfs__parse_maps(buf, len, out);
	free(buf);
	return err;
}

int procfs__read_comm(const char *root, pid_t pid, char *buf, size_t sz)
{
	char *text = NULL;
	size_t len;
	int err;

	if (!buf || !sz)
		return -EINVAL;
	err = procfs__read_pid_file(root, pid, "comm", SMALL_FILE_MAX, &text, &len);
	if (err)
		return err;
	if (len && text[len - 1] == '\n')
		text[--len] = '\0';
	/* comm is at most 15 bytes; a short buffer gets a truncated name */
	snprintf(buf, sz, "%s", text);
	free(text);
	return 0;
}

int procfs__parse_field(const char *line, size_t len, const char *key,
			const char *unit, uint64_t *value)
{
	const char *p, *end = line + len;
	size_t klen = strlen(key), ulen = strlen(unit);
	int err;

	if (len < klen || memcmp(line, key, klen))
		return -ENOENT;
	p = line + klen;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	err = parse_dec(&p, end, value);
	if (err)
		return err;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((size_t)(end - p) != ulen || memcmp(p, unit, ulen))
		return -EINVAL;
	return 0;
}

/* The number after key in <root>/PID/status ("VmRSS:\t 1234 kB" gives
 * 1234, unit "kB"; "Tgid:\t42" gives 42, unit ""). -ENODATA without it. */
static int read_status_field(const char *root, pid_t pid, const char *key,
			     const char *unit, uint64_t *value)
{
	const char *line, *next, *end, *text_end;
	char *text = NULL;
	size_t len;
	int err;

	err = procfs__read_pid_file(root, pid, "status", SMALL_FILE_MAX, &text, &len);
	if (err)
		return err;
	err = -ENODATA;
	text_end = text + len;
	for (line = text; line < text_end; line = next) {
		end = memchr(line, '\n', (size_t)(text_end - line));
		next = end ? end + 1 : text_end;
		if (!end)
			end = text_end;
		err = procfs__parse_field(line, (size_t)(end - line), key, unit, value);
		if (err != -ENOENT)
			break;
		err = -ENODATA;
	}
	free(text);
	return err;
}

int procfs__read_status_kb(const char *root, pid_t pid, const char *key, uint64_t *bytes)
{
	uint64_t kb;
	int err;

	if (!key || !bytes)
		return -EINVAL;
	err = read_status_field(root, pid, key, "kB", &kb);
	if (err)
		return err;
	if (kb > UINT64_MAX / 1024)
		return -EINVAL;
	*bytes = kb * 1024;
	return 0;
}

int procfs__read_rss(const char *root, pid_t pid, uint64_t *bytes)
{
	/* kernel threads and zombies have no VmRSS line: -ENODATA */
	return procfs__read_status_kb(root, pid, "VmRSS:", bytes);
}

int procfs__read_tgid(const char *root, pid_t pid, pid_t *tgid)
{
	uint64_t v;
	int err;

	err = read_status_field(root, pid, "Tgid:", "", &v);
	if (err)
		return err;
	if (v == 0 || v > INT32_MAX)
		return -EINVAL;
	*tgid = (pid_t)v;
	return 0;
}
