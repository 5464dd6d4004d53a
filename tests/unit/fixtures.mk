# ELF files the symbolizer unit tests read, built into $(OUTPUT)/fixtures:
#   libfixture.so           shared library with known functions (.symtab)
#   fixture_pie             program linked against it, PIE
#   fixture_nopie           the same program, non-PIE
#   stripped/libfixture.so  strip --strip-all copy: only .dynsym left; the
#                           tests load it in place of the other through
#                           LD_LIBRARY_PATH (it wins over DT_RUNPATH)
#   libfixture_partial.so   lib_func_b removed from .symtab, kept in .dynsym
#   libnofunc.so            a library without any function symbol
#   libcxx.so               C++ library (g++): mangled names to demangle
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
	$(Q)$(CXX) -O1 -fno-inline -Wall -Wextra -Werror -fPIC -shared $< -o $@
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
