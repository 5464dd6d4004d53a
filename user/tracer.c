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
#include "log.h"
#include "array.h"
#include "tracer_priv.h"
#include "live_table.h"
#include "probe_plan.h"
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
	case MT_FN_SYSCALL_WRAPPER: return skel->progs.wrapper_enter;
	default: return NULL;
	}
}

static void keep_spawn(struct tracer *t, const struct mt_event *ev)
{
	if (array_grow((void **)&t->spawns, &t->spawns_cap, t->nspawns, sizeof(*ev)))
		return; /* the next cgroup rescan finds it */
	t->spawns[t->nspawns++] = *ev;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct tracer *t = ctx;
	const struct mt_event *ev = data;

	if (size < sizeof(*ev))
		return 0;
	if (ev->type == MT_EV_UNWIND_MISS) {
		if (t->unwind && size >= sizeof(struct mt_unwind_miss))
			unwind_maps__on_miss(t->unwind, data);
		return 0;
	}
	if (ev->type >= MT_EV_MMAP && ev->type <= MT_EV_BRK &&
	    size >= sizeof(struct mt_vm_event)) {
		if (t->vm)
			vm_map__apply(t->vm, data);
		return 0;
	}
	/* the process's address space is gone: its mappings with it (in
	 * stream order, before any mapping of the new image) */
	if (t->vm && (ev->type == MT_EV_EXIT || ev->type == MT_EV_EXEC))
		vm_map__forget(t->vm, ev->tgid);
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
		if (t->opts.on_spawn)
			keep_spawn(t, ev);
		break;
	case MT_EV_FORK:
	case MT_EV_JOIN:
		keep_spawn(t, ev);
		break;
	}
	return 0;
}

/* The syscall hooks' programs per path, and where they attach. */
struct syscall_hook {
	enum hook_id hook;
	const char *name; /* syscall name: __x64_sys_<name> */
};

static const struct syscall_hook syscall_hooks[] = {
	{ HOOK_MMAP, "mmap" },
	{ HOOK_MUNMAP, "munmap" },
	{ HOOK_MREMAP, "mremap" },
	{ HOOK_BRK, "brk" },
};

/* A syscall hook's own programs on the fentry and tracepoint paths (the
 * kprobe path shares one pair: vm_kprobe, vm_kretprobe). */
struct hook_progs {
	struct bpf_program *fentry, *fexit, *tp_enter, *tp_exit;
};

static struct hook_progs syscall_progs(struct memtrail_bpf *skel, enum hook_id hook)
{
#define PROGS(name) (struct hook_progs){ skel->progs.name##_fentry, skel->progs.name##_fexit, \
					 skel->progs.name##_tp_enter, skel->progs.name##_tp_exit }
	switch (hook) {
	case HOOK_MMAP: return PROGS(mmap);
	case HOOK_MUNMAP: return PROGS(munmap);
	case HOOK_MREMAP: return PROGS(mremap);
	default: return PROGS(brk);
	}
#undef PROGS
}

static unsigned hook_events(enum hook_id hook)
{
	switch (hook) {
	case HOOK_FAULT: return MT_EVENTS_FAULTS;
	case HOOK_RSS: return MT_EVENTS_RSS;
	default: return MT_EVENTS_MMAP;
	}
}

/* The path each requested hook takes, PATH_NONE for the others. */
static enum hook_path path_of(const struct tracer *t, enum hook_id hook)
{
	if (!t->opts.plan || !(t->opts.events & hook_events(hook)))
		return PATH_NONE;
	return t->opts.plan->hooks[hook].path;
}

/* Before load: only the programs of the chosen paths are loaded (the
 * others may not even load on this kernel: fentry where it is refused). */
