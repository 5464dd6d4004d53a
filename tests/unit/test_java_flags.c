// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What the JVM and its helper are told about a process: whether its JVM
 * options keep frame pointers (java.c), and its NSpid, uid and gid
 * (proc_ids.c), from texts as /proc prints them. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <errno.h>
#include <string.h>

#include "java.h"
#include "proc_ids.h"

TestSuite(java_flags, .timeout = 10);

#define ARGV(s)	s, sizeof(s) - 1

Test(java_flags, preserve_frame_pointer)
{
	static const char on[] = "java\0-XX:+PreserveFramePointer\0-cp\0.\0Main\0";
	static const char off_last[] = "java\0-XX:+PreserveFramePointer\0-XX:-PreserveFramePointer\0Main\0";
	static const char none[] = "java\0-XX:+PreserveFramePointerX\0Main\0";
	static const char tool_on[] = "PATH=/bin\0JAVA_TOOL_OPTIONS=-Xmx1g -XX:+PreserveFramePointer\0";
	static const char late_off[] = "_JAVA_OPTIONS=-XX:-PreserveFramePointer\0";
	static const char name_only[] = "JAVA_TOOL_OPTIONS_X=-XX:+PreserveFramePointer\0";

	cr_assert(eq(int, java__parse_frame_pointer_flag(ARGV(on), NULL, 0), 1));
	cr_assert(eq(int, java__parse_frame_pointer_flag(ARGV(off_last), NULL, 0), 0));
	cr_assert(eq(int, java__parse_frame_pointer_flag(ARGV(none), NULL, 0), 0));
	/* JAVA_TOOL_OPTIONS counts, the command line overrides it ... */
	cr_assert(eq(int, java__parse_frame_pointer_flag(ARGV(none), ARGV(tool_on)), 1));
	cr_assert(eq(int, java__parse_frame_pointer_flag(ARGV(off_last), ARGV(tool_on)), 0));
	/* ... and _JAVA_OPTIONS overrides the command line */
	cr_assert(eq(int, java__parse_frame_pointer_flag(ARGV(on), ARGV(late_off)), 0));
	cr_assert(eq(int, java__parse_frame_pointer_flag(ARGV(none), ARGV(name_only)), 0));
	cr_assert(eq(int, java__parse_frame_pointer_flag(NULL, 0, NULL, 0), 0));
}

Test(proc_ids, status_lines)
{
	static const char host[] = "Name:\tjava\nUid:\t1000\t1001\t1000\t1000\nGid:\t50\t51\t50\t50\nNSpid:\t4242\n";
	static const char nested[] = "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t4242\t17\t1\n";
	static const char old_kernel[] = "Uid:\t5\t5\t5\t5\nGid:\t6\t6\t6\t6\n";
	static const char *const bad[] = {
		"Gid:\t0\t0\t0\t0\n",
		"Uid:\tx\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		"Uid:\t0\nGid:\t0\t0\t0\t0\n",
		"Uid:\t0\t0\nGid:\t0\t0\nNSpid:\t0\n",
		"Uid:\t0\t99999999999\nGid:\t0\t0\n",
	};
	struct proc_ids ids;
	size_t i;

	cr_assert(eq(int, proc_ids__parse(ARGV(host), 4242, &ids), 0));
	cr_assert(eq(int, ids.nspid, 4242));
	cr_assert(eq(u32, ids.euid, 1001));
	cr_assert(eq(u32, ids.egid, 51));
	/* the innermost namespace's pid is the last */
	cr_assert(eq(int, proc_ids__parse(ARGV(nested), 4242, &ids), 0));
	cr_assert(eq(int, ids.nspid, 1));
	cr_assert(eq(int, proc_ids__parse(ARGV(old_kernel), 77, &ids), 0));
	cr_assert(eq(int, ids.nspid, 77));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(eq(int, proc_ids__parse(bad[i], strlen(bad[i]), 1, &ids), -EINVAL),
			  "%s", bad[i]);
}

Test(proc_ids, stat_start_ticks)
{
	static const char plain[] = "42 (java) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 123456 0 0\n";
	/* a comm with spaces and a ')' of its own */
	static const char odd[] = "42 (a) b (c) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 99 0\n";
	static const char *const bad[] = {
		"42 java S 1 2 3\n",
		"42 (java) S 1 42\n",
		"42 (java) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 12x 0\n",
		"42 (java) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0  0\n",
	};
	uint64_t ticks;
	size_t i;

	cr_assert(eq(int, proc_ids__parse_start_ticks(ARGV(plain), &ticks), 0));
	cr_assert(eq(u64, ticks, 123456));
	cr_assert(eq(int, proc_ids__parse_start_ticks(ARGV(odd), &ticks), 0));
	cr_assert(eq(u64, ticks, 99));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(eq(int, proc_ids__parse_start_ticks(bad[i], strlen(bad[i]), &ticks), -EINVAL),
			  "%s", bad[i]);
}
