# memtrail: vmlinux.h -> bpf/*.bpf.c -> .bpf.o -> skeleton -> user/*.c -> memtrail
#
#   make            build ./memtrail
#   make test       unit tests, then integration tests (root, real BPF)
#   make demo       trace the bundled leaky program and print the report
#   make bench      overhead benchmark (tools/bench)
#   make vmtest     integration tests on other kernels under qemu (tools/vmtest)
#   make fuzz       libFuzzer + ASan/UBSan on every input parser (tools/fuzz)
#   make deps       install every build and test dependency (Debian 12)
#   make vmlinux    regenerate vmlinux/$(ARCH)/vmlinux.h from this kernel's BTF

OUTPUT := .output
CLANG ?= clang
CC ?= cc
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed 's/x86_64/x86/' | sed 's/aarch64/arm64/')
VMLINUX := vmlinux/$(ARCH)/vmlinux.h

CFLAGS ?= -O2 -g
WARNFLAGS := -Wall -Wextra -Werror
USER_CFLAGS := $(CFLAGS) $(WARNFLAGS) -std=gnu11 -D_GNU_SOURCE -MMD -MP \
	-I$(OUTPUT) -Ibpf -Iuser
LIBS := -lbpf -ldw -lelf -liberty -lz -lm -lmicrohttpd -pthread
# -mcpu=v3: compare-and-swap and exchange (live_table.bpf.c)
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I$(dir $(VMLINUX)) -Ibpf
# the system headers clang -target bpf lacks (asm/types.h, ...)
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