static void select_kernel_progs(struct tracer *t)
{
	struct memtrail_bpf *skel = t->skel;
	bool kprobe = false;
	size_t i;

	for (i = 0; i < sizeof(syscall_hooks) / sizeof(syscall_hooks[0]); i++) {
		enum hook_path path = path_of(t, syscall_hooks[i].hook);
		struct hook_progs p = syscall_progs(skel, syscall_hooks[i].hook);

		bpf_program__set_autoload(p.fentry, path == PATH_FENTRY);
		bpf_program__set_autoload(p.fexit, path == PATH_FENTRY);
		bpf_program__set_autoload(p.tp_enter, path == PATH_TRACEPOINT);
		bpf_program__set_autoload(p.tp_exit, path == PATH_TRACEPOINT);
		kprobe |= path == PATH_KPROBE;
	}
	bpf_program__set_autoload(skel->progs.vm_kprobe, kprobe);
	bpf_program__set_autoload(skel->progs.vm_kretprobe, kprobe);
	bpf_program__set_autoload(skel->progs.fault_btf, path_of(t, HOOK_FAULT) == PATH_TP_BTF);
	bpf_program__set_autoload(skel->progs.fault_tp, path_of(t, HOOK_FAULT) == PATH_TRACEPOINT);
	bpf_program__set_autoload(skel->progs.rss_tp, path_of(t, HOOK_RSS) == PATH_TRACEPOINT);
	/* without mmap events the wrapper probe has nobody to tell */
	bpf_program__set_autoload(skel->progs.wrapper_enter, t->opts.events & MT_EVENTS_MMAP);
}

/* Room for one more element in two arrays that share a length and a
 * capacity. 0 or -ENOMEM. */
static int grow_pair(void **a, size_t sza, void **b, size_t szb, size_t *cap, size_t n)
{
	size_t cap_b = *cap;

	if (array_grow(b, &cap_b, n, szb))
		return -ENOMEM;
	return array_grow(a, cap, n, sza);
}

static int grow_links(struct tracer *t)
{
	return grow_pair((void **)&t->links, sizeof(*t->links), (void **)&t->link_pids,
			 sizeof(*t->link_pids), &t->links_cap, t->nlinks);
}

static int keep_link(struct tracer *t, struct bpf_link *link)
{
	if (!link)
		return -errno;
	if (grow_links(t)) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	t->link_pids[t->nlinks] = -1;
	t->links[t->nlinks++] = link;
	return 0;
}

/* After load: the kprobe path shares one program pair over four
 * functions, which the skeleton cannot attach by itself. */
static int attach_kprobes(struct tracer *t)
{
	char fn[64];
	size_t i;
	int err = 0;

	for (i = 0; i < sizeof(syscall_hooks) / sizeof(syscall_hooks[0]) && !err; i++) {
		if (path_of(t, syscall_hooks[i].hook) != PATH_KPROBE)
			continue;
		snprintf(fn, sizeof(fn), "__x64_sys_%s", syscall_hooks[i].name);
		err = keep_link(t, bpf_program__attach_kprobe(t->skel->progs.vm_kprobe, false, fn));
		if (!err)
			err = keep_link(t, bpf_program__attach_kprobe(t->skel->progs.vm_kretprobe,
								      true, fn));
		if (err)
			warn("%s hook: attaching a kprobe to %s failed: %s",
			     syscall_hooks[i].name, fn, strerror(-err));
	}
	return err;
}

