// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memtrail: command line -> options. Everything else lives in session.c. */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "check.h"
#include "log.h"
#include "options.h"
#include "serve.h"
#include "targets.h"

const char *argp_program_version = "memtrail 0.1";

static const char doc[] =
"memtrail: find the code paths that hold growing native memory.\n"
"\n"
"Traces the glibc malloc family with eBPF uprobes and reports, largest first, "
"the call stacks that hold outstanding allocations: exact bytes, counts, "
"age, process and symbolized frames.\n"
"\n"
"USAGE: memtrail [OPTIONS] [--pid PID[,PID...] | --cgroup PATH|ID | --pod UID |\n"
"                 --container ID | -- COMMAND [ARGS...]]\n"
"       memtrail serve [--listen ADDR] [--cgroup PATH|ID] [OPTIONS]\n"
"No target traces every process that uses the host's C library. serve keeps "
"tracing the node's pods (or --cgroup) and answers over HTTP: /healthz, /pods, "
"/pods/UID/heap?seconds=N, /cgroups/ID/heap, /metrics.\n"
"\n"
"EXAMPLES:\n"
"  memtrail --pid 1234 --duration 30     what pid 1234 allocates and keeps, over 30 s\n"
"  memtrail -- ./server --port 8080      run a command; report what it still holds at exit\n"
"  memtrail --cgroup system.slice/nginx.service --duration 60   a whole cgroup, newcomers too\n"
"  memtrail --format json --output leak.json --pid 1234,1240\n"
"  memtrail --pod UID --duration 300 --format json -o leak.json   one pod\n"
"  memtrail --format pprof -o leak.pb.gz --pid 1234   for go tool pprof\n"
"  memtrail --format html -o leak.html --pid 1234     a flame graph for a browser\n"
"  memtrail --interval 10 --min-age 60   every 10 s, allocations older than a minute\n"
"  memtrail --check                      what this kernel offers, and how memtrail will hook it\n"
"  memtrail serve --listen 127.0.0.1:9810   the pods of this node, over HTTP\n"
"\n"
"Exit status: 0 ok, 1 runtime failure, 2 bad usage or input.";

enum {
	OPT_PID = 'p',
	OPT_DURATION = 'd',
	OPT_INTERVAL = 'i',
	OPT_TOP = 'n',
	OPT_FORMAT = 'f',
	OPT_OUTPUT = 'o',
	OPT_VERBOSE = 'v',
	OPT_QUIET = 'q',
	OPT_MIN_AGE = 1000,
	OPT_MAX_ALLOCS,
	OPT_MAX_STACKS,
	OPT_MAX_PROCS,
	OPT_RING_KIB,
	OPT_BENCH_FLOOR,
	OPT_CLASSIC_UPROBES,
	OPT_PROBE_AT_ENTRY,
	OPT_THREAD_FALLBACK,
	OPT_SAMPLE,
	OPT_EVENTS,
	OPT_CHECK,
	OPT_KERNEL_HOOKS,
	OPT_UNWIND,
	OPT_UNWIND_FILE,
	OPT_JAVA,
	OPT_CGROUP,
	OPT_POD,
	OPT_CONTAINER,
	OPT_LISTEN,
	OPT_MAX_GROUPS,
};

