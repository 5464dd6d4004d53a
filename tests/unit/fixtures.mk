# ELF files the symbolizer unit tests read, built into $(OUTPUT)/fixtures:
#   libfixture.so           shared library with known functions (.symtab)
#   fixture_pie             program linked against it, PIE
#   fixture_nopie           the same program, non-PIE
#   stripped/libfixture.so  strip --strip-all copy: only .dynsym left; the
#                           tests load it in place of the other through
#                           LD_LIBRARY_PATH (it wins over DT_RUNPATH)
#   libfixture_partial.so   lib_func_b removed from .symtab, kept in .dynsym
#   libnofunc.so            a library without any function symbol
#   libcxx.so               C++ library (g++, -g): mangled names to demangle,
#                           DWARF functions inside a namespace
#   dwarf/...               fixture_dwarf.c (-g, an inlined call) as built,
#                           and stripped with its debug info elsewhere:
#                           split/ (debuglink to .debug/), buildid/ (only
#                           debugroot/.build-id/), rootlink/ (debuglink to
#                           debugroot/<its dir>/), zlib/ (compressed
#                           sections), badcrc/ (debuglink to another file),
#                           cycle/ (debuglink naming itself)
# libfixture.so carries the known build ID FIXTURE_BUILD_ID (the tests get it
# as MT_FIXTURE_BUILD_ID); libnofunc.so carries none.
# Included by the top-level Makefile (OUTPUT, CC, Q, msg come from there).

FIXTURE_DIR := $(OUTPUT)/fixtures
FIXTURE_SRC := tests/unit/fixtures
STRIP ?= strip
OBJCOPY ?= objcopy
# -fno-inline keeps every function the tests name; no -g: tests read
# symbols, and debug sections would only slow them
FIXTURE_CFLAGS := -O1 -fno-inline -Wall -Wextra -Werror -D_GNU_SOURCE
# new dtags: DT_RUNPATH, so LD_LIBRARY_PATH can swap in the stripped copy
FIXTURE_BUILD_ID := 5eed0fbf1c2d3e4f5061728394a5b6c7d8e9fa0b
FIXTURE_LDFLAGS := -L$(FIXTURE_DIR) -lfixture -Wl,--enable-new-dtags,-rpath,'$$ORIGIN'

FIXTURES := $(FIXTURE_DIR)/libfixture.so $(FIXTURE_DIR)/fixture_pie \
	$(FIXTURE_DIR)/fixture_nopie $(FIXTURE_DIR)/stripped/libfixture.so \
	$(FIXTURE_DIR)/libfixture_partial.so $(FIXTURE_DIR)/libnofunc.so \
	$(FIXTURE_DIR)/libcxx.so

fixtures: $(FIXTURES)

# every fixture is rebuilt when these rules change
FIXTURE_MK := tests/unit/fixtures.mk

