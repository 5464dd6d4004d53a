// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* smaps: the status, smaps_rollup and smaps parsers on kernel-format text
 * and malformed text, and the readers on this process. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "smaps.h"

#define KB(n) ((uint64_t)(n) * 1024)

TestSuite(smaps, .timeout = 10);

static const char status_text[] =
	"Name:\tcat\n"
	"Umask:\t0022\n"
	"VmPeak:\t    5000 kB\n"
	"VmRSS:\t    1234 kB\n"
	"RssAnon:\t     100 kB\n"
	"RssFile:\t    1130 kB\n"
	"RssShmem:\t       4 kB\n"
	"VmData:\t     292 kB\n"
	"VmSwap:\t      12 kB\n"
	"Threads:\t1\n";

Test(smaps, parse_status)
{
	struct smaps_status st;

	cr_assert(eq(int, smaps__parse_status(status_text, strlen(status_text), &st), 0));
	cr_assert(eq(u64, st.vm_rss, KB(1234)));
	cr_assert(eq(u64, st.rss_anon, KB(100)));
	cr_assert(eq(u64, st.rss_file, KB(1130)));
	cr_assert(eq(u64, st.rss_shmem, KB(4)));
	cr_assert(eq(u64, st.vm_swap, KB(12)));
}

Test(smaps, parse_status_kernel_thread_has_no_rss)
{
	static const char text[] = "Name:\tkthreadd\nThreads:\t1\n";
	struct smaps_status st;

	cr_assert(eq(int, smaps__parse_status(text, strlen(text), &st), -ENODATA));
}

Test(smaps, parse_status_malformed)
{
	static const char *const bad[] = {
		"VmRSS:\t12 MB\nRssAnon:\t1 kB\nRssFile:\t1 kB\nRssShmem:\t0 kB\nVmSwap:\t0 kB\n",
		"VmRSS:\t kB\n",
		"VmRSS:\t18014398509481984 kB\n",
	};
	struct smaps_status st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(eq(int, smaps__parse_status(bad[i], strlen(bad[i]), &st), -EINVAL),
			  "%s", bad[i]);
}

static const char rollup_text[] =
	"55962e20e000-7ffe9a1e6000 ---p 00000000 00:00 0                          [rollup]\n"
	"Rss:                1668 kB\n"
	"Pss:                 466 kB\n"
	"Pss_Dirty:           112 kB\n"
	"Pss_Anon:            112 kB\n"
	"Pss_File:            350 kB\n"
	"Pss_Shmem:             4 kB\n"
	"Shared_Clean:       1468 kB\n"
	"Anonymous:           112 kB\n"
	"AnonHugePages:      2048 kB\n"
	"Swap:                  0 kB\n"
	"Locked:                0 kB\n";

Test(smaps, parse_rollup)
{
	struct smaps_rollup r;

	cr_assert(eq(int, smaps__parse_rollup(rollup_text, strlen(rollup_text), &r), 0));
	cr_assert(eq(u64, r.rss, KB(1668)));
	cr_assert(eq(u64, r.pss, KB(466)));
	cr_assert(eq(u64, r.pss_anon, KB(112)));
	cr_assert(eq(u64, r.pss_file, KB(350)));
	cr_assert(eq(u64, r.pss_shmem, KB(4)));
	cr_assert(eq(u64, r.anon_huge, KB(2048)));
}

Test(smaps, parse_rollup_old_kernel_and_missing)
{
	/* before 5.9: no Pss_Anon & co, still an answer */
	static const char old[] = "Rss:  8 kB\nPss:  4 kB\n";
	static const char none[] = "Pss:  4 kB\n";
	struct smaps_rollup r;

	cr_assert(eq(int, smaps__parse_rollup(old, strlen(old), &r), 0));
	cr_assert(eq(u64, r.rss, KB(8)));
	cr_assert(eq(u64, r.pss_anon, 0));
	cr_assert(eq(int, smaps__parse_rollup(none, strlen(none), &r), -ENODATA));
}

/* a block as the kernel prints it: Size and Rss agree with the header */
#define BLOCK(hdr, size, rss, anon)                                     \
	hdr "\n"                                                        \
	"Size:               " #size " kB\n"                            \
	"KernelPageSize:        4 kB\n"                                 \
	"MMUPageSize:           4 kB\n"                                 \
	"Rss:                " #rss " kB\n"                             \
	"Pss:                " #rss " kB\n"                             \
	"Anonymous:          " #anon " kB\n"                            \
	"AnonHugePages:         0 kB\n"                                 \
	"Swap:                  4 kB\n"                                 \
	"SwapPss:               4 kB\n"                                 \
	"THPeligible:           0\n"                                    \
	"ProtectionKey:         0\n"                                    \
	"VmFlags: rd mr mw me \n"

