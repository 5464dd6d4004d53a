// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Unwind tables into the BPF maps: the row pool (an mmap'd array, first
 * fit over free extents), the per-file entries, and which traced
 * processes use each file. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <bpf/bpf.h>
#include "array.h"
#include "log.h"
#include "procfs.h"
#include "row_pool.h"
#include "unwind_maps.h"
#include "unwind_table.h"

#define MAX_FILE_ROWS (1u << 24) /* the BPF search's reach (UNWIND_SEARCH_STEPS) */

struct file_entry {
	struct mt_unwind_file_key key;
	char *name;		/* for the log: path, or where it was mapped */
	struct row_extent rows;	/* len 0: no rows */
	uint64_t code_bytes;
	pid_t *pids;		/* traced processes known to map it */
	size_t npids, pids_cap;
};

struct unwind_maps {
	struct unwind_maps_opts opts;
	struct mt_unwind_row *pool;	/* the mmap'd unwind_rows */
	size_t pool_bytes;
	struct row_pool rows;		/* which of the pool's rows are whose */
	struct file_entry *files;
	size_t nfiles, files_cap;
	size_t failed;
};

static int load_file(struct unwind_maps *u, const struct mt_unwind_file_key *key, int fd,
		     pid_t pid, const char *what);

/* The vDSO has no file, and every process of this kernel maps the same
 * image: memtrail's own copy gives its table, under one key, for good
 * (held by "pid 0", which never exits). Without it a fault or a
 * clock_gettime in the vDSO is walked by frame pointer, partial. */
static void load_vdso(struct unwind_maps *u)
{
	const struct mt_unwind_file_key key = { .ino = MT_VDSO_INO };
	struct proc_maps maps;
	size_t i;
	int fd;

	if (u->opts.mode == MT_UNWIND_FP && !u->opts.n_overrides)
		return;
	if (procfs__read_maps(NULL, getpid(), &maps))
		return;
	for (i = 0; i < maps.n; i++)
		if (maps.maps[i].path && !strcmp(maps.maps[i].path, "[vdso]"))
			break;
	fd = i < maps.n ? memfd_create("vdso", MFD_CLOEXEC) : -1;
	if (fd >= 0 && write(fd, (void *)(uintptr_t)maps.maps[i].start,
			     maps.maps[i].end - maps.maps[i].start) ==
			       (ssize_t)(maps.maps[i].end - maps.maps[i].start))
		load_file(u, &key, fd, 0, "[vdso]");
	else
		debug("unwind: no vDSO image to read: its frames are walked by frame pointer");
	if (fd >= 0)
		close(fd);
	procfs__free_maps(&maps);
}

struct unwind_maps *unwind_maps__new(const struct unwind_maps_opts *opts)
{
	struct unwind_maps *u = calloc(1, sizeof(*u));
	long page = sysconf(_SC_PAGESIZE);

	if (!u)
		return NULL;
	memcpy(&u->opts, opts, opts->sz < sizeof(u->opts) ? opts->sz : sizeof(u->opts));
	u->pool_bytes = ((size_t)opts->max_rows * sizeof(struct mt_unwind_row) + page - 1) /
			page * page;
	u->pool = mmap(NULL, u->pool_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, opts->rows_fd, 0);
	if (u->pool == MAP_FAILED) {
		int err = errno;

		free(u);
		errno = err;
		return NULL;
	}
	if (row_pool__init(&u->rows, opts->max_rows)) {
		unwind_maps__free(u);
		errno = ENOMEM;
		return NULL;
	}
	load_vdso(u);
	return u;
}

void unwind_maps__free(struct unwind_maps *u)
{
	size_t i;

	if (!u)
		return;
	if (u->pool && u->pool != MAP_FAILED)
		munmap(u->pool, u->pool_bytes);
	for (i = 0; i < u->nfiles; i++) {
		free(u->files[i].pids);
		free(u->files[i].name);
	}
	free(u->files);
	row_pool__fini(&u->rows);
	free(u);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static struct file_entry *find_file(struct unwind_maps *u, const struct mt_unwind_file_key *k)
{
	size_t i;

	for (i = 0; i < u->nfiles; i++)
		if (u->files[i].key.ino == k->ino && u->files[i].key.dev == k->dev)
			return &u->files[i];
	return NULL;
}

static void add_pid(struct file_entry *f, pid_t pid)
{
	size_t i;

	for (i = 0; i < f->npids; i++)
		if (f->pids[i] == pid)
			return;
	if (array_grow((void **)&f->pids, &f->pids_cap, f->npids, sizeof(*f->pids)))
		return; /* the table then goes with another pid's exit: harmless */
	f->pids[f->npids++] = pid;
}

static struct mt_unwind_file_key key_of(uint32_t major, uint32_t minor, uint64_t ino)
{
	/* the kernel's dev_t (MKDEV), as bpf sees it in i_sb->s_dev */
	return (struct mt_unwind_file_key){ .ino = ino, .dev = major << 20 | minor };
}

/* The unwinder for the file mapped as path: its --unwind-file, else
 * --unwind's. */
static enum mt_unwind_mode mode_for(const struct unwind_maps *u, const char *path)
{
	const char *base = path ? strrchr(path, '/') : NULL;
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; path && i < u->opts.n_overrides; i++) {
		const char *want = u->opts.overrides[i].file;

		if (!strcmp(want, strchr(want, '/') ? path : base))
			return u->opts.overrides[i].mode;
	}
	return u->opts.mode;
}

