// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* procfs: the maps parser on kernel-format lines and malformed ones, and
 * the readers on a fake procfs root built in a temporary directory. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"
#include "procfs.h"

#define FAKE_PID 4242

static char *tmp_root;

static void write_text(const char *dir, const char *name, const char *text)
{
	char *path = NULL;
	FILE *f;

	cr_assert(ge(int, asprintf(&path, "%s/%s", dir, name), 0));
	f = fopen(path, "w");
	cr_assert_not_null(f, "fopen(%s): %s", path, strerror(errno));
	cr_assert(eq(int, fputs(text, f) >= 0, 1));
	cr_assert(eq(int, fclose(f), 0));
	free(path);
}

/* <tmp_root>/<pid>/ with maps, comm and status */
static char *make_pid_dir(pid_t pid)
{
	char *dir = NULL;

	cr_assert(ge(int, asprintf(&dir, "%s/%d", tmp_root, (int)pid), 0));
	cr_assert(eq(int, mkdir(dir, 0755), 0), "mkdir(%s): %s", dir, strerror(errno));
	return dir;
}

static void setup(void)
{
	tmp_root = tmpdir_make("mt_procfs");
}

static void teardown(void)
{
	tmpdir_remove(tmp_root);
	tmp_root = NULL;
}

TestSuite(procfs, .init = setup, .fini = teardown, .timeout = 10);

/* Criterion runs each test in a fresh process image: parameters hold
 * their strings inline, never pointers into this one. */
struct good_line {
	char line[200];
	uint64_t start, end, pgoff;
	char perms[5];
	uint32_t major, minor;
	uint64_t ino;
	char path[80]; /* "" for none */
	bool deleted;
};

ParameterizedTestParameters(procfs, parse_good_line)
{
	static struct good_line lines[] = {
		{ "559839541000-559839543000 r--p 00000000 fe:00 247134                     /usr/bin/cat",
		  0x559839541000, 0x559839543000, 0, "r--p", 0xfe, 0, 247134, "/usr/bin/cat", false },
		{ "7f1c2a3b4000-7f1c2a3d6000 r-xp 00022000 08:01 131 /lib/x86_64-linux-gnu/libc.so.6",
		  0x7f1c2a3b4000, 0x7f1c2a3d6000, 0x22000, "r-xp", 8, 1, 131,
		  "/lib/x86_64-linux-gnu/libc.so.6", false },
		/* anonymous: the kernel leaves a space after the inode */
		{ "7f0000000000-7f0000021000 rw-p 00000000 00:00 0 ",
		  0x7f0000000000, 0x7f0000021000, 0, "rw-p", 0, 0, 0, "", false },
		{ "7f0000000000-7f0000021000 rw-p 00000000 00:00 0",
		  0x7f0000000000, 0x7f0000021000, 0, "rw-p", 0, 0, 0, "", false },
		{ "7f0000000000-7f0000021000 ---p 00000000 00:00 0                          ",
		  0x7f0000000000, 0x7f0000021000, 0, "---p", 0, 0, 0, "", false },
		{ "55e3e6c1d000-55e3e6c3e000 rw-p 00000000 00:00 0                          [heap]",
		  0x55e3e6c1d000, 0x55e3e6c3e000, 0, "rw-p", 0, 0, 0, "[heap]", false },
		{ "7ffd6c9f4000-7ffd6ca15000 rw-p 00000000 00:00 0                          [stack]",
		  0x7ffd6c9f4000, 0x7ffd6ca15000, 0, "rw-p", 0, 0, 0, "[stack]", false },
		{ "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
		  0xffffffffff600000, 0xffffffffff601000, 0, "--xp", 0, 0, 0, "[vsyscall]", false },
		{ "7f0000000000-7f0000001000 rw-p 00000000 00:00 0    [anon:my arena]",
		  0x7f0000000000, 0x7f0000001000, 0, "rw-p", 0, 0, 0, "[anon:my arena]", false },
		{ "400000-401000 r-xp 00001000 08:01 12 /opt/my app/lib with spaces.so",
		  0x400000, 0x401000, 0x1000, "r-xp", 8, 1, 12, "/opt/my app/lib with spaces.so", false },
		{ "7f0000000000-7f0000001000 r-xp 00000000 08:01 99 /tmp/libgone.so (deleted)",
		  0x7f0000000000, 0x7f0000001000, 0, "r-xp", 8, 1, 99, "/tmp/libgone.so", true },
		{ "7f0000000000-7f0000001000 rw-s 00000000 00:01 1025 /memfd:jit code (deleted)",
		  0x7f0000000000, 0x7f0000001000, 0, "rw-s", 0, 1, 1025, "/memfd:jit code", true },
		/* hex device numbers, a big inode, upper-case hex */
		{ "7F0000000000-7F0000001000 r--p 0000ABCD 103:0a 18446744073709551615 /x",
		  0x7f0000000000, 0x7f0000001000, 0xabcd, "r--p", 0x103, 0xa, UINT64_MAX, "/x", false },
	};

	return cr_make_param_array(struct good_line, lines, sizeof(lines) / sizeof(lines[0]));
}

