// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Prometheus text format: names checked, label values escaped (\\, \",
 * \n), help text escaped (\\, \n), bytes that are not UTF-8 replaced so
 * a cgroup name cannot break a scraper's parser. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include "json_writer.h"
#include "prom_writer.h"

static bool valid_name(const char *s, bool colons)
{
	size_t i;

	if (!s || !*s)
		return false;
	for (i = 0; s[i]; i++) {
		char c = s[i];
		bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			     (colons && c == ':');

		if (!alpha && !(i && c >= '0' && c <= '9'))
			return false;
	}
	return true;
}

/* in_label: also escape '"' (label values; help text leaves it alone) */
static void put_escaped(FILE *f, const char *s, bool in_label)
{
	size_t len;

	while (s && *s) {
		unsigned char c = *s;

		if (c == '\\') {
			fputs("\\\\", f);
			s++;
		} else if (c == '\n') {
			fputs("\\n", f);
			s++;
		} else if (c == '"' && in_label) {
			fputs("\\\"", f);
			s++;
		} else if (jw_utf8_next(s, &len)) {
			fwrite(s, 1, len, f);
			s += len;
		} else {
			fputs("\xef\xbf\xbd", f); /* U+FFFD */
			s += len;
		}
	}
}

int prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	if (!valid_name(name, true) || (strcmp(type, "counter") && strcmp(type, "gauge")))
		return -EINVAL;
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, help, false);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
	return 0;
}

int prom_sample(FILE *f, const char *name, const struct prom_label *labels,
		size_t nlabels, uint64_t value)
{
	size_t i;

	if (!valid_name(name, true))
		return -EINVAL;
	for (i = 0; i < nlabels; i++)
		if (!valid_name(labels[i].name, false) || !strncmp(labels[i].name, "__", 2))
			return -EINVAL;
	fputs(name, f);
	for (i = 0; i < nlabels; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "{", labels[i].name);
		put_escaped(f, labels[i].value, true);
		fputc('"', f);
	}
	fprintf(f, "%s %" PRIu64 "\n", nlabels ? "}" : "", value);
	return 0;
}
