// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* proto_enc against byte sequences worked out by hand from the protobuf
 * encoding rules (the field 1 = 150 and packed 3, 270, 86942 examples are
 * the ones the protobuf documentation itself walks through). */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "proto_enc.h"

TestSuite(proto_enc, .timeout = 10);

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), sizeof((const uint8_t[]){ __VA_ARGS__ })

static void assert_bytes(const struct pb_buf *b, const uint8_t *want, size_t n)
{
	size_t i;

	cr_assert(eq(int, b->err, 0));
	cr_assert(eq(sz, b->len, n), "length %zu, want %zu", b->len, n);
	for (i = 0; i < n; i++)
		cr_assert(eq(u8, b->data[i], want[i]), "byte %zu: %02x, want %02x", i,
			  b->data[i], want[i]);
}

Test(proto_enc, varints)
{
	static const struct {
		uint64_t v;
		uint8_t bytes[10];
		size_t n;
	} cases[] = {
		{ 0, { 0x00 }, 1 },
		{ 1, { 0x01 }, 1 },
		{ 127, { 0x7f }, 1 },
		{ 128, { 0x80, 0x01 }, 2 },
		{ 300, { 0xac, 0x02 }, 2 },
		{ 16384, { 0x80, 0x80, 0x01 }, 3 },
		{ UINT32_MAX, { 0xff, 0xff, 0xff, 0xff, 0x0f }, 5 },
		{ UINT64_MAX, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 }, 10 },
	};
	struct pb_buf b;
	size_t i;

	pb_init(&b);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pb_reset(&b);
		pb_raw_varint(&b, cases[i].v);
		assert_bytes(&b, cases[i].bytes, cases[i].n);
	}
	pb_free(&b);
}

Test(proto_enc, scalar_fields)
{
	struct pb_buf b;

	pb_init(&b);
	pb_uint(&b, 1, 150);
	assert_bytes(&b, BYTES(0x08, 0x96, 0x01));
	pb_reset(&b);
	/* int64 -1: ten bytes, two's complement */
	pb_int(&b, 1, -1);
	assert_bytes(&b, BYTES(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
	pb_reset(&b);
	pb_bool(&b, 7, true);
	pb_bool(&b, 8, false);
	assert_bytes(&b, BYTES(0x38, 0x01, 0x40, 0x00));
	pb_reset(&b);
	/* field 16: the key itself takes two bytes */
	pb_uint(&b, 16, 0);
	assert_bytes(&b, BYTES(0x80, 0x01, 0x00));
	pb_free(&b);
}

Test(proto_enc, length_delimited)
{
	struct pb_buf b, sub;

	pb_init(&b);
	pb_init(&sub);
	pb_string(&b, 2, "testing");
	assert_bytes(&b, BYTES(0x12, 0x07, 't', 'e', 's', 't', 'i', 'n', 'g'));
	pb_reset(&b);
	pb_string(&b, 6, "");
	pb_string(&b, 6, NULL);
	assert_bytes(&b, BYTES(0x32, 0x00, 0x32, 0x00));
	pb_reset(&b);
	pb_bytes(&b, 1, "\0\xff", 2);
	assert_bytes(&b, BYTES(0x0a, 0x02, 0x00, 0xff));

	/* a nested message: key, length, its bytes */
	pb_reset(&b);
	pb_uint(&sub, 1, 150);
	pb_message(&b, 3, &sub);
	assert_bytes(&b, BYTES(0x1a, 0x03, 0x08, 0x96, 0x01));
	/* an empty one is still there */
	pb_reset(&sub);
	pb_reset(&b);
	pb_message(&b, 3, &sub);
	assert_bytes(&b, BYTES(0x1a, 0x00));
	/* appended as is */
	pb_reset(&b);
	pb_uint(&sub, 2, 1);
	pb_append(&b, &sub);
	pb_append(&b, &sub);
	assert_bytes(&b, BYTES(0x10, 0x01, 0x10, 0x01));
	pb_free(&sub);
	pb_free(&b);
}

Test(proto_enc, long_length_prefix)
{
	static char big[300];
	struct pb_buf b;

	memset(big, 'x', sizeof(big));
	pb_init(&b);
	pb_bytes(&b, 1, big, sizeof(big));
	cr_assert(eq(int, b.err, 0));
	cr_assert(eq(sz, b.len, 3 + sizeof(big)));
	cr_assert(eq(u8, b.data[0], 0x0a));
	cr_assert(eq(u8, b.data[1], 0xac)); /* 300 */
	cr_assert(eq(u8, b.data[2], 0x02));
	cr_assert(eq(u8, b.data[3], 'x'));
	cr_assert(eq(u8, b.data[b.len - 1], 'x'));
	pb_free(&b);
}

Test(proto_enc, packed)
{
	static const uint64_t v[] = { 3, 270, 86942 };
	struct pb_buf b;

	pb_init(&b);
	pb_packed(&b, 4, v, 3);
	assert_bytes(&b, BYTES(0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05));
	/* nothing at all for no values */
	pb_reset(&b);
	pb_packed(&b, 4, v, 0);
	cr_assert(eq(sz, b.len, 0));
	pb_free(&b);
}

Test(proto_enc, errors_are_sticky)
{
	struct pb_buf b, sub;

	pb_init(&b);
	pb_init(&sub);
	sub.err = -ENOMEM;
	pb_uint(&b, 1, 1);
	pb_message(&b, 2, &sub);
	cr_assert(eq(int, b.err, -ENOMEM));
	/* nothing more is written once failed */
	pb_uint(&b, 1, 1);
	cr_assert(eq(sz, b.len, 2));
	pb_reset(&b);
	cr_assert(eq(int, b.err, 0));
	/* a length past protobuf's 2 GiB limit is refused, not wrapped */
	pb_bytes(&b, 1, "", (size_t)1 << 31);
	cr_assert(eq(int, b.err, -EFBIG));
	cr_assert(eq(sz, b.len, 0));
	pb_free(&b);
	pb_free(&sub);
}