ParameterizedTest(struct good_line *g, procfs, parse_good_line)
{
	struct proc_maps maps;
	const struct proc_map *m;

	cr_assert(eq(int, procfs__parse_maps(g->line, strlen(g->line), &maps), 0), "%s", g->line);
	cr_assert(eq(sz, maps.n, 1));
	m = &maps.maps[0];
	cr_assert(eq(u64, m->start, g->start));
	cr_assert(eq(u64, m->end, g->end));
	cr_assert(eq(u64, m->pgoff, g->pgoff));
	cr_assert_str_eq(m->perms, g->perms);
	cr_assert(eq(u32, m->dev_major, g->major));
	cr_assert(eq(u32, m->dev_minor, g->minor));
	cr_assert(eq(u64, m->ino, g->ino));
	if (g->path[0])
		cr_assert_str_eq(m->path, g->path);
	else
		cr_assert_null(m->path, "path '%s' for an anonymous line", m->path);
	cr_assert(eq(int, m->deleted, g->deleted));
	procfs__free_maps(&maps);
}

struct bad_line {
	char text[160];
};

ParameterizedTestParameters(procfs, parse_bad_line)
{
	static struct bad_line lines[] = {
		{ "garbage" },
		{ "\n" },
		{ "1000 2000 r-xp 00000000 08:01 1 /x" },
		{ "1000-2000 r-xp 00000000 08:01 1 /x\n\n3000-4000 r-xp 00000000 08:01 1 /x\n" },
		{ "1000-2000 rwxq 00000000 08:01 1 /x" },
		{ "1000-2000 r-x 00000000 08:01 1 /x" },
		{ "1000-2000 r-xp 00000000 0801 1 /x" },
		{ "1000-2000 r-xp 00000000 08:01 x /x" },
		{ "1000-2000 r-xp 00000000 08:01 1/x" },
		{ "1000-2000 r-xp 0x000000 08:01 1 /x" },
		{ "1000-2000  r-xp 00000000 08:01 1 /x" },
		{ "-1000-2000 r-xp 00000000 08:01 1 /x" },
		{ "2000-1000 r-xp 00000000 08:01 1 /x" },
		{ "1000-1000 r-xp 00000000 08:01 1 /x" },
		{ "10000000000000000-20000000000000000 r-xp 00000000 08:01 1 /x" },
		{ "1000-2000 r-xp 00000000 08:01 99999999999999999999 /x" },
		{ "1000-2000 r-xp 00000000 100000000:01 1 /x" },
		{ "1000-2000 r-xp" },
		{ "1000-2000 r-xp 00000000 08:01 1 /x\ngarbage" },
	};

	return cr_make_param_array(struct bad_line, lines, sizeof(lines) / sizeof(lines[0]));
}

ParameterizedTest(struct bad_line *b, procfs, parse_bad_line)
{
	struct proc_maps maps = { .n = 77 };

	cr_assert(eq(int, procfs__parse_maps(b->text, strlen(b->text), &maps), -EINVAL),
		  "accepted '%s'", b->text);
	cr_assert_null(maps.maps);
	cr_assert(eq(sz, maps.n, 0));
}

