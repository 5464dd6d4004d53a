/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Java frames: HotSpot JVMs name their compiled code only in a perf map
 * they write on request (`jcmd PID Compiler.perfmap`, JDK 17+). With
 * --java, each traced JVM is asked for one at report time, by its own
 * jcmd run inside its mount and pid namespaces as its user; the report
 * says why Java frames stay unnamed (jcmd failed, interpreted methods,
 * no -XX:+PreserveFramePointer). */
#ifndef MT_JAVA_H
#define MT_JAVA_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "profile.h"
#include "symbolize.h"

/* how long one jcmd may take before it is killed (a JVM that does not
 * answer must not hang the report); JVM startup is slow on a busy node */
#define JAVA_JCMD_TIMEOUT_MS	30000

/* True when pid maps a libjvm.so (HotSpot). */
bool java__is_jvm(pid_t pid);
/* Runs `jcmd NSPID Compiler.perfmap` for the JVM pid: the jcmd next to
 * its java binary, in its mount and pid namespaces, with its uid and gid,
 * killed after timeout_ms. 0, or -errno with a one-line reason in why. */
int java__write_perf_map(pid_t pid, int timeout_ms, char *why, size_t whysz);
/* Contract: whether the JVM options in a command line (NUL-separated
 * argv, cmdline[0..cmdlen)) and an environment (NUL-separated, env[0..
 * envlen)) enable -XX:+PreserveFramePointer: 1 yes, 0 no (last setting
 * wins: JAVA_TOOL_OPTIONS, then JDK_JAVA_OPTIONS, the command line,
 * _JAVA_OPTIONS, as HotSpot reads them). */
int java__parse_frame_pointer_flag(const char *cmdline, size_t cmdlen,
				   const char *env, size_t envlen);
/* The same for the live process pid: 1, 0, or -errno. */
int java__preserves_frame_pointers(pid_t pid);

/* At report time, before pid's frames are named: with --java, asks a JVM
 * for its perf map and notes in p what went wrong; then re-snapshots pid
 * in sym (libraries loaded and code compiled since the last look). */
void java__refresh(struct symbolizer *sym, struct mt_profile *p, pid_t pid);
/* After naming: a note per process on the Java frames left unnamed. */
void java__note_frames(struct symbolizer *sym, struct mt_profile *p);

#endif /* MT_JAVA_H */
