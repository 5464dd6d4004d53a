// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* symbolizer: live fixture processes (PIE, non-PIE, stripped library)
 * resolved through the real /proc, before and after they exit; and a fake
 * procfs root for what a live process cannot stage: container roots,
 * map_files, deleted and replaced files, caching across processes. The
 * fixture prints the run-time addresses of its functions, so expectations
 * come from the program itself. */
#include <criterion/criterion.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tmpdir.h"
#include "elf_file.h"
#include "symbolize.h"

static bool ends_with(const char *s, const char *suffix);

/* never mapped: below mmap_min_addr, and in the kernel half */
#define LOW_ADDR	0x10ull
#define KERNEL_ADDR	0xffff800000001234ull

struct fixture_proc {
	pid_t pid;
	int in_fd;	/* its stdin: closing it ends the process */
	FILE *out;
	char *names[16];
	uint64_t addrs[16];
	size_t n;
};

static char *fixtures;	/* $MT_FIXTURES, absolute */
static char *tmp_root;	/* fake procfs root */
static struct fixture_proc procs[2];

static void setup(void)
{
	const char *dir = getenv("MT_FIXTURES");

	cr_assert_not_null(dir, "MT_FIXTURES not set: run through 'make unit'");
	fixtures = realpath(dir, NULL);
	cr_assert_not_null(fixtures, "%s: %s", dir, strerror(errno));
	tmp_root = tmpdir_make("mt_sym");
}

static void fixture_stop(struct fixture_proc *fp)
{
	size_t i;

	if (fp->in_fd > 0)
		close(fp->in_fd);
	if (fp->out)
		fclose(fp->out);
	if (fp->pid > 0)
		waitpid(fp->pid, NULL, 0);
	for (i = 0; i < fp->n; i++)
		free(fp->names[i]);
	memset(fp, 0, sizeof(*fp));
}

