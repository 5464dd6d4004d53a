// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* demangle(): C++ and Rust names (the Rust ones as rustc 1.95 emitted
 * them for a small crate, legacy and v0 schemes), names that must stay as
 * they are, and the bounds. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <string.h>

#include "demangle.h"

TestSuite(demangle, .timeout = 10);

struct dm_case {
	char mangled[160];
	char demangled[96];
};

ParameterizedTestParameters(demangle, names)
{
	static struct dm_case cases[] = {
		{ "_ZN2os6mallocEm8MEMFLAGS", "os::malloc(unsigned long, MEMFLAGS)" },
		{ "_ZN5leaks4Pool4growEi", "leaks::Pool::grow(int)" },
		{ "_ZN5leaks5twiceIlEET_S1_", "long leaks::twice<long>(long)" },
		{ "_ZNK3std6vectorIiSaIiEE4sizeEv", "std::vector<int, std::allocator<int> >::size() const" },
		/* Rust legacy: an Itanium-shaped name whose hash is dropped */
		{ "_ZN1r5leaks13Pool$LT$T$GT$4grow17hf3f444cc855c001fE", "r::leaks::Pool<T>::grow" },
		/* Rust v0 */
		{ "_RNvMNtCs6GmmlP4bgsG_1r5leaksINtB2_4PoolyE4growB4_", "<r::leaks::Pool<u64>>::grow" },
		{ "_RNvCs6GmmlP4bgsG_1r4main", "r::main" },
	};

	return cr_make_param_array(struct dm_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct dm_case *c, demangle, names)
{
	char buf[256];

	cr_assert(demangle(c->mangled, buf, sizeof(buf)), "%s", c->mangled);
	cr_assert_str_eq(buf, c->demangled);
}

Test(demangle, plain_and_malformed_names_stay)
{
	static const char *const plain[] = {
		"main", "lib_func_a", "Unsafe_AllocateMemory0", "_Z", "_ZN3foo", "_Rgarbage",
		"_ZZZZZZ", "", "void DirectLeak.leak(java.util.List, int)",
	};
	char buf[256];
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		cr_assert_not(demangle(plain[i], buf, sizeof(buf)), "%s", plain[i]);
		cr_assert_str_eq(buf, "");
	}
	cr_assert_not(demangle(NULL, buf, sizeof(buf)));
	cr_assert_not(demangle("_ZN2os6mallocEm8MEMFLAGS", NULL, 10));
}

Test(demangle, bounds)
{
	static char huge[DEMANGLE_MAX_INPUT + 64];
	char small[8], buf[256];
	size_t i;

	/* the output does not fit: refused, not truncated */
	cr_assert_not(demangle("_ZN2os6mallocEm8MEMFLAGS", small, sizeof(small)));
	/* an input past the limit is not handed to the demangler */
	memcpy(huge, "_ZN", 3);
	for (i = 3; i + 3 < sizeof(huge) - 1; i += 2)
		memcpy(huge + i, "1a", 2);
	memcpy(huge + i, "Ev", 2);
	cr_assert_not(demangle(huge, buf, sizeof(buf)));
	/* a binder of 2,603 lifetimes (libiberty would print them all, and a
	 * longer count never ends): refused at once */
	cr_assert_not(demangle("_RNfYFGFY_", buf, sizeof(buf)));
	cr_assert_not(demangle("_RNfYYYYYYYYYYYYYYYYYYYFFFFFFFFFFFFFFFFFFGFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
			       "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY"
			       "YYYY_", buf, sizeof(buf)));
	/* deep nesting stays within the demangler's recursion limit */
	memset(huge, 0, sizeof(huge));
	memcpy(huge, "_Z1fP", 5);
	for (i = 5; i < 3000; i++)
		huge[i] = 'P';
	huge[i] = 'i';
	demangle(huge, buf, sizeof(buf));
}
