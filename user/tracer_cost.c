// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memtrail's own cost, for the run summary: CPU time (getrusage), RSS now
 * and at its peak (/proc/self/status) with the part of it that is BPF maps
 * mapped into memtrail (/proc/self/smaps), and the memory of each BPF map as
 * the kernel charges it (memlock in /proc/self/fdinfo/FD: libbpf 1.1's
 * bpf_map_info has no such field). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "procfs.h"
#include "tracer_priv.h"

#define FDINFO_MAX (16u << 10)

/* The "memlock:" figure of the BPF object behind fd. 0 or -errno. */
static int fd_memlock(int fd, uint64_t *bytes)
{
	const char *line, *end, *text_end;
	char path[64], *text = NULL;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	err = procfs__read_file(path, FDINFO_MAX, &text, &len);
	if (err)
		return err;
	err = -ENODATA;
	text_end = text + len;
	for (line = text; line < text_end; line = end + 1) {
		end = memchr(line, '\n', (size_t)(text_end - line));
		if (!end)
			end = text_end;
		err = procfs__parse_field(line, (size_t)(end - line), "memlock:", "", bytes);
		if (err != -ENOENT)
			break;
		err = -ENODATA;
	}
	free(text);
	return err;
}

#define SMAPS_MAX (16u << 20)

/* The resident bytes of the BPF maps this process has mapped (the live
 * slots, the unwind rows, the ring): mmap'd map pages are resident from
 * the start and count in VmRSS. 0 or -errno. */
static int mapped_maps_rss(uint64_t *bytes)
{
	const char *line, *end, *text_end;
	bool in_map = false;
	char *text = NULL;
	uint64_t kb;
	size_t len;
	int err;

	err = procfs__read_file("/proc/self/smaps", SMAPS_MAX, &text, &len);
	if (err)
		return err;
	*bytes = 0;
	text_end = text + len;
	for (line = text; line < text_end; line = end + 1) {
		end = memchr(line, '\n', (size_t)(text_end - line));
		if (!end)
			end = text_end;
		if (line < end && ((*line >= '0' && *line <= '9') || (*line >= 'a' && *line <= 'f'))) {
			/* a mapping's first line: "start-end perms offset dev inode path" */
			static const char name[] = " anon_inode:bpf-map";

			in_map = (size_t)(end - line) >= sizeof(name) - 1 &&
				 !memcmp(end - (sizeof(name) - 1), name, sizeof(name) - 1);
		} else if (in_map &&
			   !procfs__parse_field(line, (size_t)(end - line), "Rss:", "kB", &kb)) {
			*bytes += kb * 1024;
		}
	}
	free(text);
	return 0;
}

int tracer__cost(const struct tracer *t, struct mt_tracer_cost *out)
{
	struct bpf_map *map;
	struct rusage ru;
	int err;

	if (!t || !out)
		return -EINVAL;
	if (getrusage(RUSAGE_SELF, &ru))
		return -errno;
	out->cpu_user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	out->cpu_sys_s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	err = procfs__read_status_kb(NULL, getpid(), "VmRSS:", &out->rss_bytes);
	if (!err)
		err = procfs__read_status_kb(NULL, getpid(), "VmHWM:", &out->rss_peak_bytes);
	if (!err)
		err = mapped_maps_rss(&out->rss_map_bytes);
	if (err)
		return err;
	out->map_bytes = 0;
	out->nmaps = 0;
	bpf_object__for_each_map(map, t->skel->obj) {
		struct mt_map_cost *mc;
		int fd = bpf_map__fd(map);

		/* maps left unloaded (hooks this kernel lacks) cost nothing */
		if (fd < 0 || out->nmaps == MT_COST_MAX_MAPS)
			continue;
		mc = &out->maps[out->nmaps];
		err = fd_memlock(fd, &mc->memlock_bytes);
		if (err)
			return err;
		snprintf(mc->name, sizeof(mc->name), "%s", bpf_map__name(map));
		mc->max_entries = bpf_map__max_entries(map);
		out->map_bytes += mc->memlock_bytes;
		out->nmaps++;
	}
	out->known = true;
	return 0;
}