Test(procfs, parse_embedded_nul_is_malformed)
{
	static const char text[] = "1000-2000 r-xp 00000000 08:01 1 /x\0y\n";
	struct proc_maps maps;

	cr_assert(eq(int, procfs__parse_maps(text, sizeof(text) - 1, &maps), -EINVAL));
}

Test(procfs, parse_empty_buffer)
{
	struct proc_maps maps = { .n = 5 };

	cr_assert(eq(int, procfs__parse_maps("", 0, &maps), 0));
	cr_assert(eq(sz, maps.n, 0));
	cr_assert(eq(int, procfs__parse_maps(NULL, 0, &maps), 0));
	cr_assert(eq(sz, maps.n, 0));
	cr_assert_null(procfs__find_map(&maps, 0x1000));
	procfs__free_maps(&maps);
	cr_assert(eq(int, procfs__parse_maps(NULL, 4, &maps), -EINVAL));
}

Test(procfs, parse_many_and_find)
{
	static const char text[] =
		"400000-401000 r--p 00000000 08:01 12 /bin/prog\n"
		"401000-403000 r-xp 00001000 08:01 12 /bin/prog\n"
		"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
		"7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                  [stack]";
	struct proc_maps maps;
	const struct proc_map *m;

	cr_assert(eq(int, procfs__parse_maps(text, sizeof(text) - 1, &maps), 0));
	cr_assert(eq(sz, maps.n, 4));
	cr_assert_null(procfs__find_map(&maps, 0x3fffff));
	m = procfs__find_map(&maps, 0x400000);
	cr_assert(eq(ptr, (void *)m, &maps.maps[0]));
	m = procfs__find_map(&maps, 0x400fff);
	cr_assert(eq(ptr, (void *)m, &maps.maps[0]));
	/* end is exclusive */
	m = procfs__find_map(&maps, 0x401000);
	cr_assert(eq(ptr, (void *)m, &maps.maps[1]));
	m = procfs__find_map(&maps, 0x402abc);
	cr_assert(eq(ptr, (void *)m, &maps.maps[1]));
	cr_assert_null(procfs__find_map(&maps, 0x403000));
	cr_assert_null(procfs__find_map(&maps, 0x7effffffffff));
	m = procfs__find_map(&maps, 0x7f0000000010);
	cr_assert(eq(ptr, (void *)m, &maps.maps[2]));
	cr_assert_null(m->path);
	m = procfs__find_map(&maps, 0x7ffd00020fff);
	cr_assert_str_eq(m->path, "[stack]");
	cr_assert_null(procfs__find_map(&maps, 0x7ffd00021000));
	cr_assert_null(procfs__find_map(&maps, UINT64_MAX));
	procfs__free_maps(&maps);
	cr_assert(eq(sz, maps.n, 0));
	cr_assert_null(maps.maps);
}

Test(procfs, parse_sorts_unsorted_input)
{
	static const char text[] =
		"7f0000000000-7f0000001000 rw-p 00000000 00:00 0 \n"
		"400000-401000 r--p 00000000 08:01 12 /bin/prog\n";
	struct proc_maps maps;

	cr_assert(eq(int, procfs__parse_maps(text, sizeof(text) - 1, &maps), 0));
	cr_assert(eq(sz, maps.n, 2));
	cr_assert(eq(u64, maps.maps[0].start, 0x400000));
	cr_assert_str_eq(procfs__find_map(&maps, 0x400010)->path, "/bin/prog");
	procfs__free_maps(&maps);
}

Test(procfs, read_maps_fake_root)
{
	char *dir = make_pid_dir(FAKE_PID);
	struct proc_maps maps;

	write_text(dir, "maps",
		   "400000-401000 r-xp 00000000 08:01 12 /bin/prog\n"
		   "7f0000000000-7f0000001000 r-xp 00000000 08:01 13 /lib/lib x.so (deleted)\n");
	cr_assert(eq(int, procfs__read_maps(tmp_root, FAKE_PID, &maps), 0));
	cr_assert(eq(sz, maps.n, 2));
	cr_assert_str_eq(maps.maps[1].path, "/lib/lib x.so");
	cr_assert(maps.maps[1].deleted);
	procfs__free_maps(&maps);
	free(dir);
}

