// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Skeleton lifecycle, uprobe attachment and event polling. Purges live in
 * tracer_purge.c, the drain into the profile in tracer_snapshot.c. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "elf_file.h"
#include "log.h"
#include "array.h"
#include "tracer_priv.h"
#include "uprobe_multi.h"

/* The allocator functions and the program that decodes each one's
 * arguments. Every allocating function also gets the shared return probe. */
static struct bpf_program *entry_prog(struct memtrail_bpf *skel, enum mt_func fn)
{
	switch (fn) {
	case MT_FN_MALLOC: return skel->progs.malloc_enter;
	case MT_FN_CALLOC: return skel->progs.calloc_enter;
	case MT_FN_REALLOC: return skel->progs.realloc_enter;
	case MT_FN_REALLOCARRAY: return skel->progs.reallocarray_enter;
	case MT_FN_FREE: return skel->progs.free_enter;
	case MT_FN_POSIX_MEMALIGN: return skel->progs.posix_memalign_enter;
	case MT_FN_ALIGNED_ALLOC: /* same signature as memalign */
	case MT_FN_MEMALIGN: return skel->progs.memalign_enter;
	case MT_FN_VALLOC: return skel->progs.valloc_enter;
	case MT_FN_PVALLOC: return skel->progs.pvalloc_enter;
	default: return NULL;
	}
}

static const char *const fn_names[MT_FN__COUNT] = {
	[MT_FN_MALLOC] = "malloc",
	[MT_FN_CALLOC] = "calloc",
	[MT_FN_REALLOC] = "realloc",
	[MT_FN_REALLOCARRAY] = "reallocarray",
	[MT_FN_FREE] = "free",
	[MT_FN_POSIX_MEMALIGN] = "posix_memalign",
	[MT_FN_ALIGNED_ALLOC] = "aligned_alloc",
	[MT_FN_MEMALIGN] = "memalign",
	[MT_FN_VALLOC] = "valloc",
	[MT_FN_PVALLOC] = "pvalloc",
};

static int on_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	const struct mt_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	switch (ev->type) {
	case MT_EV_EXIT:
		if (array_grow((void **)&t->exited, &t->exited_cap, t->nexited, sizeof(pid_t)))
			return 0; /* the entries stay until the next exit of this pid */
		t->exited[t->nexited++] = ev->tgid;
		break;
	case MT_EV_EXEC:
		if (array_grow((void **)&t->execs, &t->execs_cap, t->nexecs, sizeof(*ev)))
			return 0;
		t->execs[t->nexecs++] = *ev;
		break;
	}
	return 0;
}

struct tracer *tracer__new(const struct tracer_opts *opts)
{
	struct tracer *t;
	int err;

	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	memcpy(&t->opts, opts, opts->sz < sizeof(t->opts) ? opts->sz : sizeof(t->opts));
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		err = t->ncpus ? t->ncpus : -EINVAL;
		goto fail;
	}

	t->skel = memtrail_bpf__open();
	if (!t->skel) {
		err = -errno;
		goto fail;
	}
	t->skel->rodata->self_tgid = getpid();
	t->skel->rodata->empty_programs = opts->empty_programs;
	t->skel->rodata->page_size = sysconf(_SC_PAGESIZE);
	if (opts->max_allocs &&
	    (err = bpf_map__set_max_entries(t->skel->maps.live, opts->max_allocs)))
		goto fail;
	if (opts->max_stacks &&
	    ((err = bpf_map__set_max_entries(t->skel->maps.stacks, opts->max_stacks)) ||
	     (err = bpf_map__set_max_entries(t->skel->maps.by_stack, opts->max_stacks * 4))))
		goto fail;

	/* multi-uprobes where the kernel has them: the programs need their
	 * attach type before load, and must not load where it is unknown */
	t->use_multi = !opts->no_multi && uprobe_multi__supported();
	if (t->use_multi) {
		bpf_program__set_expected_attach_type(t->skel->progs.multi_enter,
			(enum bpf_attach_type)MT_ATTACH_UPROBE_MULTI);
		bpf_program__set_expected_attach_type(t->skel->progs.multi_return,
			(enum bpf_attach_type)MT_ATTACH_UPROBE_MULTI);
	} else {
		bpf_program__set_autoload(t->skel->progs.multi_enter, false);
		bpf_program__set_autoload(t->skel->progs.multi_return, false);
	}
	debug("uprobe attachment: %s", t->use_multi ? "multi-uprobe links" : "classic uprobes");

	err = memtrail_bpf__load(t->skel);
	if (err)
		goto fail;
	err = memtrail_bpf__attach(t->skel); /* the exit tracepoint */
	if (err)
		goto fail;
	t->events = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	if (!t->events) {
		err = -errno;
		goto fail;
	}
	return t;
