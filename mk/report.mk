# mk/report.mk - the kernels' static report and the model of the suite (bench/kernel_report.py).
#
#   make kernel-report             compiles every cuda/*.cu for sm_90 into $(BUILD)/report/
#                                  (cubin + ptxas -v log), builds tconv-plans (AUTO's launch of
#                                  each suite layer, host/algos.h; the tensor-core kernels'
#                                  dynamic shared memory), then prints the report and writes it
#                                  to $(MODEL_MD): per kernel registers, spills, stack, shared
#                                  memory, occupancy on an H100 SXM; the main loops' instruction
#                                  mix (FFMA, HMMA); the suite's static targets; the MODEL.
#                                  Also writes $(IGEMM_FIGURES) (committed; the library
#                                  builds without these tools): the FFMA implicit-GEMM kernels'
#                                  main-loop FFMA share and blocks/SM, which AUTO's choice weighs
#   make kernel-report MEASURED=F  sets a tconv-bench CSV's measured TFLOP/s beside the model
#
# Needs nvcc, python3, c++filt, and cuobjdump + nvdisasm: from the toolkit's bin/ when it has
# them, else from the PyPI packages nvidia-cuda-cuobjdump / nvidia-cuda-nvdisasm, which the
# rule installs into $(SASS_DEPS) (git-ignored) with pip. No GPU.

REPORT_DIR := $(BUILD)/report
SASS_DEPS := .deps/sass-tools
SASS_TOOLS_VERSION := 13.2.86
SASS_WHEEL_BIN := $(SASS_DEPS)/nvidia/cu13/bin
SASS_BIN = $(if $(wildcard $(CUDA_HOME)/bin/nvdisasm),$(if $(wildcard \
  $(CUDA_HOME)/bin/cuobjdump),$(CUDA_HOME)/bin,$(SASS_WHEEL_BIN)),$(SASS_WHEEL_BIN))
MODEL_MD ?= bench/MODEL.md
IGEMM_FIGURES := host/igemm_figures.h
MEASURED ?=
PLANS_BIN := $(BUILD)/bin/tconv-plans
PLANS_OBJ := $(BUILD)/obj/bench/plans.o $(BUILD)/obj/bench/suite.o
REPORT_CUBINS := $(patsubst cuda/%.cu,$(REPORT_DIR)/%.cubin,$(wildcard cuda/*.cu))
# The library's device flags, one real architecture (a cubin holds one).
REPORT_NVCCFLAGS = -std=c++17 $(NVCCFLAGS) -Iinclude -Ihost -gencode arch=compute_90,code=sm_90

.PHONY: kernel-report deps-sass

deps-sass:
	@if [ "$(HAVE_CUDA)" != 1 ]; then \
	  echo "  ✗ nvcc not found: make kernel-report compiles the kernels (set NVCC=)"; exit 1; fi
	@if [ -x "$(SASS_BIN)/cuobjdump" ] && [ -x "$(SASS_BIN)/nvdisasm" ]; then \
	  echo "  ✓ cuobjdump, nvdisasm: $(SASS_BIN)"; \
	else \
	  echo "installing nvidia-cuda-cuobjdump and nvidia-cuda-nvdisasm $(SASS_TOOLS_VERSION)" \
	       "into $(SASS_DEPS) with pip"; \
	  python3 -m pip install --quiet --disable-pip-version-check --target $(SASS_DEPS) \
	    nvidia-cuda-cuobjdump==$(SASS_TOOLS_VERSION) \
	    nvidia-cuda-nvdisasm==$(SASS_TOOLS_VERSION) || exit 1; \
	  [ -x $(SASS_WHEEL_BIN)/cuobjdump ] && [ -x $(SASS_WHEEL_BIN)/nvdisasm ] || \
	    { echo "  ✗ no cuobjdump / nvdisasm under $(SASS_WHEEL_BIN) after pip"; exit 1; }; \
	fi
	@command -v c++filt >/dev/null || { echo "  ✗ c++filt (binutils) not found"; exit 1; }

# The kernels do not include the header the report writes.
$(REPORT_DIR)/%.cubin: cuda/%.cu $(filter-out $(IGEMM_FIGURES),$(wildcard cuda/*.cuh cuda/*.h \
  host/*.h include/*.h)) | deps-sass
	@mkdir -p $(@D)
	$(NVCC) $(REPORT_NVCCFLAGS) -Xptxas -v -cubin -o $@ $< 2> $(@:.cubin=.ptxas) || \
	  { cat $(@:.cubin=.ptxas); rm -f $@; exit 1; }

# Plain C: the suite's table and the library's plans; no cuDNN (bench.mk's probe is not needed).
$(PLANS_OBJ): BENCH_CFLAGS :=
$(PLANS_BIN): $(PLANS_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(LDLIBS_LIB)

kernel-report: $(REPORT_CUBINS) $(PLANS_BIN) | deps-sass
	@$(PLANS_BIN) > $(REPORT_DIR)/plans.jsonl
	@python3 bench/kernel_report.py --cubins $(REPORT_DIR) --plans $(REPORT_DIR)/plans.jsonl \
	  --tools $(SASS_BIN) --markdown $(MODEL_MD) --figures $(IGEMM_FIGURES) \
	  $(if $(MEASURED),--measured $(MEASURED)) \
	  --about "Built with nvcc $$($(NVCC) --version | sed -n 's/.*, V\([0-9.]*\).*/\1/p'); disassembled with nvdisasm $$($(SASS_BIN)/nvdisasm --version | sed -n 's/.*, V\([0-9.]*\).*/\1/p')."
	@echo "kernel-report: written to $(MODEL_MD) and $(IGEMM_FIGURES)"
