// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Protocol buffers wire format: base-128 varints, keys (field << 3 |
 * wire type), and length-prefixed bytes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proto_enc.h"

/* protobuf's limit on a serialized message */
#define PB_MAX_LEN	((size_t)INT32_MAX)

void pb_init(struct pb_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void pb_free(struct pb_buf *b)
{
	free(b->data);
	pb_init(b);
}

void pb_reset(struct pb_buf *b)
{
	b->len = 0;
	b->err = 0;
}

static bool reserve(struct pb_buf *b, size_t extra)
{
	size_t ncap;
	uint8_t *tmp;

	if (b->err)
		return false;
	if (extra > PB_MAX_LEN - b->len) {
		b->err = -EFBIG;
		return false;
	}
	if (b->len + extra <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + extra)
		ncap *= 2;
	tmp = realloc(b->data, ncap);
	if (!tmp) {
		b->err = -ENOMEM;
		return false;
	}
	b->data = tmp;
	b->cap = ncap;
	return true;
}

static void append(struct pb_buf *b, const void *data, size_t len)
{
	if (!len || !reserve(b, len))
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

void pb_raw_varint(struct pb_buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	append(b, tmp, n);
}

void pb_key(struct pb_buf *b, uint32_t field, unsigned wire_type)
{
	pb_raw_varint(b, (uint64_t)field << 3 | wire_type);
}

void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v)
{
	pb_key(b, field, PB_VARINT);
	pb_raw_varint(b, v);
}

void pb_int(struct pb_buf *b, uint32_t field, int64_t v)
{
	pb_uint(b, field, (uint64_t)v);
}

void pb_bool(struct pb_buf *b, uint32_t field, bool v)
{
	pb_uint(b, field, v ? 1 : 0);
}

void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len)
{
	if (len > PB_MAX_LEN) {
		if (!b->err)
			b->err = -EFBIG;
		return;
	}
	pb_key(b, field, PB_LEN);
	pb_raw_varint(b, len);
	append(b, data, len);
}

void pb_string(struct pb_buf *b, uint32_t field, const char *s)
{
	pb_bytes(b, field, s, s ? strlen(s) : 0);
}

void pb_message(struct pb_buf *b, uint32_t field, const struct pb_buf *sub)
{
	if (sub->err) {
		if (!b->err)
			b->err = sub->err;
		return;
	}
	pb_bytes(b, field, sub->data, sub->len);
}

void pb_append(struct pb_buf *b, const struct pb_buf *raw)
{
	if (raw->err) {
		if (!b->err)
			b->err = raw->err;
		return;
	}
	append(b, raw->data, raw->len);
}

void pb_packed(struct pb_buf *b, uint32_t field, const uint64_t *v, size_t n)
{
	size_t i, len = 0;

	if (!n)
		return;
	/* the length first: each value's varint size */
	for (i = 0; i < n; i++) {
		uint64_t x = v[i];

		do {
			len++;
			x >>= 7;
		} while (x);
	}
	pb_key(b, field, PB_LEN);
	pb_raw_varint(b, len);
	for (i = 0; i < n; i++)
		pb_raw_varint(b, v[i]);
}