/* Reads the file open at fd and publishes its table under key. The BPF
 * side sees the entry only once the rows are in place. */
static int load_file(struct unwind_maps *u, const struct mt_unwind_file_key *key, int fd,
		     pid_t pid, const char *what)
{
	char real[PATH_MAX], link[64];
	struct mt_unwind_file val = { 0 };
	enum mt_unwind_mode mode;
	ssize_t len;
	struct unwind_table t;
	struct file_entry *f;
	int err;

	f = find_file(u, key);
	if (f) {
		add_pid(f, pid);
		return 0;
	}
	/* the file's own path (what may be /proc/PID/exe or map_files) */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = what[0] == '[' ? 0 : readlink(link, real, sizeof(real) - 1);
	if (len > 0 && real[0] == '/') {
		real[len] = '\0';
		what = real;
	}
	mode = mode_for(u, what);
	if (array_grow((void **)&u->files, &u->files_cap, u->nfiles, sizeof(*u->files)))
		return -ENOMEM;
	f = &u->files[u->nfiles];
	memset(f, 0, sizeof(*f));
	f->key = *key;
	f->name = strdup(what);
	err = unwind_table__from_fd(fd, &t);
	if (err) {
		debug("unwind: %s: %s", what, strerror(-err));
		u->failed++;
		goto publish; /* an entry without rows: not asked for again */
	}
	if (t.has_fp)
		val.flags |= MT_UF_FP;
	if (mode != MT_UNWIND_FP && t.nrows && t.nrows <= MAX_FILE_ROWS &&
	    !row_pool__alloc(&u->rows, t.nrows, now_ns(), &f->rows)) {
		memcpy(&u->pool[f->rows.start], t.rows, t.nrows * sizeof(*t.rows));
		val.row_start = f->rows.start;
		val.nrows = t.nrows;
		val.flags |= MT_UF_ROWS;
		f->code_bytes = t.code_bytes;
		if (mode == MT_UNWIND_DWARF)
			val.flags &= ~MT_UF_FP; /* the walker (auto) takes the rows */
	} else if (mode != MT_UNWIND_FP && t.nrows) {
		warn("unwind: no room for the %zu rows of %s (%zu of %u in use): its frames "
		     "are walked by frame pointer", t.nrows, what, u->rows.used, u->opts.max_rows);
		u->failed++;
	}
	debug("unwind: %s: %zu rows from %s, %zu functions, %s frame pointers; walked by %s", what,
	      t.nrows, t.source ? t.source : "nothing", t.nfdes, t.has_fp ? "with" : "without",
	      val.flags & MT_UF_FP ? "frame pointer" : val.flags & MT_UF_ROWS ? "table" :
	      "frame pointer (guessed: partial)");
	unwind_table__free(&t);
publish:
	if (bpf_map_update_elem(u->opts.files_fd, key, &val, BPF_ANY)) {
		err = -errno;
		row_pool__release(&u->rows, f->rows, now_ns());
		free(f->name);
		return err;
	}
	u->nfiles++;
	add_pid(f, pid);
	return 0;
}


/* The key the BPF side will see for the file open at fd: that of the
 * inode a mapping of it gets, which is not stat's on overlayfs (the
 * mapping is of the file underneath: containers, the vmtest guest). So
 * map a page of it and ask our own maps. */
static int kernel_key(int fd, struct mt_unwind_file_key *key)
{
	long page = sysconf(_SC_PAGESIZE);
	const struct proc_map *m;
	struct proc_maps maps;
	struct stat st;
	void *p;
	int err;

	p = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p != MAP_FAILED) {
		err = procfs__read_maps(NULL, getpid(), &maps);
		m = err ? NULL : procfs__find_map(&maps, (uint64_t)(uintptr_t)p);
		if (m)
			*key = key_of(m->dev_major, m->dev_minor, m->ino);
		if (!err)
			procfs__free_maps(&maps);
		munmap(p, page);
		if (m)
			return 0;
	}
	if (fstat(fd, &st))
		return -errno;
	*key = key_of(major(st.st_dev), minor(st.st_dev), st.st_ino);
	return 0;
}