static void teardown(void)
{
	size_t i;

	for (i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		fixture_stop(&procs[i]);
	tmpdir_remove(tmp_root);
	free(fixtures);
	tmp_root = fixtures = NULL;
}

TestSuite(symbolize, .init = setup, .fini = teardown, .timeout = 30);

static char *join(const char *dir, const char *name)
{
	char *path = NULL;

	cr_assert(ge(int, asprintf(&path, "%s/%s", dir, name), 0));
	return path;
}

/* Starts fixtures/<prog>, reads "name 0xaddr" lines up to "ready". */
static void fixture_start(struct fixture_proc *fp, const char *prog, const char *ld_path)
{
	char *path = join(fixtures, prog), *line = NULL, name[64];
	int in[2], out[2];
	size_t cap = 0;
	bool ready = false;
	uint64_t addr;

	cr_assert(eq(int, pipe2(in, O_CLOEXEC), 0));
	cr_assert(eq(int, pipe2(out, O_CLOEXEC), 0));
	fp->pid = fork();
	cr_assert(ge(int, fp->pid, 0));
	if (!fp->pid) {
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		if (ld_path)
			setenv("LD_LIBRARY_PATH", ld_path, 1);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	fp->in_fd = in[1];
	fp->out = fdopen(out[0], "r");
	cr_assert_not_null(fp->out);
	while (getline(&line, &cap, fp->out) > 0) {
		if (!strcmp(line, "ready\n")) {
			ready = true;
			break;
		}
		cr_assert(eq(int, sscanf(line, "%63s 0x%" SCNx64, name, &addr), 2),
			  "line '%s'", line);
		cr_assert(lt(sz, fp->n, sizeof(fp->names) / sizeof(fp->names[0])));
		fp->names[fp->n] = strdup(name);
		fp->addrs[fp->n++] = addr;
	}
	cr_assert(ready, "%s did not start", path);
	free(line);
	free(path);
}

static uint64_t fixture_addr(const struct fixture_proc *fp, const char *name)
{
	size_t i;

	for (i = 0; i < fp->n; i++)
		if (!strcmp(fp->names[i], name))
			return fp->addrs[i];
	cr_fatal("fixture printed no address for %s", name);
	return 0;
}

static void assert_sym(const struct sym_result *r, const char *symbol, uint64_t offset,
		       const char *module)
{
	cr_assert_not_null(r->symbol, "expected %s+%" PRIu64 ", got reason '%s' in %s", symbol,
			   offset, r->reason, r->module);
	cr_assert_str_eq(r->symbol, symbol);
	cr_assert(eq(u64, r->offset, offset), "%s", symbol);
	cr_assert_null(r->reason);
	cr_assert_not_null(r->module);
	cr_assert_str_eq(r->module, module);
}

static void assert_unresolved(const struct sym_result *r, const char *reason, const char *module)
{
	cr_assert_null(r->symbol, "resolved to %s", r->symbol);
	cr_assert_not_null(r->reason);
	cr_assert_str_eq(r->reason, reason);
	if (module)
		cr_assert_str_eq(r->module, module);
	else
		cr_assert_null(r->module, "module %s", r->module);
}

/* ---- live processes through the real /proc -------------------------------- */

struct prog_case {
	char prog[32];
};

ParameterizedTestParameters(symbolize, live_process)
{
	static struct prog_case cases[] = { { "fixture_pie" }, { "fixture_nopie" } };

	return cr_make_param_array(struct prog_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct prog_case *c, symbolize, live_process)
{
	struct fixture_proc *fp = &procs[0];
	char *exe = join(fixtures, c->prog), *lib = join(fixtures, "libfixture.so");
	uint64_t addrs[11], vaddr;
	struct sym_result r[11];
	struct symbolizer *s;
	struct elf_file *ef;

	fixture_start(fp, c->prog, NULL);
	addrs[0] = fixture_addr(fp, "func_a");
	addrs[1] = fixture_addr(fp, "func_a") + 3;
	addrs[2] = fixture_addr(fp, "func_b");
	addrs[3] = fixture_addr(fp, "static_func");
	addrs[4] = fixture_addr(fp, "main") + 1;
	addrs[5] = fixture_addr(fp, "lib_func_a");
	addrs[6] = fixture_addr(fp, "lib_func_b") + 5;
	addrs[7] = fixture_addr(fp, "lib_static_func");
	addrs[8] = fixture_addr(fp, "anon");
	addrs[9] = LOW_ADDR;
	addrs[10] = KERNEL_ADDR;

	s = symbolizer__new(NULL);
	cr_assert_not_null(s);
	cr_assert(eq(int, symbolizer__resolve(s, fp->pid, addrs, 11, r), 0));
	assert_sym(&r[0], "func_a", 0, exe);
	assert_sym(&r[1], "func_a", 3, exe);
	assert_sym(&r[2], "func_b", 0, exe);
	assert_sym(&r[3], "static_func", 0, exe);
	assert_sym(&r[4], "main", 1, exe);
	assert_sym(&r[5], "lib_func_a", 0, lib);
	assert_sym(&r[6], "lib_func_b", 5, lib);
	assert_sym(&r[7], "lib_static_func", 0, lib);
	assert_unresolved(&r[8], "anonymous mapping", NULL);
	assert_unresolved(&r[9], "unmapped", NULL);
	assert_unresolved(&r[10], "unmapped", NULL);

	/* module_offset is a file offset: it leads back to the symbol */
	cr_assert(eq(int, elf_file__open(exe, &ef), 0));
	cr_assert(eq(int, elf_file__offset_to_vaddr(ef, r[1].module_offset, &vaddr), 0));
	cr_assert(eq(u64, vaddr, elf_file__find_func(ef, "func_a")->vaddr + 3));
	elf_file__close(ef);

	symbolizer__free(s);
	fixture_stop(fp);
	free(lib);
	free(exe);
}

Test(symbolize, live_stripped_library)
{
	struct fixture_proc *fp = &procs[0];
	char *dir = join(fixtures, "stripped"), *lib = join(dir, "libfixture.so");
	struct sym_result r[3];
	uint64_t addrs[3];
	struct symbolizer *s;

	/* LD_LIBRARY_PATH wins over the program's DT_RUNPATH */
	fixture_start(fp, "fixture_pie", dir);
	addrs[0] = fixture_addr(fp, "lib_func_a") + 2;
	addrs[1] = fixture_addr(fp, "lib_func_b");
	addrs[2] = fixture_addr(fp, "lib_static_func") + 1;
	s = symbolizer__new(NULL);
	cr_assert_not_null(s);
	cr_assert(eq(int, symbolizer__resolve(s, fp->pid, addrs, 3, r), 0));
	assert_sym(&r[0], "lib_func_a", 2, lib);
	assert_sym(&r[1], "lib_func_b", 0, lib);
	/* only in the .symtab strip removed: unresolved, still placed */
	assert_unresolved(&r[2], "not in any symbol (stripped: .dynsym only, no debug file)", lib);
	cr_assert(gt(u64, r[2].module_offset, 0));
	symbolizer__free(s);
	fixture_stop(fp);
	free(lib);
	free(dir);
}

Test(symbolize, snapshot_outlives_process)
{
	struct fixture_proc *fp = &procs[0];
	char *exe = join(fixtures, "fixture_pie"), *lib = join(fixtures, "libfixture.so");
	struct symbolizer_stats st;
	struct sym_result r[3];
	uint64_t addrs[3];
	struct symbolizer *s;
	pid_t pid;

	fixture_start(fp, "fixture_pie", NULL);
	pid = fp->pid;
	addrs[0] = fixture_addr(fp, "func_b") + 4;
	addrs[1] = fixture_addr(fp, "lib_func_a");
	addrs[2] = fixture_addr(fp, "anon");
	s = symbolizer__new(NULL);
	cr_assert_not_null(s);
	cr_assert(eq(int, symbolizer__cache_process(s, pid), 0));
	fixture_stop(fp);
	cr_assert(eq(int, kill(pid, 0), -1), "fixture %d still alive", (int)pid);

	/* maps from the snapshot, files from where they were */
	cr_assert(eq(int, symbolizer__resolve(s, pid, addrs, 3, r), 0));
	assert_sym(&r[0], "func_b", 4, exe);
	assert_sym(&r[1], "lib_func_a", 0, lib);
	assert_unresolved(&r[2], "anonymous mapping", NULL);
	symbolizer__get_stats(s, &st);
	cr_assert(eq(sz, st.processes, 1));
	cr_assert(eq(sz, st.elf_failures, 0));
	symbolizer__free(s);
	free(lib);
	free(exe);
}

Test(symbolize, exited_unknown_process)
{
	struct fixture_proc *fp = &procs[0];
	struct sym_result r;
	uint64_t addr;
	struct symbolizer *s;
	pid_t pid;

	fixture_start(fp, "fixture_pie", NULL);
	pid = fp->pid;
	addr = fixture_addr(fp, "func_a");
	fixture_stop(fp);
	s = symbolizer__new(NULL);
	cr_assert_not_null(s);
	cr_assert(eq(int, symbolizer__resolve(s, pid, &addr, 1, &r), -ESRCH));
	cr_assert(eq(int, symbolizer__cache_process(s, pid), -ESRCH));
	symbolizer__free(s);
}

Test(symbolize, results_outlive_snapshots)
{
	struct fixture_proc *fp = &procs[0];
	char *exe = join(fixtures, "fixture_pie");
	struct sym_result r, again;
	struct symbolizer *s;
	uint64_t addr;

	fixture_start(fp, "fixture_pie", NULL);
	addr = fixture_addr(fp, "func_a") + 1;
	s = symbolizer__new(NULL);
	cr_assert_not_null(s);
	cr_assert(eq(int, symbolizer__resolve(s, fp->pid, &addr, 1, &r), 0));
	/* re-snapshot, forget: earlier strings stay valid until free */
	cr_assert(eq(int, symbolizer__cache_process(s, fp->pid), 0));
	cr_assert(eq(int, symbolizer__resolve(s, fp->pid, &addr, 1, &again), 0));
	symbolizer__forget_process(s, fp->pid);
	symbolizer__forget_process(s, fp->pid);
	assert_sym(&r, "func_a", 1, exe);
	assert_sym(&again, "func_a", 1, exe);
	symbolizer__free(s);
	fixture_stop(fp);
	free(exe);
}

Test(symbolize, live_processes_share_modules)
{
	struct symbolizer_stats st;
	struct sym_result r[2];
	uint64_t addrs[2];
	struct symbolizer *s;
	size_t i;

	fixture_start(&procs[0], "fixture_pie", NULL);
	fixture_start(&procs[1], "fixture_nopie", NULL);
	s = symbolizer__new(NULL);
	cr_assert_not_null(s);
	for (i = 0; i < 2; i++) {
		addrs[0] = fixture_addr(&procs[i], "func_a");
		addrs[1] = fixture_addr(&procs[i], "lib_func_b");
		cr_assert(eq(int, symbolizer__resolve(s, procs[i].pid, addrs, 2, r), 0));
		cr_assert_str_eq(r[0].symbol, "func_a");
		cr_assert_str_eq(r[1].symbol, "lib_func_b");
	}
	/* two programs and one library, the library parsed once */
	symbolizer__get_stats(s, &st);
	cr_assert(eq(sz, st.processes, 2));
	cr_assert(eq(sz, st.elf_loads, 3));
	symbolizer__free(s);
}

/* ---- a fake procfs root ---------------------------------------------------- */

struct file_id {
	char *path;	/* absolute */
	unsigned int major, minor;
	uint64_t ino;
};

static struct file_id file_id(const char *path)
{
	struct file_id id = {};
	struct stat st;

	id.path = realpath(path, NULL);
	cr_assert_not_null(id.path, "%s: %s", path, strerror(errno));
	cr_assert(eq(int, stat(id.path, &st), 0));
	id.major = major(st.st_dev);
	id.minor = minor(st.st_dev);
	id.ino = st.st_ino;
	return id;
}

static char *pid_dir(pid_t pid)
{
	char *dir = NULL;
	struct stat st;

	cr_assert(ge(int, asprintf(&dir, "%s/%d", tmp_root, (int)pid), 0));
	if (stat(dir, &st))
		cr_assert(eq(int, mkdir(dir, 0755), 0), "mkdir(%s): %s", dir, strerror(errno));
	return dir;
}

static void mkdirs(const char *path)
{
	char *p = strdup(path), *slash;

	cr_assert_not_null(p);
	for (slash = strchr(p + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			cr_fatal("mkdir(%s): %s", p, strerror(errno));
		*slash = '/';
	}
	free(p);
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in, out;
	ssize_t n;

	mkdirs(to);
	in = open(from, O_RDONLY);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	cr_assert(ge(int, in, 0), "%s: %s", from, strerror(errno));
	cr_assert(ge(int, out, 0), "%s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert(eq(int, write(out, buf, (size_t)n) == n, 1));
	close(in);
	close(out);
}

/* appends one maps line to <root>/<pid>/maps */
static void add_map(pid_t pid, uint64_t start, uint64_t end, const char *perms, uint64_t pgoff,
		    unsigned int major, unsigned int minor, uint64_t ino, const char *path)
{
	char *dir = pid_dir(pid), *maps = join(dir, "maps");
	FILE *f = fopen(maps, "a");

	cr_assert_not_null(f);
	fprintf(f, "%" PRIx64 "-%" PRIx64 " %s %08" PRIx64 " %02x:%02x %" PRIu64 "%s%s\n", start,
		end, perms, pgoff, major, minor, ino, path ? "                 " : " ",
		path ? path : "");
	cr_assert(eq(int, fclose(f), 0));
	free(maps);
	free(dir);
}

static void add_file_map(pid_t pid, uint64_t start, uint64_t end, uint64_t pgoff,
			 const struct file_id *id, const char *path)
{
	add_map(pid, start, end, "r-xp", pgoff, id->major, id->minor, id->ino,
		path ? path : id->path);
}

static struct symbolizer *fake_symbolizer(void)
{
	struct symbolizer_opts opts = { .sz = sizeof(opts), .procfs_root = tmp_root };
	struct symbolizer *s = symbolizer__new(&opts);

	cr_assert_not_null(s, "symbolizer__new: %s", strerror(errno));
	return s;
}

/* file offset of a library function, from the library itself */
static uint64_t func_offset(const char *path, const char *name)
{
	const struct elf_sym *f;
	struct elf_file *ef = NULL;
	uint64_t off = 0;

	cr_assert(eq(int, elf_file__open(path, &ef), 0));
	f = elf_file__find_func(ef, name);
	cr_assert_not_null(f, "%s", name);
	cr_assert(eq(int, elf_file__vaddr_to_offset(ef, f->vaddr, &off), 0));
	elf_file__close(ef);
	return off;
}

Test(symbolize, fake_root_mapping_arithmetic)
{
	char *path = join(fixtures, "libfixture.so");
	struct file_id lib = file_id(path);
	uint64_t off_a = func_offset(lib.path, "lib_func_a");
	uint64_t off_b = func_offset(lib.path, "lib_func_b");
	uint64_t pgoff = off_b & ~0xfffull;
	const uint64_t base = 0x7f0000000000, text = 0x7f1000000000;
	struct symbolizer_stats st;
	struct sym_result r[8];
	struct symbolizer *s;
	uint64_t addrs[8];

	add_file_map(100, base, base + 0x10000, 0, &lib, NULL);
	/* a segment mapped from a page-aligned offset inside the file */
	add_file_map(100, text, text + 0x1000, pgoff, &lib, NULL);
	add_map(100, 0x7f2000000000, 0x7f2000001000, "rw-p", 0, 0, 0, 0, NULL);
	add_map(100, 0x7f3000000000, 0x7f3000021000, "rw-p", 0, 0, 0, 0, "[heap]");
	addrs[0] = base + off_a;
	addrs[1] = text + (off_b - pgoff) + 6;
	addrs[2] = base;		/* the ELF header: no function */
	addrs[3] = base + 0xff00;	/* past every segment of the file */
	addrs[4] = 0x7f2000000010;
	addrs[5] = 0x7f3000000010;
	addrs[6] = 0x7e0000000000;
	addrs[7] = text + 0x1000;	/* end is exclusive */

	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 100, addrs, 8, r), 0));
	assert_sym(&r[0], "lib_func_a", 0, lib.path);
	cr_assert(eq(u64, r[0].module_offset, off_a));
	assert_sym(&r[1], "lib_func_b", 6, lib.path);
	cr_assert(eq(u64, r[1].module_offset, off_b + 6));
	assert_unresolved(&r[2], "not in any symbol", lib.path);
	cr_assert(eq(u64, r[2].module_offset, 0));
	assert_unresolved(&r[3], "not in any symbol", lib.path);
	assert_unresolved(&r[4], "anonymous mapping", NULL);
	cr_assert(eq(u64, r[4].module_offset, 0x10));
	assert_unresolved(&r[5], "anonymous mapping", "[heap]");
	assert_unresolved(&r[6], "unmapped", NULL);
	assert_unresolved(&r[7], "unmapped", NULL);
	/* two mappings of one file: one parse */
	symbolizer__get_stats(s, &st);
	cr_assert(eq(sz, st.elf_loads, 1));
	cr_assert(eq(sz, st.modules, 1));
	symbolizer__free(s);
	free(lib.path);
	free(path);
}

Test(symbolize, fake_root_container_files)
{
	char *src = join(fixtures, "libfixture.so"), *dir = pid_dir(200);
	char *in_root = join(dir, "root/opt/app/lib/libcontainer.so");
	char *escape = join(dir, "root/opt/app/lib/libescape.so");
	struct file_id lib, host = file_id(src);
	const uint64_t start = 0x7f0000000000, other = 0x7f8000000000;
	uint64_t addrs[2];
	struct sym_result r[2];
	struct symbolizer *s;

	/* the container's copy exists only under <root>/200/root */
	copy_file(src, in_root);
	lib = file_id(in_root);
	add_file_map(200, start, start + 0x10000, 0, &lib, "/opt/app/lib/libcontainer.so");
	/* an absolute symlink inside the container resolves inside it, not
	 * to the host's file of that name */
	cr_assert(eq(int, symlink(host.path, escape), 0));
	add_file_map(200, other, other + 0x10000, 0, &host, "/opt/app/lib/libescape.so");
	addrs[0] = start + func_offset(src, "lib_func_b") + 1;
	addrs[1] = other + func_offset(src, "lib_func_b") + 1;

	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 200, addrs, 2, r), 0));
	assert_sym(&r[0], "lib_func_b", 1, "/opt/app/lib/libcontainer.so");
	assert_unresolved(&r[1], "cannot open module", "/opt/app/lib/libescape.so");
	symbolizer__free(s);
	free(host.path);
	free(lib.path);
	free(escape);
	free(in_root);
	free(dir);
	free(src);
}

