# mk/fuzz.mk - `make fuzz [FUZZ_SECONDS=N]`: the libFuzzer harnesses of tests/fuzz/.
#
#   fuzz_params     parameter validation, shape queries, forward-call validation (CPU)
#   fuzz_reference  the CPU reference: three formulations equal, conv adjoint of transposed
#   fuzz_npy        the CLI's .npy parser on arbitrary bytes
#
# Each is built with clang -fsanitize=fuzzer,address,undefined (every report fatal) from the
# library's host sources compiled in directly, CPU only (host/nocuda.c, no cuda/), into
# $(BUILD)/fuzz, and run for FUZZ_SECONDS on a fresh copy of tests/fuzz/corpus/<harness>, so
# the committed seeds are never written to. A finding leaves its input in
# $(BUILD)/fuzz/artifacts/ and the command that replays it is printed.

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_HARNESSES := fuzz_params fuzz_reference fuzz_npy
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) -Werror -O1 -g $(FUZZ_SAN) \
               -Iinclude -Ihost -Icuda -Itools -MMD -MP
# Largest input per harness: a parameter set is at most 2 + 26 * 9 bytes; the reference's
# bytes beyond its header are data; .npy headers are short but may be padded.
FUZZ_MAX_LEN_fuzz_params := 256
FUZZ_MAX_LEN_fuzz_reference := 1024
FUZZ_MAX_LEN_fuzz_npy := 4096

FUZZ_LIB_SRC := $(filter-out host/nocuda.c,$(wildcard host/*.c)) host/nocuda.c
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/bin/,$(FUZZ_HARNESSES))
# Extra objects per harness beyond the library.
FUZZ_EXTRA_fuzz_npy := $(FUZZ_DIR)/obj/tools/npy.o $(FUZZ_DIR)/obj/tools/fileio.o

.PHONY: fuzz fuzz-build deps-fuzz

# libFuzzer's runtime is a separate package on Debian and Ubuntu (libclang-rt-NN-dev, which
# clang only recommends), so the probe links a trivial harness rather than looking for clang.
FUZZ_DEBS := clang libclang-rt-dev
fuzz_probe = $(FUZZ_CC) -fsanitize=fuzzer,address,undefined $(FUZZ_DIR)/probe.c \
  -o $(FUZZ_DIR)/probe 2>$(FUZZ_DIR)/probe.log
FUZZ_PROBE_LOG = cat $(FUZZ_DIR)/probe.log

deps-fuzz:
	@mkdir -p $(FUZZ_DIR)
	@printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	  'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
	  > $(FUZZ_DIR)/probe.c
	@$(call deps_ensure,$(fuzz_probe),$(FUZZ_DEBS),$(FUZZ_CC) with libFuzzer,$(FUZZ_PROBE_LOG))

$(FUZZ_DIR)/obj/%.o: %.c | deps-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# Every harness waits for the extra objects of all (a pattern rule cannot name its own),
# and links only its own.
$(FUZZ_DIR)/bin/%: $(FUZZ_DIR)/obj/tests/fuzz/%.o $(FUZZ_LIB_OBJ) $(FUZZ_EXTRA_fuzz_npy)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(FUZZ_EXTRA_$*) -lm \
	  -lpthread

fuzz-build: $(FUZZ_BINS)

# Objects reached only through the pattern rules count as intermediate: keep them for the
# next build.
.SECONDARY: $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/obj/tests/fuzz/%.o) $(FUZZ_LIB_OBJ) \
  $(FUZZ_EXTRA_fuzz_npy)

# One line per harness from libFuzzer's final statistics; every harness runs even when an
# earlier one found something, and the target fails at the end if any did.
fuzz: $(FUZZ_BINS)
	@failed=0; \
	for h in $(FUZZ_HARNESSES); do \
	  corpus=$(FUZZ_DIR)/corpus/$$h; log=$(FUZZ_DIR)/$$h.log; \
	  rm -rf $$corpus $(FUZZ_DIR)/artifacts/$$h-*; mkdir -p $$corpus $(FUZZ_DIR)/artifacts; \
	  cp tests/fuzz/corpus/$$h/* $$corpus/; \
	  seeds=$$(ls $$corpus | wc -l); start=$$(date +%s); \
	  ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(FUZZ_DIR)/bin/$$h -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=$(FUZZ_MAX_LEN_$$h) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$$h- $$corpus > $$log 2>&1; rc=$$?; \
	  runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	  cov=$$(grep -o 'cov: [0-9]*' $$log | tail -n 1 | cut -d' ' -f2); \
	  echo "fuzz: $$h: $${runs:-?} runs in $$(( $$(date +%s) - start )) s, corpus" \
	       "$$seeds -> $$(ls $$corpus | wc -l) inputs, coverage $${cov:-?}, exit $$rc"; \
	  if [ $$rc != 0 ]; then \
	    failed=1; grep -B2 -A30 -m1 'ERROR:\|runtime error\|deadly signal' $$log | head -n 60; \
	    for a in $(FUZZ_DIR)/artifacts/$$h-*; do \
	      [ -f "$$a" ] && echo "  reproduce: $(FUZZ_DIR)/bin/$$h $$a" \
	        "(bytes:$$(od -An -tx1 -v $$a | tr -d '\n' | cut -c1-300))"; \
	    done; \
	  fi; \
	done; \
	exit $$failed

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_DIR)/obj/tools/npy.d \
  $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/obj/tests/fuzz/%.d)
