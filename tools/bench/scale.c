// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Scale workload for tools/bench: makes ALLOCS live allocations from
 * STACKS distinct call stacks, holds them for HOLD seconds, then exits
 * without freeing them. Stack i is a path of DEPTH calls, each through
 * go_left or go_right as the bits of i say, so every stack has its own
 * return addresses (built with frame pointers and without inlining).
 *   scale ALLOCS STACKS HOLD_S */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define DEPTH 17	/* 2^17 = 131,072 paths: room for 100,000 stacks */
#define SIZE 32

static void **blocks;

static void descend(unsigned path, int level, size_t slot);

__attribute__((noinline)) static void go_left(unsigned path, int level, size_t slot)
{
	descend(path, level + 1, slot);
}

__attribute__((noinline)) static void go_right(unsigned path, int level, size_t slot)
{
	descend(path, level + 1, slot);
}

__attribute__((noinline)) static void descend(unsigned path, int level, size_t slot)
{
	if (level == DEPTH) {
		blocks[slot] = malloc(SIZE);
		return;
	}
	if (path >> level & 1)
		go_right(path, level, slot);
	else
		go_left(path, level, slot);
}

int main(int argc, char **argv)
{
	long allocs, stacks, hold;

	if (argc != 4 || (allocs = atol(argv[1])) <= 0 || (stacks = atol(argv[2])) <= 0 ||
	    stacks > 1L << DEPTH || (hold = atol(argv[3])) < 0) {
		fprintf(stderr, "usage: scale ALLOCS STACKS(<=%ld) HOLD_S\n", 1L << DEPTH);
		return 2;
	}
	blocks = calloc((size_t)allocs, sizeof(*blocks));
	if (!blocks)
		return 1;
	for (long i = 0; i < allocs; i++)
		descend((unsigned)(i % stacks), 0, (size_t)i);
	fprintf(stderr, "scale: %ld allocations of %d bytes from %ld stacks held\n",
		allocs, SIZE, stacks);
	sleep((unsigned)hold);
	return 0;
}
