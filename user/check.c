// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* memtrail --check: the probed features and the hook plan, as an aligned
 * two-column list or as one JSON object. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "json_writer.h"
#include "kernel_features.h"
#include "probe_plan.h"
#include "targets.h"
#include "uprobe_multi.h"

/* The features in output order: the label of the text list, the JSON key. */
static const struct {
	enum kernel_feature id;
	const char *label, *key;
} features[] = {
	{ KF_BTF, "BTF", "btf" },
	{ KF_UPROBES, "uprobes", "uprobes" },
	{ KF_UPROBE_MULTI, "uprobe-multi", "uprobe_multi" },
	{ KF_KPROBES, "kprobes", "kprobes" },
	{ KF_FENTRY, "fentry", "fentry" },
	{ KF_TP_BTF, "tp_btf", "tp_btf" },
	{ KF_RINGBUF, "ringbuf", "ringbuf" },
	{ KF_TASK_STORAGE, "task storage", "task_storage" },
	{ KF_CGROUP_V2, "cgroup v2", "cgroup_v2" },
	{ KF_TRACEFS, "tracefs", "tracefs" },
};

#define NFEATURES (sizeof(features) / sizeof(features[0]))

static bool has(const struct kernel_features *f, enum kernel_feature id)
{
	switch (id) {
	case KF_BTF: return f->btf;
	case KF_UPROBES: return f->uprobes;
	case KF_UPROBE_MULTI: return f->uprobe_multi;
	case KF_KPROBES: return f->kprobes;
	case KF_FENTRY: return f->fentry;
	case KF_TP_BTF: return f->tp_btf;
	case KF_RINGBUF: return f->ringbuf;
	case KF_TASK_STORAGE: return f->task_storage;
	case KF_CGROUP_V2: return f->cgroup_v2;
	case KF_TRACEFS: return f->tracefs;
	default: return false;
	}
}

static const char *tracefs_by(const struct kernel_features *f)
{
	return f->tracefs_mounted ? "already mounted" : "mounted by memtrail";
}

/* Whether memtrail can trace here; when not, reason says why in a line. */
static bool verdict(const struct kernel_features *f, int plan_err, enum hook_path force,
		    char *reason, size_t sz)
{
	if (!f->btf)
		snprintf(reason, sz, "memtrail needs BTF: %s", f->why[KF_BTF]);
	else if (!f->uprobes)
		snprintf(reason, sz, "memtrail needs uprobes: %s", f->why[KF_UPROBES]);
	else if (plan_err)
		snprintf(reason, sz, "--kernel-hooks %s: this kernel lacks it for some hooks",
			 hook_path__name(force));
	else
		return true;
	return false;
}

#define LABEL_WIDTH 15

