/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Kubernetes manifests read with libyaml (a real YAML parser: anchors,
 * flow and block style, quoting), for tests that check their fields:
 * every document of a file, looked up by kind, nodes by a dotted path
 * ("spec.template.spec.containers[0].args"). Test code: failures assert. */
#ifndef MT_YAML_DOC_H
#define MT_YAML_DOC_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YDOC_MAX 8

struct ydoc {
	yaml_document_t docs[YDOC_MAX];
	int n;
};

/* Every document of path; fails the test on a parse error. */
static inline void ydoc_load(const char *path, struct ydoc *d)
{
	yaml_parser_t parser;
	FILE *f = fopen(path, "r");

	cr_assert(f != NULL, "cannot open %s", path);
	memset(d, 0, sizeof(*d));
	cr_assert(yaml_parser_initialize(&parser) == 1);
	yaml_parser_set_input_file(&parser, f);
	for (;;) {
		yaml_document_t *doc = &d->docs[d->n];

		cr_assert(d->n < YDOC_MAX, "%s: more than %d documents", path, YDOC_MAX);
		cr_assert(yaml_parser_load(&parser, doc) == 1, "%s: line %zu: %s", path,
			  parser.problem_mark.line + 1, parser.problem ? parser.problem : "?");
		if (!yaml_document_get_root_node(doc)) { /* the end of the stream */
			yaml_document_delete(doc);
			break;
		}
		d->n++;
	}
	yaml_parser_delete(&parser);
	fclose(f);
}

static inline void ydoc_free(struct ydoc *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		yaml_document_delete(&d->docs[i]);
	d->n = 0;
}

static inline const char *yscalar_of(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* The value of key in mapping m, or NULL. */
static inline yaml_node_t *ykey(yaml_document_t *doc, yaml_node_t *m, const char *key, size_t len)
{
	yaml_node_pair_t *p;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		const char *k = yscalar_of(yaml_document_get_node(doc, p->key));

		if (k && strlen(k) == len && !strncmp(k, key, len))
			return yaml_document_get_node(doc, p->value);
	}
	return NULL;
}

static inline size_t ylen(yaml_node_t *seq)
{
	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	return seq->data.sequence.items.top - seq->data.sequence.items.start;
}

static inline yaml_node_t *yat(yaml_document_t *doc, yaml_node_t *seq, size_t i)
{
	if (i >= ylen(seq))
		return NULL;
	return yaml_document_get_node(doc, seq->data.sequence.items.start[i]);
}

/* The node at a dotted path below from (NULL: the root): "a.b[2].c". */
static inline yaml_node_t *ynode(yaml_document_t *doc, yaml_node_t *from, const char *path)
{
	yaml_node_t *n = from ? from : yaml_document_get_root_node(doc);
	const char *p = path;

	while (n && *p) {
		size_t len = strcspn(p, ".[");

		if (len)
			n = ykey(doc, n, p, len);
		p += len;
		while (n && *p == '[') {
			char *end;
			unsigned long i = strtoul(p + 1, &end, 10);

			cr_assert(end[0] == ']', "bad path %s", path);
			n = yat(doc, n, i);
			p = end + 1;
		}
		if (*p == '.')
			p++;
	}
	return n;
}

/* The scalar at path, or NULL when absent or not a scalar. */
static inline const char *ystr(yaml_document_t *doc, yaml_node_t *from, const char *path)
{
	return yscalar_of(ynode(doc, from, path));
}

/* The item of sequence seq whose key is value ("name: cgroup"), or NULL. */
static inline yaml_node_t *yitem(yaml_document_t *doc, yaml_node_t *seq, const char *key,
				 const char *value)
{
	size_t i;

	for (i = 0; i < ylen(seq); i++) {
		yaml_node_t *it = yat(doc, seq, i);
		const char *v = ystr(doc, it, key);

		if (v && !strcmp(v, value))
			return it;
	}
	return NULL;
}

/* The document of that kind; fails the test when there is none. */
static inline yaml_document_t *ykind(struct ydoc *d, const char *kind)
{
	int i;

	for (i = 0; i < d->n; i++) {
		const char *k = ystr(&d->docs[i], NULL, "kind");

		if (k && !strcmp(k, kind))
			return &d->docs[i];
	}
	cr_assert(kind == NULL, "no %s in the manifest", kind);
	return NULL;
}

#endif /* MT_YAML_DOC_H */
