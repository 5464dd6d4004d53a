// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading and purging the live allocations. The slots are shared with
 * the probes, which claim and release them by compare-and-swap on addr:
 * user space does the same, so a purge and a racing free never both
 * account one record. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "live_table.h"

struct live_table {
	struct mt_live_slot *slots;
	uint32_t nslots;
	size_t map_len;
	int overflow_fd;
	__u64 *overflow_live; /* the probes' count of overflow records */
};

struct live_table *live_table__open(struct memtrail_bpf *skel)
{
	struct live_table *lt = calloc(1, sizeof(*lt));
	long page = sysconf(_SC_PAGESIZE);
	int err;

	if (!lt)
		return NULL;
	lt->nslots = bpf_map__max_entries(skel->maps.live);
	lt->map_len = ((size_t)lt->nslots * sizeof(struct mt_live_slot) + page - 1) / page * page;
	lt->slots = mmap(NULL, lt->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 bpf_map__fd(skel->maps.live), 0);
	if (lt->slots == MAP_FAILED) {
		err = errno;
		free(lt);
		errno = err;
		return NULL;
	}
	lt->overflow_fd = bpf_map__fd(skel->maps.live_overflow);
	lt->overflow_live = &skel->bss->overflow_live;
	return lt;
}

void live_table__free(struct live_table *lt)
{
	if (!lt)
		return;
	munmap(lt->slots, lt->map_len);
	free(lt);
}

int live_table__for_each(struct live_table *lt, map_visit_fn visit, void *ctx)
{
	struct mt_live_key key = {};
	struct mt_live_val val = {};
	uint32_t i;

	for (i = 0; i < lt->nslots; i++) {
		struct mt_live_slot *s = &lt->slots[i];
		uint64_t addr = __atomic_load_n(&s->addr, __ATOMIC_ACQUIRE);

		if (addr == MT_LIVE_EMPTY || addr == MT_LIVE_BUSY)
			continue;
		key.tgid = s->tgid;
		key.addr = addr;
		val.size = s->size;
		val.ts_ns = s->ts_ns;
		val.stack_id = s->stack_id;
		val.kind = s->kind;
		/* freed (and perhaps refilled) while read: not one record. The
		 * fence keeps the compiler from reading a field after this. */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->addr, __ATOMIC_RELAXED) != addr)
			continue;
		visit(&key, &val, ctx);
	}
	return map_for_each(lt->overflow_fd, sizeof(struct mt_live_key),
			    sizeof(struct mt_live_val), visit, ctx);
}

int live_table__delete(struct live_table *lt, const struct mt_live_key *key, uint64_t before_ns)
{
	uint32_t first = mt_live_slot(key->tgid, key->addr, lt->nslots), i;
	struct mt_live_val val;

	for (i = 0; i < MT_LIVE_PROBES; i++) {
		struct mt_live_slot *s = &lt->slots[(first + i) % lt->nslots];
		uint64_t expected = key->addr;

		/* the age read first narrows the window in which a record
		 * that replaced the one read could be taken for it to the
		 * two instructions before the swap */
		if (__atomic_load_n(&s->addr, __ATOMIC_ACQUIRE) != key->addr ||
		    s->tgid != key->tgid || s->ts_ns >= before_ns)
			continue;
		if (__atomic_compare_exchange_n(&s->addr, &expected, MT_LIVE_EMPTY, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return 0;
	}
	if (bpf_map_lookup_elem(lt->overflow_fd, key, &val) || val.ts_ns >= before_ns ||
	    bpf_map_delete_elem(lt->overflow_fd, key))
		return -ENOENT;
	__atomic_fetch_sub(lt->overflow_live, 1, __ATOMIC_SEQ_CST);
	return 0;
}
