// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The strategy lists and the choice: no I/O, the features come probed. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "hook_plan.h"

static const char *const hook_names[HOOK__COUNT] = {
	[HOOK_MMAP] = "mmap", [HOOK_MUNMAP] = "munmap", [HOOK_MREMAP] = "mremap",
	[HOOK_BRK] = "brk", [HOOK_FAULT] = "fault", [HOOK_RSS] = "rss_stat",
};

static const char *const path_names[PATH__COUNT] = {
	[PATH_NONE] = "none", [PATH_FENTRY] = "fentry", [PATH_KPROBE] = "kprobe",
	[PATH_TP_BTF] = "tp_btf", [PATH_TRACEPOINT] = "tracepoint",
};

const char *hook__name(enum hook_id id)
{
	return id >= 0 && id < HOOK__COUNT ? hook_names[id] : "?";
}

const char *hook_path__name(enum hook_path path)
{
	return path >= 0 && path < PATH__COUNT ? path_names[path] : "?";
}

int hook_path__parse(const char *s, enum hook_path *out)
{
	static const enum hook_path accepted[] = { PATH_FENTRY, PATH_KPROBE, PATH_TRACEPOINT };
	size_t i;

	if (!s)
		return -EINVAL;
	if (!strcmp(s, "auto")) {
		*out = PATH_NONE;
		return 0;
	}
	for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
		if (!strcmp(s, path_names[accepted[i]])) {
			*out = accepted[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* The strategy list of each hook, best first, PATH_NONE-terminated. */
static const enum hook_path *strategy(enum hook_id id)
{
	static const enum hook_path syscall[] = { PATH_FENTRY, PATH_KPROBE, PATH_TRACEPOINT, PATH_NONE };
	static const enum hook_path fault[] = { PATH_TP_BTF, PATH_TRACEPOINT, PATH_NONE };
	static const enum hook_path rss[] = { PATH_TRACEPOINT, PATH_NONE };

	return id == HOOK_FAULT ? fault : id == HOOK_RSS ? rss : syscall;
}

/* The syscall hooks are in enum kernel_fn's and enum kernel_tp's order. */
static enum kernel_tp hook_tp(enum hook_id id)
{
	return id == HOOK_FAULT ? KTP_PAGE_FAULT_USER : id == HOOK_RSS ? KTP_RSS_STAT
	       : (enum kernel_tp)id;
}

/* Whether path works for hook id on f; when not, a short reason in miss. */
static bool path_works(const struct kernel_features *f, enum hook_id id,
		       enum hook_path path, char *miss, size_t sz)
{
	enum kernel_tp tp = hook_tp(id);
	const char *fn = id < HOOK_FAULT ? kernel_fn__name((enum kernel_fn)id) : "";

	switch (path) {
	case PATH_FENTRY:
		if (!f->fentry)
			snprintf(miss, sz, "no fentry");
		else if (!f->fn_btf[id])
			snprintf(miss, sz, "no %s in BTF", fn);
		else
			return true;
		return false;
	case PATH_KPROBE:
		if (!f->kprobes)
			snprintf(miss, sz, "no kprobes");
		else if (!f->fn_kallsyms[id])
			snprintf(miss, sz, "%s not probe-able", fn);
		else
			return true;
		return false;
	case PATH_TP_BTF:
		if (!f->tp_btf)
			snprintf(miss, sz, "no tp_btf");
		else if (!f->tp_btf_exists[tp])
			snprintf(miss, sz, "no btf_trace_%s in BTF", strchr(kernel_tp__name(tp), '/') + 1);
		else
			return true;
		return false;
	case PATH_TRACEPOINT:
		if (!f->tracefs)
			snprintf(miss, sz, "no tracefs");
		else if (!f->tp_exists[tp])
			snprintf(miss, sz, "no tracepoint %s", kernel_tp__name(tp));
		else
			return true;
		return false;
	default:
		snprintf(miss, sz, "not a path");
		return false;
	}
}

/* What a path attaches to, for the why line. */
static void describe(enum hook_id id, enum hook_path path, char *buf, size_t sz)
{
	const char *tp = kernel_tp__name(hook_tp(id));

	switch (path) {
	case PATH_FENTRY:
		snprintf(buf, sz, "fentry/fexit %s", kernel_fn__name((enum kernel_fn)id));
		break;
	case PATH_KPROBE:
		snprintf(buf, sz, "kprobe/kretprobe %s", kernel_fn__name((enum kernel_fn)id));
		break;
	case PATH_TP_BTF:
		snprintf(buf, sz, "tp_btf/%s", strchr(tp, '/') + 1);
		break;
	case PATH_TRACEPOINT:
		if (id < HOOK_FAULT)
			snprintf(buf, sz, "%s + sys_exit_%s", tp, hook__name(id));
		else
			snprintf(buf, sz, "%s", tp);
		break;
	default:
		snprintf(buf, sz, "off");
	}
}

/* Why a hook's list is what it is, where that is not obvious. */
static const char *list_note(enum hook_id id)
{
	switch (id) {
	case HOOK_FAULT:
		return "no fentry/kprobe: handle_mm_fault has no error code, a first touch looks like a protection fault";
	case HOOK_RSS:
		return "only path: it carries the summed counter, tp_btf would sum per-CPU counters (6.2+)";
	default:
		return NULL;
	}
}

/* Appends to the string in buf; what does not fit is cut. */
static void append(char *buf, size_t sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t sz, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + len, sz - len, fmt, ap);
	va_end(ap);
}

static void choose_one(const struct kernel_features *f, enum hook_id id,
		       enum hook_path force, struct hook_choice *c, int *err)
{
	const enum hook_path *list = strategy(id);
	char miss[96], misses[160] = "";
	const char *note = list_note(id);
	bool forced = false;
	size_t i;

	for (i = 0; list[i] != PATH_NONE; i++)
		forced |= list[i] == force;
	c->path = PATH_NONE;
	for (i = 0; list[i] != PATH_NONE; i++) {
		if (forced && list[i] != force)
			continue;
		if (path_works(f, id, list[i], miss, sizeof(miss))) {
			c->path = list[i];
			break;
		}
		append(misses, sizeof(misses), "%s%s", misses[0] ? ", " : "", miss);
	}
	if (c->path == PATH_NONE && forced) {
		snprintf(c->why, sizeof(c->why), "forced %s: %s", hook_path__name(force), misses);
		*err = -ENOTSUP;
		return;
	}
	if (c->path == PATH_NONE) {
		snprintf(c->why, sizeof(c->why), "off: %s", misses);
		return;
	}
	describe(id, c->path, c->why, sizeof(c->why));
	if (forced)
		append(c->why, sizeof(c->why), " (forced)");
	if (misses[0])
		append(c->why, sizeof(c->why), "; %s", misses);
	if (note)
		append(c->why, sizeof(c->why), "; %s", note);
}

int hook_plan__choose(const struct kernel_features *f, enum hook_path force,
		      struct hook_plan *plan)
{
	int err = 0, id;

	if (force < 0 || force >= PATH__COUNT)
		return -EINVAL;
	memset(plan, 0, sizeof(*plan));
	for (id = 0; id < HOOK__COUNT; id++)
		choose_one(f, id, force, &plan->hooks[id], &err);
	return err;
}