Test(symbolize, fake_root_container_file_replaced)
{
	char *src = join(fixtures, "libfixture.so"), *dir = pid_dir(210);
	char *in_root = join(dir, "root/opt/app/libx.so"), *link = NULL;
	const uint64_t start = 0x7f0000000000;
	struct sym_result r;
	struct symbolizer *s;
	struct file_id lib;
	uint64_t addr;

	/* another inode at the mapped path: not read as the mapped file */
	copy_file(src, in_root);
	lib = file_id(in_root);
	lib.ino += 7;
	add_file_map(210, start, start + 0x10000, 0, &lib, "/opt/app/libx.so");
	addr = start + func_offset(src, "lib_func_a");
	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 210, &addr, 1, &r), 0));
	assert_unresolved(&r, "module replaced since it was mapped (map_files unreadable)",
			  "/opt/app/libx.so");
	symbolizer__free(s);

	/* map_files still holds the mapped file itself */
	cr_assert(ge(int, asprintf(&link, "%s/map_files/7f0000000000-7f0000010000", dir), 0));
	mkdirs(link);
	cr_assert(eq(int, symlink(lib.path, link), 0));
	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 210, &addr, 1, &r), 0));
	assert_sym(&r, "lib_func_a", 0, "/opt/app/libx.so");
	/* and the report says where the symbols came from */
	cr_assert_not_null(r.module_note);
	cr_assert_not_null(strstr(r.module_note, "map_files"), "%s", r.module_note);
	symbolizer__free(s);
	free(link);
	free(lib.path);
	free(in_root);
	free(dir);
	free(src);
}

