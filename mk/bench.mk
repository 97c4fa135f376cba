# mk/bench.mk - the benchmark against cuDNN (bench/; its 24 layers are in bench/suite.c).
#
#   make bench          builds $(BUILD)/bin/tconv-bench, runs the whole suite (the report also
#                       in $(BUILD)/bench/results.txt, the rows in $(BUILD)/bench/results.csv)
#                       and draws $(BUILD)/bench/speedup.svg; fails when the benchmark does
#   make bench-build    only builds it (nvcc and cuDNN needed, no GPU)
#   make bench-chart CSV=FILE [SVG=FILE]   draws the speedup chart from any tconv-bench CSV
#                       (default SVG: $(BUILD)/bench/speedup-<CSV's name>.svg)
#   BENCH_ARGS=...      more options for the run, e.g. BENCH_ARGS="--layer dcgan.up1 --reps 50"
#   BENCH_DTYPE=float32|float16|bfloat16, BENCH_LAYOUT=nchw|nhwc, BENCH_MATH=strict|tf32
#                       the storage both sides run in (tconv-bench --dtype/--layout/--math;
#                       default float32 nchw strict: cuDNN in CUDNN_FMA_MATH; any other:
#                       cuDNN in its default math, tensor cores allowed), e.g.
#                       make bench BENCH_DTYPE=float16 BENCH_LAYOUT=nhwc
#
# cuDNN is looked for, first found wins: $(CUDNN_DIR) (a prefix holding include/cudnn.h and
# lib/ or lib64/), beside the CUDA toolkit ($(CUDA_HOME)), the system's /usr, then the
# nvidia-cudnn wheel that PyTorch installs (found by importing nvidia.cudnn), whose lib/ has
# libcudnn.so.9 but no unversioned libcudnn.so: then it is linked as -l:libcudnn.so.9. The
# directory goes into the binary's rpath either way. The probe runs only when a bench target
# needs it. The chart needs gnuplot, which the build does not install (a benchmark run must
# not reach for a package manager): without it `make bench` measures, says the chart was not
# drawn, and `make bench-chart CSV=...` draws it later where gnuplot is.