fail:
	tracer__free(t);
	errno = -err;
	return NULL;
}

struct close_job {
	const int *fds;
	size_t n, stride;
};

static void *close_fds(void *arg)
{
	const struct close_job *job = arg;
	size_t i;

	for (i = 0; i < job->n; i += job->stride)
		close(job->fds[i]);
	return NULL;
}

/* Each multi link waits for one RCU grace period as it goes (about 0.1 s
 * here); closing them from several threads lets the waits overlap. */
static void close_multi_links(const int *fds, size_t n)
{
	enum { MAX_THREADS = 16 };
	struct close_job jobs[MAX_THREADS];
	pthread_t threads[MAX_THREADS];
	bool started[MAX_THREADS];
	size_t k, nthreads = n < MAX_THREADS ? n : MAX_THREADS;

	for (k = 0; k < nthreads; k++) {
		jobs[k] = (struct close_job){ fds + k, n - k, nthreads };
		started[k] = nthreads > 1 && !pthread_create(&threads[k], NULL, close_fds, &jobs[k]);
	}
	for (k = 0; k < nthreads; k++) {
		if (started[k])
			pthread_join(threads[k], NULL);
		else
			close_fds(&jobs[k]);
	}
}

void tracer__free(struct tracer *t)
{
	size_t i;

	if (!t)
		return;
	close_multi_links(t->multi_fds, t->nmulti);
	free(t->multi_fds);
	for (i = 0; i < t->nlinks; i++)
		bpf_link__destroy(t->links[i]);
	free(t->links);
	ring_buffer__free(t->events);
	memtrail_bpf__destroy(t->skel);
	free(t->exited);
	free(t->execs);
	free(t->files);
	free(t);
}

static int keep_multi_fd(struct tracer *t, int fd)
{
	if (array_grow((void **)&t->multi_fds, &t->multi_cap, t->nmulti, sizeof(int))) {
		close(fd);
		return -ENOMEM;
	}
	t->multi_fds[t->nmulti++] = fd;
	return 0;
}

/* Two links for one (file, pid): every entry, and every allocating
 * function's return; the cookie tells the programs which function. */
static int attach_multi(struct tracer *t, const char *path, const enum mt_func *fns,
			const uint64_t *offsets, size_t n, pid_t pid)
{
	uint64_t cookies[MT_FN__COUNT], ret_offsets[MT_FN__COUNT];
	size_t i, nret = 0;
	int fd, err;

	for (i = 0; i < n; i++) {
		cookies[i] = fns[i];
		if (fns[i] != MT_FN_FREE)
			ret_offsets[nret++] = offsets[i];
	}
	fd = uprobe_multi__attach(bpf_program__fd(t->skel->progs.multi_enter), path,
				  offsets, cookies, n, pid, false);
	if (fd < 0)
		return fd;
	err = keep_multi_fd(t, fd);
	if (err)
		return err;
	fd = uprobe_multi__attach(bpf_program__fd(t->skel->progs.multi_return), path,
				  ret_offsets, cookies, nret, pid, true);
	if (fd < 0)
		return fd;
	err = keep_multi_fd(t, fd);
	if (!err)
		t->nprobes += n + nret;
	return err;
}

static int attach_one(struct tracer *t, struct bpf_program *prog, bool retprobe,
		      const char *path, uint64_t offset, pid_t pid)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts, .retprobe = retprobe);
	struct bpf_link *link;

	if (array_grow((void **)&t->links, &t->links_cap, t->nlinks, sizeof(*t->links)))
		return -ENOMEM;
	link = bpf_program__attach_uprobe_opts(prog, pid, path, offset, &uopts);
	if (!link)
		return -errno;
	t->links[t->nlinks++] = link;
	t->nprobes++;
	return 0;
}