Test(symbolize, fake_root_inode_shared_across_processes)
{
	char *src = join(fixtures, "libfixture.so"), *dir = pid_dir(300);
	char *in_root = join(dir, "root/usr/lib/libshared.so");
	const uint64_t start = 0x7f0000000000;
	struct symbolizer_stats st;
	struct sym_result r;
	struct symbolizer *s;
	struct file_id lib;
	uint64_t addr;
	pid_t pid;

	copy_file(src, in_root);
	lib = file_id(in_root);
	/* only pid 300 can reach the file; the others share its inode */
	for (pid = 300; pid < 310; pid++)
		add_file_map(pid, start, start + 0x10000, 0, &lib, "/usr/lib/libshared.so");
	addr = start + func_offset(src, "lib_func_a") + 2;

	s = fake_symbolizer();
	for (pid = 300; pid < 310; pid++) {
		cr_assert(eq(int, symbolizer__resolve(s, pid, &addr, 1, &r), 0));
		assert_sym(&r, "lib_func_a", 2, "/usr/lib/libshared.so");
	}
	symbolizer__get_stats(s, &st);
	cr_assert(eq(sz, st.processes, 10));
	cr_assert(eq(sz, st.modules, 1));
	cr_assert(eq(sz, st.elf_loads, 1));
	symbolizer__free(s);
	free(lib.path);
	free(in_root);
	free(dir);
	free(src);
}

