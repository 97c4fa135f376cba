# tconv - plain GNU make. `make help` lists the targets.
#
# Probes: nvcc (CUDA backend; without it the library builds with the CPU backend only) and
# CUnit (tests; installed with apt-get when running as root, otherwise the command is shown).

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
REQUIRE_GPU ?= 0
CC ?= cc
ifeq ($(origin CC),default)
CC := cc
endif

ifneq ($(filter-out 0 1,$(REQUIRE_GPU)),)
$(error REQUIRE_GPU must be 0 or 1, not '$(REQUIRE_GPU)')
endif

# ---- version (from the header, the one place it is written) --------------------------------
version_part = $(shell sed -n 's/^\#define TCONV_VERSION_$(1) \([0-9]*\).*/\1/p' include/tconv.h)
VERSION_MAJOR := $(call version_part,MAJOR)
VERSION_MINOR := $(call version_part,MINOR)
VERSION_PATCH := $(call version_part,PATCH)
VERSION := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)

# ---- probes --------------------------------------------------------------------------------
CUDA_HOME ?= $(firstword $(wildcard /usr/local/cuda /usr/local/cuda-13.0 /opt/cuda))
NVCC ?= $(firstword $(shell command -v nvcc 2>/dev/null) $(wildcard $(CUDA_HOME)/bin/nvcc))
ifeq ($(NVCC),)
HAVE_CUDA := 0
else
HAVE_CUDA := 1
CUDA_HOME := $(abspath $(dir $(NVCC))/..)
endif

# CUnit: system headers, or a prefix holding include/ and lib/ (e.g. unpacked .debs).
CUNIT_DIR ?=
ifneq ($(CUNIT_DIR),)
CUNIT_CFLAGS := -I$(CUNIT_DIR)/include
CUNIT_LIBDIR := $(firstword $(wildcard $(CUNIT_DIR)/lib/x86_64-linux-gnu $(CUNIT_DIR)/lib))
CUNIT_LIBS := -L$(CUNIT_LIBDIR) -Wl,-rpath,$(abspath $(CUNIT_LIBDIR)) -lcunit
CUNIT_HEADER := $(CUNIT_DIR)/include/CUnit/CUnit.h
else
CUNIT_CFLAGS :=
CUNIT_LIBS := -lcunit
CUNIT_HEADER := /usr/include/CUnit/CUnit.h
endif
CUNIT_DEB := libcunit1-dev

# ---- flags ---------------------------------------------------------------------------------
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -Werror $(CFLAGS) -fPIC \
              -fvisibility=hidden -Iinclude -Ihost -Icuda -MMD -MP
NVCCFLAGS ?= -O3 -lineinfo
ALL_NVCCFLAGS := -std=c++17 $(NVCCFLAGS) -Iinclude -Ihost \
                 -Xcompiler -fPIC,-fvisibility=hidden,-Wall \
                 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 \
                 -MMD -MP
LDLIBS_LIB := -lm -lpthread
# cuBLAS is not linked: cuda/cublas_api.cu loads it when the first CUDA context is made, from
# the soname and then from this toolkit's lib64 (cuda/cublas_api.h says why).
ifeq ($(HAVE_CUDA),1)
LDLIBS_LIB += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcudart -ldl -lstdc++
ALL_NVCCFLAGS += -DTCONV_CUDA_LIBDIR='"$(CUDA_HOME)/lib64"'
endif

