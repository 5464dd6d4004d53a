# libFuzzer + AddressSanitizer + UBSan targets, one per parser of hostile
# input (tools/fuzz). Each links the project's own objects, rebuilt with
# the sanitizers into $(OUTPUT)/fuzz/obj, never a copy of the parser.
#   make fuzz                 replay regressions, then fuzz each target
#   make fuzz FUZZ_SECONDS=N  fuzzing time per target (default 60)
#   make fuzz FUZZERS=elf     only these targets
# Included by the top-level Makefile (OUTPUT, Q, msg, CLANG come from there).

FUZZ_DIR := tools/fuzz
FUZZ_OUT := $(OUTPUT)/fuzz
FUZZ_SECONDS ?= 60
# per input: a parser that takes longer on a small file is a bug
FUZZ_TIMEOUT ?= 10
FUZZERS ?= elf maps smaps symbolize perf_map demangle eh_frame unwind debuglink dwarf

# -fno-sanitize-recover: a UBSan finding is a crash libFuzzer reports
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer $(FUZZ_SAN) $(WARNFLAGS) \
	-std=gnu11 -D_GNU_SOURCE -MMD -MP -I$(OUTPUT) -Ibpf -Iuser -I$(FUZZ_DIR)

# the project objects each target links (its parser and what it calls;
# a parser that starts calling another module needs it added here)
FUZZ_OBJS_elf := elf_file debuglink plt prologue x86_insn
FUZZ_OBJS_maps := procfs
FUZZ_OBJS_smaps := smaps procfs
FUZZ_OBJS_symbolize := symbolize elf_file procfs demangle perf_map proc_ids proc_root debuglink dwarf_info
FUZZ_OBJS_perf_map := perf_map
FUZZ_OBJS_demangle := demangle
FUZZ_OBJS_eh_frame := eh_frame
FUZZ_OBJS_unwind := unwind_table eh_frame
FUZZ_OBJS_debuglink := debuglink
FUZZ_OBJS_dwarf := dwarf_info
# the input size libFuzzer grows inputs to
FUZZ_MAXLEN_elf := 65536
FUZZ_MAXLEN_maps := 16384
FUZZ_MAXLEN_smaps := 16384
FUZZ_MAXLEN_symbolize := 65536
FUZZ_MAXLEN_perf_map := 16384
FUZZ_MAXLEN_demangle := 4200
FUZZ_MAXLEN_eh_frame := 16384
FUZZ_MAXLEN_unwind := 65536
FUZZ_MAXLEN_debuglink := 512
FUZZ_MAXLEN_dwarf := 65536

FUZZ_BINS := $(patsubst %,$(FUZZ_OUT)/fuzz_%,$(FUZZERS))

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

$(FUZZ_OUT)/obj/%.o: user/%.c | $(OUTPUT)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

define fuzz_target
$(FUZZ_OUT)/fuzz_$(1): $(FUZZ_DIR)/fuzz_$(1).c $(patsubst %,$(FUZZ_OUT)/obj/%.o,$(FUZZ_OBJS_$(1)))
	$$(call msg,LINK-FZ,$$@)
	$$(Q)$$(CLANG) $$(FUZZ_CFLAGS) -fsanitize=fuzzer $$(filter %.c %.o,$$^) $$(LIBS) -o $$@
endef
$(foreach f,$(FUZZERS),$(eval $(call fuzz_target,$(f))))

# fails on the first crash, leak, timeout or oversized allocation
fuzz: $(FUZZ_BINS)
	$(Q)$(foreach f,$(FUZZERS),$(FUZZ_DIR)/run.sh $(f) $(FUZZ_OUT)/fuzz_$(f) \
		$(FUZZ_SECONDS) $(FUZZ_MAXLEN_$(f)) $(FUZZ_TIMEOUT) $(FUZZ_OUT) &&) true

-include $(wildcard $(FUZZ_OUT)/*.d $(FUZZ_OUT)/obj/*.d)