Test(symbolize, fake_root_failures_are_cached)
{
	const uint64_t start = 0x7f0000000000;
	struct symbolizer_stats st;
	struct sym_result r[100];
	uint64_t addrs[100];
	struct symbolizer *s;
	size_t i;

	add_map(400, start, start + 0x10000, "r-xp", 0, 8, 1, 123456789, "/nonexistent/libgone.so");
	add_map(401, start, start + 0x10000, "r-xp", 0, 8, 1, 123456789, "/nonexistent/libgone.so");
	for (i = 0; i < 100; i++)
		addrs[i] = start + i * 64;
	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 400, addrs, 100, r), 0));
	for (i = 0; i < 100; i++) {
		assert_unresolved(&r[i], "cannot open module", "/nonexistent/libgone.so");
		cr_assert(eq(u64, r[i].module_offset, i * 64));
	}
	cr_assert(eq(int, symbolizer__resolve(s, 400, addrs, 100, r), 0));
	symbolizer__get_stats(s, &st);
	cr_assert(eq(sz, st.elf_loads, 1));
	cr_assert(eq(sz, st.elf_failures, 1));
	/* another process may reach the file: it gets one try of its own */
	cr_assert(eq(int, symbolizer__resolve(s, 401, addrs, 100, r), 0));
	symbolizer__get_stats(s, &st);
	cr_assert(eq(sz, st.elf_loads, 2));
	symbolizer__free(s);
}

Test(symbolize, fake_root_deleted_file_needs_map_files)
{
	char *src = join(fixtures, "libfixture.so"), *dir = pid_dir(501), *link = NULL;
	struct file_id lib = file_id(src);
	const uint64_t start = 0x7f5000000000, end = 0x7f5000010000;
	struct sym_result r;
	struct symbolizer *s;
	char *deleted = NULL;
	uint64_t addr;

	/* "(deleted)": the path may name another file now, it is not read */
	cr_assert(ge(int, asprintf(&deleted, "%s (deleted)", lib.path), 0));
	add_file_map(500, start, end, 0, &lib, deleted);
	add_file_map(501, start, end, 0, &lib, deleted);
	/* map_files/<start>-<end>, lowercase hex without 0x, is the mapped file */
	cr_assert(ge(int, asprintf(&link, "%s/map_files/7f5000000000-7f5000010000", dir), 0));
	mkdirs(link);
	cr_assert(eq(int, symlink(lib.path, link), 0));
	addr = start + func_offset(src, "lib_func_a");

	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 500, &addr, 1, &r), 0));
	assert_unresolved(&r, "module deleted since it was mapped (map_files unreadable)", lib.path);
	cr_assert(eq(int, symbolizer__resolve(s, 501, &addr, 1, &r), 0));
	assert_sym(&r, "lib_func_a", 0, lib.path);
	cr_assert_not_null(r.module_note);
	cr_assert_str_eq(r.module_note, "deleted or replaced since it was mapped; read through /proc/PID/map_files");
	symbolizer__free(s);
	free(deleted);
	free(link);
	free(lib.path);
	free(dir);
	free(src);
}

Test(symbolize, fake_root_replaced_file_not_trusted)
{
	char *src = join(fixtures, "libfixture.so");
	struct file_id lib = file_id(src);
	const uint64_t start = 0x7f0000000000;
	struct sym_result r;
	struct symbolizer *s;
	uint64_t addr;

	/* the process exited and another inode sits at its path now */
	lib.ino += 1000003;
	add_file_map(600, start, start + 0x10000, 0, &lib, NULL);
	addr = start + func_offset(src, "lib_func_a");
	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 600, &addr, 1, &r), 0));
	assert_unresolved(&r, "module replaced since it was mapped (map_files unreadable)", lib.path);
	symbolizer__free(s);
	free(lib.path);
	free(src);
}

Test(symbolize, fake_root_not_elf_and_no_symbols)
{
	char *nofunc_src = join(fixtures, "libnofunc.so"), *garbage = join(tmp_root, "garbage.so");
	struct file_id nofunc = file_id(nofunc_src), junk;
	const uint64_t a = 0x7f0000000000, b = 0x7f1000000000;
	uint64_t addrs[2] = { a + 0x40, b + 0x1000 };
	struct sym_result r[2];
	struct symbolizer *s;
	FILE *f;

	f = fopen(garbage, "w");
	cr_assert_not_null(f);
	fputs("this is no ELF file, whatever its name says\n", f);
	fclose(f);
	junk = file_id(garbage);
	add_file_map(700, a, a + 0x1000, 0, &junk, NULL);
	add_file_map(700, b, b + 0x4000, 0, &nofunc, NULL);
	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 700, addrs, 2, r), 0));
	assert_unresolved(&r[0], "not an ELF file", junk.path);
	assert_unresolved(&r[1], "no symbols", nofunc.path);
	symbolizer__free(s);
	free(junk.path);
	free(nofunc.path);
	free(garbage);
	free(nofunc_src);
}

