/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Sizes and counts as the text reports print them. */
#ifndef MT_SIZE_FMT_H
#define MT_SIZE_FMT_H

#include <stddef.h>
#include <stdint.h>

/* "512 B", "40.0 KiB", "1.2 MiB": one decimal, binary units */
void size_fmt__human(char *buf, size_t sz, uint64_t bytes);
/* 1234567 -> "1,234,567", locale-independent */
void size_fmt__count(char *buf, size_t sz, uint64_t v);

#endif /* MT_SIZE_FMT_H */
