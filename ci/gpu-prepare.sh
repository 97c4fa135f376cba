#!/usr/bin/env bash
# gpu-prepare.sh - on a build machine (x86-64, CUDA toolkit, apt and pip; no GPU needed):
# what ci/gpu-check.sh needs on a bare GPU machine that has the CUDA 13 toolkit,
# compute-sanitizer and PyTorch's cuDNN/cuBLAS wheels but no network, no CUnit and no Debian
# dev packages, gathered in one git-ignored folder to carry there:
#
#   .deps/gpu-check/packed.tar.gz  bin/ and report/ below, packed (a device call carries at
#                            most 64 MiB; ci/gpu-check.sh unpacks them there)
#   .deps/gpu-check/bin/     tconv-tests, tconv, tconv-bench (sm_90 + PTX)
#   .deps/gpu-check/lib/     shared libraries they need that such a machine lacks:
#                            libcunit.so.1, libpng16.so.16
#   .deps/gpu-check/dev/     CUnit's and libpng's headers and link libraries (and a stub
#                            pkg-config for the build's probe), to rebuild there what does not
#                            start
#   .deps/gpu-check/report/  the kernel report's cubins, ptxas logs and launch plans, and
#   .deps/gpu-check/tools/   cuobjdump and nvdisasm: the model set beside the measurements
#   .deps/gpu-check/MANIFEST what was built, from which commit, with which toolkit and cuDNN
#
# cuDNN's headers and libcudnn.so.9 (to build tconv-bench here; the GPU machine loads its own)
# come from the nvidia-cudnn-cu13 wheel, downloaded with pip into .deps/ (or CUDNN_DIR). Then the check is rehearsed here up to its first CUDA call
# (ci/gpu-check.sh --rehearse), and the device command is printed.
#
# Environment: JOBS (make -j, default 2), CUDNN_WHEEL_VERSION (default 9.13.0.50).
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.deps/gpu-check
build=build/gpu-prepare
jobs=${JOBS:-2}
cudnn_wheel=${CUDNN_WHEEL_VERSION:-9.13.0.50}
step() { printf '\n== %s\n' "$*"; }

