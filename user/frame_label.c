// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Frame names for the flame graph formats, and the one routine that keeps
 * names from traced programs harmless in line-based text. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_label.h"
#include "json_writer.h"

char *frame_label(const struct mt_frame *f)
{
	const char *base;
	char *s = NULL;
	int n;

	if (f->symbol)
		return strdup(f->symbol);
	if (f->module) {
		base = strrchr(f->module, '/');
		base = base && base[1] ? base + 1 : f->module;
		n = asprintf(&s, "%s+0x%" PRIx64, base, f->module_offset);
	} else {
		n = asprintf(&s, "0x%" PRIx64, f->addr);
	}
	if (n < 0) {
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

const char *frame_label__process(const struct mt_sample *s, char *buf, size_t len)
{
	char comm[17];

	/* comm is a fixed array the kernel fills: it may lack its NUL */
	memcpy(comm, s->comm, 16);
	comm[16] = '\0';
	snprintf(buf, len, "%s (pid %d)", comm[0] ? comm : "?", (int)s->pid);
	return buf;
}

const char *frame_label__kind(const struct mt_sample *s, char *buf, size_t len)
{
	const char *kind = s->kind ? s->kind : "?";

	if (s->mapping)
		snprintf(buf, len, "%s (%s)", kind, s->mapping);
	else
		snprintf(buf, len, "%s", kind);
	return buf;
}

/* Bytes that may pass as they are start a run, written with one call:
 * names are written millions of times in a large profile. */
void frame_label__put_clean(FILE *out, const char *s, const char *extra)
{
	const char *run = s;
	size_t len;

	while (*s) {
		unsigned char c = *s;
		bool ok;

		if (c >= 0x20 && c < 0x7f) {
			len = 1;
			ok = !extra || !strchr(extra, c);
		} else if (c < 0x80) {
			len = 1;
			ok = false; /* C0, DEL */
		} else {
			ok = jw_utf8_next(s, &len);
			if (len == 2 && c == 0xc2 && (unsigned char)s[1] < 0xa0)
				ok = false; /* U+0080..U+009F */
		}
		if (!ok) {
			fwrite(run, 1, (size_t)(s - run), out);
			fputc('?', out);
			run = s + len;
		}
		s += len;
	}
	fwrite(run, 1, (size_t)(s - run), out);
}
