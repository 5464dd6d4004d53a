// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: one input is a call-frame section (.eh_frame, or
 * .debug_frame when the first byte is odd) handed to the real eh_frame.c
 * at an address the input chooses; every row it hands out must be a
 * non-empty range and the parse must end (eh_frame.h's contract). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eh_frame.h"

static int on_row(const struct cfi_row *row, void *ctx)
{
	size_t *rows = ctx;

	if (row->pc >= row->end)
		abort();
	(*rows)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfi_section sec = {};
	struct cfi_stats st = {};
	size_t rows = 0;
	int n;

	if (size < 9)
		return 0;
	sec.debug_frame = data[0] & 1;
	memcpy(&sec.vaddr, data + 1, sizeof(sec.vaddr));
	sec.text_vaddr = sec.vaddr + 0x1000;
	sec.data_vaddr = sec.vaddr + 0x200000;
	sec.data = data + 9;
	sec.size = size - 9;
	n = eh_frame__parse(&sec, on_row, &rows, &st);
	if (n < 0 && n != -EINVAL)
		abort();
	if (n >= 0 && st.bad_fdes > st.fdes)
		abort();
	return 0;
}