Test(symbolize, fake_root_resnapshot)
{
	char *src = join(fixtures, "libfixture.so"), *dir = pid_dir(800), *maps = join(dir, "maps");
	struct file_id lib = file_id(src);
	const uint64_t a = 0x7f0000000000, b = 0x7f4000000000;
	uint64_t off = func_offset(src, "lib_func_a"), addrs[2] = { a + off, b + off };
	struct sym_result r[2], first;
	struct symbolizer *s;

	add_file_map(800, a, a + 0x10000, 0, &lib, NULL);
	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 800, addrs, 1, &first), 0));
	assert_sym(&first, "lib_func_a", 0, lib.path);

	/* the library moved (dlclose + dlopen); the old snapshot still holds */
	cr_assert(eq(int, unlink(maps), 0));
	add_file_map(800, b, b + 0x10000, 0, &lib, NULL);
	cr_assert(eq(int, symbolizer__resolve(s, 800, addrs, 2, r), 0));
	assert_sym(&r[0], "lib_func_a", 0, lib.path);
	assert_unresolved(&r[1], "unmapped", NULL);
	cr_assert(eq(int, symbolizer__cache_process(s, 800), 0));
	cr_assert(eq(int, symbolizer__resolve(s, 800, addrs, 2, r), 0));
	assert_unresolved(&r[0], "unmapped", NULL);
	assert_sym(&r[1], "lib_func_a", 0, lib.path);
	/* forgotten: the next resolve takes a new snapshot */
	symbolizer__forget_process(s, 800);
	cr_assert(eq(int, unlink(maps), 0));
	cr_assert(eq(int, symbolizer__resolve(s, 800, addrs, 2, r), -ENOENT));
	assert_sym(&first, "lib_func_a", 0, lib.path);
	symbolizer__free(s);
	free(lib.path);
	free(maps);
	free(dir);
	free(src);
}

Test(symbolize, fake_root_missing_pid)
{
	struct symbolizer *s = fake_symbolizer();
	struct symbolizer_stats st;
	struct sym_result r;
	uint64_t addr = 0x1000;

	cr_assert(eq(int, symbolizer__resolve(s, 999, &addr, 1, &r), -ESRCH));
	cr_assert(eq(int, symbolizer__cache_process(s, 999), -ESRCH));
	symbolizer__get_stats(s, &st);
	cr_assert(eq(sz, st.processes, 0));
	symbolizer__free(s);
}

Test(symbolize, arguments_and_opts)
{
	struct symbolizer_opts opts = { .sz = sizeof(opts) };
	struct {
		struct symbolizer_opts opts;
		long future_field;
	} newer = { .opts = { .sz = sizeof(newer) }, .future_field = 1 };
	struct symbolizer *s;
	struct sym_result r;
	uint64_t addr = 0;

	errno = 0;
	opts.sz = 0;
	cr_assert_null(symbolizer__new(&opts));
	cr_assert(eq(int, errno, EINVAL));
	cr_assert_null(symbolizer__new(&newer.opts));
	cr_assert(eq(int, errno, EINVAL));
	newer.future_field = 0;
	s = symbolizer__new(&newer.opts);
	cr_assert_not_null(s);
	symbolizer__free(s);

	s = symbolizer__new(NULL);
	cr_assert_not_null(s);
	cr_assert(eq(int, symbolizer__resolve(s, getpid(), NULL, 1, &r), -EINVAL));
	cr_assert(eq(int, symbolizer__resolve(s, getpid(), &addr, 1, NULL), -EINVAL));
	cr_assert(eq(int, symbolizer__resolve(NULL, getpid(), &addr, 1, &r), -EINVAL));
	cr_assert(eq(int, symbolizer__resolve(s, getpid(), NULL, 0, NULL), 0));
	cr_assert(eq(int, symbolizer__cache_process(s, 0), -EINVAL));
	cr_assert(eq(int, symbolizer__cache_process(s, -1), -EINVAL));
	symbolizer__forget_process(s, 12345);
	symbolizer__forget_process(NULL, 12345);
	symbolizer__free(s);
	symbolizer__free(NULL);
}

/* this test binary symbolizes itself: resolve is what it says */
Test(symbolize, self)
{
	struct symbolizer *s = symbolizer__new(NULL);
	uint64_t addr = (uint64_t)(uintptr_t)&symbolizer__resolve + 1;
	struct sym_result r;

	cr_assert_not_null(s);
	cr_assert(eq(int, symbolizer__resolve(s, getpid(), &addr, 1, &r), 0));
	cr_assert_str_eq(r.symbol, "symbolizer__resolve");
	cr_assert(eq(u64, r.offset, 1));
	symbolizer__free(s);
}

/* <root>/<pid>/status with this NSpid chain and owner */
static void add_status(pid_t pid, const char *nspid, unsigned int uid)
{
	char *dir = pid_dir(pid), *path = join(dir, "status");
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fprintf(f, "Name:\tjava\nTgid:\t%d\nUid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nNSpid:\t%s\n",
		(int)pid, uid, uid, uid, uid, uid, uid, uid, uid, nspid);
	cr_assert(eq(int, fclose(f), 0));
	free(path);
	free(dir);
}

/* <root>/<pid>/root/<rel> with text, owned by uid */
static void add_root_file(pid_t pid, const char *rel, const char *text, unsigned int uid)
{
	char *dir = pid_dir(pid), *path = NULL;
	FILE *f;

	cr_assert(ge(int, asprintf(&path, "%s/root/%s", dir, rel), 0));
	mkdirs(path);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	cr_assert(eq(int, fclose(f), 0));
	if (uid)
		cr_assert(eq(int, chown(path, uid, uid), 0), "chown: %s", strerror(errno));
	free(path);
	free(dir);
}