Test(procfs, read_maps_missing_pid_is_esrch)
{
	struct proc_maps maps;

	cr_assert(eq(int, procfs__read_maps(tmp_root, FAKE_PID, &maps), -ESRCH));
	cr_assert(eq(sz, maps.n, 0));
}

Test(procfs, read_maps_missing_file_is_enoent)
{
	char *dir = make_pid_dir(FAKE_PID);
	struct proc_maps maps;

	/* the process exists, its maps file does not: not the same error */
	cr_assert(eq(int, procfs__read_maps(tmp_root, FAKE_PID, &maps), -ENOENT));
	free(dir);
}

Test(procfs, read_maps_malformed_file)
{
	char *dir = make_pid_dir(FAKE_PID);
	struct proc_maps maps;

	write_text(dir, "maps", "400000-401000 r-xp 00000000 08:01 12 /bin/prog\nnonsense\n");
	cr_assert(eq(int, procfs__read_maps(tmp_root, FAKE_PID, &maps), -EINVAL));
	free(dir);
}

Test(procfs, read_maps_real_self)
{
	struct proc_maps maps;
	const struct proc_map *m;

	cr_assert(eq(int, procfs__read_maps(NULL, getpid(), &maps), 0));
	cr_assert(gt(sz, maps.n, 2));
	/* this function's code is mapped from this test's file */
	m = procfs__find_map(&maps, (uint64_t)(uintptr_t)&procfs__read_maps);
	cr_assert_not_null(m);
	cr_assert_not_null(m->path);
	cr_assert_eq(m->perms[2], 'x');
	cr_assert(ne(u64, m->ino, 0));
	procfs__free_maps(&maps);
}

Test(procfs, read_comm)
{
	char *dir = make_pid_dir(FAKE_PID);
	char comm[16], tiny[4];

	write_text(dir, "comm", "java app\n");
	cr_assert(eq(int, procfs__read_comm(tmp_root, FAKE_PID, comm, sizeof(comm)), 0));
	cr_assert_str_eq(comm, "java app");
	cr_assert(eq(int, procfs__read_comm(tmp_root, FAKE_PID, tiny, sizeof(tiny)), 0));
	cr_assert_str_eq(tiny, "jav");
	cr_assert(eq(int, procfs__read_comm(tmp_root, FAKE_PID, comm, 0), -EINVAL));
	cr_assert(eq(int, procfs__read_comm(tmp_root, FAKE_PID + 1, comm, sizeof(comm)), -ESRCH));
	cr_assert(eq(int, procfs__read_comm(NULL, getpid(), comm, sizeof(comm)), 0));
	cr_assert(gt(sz, strlen(comm), 0));
	cr_assert_null(strchr(comm, '\n'));
	free(dir);
}

struct rss_case {
	char status[160];
	int err;
	uint64_t bytes;
};

