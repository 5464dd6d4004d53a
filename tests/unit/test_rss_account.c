// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* rss_account on a real process: a forked child maps memory with known
 * resident page counts (traced ranges, one cut inside a merged mapping, an
 * allocator range, an arena-shaped region, shared anonymous memory, a file,
 * thread stacks of its own), tells the addresses through a pipe and sleeps;
 * the account of it must name every count exactly. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rss_account.h"
#include "tmpdir.h"

#define PG 4096ull
#define HALF_PAGES 64		/* each half of the merged mapping */
#define TOUCH_1 5		/* pages touched in the first half */
#define TOUCH_2 17		/* ... in the second */
#define ALLOC_PAGES 32
#define ALLOC_TOUCH 9
#define ARENA (64ull << 20)
#define ARENA_RW_PAGES 16
#define ARENA_TOUCH 7
#define SHM_PAGES 8
#define SHM_TOUCH 4
#define FILE_PAGES 256
#define FILE_TOUCH 6		/* one page in each of 6 fault-around windows */
#define FILE_STRIDE 32
#define NTHREADS 3
#define STACK_PAGES 32		/* a thread stack, all of it touched */
#define ID_1 101
#define ID_2 102
#define ID_STACKS 77

/* What the child tells the parent. */
struct child_info {
	uint64_t merged;		/* [merged, +2 * HALF_PAGES) */
	uint64_t alloc;
	uint64_t arena;			/* ARENA-aligned */
	uint64_t stacks[NTHREADS];	/* guard page, then STACK_PAGES */
	bool file_ok;			/* the file lives on a disk, not tmpfs */
	char file[128];
};

static pid_t child = -1;
static char *dir;
static struct child_info info;

TestSuite(rss_account, .timeout = 30);