static const char smaps_text[] =
	BLOCK("557344e87000-557344e89000 r--p 00000000 fe:00 247498                     /usr/bin/head",
	      8, 8, 0)
	BLOCK("55e3e6c1d000-55e3e6c3e000 rw-p 00000000 00:00 0                          [heap]",
	      132, 20, 20)
	BLOCK("7f0000000000-7f0000001000 rw-p 00000000 00:00 0 ", 4, 0, 0)
	BLOCK("7f1c2a3b4000-7f1c2a3b6000 rw-p 00022000 08:01 131 /lib/libc.so.6 (deleted)",
	      8, 8, 4)
	BLOCK("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
	      4, 0, 0);

Test(smaps, parse_blocks)
{
	struct smaps sm;
	const struct smaps_vma *v;

	cr_assert(eq(int, smaps__parse(smaps_text, strlen(smaps_text), 0, &sm), 0));
	cr_assert(eq(sz, sm.n, 5));
	cr_assert(eq(sz, sm.skipped, 0));
	v = &sm.vmas[1];
	cr_assert_str_eq(v->map.path, "[heap]");
	cr_assert(eq(u64, v->map.start, 0x55e3e6c1d000));
	cr_assert(eq(u64, v->size, KB(132)));
	cr_assert(eq(u64, v->rss, KB(20)));
	cr_assert(eq(u64, v->anonymous, KB(20)));
	cr_assert(eq(u64, v->swap, KB(4)));
	cr_assert_null(sm.vmas[2].map.path);
	v = &sm.vmas[3];
	cr_assert_str_eq(v->map.path, "/lib/libc.so.6");
	cr_assert(v->map.deleted);
	cr_assert(eq(u64, v->rss, KB(8)));
	cr_assert(eq(u64, v->anonymous, KB(4)));
	cr_assert_str_eq(sm.vmas[4].map.path, "[vsyscall]");
	smaps__free(&sm);
	cr_assert(eq(sz, sm.n, 0));
}

Test(smaps, parse_stops_at_max_vmas)
{
	struct smaps sm;

	cr_assert(eq(int, smaps__parse(smaps_text, strlen(smaps_text), 2, &sm), 0));
	cr_assert(eq(sz, sm.n, 2));
	cr_assert(eq(sz, sm.skipped, 3));
	cr_assert_str_eq(sm.vmas[1].map.path, "[heap]");
	smaps__free(&sm);
}

Test(smaps, parse_malformed)
{
	static const char *const bad[] = {
		/* a field before any header */
		"Rss: 4 kB\n",
		/* Size disagrees with the header */
		BLOCK("1000-2000 rw-p 00000000 00:00 0", 8, 4, 4),
		/* more resident than mapped, more anonymous than resident */
		BLOCK("1000-2000 rw-p 00000000 00:00 0", 4, 8, 4),
		BLOCK("1000-2000 rw-p 00000000 00:00 0", 4, 0, 4),
		/* no Rss line */
		"1000-2000 rw-p 00000000 00:00 0\nSize: 4 kB\nAnonymous: 0 kB\n",
		/* a bad header, a bad number */
		BLOCK("2000-1000 rw-p 00000000 00:00 0", 4, 4, 4),
		"1000-2000 rw-p 00000000 00:00 0\nSize: 4 kB\nRss: x kB\nAnonymous: 0 kB\n",
	};
	struct smaps sm = { .n = 9 };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert(eq(int, smaps__parse(bad[i], strlen(bad[i]), 0, &sm), -EINVAL),
			  "accepted %zu: %s", i, bad[i]);
		cr_assert(eq(sz, sm.n, 0));
		cr_assert_null(sm.vmas);
	}
}

/* This process changes while it reads itself: exact agreement between the
 * files is tested on a quiet child in test_rss_account.c. */
Test(smaps, read_self)
{
	struct smaps_status st;
	struct smaps_rollup r;
	struct smaps sm;

	cr_assert(eq(int, smaps__read_status(NULL, getpid(), &st), 0));
	cr_assert(eq(u64, st.vm_rss, st.rss_anon + st.rss_file + st.rss_shmem));
	cr_assert(eq(int, smaps__read_rollup(NULL, getpid(), &r), 0));
	cr_assert(gt(u64, r.rss, 0));
	cr_assert(eq(int, smaps__read(NULL, getpid(), 0, &sm), 0));
	cr_assert(gt(sz, sm.n, 2));
	smaps__free(&sm);
	cr_assert(eq(int, smaps__read(NULL, 999999999, 0, &sm), -ESRCH));
}
