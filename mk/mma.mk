# mk/mma.mk - `make mma-check`: the tensor-core wrappers of cuda/mma_frag.cuh compiled for
# sm_90 (tests/mma_ptx.cu, built, never run), so ptxas checks their inline PTX on machines
# without a GPU, and their SASS must hold the instructions they stand for: HMMA.16816.F32
# (f16), HMMA.16816.F32.BF16, HMMA.1688.F32.TF32, LDSM.16.M88 (x1, x2, x4, .MT88 for .trans)
# when a cuobjdump is found (CUOBJDUMP=, the toolkit's bin/, or PATH; the nvidia-cuda-cuobjdump
# wheel has one); without one the SASS step says so and only ptxas's check stands.
# `make test` runs it first when nvcc is there; without nvcc it says so and does nothing.

MMA_CUBIN := $(BUILD)/mma/mma_ptx.cubin
CUOBJDUMP ?= $(firstword $(wildcard $(CUDA_HOME)/bin/cuobjdump) $(shell command -v cuobjdump 2>/dev/null))
MMA_SASS_NEEDS := HMMA.16816.F32 HMMA.16816.F32.BF16 HMMA.1688.F32.TF32 LDSM.16.M88.4 \
                  LDSM.16.M88.2 LDSM.16.M88 LDSM.16.MT88.2 LDSM.16.MT88.4

.PHONY: mma-check
test: mma-check

ifeq ($(HAVE_CUDA),1)
$(MMA_CUBIN): tests/mma_ptx.cu cuda/mma_frag.cuh cuda/float16.cuh
	@mkdir -p $(@D)
	$(NVCC) -std=c++17 -O3 -Icuda -arch=sm_90 -cubin $< -o $@

mma-check: $(MMA_CUBIN)
	@if [ -z "$(CUOBJDUMP)" ]; then \
	   echo "mma-check: ptxas took the wrappers (sm_90); no cuobjdump, SASS not inspected"; \
	   exit 0; fi; \
	 sass=$$($(CUOBJDUMP) -sass $(MMA_CUBIN)) || exit 1; \
	 for op in $(MMA_SASS_NEEDS); do \
	   echo "$$sass" | grep -q "$$op" || { echo "mma-check: $$op missing from the SASS"; exit 1; }; \
	 done; \
	 echo "mma-check: ptxas took the wrappers; SASS has $(MMA_SASS_NEEDS)"
else
mma-check:
	@echo "mma-check: skipped (no nvcc: the inline PTX is not compiled)"
endif
