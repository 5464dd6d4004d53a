// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The callback entry points of libiberty's demanglers: they write into a
 * buffer of ours instead of xmalloc'ing (which exits the process when
 * memory runs out), so a hostile name costs bounded memory. */
#include <libiberty/demangle.h>
#include <string.h>

#include "demangle.h"

#define DEMANGLE_OPTS	(DMGL_PARAMS | DMGL_ANSI)

struct out_buf {
	char *buf;
	size_t sz, len;
	bool overflow;
};

static void append(const char *s, size_t len, void *opaque)
{
	struct out_buf *o = opaque;

	/* the Rust demangler hands out (NULL, 0) pieces: memcpy must not see them */
	if (!len)
		return;
	if (o->overflow || len >= o->sz - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, len);
	o->len += len;
	o->buf[o->len] = '\0';
}

static bool run(int (*fn)(const char *, int, demangle_callbackref, void *),
		const char *name, char *buf, size_t sz)
{
	struct out_buf o = { .buf = buf, .sz = sz };

	buf[0] = '\0';
	return fn(name, DEMANGLE_OPTS, append, &o) && !o.overflow && o.len;
}

/* A Rust v0 binder, 'G' <base-62 number> '_', names that many lifetimes
 * and libiberty prints each of them, a 64-bit count included: a 10-byte
 * name made it print 19,688 characters, a 149-byte one never returned
 * (fuzz_demangle). A binder comes right after the 'F' of a fn type or the
 * 'D' of a dyn type, and no real one has more than 62 lifetimes (one
 * digit): a name where "FG" or "DG" is followed by two or more digits and
 * '_' is not demangled. Bytes of an identifier or a crate hash can look
 * the same: such a name is then shown mangled, never wrongly. */
static bool rust_binder_too_long(const char *name)
{
	const char *p, *q;

	for (p = strchr(name, 'G'); p; p = strchr(p + 1, 'G')) {
		if (p == name || (p[-1] != 'F' && p[-1] != 'D'))
			continue;
		for (q = p + 1; (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') ||
				(*q >= 'A' && *q <= 'Z'); q++)
			;
		if (*q == '_' && q - p > 2)
			return true;
	}
	return false;
}

bool demangle(const char *name, char *buf, size_t sz)
{
	bool rust_v0, itanium;

	/* the contract: "" on every refusal, a plain C name included */
	if (buf && sz)
		buf[0] = '\0';
	if (!name || !buf || sz < 2 || strnlen(name, DEMANGLE_MAX_INPUT + 1) > DEMANGLE_MAX_INPUT)
		return false;
	rust_v0 = !strncmp(name, "_R", 2);
	itanium = !strncmp(name, "_Z", 2);
	if (!rust_v0 && !itanium)
		return false;
	/* Rust's legacy names are valid Itanium names too (_ZN...17h<hash>E):
	 * asked first, the Rust demangler takes only those and drops the hash */
	if ((!rust_v0 || !rust_binder_too_long(name)) &&
	    run(rust_demangle_callback, name, buf, sz))
		return true;
	if (itanium && run(cplus_demangle_v3_callback, name, buf, sz))
		return true;
	buf[0] = '\0';
	return false;
}