$(FIXTURE_DIR)/libfixture.so: $(FIXTURE_SRC)/fixture_lib.c $(FIXTURE_MK) | $(FIXTURE_DIR)
	$(call msg,CC-FIX,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIC -shared -Wl,-soname,libfixture.so \
		-Wl,--build-id=0x$(FIXTURE_BUILD_ID) $< -o $@

$(FIXTURE_DIR)/stripped/libfixture.so: $(FIXTURE_DIR)/libfixture.so
	$(call msg,STRIP,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(STRIP) --strip-all $< -o $@

$(FIXTURE_DIR)/libfixture_partial.so: $(FIXTURE_DIR)/libfixture.so
	$(call msg,OBJCOPY,$@)
	$(Q)$(OBJCOPY) --strip-symbol=lib_func_b $< $@

$(FIXTURE_DIR)/libnofunc.so: $(FIXTURE_SRC)/fixture_nofunc.c $(FIXTURE_MK) | $(FIXTURE_DIR)
	$(call msg,CC-FIX,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIC -shared -nostdlib -Wl,--build-id=none $< -o $@

$(FIXTURE_DIR)/fixture_pie: $(FIXTURE_SRC)/fixture_prog.c $(FIXTURE_DIR)/libfixture.so $(FIXTURE_MK)
	$(call msg,CC-FIX,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIE -pie $< $(FIXTURE_LDFLAGS) -o $@

$(FIXTURE_DIR)/fixture_nopie: $(FIXTURE_SRC)/fixture_prog.c $(FIXTURE_DIR)/libfixture.so $(FIXTURE_MK)
	$(call msg,CC-FIX,$@)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fno-pie -no-pie $< $(FIXTURE_LDFLAGS) -o $@

CXX ?= g++
$(FIXTURE_DIR)/libcxx.so: $(FIXTURE_SRC)/fixture_cxx.cpp $(FIXTURE_MK) | $(FIXTURE_DIR)
	$(call msg,CXX-FIX,$@)
	$(Q)$(CXX) -O1 -g -fno-inline -Wall -Wextra -Werror -fPIC -shared $< -o $@
# unwind-table fixtures (test_eh_frame): the same code without frame
# pointers, with them, and with .debug_frame alone (no .eh_frame)
UNWIND_FIXTURES := $(FIXTURE_DIR)/unwind_nofp $(FIXTURE_DIR)/unwind_fp \
	$(FIXTURE_DIR)/unwind_debug_frame
fixtures: $(UNWIND_FIXTURES)
$(FIXTURE_DIR)/unwind_nofp: FIXTURE_UNWIND_FLAGS := -fomit-frame-pointer
$(FIXTURE_DIR)/unwind_fp: FIXTURE_UNWIND_FLAGS := -fno-omit-frame-pointer
$(FIXTURE_DIR)/unwind_debug_frame: FIXTURE_UNWIND_FLAGS := -fomit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -g
$(UNWIND_FIXTURES): $(FIXTURE_SRC)/fixture_unwind.c $(FIXTURE_MK) | $(FIXTURE_DIR)
	$(call msg,CC-FIX,$@)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror $(FIXTURE_UNWIND_FLAGS) $< -o $@

# ---- debug info: one -g program, its debug info kept in the ways distros do
DWARF_DIR := $(FIXTURE_DIR)/dwarf
DWARF_ROOT := $(DWARF_DIR)/debugroot
DWARF_FIXTURES := $(DWARF_DIR)/dwarf_prog $(DWARF_DIR)/split/dwarf_prog \
	$(DWARF_DIR)/buildid/dwarf_prog $(DWARF_DIR)/rootlink/dwarf_prog \
	$(DWARF_DIR)/zlib/dwarf_prog $(DWARF_DIR)/badcrc/dwarf_prog \
	$(DWARF_DIR)/cycle/dwarf_prog
fixtures: $(DWARF_FIXTURES)

$(DWARF_DIR)/dwarf_prog: $(FIXTURE_SRC)/fixture_dwarf.c $(FIXTURE_MK) | $(FIXTURE_DIR)
	$(call msg,CC-FIX,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Werror -fPIE -pie -Wl,--build-id $< -o $@

$(DWARF_DIR)/dwarf_prog.debug: $(DWARF_DIR)/dwarf_prog
	$(Q)$(OBJCOPY) --only-keep-debug $< $@

# debuglink to split/.debug/dwarf_prog.debug
$(DWARF_DIR)/split/dwarf_prog: $(DWARF_DIR)/dwarf_prog $(DWARF_DIR)/dwarf_prog.debug
	$(call msg,SPLIT,$@)
	$(Q)mkdir -p $(@D)/.debug
	$(Q)cp $(DWARF_DIR)/dwarf_prog.debug $(@D)/.debug/dwarf_prog.debug
	$(Q)$(STRIP) --strip-all $< -o $@.tmp
	$(Q)$(OBJCOPY) --add-gnu-debuglink=$(@D)/.debug/dwarf_prog.debug $@.tmp $@
	$(Q)rm -f $@.tmp

# no debuglink: only debugroot/.build-id/xx/rest.debug finds it
$(DWARF_DIR)/buildid/dwarf_prog: $(DWARF_DIR)/dwarf_prog $(DWARF_DIR)/dwarf_prog.debug
	$(call msg,SPLIT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(STRIP) --strip-all $< -o $@
	$(Q)id=$$(readelf -n $< | sed -n 's/.*Build ID: *//p'); \
		mkdir -p $(DWARF_ROOT)/.build-id/$$(echo $$id | cut -c1-2) && \
		cp $(DWARF_DIR)/dwarf_prog.debug \
		$(DWARF_ROOT)/.build-id/$$(echo $$id | cut -c1-2)/$$(echo $$id | cut -c3-).debug

# debuglink found under debugroot/<absolute dir of the binary>/ (the
# build ID is removed so that only the debuglink can find it)
$(DWARF_DIR)/rootlink/dwarf_prog: $(DWARF_DIR)/dwarf_prog $(DWARF_DIR)/dwarf_prog.debug
	$(call msg,SPLIT,$@)
	$(Q)mkdir -p $(@D) $(DWARF_ROOT)$(abspath $(@D))
	$(Q)cp $(DWARF_DIR)/dwarf_prog.debug $(DWARF_ROOT)$(abspath $(@D))/dwarf_prog.debug
	$(Q)$(STRIP) --strip-all --remove-section=.note.gnu.build-id $< -o $@.tmp
	$(Q)$(OBJCOPY) --add-gnu-debuglink=$(DWARF_DIR)/dwarf_prog.debug $@.tmp $@
	$(Q)rm -f $@.tmp

$(DWARF_DIR)/zlib/dwarf_prog: $(DWARF_DIR)/dwarf_prog
	$(call msg,OBJCOPY,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(OBJCOPY) --compress-debug-sections=zlib $< $@

# a debuglink whose file beside it is another one (the CRC differs)
$(DWARF_DIR)/badcrc/dwarf_prog: $(DWARF_DIR)/dwarf_prog $(DWARF_DIR)/dwarf_prog.debug
	$(call msg,SPLIT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(STRIP) --strip-all --remove-section=.note.gnu.build-id $< -o $@.tmp
	$(Q)$(OBJCOPY) --add-gnu-debuglink=$(DWARF_DIR)/dwarf_prog.debug $@.tmp $@
	$(Q)$(OBJCOPY) --compress-debug-sections=zlib $(DWARF_DIR)/dwarf_prog.debug $(@D)/dwarf_prog.debug
	$(Q)rm -f $@.tmp

# a debuglink naming the binary itself
$(DWARF_DIR)/cycle/dwarf_prog: $(DWARF_DIR)/dwarf_prog
	$(call msg,SPLIT,$@)
	$(Q)mkdir -p $(@D)/.src
	$(Q)$(STRIP) --strip-all --remove-section=.note.gnu.build-id $< -o $(@D)/.src/dwarf_prog
	$(Q)$(OBJCOPY) --add-gnu-debuglink=$(@D)/.src/dwarf_prog $(@D)/.src/dwarf_prog $@
	$(Q)rm -rf $(@D)/.src