int tracer__attach_elf(struct tracer *t, const char *path, pid_t pid)
{
	uint64_t offsets[MT_FN__COUNT];
	enum mt_func fns[MT_FN__COUNT];
	struct elf_file *ef = NULL;
	size_t nattached = 0, i;
	struct stat st;
	int fn, err;

	/* a probe per (file, pid) stays valid across the pid's execs: a
	 * second one would count every call twice */
	if (stat(path, &st))
		return -errno;
	for (i = 0; i < t->nfiles; i++) {
		if (t->files[i].dev == st.st_dev && t->files[i].ino == st.st_ino &&
		    t->files[i].pid == pid) {
			debug("%s: already probed for pid %d", path, pid);
			return 0;
		}
	}
	if (array_grow((void **)&t->files, &t->files_cap, t->nfiles, sizeof(*t->files)))
		return -ENOMEM;
	err = elf_file__open(path, &ef);
	if (err)
		return err;
	if (!elf_file__find_func(ef, "malloc") || !elf_file__find_func(ef, "free")) {
		err = -ENOENT;
		goto out;
	}
	for (fn = 0; fn < MT_FN__COUNT; fn++) {
		const struct elf_sym *sym = elf_file__find_func(ef, fn_names[fn]);
		bool dup = false;
		uint64_t off;

		if (!sym) {
			debug("%s: no %s, not probed", path, fn_names[fn]);
			continue;
		}
		err = elf_file__vaddr_to_offset(ef, sym->vaddr, &off);
		if (err)
			goto out;
		/* aliases (glibc's aligned_alloc is memalign): one probe */
		for (i = 0; i < nattached; i++)
			dup |= offsets[i] == off;
		if (dup) {
			debug("%s: %s is an alias, probed once", path, fn_names[fn]);
			continue;
		}
		fns[nattached] = fn;
		offsets[nattached++] = off;
		debug("%s: %s at file offset 0x%llx (pid %d)", path, fn_names[fn],
		      (unsigned long long)off, pid);
	}
	if (t->use_multi) {
		err = attach_multi(t, path, fns, offsets, nattached, pid);
		if (err == -EINVAL || err == -EOPNOTSUPP) {
			/* the feature probe said yes, the kernel says no */
			warn("multi-uprobe links failed (%s): falling back to classic uprobes",
			     strerror(-err));
			t->use_multi = false;
		}
	}
	if (!t->use_multi) {
		for (i = 0; i < nattached && !err; i++) {
			err = attach_one(t, entry_prog(t->skel, fns[i]), false, path, offsets[i], pid);
			if (!err && fns[i] != MT_FN_FREE)
				err = attach_one(t, t->skel->progs.alloc_return, true, path,
						 offsets[i], pid);
		}
	}
	if (err)
		goto out;
	t->files[t->nfiles++] = (struct attached_file){ st.st_dev, st.st_ino, pid };
out:
	elf_file__close(ef);
	return err;
}

size_t tracer__nprobes(const struct tracer *t)
{
	return t->nprobes;
}

int map_for_each(int fd, size_t ksz, size_t vsz, map_visit_fn visit, void *ctx)
{
	uint32_t chunk = 4096, count, i;
	uint64_t in_batch = 0, out_batch = 0;
	char *keys = NULL, *vals = NULL;
	bool first = true, done = false;
	int err = 0;

	keys = malloc(ksz * chunk);
	vals = malloc(vsz * chunk);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (!done) {
		count = chunk;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in_batch, &out_batch,
					   keys, vals, &count, NULL);
		if (err == -ENOENT) {
			done = true;
			err = 0;
		} else if (err) {
			goto out;
		}
		for (i = 0; i < count; i++)
			visit(keys + i * ksz, vals + i * vsz, ctx);
		in_batch = out_batch;
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}

int tracer__poll(struct tracer *t, int timeout_ms)
{
	int err;

	err = ring_buffer__poll(t->events, timeout_ms);
	if (err < 0 && err != -EINTR)
		return err;
	if (t->nexecs) {
		tracer_purge_replaced(t, t->execs, t->nexecs);
		t->nexecs = 0;
	}
	if (t->nexited) {
		tracer_purge_exited(t, t->exited, t->nexited);
		t->nexited = 0;
	}
	return err < 0 ? err : 0;
}
