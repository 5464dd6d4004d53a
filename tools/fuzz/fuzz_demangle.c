// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: one input is a symbol name as a container's ELF file
 * or perf map hands it over, demangled by the real demangle.c (libiberty
 * behind it) into buffers of several sizes: the result always fits and is
 * terminated, or is "" on refusal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demangle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 16, 256, 4096 };
	char name[DEMANGLE_MAX_INPUT + 64], out[4096 + 1];
	size_t i;

	if (size >= sizeof(name))
		size = sizeof(name) - 1;
	memcpy(name, data, size);
	name[size] = '\0';
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		bool ok;

		out[sizes[i]] = 'X';	/* canary just past the buffer */
		ok = demangle(name, out, sizes[i]);
		if (out[sizes[i]] != 'X' || strnlen(out, sizes[i]) == sizes[i] ||
		    (!ok && out[0]))
			abort();
	}
	return 0;
}
