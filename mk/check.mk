# mk/check.mk - `make check` and `make tsan`: the CPU test suites under sanitizers and valgrind.
#
#   make check   1. the test binary and the CLI built with ASan + UBSan (every report fatal),
#                   run on the CPU suites with leak detection; the CLI the cli suite spawns is
#                   the sanitized one, so its runs are checked too;
#                2. the plain test binary under valgrind's memcheck on the same suites.
#   make tsan    the test binary built with ThreadSanitizer on the threads, api and cpu units.
#
# Each variant is a recursive make of the ordinary rules into its own build directory with
# NVCC= (host/nocuda.c instead of cuda/*.cu): CUDA's runtime is kept out, since its
# allocations and driver threads would show up as leaks and races that are not ours, and no
# GPU is needed. The sanitizer flags travel in CC (and CXX, for the C++ test files) because
# the main Makefile's link lines take no LDFLAGS and the sanitizers must be linked as well as
# compiled in.
#
# Sanitizer reports are written to files (log_path), one per process, so that a report from
# a CLI child - whose stderr the cli suite captures and whose exit status it may expect to be
# non-zero - is not lost: any file there fails the check, and is printed.

CHECK_DIR := $(BUILD)/check
# Every unit of tests/main.c's table (TCONV_TEST_ONLY names), read from it so that a new unit
# is checked without being listed here; gpu is registered apart from the table and not run.
ifeq ($(origin CHECK_UNITS),undefined)
CHECK_UNITS := $(shell grep -o '{"[a-z_0-9]*", *test_register_' tests/main.c | cut -d'"' -f2 | \
  paste -sd, -)
endif
TSAN_UNITS ?= threads,api,cpu
CHECK_CFLAGS ?= -O2 -g
CHECK_SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TSAN_SAN := -fsanitize=thread
VALGRIND ?= valgrind
# The cpu unit's random sweeps under valgrind (its default is 300): every path still runs, at
# a sixth of the cases, so the step stays within minutes.
VALGRIND_CPU_CASES ?= 50
VALGRIND_DEB := valgrind

# Sub-makes compile in parallel: with the caller's -j when given, else one job per core.
CHECK_JOBS = $(if $(filter -j%,$(MAKEFLAGS)),,-j$(shell nproc 2>/dev/null || echo 2))

# $(call check_build,<dir>,<sanitizer flags>,<targets below dir>)
check_build = $(MAKE) --no-print-directory $(CHECK_JOBS) BUILD=$(1) NVCC= CFLAGS="$(CHECK_CFLAGS)" \
  CC="$(CC) $(2)" CXX="$(CXX) $(2)" $(addprefix $(1)/bin/,$(3))

# $(call check_summary,<log>): "N tests, F failed" from CUnit's run summary.
check_summary = awk '$$1 == "tests" {t = $$3; f = $$5} \
  END {printf "%s tests, %s failed", t == "" ? "no" : t, f == "" ? "?" : f}' $(1)

# Environment of every run, as make test sets it (the GPU suites are not selected anyway).
CHECK_ENV = TCONV_TEST_DATA=tests/data TCONV_REQUIRE_GPU=0

.PHONY: check check-asan check-valgrind tsan deps-valgrind

check:
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-valgrind

check-asan: deps-test
	@$(call check_build,$(CHECK_DIR)/asan,$(CHECK_SAN),tconv-tests tconv)
	@dir=$(CHECK_DIR)/asan; logs=$$dir/reports; rm -rf $$logs; mkdir -p $$logs; \
	 echo "check: ASan+UBSan on units $(CHECK_UNITS) (log: $$dir/tests.log)"; \
	 start=$$(date +%s); \
	 $(CHECK_ENV) TCONV_CLI=$$dir/bin/tconv TCONV_TEST_ONLY=$(CHECK_UNITS) \
	 ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:log_path=$$logs/asan \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$$logs/ubsan \
	   $$dir/bin/tconv-tests > $$dir/tests.log 2>&1; rc=$$?; \
	 reports=$$(ls $$logs | wc -l); \
	 echo "check: ASan+UBSan: $$($(call check_summary,$$dir/tests.log)), exit $$rc," \
	      "$$reports sanitizer reports (tests and CLI runs), $$(( $$(date +%s) - start )) s"; \
	 if [ $$rc != 0 ] || [ $$reports != 0 ]; then \
	   tail -n 40 $$dir/tests.log; for f in $$logs/*; do [ -f "$$f" ] && cat "$$f"; done; \
	   exit 1; \
	 fi

deps-valgrind:
	@$(call deps_ensure,command -v $(VALGRIND) >/dev/null,$(VALGRIND_DEB),valgrind (make check))

# Definite and indirect leaks are errors; "still reachable" is not (CUnit keeps some).
check-valgrind: deps-test deps-valgrind
	@$(call check_build,$(CHECK_DIR)/plain,,tconv-tests tconv)
	@dir=$(CHECK_DIR)/plain; \
	 echo "check: valgrind memcheck on units $(CHECK_UNITS) (log: $$dir/valgrind.log)"; \
	 start=$$(date +%s); \
	 $(CHECK_ENV) TCONV_CLI=$$dir/bin/tconv TCONV_TEST_ONLY=$(CHECK_UNITS) \
	 TCONV_TEST_CPU_CASES=$(VALGRIND_CPU_CASES) \
	   $(VALGRIND) --error-exitcode=1 --leak-check=full \
	   --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	   --log-file=$$dir/valgrind.log $$dir/bin/tconv-tests > $$dir/tests.log 2>&1; rc=$$?; \
	 errors=$$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' $$dir/valgrind.log); \
	 lost=$$(awk '/definitely lost:/ {d = $$4} /indirectly lost:/ {i = $$4} \
	   END {printf "%s bytes definitely, %s indirectly lost", d == "" ? 0 : d, i == "" ? 0 : i}' \
	   $$dir/valgrind.log); \
	 echo "check: valgrind: $$($(call check_summary,$$dir/tests.log)), exit $$rc," \
	      "$${errors:-?} errors, $$lost, $$(( $$(date +%s) - start )) s"; \
	 if [ $$rc != 0 ]; then tail -n 40 $$dir/tests.log; cat $$dir/valgrind.log; exit 1; fi

tsan: deps-test
	@$(call check_build,$(CHECK_DIR)/tsan,$(TSAN_SAN),tconv-tests)
	@dir=$(CHECK_DIR)/tsan; logs=$$dir/reports; rm -rf $$logs; mkdir -p $$logs; \
	 echo "tsan: ThreadSanitizer on units $(TSAN_UNITS) (log: $$dir/tests.log)"; \
	 start=$$(date +%s); \
	 $(CHECK_ENV) TCONV_TEST_ONLY=$(TSAN_UNITS) \
	 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:log_path=$$logs/tsan \
	   $$dir/bin/tconv-tests > $$dir/tests.log 2>&1; rc=$$?; \
	 reports=$$(ls $$logs | wc -l); \
	 echo "tsan: $$($(call check_summary,$$dir/tests.log)), exit $$rc, $$reports reports," \
	      "$$(( $$(date +%s) - start )) s"; \
	 if [ $$rc != 0 ] || [ $$reports != 0 ]; then \
	   tail -n 40 $$dir/tests.log; for f in $$logs/*; do [ -f "$$f" ] && cat "$$f"; done; \
	   exit 1; \
	 fi