# the feature probes have their own object and skeleton (kernel_features.c)
PROBE_SRCS := bpf/feature_probes.bpf.c
BPF_SRCS := $(filter-out $(PROBE_SRCS),$(wildcard bpf/*.bpf.c))
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(OUTPUT)/memtrail.skel.h $(OUTPUT)/feature_probes.skel.h
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/%.o,$(USER_SRCS))
LIB_OBJS := $(filter-out $(OUTPUT)/main.o,$(USER_OBJS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
INTEG_SRCS := $(wildcard tests/integration/test_*.c)
INTEG_BINS := $(patsubst tests/integration/%.c,$(OUTPUT)/tests/%,$(INTEG_SRCS))
WORKLOAD_SRCS := $(wildcard tests/workloads/*.c)
WORKLOADS := $(patsubst tests/workloads/%.c,$(OUTPUT)/workloads/%,$(WORKLOAD_SRCS))
TEST_LIBS := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion) -ljansson -lyaml

ifeq ($(V),1)
	Q =
	msg =
else
	Q = @
	msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all test unit integration vmtest demo bench deps deps-build print-build-deps print-libs vmlinux clean fixtures

all: memtrail

memtrail: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(OUTPUT) $(OUTPUT)/tests $(OUTPUT)/workloads $(OUTPUT)/fixtures:
	$(Q)mkdir -p $@

$(OUTPUT)/%.bpf.o: bpf/%.bpf.c $(VMLINUX) | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(CLANG_BPF_SYS_INCLUDES) -MMD -MP -c $< -o $@

# all BPF objects linked into one object, one skeleton
$(OUTPUT)/memtrail.bpf.o: $(filter-out $(OUTPUT)/memtrail.bpf.o,$(BPF_OBJS))
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/memtrail.skel.h: $(OUTPUT)/memtrail.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name memtrail_bpf > $@

# linked alone too: the linker drops the DWARF the skeleton would embed
$(OUTPUT)/feature_probes.linked.bpf.o: $(OUTPUT)/feature_probes.bpf.o
	$(call msg,LINK-BPF,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/feature_probes.skel.h: $(OUTPUT)/feature_probes.linked.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name feature_probes_bpf > $@

# tracer.c and kernel_features.c include the skeletons; every user object
# waits for them so that a clean parallel build never compiles against a
# missing header
$(OUTPUT)/%.o: user/%.c $(SKELS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(USER_CFLAGS) -c $< -o $@

# the flame graph page is assembled into out_html.o (.incbin)
$(OUTPUT)/out_html.o: user/html/flamegraph.html

# ---- tests -----------------------------------------------------------------

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_OBJS) | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests $< $(LIB_OBJS) $(LIBS) $(TEST_LIBS) -pthread -o $@

$(OUTPUT)/tests/%: tests/integration/%.c tests/integration/harness.h tests/integration/counted.h | $(OUTPUT)/tests
	$(call msg,CC-TEST,$@)
	$(Q)$(CC) $(USER_CFLAGS) -Itests $< $(TEST_LIBS) -o $@

# test_check loads an fentry program of its own, to check --check against
$(OUTPUT)/tests/test_check: TEST_LIBS += -lbpf
# the sampling test computes the estimates' standard deviations
$(OUTPUT)/tests/test_sampling: TEST_LIBS += -lm

# workloads keep frame pointers and their named functions, so that the
# stacks the tests assert on are the stacks the code has, and every
# allocator call they make (-fno-builtin: gcc may drop a malloc/free pair)
WORKLOAD_CFLAGS := -O1 -g -fno-omit-frame-pointer -fno-optimize-sibling-calls \
	-fno-inline -fno-builtin -Wall -Wextra -Werror -D_GNU_SOURCE -pthread
# (-MMD: rebuilt when a header they share with the tests, expected.h, changes)
$(OUTPUT)/workloads/%: tests/workloads/%.c | $(OUTPUT)/workloads
	$(call msg,CC-WORK,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -MMD -MP $< -o $@

# faults are attributed to the instruction that touches the page; gcc
# sets up no frame in a leaf function at -O1, whatever the flags say
$(OUTPUT)/workloads/mapper: WORKLOAD_CFLAGS += -O0

# the unwinding tests' workload: the code most distributions ship, with
# no frame pointers (the sources keep their call chains themselves)
$(OUTPUT)/workloads/nofp_chain $(OUTPUT)/workloads/long_chain: WORKLOAD_CFLAGS := -O2 -g -fomit-frame-pointer -fno-builtin \
	-Wall -Wextra -Werror -D_GNU_SOURCE -pthread

# the same leaks in a static executable (it provides malloc itself), and
# a stripped copy (nothing names malloc: memtrail must refuse it)
$(OUTPUT)/workloads/leaky_static: tests/workloads/leaky.c | $(OUTPUT)/workloads
	$(call msg,CC-WORK,$@)
	$(Q)$(CC) $(WORKLOAD_CFLAGS) -MMD -MP -static $< -o $@
$(OUTPUT)/workloads/leaky_static_stripped: $(OUTPUT)/workloads/leaky_static
	$(call msg,STRIP,$@)
	$(Q)strip --strip-all $< -o $@
WORKLOADS += $(OUTPUT)/workloads/leaky_static $(OUTPUT)/workloads/leaky_static_stripped

# Java workloads (test_java): classes beside the C workloads
JAVAC ?= javac
$(OUTPUT)/workloads/%.class: tests/workloads/%.java | $(OUTPUT)/workloads
	$(call msg,JAVAC,$@)
	$(Q)$(JAVAC) -d $(OUTPUT)/workloads $<
WORKLOADS += $(patsubst tests/workloads/%.java,$(OUTPUT)/workloads/%.class,$(wildcard tests/workloads/*.java))

# ELF files the symbolizer unit tests read (built, never checked in)
include tests/unit/fixtures.mk
include tools/fuzz/fuzz.mk

TEST_ENV := MT_FIXTURES=$(OUTPUT)/fixtures MT_BIN=$(CURDIR)/memtrail MT_REPO=$(CURDIR) \
	MT_WORKLOADS=$(CURDIR)/$(OUTPUT)/workloads MT_FIXTURE_BUILD_ID=$(FIXTURE_BUILD_ID)

unit: $(UNIT_BINS) fixtures
	$(Q)$(TEST_ENV) tests/run-suites.sh $(UNIT_BINS)

integration: memtrail $(INTEG_BINS) $(WORKLOADS)
	$(Q)$(TEST_ENV) tests/run-suites.sh $(INTEG_BINS)

# the integration suite again in a guest of each kernel series, where the
# kprobe and fentry attach paths exist (tools/vmtest; a few minutes each)
# test_java is left out: it checks user-space symbolization only, and a
# JVM under qemu's emulation takes minutes to start
VMTEST_KERNELS ?= 6.1 6.12
# ... and once more booted with preempt=full (tools/vmtest/suite.sh)
VMTEST_PREEMPT_KERNELS ?= 6.12
# test_formats is left out too: it checks what other tools (go, Chromium)
# make of the output, and Chromium under emulation takes minutes as well;
# and test_serve: its HTTP side is kernel-independent (the --cgroup tracing
# under it has its own suite there), and its 150 churn rounds of fork, exec
# and curl take minutes under emulation
VMTEST_BINS := $(filter-out $(OUTPUT)/tests/test_java $(OUTPUT)/tests/test_formats \
	$(OUTPUT)/tests/test_serve,$(INTEG_BINS))
vmtest: memtrail $(VMTEST_BINS) $(WORKLOADS)
	$(Q)VMTEST_PREEMPT_KERNELS="$(VMTEST_PREEMPT_KERNELS)" tools/vmtest/suite.sh "$(VMTEST_KERNELS)" \
		env $(TEST_ENV) tests/run-suites.sh $(VMTEST_BINS)

# one run, one closing line for every suite
test: memtrail $(UNIT_BINS) fixtures $(INTEG_BINS) $(WORKLOADS)
	$(Q)$(TEST_ENV) tests/run-suites.sh $(UNIT_BINS) $(INTEG_BINS)

demo: memtrail $(OUTPUT)/workloads/leaky
	./memtrail --top 5 -- $(OUTPUT)/workloads/leaky

bench: memtrail
	$(MAKE) -C tools/bench run MEMTRAIL=$(CURDIR)/memtrail

# What building memtrail takes: the compilers, and a -dev package for each
# library in LIBS (the image's build stage installs these alone, and
# tests/unit/test_k8s.c checks that each -l has its package here).
BUILD_DEPS := make clang llvm gcc g++ libc6-dev binutils bpftool pkg-config \
	libbpf-dev libelf-dev zlib1g-dev libdw-dev libiberty-dev libmicrohttpd-dev

deps-build:
	apt-get install -y --no-install-recommends $(BUILD_DEPS)

# the packages of BUILD_DEPS and the libraries memtrail links (tests)
print-build-deps:
	@echo $(BUILD_DEPS)
print-libs:
	@echo $(LIBS)

# libyaml: the k8s manifest tests parse the YAML with a real parser
deps:
	apt-get update
	apt-get install -y --no-install-recommends $(BUILD_DEPS) \
		openjdk-17-jdk-headless \
		libcriterion-dev libjansson-dev libyaml-dev curl \
		musl libjemalloc2 libtcmalloc-minimal4 \
		golang-go chromium \
		qemu-system-x86 busybox-static cpio kmod xz-utils zstd \
		libclang-rt-14-dev

vmlinux:
	tools/gen-vmlinux.sh $(VMLINUX)

clean:
	rm -rf $(OUTPUT) memtrail
	$(MAKE) -C tools/bench clean

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/tests/*.d $(OUTPUT)/workloads/*.d)