/* Page size mappings only: THP would make counts jump by 2 MiB. */
static void *map_anon(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		_exit(10);
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void touch(void *p, size_t pages)
{
	size_t i;

	for (i = 0; i < pages; i++)
		((volatile char *)p)[i * PG] = 1;
}

/* A free page-aligned hole of len bytes with a PROT_NONE page either side,
 * so that what goes in it merges with nothing but itself. */
static char *hole(size_t len)
{
	char *p = map_anon(len + 2 * PG, PROT_NONE, 0);

	return p + PG;
}

static void *sleeper(void *arg)
{
	char c;

	read(*(int *)arg, &c, 1);
	return NULL;
}

/* Two adjacent fixed mappings, alike: the kernel merges them into one. */
static void map_merged(void)
{
	char *p = hole(2 * HALF_PAGES * PG);
	size_t half = HALF_PAGES * PG;

	if (mmap(p, half, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED ||
	    mmap(p + half, half, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		_exit(11);
	madvise(p, 2 * half, MADV_NOHUGEPAGE);
	touch(p, TOUCH_1);
	touch(p + half + 3 * PG, TOUCH_2);
	info.merged = (uintptr_t)p;
}

/* glibc's non-main arena shape: 64 MiB-aligned, rw-p start, ---p rest */
static void map_arena(void)
{
	char *res = map_anon(2 * ARENA, PROT_NONE, MAP_NORESERVE);
	char *a = (char *)(((uintptr_t)res + ARENA - 1) & ~(uintptr_t)(ARENA - 1));

	if (mprotect(a, ARENA_RW_PAGES * PG, PROT_READ | PROT_WRITE))
		_exit(12);
	touch(a, ARENA_TOUCH);
	info.arena = (uintptr_t)a;
}

/* Every page out of the page cache, then FILE_TOUCH pages read through
 * the mapping, each alone in its fault-around window: no readahead
 * (MADV_RANDOM), no neighbour mapped. */
static void map_file(void)
{
	static char buf[FILE_PAGES * PG];
	struct statfs st;
	char *p;
	int fd, i;

	snprintf(info.file, sizeof(info.file), "/var/tmp/mt_rss.XXXXXX");
	fd = mkstemp(info.file);
	if (fd < 0)
		_exit(13);
	memset(buf, 'x', sizeof(buf));
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || fsync(fd))
		_exit(14);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	info.file_ok = !fstatfs(fd, &st) && st.f_type != TMPFS_MAGIC;
	p = mmap(NULL, sizeof(buf), PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		_exit(15);
	madvise(p, sizeof(buf), MADV_RANDOM);
	for (i = 0; i < FILE_TOUCH; i++)
		(void)((volatile char *)p)[(size_t)i * FILE_STRIDE * PG];
	close(fd);
}

/* Threads on stacks of our own, touched in full, blocked on hold. */
static void start_threads(int *hold)
{
	pthread_attr_t attr;
	pthread_t th;
	char *s;
	int i;

	for (i = 0; i < NTHREADS; i++) {
		s = hole((1 + STACK_PAGES) * PG);
		if (mmap(s + PG, STACK_PAGES * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_STACK, -1, 0) == MAP_FAILED)
			_exit(16);
		madvise(s + PG, STACK_PAGES * PG, MADV_NOHUGEPAGE);
		touch(s + PG, STACK_PAGES);
		info.stacks[i] = (uintptr_t)s;
		pthread_attr_init(&attr);
		pthread_attr_setstack(&attr, s + PG, STACK_PAGES * PG);
		if (pthread_create(&th, &attr, sleeper, hold))
			_exit(17);
		pthread_attr_destroy(&attr);
	}
}

static void child_main(int out)
{
	int hold[2];
	char *shm;

	if (pipe(hold))
		_exit(18);
	map_merged();
	info.alloc = (uintptr_t)hole(ALLOC_PAGES * PG);
	if (mmap((void *)(uintptr_t)info.alloc, ALLOC_PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		_exit(19);
	madvise((void *)(uintptr_t)info.alloc, ALLOC_PAGES * PG, MADV_NOHUGEPAGE);
	touch((void *)(uintptr_t)info.alloc, ALLOC_TOUCH);
	map_arena();
	shm = mmap(NULL, SHM_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (shm == MAP_FAILED)
		_exit(20);
	touch(shm, SHM_TOUCH);
	map_file();
	start_threads(&hold[0]);
	if (write(out, &info, sizeof(info)) != (ssize_t)sizeof(info))
		_exit(21);
	for (;;)
		pause();
}

/* Threads of pid asleep (state S): their stack pointers are readable. */
static int count_sleeping(pid_t pid)
{
	char path[300], state;
	struct dirent *de;
	int n = 0;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	cr_assert_not_null(d);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", (int)pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		/* "tid (comm) S ...": comm has no ')' here */
		if (fscanf(f, "%*d (%*[^)]) %c", &state) == 1 && state == 'S')
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static void wait_all_sleeping(pid_t pid)
{
	int tries, n = 0;

	for (tries = 0; tries < 2000; tries++) {
		n = count_sleeping(pid);
		if (n == NTHREADS + 1)
			return;
		usleep(1000);
	}
	cr_assert(eq(int, n, NTHREADS + 1));
}

static void setup(void)
{
	int p[2];

	dir = tmpdir_make("mt_rss");
	cr_assert(eq(int, pipe(p), 0));
	child = fork();
	cr_assert(ge(int, child, 0));
	if (!child) {
		close(p[0]);
		child_main(p[1]);
	}
	close(p[1]);
	cr_assert(eq(int, (int)read(p[0], &info, sizeof(info)), (int)sizeof(info)));
	close(p[0]);
	wait_all_sleeping(child);
}

static void teardown(void)
{
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (info.file[0])
		unlink(info.file);
	tmpdir_remove(dir);
}

TestSuite(rss_child, .init = setup, .fini = teardown, .timeout = 30);

/* The ranges a tracer would have seen the child make. */
static size_t child_ranges(struct rss_range *r)
{
	size_t n = 0, i;

	r[n++] = (struct rss_range){ info.merged, info.merged + HALF_PAGES * PG,
				     RSS_RANGE_USER_MMAP, ID_1 };
	r[n++] = (struct rss_range){ info.merged + HALF_PAGES * PG,
				     info.merged + 2 * HALF_PAGES * PG, RSS_RANGE_USER_MMAP, ID_2 };
	r[n++] = (struct rss_range){ info.alloc, info.alloc + ALLOC_PAGES * PG,
				     RSS_RANGE_ALLOCATOR, 0 };
	/* pthread stacks come from mmap too: guard page included */
	for (i = 0; i < NTHREADS; i++)
		r[n++] = (struct rss_range){ info.stacks[i],
					     info.stacks[i] + (1 + STACK_PAGES) * PG,
					     RSS_RANGE_USER_MMAP, ID_STACKS };
	return n;
}

static void compute(struct rss_account *a, uint64_t malloc_live)
{
	struct rss_range r[3 + NTHREADS];
	struct rss_input in = { .pid = child, .malloc_live_bytes = malloc_live,
				.top_files = 100 };

	in.ranges = r;
	in.nranges = child_ranges(r);
	cr_assert(eq(int, rss_account__compute(&in, a), 0));
}

/* Rss of the child's mapping named name (0 without one). */
static uint64_t named_rss(const char *name)
{
	struct smaps sm;
	uint64_t rss = 0;
	size_t i;

	cr_assert(eq(int, smaps__read(NULL, child, 0, &sm), 0));
	for (i = 0; i < sm.n; i++)
		if (sm.vmas[i].map.path && !strcmp(sm.vmas[i].map.path, name))
			rss += sm.vmas[i].rss;
	smaps__free(&sm);
	return rss;
}

Test(rss_child, ranges_inside_one_mapping_count_exactly)
{
	struct rss_account a;
	struct smaps sm;
	size_t i;

	/* the premise: both halves are one mapping, so pagemap did the work */
	cr_assert(eq(int, smaps__read(NULL, child, 0, &sm), 0));
	for (i = 0; i < sm.n; i++)
		if (sm.vmas[i].map.start <= info.merged && info.merged < sm.vmas[i].map.end)
			break;
	cr_assert(lt(sz, i, sm.n));
	cr_assert(eq(u64, sm.vmas[i].map.start, info.merged));
	cr_assert(eq(u64, sm.vmas[i].map.end, info.merged + 2 * HALF_PAGES * PG));
	smaps__free(&sm);

	compute(&a, 0);
	cr_assert(eq(sz, a.nmmap_by_stack, 2));
	cr_assert(eq(u64, a.mmap_by_stack[0].stack_id, ID_2));
	cr_assert(eq(u64, a.mmap_by_stack[0].resident, TOUCH_2 * PG));
	cr_assert(eq(u64, a.mmap_by_stack[1].stack_id, ID_1));
	cr_assert(eq(u64, a.mmap_by_stack[1].resident, TOUCH_1 * PG));
	/* thread stacks made by a traced mmap are not in this class */
	cr_assert(eq(u64, a.mmap_anon_resident, (TOUCH_1 + TOUCH_2) * PG));
	cr_assert(gt(u64, a.pagemap_pages, 0));
	cr_assert(eq(sz, a.ranges_unmeasured, 0));
	rss_account__free(&a);
}

Test(rss_child, thread_stacks_one_per_thread)
{
	struct rss_account a;

	compute(&a, 0);
	cr_assert(eq(sz, a.threads, NTHREADS + 1));
	cr_assert(eq(sz, a.thread_stacks, NTHREADS + 1));
	cr_assert(eq(sz, a.threads_guessed, 0));
	cr_assert(eq(u64, a.thread_stack_resident,
		     named_rss("[stack]") + NTHREADS * STACK_PAGES * PG));
	rss_account__free(&a);
}

/* Resident bytes of arenas other than ours: the test runner's threads
 * malloc, and the child inherits their arenas. */
static uint64_t other_arenas_rss(void)
{
	const struct smaps_vma *v;
	struct smaps sm;
	uint64_t rss = 0;
	size_t i;

	cr_assert(eq(int, smaps__read(NULL, child, 0, &sm), 0));
	for (i = 0; i + 1 < sm.n; i++) {
		v = &sm.vmas[i];
		if (v->map.start % ARENA || v->map.start == info.arena || v->map.path ||
		    strcmp(v->map.perms, "rw-p") || strcmp(sm.vmas[i + 1].map.perms, "---p") ||
		    sm.vmas[i + 1].map.end < v->map.start + ARENA)
			continue;
		rss += v->rss;
	}
	smaps__free(&sm);
	return rss;
}

Test(rss_child, heap_allocator_range_and_arena)
{
	uint64_t heap = named_rss("[heap]"), arenas = other_arenas_rss();
	struct rss_account a;

	compute(&a, 2 * PG);
	cr_assert(eq(u64, a.heap_guessed, ARENA_TOUCH * PG + arenas));
	cr_assert(eq(u64, a.heap_resident, heap + arenas + (ALLOC_TOUCH + ARENA_TOUCH) * PG));
	cr_assert(eq(u64, a.malloc_live, 2 * PG));
	cr_assert(eq(u64, a.allocator_retention, a.heap_resident - 2 * PG));
	cr_assert(eq(u64, a.heap_unbacked_live, 0));
	heap = a.heap_resident;
	rss_account__free(&a);

	/* more allocated than resident: never touched */
	compute(&a, heap + 1000 * PG);
	cr_assert(eq(u64, a.allocator_retention, 0));
	cr_assert(eq(u64, a.heap_unbacked_live, 1000 * PG));
	rss_account__free(&a);
}

Test(rss_child, shared_anonymous_is_shmem)
{
	struct rss_account a;

	compute(&a, 0);
	cr_assert(eq(u64, a.shmem_resident, SHM_TOUCH * PG));
	rss_account__free(&a);
}

Test(rss_child, file_pages_by_path)
{
	struct rss_account a;
	size_t i;

	if (!info.file_ok)
		cr_skip_test("/var/tmp is tmpfs: its pages are shmem");
	compute(&a, 0);
	for (i = 0; i < a.nfiles; i++)
		if (!strcmp(a.files[i].path, info.file))
			break;
	cr_assert(lt(sz, i, a.nfiles), "%s not listed", info.file);
	cr_assert(eq(u64, a.files[i].resident, FILE_TOUCH * PG));
	cr_assert(le(sz, a.nfiles, a.files_total));
	for (i = 1; i < a.nfiles; i++)
		cr_assert(ge(u64, a.files[i - 1].resident, a.files[i].resident));
	rss_account__free(&a);
}

Test(rss_child, classes_add_up_to_vmrss)
{
	struct rss_account a;
	uint64_t sum;

	compute(&a, 0);
	sum = a.heap_resident + a.mmap_anon_resident + a.thread_stack_resident +
	      a.file_resident + a.shmem_resident + a.other_anon;
	cr_assert(eq(u64, sum, a.smaps_rss));
	/* a quiet process: smaps and its rollup walk the same pages */
	cr_assert(eq(u64, a.smaps_rss, a.rollup.rss));
	cr_assert(eq(i64, a.rss_gap, (int64_t)a.status.vm_rss - (int64_t)a.smaps_rss));
	cr_assert(eq(i64, a.unexplained_bytes, (int64_t)a.other_anon + a.rss_gap));
	cr_assert(eq(i64, (int64_t)sum + a.rss_gap, (int64_t)a.status.vm_rss));
	cr_assert(eq(u64, a.status.vm_rss, a.status.rss_anon + a.status.rss_file +
		     a.status.rss_shmem));
	cr_assert(eq(u64, a.status.rss_shmem, a.shmem_resident));
	cr_assert(eq(sz, a.vmas_skipped, 0));
	cr_assert(eq(int, a.pid, child));
	cr_log_info("gap %ld other %lu vmrss %lu", (long)a.rss_gap, (unsigned long)a.other_anon,
		    (unsigned long)a.status.vm_rss);
	rss_account__free(&a);
}

Test(rss_account, gone_process_is_esrch)
{
	struct rss_input in = { .pid = 4242, .proc_root = "/nonexistent" };
	struct rss_account a;

	cr_assert(eq(int, rss_account__compute(&in, &a), -ESRCH));
	in.pid = 0;
	cr_assert(eq(int, rss_account__compute(&in, &a), -EINVAL));
}
