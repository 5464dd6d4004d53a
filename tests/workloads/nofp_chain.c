// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Built without frame pointers (-O2 -fomit-frame-pointer, Makefile):
 * leaks through a chain of named functions, through libc functions that
 * allocate (strdup, fopen, getline, asprintf), and through a hand-written
 * assembly function that has no unwind information. The unwinding tests
 * know each call chain. Prints "ready", leaks on "go", prints "done",
 * waits for end of input.
 *   nofp_chain [--wait] [--churn N | --kernel]
 * --churn: a second thread maps and unmaps memory without pause (it
 * holds the mmap lock often) while chain_a allocates and frees N times,
 * keeping the last block.
 * --kernel: what the kernel hooks see instead: an mmap of KERNEL_MAP_LEN
 * through map_b > map_c, its pages touched one by one in touch_c (called
 * by touch_b), and mallocs through heap_b > heap_c that grow the heap
 * (their faults come inside malloc, while its return probe is pending).
 *
 * Every function is noinline and noclone, and does something after its
 * call, so gcc makes neither an inline copy nor a sibling call (a jump
 * that would leave the caller off the stack). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define CHAIN __attribute__((noinline, noclone))
/* p is used after the call: the call cannot become a jump */
#define AFTER_CALL(p) __asm__ volatile("" : : "r"(p) : "memory")

CHAIN void *chain_c(size_t n)
{
	void *p = malloc(n);

	AFTER_CALL(p);
	return p;
}

CHAIN void *chain_b(size_t n)
{
	void *p = chain_c(n + 1);

	AFTER_CALL(p);
	return p;
}

CHAIN void *chain_a(size_t n)
{
	void *p = chain_b(n + 1);

	AFTER_CALL(p);
	return p;
}

CHAIN char *via_strdup(size_t n)
{
	char *s = malloc(n + 1), *d;

	memset(s, 'x', n);
	s[n] = '\0';
	d = strdup(s);
	free(s);
	AFTER_CALL(d);
	return d;
}

CHAIN FILE *via_fopen(void)
{
	FILE *f = fopen("/dev/null", "r");

	AFTER_CALL(f);
	return f;
}

CHAIN char *via_getline(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;

	if (getline(&line, &cap, f) < 0) {
		free(line);
		line = NULL;
	}
	AFTER_CALL(line);
	return line;
}

CHAIN char *via_asprintf(int v)
{
	char *s = NULL;

	if (asprintf(&s, "value %d and some text to format", v) < 0)
		s = NULL;
	AFTER_CALL(s);
	return s;
}

CHAIN void *asm_target(size_t n)
{
	void *p = malloc(n);

	AFTER_CALL(p);
	return p;
}

/* void *asm_trampoline(size_t n): calls asm_target, with a frame of its
 * own and no CFI at all (as JIT or hand-written code has none) */
__asm__(".text\n"
	".globl asm_trampoline\n"
	".type asm_trampoline, @function\n"
	"asm_trampoline:\n"
	"	sub $8, %rsp\n"
	"	call asm_target\n"
	"	add $8, %rsp\n"
	"	ret\n"
	".size asm_trampoline, .-asm_trampoline\n");
void *asm_trampoline(size_t n);

CHAIN void *via_asm(size_t n)
{
	void *p = asm_trampoline(n);

	AFTER_CALL(p);
	return p;
}

static void *volatile kept[16];

CHAIN void run_all(void)
{
	static char text[] = "first line of the stream\nsecond\n";
	FILE *mem = fmemopen(text, sizeof(text) - 1, "r");

	kept[0] = chain_a(1111);	/* 1113 bytes from chain_c */
	kept[1] = via_strdup(2221);	/* 2222 bytes from strdup */
	kept[2] = via_fopen();
	kept[3] = via_getline(mem);
	kept[4] = via_asprintf(42);
	kept[5] = via_asm(3333);
	kept[6] = mem;
	AFTER_CALL(kept);
}

#define KERNEL_MAP_LEN (16 * 4096)
#define KERNEL_HEAP_BLOCKS 8

CHAIN char *map_c(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	AFTER_CALL(p);
	return p == MAP_FAILED ? NULL : p;
}

CHAIN char *map_b(size_t len)
{
	char *p = map_c(len);

	AFTER_CALL(p);
	return p;
}

/* one write per page, here: each fault's innermost frame is touch_c */
CHAIN void touch_c(char *p, size_t len)
{
	for (size_t off = 0; off < len; off += 4096)
		((volatile char *)p)[off] = 1;
	AFTER_CALL(p);
}

CHAIN void touch_b(char *p, size_t len)
{
	touch_c(p, len);
	AFTER_CALL(p);
}

CHAIN void *heap_c(size_t n)
{
	void *p = malloc(n);

	AFTER_CALL(p);
	return p;
}

CHAIN void *heap_b(size_t n)
{
	void *p = heap_c(n);

	AFTER_CALL(p);
	return p;
}

CHAIN void run_kernel(void)
{
	char *m = map_b(KERNEL_MAP_LEN);

	if (m) {
		madvise(m, KERNEL_MAP_LEN, MADV_NOHUGEPAGE);
		touch_b(m, KERNEL_MAP_LEN);
	}
	/* below the mmap threshold: each grows the heap by brk */
	for (int i = 0; i < KERNEL_HEAP_BLOCKS; i++)
		kept[8 + i] = heap_b(96 * 1024);
	AFTER_CALL(kept);
}

static volatile int churning;

static void *map_churn(void *arg)
{
	(void)arg;
	while (churning) {
		void *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (m != MAP_FAILED)
			munmap(m, 1 << 16);
	}
	return NULL;
}

CHAIN void run_churn(long n)
{
	pthread_t th;
	void *p = NULL;

	churning = 1;
	if (pthread_create(&th, NULL, map_churn, NULL))
		return;
	for (long i = 0; i < n; i++) {
		free(p);
		p = chain_a(1111);
	}
	churning = 0;
	pthread_join(th, NULL);
	kept[7] = p;
	AFTER_CALL(kept);
}

int main(int argc, char **argv)
{
	char line[64];
	long churn = 0;
	int i, kernel = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--churn") && i + 1 < argc)
			churn = atol(argv[i + 1]);
		else if (!strcmp(argv[i], "--kernel"))
			kernel = 1;
	if (argc > 1 && !strcmp(argv[1], "--wait")) {
		printf("ready\n");
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	if (churn)
		run_churn(churn);
	else if (kernel)
		run_kernel();
	else
		run_all();
	printf("done\n");
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
