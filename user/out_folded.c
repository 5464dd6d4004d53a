// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Folded stacks, the input of flamegraph.pl, inferno and speedscope: one
 * line per stack, frames root-first separated by ';', a space, the bytes
 * the stack holds. The two root frames are the process ("leaky (pid
 * 1234)") and the kind of memory ("malloc", "mmap (anon_private)"), so one
 * graph shows a whole host. Inlined calls are frames of their own. Only
 * held memory is written: "fault" samples count pages touched inside it,
 * and adding them would count those bytes twice; the lines sum to the
 * report's outstanding bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "frame_label.h"
#include "output.h"

/* ';' separates frames and a line ends the stack: neither may come from a
 * name (spaces may: the count is after the last one) */
#define FOLDED_BAD ";"

static void put_name(FILE *f, const char *s)
{
	fputc(';', f);
	frame_label__put_clean(f, s, FOLDED_BAD);
}

static int put_sample(FILE *f, const struct mt_sample *s)
{
	char buf[64];
	size_t i, j;

	frame_label__put_clean(f, frame_label__process(s, buf, sizeof(buf)), FOLDED_BAD);
	put_name(f, frame_label__kind(s, buf, sizeof(buf)));
	if (s->stack_lost || !s->nframes)
		put_name(f, "[stack lost]");
	/* frames[0] is the innermost: walk outwards from the root */
	for (i = s->nframes; i-- > 0;) {
		const struct mt_frame *fr = &s->frames[i];
		char *label = fr->symbol ? NULL : frame_label(fr);

		if (!fr->symbol && !label)
			return -errno;
		put_name(f, fr->symbol ? fr->symbol : label);
		free(label);
		/* innermost first: the outermost inlined call comes next */
		for (j = fr->ninlines; j-- > 0;)
			put_name(f, fr->inlines[j].symbol ? fr->inlines[j].symbol : "?");
	}
	fprintf(f, " %llu\n", (unsigned long long)s->bytes);
	return 0;
}

int out_folded__write(const struct mt_profile *p, const struct out_opts *o, FILE *f)
{
	size_t i, n;
	int err;

	if (!p || !f)
		return -EINVAL;
	n = mt_profile__shown(p, o ? o->top : 0);
	for (i = 0; i < n; i++) {
		const struct mt_sample *s = &p->samples[i];

		/* an empty stack holding 0 bytes adds nothing a graph can show */
		if (!mt_sample__held(s) || !s->bytes)
			continue;
		err = put_sample(f, s);
		if (err)
			return err;
	}
	return ferror(f) ? -EIO : 0;
}
