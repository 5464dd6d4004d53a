/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A small streaming JSON writer: typed fields, proper string escaping,
 * optional pretty printing. Errors are sticky and reported at the end. */
#ifndef MT_JSON_WRITER_H
#define MT_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *jw_new(FILE *f, bool pretty);
/* Finishes the document; returns 0 or -EIO / -EINVAL (unbalanced nesting). */
int jw_destroy(struct json_writer *w);

void jw_start_object(struct json_writer *w);
void jw_end_object(struct json_writer *w);
void jw_start_array(struct json_writer *w);
void jw_end_array(struct json_writer *w);
void jw_name(struct json_writer *w, const char *name);

void jw_string(struct json_writer *w, const char *s); /* NULL -> null */
void jw_u64(struct json_writer *w, uint64_t v);
void jw_i64(struct json_writer *w, int64_t v);
void jw_double(struct json_writer *w, double v);      /* non-finite -> null */
void jw_bool(struct json_writer *w, bool v);
void jw_null(struct json_writer *w);

/* name + value in one call */
void jw_string_field(struct json_writer *w, const char *name, const char *s);
void jw_u64_field(struct json_writer *w, const char *name, uint64_t v);
void jw_i64_field(struct json_writer *w, const char *name, int64_t v);
void jw_double_field(struct json_writer *w, const char *name, double v);
void jw_bool_field(struct json_writer *w, const char *name, bool v);

/* Scans the UTF-8 sequence at the start of NUL-terminated s: true when it is
 * well-formed, with *len its length (1-4); false for ill-formed bytes, with
 * *len the bytes to replace by one U+FFFD. Shared with the text writer,
 * which must not pass hostile bytes through either. */
bool jw_utf8_next(const char *s, size_t *len);

#endif /* MT_JSON_WRITER_H */
