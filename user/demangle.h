/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Readable names for mangled C++ (Itanium ABI) and Rust (legacy and v0)
 * symbols, through libiberty's demangler (GNU binutils' own). */
#ifndef MT_DEMANGLE_H
#define MT_DEMANGLE_H

#include <stdbool.h>
#include <stddef.h>

/* Longest mangled name handed to the demangler: its recursion and stack
 * use grow with the input, and no real symbol comes near this. */
#define DEMANGLE_MAX_INPUT	4096

/* Contract: writes the demangled form of name (C++ with parameter types,
 * Rust without its hash) into buf[0..sz) and returns true; returns false
 * (buf then holds "") when name is not mangled, is malformed or too long,
 * or its demangled form does not fit in sz bytes. Never allocates. */
bool demangle(const char *name, char *buf, size_t sz);

#endif /* MT_DEMANGLE_H */
