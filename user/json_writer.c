// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Streaming JSON writer. Nothing is buffered beyond the FILE itself: each
 * call writes its token at once, and the only state is a small stack saying
 * whether we are in an object or an array and whether a comma is due.
 *
 * Misuse (a value without a name inside an object, a name inside an array,
 * unbalanced ends, too deep nesting, a second top-level value) and stream
 * errors are sticky: the first one is kept, later calls write nothing, and
 * jw_destroy returns it. Callers can therefore write a whole document
 * without checking every call. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

/* Our reports nest about five levels; 32 leaves room without allocating. */
#define JW_MAX_DEPTH 32

struct jw_level {
	bool object;	/* false: array */
	bool nonempty;	/* a member was written: the next one needs a comma */
	bool named;	/* object only: a name was written, its value is due */
};

struct json_writer {
	FILE *f;
	bool pretty;
	bool done;	/* the top-level value is complete */
	int err;	/* first error, 0 while fine */
	int depth;	/* levels in use in stack[] */
	struct jw_level stack[JW_MAX_DEPTH];
};

struct json_writer *jw_new(FILE *f, bool pretty)
{
	struct json_writer *w;

	if (!f) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->f = f;
	w->pretty = pretty;
	return w;
}

static void jw_fail(struct json_writer *w, int err)
{
	if (!w->err)
		w->err = err;
}

static void jw_puts(struct json_writer *w, const char *s)
{
	if (!w->err && fputs(s, w->f) == EOF)
		jw_fail(w, -EIO);
}

static void jw_write(struct json_writer *w, const char *s, size_t n)
{
	if (!w->err && n && fwrite(s, 1, n, w->f) != n)
		jw_fail(w, -EIO);
}

static void jw_newline(struct json_writer *w, int depth)
{
	int i;

	if (!w->pretty)
		return;
	jw_puts(w, "\n");
	for (i = 0; i < depth; i++)
		jw_puts(w, "  ");
}

/* Everything a value needs before its first byte: the check that a value
 * is allowed here, and the comma and indentation of an array member (an
 * object member got them from jw_name). False when nothing may be written. */
static bool jw_begin_value(struct json_writer *w)
{
	struct jw_level *l;

	if (!w || w->err)
		return false;
	if (!w->depth) {
		if (w->done) {
			jw_fail(w, -EINVAL);
			return false;
		}
		return true;
	}
	l = &w->stack[w->depth - 1];
	if (l->object) {
		if (!l->named) {
			jw_fail(w, -EINVAL);
			return false;
		}
		l->named = false;
		return true;
	}
	if (l->nonempty)
		jw_puts(w, ",");
	jw_newline(w, w->depth);
	l->nonempty = true;
	return true;
}

/* After a scalar or a closed container: at top level the document is done. */
static void jw_end_value(struct json_writer *w)
{
	if (!w->depth)
		w->done = true;
}

bool jw_utf8_next(const char *str, size_t *len)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need, i;

	/* Well-formed sequences per RFC 3629 / Unicode table 3-7: no overlong
	 * forms, no surrogates, nothing above U+10FFFF. The second byte has a
	 * narrower range after E0, ED, F0 and F4. */
	if (s[0] < 0x80) {
		*len = 1;
		return true;
	} else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else {
		*len = 1;
		return false;
	}
	/* On failure, skip the maximal valid prefix as one unit (Unicode's
	 * "maximal subpart" practice): one U+FFFD per broken sequence. The
	 * NUL terminator fails the range check, so we never read past it. */
	for (i = 1; i < need; i++) {
		if (s[i] < lo || s[i] > hi) {
			*len = i;
			return false;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	*len = need;
	return true;
}

static void jw_put_string(struct json_writer *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;	/* bytes not yet written that need no escape */
	char esc[7];
	size_t len;

	while (*s) {
		unsigned char c = *s;
		const char *rep = NULL;

		if (c >= 0x80) {
			if (jw_utf8_next(s, &len)) {
				s += len;
				continue;
			}
			rep = "\xef\xbf\xbd"; /* U+FFFD */
		} else if (c == '"') {
			rep = "\\\"";
			len = 1;
		} else if (c == '\\') {
			rep = "\\\\";
			len = 1;
		} else if (c < 0x20) {
			len = 1;
			switch (c) {
			case '\b': rep = "\\b"; break;
			case '\f': rep = "\\f"; break;
			case '\n': rep = "\\n"; break;
			case '\r': rep = "\\r"; break;
			case '\t': rep = "\\t"; break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 0xf];
				esc[6] = '\0';
				rep = esc;
			}
		} else {
			s++;
			continue;
		}
		jw_write(w, run, s - run);
		jw_puts(w, rep);
		s += len;
		run = s;
	}
	jw_write(w, run, s - run);
}

static void jw_put_quoted(struct json_writer *w, const char *s)
{
	jw_puts(w, "\"");
	jw_put_string(w, s);
	jw_puts(w, "\"");
}

static void jw_start(struct json_writer *w, bool object)
{
	struct jw_level *l;

	if (!jw_begin_value(w))
		return;
	if (w->depth == JW_MAX_DEPTH) {
		jw_fail(w, -EINVAL);
		return;
	}
	l = &w->stack[w->depth++];
	memset(l, 0, sizeof(*l));
	l->object = object;
	jw_puts(w, object ? "{" : "[");
}

