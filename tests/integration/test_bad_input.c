// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Bad input: one clear line on stderr and the documented exit code
 * (2 usage/input, 1 runtime); never a crash or a hang. */
#include "harness.h"

/* Runs memtrail with args; returns its exit code, stderr in err. */
static int run(char **args, char *err, size_t errsz)
{
	char *argv[16] = { (char *)mt_bin() };
	struct child c;
	char out[256];
	int i, rc;

	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	tmp_path(out, "bad.out");
	spawn(argv, &c, out);
	rc = reap(&c, 20000);
	err[0] = '\0';
	while (strlen(err) + 1 < errsz &&
	       read_line(&c.err, 100, err + strlen(err), errsz - strlen(err) - 1))
		strcat(err, "\n");
	child_close(&c);
	unlink(out);
	return rc;
}

/* Runs a shell command line; returns its exit code, output (2>&1) in out. */
static int run_shell(const char *cmd, char *out, size_t outsz)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	cr_assert(p);
	n = fread(out, 1, outsz - 1, p);
	out[n] = '\0';
	return WEXITSTATUS(pclose(p));
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

struct bad_case {
	char *args[6];
	int code;
	const char *says;
};

static struct bad_case cases[] = {
	{ { "--pid", "999999999", NULL }, 2, "pid 999999999 does not exist" },
	{ { "--pid", "0", NULL }, 2, "invalid --pid" },
	{ { "--pid", "12,", NULL }, 2, "invalid --pid" },
	{ { "--duration", "abc", NULL }, 2, "invalid --duration" },
	{ { "--duration", "-1", NULL }, 2, "invalid --duration" },
	{ { "--top", "0", NULL }, 2, "invalid --top" },
	{ { "--format", "xml", NULL }, 2, "invalid --format" },
	{ { "--max-procs", "4", NULL }, 2, "invalid --max-procs" },
	{ { "--ring-kib", "huge", NULL }, 2, "invalid --ring-kib" },
	{ { "--unwind-file", "libc.so.6", NULL }, 2, "invalid --unwind-file 'libc.so.6': expected FILE=MODE" },
	{ { "--unwind-file", "libc.so.6=tables", NULL }, 2, "invalid --unwind-file mode 'tables'" },
	{ { "--bogus", NULL }, 2, "unrecognized option" },
	{ { "stray", NULL }, 2, "unexpected argument" },
	{ { "--", "/nonexistent/program", NULL }, 2, "cannot run '/nonexistent/program'" },
	{ { "--output", "/nonexistent/dir/x.json", NULL }, 2, "cannot open output file" },
};

/* Criterion runs each parameter in a fresh process image, where pointers
 * in a parameter would dangle: pass an index into the table instead. */
static int case_index[sizeof(cases) / sizeof(cases[0])];

ParameterizedTestParameters(bad_input, one_line_and_exit_code)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		case_index[i] = i;
	return cr_make_param_array(int, case_index, sizeof(case_index) / sizeof(case_index[0]));
}

ParameterizedTest(int *idx, bad_input, one_line_and_exit_code, .timeout = TEST_TIMEOUT)
{
	struct bad_case *c = &cases[*idx];
	char err[4096];
	int rc;

	if (!strcmp(c->says, "pid 999999999 does not exist") ||
	    !strncmp(c->says, "cannot run", 10))
		require_root(); /* these load BPF before they look at the target */
	rc = run(c->args, err, sizeof(err));
	cr_expect_eq(rc, c->code, "%s: exit %d, expected %d; stderr: %s", c->args[0], rc,
		     c->code, err);
	cr_expect(strstr(err, c->says), "stderr lacks '%s': %s", c->says, err);
	/* argp adds a "Try --help" line after its own message */
	cr_expect(count_lines(err) <= 2, "more than one error line: %s", err);
}

Test(bad_input, command_without_malloc_symbols, .timeout = TEST_TIMEOUT)
{
	char err[4096], *wl = workload("leaky_static_stripped");
	int rc;

	require_root();
	rc = run((char *[]){ "--", wl, NULL }, err, sizeof(err));
	cr_expect_eq(rc, 2, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "neither it nor its libraries define malloc and free"), "%s", err);
	cr_expect_eq(count_lines(err), 1, "%s", err);
	free(wl);
}

Test(bad_input, process_without_malloc, .timeout = TEST_TIMEOUT)
{
	char err[4096], pidarg[32];
	struct child c;
	int rc;

	require_root();
	/* a kernel thread maps no files at all */
	snprintf(pidarg, sizeof(pidarg), "%d", 2);
	rc = run((char *[]){ "--pid", pidarg, NULL }, err, sizeof(err));
	cr_expect_eq(rc, 2, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "defines malloc"), "%s", err);
	(void)c;
}

Test(bad_input, without_privileges, .timeout = TEST_TIMEOUT)
{
	char dir[] = "/tmp/memtrail-nopriv-XXXXXX", bin[64], cmd[4096], err[4096] = "";
	int rc;

	require_root(); /* to drop them */
	cr_assert(mkdtemp(dir));
	chmod(dir, 0755);
	snprintf(bin, sizeof(bin), "%s/memtrail", dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && setpriv --reuid=65534 --regid=65534 "
		 "--clear-groups %s --pid 1 2>&1", mt_bin(), bin, bin);
	rc = run_shell(cmd, err, sizeof(err));
	unlink(bin);
	rmdir(dir);
	cr_expect_eq(rc, 1, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "cannot load the BPF programs: Operation not permitted (run as root)"),
		  "%s", err);
	cr_expect_eq(count_lines(err), 1, "more than one line: %s", err);
}

Test(bad_input, kernel_without_btf, .timeout = TEST_TIMEOUT)
{
	char cmd[4096], err[4096] = "";
	int rc;

	require_root();
	/* a private mount namespace where /sys/kernel/btf is empty */
	snprintf(cmd, sizeof(cmd), "unshare -m sh -c 'mount -t tmpfs none /sys/kernel/btf && "
		 "exec %s --pid 1' 2>&1", mt_bin());
	rc = run_shell(cmd, err, sizeof(err));
	cr_expect_eq(rc, 1, "exit %d: %s", rc, err);
	cr_expect(strstr(err, "this kernel has no BTF"), "%s", err);
	cr_expect_eq(count_lines(err), 1, "more than one line: %s", err);
}