# unpack_debs <folder> <package>...: apt-get download and dpkg-deb -x, no root needed.
unpack_debs() {
    local into=$1 tmp
    shift
    tmp=$(mktemp -d)
    chmod 755 "$tmp" # apt-get download hands the file to its _apt user
    (cd "$tmp" && apt-get download "$@" > /dev/null) ||
        { echo "apt-get download $* failed (apt-get update first?)" >&2; exit 1; }
    for deb in "$tmp"/*.deb; do
        echo "  unpacking $(basename "$deb")"
        dpkg-deb -x "$deb" "$into"
    done
    rm -rf "$tmp"
}

step "cuDNN for building tconv-bench"
# The wheel's headers rather than a newer system cuDNN: the binary must load the GPU
# machine's cuDNN 9, which PyTorch's wheel brings and which may be older than this machine's.
cudnn_dir=${CUDNN_DIR:-}
if [ -z "$cudnn_dir" ]; then
    cudnn_dir=$PWD/.deps/cudnn
    if [ ! -f "$cudnn_dir/include/cudnn.h" ]; then
        echo "  no cuDNN here: nvidia-cudnn-cu13==$cudnn_wheel from PyPI into .deps/ (pip)"
        python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
            --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
            -d .deps/wheels "nvidia-cudnn-cu13==$cudnn_wheel"
        # Headers, and the libraries that create descriptors (tconv-bench --list); not the
        # engines, which only a GPU run loads.
        python3 - "$cudnn_dir" .deps/wheels/nvidia_cudnn_cu13-"$cudnn_wheel"-*.whl << 'PY'
import os, sys, zipfile
into, wheel = sys.argv[1], sys.argv[2]
keep = ("include/", "lib/libcudnn.so.9", "lib/libcudnn_graph.so.9", "lib/libcudnn_ops.so.9",
        "lib/libcudnn_cnn.so.9")
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        rest = name.split("nvidia/cudnn/", 1)[-1]
        if name.startswith("nvidia/cudnn/") and rest.startswith(keep) and not name.endswith("/"):
            os.makedirs(os.path.dirname(os.path.join(into, rest)), exist_ok=True)
            with z.open(name) as src, open(os.path.join(into, rest), "wb") as dst:
                dst.write(src.read())
PY
        rm -f .deps/wheels/nvidia_cudnn_cu13-"$cudnn_wheel"-*.whl
    fi
fi
echo "  cuDNN: $cudnn_dir"

step "build from scratch (make -j$jobs BUILD=$build)"
rm -rf "$build" # a build that changed cuDNN or flags would otherwise keep stale objects
mkdir -p "$build"
make -j"$jobs" BUILD="$build" CUDNN_DIR="$cudnn_dir" cli "$build/bin/tconv-tests" \
    bench-build kernel-report MODEL_MD="$build/MODEL.md" > "$build.log" 2>&1 ||
    { tail -n 40 "$build.log"; exit 1; }
tail -n 3 "$build.log"

step "gather $dest"
rm -rf "$dest"
mkdir -p "$dest/bin" "$dest/lib" "$dest/dev/bin" "$dest/report" "$dest/tools"
cp "$build/bin/tconv-tests" "$build/bin/tconv" "$build/bin/tconv-bench" "$dest/bin/"
unpack_debs "$dest/dev" libcunit1 libcunit1-dev libpng16-16 libpng-dev
# The runtime libraries the GPU machine lacks, by the names the binaries ask for.
for soname in libcunit.so.1 libpng16.so.16; do
    cp -L "$dest/dev/usr/lib/x86_64-linux-gnu/$soname" "$dest/lib/$soname"
done
rm -rf "$dest/dev/usr/share"
printf '#!/bin/sh\n# Stub: satisfies the build'"'"'s probe; the install test that calls it is not run.\nexit 1\n' \
    > "$dest/dev/bin/pkg-config"
chmod +x "$dest/dev/bin/pkg-config"
cp "$build"/report/*.cubin "$build"/report/*.ptxas "$build/report/plans.jsonl" "$dest/report/"
# The disassemblers make kernel-report used: the toolkit's, or the ones it installed.
for sass_bin in "$(dirname "$(command -v nvcc)")" .deps/sass-tools/nvidia/cu13/bin; do
    [ -x "$sass_bin/nvdisasm" ] && [ -x "$sass_bin/cuobjdump" ] && break
done
cp "$sass_bin/cuobjdump" "$sass_bin/nvdisasm" "$dest/tools/"
for b in "$dest"/bin/*; do
    if LD_LIBRARY_PATH="$dest/lib" ldd "$b" | grep 'not found'; then
        echo "  $b: libraries not found here either" >&2
        exit 1
    fi
done
{
    echo "tconv $(git describe --always --dirty), built $(date -u +%FT%TZ) on $(uname -m)"
    nvcc --version | tail -n 1
    cudnn_h=$(make -s CUDNN_DIR="$cudnn_dir" probe-bench | sed -n 's/.*cuDNN: \([^,]*\),.*/\1/p')
    echo "cuDNN headers: $(sed -n 's/^#define CUDNN_\(MAJOR\|MINOR\|PATCHLEVEL\) *\([0-9]*\).*/\2/p' \
        "$(dirname "$cudnn_h")/cudnn_version.h" 2>/dev/null | paste -sd.) ($cudnn_h)"
    (cd "$dest" && find . -type f ! -name MANIFEST -exec sha256sum {} + | sort -k 2)
} > "$dest/MANIFEST"
# The binaries and cubins packed (gzip, which every machine has): what travels to the device,
# the repository's tracked files and this folder, is at most 64 MiB (72 MB unpacked here).
tar -czf "$dest/packed.tar.gz" -C "$dest" bin report
rm -rf "$dest/bin" "$dest/report"
limit=$((64 * 1024 * 1024))
tree=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
carry=$(find "$dest" -type f -exec stat -c %s {} + | awk '{s += $1} END {print s + 0}')
echo "  $dest: $((carry / 1048576)) MiB, tracked files $((tree / 1048576)) MiB (limit 64 MiB)"
if [ $((tree + carry)) -gt $limit ]; then
    echo "  over the 64 MiB a device call carries" >&2
    exit 1
fi

step "rehearsal here, up to the first CUDA call"
OUT="$build/rehearsal" GPU_CHECK_CARRIED="$dest" ci/gpu-check.sh --rehearse
rm -rf "$dest/bin" "$dest/report" # unpacked by the rehearsal; they travel packed

step "on the GPU machine"
cat << EOF
From this repository's root (the folder travels to the device with the working tree), give
the device tool's run:
  command:   bash ci/gpu-check.sh
  carry:     ["$dest"]
  timeout_s: 600
The script ends itself within 530 s; its files come back from \$OUT.
EOF