# ---- sources -------------------------------------------------------------------------------
HOST_SRC := $(filter-out host/nocuda.c,$(wildcard host/*.c))
ifeq ($(HAVE_CUDA),1)
CUDA_SRC := $(wildcard cuda/*.cu)
else
CUDA_SRC :=
HOST_SRC += host/nocuda.c
endif
LIB_OBJ := $(HOST_SRC:%.c=$(BUILD)/obj/%.o) $(CUDA_SRC:%.cu=$(BUILD)/obj/%.o)
TOOL_SRC := $(wildcard tools/*.c)
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(wildcard tests/*.c)
# C++ test files: host emulations of the CUDA kernels' thread blocks (tests/*_emu.cpp).
TEST_CXX_SRC := $(wildcard tests/*.cpp)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o) $(TEST_CXX_SRC:%.cpp=$(BUILD)/obj/%.o)

LIB_A := $(BUILD)/lib/libtconv.a
LIB_SO := $(BUILD)/lib/libtconv.so
CLI := $(BUILD)/bin/tconv
TEST_BIN := $(BUILD)/bin/tconv-tests

# Libraries the CLI's tools/*.c need (the test binary links those files too); mk/*.mk add to it.
CLI_LDLIBS :=

# ---- targets -------------------------------------------------------------------------------
.PHONY: all lib cli demo test gpu-check clean help probe deps-test

all: probe lib cli

help:
	@echo "targets: all lib cli demo test gpu-check examples install uninstall check fuzz"
	@echo "         format-check bench-cpu clean"
	@echo "  make demo                the worked examples through the library"
	@echo "  make test                every CUnit suite (GPU suites skipped without a device)"
	@echo "  make test REQUIRE_GPU=1  fail instead of skipping the GPU suites"
	@echo "  make gpu-check           GPU tests, compute-sanitizer, benchmark (needs a GPU)"
	@echo "  make bench               tconv vs cuDNN on the suite of bench/suite.c"
	@echo "                           (also bench-build, bench-chart CSV=F)"
	@echo "  make kernel-report       static sm_90 figures of every kernel and the model"
	@echo "                           (bench/MODEL.md)"
	@echo "  make format-check        the files clang-format 14 would change (.clang-format)"
	@echo "  make bench-cpu           the CPU backend vs PyTorch's CPU convolution, BENCH.md's CPU suite"

probe:
	@echo "tconv $(VERSION)"
	@if [ "$(HAVE_CUDA)" = 1 ]; then echo "  ✓ nvcc: $(NVCC) (CUDA backend, sm_90 + PTX)"; \
	 else echo "  ✗ nvcc not found: CPU backend only (set NVCC= to point at one)"; fi
	@if [ -f "$(CUNIT_HEADER)" ]; then echo "  ✓ CUnit: $(CUNIT_HEADER)"; \
	 else echo "  ✗ CUnit not found (needed by make test: $(CUNIT_DEB))"; fi

lib: $(LIB_A) $(LIB_SO)
cli: $(CLI)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.cu
	@mkdir -p $(@D)
	$(NVCC) $(ALL_NVCCFLAGS) -c $< -o $@

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The shared library is built as libtconv.so.MAJOR.MINOR.PATCH (soname libtconv.so.MAJOR);
# libtconv.so.MAJOR (the loader's name) and libtconv.so (the linker's) are symlinks to it.
$(LIB_SO).$(VERSION): $(LIB_OBJ) host/tconv.map
	@mkdir -p $(@D)
	$(CC) -shared -o $@ $(LIB_OBJ) -Wl,-soname,libtconv.so.$(VERSION_MAJOR) \
	  -Wl,--version-script=host/tconv.map $(LDLIBS_LIB)

$(LIB_SO).$(VERSION_MAJOR) $(LIB_SO): $(LIB_SO).$(VERSION)
	ln -sfn $(<F) $@

$(LIB_SO): $(LIB_SO).$(VERSION_MAJOR)

$(CLI): $(TOOL_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $(TOOL_OBJ) $(LIB_A) $(CLI_LDLIBS) $(LDLIBS_LIB)

demo: $(CLI)
	$(CLI) demo

# Test objects need the CUnit header: install it first when we can.
$(TEST_OBJ): | deps-test
$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CUNIT_CFLAGS) -Itools -Ibench -c $< -o $@

CXX ?= c++
ifeq ($(origin CXX),default)
CXX := c++
endif
# The emulators instantiate every kernel configuration: at -O1 with line tables only they
# compile in half the time (igemm_tc_emu.cpp: 52 s -> 25 s of CPU) and run the suites as fast.
EMU_CXXFLAGS ?= -O1 -g1
ALL_CXXFLAGS := -std=c++17 $(filter-out -Wstrict-prototypes -Wmissing-prototypes,$(WARN)) -Werror \
                $(CFLAGS) $(EMU_CXXFLAGS) -Iinclude -Ihost -Icuda -MMD -MP
$(BUILD)/obj/tests/%.o: tests/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

# What the test suites need from Debian (mk/deps.mk): CUnit's headers, pkg-config (the
# install test).
CUNIT_HINT := echo "(or point CUNIT_DIR= at a prefix holding include/CUnit and lib/)"
deps-test:
	@$(call deps_ensure,[ -f "$(CUNIT_HEADER)" ],$(CUNIT_DEB),CUnit (make test),$(CUNIT_HINT))
	@$(call deps_ensure,command -v pkg-config >/dev/null,pkgconf,pkg-config (make test))

# The benchmark's layer table (plain C, no cuDNN), for the suites that plan those layers.
TEST_BENCH_OBJ := $(BUILD)/obj/tests/bench_suite.o
$(TEST_BENCH_OBJ): bench/suite.c | deps-test
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(TEST_BIN): $(TEST_OBJ) $(TEST_BENCH_OBJ) $(filter-out $(BUILD)/obj/tools/tconv.o,$(TOOL_OBJ)) \
             $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(CUNIT_LIBS) $(CLI_LDLIBS) $(LDLIBS_LIB) -lstdc++

test: probe $(TEST_BIN) $(CLI)
	TCONV_REQUIRE_GPU=$(REQUIRE_GPU) TCONV_CLI=$(CLI) TCONV_TEST_DATA=tests/data \
	  $(TEST_BIN)

gpu-check:
	./ci/gpu-check.sh

clean:
	rm -rf $(BUILD)

# Feature fragments: each mk/*.mk adds its own targets and flags.
include $(sort $(wildcard mk/*.mk))

-include $(LIB_OBJ:.o=.d) $(TOOL_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(TEST_BENCH_OBJ:.o=.d)
