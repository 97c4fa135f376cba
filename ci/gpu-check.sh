#!/usr/bin/env bash
# gpu-check.sh - the whole GPU check in one command of at most GPU_CHECK_BUDGET seconds (530 by
# default, inside a 540-second window), on a bare H100/H200 machine with the CUDA 13 toolkit,
# compute-sanitizer and PyTorch's cuDNN/cuBLAS wheels but no network, no CUnit and no Debian
# dev packages. `make gpu-check` runs it too. Steps, each capped, each going on past the
# failures of the one before:
#
#   1 probe      the device, the toolkit, the cuDNN wheel; whether each binary starts: the
#                ones ci/gpu-prepare.sh built and carried in $GPU_CHECK_CARRIED with the
#                shared libraries they need (libcunit.so.1, libpng16.so.16)
#   2 build      only what does not start (or everything, when nothing was carried), with the
#                carried headers; make -j(cores)
#   3 tests      the GPU suites alone (TCONV_TEST_ONLY=gpu: every algorithm against the CPU
#                reference, the > 2^31-element cases included), REQUIRE_GPU
#   4 bench      tconv-bench, its table and CSV written layer by layer; a layer that hangs
#                or crashes the process is skipped and the run goes on with the next. The
#                float32 strict suite first; in what its cap leaves, float16 NHWC, then
#                bfloat16 NHWC, then float32 TF32 (each its own table in bench.txt and its
#                rows in bench.csv, with the dtype, layout and math columns; each recorded as
#                its own step: bench-f16, bench-bf16, bench-tf32)
#   5 sanitizer  with the time left: compute-sanitizer memcheck (API memory checks off: the
#                fault suites hand bogus pointers on purpose) and racecheck on a reduced sweep,
#                without the child process that faults its device on purpose
#                (TCONV_TEST_GPU_FAULT=0); skipped where the sanitizer cannot attach
#   6 model      bench/MODEL.md's model with the measured TFLOP/s set beside it
#   then a one-screen summary, last.
#
# Results go to $OUT (default $BUILD/gpu-check), 8 files at most: summary.txt, gpu-check.log
# (this script's output), tests.log, bench.txt, bench.csv, bench.log (the benchmark's
# stderr), sanitizer.log, MODEL.md. Output is unbuffered throughout. Exit status 0 when every
# step that ran passed.
#
# usage: ci/gpu-check.sh [--rehearse]
#   --rehearse  on a machine without a GPU: everything up to the first CUDA call (the
#               binaries start, their libraries load, cuDNN's descriptors), and the plan of
#               the steps that need the device with their caps
# Environment: OUT, BUILD, GPU_CHECK_BUDGET (seconds, 0: none), GPU_CHECK_CARRIED (default
# .deps/gpu-check), GPU_CHECK_SANITIZERS (default "memcheck racecheck"; initcheck and
# synccheck may be added), TCONV_SANITIZER_CASES (random GPU cases under a sanitizer, default
# 40), GPU_CHECK_TEST_UNITS (default gpu), GPU_CHECK_REBUILD=1 (rebuild even what starts),
# CUNIT_DIR (a runner's own CUnit).
set -u -o pipefail
cd "$(dirname "$0")/.." || exit 1
export PYTHONUNBUFFERED=1

rehearse=0
if [ "${1:-}" = --rehearse ]; then
    rehearse=1
