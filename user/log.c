// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Leveled diagnostics on stderr, each line prefixed "memtrail: ". */
#include <stdarg.h>
#include <stdio.h>
#include "log.h"

static enum log_level current_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = {
		[LOG_ERROR] = "", [LOG_WARN] = "warning: ", [LOG_INFO] = "",
		[LOG_DEBUG] = "debug: ", [LOG_LIBBPF_DEBUG] = "libbpf: ",
	};
	va_list ap;

	if (level > current_level)
		return;
	fprintf(stderr, "memtrail: %s", prefix[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
