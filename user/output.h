/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Report writers: one file per format, each reading only the profile. */
#ifndef MT_OUTPUT_H
#define MT_OUTPUT_H

#include <stdio.h>
#include "profile.h"

struct out_opts {
	size_t top;	/* at most this many stacks; 0 = all */
	bool pretty;	/* JSON: indented */
	int64_t time_ns; /* pprof: when the trace began (ns since the epoch); 0: unknown */
};

/* Each returns 0 or -errno (-EIO when the stream failed). */
int out_text__write(const struct mt_profile *p, const struct out_opts *o, FILE *f);
int out_json__write(const struct mt_profile *p, const struct out_opts *o, FILE *f);
/* Flame graph formats: held memory only (no "fault" samples), see each file. */
int out_folded__write(const struct mt_profile *p, const struct out_opts *o, FILE *f);
int out_pprof__write(const struct mt_profile *p, const struct out_opts *o, FILE *f);
int out_html__write(const struct mt_profile *p, const struct out_opts *o, FILE *f);

#endif /* MT_OUTPUT_H */
