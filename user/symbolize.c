// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* User addresses -> function+offset and module. A process's maps are
 * snapshot once (so it still symbolizes after it exits); ELF files are
 * parsed once per (device, inode), however many processes map them; every
 * string handed out lives until symbolizer__free, so results stay valid
 * across forget_process and re-snapshots. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debuglink.h"
#include "demangle.h"
#include "dwarf_info.h"
#include "elf_file.h"
#include "perf_map.h"
#include "proc_ids.h"
#include "proc_root.h"
#include "procfs.h"
#include "symbolize.h"

#define PROCFS_ROOT	"/proc"
/* demangled names longer than this stay mangled */
#define DEMANGLED_MAX	2048
/* (module, address) source positions kept; past it, no inlines */
#define ADDR_CACHE_MAX	(1u << 20)
#define OPEN_FLAGS	(O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)

#define offsetofend(type, member) \
	(offsetof(type, member) + sizeof(((type *)0)->member))

/* Pointers kept sorted by a caller's comparison; lookups bisect. */
struct sorted_vec {
	void **v;
	size_t n, cap;
};

typedef int (*vec_cmp_fn)(const void *key, const void *elem);

struct module_key {
	uint32_t dev_major, dev_minor;
	uint64_t ino;
	const char *path;	/* interned; part of the key only when ino is 0 */
};

struct module {
	struct module_key key;
	struct elf_file *ef;	/* NULL until loaded, or when loading failed */
	int err;		/* why ef is NULL; -ENOEXEC is final */
	bool via_map_files;	/* the path no longer held the mapped file */
	struct elf_file *dbg;	/* separate debug file (its .symtab), or NULL */
	struct dwarf_info *dw;	/* DWARF of the debug file or the module */
};

/* The source position of one (module, address), resolved once: results
 * point into it for the symbolizer's lifetime. */
struct addr_entry {
	const struct module *mod;	/* NULL: free slot */
	uint64_t vaddr;
	const char *file;
	uint32_t line;
	uint32_t ninl;
	struct sym_inline *inl;
};

struct addr_cache {
	struct addr_entry *v;
	size_t cap, n;		/* cap: 0 or a power of two */
};

struct vma_info {
	const char *path;	/* interned copy of the maps path, NULL if none */
	struct module *mod;	/* set on first use */
};

struct snapshot {
	pid_t pid;
	struct proc_maps maps;	/* paths moved to info[].path */
	struct vma_info *info;	/* parallel to maps.maps */
	struct perf_map *jit;	/* its perf map as it was at the snapshot */
	int jit_err;		/* why jit is NULL */
};

struct symbolizer {
	char *procfs_root;
	bool java;
	struct sorted_vec snaps;	/* struct snapshot *, by pid */
	struct sorted_vec mods;		/* struct module *, by key */
	struct sorted_vec strs;		/* char *, by strcmp */
	struct addr_cache lines;
	char *debug_root;
	struct symbolizer_stats stats;
};