BENCH_DIR := $(BUILD)/bench
BENCH_BIN := $(BUILD)/bin/tconv-bench
BENCH_SRC := $(filter-out bench/plans.c,$(wildcard bench/*.c)) # plans.c: mk/report.mk
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_CSV := $(BENCH_DIR)/results.csv
BENCH_TXT := $(BENCH_DIR)/results.txt
BENCH_SVG := $(BENCH_DIR)/speedup.svg
BENCH_ARGS ?=
BENCH_DTYPE ?= float32
BENCH_LAYOUT ?= nchw
BENCH_MATH ?= strict
BENCH_STORAGE_ARGS = --dtype $(BENCH_DTYPE) --layout $(BENCH_LAYOUT) --math $(BENCH_MATH)
CUDNN_DIR ?=

# $(call cudnn_incdir,<prefix>), $(call cudnn_libdir,<prefix>): where cudnn.h and
# libcudnn.so* are under a prefix (Debian's multiarch directories included), or empty.
cudnn_incdir = $(patsubst %/cudnn.h,%,$(firstword $(wildcard \
  $(1)/include/cudnn.h $(1)/include/x86_64-linux-gnu/cudnn.h)))
cudnn_libdir = $(patsubst %/,%,$(dir $(firstword $(wildcard $(addsuffix /libcudnn.so*, \
  $(1)/lib64 $(1)/lib/x86_64-linux-gnu $(1)/lib)))))
# The prefix itself when it holds both, else empty.
cudnn_at = $(if $(1),$(if $(and $(call cudnn_incdir,$(1)),$(call cudnn_libdir,$(1))),$(1)))
CUDNN_WHEEL_PROBE := python3 -c 'import nvidia.cudnn as m; print(list(m.__path__)[0])' 2>/dev/null
cudnn_probe = $(if $(CUDNN_DIR),$(call cudnn_at,$(CUDNN_DIR)),$(or \
  $(call cudnn_at,$(CUDA_HOME)),$(call cudnn_at,/usr), \
  $(call cudnn_at,$(shell $(CUDNN_WHEEL_PROBE)))))
# Evaluated once, on first use (the wheel probe starts python).
CUDNN_PREFIX = $(eval CUDNN_PREFIX := $(cudnn_probe))$(CUDNN_PREFIX)
CUDNN_INCDIR = $(call cudnn_incdir,$(CUDNN_PREFIX))
CUDNN_LIBDIR = $(call cudnn_libdir,$(CUDNN_PREFIX))
CUDNN_LIB = $(if $(wildcard $(CUDNN_LIBDIR)/libcudnn.so),-lcudnn,-l:$(notdir $(firstword \
  $(wildcard $(CUDNN_LIBDIR)/libcudnn.so.[0-9]*))))

BENCH_COMMIT = $(shell git describe --always --dirty 2>/dev/null || echo unknown)
BENCH_CFLAGS = $(addprefix -isystem ,$(sort $(CUDA_HOME)/include $(CUDNN_INCDIR)))
BENCH_LDLIBS = -L$(CUDNN_LIBDIR) -Wl,-rpath,$(CUDNN_LIBDIR) $(CUDNN_LIB) -lcublas $(LDLIBS_LIB)

.PHONY: bench bench-build bench-chart probe-bench FORCE

# Stops with the reason when the benchmark cannot be built here.
probe-bench:
	@if [ "$(HAVE_CUDA)" != 1 ]; then \
	  echo "  ✗ nvcc not found: the benchmark needs the CUDA toolkit (set NVCC=)"; exit 1; fi
	@if [ -z "$(CUDNN_PREFIX)" ]; then \
	  echo "  ✗ cuDNN not found: tconv-bench compares with cuDNN and cannot be built without it."; \
	  echo "    Looked in$(if $(CUDNN_DIR), CUDNN_DIR=$(CUDNN_DIR), $(CUDA_HOME), /usr and the" \
	       "nvidia-cudnn Python wheel). Point CUDNN_DIR= at a prefix with include/cudnn.h" \
	       "and lib/libcudnn.so*."; \
	  exit 1; \
	fi
	@echo "  ✓ cuDNN: $(CUDNN_INCDIR)/cudnn.h, $(CUDNN_LIBDIR) ($(CUDNN_LIB))"

bench-build: $(BENCH_BIN)

$(filter-out $(BUILD)/obj/bench/suite.o,$(BENCH_OBJ)): | probe-bench
$(BUILD)/obj/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(BENCH_CFLAGS) -c $< -o $@

# The commit goes into bench.o, which is rebuilt when it changes.
$(BENCH_DIR)/commit: FORCE
	@mkdir -p $(@D)
	@c='$(BENCH_COMMIT)'; [ "$$(cat $@ 2>/dev/null)" = "$$c" ] || echo "$$c" > $@
$(BUILD)/obj/bench/bench.o: $(BENCH_DIR)/commit
$(BUILD)/obj/bench/bench.o: BENCH_CFLAGS += -DTCONV_GIT_COMMIT='"$(BENCH_COMMIT)"'
FORCE:

$(BENCH_BIN): $(BENCH_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) -o $@ $(BENCH_OBJ) $(LIB_A) $(BENCH_LDLIBS)

# The run's status is the target's; the chart is drawn from whatever rows were written.
bench: $(BENCH_BIN)
	@mkdir -p $(BENCH_DIR); rm -f $(BENCH_CSV) $(BENCH_TXT) $(BENCH_SVG)
	@set -o pipefail; $(BENCH_BIN) --csv $(BENCH_CSV) $(BENCH_STORAGE_ARGS) $(BENCH_ARGS) | \
	   tee $(BENCH_TXT); \
	 rc=$$?; \
	 if [ -s $(BENCH_CSV) ] && command -v gnuplot >/dev/null; then \
	   gpu=$$(sed -n 's/^gpu: *\([^(]*[^( ]\).*/\1/p' $(BENCH_TXT)); \
	   storage=$$(sed -n 's/^storage: *\([^:]*\):.*/\1/p' $(BENCH_TXT)); \
	   run=$$(sed -n 's/^tconv-bench: tconv [^,]*, \(commit [^,]*\), \([0-9-]*\)T.*/\1, \2/p' \
	     $(BENCH_TXT)); \
	   $(MAKE) --no-print-directory bench-chart CSV=$(BENCH_CSV) SVG=$(BENCH_SVG) \
	     CHART_TITLE="tconv vs cuDNN, $$storage, $${gpu:-unknown GPU} ($$run)" || \
	     echo "bench: chart not drawn (make bench-chart CSV=$(BENCH_CSV) draws it later)"; \
	 elif [ -s $(BENCH_CSV) ]; then \
	   echo "bench: chart not drawn: gnuplot not found (make bench-chart CSV=$(BENCH_CSV)" \
	        "draws it where gnuplot is installed)"; \
	 fi; \
	 echo "bench: exit status $$rc; report in $(BENCH_TXT)$$([ -s $(BENCH_CSV) ] && \
	   echo ", rows in $(BENCH_CSV)")$$([ -s $(BENCH_SVG) ] && echo ", chart $(BENCH_SVG)")"; \
	 exit $$rc

# Another CSV's chart goes beside the run's, not over it: speedup-<name>.svg.
CHART_TITLE ?= tconv vs cuDNN: $(notdir $(CSV))
CHART_SVG = $(strip $(or $(SVG),$(if $(filter $(BENCH_CSV),$(CSV)),$(BENCH_SVG), \
  $(BENCH_DIR)/speedup-$(basename $(notdir $(CSV))).svg)))
bench-chart:
	@if [ -z "$(CSV)" ]; then echo "usage: make bench-chart CSV=FILE [SVG=FILE]"; exit 1; fi
	@command -v gnuplot >/dev/null || \
	  { echo "bench-chart: gnuplot not found (e.g. apt-get install gnuplot-nox)"; exit 1; }
	@mkdir -p $(dir $(CHART_SVG))
	bench/chart.sh '$(CSV)' '$(CHART_SVG)' '$(CHART_TITLE)'

-include $(BENCH_OBJ:.o=.d)