static const struct argp_option argp_options[] = {
	{ NULL, 0, NULL, 0, "Target (default: the whole host):", 1 },
	{ "pid", OPT_PID, "PID[,PID...]", 0, "Trace these processes only", 1 },
	{ "cgroup", OPT_CGROUP, "PATH|ID", 0, "Trace every process of this cgroup and the groups below it, "
	  "those that join later too: a directory (absolute, or relative to the cgroup2 mount) or "
	  "a cgroup2 id (the directory's inode)", 1 },
	{ "pod", OPT_POD, "UID", 0, "Trace a Kubernetes pod of this node, as --cgroup traces its cgroup "
	  "(systemd or cgroupfs kubelet driver; containerd, CRI-O or docker)", 1 },
	{ "container", OPT_CONTAINER, "ID", 0, "Trace one container of a pod: its ID, a unique prefix of at "
	  "least 4 hex digits, or containerd://ID as the pod's status shows it", 1 },
	{ NULL, 0, NULL, OPTION_DOC, "-- COMMAND ARGS...  Run COMMAND, traced from its first allocation", 1 },

	{ "events", OPT_EVENTS, "LIST", 0, "What to trace: malloc (default), mmap, faults, rss, or all; "
	  "comma-separated (mmap includes malloc). Kernel events add an RSS accounting to the report", 1 },

	{ NULL, 0, NULL, 0, "Reporting:", 2 },
	{ "duration", OPT_DURATION, "SEC", 0, "Stop after SEC seconds (default: Ctrl-C, or when the targets exit)", 2 },
	{ "interval", OPT_INTERVAL, "SEC", 0, "Also report every SEC seconds", 2 },
	{ "min-age", OPT_MIN_AGE, "SEC", 0, "Only allocations at least SEC seconds old", 2 },
	{ "sample", OPT_SAMPLE, "BYTES", 0, "Record one allocation per BYTES allocated on average "
	  "(random, per thread; e.g. 524288) and report scaled estimates: cheap enough to leave on", 2 },
	{ "top", OPT_TOP, "N", 0, "Show the N largest stacks (default: all)", 2 },
	{ "java", OPT_JAVA, NULL, 0, "Name Java frames: ask each traced JVM for its perf map at report time (jcmd PID Compiler.perfmap, JDK 17+; start the JVM with -XX:+PreserveFramePointer)", 2 },
	{ "format", OPT_FORMAT, "FMT", 0, "text (default), json, folded (flame graph "
	  "stacks), pprof (gzipped profile.proto) or html (interactive flame graph)", 2 },
	{ "output", OPT_OUTPUT, "FILE", 0, "Write the report to FILE instead of stdout", 2 },

	{ NULL, 0, NULL, 0, "serve (memtrail serve):", 4 },
	{ "listen", OPT_LISTEN, "ADDR", 0, "HOST:PORT to answer on (default 127.0.0.1:9810; port 0: a free one, "
	  "printed on stdout as 'listening on http://HOST:PORT')", 4 },
	{ "max-groups", OPT_MAX_GROUPS, "N", 0, "Pods and cgroups tracked at most (default 4096); "
	  "more are counted as untracked", 4 },

	{ NULL, 0, NULL, 0, "Limits and diagnostics:", 3 },
	{ "max-allocs", OPT_MAX_ALLOCS, "N", 0, "Slots for outstanding allocations (default 262144), and a quarter as many in an overflow; more are counted as drops", 3 },
	{ "max-stacks", OPT_MAX_STACKS, "N", 0, "Distinct stacks kept (default 16384)", 3 },
	{ "max-procs", OPT_MAX_PROCS, "N", 0, "Processes whose RSS counters are followed, and target processes (default 16384 and 65536)", 3 },
	{ "ring-kib", OPT_RING_KIB, "KIB", 0, "Event ring buffer in KiB, rounded up to a power of two (default 1024)", 3 },
	{ "verbose", OPT_VERBOSE, NULL, 0, "More diagnostics on stderr (-vv: libbpf's too)", 3 },
	{ "quiet", OPT_QUIET, NULL, 0, "Only warnings and errors on stderr", 3 },
	{ "check", OPT_CHECK, NULL, 0, "Print what this kernel offers and the path each kernel hook will take, then exit (0: memtrail can trace here)", 3 },
	{ "kernel-hooks", OPT_KERNEL_HOOKS, "PATH", 0, "auto (default; env MEMTRAIL_KERNEL_HOOKS), fentry, kprobe or tracepoint: attach the syscall hooks this way or fail", 3 },
	{ "unwind", OPT_UNWIND, "MODE", 0, "How malloc stacks are walked: auto (default: unwind tables for files "
	  "without frame pointers), dwarf (tables everywhere) or fp (frame pointers only; stacks through "
	  "code without them are marked partial)", 3 },
	{ "unwind-file", OPT_UNWIND_FILE, "FILE=MODE", 0, "The unwinder for one file, whatever --unwind says: FILE "
	  "a path as the process maps it, or a file name (libfoo.so.1); MODE auto, dwarf or fp (repeatable, "
	  "up to 16)", 3 },
	{ "bench-floor", OPT_BENCH_FLOOR, NULL, OPTION_HIDDEN, "Same probes, programs do no work (tools/bench)", 3 },
	{ "classic-uprobes", OPT_CLASSIC_UPROBES, NULL, OPTION_HIDDEN, "One uprobe per function even where multi-uprobe links exist (tests, kernels < 6.6)", 3 },
	{ "probe-at-entry", OPT_PROBE_AT_ENTRY, NULL, OPTION_HIDDEN, "Every probe at its function's first byte, where the kernel may single-step it (tools/bench)", 3 },
	{ "test-thread-fallback", OPT_THREAD_FALLBACK, NULL, OPTION_HIDDEN, "Refuse each thread's first task-storage creation, as a busy CPU can (tests)", 3 },
	{},
};

