/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What a frame is called in the flame graph formats (folded, html, pprof):
 * one name per frame, the same in each, and single-line text that cannot
 * drive a terminal or break a line-based format. */
#ifndef MT_FRAME_LABEL_H
#define MT_FRAME_LABEL_H

#include <stdio.h>
#include "profile.h"

/* The frame's function: its symbol; unresolved, "libc.so.6+0x271ca"
 * (module's base name and file offset); outside any module, "0x1000".
 * malloc'd; NULL with errno set. */
char *frame_label(const struct mt_frame *f);

/* The two root frames of a sample in the flame graph formats: its process
 * ("leaky (pid 1234)") and its kind ("malloc", "mmap (anon_private)").
 * Written to buf, truncated to len; returns buf. */
const char *frame_label__process(const struct mt_sample *s, char *buf, size_t len);
const char *frame_label__kind(const struct mt_sample *s, char *buf, size_t len);

/* Writes s with control characters (C0, DEL, C1) and ill-formed UTF-8 as
 * '?', and each byte of extra (may be NULL) as '?' too. */
void frame_label__put_clean(FILE *out, const char *s, const char *extra);

#endif /* MT_FRAME_LABEL_H */