static void text_row(FILE *out, const char *label, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void text_row(FILE *out, const char *label, const char *fmt, ...)
{
	va_list ap;

	fprintf(out, "%-*s", LABEL_WIDTH, label);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* Where the probes go in the C library memtrail itself uses (the host's):
 * a probe the kernel must single-step costs ten times one it emulates. */
static int host_probe_plan(char *path, size_t sz, struct probe_plan *plan)
{
	struct alloc_providers prov;
	int err;

	err = targets__find_providers(NULL, getpid(), &prov);
	if (err)
		return err;
	if (!prov.n) {
		targets__free_providers(&prov);
		return -ENOENT;
	}
	snprintf(path, sz, "%s", prov.v[0].map_path);
	err = probe_plan__build(prov.v[0].path, true, true, false, plan);
	targets__free_providers(&prov);
	return err;
}

static void text_probes(FILE *out)
{
	struct probe_plan plan;
	char path[4096];
	size_t i;

	if (host_probe_plan(path, sizeof(path), &plan)) {
		text_row(out, "probes", "unknown — no allocator found in memtrail's own maps");
		return;
	}
	text_row(out, "uprobe session", "%s", uprobe_multi__session_supported()
		 ? "yes (--sample: an unsampled call runs no return probe)"
		 : "no — before 6.13 (--sample: every allocating call runs its return probe)");
	text_row(out, "probes in", "%s", path);
	for (i = 0; i < plan.n; i++) {
		const struct probe_site *site = &plan.points[i].site;

		/* the function names are longer than the labels above */
		if (site->offset)
			fprintf(out, "  %-16s entry+%u, emulated — %s\n", plan.points[i].name,
				site->offset, site->why);
		else
			fprintf(out, "  %-16s entry, %s — %s\n", plan.points[i].name,
				site->emulated ? "emulated" : "single-stepped", site->why);
	}
	for (i = 0; i < plan.nskipped; i++)
		fprintf(out, "  %-16s no probe — %s\n", plan.skipped[i].name, plan.skipped[i].why);
}

static void json_probes(struct json_writer *w)
{
	struct probe_plan plan;
	char path[4096];
	size_t i;

	jw_name(w, "probes");
	if (host_probe_plan(path, sizeof(path), &plan)) {
		jw_null(w);
		return;
	}
	jw_start_object(w);
	jw_bool_field(w, "uprobe_sessions", uprobe_multi__session_supported());
	jw_string_field(w, "file", path);
	jw_name(w, "functions");
	jw_start_object(w);
	for (i = 0; i < plan.n; i++) {
		const struct probe_site *site = &plan.points[i].site;

		jw_name(w, plan.points[i].name);
		jw_start_object(w);
		jw_bool_field(w, "probed", true);
		jw_u64_field(w, "offset_from_entry", site->offset);
		jw_bool_field(w, "emulated", site->emulated);
		jw_string_field(w, "why", site->why);
		jw_end_object(w);
	}
	for (i = 0; i < plan.nskipped; i++) {
		jw_name(w, plan.skipped[i].name);
		jw_start_object(w);
		jw_bool_field(w, "probed", false);
		jw_string_field(w, "why", plan.skipped[i].why);
		jw_end_object(w);
	}
	jw_end_object(w);
	jw_end_object(w);
}

static void write_text(FILE *out, const struct kernel_features *f, const struct hook_plan *plan,
		       bool ok, const char *reason)
{
	char label[32];
	size_t i;

	text_row(out, "kernel", "%s", f->release);
	for (i = 0; i < NFEATURES; i++) {
		enum kernel_feature id = features[i].id;

		if (!has(f, id))
			text_row(out, features[i].label, "no — %s",
				 f->why[id][0] ? f->why[id] : "unknown reason");
		else if (id == KF_CGROUP_V2)
			text_row(out, features[i].label, "yes (%s)", f->cgroup_v2_path);
		else if (id == KF_TRACEFS)
			text_row(out, features[i].label, "yes (%s, %s)", f->tracefs_path,
				 tracefs_by(f));
		else
			text_row(out, features[i].label, "yes");
	}
	text_row(out, "lockdown", "%s", f->lockdown[0] ? f->lockdown : "unknown");
	for (i = 0; i < HOOK__COUNT; i++) {
		snprintf(label, sizeof(label), "hook %s", hook__name(i));
		text_row(out, label, "%s — %s", hook_path__name(plan->hooks[i].path),
			 plan->hooks[i].why);
	}
	text_probes(out);
	if (ok)
		text_row(out, "can trace", "yes");
	else
		text_row(out, "can trace", "no — %s", reason);
}

static int write_json(FILE *out, const struct kernel_features *f, const struct hook_plan *plan,
		      bool ok, const char *reason)
{
	struct json_writer *w = jw_new(out, true);
	size_t i;

	if (!w)
		return -ENOMEM;
	jw_start_object(w);
	jw_string_field(w, "tool", "memtrail");
	jw_string_field(w, "kind", "check");
	jw_string_field(w, "kernel", f->release);
	jw_name(w, "features");
	jw_start_object(w);
	for (i = 0; i < NFEATURES; i++) {
		enum kernel_feature id = features[i].id;

		jw_name(w, features[i].key);
		jw_start_object(w);
		jw_bool_field(w, "available", has(f, id));
		jw_string_field(w, "why", has(f, id) || !f->why[id][0] ? NULL : f->why[id]);
		if (id == KF_CGROUP_V2)
			jw_string_field(w, "path", f->cgroup_v2 ? f->cgroup_v2_path : NULL);
		if (id == KF_TRACEFS) {
			jw_string_field(w, "path", f->tracefs ? f->tracefs_path : NULL);
			jw_bool_field(w, "mounted_by_memtrail", f->tracefs && !f->tracefs_mounted);
		}
		jw_end_object(w);
	}
	jw_end_object(w);
	jw_string_field(w, "lockdown", f->lockdown[0] ? f->lockdown : NULL);
	jw_name(w, "hooks");
	jw_start_object(w);
	for (i = 0; i < HOOK__COUNT; i++) {
		jw_name(w, hook__name(i));
		jw_start_object(w);
		jw_string_field(w, "path", hook_path__name(plan->hooks[i].path));
		jw_string_field(w, "why", plan->hooks[i].why);
		jw_end_object(w);
	}
	jw_end_object(w);
	json_probes(w);
	jw_bool_field(w, "can_trace", ok);
	jw_string_field(w, "reason", ok ? NULL : reason);
	jw_end_object(w);
	return jw_destroy(w);
}

int check__run(FILE *out, bool json, enum hook_path force)
{
	struct kernel_features f;
	struct hook_plan plan;
	char reason[256];
	int plan_err;
	bool ok;

	kernel_features__probe(&f, true);
	plan_err = hook_plan__choose(&f, force, &plan);
	ok = verdict(&f, plan_err, force, reason, sizeof(reason));
	if (json) {
		if (write_json(out, &f, &plan, ok, reason))
			return 1;
	} else {
		write_text(out, &f, &plan, ok, reason);
	}
	return fflush(out) || ferror(out) || !ok ? 1 : 0;
}