/* Index of the first element not below key; *found when it equals key. */
static size_t vec_find(const struct sorted_vec *vec, const void *key,
		       vec_cmp_fn cmp, bool *found)
{
	size_t lo = 0, hi = vec->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp(key, vec->v[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < vec->n && !cmp(key, vec->v[lo]);
	return lo;
}

static int vec_insert(struct sorted_vec *vec, size_t pos, void *elem)
{
	if (vec->n == vec->cap) {
		size_t ncap = vec->cap ? vec->cap * 2 : 16;
		void **nv = realloc(vec->v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		vec->v = nv;
		vec->cap = ncap;
	}
	memmove(&vec->v[pos + 1], &vec->v[pos], (vec->n - pos) * sizeof(*vec->v));
	vec->v[pos] = elem;
	vec->n++;
	return 0;
}

static void vec_remove(struct sorted_vec *vec, size_t pos)
{
	memmove(&vec->v[pos], &vec->v[pos + 1], (vec->n - pos - 1) * sizeof(*vec->v));
	vec->n--;
}

static int cmp_pid(const void *key, const void *elem)
{
	pid_t a = *(const pid_t *)key, b = ((const struct snapshot *)elem)->pid;

	return a < b ? -1 : a > b;
}

static int cmp_str(const void *key, const void *elem)
{
	return strcmp(key, elem);
}

static int cmp_module(const void *key, const void *elem)
{
	const struct module_key *a = key, *b = &((const struct module *)elem)->key;

	if (a->dev_major != b->dev_major)
		return a->dev_major < b->dev_major ? -1 : 1;
	if (a->dev_minor != b->dev_minor)
		return a->dev_minor < b->dev_minor ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return a->ino ? 0 : strcmp(a->path, b->path);
}

/* One copy of each path for the symbolizer's lifetime: results point at it. */
static const char *intern(struct symbolizer *s, const char *str)
{
	char *copy;
	size_t pos;
	bool found;

	pos = vec_find(&s->strs, str, cmp_str, &found);
	if (found)
		return s->strs.v[pos];
	copy = strdup(str);
	if (!copy)
		return NULL;
	if (vec_insert(&s->strs, pos, copy)) {
		free(copy);
		return NULL;
	}
	return copy;
}

/* "[heap]", "[stack]", "[vdso]", "[anon:name]" or no path: no file behind it */
static bool is_anonymous(const char *path)
{
	return !path || path[0] == '[';
}

struct symbolizer *symbolizer__new(const struct symbolizer_opts *opts)
{
	const char *root = PROCFS_ROOT, *debug_root = DEBUG_ROOT;
	struct symbolizer *s;
	size_t i;

	if (opts) {
		if (opts->sz < offsetofend(struct symbolizer_opts, sz)) {
			errno = EINVAL;
			return NULL;
		}
		/* a newer caller's fields we do not know must be left unset */
		for (i = sizeof(*opts); i < opts->sz; i++) {
			if (((const char *)opts)[i]) {
				errno = EINVAL;
				return NULL;
			}
		}
		if (opts->sz >= offsetofend(struct symbolizer_opts, procfs_root) &&
		    opts->procfs_root)
			root = opts->procfs_root;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (opts && opts->sz >= offsetofend(struct symbolizer_opts, java))
		s->java = opts->java;
	if (opts && opts->sz >= offsetofend(struct symbolizer_opts, debug_root) &&
	    opts->debug_root)
		debug_root = opts->debug_root;
	s->procfs_root = strdup(root);
	s->debug_root = strdup(debug_root);
	if (!s->procfs_root || !s->debug_root) {
		free(s->debug_root);
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

static void snapshot_free(struct snapshot *snap)
{
	if (!snap)
		return;
	procfs__free_maps(&snap->maps);
	free(snap->info);
	perf_map__free(snap->jit);
	free(snap);
}

void symbolizer__free(struct symbolizer *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->snaps.n; i++)
		snapshot_free(s->snaps.v[i]);
	for (i = 0; i < s->mods.n; i++) {
		struct module *mod = s->mods.v[i];

		elf_file__close(mod->ef);
		elf_file__close(mod->dbg);
		dwarf_info__close(mod->dw);
		free(mod);
	}
	for (i = 0; i < s->lines.cap; i++)
		free(s->lines.v[i].inl);
	free(s->lines.v);
	free(s->debug_root);
	for (i = 0; i < s->strs.n; i++)
		free(s->strs.v[i]);
	free(s->snaps.v);
	free(s->mods.v);
	free(s->strs.v);
	free(s->procfs_root);
	free(s);
}

static void load_jit_map(const struct symbolizer *s, struct snapshot *snap);

/* Reads pid's maps into a snapshot that replaces any earlier one. */
static int take_snapshot(struct symbolizer *s, pid_t pid, struct snapshot **out)
{
	struct snapshot *snap = NULL;
	size_t i, pos;
	bool found;
	int err;

	if (pid <= 0)
		return -EINVAL;
	snap = calloc(1, sizeof(*snap));
	if (!snap)
		return -ENOMEM;
	snap->pid = pid;
	err = procfs__read_maps(s->procfs_root, pid, &snap->maps);
	if (err)
		goto cleanup;
	snap->info = calloc(snap->maps.n ? snap->maps.n : 1, sizeof(*snap->info));
	if (!snap->info) {
		err = -ENOMEM;
		goto cleanup;
	}
	for (i = 0; i < snap->maps.n; i++) {
		struct proc_map *m = &snap->maps.maps[i];

		if (!m->path)
			continue;
		snap->info[i].path = intern(s, m->path);
		if (!snap->info[i].path) {
			err = -ENOMEM;
			goto cleanup;
		}
		free(m->path);
		m->path = NULL;
	}

	load_jit_map(s, snap);

	pos = vec_find(&s->snaps, &pid, cmp_pid, &found);
	if (found) {
		snapshot_free(s->snaps.v[pos]);
		s->snaps.v[pos] = snap;
	} else {
		err = vec_insert(&s->snaps, pos, snap);
		if (err)
			goto cleanup;
	}
	*out = snap;
	snap = NULL;
cleanup:
	snapshot_free(snap);
	return err;
}

int symbolizer__cache_process(struct symbolizer *s, pid_t pid)
{
	struct snapshot *snap;

	if (!s)
		return -EINVAL;
	return take_snapshot(s, pid, &snap);
}

void symbolizer__forget_process(struct symbolizer *s, pid_t pid)
{
	size_t pos;
	bool found;

	if (!s)
		return;
	pos = vec_find(&s->snaps, &pid, cmp_pid, &found);
	if (!found)
		return;
	snapshot_free(s->snaps.v[pos]);
	vec_remove(&s->snaps, pos);
}

/* path as the process sees it: its symlinks resolve inside its root,
 * never against ours (a container must not point us at host files) */
static int open_in_root(const struct symbolizer *s, pid_t pid, const char *path)
{
	return proc_root__open(s->procfs_root, pid, path, OPEN_FLAGS);
}

/* A JIT's symbols for its code: /tmp/perf-<pid>.map in the process's own
 * root, named by its pid in its own namespace. /tmp is anyone's: a map
 * owned by another user than the process (or root) is not believed. */
static void load_jit_map(const struct symbolizer *s, struct snapshot *snap)
{
	struct proc_ids ids;
	struct stat st;
	int64_t start;
	char path[64];
	int fd, err;

	err = proc_ids__read(s->procfs_root, snap->pid, &ids);
	if (err)
		goto out;
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)ids.nspid);
	fd = open_in_root(s, snap->pid, path);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	if (fstat(fd, &st))
		err = -errno;
	else if (st.st_uid != 0 && st.st_uid != ids.euid)
		err = -EPERM;
	/* left by an earlier process with this pid: its names are not ours
	 * (start times are to the second; a map is written after the start) */
	else if (!proc_ids__start_time(s->procfs_root, snap->pid, &start) &&
		 (int64_t)st.st_mtime + 2 < start)
		err = -ESTALE;
	else
		err = perf_map__read_fd(fd, &snap->jit);
	close(fd);
out:
	snap->jit_err = err;
}

/* exactly the mapped file, deleted or not, while the process lives */
static int open_map_file(const struct symbolizer *s, pid_t pid, const struct proc_map *m)
{
	char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/%d/map_files/%" PRIx64 "-%" PRIx64,
		     s->procfs_root, (int)pid, m->start, m->end) < 0)
		return -ENOMEM;
	fd = open(path, OPEN_FLAGS);
	if (fd < 0)
		fd = -errno;
	free(path);
	return fd;
}

/* A file found by path is the mapped one only if it has the inode maps
 * shows: a path can be bind-mounted over or, after the process exited,
 * name the host's file rather than the container's. The device is not
 * compared: overlayfs and btrfs subvolumes may report another st_dev than
 * maps does for the same file. Takes fd; returns it or -ESTALE. */
static int same_inode(int fd, uint64_t ino)
{
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || (uint64_t)st.st_ino != ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static int open_host_path(const char *path)
{
	int fd = open(path, OPEN_FLAGS);

	return fd < 0 ? -errno : fd;
}

/* The file mapped at m, path as the process maps it: the one place module
 * files are opened. *via_map_files: the path no longer holds it (deleted
 * or replaced since it was mapped) and map_files gave the mapped file.
 * An fd or -errno. */
static int open_module(const struct symbolizer *s, pid_t pid, const struct proc_map *m,
		       const char *path, bool *via_map_files)
{
	/* a deleted file's path now names another file, or nothing */
	bool by_path = path[0] == '/' && !m->deleted;
	int fd = -ENOENT;

	bool replaced = false;

	*via_map_files = false;
	if (by_path) {
		fd = same_inode(open_in_root(s, pid, path), m->ino);
		replaced = fd == -ESTALE;
	}
	/* needs CAP_SYS_ADMIN, but is the mapped file itself */
	if (fd < 0) {
		fd = open_map_file(s, pid, m);
		*via_map_files = fd >= 0 && (m->deleted || replaced);
	}
	/* the process is gone: the file may still be where it was */
	if (fd < 0 && by_path) {
		fd = same_inode(open_host_path(path), m->ino);
		replaced |= fd == -ESTALE;
	}
	/* -ESTALE: another file is at the path now */
	return fd < 0 && replaced ? -ESTALE : fd;
}

/* A debug file candidate: not the module itself (a debuglink naming its
 * own file), and with the CRC the debuglink promised. Takes fd; returns
 * it or -errno. */
static int check_debug_file(int fd, const struct stat *self, uint32_t crc)
{
	struct stat st;
	uint32_t got;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) || (st.st_dev == self->st_dev && st.st_ino == self->st_ino) ||
	    debuglink__crc_fd(fd, &got) || got != crc) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* The module's separate debug file, by build ID and then by debuglink.
 * Bounded: one build-ID path, three debuglink paths (each tried in the
 * process's root, then on the host), one CRC per candidate; the debug
 * file's own debuglink is never followed. An fd or -errno. */
static int open_debug_file(const struct symbolizer *s, pid_t pid, const char *path,
			   const struct elf_file *ef, int mod_fd)
{
	char *cands[DEBUGLINK_CANDIDATES], *bid_path;
	const char *name, *bid = elf_file__build_id(ef);
	struct stat self;
	uint32_t crc;
	int fd = -ENOENT, n, i;

	if (fstat(mod_fd, &self))
		return -errno;
	/* the build ID names the content: the host's debug root serves a
	 * container's binaries as well */
	if (bid && (bid_path = debuglink__build_id_path(s->debug_root, bid))) {
		struct stat st;

		fd = open_host_path(bid_path);
		free(bid_path);
		if (fd >= 0 && (fstat(fd, &st) ||
				(st.st_dev == self.st_dev && st.st_ino == self.st_ino))) {
			close(fd);
			fd = -ESTALE;
		}
		if (fd >= 0)
			return fd;
	}
	if (elf_file__debuglink(ef, &name, &crc) || path[0] != '/')
		return -ENOENT;
	n = debuglink__candidates(path, name, s->debug_root, cands);
	for (i = 0; i < n; i++) {
		/* beside the binary: in the process's root first */
		if (fd < 0 && i < 2)
			fd = check_debug_file(open_in_root(s, pid, cands[i]), &self, crc);
		if (fd < 0)
			fd = check_debug_file(open_host_path(cands[i]), &self, crc);
		free(cands[i]);
	}
	return n < 0 ? n : fd;
}

/* Symbols and DWARF from the debug file when there is one; DWARF from the
 * module itself otherwise. A debug file whose build ID differs from the
 * module's is not used. Failures leave the module as it is. */
static void load_debug(const struct symbolizer *s, pid_t pid, const char *path,
		       struct module *mod, int mod_fd)
{
	const char *bid = elf_file__build_id(mod->ef), *dbid;
	int fd;

	fd = open_debug_file(s, pid, path, mod->ef, mod_fd);
	if (fd >= 0 && !elf_file__open_fd(fd, &mod->dbg)) {
		dbid = elf_file__build_id(mod->dbg);
		if (bid && dbid && strcmp(bid, dbid)) {
			elf_file__close(mod->dbg);
			mod->dbg = NULL;
		}
	}
	if (mod->dbg && elf_file__has_dwarf(mod->dbg))
		dwarf_info__open_fd(fd, &mod->dw);
	else if (elf_file__has_dwarf(mod->ef))
		dwarf_info__open_fd(mod_fd, &mod->dw);
	if (fd >= 0)
		close(fd);
}

static void load_module(struct symbolizer *s, pid_t pid, const struct proc_map *m,
			const char *path, struct module *mod)
{
	struct elf_file *ef = NULL;
	int fd, err;

	s->stats.elf_loads++;
	fd = open_module(s, pid, m, path, &mod->via_map_files);
	if (fd < 0) {
		err = fd;
		goto cleanup;
	}
	err = elf_file__open_fd(fd, &ef);
	if (!err) {
		mod->ef = ef;
		load_debug(s, pid, path, mod, fd);
	}
	close(fd);
cleanup:
	if (err) {
		s->stats.elf_failures++;
		mod->err = err;
		return;
	}
	mod->ef = ef;
	mod->err = 0;
}

static struct module *get_module(struct symbolizer *s, struct snapshot *snap, size_t idx)
{
	const struct proc_map *m = &snap->maps.maps[idx];
	struct vma_info *info = &snap->info[idx];
	struct module_key key = {
		.dev_major = m->dev_major,
		.dev_minor = m->dev_minor,
		.ino = m->ino,
		.path = info->path,
	};
	struct module *mod;
	size_t pos, i;
	bool found;

	if (info->mod)
		return info->mod;
	pos = vec_find(&s->mods, &key, cmp_module, &found);
	if (found) {
		mod = s->mods.v[pos];
	} else {
		mod = calloc(1, sizeof(*mod));
		if (!mod)
			return NULL;
		mod->key = key;
		if (vec_insert(&s->mods, pos, mod)) {
			free(mod);
			return NULL;
		}
	}
	/* A failed open is retried once per process, not once per frame: the
	 * next process may reach the file through its own root. A file that
	 * opened but is no usable ELF stays that way. */
	if (!mod->ef && mod->err != -ENOEXEC)
		load_module(s, snap->pid, m, info->path, mod);
	/* every segment of this file in this process shares the verdict */
	for (i = 0; i < snap->maps.n; i++) {
		const struct proc_map *o = &snap->maps.maps[i];

		if (!snap->info[i].mod && !is_anonymous(snap->info[i].path) &&
		    o->dev_major == m->dev_major && o->dev_minor == m->dev_minor &&
		    o->ino == m->ino && (m->ino || snap->info[i].path == info->path))
			snap->info[i].mod = mod;
	}
	info->mod = mod;
	return mod;
}

static struct snapshot *find_snapshot(const struct symbolizer *s, pid_t pid)
{
	size_t pos;
	bool found;

	pos = vec_find(&s->snaps, &pid, cmp_pid, &found);
	return found ? s->snaps.v[pos] : NULL;
}

/* A readable name for an ELF symbol: demangled (C++, Rust), without the
 * symbol version a debug file's .symtab spells out ("pthread_create@@
 * GLIBC_2.34" is the pthread_create a program calls), interned. */
static const char *display_name(struct symbolizer *s, const char *name)
{
	char base[DEMANGLE_MAX_INPUT + 1], buf[DEMANGLED_MAX];
	const char *at = strchr(name, '@'), *orig = name, *out = NULL;

	if (at && at != name && (size_t)(at - name) < sizeof(base)) {
		memcpy(base, name, (size_t)(at - name));
		base[at - name] = '\0';
		name = base;
	}
	if (demangle(name, buf, sizeof(buf)))
		out = intern(s, buf);
	else if (name == base)
		out = intern(s, base);
	/* out of memory: the name as the file has it */
	return out ? out : orig;
}

/* An address in memory no file backs: JIT code named by the process's
 * perf map, or why it has no name. */
static void resolve_anonymous(struct symbolizer *s, const struct snapshot *snap,
			      const struct proc_map *m, uint64_t addr, struct sym_result *r)
{
	const struct perf_map_entry *e;

	/* [heap], [stack], [vdso] or data: no JIT writes code there */
	if (strchr(m->perms, 'x') == NULL || (r->module && strncmp(r->module, "[anon:", 6))) {
		r->reason = "anonymous mapping";
		return;
	}
	if (!snap->jit) {
		r->reason = snap->jit_err == -EPERM
			? "JIT code; perf map not owned by the process's user, ignored"
			: snap->jit_err == -ESTALE
			? "JIT code; perf map older than the process, ignored"
			: snap->jit_err == -ENOENT || snap->jit_err == -ESRCH
			? "JIT or anonymous code without a perf map"
			: "JIT code; perf map unreadable";
		return;
	}
	e = perf_map__find(snap->jit, addr);
	if (!e) {
		r->reason = "JIT code not in the perf map";
		return;
	}
	/* the JVM's template interpreter: one blob for every interpreted
	 * method, so it names none of them */
	if (!strcmp(e->name, "Interpreter")) {
		r->reason = "interpreted Java frame";
		return;
	}
	r->symbol = intern(s, e->name);
	if (!r->symbol) {
		r->reason = "out of memory";
		return;
	}
	r->offset = addr - e->start;
}

static size_t addr_hash(const struct module *mod, uint64_t vaddr)
{
	uint64_t h = (vaddr ^ (uint64_t)(uintptr_t)mod) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h ^ (h >> 29));
}

/* The slot of (mod, vaddr): its entry, or the free slot it would take. */
static struct addr_entry *addr_slot(struct addr_cache *c, const struct module *mod,
				    uint64_t vaddr)
{
	size_t i = addr_hash(mod, vaddr) & (c->cap - 1);

	while (c->v[i].mod && (c->v[i].mod != mod || c->v[i].vaddr != vaddr))
		i = (i + 1) & (c->cap - 1);
	return &c->v[i];
}

static int addr_cache_grow(struct addr_cache *c)
{
	struct addr_cache n = { .cap = c->cap ? c->cap * 2 : 1024 };
	size_t i;

	n.v = calloc(n.cap, sizeof(*n.v));
	if (!n.v)
		return -ENOMEM;
	for (i = 0; i < c->cap; i++)
		if (c->v[i].mod)
			*addr_slot(&n, c->v[i].mod, c->v[i].vaddr) = c->v[i];
	n.n = c->n;
	free(c->v);
	*c = n;
	return 0;
}

/* Source position and inlined calls of a return address (the call is at
 * vaddr - 1), from the module's DWARF, resolved once per address. */
static void resolve_source(struct symbolizer *s, const struct module *mod, uint64_t vaddr,
			   struct sym_result *r)
{
	struct addr_entry *e = NULL;
	struct dwarf_loc loc;
	size_t i;

	if (!mod->dw || !vaddr)
		return;
	if (s->lines.cap) {
		e = addr_slot(&s->lines, mod, vaddr);
		if (e->mod)
			goto found;
	}
	/* not found is remembered too: a miss can cost a walk over units */
	if (dwarf_info__lookup(mod->dw, vaddr - 1, &loc))
		memset(&loc, 0, sizeof(loc));
	r->file = loc.file;
	r->line = loc.line;
	/* a full cache: positions still, inlines no more (their names must
	 * outlive this call) */
	if (s->lines.n >= ADDR_CACHE_MAX ||
	    ((s->lines.n + 1) * 2 > s->lines.cap && addr_cache_grow(&s->lines)))
		return;
	e = addr_slot(&s->lines, mod, vaddr);
	e->mod = mod;
	e->vaddr = vaddr;
	e->file = loc.file;
	e->line = loc.line;
	if (loc.ninl && (e->inl = calloc(loc.ninl, sizeof(*e->inl)))) {
		for (i = 0; i < loc.ninl; i++) {
			e->inl[i].symbol = display_name(s, loc.inl[i].name);
			e->inl[i].file = loc.inl[i].file;
			e->inl[i].line = loc.inl[i].line;
		}
		e->ninl = (uint32_t)loc.ninl;
	}
	s->lines.n++;
found:
	r->file = e->file;
	r->line = e->line;
	r->inlines = e->inl;
	r->ninlines = e->ninl;
}

static void resolve_one(struct symbolizer *s, struct snapshot *snap, uint64_t addr,
			struct sym_result *r)
{
	const struct elf_file *symf;
	const struct proc_map *m;
	bool in_seg;
	const struct elf_sym *sym;
	struct module *mod;
	uint64_t vaddr;
	size_t idx;

	memset(r, 0, sizeof(*r));
	m = procfs__find_map(&snap->maps, addr);
	if (!m) {
		r->reason = "unmapped";
		return;
	}
	idx = (size_t)(m - snap->maps.maps);
	r->module = snap->info[idx].path;
	r->module_offset = addr - m->start + m->pgoff;
	if (is_anonymous(r->module)) {
		resolve_anonymous(s, snap, m, addr, r);
		return;
	}
	mod = get_module(s, snap, idx);
	if (!mod || !mod->ef) {
		r->reason = mod && mod->err == -ENOEXEC ? "not an ELF file"
			  : m->deleted ? "module deleted since it was mapped (map_files unreadable)"
			  : mod && mod->err == -ESTALE
			  ? "module replaced since it was mapped (map_files unreadable)"
			  : "cannot open module";
		return;
	}
	r->build_id = elf_file__build_id(mod->ef);
	if (mod->via_map_files)
		r->module_note = "deleted or replaced since it was mapped; read through /proc/PID/map_files";
	/* a stripped module's .symtab is in its debug file */
	symf = mod->ef;
	if (!elf_file__has_symtab(mod->ef) && elf_file__nsyms(mod->dbg))
		symf = mod->dbg;
	in_seg = !elf_file__offset_to_vaddr(mod->ef, r->module_offset, &vaddr);
	if (in_seg)
		resolve_source(s, mod, vaddr, r);
	if (!elf_file__nsyms(symf)) {
		r->reason = elf_file__has_symtab(symf) ? "no symbols"
			  : "no symbols (stripped, no debug file)";
		return;
	}
	if (!in_seg || !(sym = elf_file__sym_at(symf, vaddr))) {
		r->reason = elf_file__has_symtab(symf) ? "not in any symbol"
			  : "not in any symbol (stripped: .dynsym only, no debug file)";
		return;
	}
	r->symbol = display_name(s, sym->name);
	r->offset = vaddr - sym->vaddr;
}

int symbolizer__resolve(struct symbolizer *s, pid_t pid, const uint64_t *addrs,
			size_t n, struct sym_result *results)
{
	struct snapshot *snap;
	size_t i;
	int err;

	if (!s || (n && (!addrs || !results)))
		return -EINVAL;
	if (!n)
		return 0;
	snap = find_snapshot(s, pid);
	if (!snap) {
		err = take_snapshot(s, pid, &snap);
		if (err)
			return err;
	}
	for (i = 0; i < n; i++)
		resolve_one(s, snap, addrs[i], &results[i]);
	return 0;
}

void symbolizer__get_stats(const struct symbolizer *s, struct symbolizer_stats *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!s)
		return;
	*st = s->stats;
	st->processes = s->snaps.n;
	st->modules = s->mods.n;
}

bool symbolizer__java(const struct symbolizer *s)
{
	return s && s->java;
}

bool symbolizer__has_jit_map(const struct symbolizer *s, pid_t pid)
{
	const struct snapshot *snap = s ? find_snapshot(s, pid) : NULL;

	return snap && snap->jit;
}
