// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* libFuzzer target: one input is the text of /proc/PID/smaps (and, the
 * same bytes, of status and smaps_rollup), parsed by the real smaps.c;
 * what it accepts must agree with itself. */
#include <stdint.h>
#include <stdlib.h>

#include "smaps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct smaps_status st;
	struct smaps_rollup ro;
	struct smaps sm;
	size_t i, max_vmas;

	/* the first byte picks the mapping limit the caller passes */
	max_vmas = size ? data[0] % 8 : 0;
	if (!smaps__parse(text, size, max_vmas, &sm)) {
		if (max_vmas && sm.n > max_vmas)
			abort();
		for (i = 0; i < sm.n; i++) {
			const struct smaps_vma *v = &sm.vmas[i];

			if (v->size != v->map.end - v->map.start || v->rss > v->size ||
			    v->anonymous > v->rss)
				abort();
		}
		smaps__free(&sm);
	}
	(void)smaps__parse_status(text, size, &st);
	(void)smaps__parse_rollup(text, size, &ro);
	return 0;
}