int unwind_maps__add_path(struct unwind_maps *u, const char *path, pid_t pid)
{
	struct mt_unwind_file_key key;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = kernel_key(fd, &key);
	if (err) {
		close(fd);
		return err;
	}
	err = load_file(u, &key, fd, pid, path);
	close(fd);
	return err;
}

/* Opens a mapping's file the way the process sees it. */
static int open_mapping(pid_t pid, uint64_t start, uint64_t end, const char *path)
{
	char name[96];
	int fd;

	snprintf(name, sizeof(name), "/proc/%d/map_files/%lx-%lx", (int)pid,
		 (unsigned long)start, (unsigned long)end);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 || !path)
		return fd;
	snprintf(name, sizeof(name), "/proc/%d/root", (int)pid);
	{
		char *full = NULL;

		if (asprintf(&full, "%s%s", name, path) < 0)
			return -1;
		fd = open(full, O_RDONLY | O_CLOEXEC);
		free(full);
	}
	return fd;
}

int unwind_maps__add_pid(struct unwind_maps *u, pid_t pid)
{
	struct proc_maps maps;
	size_t i;
	int err;

	err = procfs__read_maps(NULL, pid, &maps);
	if (err)
		return err;
	for (i = 0; i < maps.n; i++) {
		const struct proc_map *m = &maps.maps[i];
		struct mt_unwind_file_key key;
		int fd;

		if (m->perms[2] != 'x' || !m->ino || !m->path || m->path[0] != '/')
			continue;
		key = key_of(m->dev_major, m->dev_minor, m->ino);
		if (find_file(u, &key)) {
			add_pid(find_file(u, &key), pid);
			continue;
		}
		fd = open_mapping(pid, m->start, m->end, m->path);
		if (fd < 0) {
			debug("unwind: pid %d: cannot open %s: %s", pid, m->path, strerror(errno));
			continue;
		}
		err = load_file(u, &key, fd, pid, m->path);
		close(fd);
		if (err)
			break;
	}
	procfs__free_maps(&maps);
	return err;
}

void unwind_maps__on_miss(struct unwind_maps *u, const struct mt_unwind_miss *ev)
{
	char what[64];
	int fd;

	fd = open_mapping(ev->tgid, ev->vm_start, ev->vm_end, NULL);
	snprintf(what, sizeof(what), "pid %u's file at 0x%llx", ev->tgid,
		 (unsigned long long)ev->vm_start);
	if (fd < 0) {
		/* gone already: an entry without rows, so it is not asked
		 * for again; it goes with the process */
		struct mt_unwind_file none = { 0 };

		debug("unwind: %s: %s", what, strerror(errno));
		if (!bpf_map_update_elem(u->opts.files_fd, &ev->file, &none, BPF_ANY) &&
		    !array_grow((void **)&u->files, &u->files_cap, u->nfiles, sizeof(*u->files))) {
			memset(&u->files[u->nfiles], 0, sizeof(*u->files));
			u->files[u->nfiles].key = ev->file;
			add_pid(&u->files[u->nfiles++], ev->tgid);
		}
		return;
	}
	if (load_file(u, &ev->file, fd, ev->tgid, what))
		bpf_map_delete_elem(u->opts.files_fd, &ev->file); /* asked again later */
	close(fd);
}

void unwind_maps__forget_pid(struct unwind_maps *u, pid_t pid)
{
	uint32_t tgid = pid;
	size_t i = 0, k;

	bpf_map_delete_elem(u->opts.proc_vmas_fd, &tgid);
	while (i < u->nfiles) {
		struct file_entry *f = &u->files[i];
		bool had = false;

		for (k = 0; k < f->npids && !had; k++) {
			if (f->pids[k] == pid) {
				f->pids[k] = f->pids[--f->npids];
				had = true;
			}
		}
		if (!had || f->npids) {
			i++;
			continue;
		}
		/* no traced process maps it: entry first, then its rows */
		bpf_map_delete_elem(u->opts.files_fd, &f->key);
		row_pool__release(&u->rows, f->rows, now_ns());
		debug("unwind: %s: table dropped, no traced process maps it",
		      f->name ? f->name : "?");
		free(f->pids);
		free(f->name);
		*f = u->files[--u->nfiles];
	}
}

void unwind_maps__stats(const struct unwind_maps *u, struct unwind_maps_stats *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	st->files = u->nfiles;
	st->rows = u->rows.used;
	st->failed = u->failed;
	for (i = 0; i < u->nfiles; i++)
		st->code_bytes += u->files[i].code_bytes;
}
