#!/usr/bin/env bash
# gpu-check.sh - what `make gpu-check` runs on a machine with an NVIDIA GPU (H100 / H200):
# the device and toolkit, every test with the GPU suites required, compute-sanitizer
# (memcheck, racecheck, initcheck, synccheck) over the GPU suites, then the benchmark.
# Exits non-zero when any step fails; a summary of every step comes last.
#
# Environment:
#   CUNIT_DIR   prefix holding include/CUnit and lib/ (e.g. tools/cunit-debs.sh's unpacked
#               .debs, for machines without network); passed on to make
#   BUILD       build directory (default build), passed on to make
#   TCONV_SANITIZER_CASES  random GPU cases per sanitizer run (default 100; the full test
#               run uses the suite's default)
#   TCONV_TEST_SEED        passed through to the tests
#   GPU_CHECK_STEPS        which steps to run, a space-separated subset of "test sanitizer
#               bench" (default: all three). A machine that allows only a few minutes per
#               command runs them in separate calls; the build directory is reused.
#   GPU_CHECK_SANITIZERS   the compute-sanitizer tools of the sanitizer step (default
#               "memcheck racecheck initcheck synccheck")
#
# The sanitizer runs leave failed API calls out of their error count (--report-api-errors no):
# the fault suites provoke some on purpose (a 1 PiB allocation, a copy to a bogus pointer)
# and check the statuses themselves.
# The sanitizer runs select the GPU suites with TCONV_TEST_ONLY=gpu (tests/main.c), without
# the 12 GB problems of suite gpu_large (TCONV_TEST_GPU_LARGE=0), which the full run covers,
# and without the child process that faults its device on purpose (TCONV_TEST_GPU_FAULT=0:
# memcheck would report the fault as an error).
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1

BUILD=${BUILD:-build}
make_args=("BUILD=$BUILD")
if [ -n "${CUNIT_DIR:-}" ]; then
    make_args+=("CUNIT_DIR=$CUNIT_DIR")
fi
test_bin=$BUILD/bin/tconv-tests
summary=()
failed=0
steps=" ${GPU_CHECK_STEPS:-test sanitizer bench} "
for step in $steps; do
    case $step in
    test | sanitizer | bench) ;;
    *)
        echo "gpu-check: unknown step '$step' in GPU_CHECK_STEPS (test, sanitizer, bench)" >&2
        exit 2
        ;;
    esac
done
want() { [[ $steps == *" $1 "* ]]; }

section() {
    printf '\n==== %s\n' "$*"
}

record() { # record <name> <exit status> [detail]
    if [ "$2" -eq 0 ]; then
        summary+=("ok      $1${3:+ ($3)}")
    else
        summary+=("FAILED  $1${3:+ ($3)}")
        failed=1
    fi
}

# ---- the device and the toolkit ------------------------------------------------------------
section "nvidia-smi"
nvidia-smi
record "nvidia-smi" $?

section "nvcc --version"
nvcc_bin=$(command -v nvcc || true)
for candidate in "${CUDA_HOME:-}/bin/nvcc" /usr/local/cuda/bin/nvcc; do
    if [ -z "$nvcc_bin" ] && [ -x "$candidate" ]; then
        nvcc_bin=$candidate
    fi
done
if [ -n "$nvcc_bin" ]; then
    "$nvcc_bin" --version
    record "nvcc" $? "$nvcc_bin"
else
    echo "nvcc not found: the library would build without its CUDA backend"
    record "nvcc" 1 "not found"
fi

# ---- every test, GPU suites required ---------------------------------------------------------
if want test; then
    section "make test REQUIRE_GPU=1"
    make "${make_args[@]}" test REQUIRE_GPU=1
    record "make test REQUIRE_GPU=1" $?
elif want sanitizer; then
    section "build the tests"
    make "${make_args[@]}" "$BUILD/bin/tconv-tests" "$BUILD/bin/tconv"
    record "build the tests" $?