struct tracer *tracer__new(const struct tracer_opts *opts)
{
	uint32_t live_slots;
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
	t->skel->rodata->test_refuse_first_storage = opts->thread_fallback;
	t->skel->rodata->page_size = sysconf(_SC_PAGESIZE);
	t->skel->rodata->vm_page_size = sysconf(_SC_PAGESIZE);
	t->skel->rodata->fault_page_size = sysconf(_SC_PAGESIZE);
	t->skel->rodata->filter_tgids = opts->filter_tgids;
	t->skel->rodata->filter_cgroups = opts->filter_cgroups;
	bpf_program__set_autoload(t->skel->progs.proc__fork,
				  opts->follow_forks && !opts->fork_tracepoint);
	bpf_program__set_autoload(t->skel->progs.proc__fork_tp,
				  opts->follow_forks && opts->fork_tracepoint);
	/* no classic fallback: the classic record names the group, not its
	 * ancestors; the caller's rescan finds those moves */
	bpf_program__set_autoload(t->skel->progs.proc__cgroup_attach,
				  opts->filter_cgroups && !opts->fork_tracepoint);
	if (opts->events & MT_EVENTS_MMAP) {
		t->vm = vm_map__new();
		if (!t->vm) {
			err = -ENOMEM;
			goto fail;
		}
	}
	select_kernel_progs(t);
	/* per-file choices: each file's entry says how (unwind_maps.c) */
	t->skel->rodata->unwind_mode = opts->unwind_mode != MT_UNWIND_KERNEL &&
				       opts->n_unwind_overrides ? MT_UNWIND_AUTO : opts->unwind_mode;
	/* 8 bytes a row: 8 MiB by default, about 1 MiB per 6 MiB of code */
	if ((err = bpf_map__set_max_entries(t->skel->maps.unwind_rows,
					     opts->unwind_mode == MT_UNWIND_DWARF ||
					     opts->unwind_mode == MT_UNWIND_AUTO || opts->n_unwind_overrides
					     ? (opts->unwind_rows ? opts->unwind_rows : 1u << 20) : 1)))
		goto fail;
	/* the slots, and a quarter more in the overflow: at one record a
	 * slot, about 18 % of them find their MT_LIVE_PROBES slots taken */
	live_slots = opts->max_allocs ? opts->max_allocs : bpf_map__max_entries(t->skel->maps.live);
	t->skel->rodata->live_slots = live_slots;
	if ((err = bpf_map__set_max_entries(t->skel->maps.live, live_slots)) ||
	    (err = bpf_map__set_max_entries(t->skel->maps.live_overflow,
					     live_slots / 4 > 1024 ? live_slots / 4 : 1024)))
		goto fail;
	if (opts->max_stacks &&
	    (err = bpf_map__set_max_entries(t->skel->maps.stacks, opts->max_stacks)))
		goto fail;
	/* a hash map is preallocated: no fault events, no room */
	if ((err = bpf_map__set_max_entries(t->skel->maps.fault_totals,
					     !(opts->events & MT_EVENTS_FAULTS) ? 1 :
					     opts->max_stacks ? opts->max_stacks * 4 :
					     bpf_map__max_entries(t->skel->maps.fault_totals))))
		goto fail;
	/* every map that can fill is sized from the command line */
	if (opts->max_procs &&
	    ((err = bpf_map__set_max_entries(t->skel->maps.rss, opts->max_procs)) ||
	     (err = bpf_map__set_max_entries(t->skel->maps.targets, opts->max_procs))))
		goto fail;
	if (opts->ring_bytes &&
	    (err = bpf_map__set_max_entries(t->skel->maps.events, opts->ring_bytes)))
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
	/* --sample: sessions (6.13+) let an unsampled call skip its return */
	t->use_session = t->use_multi && opts->sample_bytes && uprobe_multi__session_supported();
	if (t->use_session)
		bpf_program__set_expected_attach_type(t->skel->progs.session_call,
			(enum bpf_attach_type)MT_ATTACH_UPROBE_SESSION);
	else
		bpf_program__set_autoload(t->skel->progs.session_call, false);
	t->skel->rodata->sample_bytes = opts->sample_bytes;
	t->skel->rodata->sample_every_return = opts->sample_bytes && (opts->events & MT_EVENTS_MMAP);
	debug("uprobe attachment: %s", t->use_session ? "uprobe session links"
				       : t->use_multi ? "multi-uprobe links" : "classic uprobes");

