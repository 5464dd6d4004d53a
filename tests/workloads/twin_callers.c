// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One allocation site reached from two callers in turn, through frames
 * of the same size: malloc returns to the same address with the same
 * stack pointer either way, and only the words on the stack tell the
 * callers apart. via_left keeps TWIN_ROUNDS blocks of TWIN_LEFT_SIZE
 * bytes, via_right TWIN_ROUNDS of TWIN_RIGHT_SIZE (expected.h).
 * Prints "ready", leaks on "go", prints "done", waits for end of input. */
#include <stdio.h>
#include <stdlib.h>
#include "../integration/expected.h"
#include "handshake.h"

static void *kept[2 * TWIN_ROUNDS];

/* noipa: not merged into one function, not inlined, not cloned */
__attribute__((noipa)) static void *leaf(size_t size)
{
	return malloc(size);
}

__attribute__((noipa)) static void *via_left(size_t size)
{
	void *p = leaf(size);

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

__attribute__((noipa)) static void *via_right(size_t size)
{
	void *p = leaf(size);

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

__attribute__((noipa)) static void run(void)
{
	for (int i = 0; i < 2 * TWIN_ROUNDS; i++)
		kept[i] = i & 1 ? via_right(TWIN_RIGHT_SIZE) : via_left(TWIN_LEFT_SIZE);
}

int main(void)
{
	int rc = run_on_go(run);

	return rc ? rc : kept[0] == NULL;
}
