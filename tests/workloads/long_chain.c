// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One allocation site LONG_CHAIN_DEPTH distinct calls deep, every frame
 * in this file and without frame pointers (built -fomit-frame-pointer):
 * the walk passes more return addresses than the unwinder's memo holds,
 * so some frames are looked up in the file's table on every walk, each
 * in the same mapping as the frame before. chain_00 is the innermost.
 * Keeps LONG_CHAIN_ROUNDS blocks of LONG_CHAIN_SIZE bytes (expected.h).
 * Prints "ready", leaks on "go", prints "done", waits for end of input. */
#include <stdio.h>
#include <stdlib.h>
#include "../integration/expected.h"
#include "handshake.h"

static void *kept[LONG_CHAIN_ROUNDS];

/* noipa: neither inlined, merged nor turned into a tail call */
__attribute__((noipa)) static void *chain_00(size_t size)
{
	void *p = malloc(size);

	__asm__ volatile("" : : "r"(p) : "memory");
	return p;
}

#define LINK(name, next)                                          \
	__attribute__((noipa)) static void *name(size_t size)     \
	{                                                         \
		void *p = next(size);                             \
		__asm__ volatile("" : : "r"(p) : "memory");       \
		return p;                                         \
	}

LINK(chain_01, chain_00) LINK(chain_02, chain_01) LINK(chain_03, chain_02)
LINK(chain_04, chain_03) LINK(chain_05, chain_04) LINK(chain_06, chain_05)
LINK(chain_07, chain_06) LINK(chain_08, chain_07) LINK(chain_09, chain_08)
LINK(chain_10, chain_09) LINK(chain_11, chain_10) LINK(chain_12, chain_11)
LINK(chain_13, chain_12) LINK(chain_14, chain_13) LINK(chain_15, chain_14)
LINK(chain_16, chain_15) LINK(chain_17, chain_16) LINK(chain_18, chain_17)
LINK(chain_19, chain_18) LINK(chain_20, chain_19) LINK(chain_21, chain_20)
LINK(chain_22, chain_21) LINK(chain_23, chain_22) LINK(chain_24, chain_23)
LINK(chain_25, chain_24) LINK(chain_26, chain_25) LINK(chain_27, chain_26)
LINK(chain_28, chain_27) LINK(chain_29, chain_28) LINK(chain_30, chain_29)
LINK(chain_31, chain_30) LINK(chain_32, chain_31) LINK(chain_33, chain_32)
LINK(chain_34, chain_33) LINK(chain_35, chain_34) LINK(chain_36, chain_35)
LINK(chain_37, chain_36) LINK(chain_38, chain_37) LINK(chain_39, chain_38)

_Static_assert(LONG_CHAIN_DEPTH == 40, "chain_00 to chain_39");

__attribute__((noipa)) static void run(void)
{
	for (int i = 0; i < LONG_CHAIN_ROUNDS; i++)
		kept[i] = chain_39(LONG_CHAIN_SIZE);
}

int main(void)
{
	int rc = run_on_go(run);

	return rc ? rc : kept[0] == NULL;
}