	err = memtrail_bpf__load(t->skel);
	if (err)
		goto fail;
	t->live = live_table__open(t->skel);
	if (!t->live) {
		err = -errno;
		goto fail;
	}
	/* the process events, and the hooks whose programs name their
	 * attach point (fentry, tp_btf, tracepoints) */
	err = memtrail_bpf__attach(t->skel);
	if (err)
		goto fail;
	err = attach_kprobes(t);
	if (err)
		goto fail;
	t->events = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	if (!t->events) {
		err = -errno;
		goto fail;
	}
	if (opts->unwind_mode != MT_UNWIND_KERNEL) {
		struct unwind_maps_opts uopts = {
			.sz = sizeof(uopts),
			.mode = opts->unwind_mode,
			.overrides = opts->unwind_overrides,
			.n_overrides = opts->n_unwind_overrides,
			.rows_fd = bpf_map__fd(t->skel->maps.unwind_rows),
			.files_fd = bpf_map__fd(t->skel->maps.unwind_files),
			.proc_vmas_fd = bpf_map__fd(t->skel->maps.unwind_proc_vmas),
			.max_rows = bpf_map__max_entries(t->skel->maps.unwind_rows),
		};

		t->unwind = unwind_maps__new(&uopts);
		if (!t->unwind) {
			err = -errno;
			goto fail;
		}
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
	free(t->link_pids);
	free(t->multi_pids);
	free(t->spawns);
	ring_buffer__free(t->events);
	live_table__free(t->live);
	memtrail_bpf__destroy(t->skel);
	free(t->exited);
	free(t->execs);
	free(t->files);
	vm_map__free(t->vm);
	unwind_maps__free(t->unwind);
	free(t);
}

int tracer__remove_target(struct tracer *t, pid_t pid)
{
	uint32_t key = pid;

	if (bpf_map__delete_elem(t->skel->maps.targets, &key, sizeof(key), 0) && errno != ENOENT)
		return -errno;
	return 0;
}

int tracer__add_cgroup(struct tracer *t, uint64_t id, int level)
{
	uint8_t one = 1;

	if (level < 0 || level >= MT_CGROUP_MAX_LEVEL)
		return -ERANGE;
	if (bpf_map__update_elem(t->skel->maps.target_cgroups, &id, sizeof(id), &one,
				 sizeof(one), BPF_ANY))
		return -errno;
	/* the id first: a level bit never points at an id not yet there */
	__atomic_or_fetch(&t->skel->bss->cgroup_levels, 1ULL << level, __ATOMIC_SEQ_CST);
	return 0;
}

uint64_t tracer__mark_instant(struct tracer *t)
{
	uint64_t now = tracer__now_ns();

	/* after the reading: an allocation that sees the new epoch reads
	 * the clock afresh, later than now */
	__atomic_add_fetch(&t->skel->bss->clock_epoch, 1, __ATOMIC_SEQ_CST);
	return now;
}

size_t tracer__detach_pid(struct tracer *t, pid_t pid)
{
	size_t i, n, nfiles = 0;

	if (pid < 0)
		return 0;
	for (i = n = 0; i < t->nlinks; i++) {
		if (t->link_pids[i] == pid) {
			bpf_link__destroy(t->links[i]);
			t->nprobes--;
			continue;
		}
		t->link_pids[n] = t->link_pids[i];
		t->links[n++] = t->links[i];
	}
	t->nlinks = n;
	for (i = n = 0; i < t->nmulti; i++) {
		if (t->multi_pids[i] == pid) {
			close(t->multi_fds[i]);
			continue;
		}
		t->multi_pids[n] = t->multi_pids[i];
		t->multi_fds[n++] = t->multi_fds[i];
	}
	t->nmulti = n;
	for (i = n = 0; i < t->nfiles; i++) {
		if (t->files[i].pid == pid) {
			t->nprobes -= t->files[i].nprobes_multi;
			nfiles++;
			continue;
		}
		t->files[n++] = t->files[i];
	}
	t->nfiles = n;
	return nfiles;
}

int tracer__add_target(struct tracer *t, pid_t pid)
{
	uint32_t key = pid;
	uint8_t one = 1;

	if (bpf_map__update_elem(t->skel->maps.targets, &key, sizeof(key), &one, sizeof(one), BPF_ANY))
		return -errno;
	return 0;
}

static int keep_multi_fd(struct tracer *t, int fd, pid_t pid)
{
	if (grow_pair((void **)&t->multi_fds, sizeof(int), (void **)&t->multi_pids,
		      sizeof(pid_t), &t->multi_cap, t->nmulti)) {
		close(fd);
		return -ENOMEM;
	}
	t->multi_pids[t->nmulti] = pid;
	t->multi_fds[t->nmulti++] = fd;
	return 0;
}

/* The cookie of a probe: its function, and for a syscall wrapper probed
 * past pushes how far the stack grew since the entry. */
static uint64_t probe_cookie(const struct probe_point *p)
{
	return p->fn | (uint64_t)p->site.sp_delta << 32;
}

/* Two links for one (file, pid): every entry, and every allocating
 * function's return; the cookie tells the programs which function. */
static int attach_multi(struct tracer *t, const char *path, const struct probe_plan *plan,
			pid_t pid)
{
	uint64_t offsets[PROBE_PLAN_MAX], cookies[PROBE_PLAN_MAX];
	uint64_t ret_offsets[PROBE_PLAN_MAX], ret_cookies[PROBE_PLAN_MAX];
	size_t i, nret = 0;
	int fd, err;

	for (i = 0; i < plan->n; i++) {
		offsets[i] = plan->points[i].offset;
		cookies[i] = probe_cookie(&plan->points[i]);
		if (plan->points[i].has_return) {
			ret_cookies[nret] = cookies[i];
			ret_offsets[nret++] = offsets[i];
		}
	}
	if (t->use_session) {
		/* one link: entries, and the returns the entries ask for */
		fd = uprobe_multi__attach(bpf_program__fd(t->skel->progs.session_call), path,
					  offsets, cookies, plan->n, pid, UPROBE_MULTI_SESSION);
		if (fd < 0)
			return fd;
		err = keep_multi_fd(t, fd, pid);
		if (!err)
			t->nprobes += plan->n;
		return err;
	}
	fd = uprobe_multi__attach(bpf_program__fd(t->skel->progs.multi_enter), path,
				  offsets, cookies, plan->n, pid, UPROBE_MULTI_ENTRY);
	if (fd < 0)
		return fd;
	err = keep_multi_fd(t, fd, pid);
	if (err)
		return err;
	fd = uprobe_multi__attach(bpf_program__fd(t->skel->progs.multi_return), path,
				  ret_offsets, ret_cookies, nret, pid, UPROBE_MULTI_RETURN);
	if (fd < 0)
		return fd;
	err = keep_multi_fd(t, fd, pid);
	if (!err)
		t->nprobes += plan->n + nret;
	return err;
}

static int attach_one(struct tracer *t, struct bpf_program *prog, bool retprobe,
		      const char *path, const struct probe_point *p, pid_t pid)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uopts, .retprobe = retprobe, .bpf_cookie = probe_cookie(p));
	struct bpf_link *link;

	if (grow_links(t))
		return -ENOMEM;
	link = bpf_program__attach_uprobe_opts(prog, pid, path, p->offset, &uopts);
	if (!link)
		return -errno;
	t->link_pids[t->nlinks] = pid;
	t->links[t->nlinks++] = link;
	t->nprobes++;
	return 0;
}

