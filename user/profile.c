// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The profile model: growable arrays of processes and samples, named drop
 * counters and notes, and the one ordering every writer shows. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "profile.h"

/* Capacities live beside the public struct, out of the writers' sight. */
struct profile_impl {
	struct mt_profile pub;
	size_t processes_cap, samples_cap, drops_cap, notes_cap;
	/* frame templates by (pid, addr): open addressing, a power of two */
	struct frame_slot {
		pid_t pid;
		uint64_t addr;
		struct mt_frame *frame;	/* NULL: empty slot */
	} *slots;
	size_t nslots, ntemplates;
};

static struct profile_impl *impl(struct mt_profile *p)
{
	return (struct profile_impl *)p;
}

struct mt_profile *mt_profile__new(enum mt_target_kind kind, const char *value)
{
	struct profile_impl *pi = calloc(1, sizeof(*pi));

	if (!pi)
		return NULL;
	pi->pub.target_kind = kind;
	pi->pub.target_value = strdup(value ? value : "");
	if (!pi->pub.target_value) {
		free(pi);
		return NULL;
	}
	return &pi->pub;
}

static void frame_clear(struct mt_frame *f)
{
	size_t i;

	if (f->shared)
		return;

	free(f->symbol);
	free(f->module);
	free(f->file);
	free(f->reason);
	free(f->build_id);
	for (i = 0; i < f->ninlines; i++) {
		free(f->inlines[i].symbol);
		free(f->inlines[i].file);
	}
	free(f->inlines);
}

void mt_sample__clear(struct mt_sample *s)
{
	size_t j;

	for (j = 0; j < s->nframes; j++)
		frame_clear(&s->frames[j]);
	free(s->frames);
	free(s->pids);
	memset(s, 0, sizeof(*s));
}

const struct mt_sample_pid *mt_sample__share(const struct mt_sample *s, pid_t pid,
					     struct mt_sample_pid *own)
{
	size_t i;

	for (i = 0; i < s->npids; i++)
		if (s->pids[i].pid == pid)
			return &s->pids[i];
	if (s->npids || s->pid != pid)
		return NULL;
	memset(own, 0, sizeof(*own));
	own->pid = s->pid;
	memcpy(own->comm, s->comm, sizeof(own->comm));
	own->bytes = s->bytes;
	own->allocs = s->allocs;
	own->stack_id = s->stack_id;
	own->oldest_age_s = s->oldest_age_s;
	return own;
}

void mt_profile__free(struct mt_profile *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->nsamples; i++)
		mt_sample__clear(&p->samples[i]);
	for (i = 0; i < p->nnotes; i++)
		free(p->notes[i]);
	free(p->notes);
	for (i = 0; i < p->naccounts; i++)
		rss_account__free(&p->accounts[i]);
	free(p->accounts);
	free(p->samples);
	free(p->processes);
	free(p->drops);
	free(p->target_value);
	for (i = 0; i < impl(p)->nslots; i++) {
		struct mt_frame *f = impl(p)->slots[i].frame;

		if (f) {
			frame_clear(f);
			free(f);
		}
	}
	free(impl(p)->slots);
	free(impl(p));
}

static size_t slot_hash(pid_t pid, uint64_t addr, size_t nslots)
{
	uint64_t h = (addr ^ ((uint64_t)(uint32_t)pid << 48)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 20) & (nslots - 1);
}

/* Doubles the slot table (kept at most half full). 0 or -ENOMEM. */
static int grow_slots(struct profile_impl *pi)
{
	size_t n = pi->nslots ? pi->nslots * 2 : 1024, i;
	struct frame_slot *slots = calloc(n, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < pi->nslots; i++) {
		struct frame_slot *o = &pi->slots[i];
		size_t h;

		if (!o->frame)
			continue;
		for (h = slot_hash(o->pid, o->addr, n); slots[h].frame; h = (h + 1) & (n - 1))
			;
		slots[h] = *o;
	}
	free(pi->slots);
	pi->slots = slots;
	pi->nslots = n;
	return 0;
}

struct mt_frame *mt_profile__frame_template(struct mt_profile *p, pid_t pid,
					    uint64_t addr, bool *fresh)
{
	struct profile_impl *pi = impl(p);
	struct frame_slot *sl;
	size_t h;

	*fresh = false;
	if ((pi->ntemplates + 1) * 2 > pi->nslots && grow_slots(pi)) {
		errno = ENOMEM;
		return NULL;
	}
	for (h = slot_hash(pid, addr, pi->nslots); pi->slots[h].frame;
	     h = (h + 1) & (pi->nslots - 1)) {
		sl = &pi->slots[h];
		if (sl->pid == pid && sl->addr == addr)
			return sl->frame;
	}
	sl = &pi->slots[h];
	sl->frame = calloc(1, sizeof(*sl->frame));
	if (!sl->frame) {
		errno = ENOMEM;
		return NULL;
	}
	sl->pid = pid;
	sl->addr = addr;
	sl->frame->addr = addr;
	pi->ntemplates++;
	*fresh = true;
	return sl->frame;
}