elif [ $# -gt 0 ]; then
    echo "usage: ci/gpu-check.sh [--rehearse]" >&2
    exit 2
fi
budget=${GPU_CHECK_BUDGET:-530}
carried=${GPU_CHECK_CARRIED:-.deps/gpu-check}
out=${OUT:-${BUILD:-build}/gpu-check}
rebuild_dir=${BUILD:-build}/gpu-check-build
units=${GPU_CHECK_TEST_UNITS:-gpu} # the test units (TCONV_TEST_ONLY) that hold the GPU suites
jobs=$(nproc 2>/dev/null || echo 4)
# Caps (seconds) and what each step took on the estimate of ci/gpu-prepare.sh's notes.
cap_probe=40 cap_build=150 cap_tests=170 cap_bench=200 cap_model=20 reserve=8
bench_min=120 # the bench keeps at least this much, whatever the tests took
bench_typed_min=40 # a typed suite (float16, bfloat16, TF32) starts only with this much of the cap left

mkdir -p "$out" || exit 1
exec > >(tee "$out/gpu-check.log") 2>&1
tee_pid=$!
start=$SECONDS
deadline=$((budget > 0 ? start + budget : start + 1000000))
left() { echo $((deadline - SECONDS)); }
cap() { # cap <seconds>: the step's cap, within what is left after the reserve
    local c=$1 l=$(($(left) - reserve))
    echo $((c < l ? c : (l > 0 ? l : 0)))
}
say() { printf '\n==== [%4d s] %s\n' $((SECONDS - start)) "$*"; }
summary=()
failed=0
record() { # record <step> <ok|FAILED|skipped|timeout> <seconds> <detail>
    summary+=("$(printf '%-10s %-8s %4d s  %s' "$1" "$2" "$3" "$4")")
    case $2 in ok | skipped | "not run") ;; *) failed=1 ;; esac
}
finish() {
    {
        echo
        echo "==== gpu-check summary ($((SECONDS - start)) s$([ "$budget" -gt 0 ] && echo " of $budget"))"
        [ -n "${device_line:-}" ] && echo "device:    $device_line"
        printf '%s\n' "${summary[@]}"
        if [ -s "$out/bench.txt" ]; then
            # Per suite run: the float32 one's summary in full, the others' first lines.
            echo "-- benchmark summaries (each bench run's own, over its layers):"
            awk '/^summary \(/ { ++n; k = 0; on = 1 } /^tconv-bench: tconv / { on = 0 }
                on && k < (n == 1 ? 18 : 4) { print; ++k }' "$out/bench.txt"
        fi
        echo "files in $out: $(cd "$out" && ls | tr '\n' ' ')"
        if [ $rehearse = 1 ]; then
            echo "gpu-check: REHEARSAL (no CUDA call made; the steps marked 'not run' need a GPU)"
        elif [ $failed = 0 ]; then
            echo "gpu-check: all steps that ran passed"
        else
            echo "gpu-check: FAILED"
        fi
    } > "$out/summary.txt"
    cat "$out/summary.txt"
    exec >&- 2>&- # let tee write the last lines before the script's exit ends the command
    wait "$tee_pid" 2>/dev/null
}
trap finish EXIT

# ---- 1 probe ------------------------------------------------------------------------------
say "1 probe: device, toolkit, libraries (cap $cap_probe s)"
t0=$SECONDS
CUDA_HOME=${CUDA_HOME:-$(dirname "$(dirname "$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)")")}
export PATH="$PATH:$CUDA_HOME/bin"
if command -v nvidia-smi >/dev/null; then
    timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm \
        --format=csv,noheader || echo "nvidia-smi failed"
    device_line=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total \
        --format=csv,noheader 2>/dev/null | head -n 1)
else
    echo "nvidia-smi: not found${rehearse:+ (expected on a machine without a GPU)}"