/* Says where each probe of path went, and why one stays at its entry. */
static void log_plan(const char *path, const struct probe_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++) {
		const struct probe_point *p = &plan->points[i];

		if (p->site.offset)
			debug("%s: %s at file offset 0x%llx (entry+%u: %s)", path, p->name,
			      (unsigned long long)p->offset, p->site.offset, p->site.why);
		else if (p->site.emulated)
			debug("%s: %s at file offset 0x%llx (entry: %s)", path, p->name,
			      (unsigned long long)p->offset, p->site.why);
		else
			debug("%s: %s at file offset 0x%llx (entry, single-stepped by the kernel: %s)",
			      path, p->name, (unsigned long long)p->offset, p->site.why);
	}
	for (i = 0; i < plan->nskipped; i++)
		debug("%s: %s has no probe (%s)", path, plan->skipped[i].name, plan->skipped[i].why);
}

int tracer__attach_elf(struct tracer *t, const char *path, pid_t pid)
{
	struct probe_plan plan;
	size_t i, nprobes_before = t->nprobes;
	struct stat st;
	int err;

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
	err = probe_plan__build(path, t->opts.events & MT_EVENTS_MALLOC,
				t->opts.events & MT_EVENTS_MMAP, t->opts.probe_at_entry, &plan);
	if (err)
		return err;
	log_plan(path, &plan);
	if (plan.n && t->use_multi) {
		err = attach_multi(t, path, &plan, pid);
		if (t->use_session && (err == -EINVAL || err == -EOPNOTSUPP)) {
			warn("uprobe session links failed (%s): falling back to multi-uprobes",
			     strerror(-err));
			t->use_session = false;
			err = attach_multi(t, path, &plan, pid);
		}
		if (err == -EINVAL || err == -EOPNOTSUPP) {
			/* the feature probe said yes, the kernel says no */
			warn("multi-uprobe links failed (%s): falling back to classic uprobes",
			     strerror(-err));
			t->use_multi = false;
			err = 0;
		}
	}
	if (!t->use_multi) {
		for (i = 0; i < plan.n && !err; i++) {
			const struct probe_point *p = &plan.points[i];

			err = attach_one(t, entry_prog(t->skel, p->fn), false, path, p, pid);
			if (!err && p->has_return)
				err = attach_one(t, t->skel->progs.alloc_return, true, path, p, pid);
		}
	}
	if (err)
		return err;
	t->files[t->nfiles++] = (struct attached_file){ st.st_dev, st.st_ino, pid,
		t->use_multi ? t->nprobes - nprobes_before : 0 };
	return 0;
}