#define JIT_START	0x7f1000000000ull

Test(symbolize, fake_root_jit_perf_map)
{
	const char *map =
		"0x00007f1000000100 0x0000000000000080 void DirectLeak.leak(java.util.List, int)\n"
		"7f1000000400 100 Interpreter\n"
		"garbage line\n"
		"7f1000000800 40 StubRoutines (1)";	/* no newline: still written */
	uint64_t addrs[6] = {
		JIT_START + 0x100 + 0x10,	/* the compiled method */
		JIT_START + 0x400 + 0x20,	/* the interpreter */
		JIT_START + 0x200,		/* JIT code the map does not name */
		0x5000000010,			/* [heap] */
		JIT_START + 0x100 + 0x80,	/* one past the method's end */
		JIT_START + 0x800 + 1,		/* a partly written last line */
	};
	struct sym_result r[6];
	struct symbolizer *s;

	/* the map is named by the pid in the process's own namespace (7),
	 * and read in its own root */
	add_status(300, "300\t7", 1000);
	add_root_file(300, "tmp/perf-7.map", map, 1000);
	add_root_file(300, "tmp/perf-300.map", "7f1000000000 100000 wrong_pid_map\n", 1000);
	add_map(300, 0x5000000000, 0x5000100000, "rw-p", 0, 0, 0, 0, "[heap]");
	add_map(300, JIT_START, JIT_START + 0x100000, "rwxp", 0, 0, 0, 0, NULL);
	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 300, addrs, 6, r), 0));
	/* JIT code has no module: the name and offset come from the map */
	cr_assert_not_null(r[0].symbol, "reason '%s'", r[0].reason);
	cr_assert_str_eq(r[0].symbol, "void DirectLeak.leak(java.util.List, int)");
	cr_assert(eq(u64, r[0].offset, 0x10));
	cr_assert_null(r[0].module);
	assert_unresolved(&r[1], "interpreted Java frame", NULL);
	assert_unresolved(&r[2], "JIT code not in the perf map", NULL);
	assert_unresolved(&r[3], "anonymous mapping", "[heap]");
	assert_unresolved(&r[4], "JIT code not in the perf map", NULL);
	/* perf_map__read_fd drops a last line without its newline: it may
	 * be half written */
	assert_unresolved(&r[5], "JIT code not in the perf map", NULL);
	symbolizer__free(s);
}

Test(symbolize, fake_root_jit_perf_map_refused)
{
	char *dir = pid_dir(320), *link = join(dir, "root/tmp/perf-320.map");
	char *host_map = join(tmp_root, "host-perf.map");
	uint64_t addr = JIT_START + 0x10;
	struct sym_result r;
	struct symbolizer *s;
	FILE *f;

	/* no perf map at all */
	add_status(310, "310", 0);
	add_map(310, JIT_START, JIT_START + 0x1000, "r-xp", 0, 0, 0, 0, NULL);
	/* written by someone else than the process's user or root */
	add_status(311, "311", 1000);
	add_root_file(311, "tmp/perf-311.map", "7f1000000000 1000 planted\n", 2000);
	add_map(311, JIT_START, JIT_START + 0x1000, "r-xp", 0, 0, 0, 0, NULL);
	/* a symlink out of the container's root stays inside it */
	f = fopen(host_map, "w");
	cr_assert_not_null(f);
	fputs("7f1000000000 1000 host_file\n", f);
	cr_assert(eq(int, fclose(f), 0));
	add_status(320, "320", 0);
	mkdirs(link);
	cr_assert(eq(int, symlink(host_map, link), 0));
	add_map(320, JIT_START, JIT_START + 0x1000, "r-xp", 0, 0, 0, 0, NULL);

	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 310, &addr, 1, &r), 0));
	assert_unresolved(&r, "JIT or anonymous code without a perf map", NULL);
	cr_assert(eq(int, symbolizer__resolve(s, 311, &addr, 1, &r), 0));
	assert_unresolved(&r, "JIT code; perf map not owned by the process's user, ignored", NULL);
	cr_assert(eq(int, symbolizer__resolve(s, 320, &addr, 1, &r), 0));
	assert_unresolved(&r, "JIT or anonymous code without a perf map", NULL);
	symbolizer__free(s);
	free(host_map);
	free(link);
	free(dir);
}

Test(symbolize, fake_root_cxx_names_demangled)
{
	struct file_id lib;
	char *src = join(fixtures, "libcxx.so");
	const uint64_t start = 0x7f2000000000;
	uint64_t addrs[3];
	struct sym_result r[3];
	struct symbolizer *s;

	lib = file_id(src);
	add_file_map(330, start, start + 0x10000, 0, &lib, NULL);
	addrs[0] = start + func_offset(src, "_ZN5leaks4Pool4growEi") + 1;
	addrs[1] = start + func_offset(src, "_ZN5leaks5twiceIlEET_S1_");
	addrs[2] = start + func_offset(src, "_ZN5leaks4PoolpLERKS0_") + 2;
	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 330, addrs, 3, r), 0));
	assert_sym(&r[0], "leaks::Pool::grow(int)", 1, lib.path);
	/* its DWARF is inside a DW_TAG_namespace: still found, with the call
	 * inlined into it */
	cr_assert(ends_with(r[0].file, "fixture_cxx.cpp"), "file %s", r[0].file);
	cr_assert(gt(u32, r[0].line, 0));
	cr_assert(eq(sz, r[0].ninlines, 1));
	cr_assert_str_eq(r[0].inlines[0].symbol, "bump");
	assert_sym(&r[1], "long leaks::twice<long>(long)", 0, lib.path);
	assert_sym(&r[2], "leaks::Pool::operator+=(leaks::Pool const&)", 2, lib.path);
	symbolizer__free(s);
	free(lib.path);
	free(src);
}

