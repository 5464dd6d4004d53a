/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A protocol buffers encoder, just what the pprof writer needs: varint and
 * length-delimited fields appended to a growable buffer. A nested message
 * is encoded into a buffer of its own, then appended with its length.
 * Errors (out of memory, a message past 2 GiB, which protobuf does not
 * allow) are sticky: check pb_buf.err once at the end. */
#ifndef MT_PROTO_ENC_H
#define MT_PROTO_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pb_buf {
	uint8_t *data;
	size_t len, cap;
	int err;	/* 0, -ENOMEM or -EFBIG */
};

/* wire types */
enum { PB_VARINT = 0, PB_LEN = 2 };

void pb_init(struct pb_buf *b);
void pb_free(struct pb_buf *b);
/* Empties b for reuse (keeps its memory); clears err. */
void pb_reset(struct pb_buf *b);

void pb_raw_varint(struct pb_buf *b, uint64_t v);
void pb_key(struct pb_buf *b, uint32_t field, unsigned wire_type);

/* uint64/int64/bool fields; int64 negatives take ten bytes, as protobuf
 * encodes them. Written even when 0. */
void pb_uint(struct pb_buf *b, uint32_t field, uint64_t v);
void pb_int(struct pb_buf *b, uint32_t field, int64_t v);
void pb_bool(struct pb_buf *b, uint32_t field, bool v);
void pb_bytes(struct pb_buf *b, uint32_t field, const void *data, size_t len);
void pb_string(struct pb_buf *b, uint32_t field, const char *s);
/* sub, whole, as a length-delimited field; sub's error becomes b's */
void pb_message(struct pb_buf *b, uint32_t field, const struct pb_buf *sub);
/* raw's bytes as they are (fields encoded into another buffer); raw's
 * error becomes b's */
void pb_append(struct pb_buf *b, const struct pb_buf *raw);
/* A packed repeated uint64 field (omitted when n is 0). */
void pb_packed(struct pb_buf *b, uint32_t field, const uint64_t *v, size_t n);

#endif /* MT_PROTO_ENC_H */