void mt_frame__share(struct mt_frame *dst, const struct mt_frame *tmpl)
{
	*dst = *tmpl;
	dst->shared = true;
}

struct mt_sample *mt_profile__add_sample(struct mt_profile *p, pid_t pid,
					 const char *comm, const char *kind,
					 const uint64_t *addrs, size_t n)
{
	struct mt_sample *s;
	size_t i;

	if (array_grow((void **)&p->samples, &impl(p)->samples_cap, p->nsamples,
		 sizeof(*p->samples))) {
		errno = ENOMEM;
		return NULL;
	}
	s = &p->samples[p->nsamples];
	memset(s, 0, sizeof(*s));
	if (n) {
		s->frames = calloc(n, sizeof(*s->frames));
		if (!s->frames) {
			errno = ENOMEM;
			return NULL;
		}
	}
	for (i = 0; i < n; i++)
		s->frames[i].addr = addrs[i];
	s->nframes = n;
	s->pid = pid;
	s->kind = kind;
	snprintf(s->comm, sizeof(s->comm), "%s", comm ? comm : "");
	p->nsamples++;
	return s;
}

struct mt_process *mt_profile__find_process(struct mt_profile *p, pid_t pid)
{
	size_t i;

	for (i = 0; i < p->nprocesses; i++)
		if (p->processes[i].pid == pid)
			return &p->processes[i];
	return NULL;
}

struct mt_process *mt_profile__process(struct mt_profile *p, pid_t pid,
				       const char *comm)
{
	struct mt_process *proc = mt_profile__find_process(p, pid);

	if (proc) {
		if (!proc->comm[0] && comm) /* created before its name was known */
			snprintf(proc->comm, sizeof(proc->comm), "%s", comm);
		return proc;
	}
	if (array_grow((void **)&p->processes, &impl(p)->processes_cap,
		 p->nprocesses, sizeof(*p->processes))) {
		errno = ENOMEM;
		return NULL;
	}
	proc = &p->processes[p->nprocesses++];
	memset(proc, 0, sizeof(*proc));
	proc->pid = pid;
	snprintf(proc->comm, sizeof(proc->comm), "%s", comm ? comm : "");
	return proc;
}

int mt_profile__add_drop(struct mt_profile *p, const char *name, uint64_t value)
{
	size_t i;

	for (i = 0; i < p->ndrops; i++) {
		if (!strcmp(p->drops[i].name, name)) {
			p->drops[i].value += value;
			return 0;
		}
	}
	if (array_grow((void **)&p->drops, &impl(p)->drops_cap, p->ndrops,
		 sizeof(*p->drops)))
		return -ENOMEM;
	p->drops[p->ndrops].name = name;
	p->drops[p->ndrops].value = value;
	p->ndrops++;
	return 0;
}

int mt_profile__add_note(struct mt_profile *p, const char *fmt, ...)
{
	va_list ap;
	char *note;
	int ret;

	if (array_grow((void **)&p->notes, &impl(p)->notes_cap, p->nnotes,
		 sizeof(*p->notes)))
		return -ENOMEM;
	va_start(ap, fmt);
	ret = vasprintf(&note, fmt, ap);
	va_end(ap);
	if (ret < 0)
		return -ENOMEM;
	p->notes[p->nnotes++] = note;
	return 0;
}

/* A shared frame about to change gets strings of its own first. */
static int unshare(struct mt_frame *f)
{
	struct mt_inline *in = NULL;
	struct mt_frame copy = *f;
	size_t i;

	if (!f->shared)
		return 0;
	memset(f, 0, sizeof(*f));
	f->addr = copy.addr;
	f->offset = copy.offset;
	f->module_offset = copy.module_offset;
	f->line = copy.line;
	if ((copy.symbol && !(f->symbol = strdup(copy.symbol))) ||
	    (copy.module && !(f->module = strdup(copy.module))) ||
	    (copy.file && !(f->file = strdup(copy.file))) ||
	    (copy.reason && !(f->reason = strdup(copy.reason))) ||
	    (copy.build_id && !(f->build_id = strdup(copy.build_id))) ||
	    (copy.ninlines && !(in = calloc(copy.ninlines, sizeof(*in)))))
		goto fail;
	f->inlines = in;
	for (i = 0; i < copy.ninlines; i++, f->ninlines++) {
		in[i].line = copy.inlines[i].line;
		if ((copy.inlines[i].symbol && !(in[i].symbol = strdup(copy.inlines[i].symbol))) ||
		    (copy.inlines[i].file && !(in[i].file = strdup(copy.inlines[i].file))))
			goto fail;
	}
	return 0;
fail:
	frame_clear(f);
	*f = copy;
	return -ENOMEM;
}

