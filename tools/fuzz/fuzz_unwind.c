// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: one input is an ELF file whose .eh_frame and
 * .debug_frame the real unwind_table.c turns into the rows the BPF
 * unwinder searches; the rows must be sorted, and every lookup must land
 * on a row at or before the offset asked for. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_file.h"
#include "unwind_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unwind_table t = {};
	size_t i;
	int fd;

	fd = fuzz_file(data, size);
	if (fd < 0)
		return 0;
	if (!unwind_table__from_fd(fd, &t)) {
		/* sorted by pc, each pc once */
		for (i = 1; i < t.nrows; i++)
			if (t.rows[i].pc <= t.rows[i - 1].pc)
				abort();
		for (i = 0; i + 4 <= size && i < 1024; i += 4) {
			const struct mt_unwind_row *r;
			uint32_t off;

			memcpy(&off, data + i, sizeof(off));
			r = unwind_table__find(t.rows, t.nrows, off);
			if (r && r->pc > off)
				abort();
		}
		unwind_table__free(&t);
	}
	close(fd);
	return 0;
}