fi

# ---- compute-sanitizer over the GPU suites ---------------------------------------------------
if want sanitizer; then
    sanitizer=$(command -v compute-sanitizer || true)
    for candidate in "${CUDA_HOME:-}/bin/compute-sanitizer" /usr/local/cuda/bin/compute-sanitizer \
        "$(dirname "${nvcc_bin:-/nonexistent}")/compute-sanitizer"; do
        if [ -z "$sanitizer" ] && [ -x "$candidate" ]; then
            sanitizer=$candidate
        fi
    done
    if [ -z "$sanitizer" ]; then
        section "compute-sanitizer"
        echo "compute-sanitizer not found (PATH, \$CUDA_HOME/bin, /usr/local/cuda/bin)"
        record "compute-sanitizer" 1 "not found"
    elif [ ! -x "$test_bin" ]; then
        section "compute-sanitizer"
        echo "$test_bin was not built"
        record "compute-sanitizer" 1 "no test binary"
    else
        log_dir=$(mktemp -d)
        trap 'rm -rf "$log_dir"' EXIT
        for tool in ${GPU_CHECK_SANITIZERS:-memcheck racecheck initcheck synccheck}; do
            section "compute-sanitizer --tool $tool (GPU suites)"
            extra=()
            if [ "$tool" = memcheck ]; then
                extra=(--leak-check full)
            fi
            log=$log_dir/$tool.log
            TCONV_TEST_ONLY=gpu TCONV_REQUIRE_GPU=1 TCONV_TEST_GPU_LARGE=0 TCONV_TEST_GPU_FAULT=0 \
                TCONV_TEST_GPU_REPEATS=3 \
                TCONV_TEST_GPU_CASES=${TCONV_SANITIZER_CASES:-100} \
                "$sanitizer" --tool "$tool" --report-api-errors no --error-exitcode 1 \
                ${extra[@]+"${extra[@]}"} "$test_bin" 2>&1 |
                tee "$log"
            status=${PIPESTATUS[0]}
            # The sanitizer's own last line ("ERROR SUMMARY: 0 errors", or "RACECHECK SUMMARY").
            detail=$(grep -E '(ERROR|RACECHECK) SUMMARY' "$log" | tail -n 1 | sed 's/^========= //')
            record "compute-sanitizer $tool" "$status" "${detail:-exit status $status}"
        done
    fi
fi

# ---- benchmark -----------------------------------------------------------------------------
# The whole suite against cuDNN (mk/bench.mk): the report in $BUILD/bench/results.txt, the rows
# in $BUILD/bench/results.csv, the chart in $BUILD/bench/speedup.svg. Building is a step of its
# own, so that a benchmark that does not compile is told apart from one that fails; the run
# fails when a tconv algorithm fails, differs from cuDNN or is not deterministic.
if want bench; then
    section "make bench-build"
    make "${make_args[@]}" bench-build
    build_status=$?
    record "make bench-build" "$build_status"

    section "make bench (full suite)"
    if [ "$build_status" -eq 0 ]; then
        make "${make_args[@]}" bench
        status=$?
        # "geometric mean speedup, fastest tconv algo:  1.234 over 24 of 24 layers (...)"
        detail=$(sed -n 's/^ *geometric mean speedup, fastest tconv algo: *\([0-9.]*\) over \([0-9]* of [0-9]*\) layers.*/geomean speedup over cuDNN \1 on \2 layers/p' \
            "$BUILD/bench/results.txt" 2>/dev/null)
        record "make bench" "$status" "${detail:-exit status $status}; $BUILD/bench/results.csv"
    else
        echo "not run: the benchmark did not build"
        record "make bench" 1 "not built"
    fi
fi

section "summary"
printf '%s\n' "${summary[@]}"
if [ "$failed" -ne 0 ]; then
    echo "gpu-check: FAILED"
    exit 1
fi
echo "gpu-check: all passed"