fi
nvcc --version 2>/dev/null | tail -n 2 || echo "nvcc: not found"
sanitizer=$(command -v compute-sanitizer || true)
echo "compute-sanitizer: ${sanitizer:-not found}"
# Libraries: the carried ones, the wheels' (cuDNN, and cuBLAS / the runtime when the toolkit
# lacks them), then the toolkit's.
wheel_libs=$(timeout 30 python3 -c '
import importlib, os
for name in ("nvidia.cudnn", "nvidia.cu13", "nvidia.cublas", "nvidia.cuda_runtime"):
    try:
        for p in importlib.import_module(name).__path__:
            if os.path.isdir(os.path.join(p, "lib")): print(os.path.join(p, "lib"))
    except Exception:
        pass' 2>/dev/null | tr '\n' ':')
echo "python wheels' libraries: ${wheel_libs:-none}"
export LD_LIBRARY_PATH="$PWD/$carried/lib:${wheel_libs}$CUDA_HOME/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# The binaries and the report's cubins travel packed (ci/gpu-prepare.sh): the working tree
# that goes to the device, carried folders included, is at most 64 MiB.
if [ -f "$carried/packed.tar.gz" ] && [ ! -d "$carried/bin" ]; then
    tar -xzf "$carried/packed.tar.gz" -C "$carried" && echo "unpacked $carried/packed.tar.gz" ||
        echo "could not unpack $carried/packed.tar.gz: the build step makes what is missing"
fi

declare -A bin
bin[tests]=$carried/bin/tconv-tests
bin[cli]=$carried/bin/tconv
bin[bench]=$carried/bin/tconv-bench
starts() { # starts <name>: the binary loads and runs a part that makes no CUDA call
    local b=${bin[$1]}
    [ -x "$b" ] || { echo "$1: $b missing"; return 1; }
    if ldd "$b" | grep -q 'not found'; then
        echo "$1: $b does not load:"; ldd "$b" | grep 'not found'; return 1
    fi
    case $1 in
    tests) TCONV_TEST_ONLY=index timeout 30 "$b" > /dev/null ;;
    cli) timeout 30 "$b" shape transpose --input 4 --kernel 3 --stride 2 > /dev/null ;;
    bench) # every storage the bench step runs: its options and cuDNN's descriptors
        timeout 30 "$b" --list > /dev/null &&
            timeout 30 "$b" --list --dtype float16 --layout nhwc > /dev/null &&
            timeout 30 "$b" --list --dtype bfloat16 --layout nhwc > /dev/null &&
            timeout 30 "$b" --list --dtype float32 --math tf32 > /dev/null ;;
    esac || { echo "$1: $b does not run (exit $?)"; return 1; }
    echo "$1: $b starts"
}
need_build=()
for name in tests cli bench; do
    if [ "${GPU_CHECK_REBUILD:-0}" = 1 ] || ! starts $name; then need_build+=("$name"); fi
done
record probe ok $((SECONDS - t0)) "${device_line:-no device}; to rebuild: ${need_build[*]:-none}"