/* ---- debug info: DWARF lines and inlines, separate and compressed ------ */

struct dwarf_case {
	char prog[40];		/* under fixtures/ */
	bool debug_root;	/* symbolizer told fixtures/dwarf/debugroot */
	bool named;		/* debug info found: symbol, lines, inline */
	char reason[64];	/* else why */
};

ParameterizedTestParameters(symbolize, dwarf)
{
	static struct dwarf_case cases[] = {
		{ "dwarf/dwarf_prog", false, true, "" },
		{ "dwarf/split/dwarf_prog", false, true, "" },		/* .debug/ */
		{ "dwarf/buildid/dwarf_prog", true, true, "" },	/* .build-id/ */
		{ "dwarf/rootlink/dwarf_prog", true, true, "" },	/* <root>/<dir>/ */
		{ "dwarf/zlib/dwarf_prog", false, true, "" },		/* SHF_COMPRESSED */
		/* the build-ID file exists only under the test's root */
		{ "dwarf/buildid/dwarf_prog", false, false, "no symbols (stripped, no debug file)" },
		/* a debug file with another CRC is not the one the link means */
		{ "dwarf/badcrc/dwarf_prog", true, false, "no symbols (stripped, no debug file)" },
		/* a debuglink naming the binary itself is refused */
		{ "dwarf/cycle/dwarf_prog", true, false, "no symbols (stripped, no debug file)" },
	};

	return cr_make_param_array(struct dwarf_case, cases, sizeof(cases) / sizeof(cases[0]));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

ParameterizedTest(struct dwarf_case *c, symbolize, dwarf)
{
	struct fixture_proc *fp = &procs[0];
	char *root = join(fixtures, "dwarf/debugroot"), *exe = join(fixtures, c->prog);
	struct symbolizer_opts opts = { .sz = sizeof(opts), .debug_root = c->debug_root ? root : NULL };
	uint32_t line_inner, line_outer;
	struct symbolizer *s;
	struct sym_result r;
	uint64_t addr;

	fixture_start(fp, c->prog, NULL);
	addr = fixture_addr(fp, "ret");
	line_inner = (uint32_t)fixture_addr(fp, "line_inner");
	line_outer = (uint32_t)fixture_addr(fp, "line_outer");
	s = symbolizer__new(&opts);
	cr_assert_not_null(s);
	cr_assert(eq(int, symbolizer__resolve(s, fp->pid, &addr, 1, &r), 0));
	if (!c->named) {
		assert_unresolved(&r, c->reason, exe);
		cr_assert_null(r.file);
		cr_assert(eq(sz, r.ninlines, 0));
		goto out;
	}
	cr_assert_not_null(r.symbol, "reason: %s", r.reason);
	cr_assert_str_eq(r.symbol, "dwarf_outer");
	cr_assert(gt(u64, r.offset, 0));
	cr_assert_str_eq(r.module, exe);
	/* the real function at the inlined call's site; the inlined function
	 * at the address's own line (the call to dwarf_record) */
	cr_assert(ends_with(r.file, "fixture_dwarf.c"), "file %s", r.file);
	cr_assert(eq(u32, r.line, line_outer));
	cr_assert(eq(sz, r.ninlines, 1));
	cr_assert_str_eq(r.inlines[0].symbol, "dwarf_inlined");
	cr_assert(ends_with(r.inlines[0].file, "fixture_dwarf.c"), "file %s", r.inlines[0].file);
	cr_assert(eq(u32, r.inlines[0].line, line_inner));
out:
	symbolizer__free(s);
	fixture_stop(fp);
	free(exe);
	free(root);
}

/* A perf map older than the process is another process's (pid reuse). */
Test(symbolize, fake_root_jit_perf_map_stale)
{
	char *dir = pid_dir(340), *path = join(dir, "stat"), *root_stat = join(tmp_root, "stat");
	uint64_t addr = JIT_START + 0x10;
	struct sym_result r;
	struct symbolizer *s;
	FILE *f;

	add_status(340, "340", 0);
	add_root_file(340, "tmp/perf-340.map", "7f1000000000 1000 from_an_older_process\n", 0);
	add_map(340, JIT_START, JIT_START + 0x1000, "r-xp", 0, 0, 0, 0, NULL);
	/* booted an hour from now, started 10 s after boot: long after the
	 * map was written */
	f = fopen(root_stat, "w");
	cr_assert_not_null(f);
	fprintf(f, "cpu  1 2 3 4\nbtime %lld\nprocesses 5\n", (long long)time(NULL) + 3600);
	cr_assert(eq(int, fclose(f), 0));
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "340 (ja va) S 1 340 340 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 %ld 0 0\n",
		10 * sysconf(_SC_CLK_TCK));
	cr_assert(eq(int, fclose(f), 0));

	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 340, &addr, 1, &r), 0));
	assert_unresolved(&r, "JIT code; perf map older than the process, ignored", NULL);
	symbolizer__free(s);

	/* booted an hour ago: the map is newer than the process */
	f = fopen(root_stat, "w");
	cr_assert_not_null(f);
	fprintf(f, "cpu  1 2 3 4\nbtime %lld\n", (long long)time(NULL) - 3600);
	cr_assert(eq(int, fclose(f), 0));
	s = fake_symbolizer();
	cr_assert(eq(int, symbolizer__resolve(s, 340, &addr, 1, &r), 0));
	cr_assert_not_null(r.symbol, "reason %s", r.reason);
	cr_assert_str_eq(r.symbol, "from_an_older_process");
	symbolizer__free(s);
	free(root_stat);
	free(path);
	free(dir);
}