const struct vm_range *tracer__vm_ranges(struct tracer *t, pid_t pid, size_t *n)
{
	*n = 0;
	return t->vm ? vm_map__ranges(t->vm, pid, n) : NULL;
}

int tracer__load_unwind(struct tracer *t, pid_t pid, char *const *paths, size_t n)
{
	size_t i;
	int err;

	if (!t->unwind)
		return 0;
	for (i = 0; i < n; i++) {
		err = unwind_maps__add_path(t->unwind, paths[i], pid);
		if (err)
			debug("unwind: %s: %s", paths[i], strerror(-err));
	}
	err = unwind_maps__add_pid(t->unwind, pid);
	return err == -ESRCH || err == -ENOENT ? 0 : err; /* gone: nothing to walk */
}

void tracer__unwind_stats(const struct tracer *t, struct unwind_maps_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (t->unwind)
		unwind_maps__stats(t->unwind, st);
}

int tracer__event_fd(const struct tracer *t)
{
	return ring_buffer__epoll_fd(t->events);
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
	size_t i;
	int err;

	err = ring_buffer__poll(t->events, timeout_ms);
	if (err < 0 && err != -EINTR)
		return err;
	/* exits only: a command's exec event comes after its new image's
	 * tables were loaded; the old image's go when the process does */
	for (i = 0; t->unwind && i < t->nexited; i++)
		unwind_maps__forget_pid(t->unwind, t->exited[i]);
	if (t->nexecs) {
		tracer_purge_replaced(t, t->execs, t->nexecs);
		t->nexecs = 0;
	}
	if (t->nexited) {
		tracer_purge_exited(t, t->exited, t->nexited);
		t->nexited = 0;
	}
	for (i = 0; i < t->nspawns && t->opts.on_spawn; i++)
		t->opts.on_spawn(t->spawns[i].tgid, t->spawns[i].type, t->spawns[i].ts_ns,
				 t->opts.ctx);
	t->nspawns = 0;
	return err < 0 ? err : 0;
}