# ---- 2 build ------------------------------------------------------------------------------
t0=$SECONDS
if [ ${#need_build[@]} -eq 0 ]; then
    record build skipped 0 "every carried binary starts"
else
    c=$(cap $cap_build)
    say "2 build: ${need_build[*]} with make -j$jobs into $rebuild_dir (cap $c s)"
    dev=$PWD/$carried/dev/usr
    args=(BUILD="$rebuild_dir")
    if [ -f "$dev/include/CUnit/CUnit.h" ] && [ -z "${CUNIT_DIR:-}" ]; then
        # No Debian dev packages there: CUnit's and libpng's headers and link libraries come
        # from the carried folder; the stub pkg-config only satisfies the build's probe (the
        # install test that uses it is a CPU suite, not run here).
        args+=(CUNIT_DIR="$dev" PNG_HEADER="$dev/include/png.h" CFLAGS="-O2 -g -I$dev/include"
            CLI_LDLIBS="-L$dev/lib/x86_64-linux-gnu -lpng")
        export PATH="$PWD/$carried/dev/bin:$PATH"
    fi
    targets=()
    for name in "${need_build[@]}"; do
        case $name in
        tests) targets+=("$rebuild_dir/bin/tconv-tests") ;;
        cli) targets+=("$rebuild_dir/bin/tconv") ;;
        bench) targets+=(bench-build) ;;
        esac
    done
    timeout --kill-after=5 "$c" make -j"$jobs" "${args[@]}" "${targets[@]}" 2>&1
    rc=$?
    still=()
    for name in "${need_build[@]}"; do
        bin[$name]=$rebuild_dir/bin/$(basename "${bin[$name]}")
        starts "$name" || still+=("$name")
    done
    if [ $rc -eq 0 ] && [ ${#still[@]} -eq 0 ]; then
        record build ok $((SECONDS - t0)) "rebuilt: ${need_build[*]}"
    else
        record build FAILED $((SECONDS - t0)) "make exit $rc; not starting: ${still[*]:-none}"
    fi
fi

if [ $rehearse = 1 ]; then
    say "rehearsal ends before the first CUDA call; the device steps would be:"
    for step in "3 tests     GPU suites, REQUIRE_GPU (estimate 60-120 s)        cap $cap_tests s" \
        "4 bench     24 layers, --layer-timeout 60 (estimate 90-150 s) cap $cap_bench s, kept >= $bench_min s" \
        "  then      float16 nhwc, bfloat16 nhwc, float32 tf32, each with >= $bench_typed_min s of that cap left" \
        "5 sanitizer memcheck + racecheck, $((${TCONV_SANITIZER_CASES:-40})) cases       the time left" \
        "6 model     MODEL.md beside the measurements (estimate 5 s)     cap $cap_model s"; do
        echo "  $step"
    done
    record tests "not run" 0 "needs a GPU"
    record bench "not run" 0 "needs a GPU"
    record sanitizer "not run" 0 "needs a GPU"
    record model "not run" 0 "needs the benchmark's CSV"
    exit $failed
fi

# ---- 3 tests ------------------------------------------------------------------------------
t0=$SECONDS
c=$(cap $cap_tests)
room=$(($(left) - reserve - bench_min))
c=$((c < room ? c : room))
say "3 tests: the GPU suites alone (cap $c s) -> tests.log"
if [ "$c" -le 10 ]; then
    record tests skipped 0 "no time left"
else
    TCONV_TEST_ONLY=$units TCONV_REQUIRE_GPU=1 timeout --kill-after=5 "$c" \
        stdbuf -o0 -e0 "${bin[tests]}" > "$out/tests.log" 2>&1
    rc=$?
    tail -n 12 "$out/tests.log"
    counts=$(awk '$1 == "tests" || $1 == "asserts" { printf "%s %s ran, %s failed; ", $1, $3, $5 }' \
        "$out/tests.log")
    skipped=$(grep -m 1 'GPU suites: SKIPPED' "$out/tests.log")
    if [ $rc -ge 124 ]; then
        record tests timeout $((SECONDS - t0)) "stopped at the cap; last: $(grep 'Test:' "$out/tests.log" | tail -n 1)"
    else
        record tests "$([ $rc -eq 0 ] && echo ok || echo FAILED)" $((SECONDS - t0)) \
            "${skipped:-${counts:-exit $rc}}"
    fi
fi

# ---- 4 bench ------------------------------------------------------------------------------
# One suite per storage, each its own table in bench.txt and rows in bench.csv (told apart by
# the dtype, layout and math columns): float32 strict first, then, in what its cap leaves,
# float16 NHWC, bfloat16 NHWC and float32 TF32, each only when at least bench_typed_min
# seconds remain. Within a suite, a layer that hangs or crashes the process is skipped and
# the suite goes on with the next layers.
all_layers=$("${bin[bench]}" --list 2>/dev/null | awk 'NR > 1 && NF > 3 && $1 !~ /^[0-9]+$/ { print $1 }')
touch "$out/bench.txt" "$out/bench.log"
rm -f "$out/bench.csv"
# bench_suite <step> <end (SECONDS)> [storage options...]: the suite until <end>; records the step.
bench_suite() {
    local step=$1 end=$2
    shift 2
    local t0=$SECONDS runs=0 rc=1 mark current done_layers measured geo failed_layers detail
    local todo suite_csv part skipped_layers=()
    todo=$(echo "$all_layers" | tr '\n' ',' | sed 's/,$//')
    suite_csv=$(mktemp) part=$(mktemp)
    while [ -n "$todo" ] && [ $((end - SECONDS)) -gt 20 ]; do
        runs=$((runs + 1))
        mark=$(wc -l < "$out/bench.log")
        rm -f "$part"
        timeout --kill-after=5 $((end - SECONDS)) stdbuf -o0 -e0 "${bin[bench]}" "$@" \
            --layer "$todo" --layer-timeout 60 --csv "$part" >> "$out/bench.txt" 2>> "$out/bench.log"
        rc=$?
        if [ -s "$part" ]; then
            if [ -s "$suite_csv" ]; then tail -n +2 "$part" >> "$suite_csv"; else cat "$part" > "$suite_csv"; fi
        fi
        [ $rc -le 1 ] && break # finished (1: a row or layer failed, reported in the table)
        # Killed, crashed or timed out: skip the layer it was in, go on with the rest.
        done_layers=$(awk -F, 'NR > 1 { print $1 }' "$suite_csv" 2>/dev/null | sort -u)
        current=$(tail -n +$((mark + 1)) "$out/bench.log" |
            sed -n 's/^tconv-bench: layer \(.*\): start$/\1/p' | tail -n 1)
        if [ -z "$current" ] || [[ " ${skipped_layers[*]} " == *" $current "* ]]; then
            echo "bench ($*): exit $rc before any layer could be measured; not retrying"
            break
        fi
        echo "bench ($*): exit $rc in layer $current; going on with the remaining layers"
        skipped_layers+=("$current (exit $rc)")
        todo=$(for l in $all_layers; do
            echo "$done_layers" | grep -qx "$l" || [ "$l" = "$current" ] || echo "$l"
        done | tr '\n' ',' | sed 's/,$//')
    done
    measured=$(awk -F, 'NR > 1 { print $1 }' "$suite_csv" 2>/dev/null | sort -u | grep -c .)
    # The geometric mean over every layer measured, whichever run measured it: per layer the
    # fastest valid tconv row that is not AUTO, cuDNN's baseline over it.
    geo=$(awk -F, -v target="$([ $# -eq 0 ] && echo 1.5 || echo 1.2)" '
        NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
        $col["algo"] != "auto" && ($col["status"] == "ok" || $col["status"] == "nondeterministic") {
            s = $col["speedup"] + 0; if (s > 0 && (!($1 in best) || s > best[$1])) best[$1] = s }
        END { n = 0; for (l in best) { sum += log(best[l]); ++n; if (!lo || best[l] < lo) { lo = best[l]; ll = l } }
              if (n) printf "geomean %.3f over %d layers (target %s), lowest %.3f (%s)", exp(sum / n), n, target, lo, ll }' \
        "$suite_csv" 2>/dev/null)
    failed_layers=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
        $col["status"] == "layer-failed" { printf "%s ", $1 }' "$suite_csv" 2>/dev/null)
    if [ -s "$suite_csv" ]; then # one header line in bench.csv: the first suite's
        if [ -s "$out/bench.csv" ]; then tail -n +2 "$suite_csv" >> "$out/bench.csv"; else cat "$suite_csv" > "$out/bench.csv"; fi
    fi
    rm -f "$suite_csv" "$part"
    detail="${*:+$* : }$measured of $(echo "$all_layers" | grep -c .) layers in $runs run(s); ${geo:-no speedup}"
    [ -n "$failed_layers" ] && detail="$detail; layers failed: $failed_layers"
    [ ${#skipped_layers[@]} -gt 0 ] && detail="$detail; skipped: ${skipped_layers[*]}"
    [ -n "$todo" ] && [ $rc -gt 1 ] && detail="$detail; not reached: $todo"
    record "$step" "$([ $rc -eq 0 ] && [ ${#skipped_layers[@]} -eq 0 ] && echo ok || echo FAILED)" \
        $((SECONDS - t0)) "$detail"
}
bench_end=$((SECONDS + $(cap $cap_bench)))
say "4 bench: tconv-bench, float32 strict, then the typed suites in what the cap leaves" \
    "(cap $(cap $cap_bench) s) -> bench.txt, bench.csv, bench.log"
bench_suite bench "$bench_end"
for typed in "bench-f16:--dtype float16 --layout nhwc" "bench-bf16:--dtype bfloat16 --layout nhwc" \
    "bench-tf32:--dtype float32 --layout nchw --math tf32"; do
    if [ $((bench_end - SECONDS)) -lt $bench_typed_min ]; then
        record "${typed%%:*}" skipped 0 "${typed#*:}: $((bench_end - SECONDS)) s left of the bench cap"
        continue
    fi
    say "4 bench: ${typed#*:} ($((bench_end - SECONDS)) s left of the cap)"
    read -r -a storage <<< "${typed#*:}"
    bench_suite "${typed%%:*}" "$bench_end" "${storage[@]}"
done

# ---- 5 sanitizer --------------------------------------------------------------------------
t0=$SECONDS
read -r -a tools <<< "${GPU_CHECK_SANITIZERS:-memcheck racecheck}"
say "5 sanitizer: ${tools[*]} with the time left ($(($(left) - reserve - cap_model)) s) -> sanitizer.log"
if [ -z "$sanitizer" ]; then
    record sanitizer skipped 0 "compute-sanitizer not found"
elif [ $(($(left) - reserve - cap_model)) -lt 40 ]; then
    record sanitizer skipped 0 "no time left"
else
    # Whether it can attach here at all (gVisor machines refuse the device).
    timeout 60 "$sanitizer" --tool memcheck --error-exitcode 1 "${bin[cli]}" demo \
        > "$out/sanitizer.log" 2>&1
    rc=$?
    if grep -qE 'Device not supported|LibraryNotLoaded|[Uu]nable to (attach|find|load)|not supported on this' \
        "$out/sanitizer.log" || [ $rc -ge 124 ]; then
        record sanitizer skipped $((SECONDS - t0)) \
            "cannot attach here: $(grep -m 1 -E 'Error|error|not supported' "$out/sanitizer.log")"
    else
        results=()
        status=ok
        [ $rc -eq 0 ] || { status=FAILED; results+=("demo: memcheck exit $rc"); }
        for i in "${!tools[@]}"; do
            tool=${tools[$i]}
            c=$(( ($(left) - reserve - cap_model) / (${#tools[@]} - i) ))
            [ "$c" -lt 20 ] && { results+=("$tool: no time left"); continue; }
            extra=(--report-api-errors no)
            [ "$tool" = memcheck ] && extra+=(--check-api-memory-access no --leak-check full)
            echo "== $tool (cap $c s)" >> "$out/sanitizer.log"
            TCONV_TEST_ONLY=$units TCONV_REQUIRE_GPU=1 TCONV_TEST_GPU_LARGE=0 TCONV_TEST_GPU_FAULT=0 \
                TCONV_TEST_GPU_REPEATS=2 TCONV_TEST_GPU_CASES=${TCONV_SANITIZER_CASES:-40} \
                timeout --signal=INT --kill-after=10 "$c" "$sanitizer" --tool "$tool" \
                "${extra[@]}" --error-exitcode 1 "${bin[tests]}" >> "$out/sanitizer.log" 2>&1
            rc=$?
            line=$(grep -E '(ERROR|RACECHECK|INITCHECK|SYNCCHECK) SUMMARY' "$out/sanitizer.log" | tail -n 1 |
                sed 's/^========= //')
            [ $rc -ge 124 ] && line="stopped at the cap ${line:+($line)}"
            results+=("$tool: ${line:-exit $rc}")
            [ $rc -eq 0 ] || status=FAILED
        done
        record sanitizer $status $((SECONDS - t0)) "$(IFS=';'; echo "${results[*]}")"
    fi
fi

# ---- 6 model ------------------------------------------------------------------------------
t0=$SECONDS
sass_tools=$(dirname "$(command -v nvdisasm || echo "$carried/tools/nvdisasm")")
if [ -s "$out/bench.csv" ] && [ -f "$carried/report/plans.jsonl" ] && command -v c++filt >/dev/null &&
    [ -x "$sass_tools/nvdisasm" ] && [ -x "$sass_tools/cuobjdump" ] && [ $(($(left) - reserve)) -gt 5 ]; then
    say "6 model: the model beside the measurements -> MODEL.md"
    timeout "$(cap $cap_model)" python3 bench/kernel_report.py --cubins "$carried/report" \
        --plans "$carried/report/plans.jsonl" --tools "$sass_tools" --measured "$out/bench.csv" \
        --markdown "$out/MODEL.md" --about "Measured column: this run ($(date -u +%F))." > /dev/null
    rc=$?
    record model "$([ $rc -eq 0 ] && echo ok || echo FAILED)" $((SECONDS - t0)) "MODEL.md"
else
    record model skipped 0 "no CSV, no carried report data, or no disassembler"
fi
exit $failed