static int dup_or_null(char **dst, const char *src)
{
	free(*dst);
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int mt_frame__set(struct mt_frame *f, const char *symbol, uint64_t offset,
		  const char *module, uint64_t module_offset, const char *reason)
{
	if (unshare(f))
		return -ENOMEM;
	f->offset = offset;
	f->module_offset = module_offset;
	if (dup_or_null(&f->symbol, symbol) || dup_or_null(&f->module, module) ||
	    dup_or_null(&f->reason, reason))
		return -ENOMEM;
	return 0;
}

int mt_frame__set_source(struct mt_frame *f, const char *file, uint32_t line,
			 const char *build_id)
{
	if (unshare(f))
		return -ENOMEM;
	f->line = line;
	if (dup_or_null(&f->file, file) || dup_or_null(&f->build_id, build_id))
		return -ENOMEM;
	return 0;
}

int mt_frame__add_inline(struct mt_frame *f, const char *symbol,
			 const char *file, uint32_t line)
{
	struct mt_inline *in, *grown;

	if (unshare(f))
		return -ENOMEM;
	grown = realloc(f->inlines, (f->ninlines + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	f->inlines = grown;
	in = &f->inlines[f->ninlines];
	memset(in, 0, sizeof(*in));
	in->line = line;
	if (dup_or_null(&in->symbol, symbol) || dup_or_null(&in->file, file)) {
		free(in->symbol);
		free(in->file);
		return -ENOMEM;
	}
	f->ninlines++;
	return 0;
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

static int cmp_sample(const void *a, const void *b)
{
	const struct mt_sample *x = a, *y = b;
	int c;

	if ((c = cmp_u64_desc(x->bytes, y->bytes)))
		return c;
	if ((c = cmp_u64_desc(x->allocs, y->allocs)))
		return c;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	/* a stable tie-break for identical totals: the first frame */
	if (x->nframes && y->nframes && x->frames[0].addr != y->frames[0].addr)
		return x->frames[0].addr < y->frames[0].addr ? -1 : 1;
	return 0;
}

static int cmp_process(const void *a, const void *b)
{
	const struct mt_process *x = a, *y = b;
	int c;

	if ((c = cmp_u64_desc(x->outstanding_bytes, y->outstanding_bytes)))
		return c;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

void mt_profile__finish(struct mt_profile *p)
{
	size_t i;

	for (i = 0; i < p->nprocesses; i++) {
		p->processes[i].outstanding_bytes = 0;
		p->processes[i].outstanding_allocs = 0;
		p->processes[i].faulted_bytes = 0;
		p->processes[i].faults = 0;
	}
	for (i = 0; i < p->nsamples; i++) {
		const struct mt_sample *s = &p->samples[i];
		struct mt_sample_pid own = { .pid = s->pid, .bytes = s->bytes, .allocs = s->allocs };
		const struct mt_sample_pid *sh = s->npids ? s->pids : &own;
		size_t k, n = s->npids ? s->npids : 1;

		for (k = 0; k < n; k++) {
			struct mt_process *proc = mt_profile__find_process(p, sh[k].pid);

			if (proc && mt_sample__held(s)) {
				proc->outstanding_bytes += sh[k].bytes;
				proc->outstanding_allocs += sh[k].allocs;
			} else if (proc) {
				proc->faulted_bytes += sh[k].bytes;
				proc->faults += sh[k].allocs;
			}
		}
	}
	if (p->nsamples)
		qsort(p->samples, p->nsamples, sizeof(*p->samples), cmp_sample);
	if (p->nprocesses)
		qsort(p->processes, p->nprocesses, sizeof(*p->processes), cmp_process);
}

void mt_profile__sum(const struct mt_profile *p, size_t from, uint64_t *bytes,
		     uint64_t *allocs)
{
	size_t i;

	*bytes = *allocs = 0;
	for (i = from; i < p->nsamples; i++) {
		if (!mt_sample__held(&p->samples[i]))
			continue;
		*bytes += p->samples[i].bytes;
		*allocs += p->samples[i].allocs;
	}
}

bool mt_sample__held(const struct mt_sample *s)
{
	return !s->kind || strcmp(s->kind, "fault") != 0;
}

size_t mt_profile__shown(const struct mt_profile *p, size_t top)
{
	return top && top < p->nsamples ? top : p->nsamples;
}

uint64_t mt_profile__total_drops(const struct mt_profile *p)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < p->ndrops; i++)
		sum += p->drops[i].value;
	return sum;
}

const char *mt_target_kind__str(enum mt_target_kind kind)
{
	switch (kind) {
	case MT_TARGET_PID:
		return "pid";
	case MT_TARGET_COMMAND:
		return "command";
	case MT_TARGET_CGROUP:
		return "cgroup";
	case MT_TARGET_POD:
		return "pod";
	case MT_TARGET_CONTAINER:
		return "container";
	case MT_TARGET_SYSTEM:
	default:
		return "system";
	}
}
