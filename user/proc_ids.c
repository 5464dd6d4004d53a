// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* NSpid, Uid and Gid lines of /proc/PID/status. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc_ids.h"
#include "procfs.h"

#define STATUS_MAX	(64u << 10)

/* The numbers of a "Key:\tN\tN..." line; *count of them (at most max). */
static int line_numbers(const char *p, const char *end, uint64_t *nums, int max)
{
	int n = 0;

	while (p < end) {
		uint64_t v = 0;
		int digits = 0;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (++digits > 10)
				return -1;
			v = v * 10 + (uint64_t)(*p - '0');
		}
		if (!digits || (p < end && *p != ' ' && *p != '\t') || v > UINT32_MAX)
			return -1;
		if (n < max)
			nums[n++] = v;
	}
	return n;
}

int proc_ids__parse(const char *buf, size_t len, pid_t pid, struct proc_ids *out)
{
	const char *line = buf, *end = buf + len;
	bool have_uid = false, have_gid = false;
	uint64_t nums[32];

	if (!buf || !out)
		return -EINVAL;
	out->nspid = pid;
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *le = nl ? nl : end;
		int n;

		/* Uid: real effective saved fs */
		if (le - line > 4 && !memcmp(line, "Uid:", 4)) {
			n = line_numbers(line + 4, le, nums, 32);
			if (n < 2)
				return -EINVAL;
			out->euid = (uid_t)nums[1];
			have_uid = true;
		} else if (le - line > 4 && !memcmp(line, "Gid:", 4)) {
			n = line_numbers(line + 4, le, nums, 32);
			if (n < 2)
				return -EINVAL;
			out->egid = (gid_t)nums[1];
			have_gid = true;
		} else if (le - line > 6 && !memcmp(line, "NSpid:", 6)) {
			/* outermost first: the last is the process's own view */
			n = line_numbers(line + 6, le, nums, 32);
			if (n < 1 || n > 32 || !nums[n - 1] || nums[n - 1] > INT32_MAX)
				return -EINVAL;
			out->nspid = (pid_t)nums[n - 1];
		}
		line = le + 1;
	}
	return have_uid && have_gid ? 0 : -EINVAL;
}

int proc_ids__read(const char *root, pid_t pid, struct proc_ids *out)
{
	char *text = NULL;
	size_t len;
	int err;

	err = procfs__read_pid_file(root, pid, "status", STATUS_MAX, &text, &len);
	if (err)
		return err;
	err = proc_ids__parse(text, len, pid, out);
	free(text);
	return err;
}

int proc_ids__parse_start_ticks(const char *buf, size_t len, uint64_t *ticks)
{
	const char *p = buf, *end = buf + len, *paren = NULL;
	uint64_t v = 0;
	int field = 2, digits = 0;

	if (!buf || !ticks)
		return -EINVAL;
	/* the comm ends at the last ')' of the line */
	for (; p < end; p++)
		if (*p == ')')
			paren = p;
	if (!paren)
		return -EINVAL;
	for (p = paren + 1; p < end && field < 22; p++)
		if (*p == ' ')
			field++;
	if (field != 22)
		return -EINVAL;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (++digits > 19)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (!digits || (p < end && *p != ' ' && *p != '\n'))
		return -EINVAL;
	*ticks = v;
	return 0;
}

int proc_ids__start_time(const char *root, pid_t pid, int64_t *start)
{
	char *text = NULL, *path = NULL, *bt;
	uint64_t ticks;
	long hz = sysconf(_SC_CLK_TCK);
	long long btime;
	size_t len;
	int err;

	if (!start || hz <= 0)
		return -EINVAL;
	err = procfs__read_pid_file(root, pid, "stat", STATUS_MAX, &text, &len);
	if (err)
		return err;
	err = proc_ids__parse_start_ticks(text, len, &ticks);
	free(text);
	text = NULL;
	if (err)
		return err;
	if (asprintf(&path, "%s/stat", root ? root : "/proc") < 0)
		return -ENOMEM;
	err = procfs__read_file(path, STATUS_MAX, &text, &len);
	free(path);
	if (err)
		return err;
	bt = strstr(text, "\nbtime ");
	if (!bt || sscanf(bt + 7, "%lld", &btime) != 1 || btime < 0) {
		free(text);
		return -EINVAL;
	}
	free(text);
	*start = (int64_t)btime + (int64_t)(ticks / (uint64_t)hz);
	return 0;
}
