// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* json_writer: exact bytes where the bytes are the point (escapes, numbers,
 * layout), jansson parsing everywhere else, and every misuse -EINVAL. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <float.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

static char *buf;
static size_t len;
static FILE *mf;
static struct json_writer *w;

static void setup(void)
{
	buf = NULL;
	len = 0;
	mf = open_memstream(&buf, &len);
	cr_assert(not(eq(ptr, mf, NULL)));
	w = jw_new(mf, false);
	cr_assert(not(eq(ptr, w, NULL)));
}

static void teardown(void)
{
	if (mf)
		fclose(mf);
	free(buf);
}

TestSuite(json_writer, .init = setup, .fini = teardown, .timeout = 10);

/* Destroys the writer (it flushes) and returns its result; buf then holds
 * the whole document. */
static int finish(void)
{
	int err = jw_destroy(w);

	w = NULL;
	return err;
}

/* The fixture's writer is compact; swap it for a pretty one before any
 * output (the unused one ends with -EINVAL and writes nothing). */
static void use_pretty(void)
{
	jw_destroy(w);
	w = jw_new(mf, true);
	cr_assert(not(eq(ptr, w, NULL)));
}

static json_t *parse(void)
{
	json_error_t jerr;
	json_t *root = json_loadb(buf, len, 0, &jerr);

	cr_assert(not(eq(ptr, root, NULL)), "not JSON (%s): %s", jerr.text, buf);
	return root;
}

/* Writes s as the only value; checks the exact output and that a JSON
 * parser reads back want_value. */
static void check_string(const char *s, const char *want_json, const char *want_value)
{
	json_t *root;

	jw_string(w, s);
	cr_assert(eq(int, finish(), 0));
	cr_assert(eq(str, buf, (char *)want_json));
	root = json_loadb(buf, len, JSON_DECODE_ANY, NULL);
	cr_assert(not(eq(ptr, root, NULL)), "not JSON: %s", buf);
	cr_assert(eq(int, json_typeof(root), JSON_STRING));
	cr_assert(eq(str, (char *)json_string_value(root), (char *)want_value));
	json_decref(root);
}

Test(json_writer, escapes_short_forms)
{
	check_string("q\"b\\s/\b\f\n\r\t", "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\"\n",
		     "q\"b\\s/\b\f\n\r\t");
}

Test(json_writer, escapes_every_other_control_char)
{
	char in[40], want[40 * 6 + 8];
	size_t n = 0, m = 0;
	int c;

	/* 0x01..0x1f except the five with short forms become \u00xx; DEL is
	 * not a control character for JSON and passes */
	want[m++] = '"';
	for (c = 1; c < 0x20; c++) {
		if (strchr("\b\f\n\r\t", c))
			continue;
		in[n++] = c;
		m += snprintf(want + m, sizeof(want) - m, "\\u%04x", c);
	}
	in[n++] = 0x7f;
	in[n] = '\0';
	snprintf(want + m, sizeof(want) - m, "\x7f\"\n");
	check_string(in, want, in);
}

Test(json_writer, valid_multibyte_utf8_preserved)
{
	/* 2, 3 and 4 byte forms and the extremes U+0080, U+FFFF, U+10FFFF */
	const char *s = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9d\x84\x9e "
			"\xc2\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf";
	char want[128];

	snprintf(want, sizeof(want), "\"%s\"\n", s);
	check_string(s, want, s);
}

/* Inline arrays, not pointers: criterion hands each parameter to a freshly
 * started worker, where pointers into our image would not be valid. */
struct bad_utf8 {
	char in[16];
	char out[24]; /* value as read back */
};

#define FFFD "\xef\xbf\xbd"

