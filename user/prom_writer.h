/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Prometheus text exposition format 0.0.4: one "# HELP" and "# TYPE" line
 * per metric family, then its samples; label values and help text escaped
 * as the format requires, and always valid UTF-8. */
#ifndef MT_PROM_WRITER_H
#define MT_PROM_WRITER_H

#include <stdint.h>
#include <stdio.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_label {
	const char *name;	/* [a-zA-Z_][a-zA-Z0-9_]* */
	const char *value;	/* any bytes; NULL is written as "" */
};

/* Starts a family; type is "counter" or "gauge". name must be a valid
 * metric name ([a-zA-Z_:][a-zA-Z0-9_:]*); -EINVAL otherwise. */
int prom_family(FILE *f, const char *name, const char *type, const char *help);
/* One sample of the family just started. -EINVAL on a bad label name. */
int prom_sample(FILE *f, const char *name, const struct prom_label *labels,
		size_t nlabels, uint64_t value);

#endif /* MT_PROM_WRITER_H */
