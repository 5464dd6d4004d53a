// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A program that maps, unmaps, remaps, moves the break and touches pages
 * in exactly known amounts, one named function per case, for the kernel
 * event tests (mmap, faults, RSS).
 *
 *   mapper --wait   print "ready PID", run every case after a line on
 *                   stdin, print "done", exit at the next line or EOF
 *
 * The amounts are in tests/integration/expected_vm.h; change both. */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "../integration/expected_vm.h"

static long page;
static void *volatile sink;
static int block_pipe[2]; /* threads wait on it until exit */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *map_pages(size_t pages, int flags)
{
	char *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	/* one page per fault, whatever the THP setting */
	madvise(p, pages * page, MADV_NOHUGEPAGE);
	return p;
}

__attribute__((noinline)) char *map_anon(void)
{
	return map_pages(VM_ANON_PAGES, 0);
}

__attribute__((noinline)) void touch_pages(char *p, size_t pages)
{
	for (size_t i = 0; i < pages; i++)
		p[i * page] = 1;
}

__attribute__((noinline)) void map_split(void)
{
	char *p = map_pages(VM_SPLIT_PAGES, 0);

	if (munmap(p + VM_SPLIT_HOLE_AT * page, VM_SPLIT_HOLE_PAGES * page))
		die("munmap");
}

__attribute__((noinline)) char *map_span_a(void)
{
	return map_pages(VM_SPAN_PAGES, 0);
}

__attribute__((noinline)) void map_span_b(char *at)
{
	if (mmap(at, VM_SPAN_B_PAGES * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		die("mmap fixed");
}

__attribute__((noinline)) void unmap_span(char *a)
{
	if (munmap(a + VM_SPAN_UNMAP_AT * page, VM_SPAN_UNMAP_PAGES * page))
		die("munmap span");
}

__attribute__((noinline)) char *map_remap_src(void)
{
	return map_pages(VM_REMAP_PAGES, 0);
}

__attribute__((noinline)) char *remap_grow(char *p)
{
	/* a fence right after p makes growing in place impossible: it moves */
	char *fence = mmap(p + VM_REMAP_PAGES * page, page, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	char *q = mremap(p, VM_REMAP_PAGES * page, VM_REMAP_GROWN_PAGES * page, MREMAP_MAYMOVE);

	if (q == MAP_FAILED)
		die("mremap grow");
	if (fence != MAP_FAILED)
		munmap(fence, page);
	printf("remap_grow %s\n", q == p ? "in place" : "moved");
	return q;
}

__attribute__((noinline)) char *map_shrink_src(void)
{
	return map_pages(VM_SHRINK_PAGES, 0);
}

__attribute__((noinline)) void remap_shrink(char *p)
{
	if (mremap(p, VM_SHRINK_PAGES * page, VM_SHRUNK_PAGES * page, 0) == MAP_FAILED)
		die("mremap shrink");
}

__attribute__((noinline)) void grow_brk(void)
{
	char *cur = sbrk(0);

	if (brk(cur + VM_BRK_PAGES * page))
		die("brk");
}

__attribute__((noinline)) void map_file(void)
{
	char path[] = "/tmp/mapper-XXXXXX", *p;
	int fd = mkstemp(path);

	if (fd < 0 || ftruncate(fd, VM_FILE_PAGES * page))
		die("temp file");
	unlink(path);
	p = mmap(NULL, VM_FILE_PAGES * page, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("mmap file");
	close(fd);
	sink = p;
}

__attribute__((noinline)) void map_shared(void)
{
	sink = mmap(NULL, VM_SHARED_PAGES * page, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sink == MAP_FAILED)
		die("mmap shared");
}

static int threads_started;

static void *blocked(void *arg)
{
	char c;

	(void)arg;
	__atomic_add_fetch(&threads_started, 1, __ATOMIC_SEQ_CST);
	while (read(block_pipe[0], &c, 1) < 0)
		;
	return NULL;
}

__attribute__((noinline)) void start_threads(void)
{
	pthread_t t;

	if (pipe(block_pipe))
		die("pipe");
	for (int i = 0; i < VM_THREADS; i++)
		if (pthread_create(&t, NULL, blocked, NULL))
			die("pthread_create");
	/* a thread that first runs after "done" would touch its stack and
	 * TLS pages then, and the RSS the test reads would be stale */
	while (__atomic_load_n(&threads_started, __ATOMIC_SEQ_CST) < VM_THREADS)
		sched_yield();
}

__attribute__((noinline)) void big_malloc(void)
{
	for (int i = 0; i < VM_BIG_MALLOC_COUNT; i++)
		sink = malloc(VM_BIG_MALLOC_SIZE);
}

static void run_cases(void)
{
	char *a, *span;

	a = map_anon();
	touch_pages(a, VM_TOUCH_PAGES);
	map_split();
	span = map_span_a();
	map_span_b(span + VM_SPAN_B_AT * page);
	unmap_span(span);
	remap_grow(map_remap_src());
	remap_shrink(map_shrink_src());
	grow_brk();
	map_file();
	map_shared();
	start_threads();
	big_malloc();
}

int main(int argc, char **argv)
{
	char line[64];

	page = sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "--wait")) {
		printf("ready %d\n", getpid());
		if (!fgets(line, sizeof(line), stdin))
			return 0;
	}
	run_cases();
	printf("done\n");
	if (argc > 1 && !strcmp(argv[1], "--wait"))
		(void)!fgets(line, sizeof(line), stdin);
	return 0;
}
