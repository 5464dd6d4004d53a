// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One trace from start to report: pick the targets, load and attach,
 * poll until the duration ends, a signal arrives or the targets are gone,
 * and write the reports. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "cgroup.h"
#include "cgroup_members.h"
#include "command.h"
#include "hook_plan.h"
#include "kernel_features.h"
#include "kube_target.h"
#include "log.h"
#include "options.h"
#include "procfs.h"
#include "report.h"
#include "serve.h"
#include "symbolize.h"
#include "targets.h"
#include "tracer.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

struct target {
	pid_t pid;
	char comm[16];
	bool exited;
};

struct session {
	const struct options *opts;
	struct tracer *tracer;
	struct symbolizer *sym;
	struct command *cmd;
	FILE *out;
	enum mt_target_kind kind;
	char *target_desc;
	struct target *targets; /* pid and command modes */
	struct cgroup_ref cg;	/* cgroup mode: the group */
	struct kube_cgroup kube; /* --pod, --container: what the group is */
	struct cgroup_members *members; /* ... and its processes */
	size_t ntargets, nexited;
	char **exit_notes;	/* what exited targets held, for the report */
	size_t nexit_notes;
	uint64_t host_exits;	/* whole-host mode: processes that exited holding */
	int64_t host_exit_bytes, host_exit_allocs; /* ...this much, removed */
	double start_s;
	unsigned int nreports;	/* written so far */
	struct hook_plan plan;	/* kernel hooks: the path each one takes */
	char **hook_notes;	/* requested kernel events this kernel cannot give */
	size_t nhook_notes;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --ring-kib in bytes: the kernel wants a power of two of pages */
static uint32_t ring_bytes(uint32_t kib)
{
	uint32_t bytes = 4096;

	if (!kib)
		return 0;
	while (bytes < kib * 1024u)
		bytes <<= 1;
	return bytes;
}

/* CPU time of this thread: what a report costs, whatever else runs */
static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct target *find_target(struct session *s, pid_t pid)
{
	size_t i;

	for (i = 0; i < s->ntargets; i++)
		if (s->targets[i].pid == pid)
			return &s->targets[i];
	return NULL;
}

static void on_exit_cb(pid_t pid, int64_t bytes, int64_t allocs, void *ctx)
{
	struct session *s = ctx;
	struct target *t = find_target(s, pid);
	char **tmp, *note;

	/* its entries are gone, so is the need for its maps (pid reuse) */
	symbolizer__forget_process(s->sym, pid);
	if (s->members) { /* counted there, one note for all */
		cgroup_members__on_exit(s->members, pid);
		return;
	}
	if (s->kind != MT_TARGET_SYSTEM && !t)
		return;
	if (t && !t->exited) {
		t->exited = true;
		s->nexited++;
	}
	if (s->kind == MT_TARGET_COMMAND)
		return; /* command mode reports at the exit stop, with frames */
	if (!t) {
		/* the whole host: processes come and go, one summary line */
		if (allocs > 0) {
			s->host_exits++;
			s->host_exit_bytes += bytes;
			s->host_exit_allocs += allocs;
		}
		return;
	}
	if (asprintf(&note, "pid %d (%s) exited during the trace; the %lld bytes in "
		     "%lld allocations it still held%s were removed", pid, t->comm,
		     (long long)bytes, (long long)allocs,
		     s->opts->sample_bytes ? " (estimated from samples)" : "") < 0)
		return;
	tmp = reallocarray(s->exit_notes, s->nexit_notes + 1, sizeof(*tmp));
	if (!tmp) {
		free(note);
		return;
	}
	s->exit_notes = tmp;
	s->exit_notes[s->nexit_notes++] = note;
	info("%s", note);
}

static bool keep_target(pid_t pid, void *ctx)
{
	struct session *s = ctx;

	if (s->members)
		return cgroup_members__find(s->members, pid) != NULL;
	return s->kind == MT_TARGET_SYSTEM || find_target(s, pid);
}

static int add_target(struct session *s, pid_t pid)
{
	struct target *tmp = reallocarray(s->targets, s->ntargets + 1, sizeof(*tmp));

	if (!tmp)
		return -ENOMEM;
	s->targets = tmp;
	memset(&s->targets[s->ntargets], 0, sizeof(*tmp));
	s->targets[s->ntargets].pid = pid;
	if (s->tracer && tracer__add_target(s->tracer, pid))
		return -ENOMEM;
	if (procfs__read_comm(NULL, pid, s->targets[s->ntargets].comm,
			      sizeof(tmp->comm)))
		strcpy(s->targets[s->ntargets].comm, "?");
	s->ntargets++;
	return 0;
}

/* Attaches to every allocator file pid maps. 0, or an exit code. */
static int attach_pid(struct session *s, pid_t pid)
{
	struct alloc_providers prov;
	size_t i;
	int err;

	err = targets__find_providers(NULL, pid, &prov);
	if (err == -ESRCH || err == -ENOENT) {
		error("pid %d does not exist", pid);
		return EXIT_USAGE;
	}
	if (err) {
		error("pid %d: cannot read its memory maps: %s", pid, strerror(-err));
		return EXIT_RUNTIME;
	}
	if (!prov.n) {
		error("pid %d (%s): no file it maps defines malloc and free "
		      "(a kernel thread, or a static binary without symbols)", pid,
		      find_target(s, pid) ? find_target(s, pid)->comm : "?");
		targets__free_providers(&prov);
		return EXIT_USAGE;
	}
	/* its tables before its probes: no allocation unwinds without them */
	if ((err = tracer__load_unwind(s->tracer, pid, NULL, 0)))
		warn("pid %d: cannot load unwind tables: %s", pid, strerror(-err));
	err = 0;
	for (i = 0; i < prov.n && !err; i++) {
		err = tracer__attach_elf(s->tracer, prov.v[i].path, pid);
		if (err && kill(pid, 0) && errno == ESRCH)
			error("pid %d exited before tracing began", pid);
		else if (err)
			error("pid %d: cannot attach to %s: %s", pid, prov.v[i].map_path,
			      strerror(-err));
		else
			debug("pid %d: probing %s", pid, prov.v[i].map_path);
	}
	targets__free_providers(&prov);
	if (err)
		return kill(pid, 0) && errno == ESRCH ? EXIT_USAGE : EXIT_RUNTIME;
	symbolizer__cache_process(s->sym, pid);
	return EXIT_OK;
}

static int setup_pids(struct session *s)
{
	const struct options *o = s->opts;
	size_t i, len;
	FILE *f;
	int rc;

	for (i = 0; i < o->npids; i++) {
		pid_t pid = o->pids[i];

		if (procfs__read_tgid(NULL, pid, &pid)) {
			error("pid %d does not exist", o->pids[i]);
			return EXIT_USAGE;
		}
		/* a thread id stands for its process: the probes and the
		 * report are per process */
		if (pid != o->pids[i])
			info("%d is a thread of process %d: tracing the process",
			     o->pids[i], pid);
		if (find_target(s, pid))
			continue;
		if (add_target(s, pid))
			return EXIT_RUNTIME;
	}
	for (i = 0; i < s->ntargets; i++) {
		rc = attach_pid(s, s->targets[i].pid);
		if (rc)
			return rc;
	}
	f = open_memstream(&s->target_desc, &len);
	if (!f)
		return EXIT_RUNTIME;
	for (i = 0; i < s->ntargets; i++)
		fprintf(f, "%s%d", i ? "," : "", s->targets[i].pid);
	return fclose(f) ? EXIT_RUNTIME : EXIT_OK;
}

static int setup_system(struct session *s)
{
	struct alloc_providers prov;
	size_t i;
	int err;

	/* "the host's libc": the one memtrail itself runs on */
	err = targets__find_providers(NULL, getpid(), &prov);
	if (err || !prov.n) {
		error("cannot find the host's C library in /proc/self/maps: %s",
		      err ? strerror(-err) : "no file defines malloc");
		targets__free_providers(&prov);
		return EXIT_RUNTIME;
	}
	for (i = 0; i < prov.n && !err; i++) {
		err = tracer__attach_elf(s->tracer, prov.v[i].map_path, -1);
		if (err)
			error("cannot attach to %s: %s", prov.v[i].map_path, strerror(-err));
	}
	if (!err && asprintf(&s->target_desc, "every process using %s", prov.v[0].map_path) < 0)
		err = -ENOMEM;
	targets__free_providers(&prov);
	return err ? EXIT_RUNTIME : EXIT_OK;
}

/* Attaches to the allocator files of the (stopped) command's image. */
static int attach_command_image(struct session *s)
{
	struct alloc_providers prov;
	pid_t pid = command__pid(s->cmd);
	char **paths;
	size_t n, i;
	int err, uerr;

	err = command__object_paths(s->cmd, &paths, &n);
	if (err) {
		error("cannot list the libraries of '%s': %s", s->opts->command[0],
		      strerror(-err));
		return EXIT_RUNTIME;
	}
	err = targets__providers_from_paths(paths, n, &prov);
	/* the libraries' tables before the command maps them */
	if (!err && (uerr = tracer__load_unwind(s->tracer, pid, paths, n)))
		warn("'%s': cannot load unwind tables: %s", s->opts->command[0], strerror(-uerr));
	command__free_paths(paths, n);
	if (err) {
		error("cannot read the libraries of '%s': %s", s->opts->command[0],
		      strerror(-err));
		return EXIT_RUNTIME;
	}
	if (!prov.n) {
		error("'%s': neither it nor its libraries define malloc and free",
		      s->opts->command[0]);
		targets__free_providers(&prov);
		return EXIT_USAGE;
	}
	for (i = 0; i < prov.n && !err; i++) {
		err = tracer__attach_elf(s->tracer, prov.v[i].path, pid);
		if (err)
			error("cannot attach to %s: %s", prov.v[i].path, strerror(-err));
		else
			debug("command pid %d: probing %s", pid, prov.v[i].path);
	}
	targets__free_providers(&prov);
	return err ? EXIT_RUNTIME : EXIT_OK;
}

static int setup_command(struct session *s)
{
	char **argv = s->opts->command;
	size_t i, len;
	FILE *f;
	int err, rc;

	err = command__start(argv, &s->cmd);
	if (err) {
		error("cannot run '%s': %s", argv[0], strerror(-err));
		return EXIT_USAGE;
	}
	if (add_target(s, command__pid(s->cmd)))
		return EXIT_RUNTIME;
	rc = attach_command_image(s);
	if (rc)
		return rc;
	f = open_memstream(&s->target_desc, &len);
	if (!f)
		return EXIT_RUNTIME;
	for (i = 0; argv[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", argv[i]);
	if (fclose(f))
		return EXIT_RUNTIME;
	err = command__resume(s->cmd);
	if (err) {
		error("cannot start '%s': %s", argv[0], strerror(-err));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

static void on_spawn_cb(pid_t pid, uint32_t type, uint64_t ts_ns, void *ctx)
{
	struct session *s = ctx;

	if (s->members)
		cgroup_members__on_spawn(s->members, pid, type, ts_ns);
}

/* Before the tracer: what --cgroup names decides how it filters. 0 or an
 * exit code. */
static int resolve_cgroup(struct session *s, struct tracer_opts *topts)
{
	const char *arg = s->opts->cgroup;
	char mount[PATH_MAX], *kube_path = NULL;
	struct btf *btf;
	int err;

	err = cgroup__find_v2_mount(NULL, mount, sizeof(mount));
	if (err && err != -ENOENT) {
		error("cannot read /proc/self/mountinfo: %s", strerror(-err));
		return EXIT_RUNTIME;
	}
	if (s->opts->pod || s->opts->container) {
		int rc = kube_target__resolve(NULL, s->opts->pod, s->opts->container,
					      &kube_path, &s->kube);

		if (rc)
			return rc;
		arg = kube_path;
	}
	err = cgroup__resolve(err ? NULL : mount, arg, &s->cg);
	if (err) {
		error("cgroup '%s' %s", arg,
		      err == -ENOENT ? "not found" :
		      err == -ENOTDIR ? "is not a cgroup directory" :
		      err == -EINVAL ? "is not a cgroup path or id" : strerror(-err));
		free(kube_path);
		return EXIT_USAGE;
	}
	free(kube_path);
	/* cgroup2: the kernel knows each task's group, BPF filters by id;
	 * v1: only member pids can be followed */
	topts->filter_cgroups = s->cg.v2;
	topts->filter_tgids = !s->cg.v2;
	topts->follow_forks = true;
	btf = btf__load_vmlinux_btf();
	topts->fork_tracepoint = !btf ||
		btf__find_by_name_kind(btf, "btf_trace_sched_process_fork", BTF_KIND_TYPEDEF) <= 0;
	btf__free(btf);
	debug("cgroup %s: id %llu, level %d, %s", s->cg.path, (unsigned long long)s->cg.id,
	      s->cg.level, s->cg.v2 ? "cgroup2" : "cgroup v1 (following pids)");
	return EXIT_OK;
}

static int setup_cgroup(struct session *s)
{
	struct cgroup_members_opts mopts = {
		.sz = sizeof(mopts), .tracer = s->tracer, .sym = s->sym, .cg = &s->cg,
	};
	int err;

	if (s->cg.v2 && (err = tracer__add_cgroup(s->tracer, s->cg.id, s->cg.level))) {
		error("cgroup '%s': cannot filter on it: %s", s->cg.path, strerror(-err));
		return EXIT_RUNTIME;
	}
	s->members = cgroup_members__new(&mopts);
	s->target_desc = strdup(s->opts->pod ? s->kube.pod_uid
				: s->opts->container ? s->kube.container_id : s->cg.path);
	if (!s->members || !s->target_desc)
		return EXIT_RUNTIME;
	err = cgroup_members__scan(s->members);
	if (err) {
		error("cgroup '%s': cannot list its processes: %s", s->cg.path, strerror(-err));
		return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* The group's processes in the report, with their RSS, and what the
 * trace of the group could not see. */
static int add_member_processes(struct session *s, struct mt_profile *p)
{
	const struct cgroup_member *mb;
	size_t n, i;

	mb = cgroup_members__list(s->members, &n);
	for (i = 0; i < n; i++) {
		struct mt_process *proc = mt_profile__process(p, mb[i].pid, mb[i].comm);

		if (!proc)
			return -ENOMEM;
		if (!proc->rss_bytes)
			procfs__read_rss(NULL, proc->pid, &proc->rss_bytes);
	}
	if (s->opts->pod && mt_profile__add_note(p, "pod %s (%s): cgroup %s", s->kube.pod_uid,
						 kube_qos__str(s->kube.qos), s->cg.path))
		return -ENOMEM;
	if (s->opts->container &&
	    mt_profile__add_note(p, "container %s (%s) of pod %s (%s): cgroup %s",
				 s->kube.container_id, kube_runtime__str(s->kube.runtime),
				 s->kube.pod_uid, kube_qos__str(s->kube.qos), s->cg.path))
		return -ENOMEM;
	return cgroup_members__add_notes(s->members, p);
}

/* One report of what is outstanding now. 0 or an exit code. */
static int emit_report(struct session *s, bool final)
{
	struct mt_profile *p;
	double build_start = now_s(), build_cpu = thread_cpu_s();
	size_t i;
	int err = 0;

	p = report__build(s->tracer, s->sym,
			  s->opts->pod ? MT_TARGET_POD : s->opts->container ? MT_TARGET_CONTAINER : s->kind,
			  s->target_desc,
			  s->opts->min_age_ns, keep_target, s);
	if (!p) {
		error("cannot read the trace: %s", strerror(errno));
		return EXIT_RUNTIME;
	}
	/* the tracer's own cost belongs in every summary; without it the
	 * report still stands */
	if (tracer__cost(s->tracer, &p->tracer))
		p->tracer.known = false;
	p->tracer.report_build_s = now_s() - build_start;
	p->tracer.report_build_cpu_s = thread_cpu_s() - build_cpu;
	p->duration_s = now_s() - s->start_s;
	for (i = 0; i < s->ntargets && !err; i++) {
		struct mt_process *proc;

		if (s->targets[i].exited && s->kind != MT_TARGET_COMMAND)
			continue;
		proc = mt_profile__process(p, s->targets[i].pid, s->targets[i].comm);
		if (!proc)
			err = -ENOMEM;
		else if (!proc->rss_bytes)
			procfs__read_rss(NULL, proc->pid, &proc->rss_bytes);
	}
	if (s->members && !err)
		err = add_member_processes(s, p);
	if (s->cmd && (command__check(s->cmd) == CMD_AT_EXIT ||
		       command__check(s->cmd) == CMD_GONE)) {
		p->command_exited = true;
		p->command_exit_code = command__exit_code(s->cmd);
	}
	for (i = 0; i < s->nexit_notes && !err; i++)
		err = mt_profile__add_note(p, "%s", s->exit_notes[i]);
	for (i = 0; i < s->nhook_notes && !err; i++)
		err = mt_profile__add_note(p, "%s", s->hook_notes[i]);
	if (!err && s->host_exits)
		err = mt_profile__add_note(p, "%llu processes exited during the trace; the %lld "
					   "bytes in %lld allocations they still held were removed",
					   (unsigned long long)s->host_exits,
					   (long long)s->host_exit_bytes,
					   (long long)s->host_exit_allocs);
	if (!err && final && s->kind == MT_TARGET_PID && s->nexited == s->ntargets)
		err = mt_profile__add_note(p, "every target process exited; the trace ended");
	if (!err && (s->opts->events & MT_EVENTS_KERNEL)) {
		err = report__add_accounts(p, s->tracer);
		if (err)
			warn("cannot account for the processes' RSS: %s", strerror(-err));
		err = 0; /* the report stands without it */
	}
	if (!err) {
		mt_profile__finish(p);
		/* periodic text reports: a blank line between one and the next */
		if (s->nreports++ && s->opts->format == FORMAT_TEXT)
			fputc('\n', s->out);
		err = report__write(p, s->opts, s->out);
		if (err)
			error("cannot write the report: %s", strerror(-err));
	}
	mt_profile__free(p);
	return err ? EXIT_RUNTIME : EXIT_OK;
}

/* serve's loop calls this after each poll (with serve's lock held). A
 * removed group is serve's to report (/healthz), not a reason to stop. */
static int serve_step(void *ctx, int *poll_ms)
{
	struct session *s = ctx;

	if (!s->members)
		return EXIT_OK;
	cgroup_members__tick(s->members);
	/* a member that just exec'd maps its libc within milliseconds */
	if (cgroup_members__pending(s->members))
		*poll_ms = 5;
	return EXIT_OK;
}

static bool serve_traced(void *ctx, pid_t pid)
{
	struct session *s = ctx;
	const struct cgroup_member *m = s->members ? cgroup_members__find(s->members, pid) : NULL;

	return !s->members || (m && m->attached);
}

/* Polls until the end; reports at intervals and at the end. */
static int trace_loop(struct session *s)
{
	const struct options *o = s->opts;
	double next_report = o->interval_s ? s->start_s + o->interval_s : 0;
	int err, rc;

	while (!stop_requested) {
		double now = now_s();

		if (o->duration_s && now - s->start_s >= o->duration_s)
			break;
		/* a member that just exec'd maps its libc within milliseconds */
		err = tracer__poll(s->tracer, s->members && cgroup_members__pending(s->members)
				   ? 5 : 100);
		if (err && err != -EINTR) {
			error("polling BPF events: %s", strerror(-err));
			return EXIT_RUNTIME;
		}
		if (s->cmd) {
			switch (command__check(s->cmd)) {
			case CMD_EXEC:
				/* a new image (the tracer drops the old one's
				 * allocations on the exec event): new maps, maybe
				 * a new allocator file */
				symbolizer__forget_process(s->sym, command__pid(s->cmd));
				/* drop the old image's entries before the new
				 * one runs and reuses their addresses */
				tracer__poll(s->tracer, 0);
				rc = attach_command_image(s);
				if (rc)
					return rc;
				command__resume(s->cmd);
				break;
			case CMD_AT_EXIT:
				/* report while its memory map still exists */
				symbolizer__cache_process(s->sym, command__pid(s->cmd));
				return emit_report(s, true);
			case CMD_GONE:
				warn("the command ended without an exit stop; "
				     "its allocations could not be reported");
				return emit_report(s, true);
			case CMD_RUNNING:
				break;
			}
		}
		if (s->kind == MT_TARGET_PID && s->nexited == s->ntargets)
			break;
		if (s->members && cgroup_members__tick(s->members) == -ENOENT) {
			warn("cgroup '%s' was removed; the trace ended", s->cg.path);
			break;
		}
		if (next_report && now_s() >= next_report) {
			rc = emit_report(s, false);
			if (rc)
				return rc;
			next_report += o->interval_s;
		}
	}
	return emit_report(s, true);
}

static int add_hook_note(struct session *s, const char *fmt, const char *a, const char *b)
{
	char **tmp = reallocarray(s->hook_notes, s->nhook_notes + 1, sizeof(*tmp));

	if (!tmp)
		return -ENOMEM;
	s->hook_notes = tmp;
	if (asprintf(&s->hook_notes[s->nhook_notes], fmt, a, b) < 0)
		return -ENOMEM;
	warn("%s", s->hook_notes[s->nhook_notes++]);
	return 0;
}

/* Which path each kernel hook takes here. A hook with no path is left out
 * with a warning and a note in the report; a path the user forced that
 * this kernel lacks is an error. 0 or an exit code. */
static int plan_kernel_hooks(struct session *s)
{
	struct kernel_features f;
	enum hook_id h;
	int err;

	kernel_features__probe(&f, true);
	err = hook_plan__choose(&f, s->opts->kernel_hooks, &s->plan);
	for (h = 0; h < HOOK__COUNT; h++) {
		const struct hook_choice *c = &s->plan.hooks[h];

		if (err && c->path == PATH_NONE && s->opts->kernel_hooks != PATH_NONE) {
			error("--kernel-hooks %s: %s", hook_path__name(s->opts->kernel_hooks), c->why);
			return EXIT_USAGE;
		}
		debug("%s hook: %s (%s)", hook__name(h), hook_path__name(c->path), c->why);
	}
	for (h = 0; h < HOOK__COUNT; h++) {
		bool wanted = (h == HOOK_FAULT ? MT_EVENTS_FAULTS
			       : h == HOOK_RSS ? MT_EVENTS_RSS : MT_EVENTS_MMAP) & s->opts->events;

		if (wanted && s->plan.hooks[h].path == PATH_NONE &&
		    add_hook_note(s, "%s events are not traced on this kernel: %s",
				  hook__name(h), s->plan.hooks[h].why))
			return EXIT_RUNTIME;
	}
	return EXIT_OK;
}

/* Every probe is a file descriptor (17 per traced process and allocator
 * file): the default soft limit of 1024 runs out at about 60 processes. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			debug("cannot raise the open-file limit: %s", strerror(errno));
	}
}

static int run(const struct options *opts, struct serve *srv)
{
	struct tracer_opts topts = {
		.sz = sizeof(topts),
		.max_allocs = opts->max_allocs,
		.max_stacks = opts->max_stacks,
		.max_procs = opts->max_procs,
		.ring_bytes = ring_bytes(opts->ring_kib),
		.empty_programs = opts->empty_programs,
		.no_multi = opts->classic_uprobes,
		.probe_at_entry = opts->probe_at_entry,
		.thread_fallback = opts->thread_fallback,
		.sample_bytes = opts->sample_bytes,
		.on_exit = on_exit_cb,
		.unwind_mode = opts->unwind,
		.unwind_overrides = opts->unwind_files,
		.n_unwind_overrides = opts->n_unwind_files,
	};
	struct symbolizer_opts sopts = { .sz = sizeof(sopts), .java = opts->java };
	struct sigaction sa = { .sa_handler = on_signal };
	struct session s = { .opts = opts };
	size_t i;
	int rc = EXIT_OK;

	s.kind = opts->command ? MT_TARGET_COMMAND
		 : opts->npids ? MT_TARGET_PID
		 : opts->cgroup || opts->pod || opts->container ? MT_TARGET_CGROUP
		 : MT_TARGET_SYSTEM;
	s.out = stdout;
	if (opts->output) {
		s.out = fopen(opts->output, "w");
		if (!s.out) {
			error("cannot open output file '%s': %s", opts->output, strerror(errno));
			return EXIT_USAGE;
		}
	}
	/* CO-RE needs the kernel's own type information */
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		error("this kernel has no BTF (/sys/kernel/btf/vmlinux: %s): memtrail needs "
		      "a kernel built with CONFIG_DEBUG_INFO_BTF", strerror(errno));
		rc = EXIT_RUNTIME;
		goto out;
	}
	raise_fd_limit();
	if (opts->events & MT_EVENTS_KERNEL) {
		rc = plan_kernel_hooks(&s);
		if (rc)
			goto out;
		topts.plan = &s.plan;
	}
	topts.events = opts->events;
	topts.filter_tgids = s.kind != MT_TARGET_SYSTEM;
	topts.ctx = &s;
	topts.on_spawn = on_spawn_cb;
	if (s.kind == MT_TARGET_CGROUP && (rc = resolve_cgroup(&s, &topts)))
		goto out;
	s.tracer = tracer__new(&topts);
	if (!s.tracer) {
		int e = errno;

		/* as root, EACCES is the verifier refusing a program */
		bool refused = e == EPERM || e == EACCES;

		error("cannot load the BPF programs: %s%s", strerror(e),
		      refused && geteuid()  ? " (run as root)"
		      : refused             ? " (-v shows the verifier's log)"
					    : " (-v shows why)");
		rc = EXIT_RUNTIME;
		goto out;
	}
	s.sym = symbolizer__new(&sopts);
	if (!s.sym) {
		error("cannot create the symbolizer: %s", strerror(errno));
		rc = EXIT_RUNTIME;
		goto out;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	switch (s.kind) {
	case MT_TARGET_COMMAND:
		rc = setup_command(&s);
		break;
	case MT_TARGET_PID:
		rc = setup_pids(&s);
		break;
	case MT_TARGET_SYSTEM:
	default:
		rc = setup_system(&s);
		break;
	case MT_TARGET_CGROUP:
	case MT_TARGET_POD:	/* the session traces their cgroup */
	case MT_TARGET_CONTAINER:
		rc = setup_cgroup(&s);
		break;
	}
	if (rc)
		goto out;
	/* before the line that tells the world probes are in: an allocation
	 * made right after it must never look older than the trace */
	s.start_s = now_s();
	info("tracing %s (%zu probes); Ctrl-C to stop", s.target_desc,
	     tracer__nprobes(s.tracer));
	if (srv) {
		struct serve_host host = {
			.tracer = s.tracer, .sym = s.sym, .stop = &stop_requested,
			.step = serve_step, .traced = serve_traced, .ctx = &s,
		};

		rc = serve__run(srv, &host);
	} else {
		rc = trace_loop(&s);
	}
out:
	if (s.cmd)
		command__free(s.cmd);
	cgroup_members__free(s.members);
	cgroup__ref_free(&s.cg);
	symbolizer__free(s.sym);
	tracer__free(s.tracer);
	if (s.out && s.out != stdout && fclose(s.out) && !rc) {
		error("cannot write '%s': %s", opts->output, strerror(errno));
		rc = EXIT_RUNTIME;
	}
	for (i = 0; i < s.nexit_notes; i++)
		free(s.exit_notes[i]);
	free(s.exit_notes);
	for (i = 0; i < s.nhook_notes; i++)
		free(s.hook_notes[i]);
	free(s.hook_notes);
	free(s.targets);
	free(s.target_desc);
	return rc;
}

int session__run(const struct options *opts)
{
	return run(opts, NULL);
}

int session__serve(const struct options *opts, struct serve *srv)
{
	return run(opts, srv);
}
