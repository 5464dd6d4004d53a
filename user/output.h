/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Report writers: one file per format, each reading only the profile. */
#ifndef MT_OUTPUT_H
#define MT_OUTPUT_H

#include <stdio.h>
#include "profile.h"

struct out_opts {
	size_t top;	/* at most this many stacks; 0 = all */
	bool pretty;	/* JSON: indented */
};

/* Each returns 0 or -errno (-EIO when the stream failed). */
int out_text__write(const struct mt_profile *p, const struct out_opts *o, FILE *f);
int out_json__write(const struct mt_profile *p, const struct out_opts *o, FILE *f);

#endif /* MT_OUTPUT_H */