ParameterizedTestParameters(json_writer, invalid_utf8_replaced)
{
	static struct bad_utf8 cases[] = {
		{ "\xff", FFFD },
		{ "a\x80z", "a" FFFD "z" },			/* lone continuation */
		{ "a\xc3", "a" FFFD },				/* truncated at the end */
		{ "\xe2\x82x", FFFD "x" },			/* truncated: one U+FFFD */
		{ "\xc0\xaf", FFFD FFFD },			/* overlong '/' */
		{ "\xe0\x80\xaf", FFFD FFFD FFFD },		/* overlong, 3 bytes */
		{ "\xed\xa0\x80", FFFD FFFD FFFD },		/* surrogate U+D800 */
		{ "\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD },	/* above U+10FFFF */
		{ "\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD }, /* 5-byte form */
		{ "ok\xf0\x9f\x98", "ok" FFFD },		/* truncated emoji */
		{ "\"\xfe\\", "\"" FFFD "\\" },			/* mixed with escapes */
	};

	return cr_make_param_array(struct bad_utf8, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_utf8 *c, json_writer, invalid_utf8_replaced)
{
	json_t *root;

	jw_string(w, c->in);
	cr_assert(eq(int, finish(), 0));
	/* jansson rejects invalid UTF-8, so parsing proves the output valid */
	root = json_loadb(buf, len, JSON_DECODE_ANY, NULL);
	cr_assert(not(eq(ptr, root, NULL)), "not JSON: %s", buf);
	cr_assert(eq(str, (char *)json_string_value(root), (char *)c->out));
	json_decref(root);
}

Test(json_writer, null_string_is_null)
{
	jw_start_array(w);
	jw_string(w, NULL);
	jw_null(w);
	jw_end_array(w);
	cr_assert(eq(int, finish(), 0));
	cr_assert(eq(str, buf, "[null,null]\n"));
}

Test(json_writer, nesting_compact)
{
	jw_start_object(w);
	jw_name(w, "a");
	jw_start_array(w);
	jw_u64(w, 1);
	jw_start_object(w);
	jw_name(w, "b");
	jw_null(w);
	jw_end_object(w);
	jw_start_array(w);
	jw_end_array(w);
	jw_end_array(w);
	jw_name(w, "c");
	jw_start_object(w);
	jw_end_object(w);
	jw_bool_field(w, "d", true);
	jw_end_object(w);
	cr_assert(eq(int, finish(), 0));
	cr_assert(eq(str, buf, "{\"a\":[1,{\"b\":null},[]],\"c\":{},\"d\":true}\n"));
}

static void write_sample_doc(struct json_writer *jw)
{
	jw_start_object(jw);
	jw_string_field(jw, "s", "x\ny");
	jw_u64_field(jw, "u", UINT64_C(9007199254740993)); /* 2^53+1: not a double */
	jw_i64_field(jw, "i", INT64_MIN);
	jw_double_field(jw, "d", 0.1);
	jw_bool_field(jw, "t", true);
	jw_bool_field(jw, "f", false);
	jw_name(jw, "n");
	jw_null(jw);
	jw_name(jw, "arr");
	jw_start_array(jw);
	jw_u64(jw, 1);
	jw_start_object(jw);
	jw_string_field(jw, "k", "v");
	jw_end_object(jw);
	jw_start_array(jw);
	jw_end_array(jw);
	jw_end_array(jw);
	jw_name(jw, "empty");
	jw_start_object(jw);
	jw_end_object(jw);
	jw_end_object(jw);
}

Test(json_writer, pretty_layout)
{
	static const char want[] =
		"{\n"
		"  \"s\": \"x\\ny\",\n"
		"  \"u\": 9007199254740993,\n"
		"  \"i\": -9223372036854775808,\n"
		"  \"d\": 0.1,\n"
		"  \"t\": true,\n"
		"  \"f\": false,\n"
		"  \"n\": null,\n"
		"  \"arr\": [\n"
		"    1,\n"
		"    {\n"
		"      \"k\": \"v\"\n"
		"    },\n"
		"    []\n"
		"  ],\n"
		"  \"empty\": {}\n"
		"}\n";

	use_pretty();
	write_sample_doc(w);
	cr_assert(eq(int, finish(), 0));
	cr_assert(eq(str, buf, (char *)want));
}

Test(json_writer, pretty_and_compact_same_values)
{
	char *pbuf = NULL;
	size_t plen = 0;
	FILE *pf = open_memstream(&pbuf, &plen);
	struct json_writer *pw = jw_new(pf, true);
	json_t *compact, *pretty;

	write_sample_doc(w);
	write_sample_doc(pw);
	cr_assert(eq(int, finish(), 0));
	cr_assert(eq(int, jw_destroy(pw), 0));
	compact = parse();
	pretty = json_loadb(pbuf, plen, 0, NULL);
	cr_assert(not(eq(ptr, pretty, NULL)), "not JSON: %s", pbuf);
	cr_assert(json_equal(compact, pretty));
	cr_assert(gt(sz, plen, len)); /* and it really is indented */

	cr_assert(eq(i64, json_integer_value(json_object_get(pretty, "u")),
		     INT64_C(9007199254740993)));
	cr_assert(eq(i64, json_integer_value(json_object_get(pretty, "i")), INT64_MIN));
	cr_assert(eq(dbl, json_real_value(json_object_get(pretty, "d")), 0.1));
	cr_assert(eq(str, (char *)json_string_value(json_object_get(pretty, "s")), "x\ny"));
	cr_assert(eq(int, json_typeof(json_object_get(pretty, "t")), JSON_TRUE));
	cr_assert(eq(int, json_typeof(json_object_get(pretty, "f")), JSON_FALSE));
	cr_assert(eq(int, json_typeof(json_object_get(pretty, "n")), JSON_NULL));
	cr_assert(eq(sz, json_array_size(json_object_get(pretty, "arr")), 3));
	json_decref(compact);
	json_decref(pretty);
	fclose(pf);
	free(pbuf);
}

Test(json_writer, u64_and_i64_exact)
{
	jw_start_array(w);
	jw_u64(w, UINT64_MAX);
	jw_u64(w, 0);
	jw_i64(w, INT64_MIN);
	jw_i64(w, INT64_MAX);
	jw_i64(w, -1);
	jw_end_array(w);
	cr_assert(eq(int, finish(), 0));
	/* jansson's integers are signed 64-bit, so the u64 maximum is
	 * checked as text: no double on the way, no rounding */
	cr_assert(eq(str, buf, "[18446744073709551615,0,-9223372036854775808,"
			       "9223372036854775807,-1]\n"));
}

Test(json_writer, doubles)
{
	const double vals[] = { 0.1, 5.0, -0.0, 1.0 / 3, 123456.789, 1e300,
				5e-324, DBL_MAX, -2.5e-10, 4.2 };
	size_t i, n = sizeof(vals) / sizeof(vals[0]);
	json_t *root;

	jw_start_array(w);
	for (i = 0; i < n; i++)
		jw_double(w, vals[i]);
	jw_double(w, NAN);
	jw_double(w, INFINITY);
	jw_double(w, -INFINITY);
	jw_end_array(w);
	cr_assert(eq(int, finish(), 0));
	/* shortest form that round-trips; integral values stay reals */
	cr_assert(eq(int, strncmp(buf, "[0.1,5.0,-0.0,0.3333333333333333,123456.789,", 44), 0),
		  "%s", buf);
	cr_assert(not(eq(ptr, strstr(buf, ",null,null,null]"), NULL)), "%s", buf);

	root = parse();
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(root, i);

		cr_assert(eq(int, json_typeof(v), JSON_REAL), "element %zu of %s", i, buf);
		cr_assert(eq(dbl, json_real_value(v), vals[i]), "element %zu", i);
	}
	for (; i < n + 3; i++)
		cr_assert(eq(int, json_typeof(json_array_get(root, i)), JSON_NULL));
	json_decref(root);
}

Test(json_writer, top_level_scalar)
{
	jw_u64(w, 42);
	cr_assert(eq(int, finish(), 0));
	cr_assert(eq(str, buf, "42\n"));
}

Test(json_writer, field_helpers)
{
	json_t *root;

	jw_start_object(w);
	jw_string_field(w, "s", "v");
	jw_string_field(w, "ns", NULL);
	jw_u64_field(w, "u", 7);
	jw_i64_field(w, "i", -7);
	jw_double_field(w, "d", 2.5);
	jw_double_field(w, "nan", NAN);
	jw_bool_field(w, "b", false);
	jw_end_object(w);
	cr_assert(eq(int, finish(), 0));
	root = parse();
	cr_assert(eq(sz, json_object_size(root), 7));
	cr_assert(eq(str, (char *)json_string_value(json_object_get(root, "s")), "v"));
	cr_assert(eq(int, json_typeof(json_object_get(root, "ns")), JSON_NULL));
	cr_assert(eq(i64, json_integer_value(json_object_get(root, "u")), 7));
	cr_assert(eq(i64, json_integer_value(json_object_get(root, "i")), -7));
	cr_assert(eq(dbl, json_real_value(json_object_get(root, "d")), 2.5));
	cr_assert(eq(int, json_typeof(json_object_get(root, "nan")), JSON_NULL));
	cr_assert(eq(int, json_typeof(json_object_get(root, "b")), JSON_FALSE));
	json_decref(root);
}

Test(json_writer, names_are_escaped)
{
	json_t *root;

	jw_start_object(w);
	jw_u64_field(w, "we\"ird\x01\xff", 1);
	jw_end_object(w);
	cr_assert(eq(int, finish(), 0));
	root = parse();
	cr_assert(eq(i64, json_integer_value(json_object_get(root, "we\"ird\x01" FFFD)), 1));
	json_decref(root);
}

/* Each misuse, alone, makes jw_destroy return -EINVAL. */
Test(json_writer, misuse_value_without_name)
{
	jw_start_object(w);
	jw_u64(w, 1);
	jw_end_object(w);
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, misuse_name_in_array)
{
	jw_start_array(w);
	jw_name(w, "x");
	jw_u64(w, 1);
	jw_end_array(w);
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, misuse_name_at_top_level)
{
	jw_name(w, "x");
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, misuse_two_names)
{
	jw_start_object(w);
	jw_name(w, "a");
	jw_name(w, "b");
	jw_u64(w, 1);
	jw_end_object(w);
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, misuse_name_without_value)
{
	jw_start_object(w);
	jw_name(w, "a");
	jw_end_object(w);
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, misuse_mismatched_end)
{
	jw_start_object(w);
	jw_end_array(w);
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, misuse_extra_end)
{
	jw_start_array(w);
	jw_end_array(w);
	jw_end_array(w);
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, misuse_unclosed)
{
	jw_start_object(w);
	jw_start_array(w);
	jw_end_array(w);
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, misuse_second_top_level_value)
{
	jw_u64(w, 1);
	jw_u64(w, 2);
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, misuse_empty_document)
{
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, depth_bounded)
{
	int i;

	for (i = 0; i < 32; i++)
		jw_start_array(w);
	for (i = 0; i < 32; i++)
		jw_end_array(w);
	cr_assert(eq(int, finish(), 0));

	w = jw_new(mf, false);
	for (i = 0; i < 33; i++)
		jw_start_array(w);
	for (i = 0; i < 33; i++)
		jw_end_array(w);
	cr_assert(eq(int, finish(), -EINVAL));
}

Test(json_writer, error_is_sticky)
{
	size_t before;

	jw_start_array(w);
	jw_u64(w, 1);
	jw_name(w, "bad");
	fflush(mf);
	before = len;
	jw_u64(w, 2);
	jw_end_array(w);
	cr_assert(eq(int, finish(), -EINVAL));
	cr_assert(eq(sz, len, before), "wrote after the error: %s", buf);
}

Test(json_writer, stream_error_is_eio)
{
	char ro[16] = "";
	FILE *f = fmemopen(ro, sizeof(ro), "r");
	struct json_writer *jw;

	cr_assert(not(eq(ptr, f, NULL)));
	jw = jw_new(f, false);
	jw_start_object(jw);
	jw_string_field(jw, "a", "b");
	jw_end_object(jw);
	cr_assert(eq(int, jw_destroy(jw), -EIO));
	fclose(f);
}

Test(json_writer, disk_full_is_eio)
{
	FILE *f = fopen("/dev/full", "w");
	struct json_writer *jw;

	if (!f)
		cr_skip_test("no /dev/full");
	/* the write itself is buffered: the error shows at the flush */
	jw = jw_new(f, false);
	jw_u64(jw, 1);
	cr_assert(eq(int, jw_destroy(jw), -EIO));
	fclose(f);
}

Test(json_writer, new_rejects_null_stream)
{
	errno = 0;
	cr_assert(eq(ptr, jw_new(NULL, false), NULL));
	cr_assert(eq(int, errno, EINVAL));
	cr_assert(eq(int, jw_destroy(NULL), 0));
}
