# mk/bench-cpu.mk - `make bench-cpu`: tconv's CPU backend beside PyTorch's CPU convolution
# (bench/cpu/bench.py, BENCH.md's CPU suite), the machine's FMA ceiling measured in the same
# process (bench/cpu/peak.c).
#
#   make bench-cpu      builds the shared library and the FMA-peak object, runs the suite on
#                       BENCH_CPU_THREADS threads (default 2) and writes the table to stdout
#                       and $(BUILD)/bench/cpu/results.txt, the rows to results.csv and the
#                       chart of the speed over PyTorch to speedup.svg; fails when a layer's
#                       output differs from PyTorch's
#   BENCH_CPU_ARGS=...  more options, e.g. BENCH_CPU_ARGS="--layer dcgan.up2 --reps 9"; with
#                       BENCH_CPU_THREADS=1, "--clock cpu" times both sides by CPU time (what
#                       each gets while it runs, on a machine other jobs share)
#
# Python with torch and numpy is needed by this target only (never by the tests): the first of
# BENCH_PYTHON, /usr/bin/python3 (Debian's, with python3-torch) and python3 that imports
# both. Without one it is installed through deps_ensure (mk/deps.mk) as root, or the command
# is printed. The chart needs gnuplot, which the build does not install (as for make bench:
# without it the suite is measured and the chart is not drawn).

BENCH_CPU_DIR := $(BUILD)/bench/cpu
BENCH_CPU_PEAK := $(BENCH_CPU_DIR)/libtconv-peak.so
BENCH_CPU_THREADS ?= 2
BENCH_CPU_ARGS ?=
TORCH_DEBS := python3-torch python3-numpy

.PHONY: bench-cpu deps-torch

torch_check := { for p in $(BENCH_PYTHON) /usr/bin/python3 python3; do \
  $$p -c 'import torch, numpy' >/dev/null 2>&1 && exit 0; done; exit 1; }
deps-torch:
	@$(call deps_ensure,( $(torch_check) ),$(TORCH_DEBS),Python with torch and numpy (make bench-cpu))

$(BENCH_CPU_PEAK): bench/cpu/peak.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -Werror -O2 -fPIC -shared -o $@ $< -lpthread -lm

# The Python is probed again after deps-torch, which may have just installed it.
bench-cpu: $(LIB_SO) $(BENCH_CPU_PEAK) deps-torch
	@mkdir -p $(BENCH_CPU_DIR)
	@set -o pipefail; python=$$(for p in $(BENCH_PYTHON) /usr/bin/python3 python3; do \
	   $$p -c 'import torch, numpy' >/dev/null 2>&1 && { echo $$p; break; }; done); \
	 $$python bench/cpu/bench.py --lib $(LIB_SO) --peak $(BENCH_CPU_PEAK) \
	   --threads $(BENCH_CPU_THREADS) --commit $(BENCH_COMMIT) \
	   --csv $(BENCH_CPU_DIR)/results.csv --svg $(BENCH_CPU_DIR)/speedup.svg $(BENCH_CPU_ARGS) \
	   | tee $(BENCH_CPU_DIR)/results.txt; rc=$$?; \
	 echo "bench-cpu: exit status $$rc; table in $(BENCH_CPU_DIR)/results.txt, rows in" \
	      "$(BENCH_CPU_DIR)/results.csv, chart $(BENCH_CPU_DIR)/speedup.svg"; \
	 exit $$rc