/* --unwind-file FILE=MODE */
static int parse_unwind_file(char *arg, struct options *o)
{
	char *eq = strrchr(arg, '=');
	struct unwind_override *ov;

	if (!eq || eq == arg || !eq[1]) {
		error("invalid --unwind-file '%s': expected FILE=MODE", arg);
		return EINVAL;
	}
	if (o->n_unwind_files == UNWIND_MAX_OVERRIDES) {
		error("too many --unwind-file options (at most %d)", UNWIND_MAX_OVERRIDES);
		return EINVAL;
	}
	ov = &o->unwind_files[o->n_unwind_files];
	if (!strcmp(eq + 1, "auto"))
		ov->mode = MT_UNWIND_AUTO;
	else if (!strcmp(eq + 1, "dwarf"))
		ov->mode = MT_UNWIND_DWARF;
	else if (!strcmp(eq + 1, "fp"))
		ov->mode = MT_UNWIND_FP;
	else {
		error("invalid --unwind-file mode '%s': expected auto, dwarf or fp", eq + 1);
		return EINVAL;
	}
	*eq = '\0';
	ov->file = arg;
	o->n_unwind_files++;
	return 0;
}

static int parse_format(const char *arg, enum out_format *out)
{
	static const char *const names[] = {
		[FORMAT_TEXT] = "text", [FORMAT_JSON] = "json", [FORMAT_FOLDED] = "folded",
		[FORMAT_PPROF] = "pprof", [FORMAT_HTML] = "html",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(arg, names[i])) {
			*out = (enum out_format)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* folded, pprof and html are one profile per file: reports one after the
 * other would add up (folded) or make a file no tool reads */
static int check_format(const struct options *o)
{
	bool single = o->format == FORMAT_FOLDED || o->format == FORMAT_PPROF ||
		      o->format == FORMAT_HTML;

	if (single && o->interval_s) {
		error("--interval writes one report after another: use --format text or json");
		return -EINVAL;
	}
	if (o->format == FORMAT_PPROF && !o->output && isatty(STDOUT_FILENO)) {
		error("--format pprof is binary: write it to a file with --output FILE");
		return -EINVAL;
	}
	return 0;
}

static int parse_double(const char *arg, const char *flag, double min, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < min) {
		error("invalid %s '%s': expected a number of seconds >= %g", flag, arg, min);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_ulong(const char *arg, const char *flag, unsigned long min,
		       unsigned long max, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		error("invalid %s '%s': expected a whole number from %lu to %lu", flag,
		      arg, min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "malloc,mmap,faults,rss" or "all" -> enum mt_events bits */
static int parse_events(const char *arg, unsigned *out)
{
	static const struct { const char *name; unsigned bits; } names[] = {
		{ "malloc", MT_EVENTS_MALLOC }, { "mmap", MT_EVENTS_MMAP },
		{ "faults", MT_EVENTS_FAULTS }, { "rss", MT_EVENTS_RSS },
		{ "all", MT_EVENTS_MALLOC | MT_EVENTS_KERNEL },
	};
	char *copy = strdup(arg), *tok, *save = NULL;
	unsigned bits = 0;
	size_t i;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			error("invalid --events '%s': '%s' is not one of malloc, mmap, "
			      "faults, rss, all", arg, tok);
			free(copy);
			return -EINVAL;
		}
		bits |= names[i].bits;
	}
	free(copy);
	/* the malloc probes tell the allocator's own mappings from the user's */
	if (bits & MT_EVENTS_MMAP)
		bits |= MT_EVENTS_MALLOC;
	if (!bits) {
		error("invalid --events '%s': nothing to trace", arg);
		return -EINVAL;
	}
	*out = bits;
	return 0;
}

static int verbosity;

static error_t parse_arg(int key, char *arg, struct argp_state *state)
{
	struct options *o = state->input;
	unsigned long v;
	double d;

	switch (key) {
	case OPT_PID:
		free(o->pids);
		if (targets__parse_pids(arg, &o->pids, &o->npids)) {
			error("invalid --pid '%s': expected PID[,PID...]", arg);
			return EINVAL;
		}
		break;
	case OPT_CGROUP:
		if (!*arg) {
			error("invalid --cgroup '': expected a cgroup directory or id");
			return EINVAL;
		}
		o->cgroup = arg;
		break;
	case OPT_POD:
		o->pod = arg;
		break;
	case OPT_CONTAINER:
		o->container = arg;
		break;
	case OPT_DURATION:
		if (parse_double(arg, "--duration", 0.001, &o->duration_s))
			return EINVAL;
		break;
	case OPT_INTERVAL:
		if (parse_double(arg, "--interval", 0.1, &o->interval_s))
			return EINVAL;
		break;
	case OPT_MIN_AGE:
		if (parse_double(arg, "--min-age", 0, &d))
			return EINVAL;
		o->min_age_ns = d * 1e9;
		break;
	case OPT_TOP:
		if (parse_ulong(arg, "--top", 1, INT_MAX, &v))
			return EINVAL;
		o->top = v;
		break;
	case OPT_FORMAT:
		if (parse_format(arg, &o->format)) {
			error("invalid --format '%s': expected text, json, folded, pprof or html", arg);
			return EINVAL;
		}
		break;
	case OPT_OUTPUT:
		o->output = arg;
		break;
	case OPT_LISTEN:
		o->listen = arg;
		break;
	case OPT_MAX_GROUPS:
		if (parse_ulong(arg, "--max-groups", 1, 1u << 20, &v))
			return EINVAL;
		o->max_groups = v;
		break;
	case OPT_MAX_ALLOCS:
		if (parse_ulong(arg, "--max-allocs", 1024, 1u << 26, &v))
			return EINVAL;
		o->max_allocs = v;
		break;
	case OPT_SAMPLE:
		if (parse_ulong(arg, "--sample", 1, 1ul << 40, &v))
			return EINVAL;
		o->sample_bytes = v;
		break;
	case OPT_MAX_STACKS:
		if (parse_ulong(arg, "--max-stacks", 256, 1u << 22, &v))
			return EINVAL;
		o->max_stacks = v;
		break;
	case OPT_MAX_PROCS:
		if (parse_ulong(arg, "--max-procs", 16, 1u << 22, &v))
			return EINVAL;
		o->max_procs = v;
		break;
	case OPT_RING_KIB:
		if (parse_ulong(arg, "--ring-kib", 4, 1u << 20, &v))
			return EINVAL;
		o->ring_kib = v;
		break;
	case OPT_VERBOSE:
		verbosity++;
		break;
	case OPT_QUIET:
		verbosity = -1;
		break;
	case OPT_BENCH_FLOOR:
		o->empty_programs = true;
		break;
	case OPT_CLASSIC_UPROBES:
		o->classic_uprobes = true;
		break;
	case OPT_PROBE_AT_ENTRY:
		o->probe_at_entry = true;
		break;
	case OPT_THREAD_FALLBACK:
		o->thread_fallback = true;
		break;
	case OPT_EVENTS:
		if (parse_events(arg, &o->events))
			return EINVAL;
		break;
	case OPT_CHECK:
		o->check = true;
		break;
	case OPT_JAVA:
		o->java = true;
		break;
	case OPT_KERNEL_HOOKS:
		if (hook_path__parse(arg, &o->kernel_hooks)) {
			error("invalid --kernel-hooks '%s': expected auto, fentry, kprobe or tracepoint", arg);
			return EINVAL;
		}
		break;
	case OPT_UNWIND:
		if (!strcmp(arg, "auto"))
			o->unwind = MT_UNWIND_AUTO;
		else if (!strcmp(arg, "dwarf"))
			o->unwind = MT_UNWIND_DWARF;
		else if (!strcmp(arg, "fp"))
			o->unwind = MT_UNWIND_FP;
		else if (!strcmp(arg, "kernel")) /* the kernel's walk, unchecked (tools/bench) */
			o->unwind = MT_UNWIND_KERNEL;
		else {
			error("invalid --unwind '%s': expected auto, dwarf or fp", arg);
			return EINVAL;
		}
		break;
	case OPT_UNWIND_FILE:
		return parse_unwind_file(arg, o);
	case ARGP_KEY_ARG:
		/* argp stops at "--": the rest is the command */
		if (!state->quoted) {
			error("unexpected argument '%s' (a command goes after --)", arg);
			return EINVAL;
		}
		return ARGP_ERR_UNKNOWN;
	case ARGP_KEY_ARGS:
		o->command = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		if ((o->command != NULL) + (o->npids > 0) + (o->cgroup != NULL) +
		    (o->pod != NULL) + (o->container != NULL) > 1) {
			error("--pid, --cgroup, --pod, --container and a command exclude each other");
			return EINVAL;
		}
		if (o->check && (o->command || o->npids || o->cgroup || o->pod || o->container)) {
			error("--check traces nothing: it takes no target");
			return EINVAL;
		}
		if (check_format(o))
			return EINVAL;
		if (o->serve && (o->command || o->npids || o->pod || o->container || o->check ||
				 o->output || o->interval_s || o->duration_s)) {
			error("serve traces a cgroup (--cgroup, default the node's pods) and "
			      "answers over HTTP: it takes no --pid, --pod, --container, command, "
			      "--check, --output, --interval or --duration");
			return EINVAL;
		}
		if (!o->serve && (o->listen || o->max_groups)) {
			error("--listen and --max-groups are options of memtrail serve");
			return EINVAL;
		}
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* libbpf explains a failure in several lines; memtrail states it in one
 * (session.c), so libbpf's own lines appear from -v on. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && log_get_level() < LOG_LIBBPF_DEBUG)
		return 0;
	if (level != LIBBPF_DEBUG && log_get_level() < LOG_DEBUG)
		return 0;
	fprintf(stderr, "memtrail: ");
	return vfprintf(stderr, fmt, ap); /* fmt starts with "libbpf: " */
}

int main(int argc, char **argv)
{
	static const struct argp argp = {
		.options = argp_options,
		.parser = parse_arg,
		.args_doc = "[-- COMMAND ARGS...]",
		.doc = doc,
	};
	const char *hooks_env = getenv("MEMTRAIL_KERNEL_HOOKS");
	struct options opts = { .events = MT_EVENTS_MALLOC, .unwind = MT_UNWIND_AUTO };
	int rc;

	if (hooks_env && hook_path__parse(hooks_env, &opts.kernel_hooks)) {
		error("invalid MEMTRAIL_KERNEL_HOOKS '%s': expected auto, fentry, kprobe or tracepoint",
		      hooks_env);
		return 2;
	}
	argp_err_exit_status = 2;
	/* one verb: "memtrail serve OPTIONS" (exact match, no prefixes) */
	if (argc > 1 && !strcmp(argv[1], "serve")) {
		static char verb[] = "memtrail serve";

		opts.serve = true;
		argv[1] = verb;
		argv++;
		argc--;
	}
	if (argp_parse(&argp, argc, argv, ARGP_IN_ORDER, NULL, &opts))
		return 2;
	if (opts.command && !opts.command[0]) {
		error("no command after --");
		return 2;
	}
	log_set_level(verbosity < 0 ? LOG_WARN
		      : verbosity == 0 ? LOG_INFO
		      : verbosity == 1 ? LOG_DEBUG : LOG_LIBBPF_DEBUG);
	libbpf_set_print(libbpf_print);
	if (opts.check)
		rc = check__run(stdout, opts.format == FORMAT_JSON, opts.kernel_hooks);
	else if (opts.serve)
		rc = serve__main(&opts);
	else
		rc = session__run(&opts);
	free(opts.pids);
	return rc;
}
