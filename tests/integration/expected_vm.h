/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What tests/workloads/mapper.c maps and touches, in pages, shared with
 * the kernel-event tests. Change both together. */
#ifndef MT_EXPECTED_VM_H
#define MT_EXPECTED_VM_H

#define VM_ANON_PAGES 64	  /* map_anon: one private anonymous mapping */
#define VM_TOUCH_PAGES 10	  /* touch_pages: first touches in it */
#define VM_SPLIT_PAGES 32	  /* map_split: a mapping ... */
#define VM_SPLIT_HOLE_AT 8	  /* ... with a hole unmapped from this page */
#define VM_SPLIT_HOLE_PAGES 8	  /* ... of this many pages */
#define VM_SPAN_PAGES 16	  /* map_span_a: a mapping ... */
#define VM_SPAN_B_AT 4		  /* map_span_b: MAP_FIXED over part of it, from here */
#define VM_SPAN_B_PAGES 4
#define VM_SPAN_UNMAP_AT 2	  /* then one munmap across both, from here */
#define VM_SPAN_UNMAP_PAGES 8	  /* ... to page 10: a keeps 2 + 6, b keeps nothing */
#define VM_REMAP_PAGES 8	  /* map_remap_src: mapped, then grown by remap_grow ... */
#define VM_REMAP_GROWN_PAGES 24	  /* ... to this, moving it */
#define VM_SHRINK_PAGES 16	  /* map_shrink_src: mapped, then shrunk by remap_shrink ... */
#define VM_SHRUNK_PAGES 4	  /* ... to this */
#define VM_BRK_PAGES 5		  /* grow_brk: brk() moved up by this many pages */
#define VM_FILE_PAGES 16	  /* map_file: a private file mapping */
#define VM_SHARED_PAGES 3	  /* map_shared: a shared anonymous mapping */
#define VM_THREADS 4		  /* start_threads: blocked threads */
#define VM_BIG_MALLOC_COUNT 3	  /* big_malloc: mallocs glibc serves with mmap */
#define VM_BIG_MALLOC_SIZE (1024 * 1024)

#endif /* MT_EXPECTED_VM_H */
