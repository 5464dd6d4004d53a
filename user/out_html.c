// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One self-contained HTML page: an interactive flame graph of the held
 * bytes (zoom, search, exact sizes on hover). The page is
 * user/html/flamegraph.html, built into the binary; the profile goes into
 * it as one JSON blob: names once each, then per stack its bytes, count
 * and name indexes root-first (the same frames as --format folded). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "frame_label.h"
#include "json_writer.h"
#include "output.h"
#include "str_table.h"

/* the page, NUL-terminated (the assembler reads it at build time; the
 * Makefile rebuilds this object when it changes) */
__asm__(".pushsection .rodata\n"
	".global mt_flamegraph_html\n"
	"mt_flamegraph_html:\n"
	".incbin \"user/html/flamegraph.html\"\n"
	".byte 0\n"
	".popsection\n");
extern const char mt_flamegraph_html[];

#define DATA_MARKER "@@MEMTRAIL_DATA@@"

/* Appends the index of name to the stack being written. */
static int put_name(struct json_writer *w, struct str_table *names, const char *name)
{
	int64_t idx = str_table__index(names, name);

	if (idx < 0)
		return -ENOMEM;
	jw_i64(w, idx);
	return 0;
}

static int put_stack(struct json_writer *w, struct str_table *names, const struct mt_sample *s)
{
	char buf[64];
	size_t i, j;
	int err;

	jw_start_array(w);
	jw_u64(w, s->bytes);
	jw_u64(w, s->allocs);
	jw_start_array(w);
	err = put_name(w, names, frame_label__process(s, buf, sizeof(buf)));
	if (!err)
		err = put_name(w, names, frame_label__kind(s, buf, sizeof(buf)));
	if (!err && !s->nframes)
		err = put_name(w, names, "[stack lost]");
	/* root-first; an inlined call sits above the function it is in */
	for (i = s->nframes; i-- > 0 && !err;) {
		const struct mt_frame *fr = &s->frames[i];
		char *label = fr->symbol ? NULL : frame_label(fr);

		if (!fr->symbol && !label)
			return -ENOMEM;
		err = put_name(w, names, fr->symbol ? fr->symbol : label);
		free(label);
		for (j = fr->ninlines; j-- > 0 && !err;)
			err = put_name(w, names, fr->inlines[j].symbol ? fr->inlines[j].symbol : "?");
	}
	jw_end_array(w);
	jw_end_array(w);
	return err;
}

/* The data blob, as JSON in memory. */
static int build_json(const struct mt_profile *p, const struct out_opts *o, char **json,
		      size_t *len)
{
	struct str_table names = { 0 };
	struct json_writer *w;
	char *title = NULL;
	size_t i, n;
	FILE *mem;
	int err = 0, werr;

	mem = open_memstream(json, len);
	if (!mem)
		return -ENOMEM;
	w = jw_new(mem, false);
	if (!w) {
		fclose(mem);
		free(*json);
		return -ENOMEM;
	}
	if (asprintf(&title, "memtrail: %s %s", mt_target_kind__str(p->target_kind),
		     p->target_value ? p->target_value : "") < 0)
		title = NULL;
	jw_start_object(w);
	jw_string_field(w, "title", title ? title : "memtrail");
	jw_double_field(w, "duration_s", p->duration_s);
	jw_u64_field(w, "drops_total", mt_profile__total_drops(p));
	jw_name(w, "stacks");
	jw_start_array(w);
	n = mt_profile__shown(p, o ? o->top : 0);
	for (i = 0; i < n && !err; i++)
		if (mt_sample__held(&p->samples[i]) && p->samples[i].bytes)
			err = put_stack(w, &names, &p->samples[i]);
	jw_end_array(w);
	jw_name(w, "names");
	jw_start_array(w);
	for (i = 0; i < names.n; i++)
		jw_string(w, names.strs[i]);
	jw_end_array(w);
	jw_name(w, "notes");
	jw_start_array(w);
	for (i = 0; i < p->ndrops; i++) {
		char line[128];

		if (!p->drops[i].value)
			continue;
		snprintf(line, sizeof(line), "dropped %s: %" PRIu64, p->drops[i].name,
			 p->drops[i].value);
		jw_string(w, line);
	}
	for (i = 0; i < p->nnotes; i++)
		jw_string(w, p->notes[i]);
	jw_end_array(w);
	jw_end_object(w);
	werr = jw_destroy(w);
	if (fclose(mem) && !werr)
		werr = -ENOMEM;
	if (!err)
		err = werr;
	if (!err && !title)
		err = -ENOMEM;
	free(title);
	str_table__free(&names);
	if (err) {
		free(*json);
		*json = NULL;
	}
	return err;
}

/* JSON text inside a script element: '<', '>' and '&' only occur inside
 * strings, where \u escapes mean the same; so no name can close the
 * element or open a comment. */
static void put_script_safe(FILE *f, const char *json, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		const char *esc = json[i] == '<' ? "\\u003c" : json[i] == '>' ? "\\u003e"
				  : json[i] == '&' ? "\\u0026" : NULL;

		if (!esc)
			continue;
		fwrite(json + run, 1, i - run, f);
		fputs(esc, f);
		run = i + 1;
	}
	fwrite(json + run, 1, len - run, f);
}

int out_html__write(const struct mt_profile *p, const struct out_opts *o, FILE *f)
{
	const char *mark = strstr(mt_flamegraph_html, DATA_MARKER);
	char *json = NULL;
	size_t len = 0;
	int err;

	if (!p || !f)
		return -EINVAL;
	if (!mark)
		return -EINVAL; /* a page without its marker: a build error */
	err = build_json(p, o, &json, &len);
	if (err)
		return err;
	fwrite(mt_flamegraph_html, 1, (size_t)(mark - mt_flamegraph_html), f);
	put_script_safe(f, json, len);
	fputs(mark + strlen(DATA_MARKER), f);
	free(json);
	return ferror(f) ? -EIO : 0;
}