static void jw_end(struct json_writer *w, bool object)
{
	struct jw_level *l;

	if (!w || w->err)
		return;
	if (!w->depth) {
		jw_fail(w, -EINVAL);
		return;
	}
	l = &w->stack[w->depth - 1];
	if (l->object != object || l->named) {
		jw_fail(w, -EINVAL);
		return;
	}
	w->depth--;
	/* empty containers stay on one line: {} and [] */
	if (l->nonempty)
		jw_newline(w, w->depth);
	jw_puts(w, object ? "}" : "]");
	jw_end_value(w);
}

void jw_start_object(struct json_writer *w)
{
	jw_start(w, true);
}

void jw_end_object(struct json_writer *w)
{
	jw_end(w, true);
}

void jw_start_array(struct json_writer *w)
{
	jw_start(w, false);
}

void jw_end_array(struct json_writer *w)
{
	jw_end(w, false);
}

void jw_name(struct json_writer *w, const char *name)
{
	struct jw_level *l;

	if (!w || w->err)
		return;
	if (!w->depth || !name) {
		jw_fail(w, -EINVAL);
		return;
	}
	l = &w->stack[w->depth - 1];
	if (!l->object || l->named) {
		jw_fail(w, -EINVAL);
		return;
	}
	if (l->nonempty)
		jw_puts(w, ",");
	jw_newline(w, w->depth);
	jw_put_quoted(w, name);
	jw_puts(w, w->pretty ? ": " : ":");
	l->nonempty = true;
	l->named = true;
}

void jw_string(struct json_writer *w, const char *s)
{
	if (!jw_begin_value(w))
		return;
	if (s)
		jw_put_quoted(w, s);
	else
		jw_puts(w, "null");
	jw_end_value(w);
}

/* Integers go straight to the stream: never through a double, so every
 * u64 up to 18446744073709551615 comes out exact. */
void jw_u64(struct json_writer *w, uint64_t v)
{
	if (!jw_begin_value(w))
		return;
	if (fprintf(w->f, "%" PRIu64, v) < 0)
		jw_fail(w, -EIO);
	jw_end_value(w);
}

void jw_i64(struct json_writer *w, int64_t v)
{
	if (!jw_begin_value(w))
		return;
	if (fprintf(w->f, "%" PRId64, v) < 0)
		jw_fail(w, -EIO);
	jw_end_value(w);
}

/* The shortest of %.15g..%.17g that reads back as the same double: 0.1
 * stays "0.1", and 17 digits always round-trip. The buffer is sized for the
 * longest %.17g result ("-1.2345678901234567e-308" and a multibyte decimal
 * point); snprintf bounds it anyway. */
static void jw_put_double(struct json_writer *w, double v)
{
	char buf[40], out[40];
	const char *p;
	size_t n = 0;
	bool in_point = false;
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* printf writes the locale's decimal point; JSON wants '.' */
	for (p = buf; *p && n < sizeof(out) - 1; p++) {
		if (strchr("0123456789+-eE", *p)) {
			out[n++] = *p;
			in_point = false;
		} else if (!in_point) {
			out[n++] = '.';
			in_point = true;
		}
	}
	out[n] = '\0';
	/* keep it a real for typed readers: 5 -> 5.0, as the schema shows */
	if (!strpbrk(out, ".eE") && n < sizeof(out) - 2)
		strcpy(out + n, ".0");
	jw_puts(w, out);
}

void jw_double(struct json_writer *w, double v)
{
	if (!jw_begin_value(w))
		return;
	if (isfinite(v))
		jw_put_double(w, v);
	else
		jw_puts(w, "null"); /* JSON has no NaN or Infinity */
	jw_end_value(w);
}

void jw_bool(struct json_writer *w, bool v)
{
	if (!jw_begin_value(w))
		return;
	jw_puts(w, v ? "true" : "false");
	jw_end_value(w);
}

void jw_null(struct json_writer *w)
{
	if (!jw_begin_value(w))
		return;
	jw_puts(w, "null");
	jw_end_value(w);
}

void jw_string_field(struct json_writer *w, const char *name, const char *s)
{
	jw_name(w, name);
	jw_string(w, s);
}

void jw_u64_field(struct json_writer *w, const char *name, uint64_t v)
{
	jw_name(w, name);
	jw_u64(w, v);
}

void jw_i64_field(struct json_writer *w, const char *name, int64_t v)
{
	jw_name(w, name);
	jw_i64(w, v);
}

void jw_double_field(struct json_writer *w, const char *name, double v)
{
	jw_name(w, name);
	jw_double(w, v);
}

void jw_bool_field(struct json_writer *w, const char *name, bool v)
{
	jw_name(w, name);
	jw_bool(w, v);
}

/* Ends the document with a newline and flushes, so that a stream error
 * (disk full, closed pipe) shows up here rather than at fclose. A document
 * left open, or never started, is -EINVAL: what was written is not JSON.
 * The FILE stays the caller's. NULL is accepted, as for free(). */
int jw_destroy(struct json_writer *w)
{
	int err;

	if (!w)
		return 0;
	if (!w->err && (w->depth || !w->done))
		jw_fail(w, -EINVAL);
	jw_puts(w, "\n");
	if (fflush(w->f) == EOF || ferror(w->f))
		jw_fail(w, -EIO);
	err = w->err;
	free(w);
	return err;
}