ParameterizedTestParameters(procfs, read_rss)
{
	static struct rss_case cases[] = {
		{ "Name:\tcat\nVmPeak:\t    5000 kB\nVmRSS:\t    1234 kB\nRssAnon:\t 100 kB\n", 0,
		  1234 * 1024 },
		{ "VmRSS:\t0 kB\n", 0, 0 },
		{ "Name:\tkthreadd\nThreads:\t1\n", -ENODATA, 0 },
		{ "VmRSSx:\t12 kB\n", -ENODATA, 0 },
		{ "VmRSS:\t   kB\n", -EINVAL, 0 },
		{ "VmRSS:\t12 MB\n", -EINVAL, 0 },
		{ "VmRSS:\t99999999999999999999 kB\n", -EINVAL, 0 },
		{ "VmRSS:\t18014398509481984 kB\n", -EINVAL, 0 },
		{ "", -ENODATA, 0 },
	};

	return cr_make_param_array(struct rss_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct rss_case *c, procfs, read_rss)
{
	char *dir = make_pid_dir(FAKE_PID);
	uint64_t bytes = 0;

	write_text(dir, "status", c->status);
	cr_assert(eq(int, procfs__read_rss(tmp_root, FAKE_PID, &bytes), c->err), "%s", c->status);
	if (!c->err)
		cr_assert(eq(u64, bytes, c->bytes));
	free(dir);
}

Test(procfs, read_rss_real_self)
{
	uint64_t bytes = 0;

	cr_assert(eq(int, procfs__read_rss(NULL, getpid(), &bytes), 0));
	cr_assert(gt(u64, bytes, 0));
	cr_assert(eq(u64, bytes % 1024, 0));
}

static void *sleeper(void *arg)
{
	pid_t *tid = arg;

	*tid = gettid();
	pause();
	return NULL;
}

Test(procfs, read_tgid_of_a_thread)
{
	pid_t tgid = 0, tid = 0;
	pthread_t th;

	cr_assert(eq(int, procfs__read_tgid(NULL, getpid(), &tgid), 0));
	cr_assert(eq(int, tgid, getpid()));
	cr_assert(eq(int, pthread_create(&th, NULL, sleeper, &tid), 0));
	while (!__atomic_load_n(&tid, __ATOMIC_SEQ_CST))
		usleep(1000);
	tgid = 0;
	cr_assert(eq(int, procfs__read_tgid(NULL, tid, &tgid), 0));
	cr_assert(eq(int, tgid, getpid()), "thread %d belongs to %d", tid, tgid);
	cr_assert(eq(int, procfs__read_tgid(NULL, 999999999, &tgid), -ESRCH));
}

Test(procfs, read_file_bounds)
{
	char *path = NULL, *buf = NULL;
	size_t len = 99;

	write_text(tmp_root, "ten", "0123456789");
	cr_assert(ge(int, asprintf(&path, "%s/ten", tmp_root), 0));
	cr_assert(eq(int, procfs__read_file(path, 10, &buf, &len), 0));
	cr_assert(eq(sz, len, 10));
	cr_assert_str_eq(buf, "0123456789");
	free(buf);
	buf = NULL;
	cr_assert(eq(int, procfs__read_file(path, 9, &buf, &len), -EFBIG));
	cr_assert_null(buf);
	cr_assert(eq(int, procfs__read_file(path, 0, &buf, &len), -EFBIG));
	free(path);

	write_text(tmp_root, "empty", "");
	cr_assert(ge(int, asprintf(&path, "%s/empty", tmp_root), 0));
	cr_assert(eq(int, procfs__read_file(path, 0, &buf, &len), 0));
	cr_assert(eq(sz, len, 0));
	cr_assert_str_eq(buf, "");
	free(buf);
	free(path);

	cr_assert(eq(int, procfs__read_file("/nonexistent/x", 10, &buf, &len), -ENOENT));
}

Test(procfs, read_file_grows_past_first_chunk)
{
	char *path = NULL, *buf = NULL, *big;
	size_t len, n = 100000;

	big = malloc(n + 1);
	cr_assert_not_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	write_text(tmp_root, "big", big);
	cr_assert(ge(int, asprintf(&path, "%s/big", tmp_root), 0));
	cr_assert(eq(int, procfs__read_file(path, n, &buf, &len), 0));
	cr_assert(eq(sz, len, n));
	cr_assert(eq(int, memcmp(buf, big, n), 0));
	free(buf);
	cr_assert(eq(int, procfs__read_file(path, n - 1, &buf, &len), -EFBIG));
	free(path);
	free(big);
}

Test(procfs, read_file_zero_size_proc_file)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;

	/* procfs reports st_size 0 for files that are not empty */
	cr_assert(eq(int, stat("/proc/self/status", &st), 0));
	cr_assert(eq(int, procfs__read_file("/proc/self/status", 1 << 20, &buf, &len), 0));
	cr_assert(gt(sz, len, 0));
	cr_assert(eq(sz, strlen(buf), len));
	cr_assert_not_null(strstr(buf, "Name:"));
	free(buf);
}
