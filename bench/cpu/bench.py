#!/usr/bin/env python3
"""bench.py - `make bench-cpu`: tconv's CPU backend beside PyTorch's CPU convolution.

One process, one run: tconv (libtconv.so through ctypes, a CPU context) and PyTorch
(torch.nn.functional.conv{,_transpose}{1,2,3}d) on the same float32 NCHW arrays, the same
thread count, and the machine's FMA ceiling (bench/cpu/peak.c: one register-only FMA loop per
thread on the widest vector unit) measured in the same process. Per layer: the outputs are
compared first (max |tconv - torch| / max |torch|; that call is each side's warm-up; a
non-finite value fails the layer), then `--reps` timed calls of each, alternating with no pause
between them, and the medians are reported with the useful GFLOP/s (BENCH.md: products that reach an output from a real input
element) and their share of the FMA ceiling.

The ceiling is probed again before every pair of timed calls (a few milliseconds of the same
FMA loop), a guard against a core shared with other jobs: a layer whose probes' median falls
below --steady (85 %) of the run's ceiling is measured again, up to --tries times, and the
steadiest try is reported with its probe in the `ceil` column; one still below is flagged.
With --clock cpu every side and every probe is timed by its own thread's CPU time: the
process's CPU time also counted other threads of the process (the numerical libraries' worker
pools) and doubled some layers' figures in whole-suite runs. Those pools are sized to
--threads before numpy and torch are imported (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS,
MKL_NUM_THREADS, unless already set), so that PyTorch's work stays on the threads it is given,
and told to sleep as soon as they are idle (OMP_WAIT_POLICY=PASSIVE, OPENBLAS_THREAD_TIMEOUT=4,
unless already set). Left to spin, they took a core from whatever ran next: OpenMP's threads
and OpenBLAS's (which PyTorch's transposed convolution calls) keep polling for new work, the
latter for about 2^28 cycles (0.1 s), and on this 2-core machine tconv's second thread then
shared a core with them (dcgan.up3 at 2 threads: 7.3 ms, the 1-thread time, against 3.5 ms
alone). There is no pause between calls either: on a virtual machine a core left idle is
given back to the host, and the next call's threads wait for it (dcgan.up3 at 2 threads after
a 0.1 s pause: 8 ms, back to back: 4 ms); both sides now find the cores as the call before
left them, busy.

The suite: BENCH.md's 24 layers at CPU sizes - the nine of the CPU issue as they were measured
there, the others scaled (batch, and spatial size for the largest) so that PyTorch takes a
few hundred milliseconds. Python and torch are used here only, never by the tests.

Writes the table to stdout, the rows to --csv, and a chart of the speed over PyTorch per
layer to --svg (gnuplot).
"""

import argparse
import ctypes
import csv
import datetime
import math
import os
import platform
import statistics
import shutil
import subprocess
import sys
import time


def pin_pools(argv):
    """Sizes OpenMP's and the BLAS libraries' pools to --threads (default 2), and has their
    threads sleep when idle: these are read when numpy and torch are imported, so this runs
    before those imports."""
    threads = "2"
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            threads = argv[i + 1]
        elif arg.startswith("--threads="):
            threads = arg.split("=", 1)[1]
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, threads)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")  # 2^4 cycles of polling, then sleep


pin_pools(sys.argv[1:])

import numpy as np  # noqa: E402 (after pin_pools)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

# name, op (T transposed / C conv), N, Cin, Cout, input, k, s, p, op (T) or d (C), groups, how
# it was scaled from BENCH.md ("issue": the size the CPU issue measured)
SUITE = [
    ("dcgan.up1", "T", 4, 1024, 512, (4, 4), 4, 2, 1, 0, 1, "N 64 -> 4"),
    ("dcgan.up2", "T", 8, 512, 256, (8, 8), 4, 2, 1, 0, 1, "N 64 -> 8 (issue)"),
    ("dcgan.up3", "T", 4, 256, 128, (16, 16), 4, 2, 1, 0, 1, "N 64 -> 4"),
    ("dcgan.out", "T", 32, 128, 3, (32, 32), 4, 2, 1, 0, 1, "N 64 -> 32"),
    ("unet.up1", "T", 1, 1024, 512, (16, 16), 2, 2, 0, 0, 1, "N 8 -> 1, 32x32 -> 16x16"),
    ("unet.up4", "T", 1, 128, 64, (128, 128), 2, 2, 0, 0, 1, "N 8 -> 1, 256x256 -> 128x128 (issue)"),
    ("ae.k3s2", "T", 4, 256, 128, (32, 32), 3, 2, 1, 1, 1, "N 16 -> 4 (issue)"),
    ("sr.s4", "T", 1, 64, 64, (32, 32), 8, 4, 2, 0, 1, "N 8 -> 1, 64x64 -> 32x32"),
    ("fcn.up8", "T", 1, 21, 21, (64, 64), 16, 8, 4, 0, 21, "as BENCH.md"),
    ("dw.up2", "T", 1, 256, 256, (64, 64), 4, 2, 1, 0, 256, "N 8 -> 1 (issue)"),
    ("hifigan.up1", "T", 4, 512, 256, (32,), 16, 8, 4, 0, 1, "N 16 -> 4 (issue)"),
    ("hifigan.up2", "T", 2, 256, 128, (256,), 16, 8, 4, 0, 1, "N 16 -> 2"),
    ("hifigan.up3", "T", 8, 128, 64, (2048,), 4, 2, 1, 0, 1, "N 16 -> 8"),
    ("unet3d.up", "T", 1, 256, 128, (12, 12, 12), 2, 2, 0, 0, 1, "N 2 -> 1, 16^3 -> 12^3"),
    ("vnet.up", "T", 1, 128, 64, (16, 16, 16), 4, 2, 1, 0, 1, "N 2 -> 1, 32^3 -> 16^3 (issue)"),
    ("resnet.stem", "C", 8, 3, 64, (224, 224), 7, 2, 3, 1, 1, "N 32 -> 8"),
    ("resnet.down", "C", 4, 128, 128, (56, 56), 3, 2, 1, 1, 1, "N 32 -> 4 (issue)"),
    ("resnet.proj", "C", 16, 256, 512, (56, 56), 1, 2, 0, 1, 1, "N 32 -> 16"),
    ("dcgan.disc2", "C", 128, 128, 256, (16, 16), 4, 2, 1, 1, 1, "N 64 -> 128"),
    ("mbv2.dw", "C", 8, 144, 144, (56, 56), 3, 2, 1, 1, 144, "N 32 -> 8 (issue)"),
    ("atrous.s2", "C", 16, 256, 256, (64, 64), 3, 2, 2, 2, 1, "N 8 -> 16"),
    ("wav2vec.c0", "C", 8, 1, 512, (16000,), 10, 5, 0, 1, 1, "as BENCH.md"),
    ("wav2vec.c1", "C", 1, 512, 512, (3199,), 3, 2, 0, 1, 1, "N 8 -> 1 (issue)"),
    ("conv3d.s2", "C", 8, 64, 128, (32, 32, 32), 3, 2, 1, 1, 1, "N 2 -> 8"),
]

ALGOS = {"auto": 0, "reference": 2, "cpu_igemm": 6, "cpu_direct": 7}
PROBE_SECONDS = 0.004  # one ceiling probe (grown to about this long)


# ---- the library through ctypes ------------------------------------------------------------

class Params(ctypes.Structure):
    _fields_ = [("spatial_rank", ctypes.c_int), ("stride", ctypes.c_int64 * 3),
                ("dilation", ctypes.c_int64 * 3), ("pad_begin", ctypes.c_int64 * 3),
                ("pad_end", ctypes.c_int64 * 3), ("output_padding", ctypes.c_int64 * 3),
                ("groups", ctypes.c_int64), ("auto_pad", ctypes.c_int),
                ("output_size", ctypes.c_int64 * 3), ("output_size_rule", ctypes.c_int),
                ("padding_mode", ctypes.c_int), ("activation", ctypes.c_int),
                ("activation_alpha", ctypes.c_float), ("activation_beta", ctypes.c_float),
                ("math", ctypes.c_int)]


class Tensor(ctypes.Structure):
    _fields_ = [("rank", ctypes.c_int), ("dims", ctypes.c_int64 * 5), ("dtype", ctypes.c_int),
                ("layout", ctypes.c_int), ("buffer", ctypes.c_void_p), ("offset", ctypes.c_size_t)]


class Library:
    def __init__(self, path):
        lib = self.lib = ctypes.CDLL(path)
        lib.tconv_params_default.restype = Params
        lib.tconv_tensor_make.restype = Tensor
        lib.tconv_tensor_make.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                                          ctypes.POINTER(ctypes.c_int64)]
        lib.tconv_buffer_wrap.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                          ctypes.POINTER(ctypes.c_void_p)]
        lib.tconv_buffer_destroy.argtypes = [ctypes.c_void_p]
        lib.tconv_context_last_error.restype = ctypes.c_char_p
        lib.tconv_context_last_error.argtypes = [ctypes.c_void_p]
        lib.tconv_last_error.restype = ctypes.c_char_p
        lib.tconv_version_string.restype = ctypes.c_char_p
        for name in ("tconv_conv_forward", "tconv_transpose_forward"):
            getattr(lib, name).argtypes = [ctypes.c_void_p, ctypes.POINTER(Params),
                                           ctypes.POINTER(Tensor), ctypes.POINTER(Tensor),
                                           ctypes.c_void_p, ctypes.POINTER(Tensor),
                                           ctypes.c_int, ctypes.c_void_p]
        self.ctx = ctypes.c_void_p()
        self.check(lib.tconv_context_create(1, 0, ctypes.byref(self.ctx)), "context create")

    def check(self, status, what):
        if status != 0:
            sentence = (self.lib.tconv_context_last_error(self.ctx) if self.ctx
                        else self.lib.tconv_last_error()).decode()
            raise RuntimeError(f"{what}: status {status}: {sentence}")

    def set_threads(self, threads):
        self.check(self.lib.tconv_context_set_threads(self.ctx, threads), "set threads")

    def wrap(self, array):
        buf = ctypes.c_void_p()
        self.check(self.lib.tconv_buffer_wrap(self.ctx, array.ctypes.data, array.nbytes,
                                              ctypes.byref(buf)), "buffer wrap")
        dims = (ctypes.c_int64 * 5)(*array.shape)
        return buf, self.lib.tconv_tensor_make(buf, 0, array.ndim, dims)

    def layer(self, layer, x, w, algo):
        """A callable running the layer into a new y (returned with it)."""
        name, op, n, cin, cout, inp, k, s, p, opd, g, _ = layer
        rank = len(inp)
        params = self.lib.tconv_params_default(rank)
        params.groups = g
        for a in range(rank):
            params.stride[a], params.pad_begin[a], params.pad_end[a] = s, p, p
            if op == "T":
                params.output_padding[a] = opd
            else:
                params.dilation[a] = opd
        y_dims = (ctypes.c_int64 * 5)()
        x_dims = (ctypes.c_int64 * 5)(*x.shape)
        w_dims = (ctypes.c_int64 * 5)(*w.shape)
        shape = (self.lib.tconv_transpose_output_shape if op == "T"
                 else self.lib.tconv_conv_output_shape)
        self.check(shape(ctypes.byref(params), x_dims, w_dims, y_dims), f"{name}: shape")
        y = np.empty(tuple(y_dims[:rank + 2]), dtype=np.float32)
        (bx, tx), (bw, tw), (by, ty) = self.wrap(x), self.wrap(w), self.wrap(y)
        forward = self.lib.tconv_transpose_forward if op == "T" else self.lib.tconv_conv_forward
        args = (self.ctx, ctypes.byref(params), ctypes.byref(tx), ctypes.byref(tw), None,
                ctypes.byref(ty), ALGOS[algo], None)

        def run():
            self.check(forward(*args), name)
        return run, y, (bx, bw, by)

    def release(self, buffers):
        for b in buffers:
            self.lib.tconv_buffer_destroy(b)


# ---- one layer ------------------------------------------------------------------------------

def useful_flops(layer, y_shape):
    """2 x the products that reach an output element from a real input element (BENCH.md),
    counted per dimension (the condition is separable) and multiplied."""
    name, op, n, cin, cout, inp, k, s, p, opd, g, _ = layer
    pairs = 1
    for a, i in enumerate(inp):
        o = y_shape[2 + a]
        if op == "T":  # input t, tap j land on t*s + j - p, which must lie in [0, o)
            pairs *= sum(1 for t in range(i) for j in range(k) if 0 <= t * s + j - p < o)
        else:  # output m, tap j read m*s - p + j*d, which must lie in [0, i)
            pairs *= sum(1 for m in range(o) for j in range(k) if 0 <= m * s - p + j * opd < i)
    return 2.0 * n * (cin // g) * cout * pairs


def torch_call(layer, xt, wt):
    name, op, n, cin, cout, inp, k, s, p, opd, g, _ = layer
    rank = len(inp)
    if op == "T":
        f = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[rank - 1]
        return lambda: f(xt, wt, None, s, p, opd, g)
    f = (F.conv1d, F.conv2d, F.conv3d)[rank - 1]
    return lambda: f(xt, wt, None, s, p, opd, g)


CLOCK = time.perf_counter  # --clock cpu: time.thread_time


def seconds_of(fn):
    start = CLOCK()
    out = fn()
    return CLOCK() - start, out


def run_layer(lib, layer, reps, algo, seed, probe):
    name, op, n, cin, cout, inp, k, s, p, opd, g, _ = layer
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (n, cin) + inp).astype(np.float32)
    w_shape = ((cin, cout // g) if op == "T" else (cout, cin // g)) + (k,) * len(inp)
    w = rng.uniform(-1.0, 1.0, w_shape).astype(np.float32)
    run, y, buffers = lib.layer(layer, x, w, algo)
    with torch.inference_mode():
        reference = torch_call(layer, torch.from_numpy(x), torch.from_numpy(w))
        try:
            y.fill(np.nan)
            run()  # correctness first, and the warm-up of each side
            expected = reference().numpy()
            finite = bool(np.isfinite(y).all() and np.isfinite(expected).all())
            scale = float(np.abs(expected).max())
            error = float(np.abs(y - expected).max()) / scale if finite and scale > 0 else math.inf
            # The sides alternate, so that both see the same share of a machine other jobs
            # use, back to back (no pool spins after a call: pin_pools).
            ours, theirs, ceilings = [], [], []
            for _ in range(reps):
                ceilings.append(probe())
                for fn, times in ((run, ours), (reference, theirs)):
                    times.append(seconds_of(fn)[0])
        finally:
            lib.release(buffers)
    flops = useful_flops(layer, y.shape)
    return {
        "layer": name, "op": "transposed" if op == "T" else "conv", "n": n,
        "shape": f"{cin}->{cout} {'x'.join(map(str, inp))} k{k} s{s} p{p}"
                 + (f" op{opd}" if op == "T" and opd else "")
                 + (f" d{opd}" if op == "C" and opd > 1 else "") + (f" g{g}" if g > 1 else ""),
        "dense": len(inp) == 2 and g == 1, "scaled": layer[-1],
        "tconv_ms": 1e3 * statistics.median(ours), "torch_ms": 1e3 * statistics.median(theirs),
        "gflops": flops / 1e9, "error": error, "ceiling": statistics.median(ceilings),
        "status": "ok" if finite and error <= 1e-4 else "mismatch",
    }


# ---- the run ---------------------------------------------------------------------------------

def machine_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def fma_peak(path, threads, cpu):
    peak = ctypes.CDLL(path)
    peak.tconv_bench_fma_peak.restype = ctypes.c_double
    peak.tconv_bench_fma_peak.argtypes = [ctypes.c_int, ctypes.c_double, ctypes.c_int,
                                          ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    isa = ctypes.create_string_buffer(16)
    flops = peak.tconv_bench_fma_peak(threads, 0.25, 5, cpu, isa, 16)

    def probe():
        return peak.tconv_bench_fma_peak(threads, PROBE_SECONDS, 1, cpu, isa, 16)
    return flops, isa.value.decode(), probe


def draw(rows, svg, title):
    if shutil.which("gnuplot") is None:
        print(f"chart not drawn: no gnuplot (install it and run again for {svg})")
        return
    data = svg + ".dat"
    with open(data, "w") as f:
        for i, r in enumerate(rows):
            speed = r["torch_ms"] / r["tconv_ms"] if r["status"] == "ok" else 0.26
            f.write(f'{i} "{r["layer"]}" {speed:.4f} {0 if r["op"] == "transposed" else 1} '
                    f'"{speed:.2f}"\n')
    script = f"""
set terminal svg size 1200,600 dynamic enhanced font "sans,12" background rgb "white"
set output "{svg}"
set title "{title}" noenhanced
set ylabel "speed over PyTorch (PyTorch ms / tconv ms, log scale)"
set xtics rotate by -40 left nomirror noenhanced font ",11"
set bmargin 8
set logscale y
set yrange [0.25:{max([r["torch_ms"] / r["tconv_ms"] for r in rows] + [2.0]) * 2.0:.1f}]
set ytics (0.25, 0.5, 0.7, 1, 1.5, 2, 5, 10, 20, 50, 100, 200)
set xrange [-0.7:{len(rows) - 0.3}]
set grid ytics lc rgb "#dddddd"
set border 3
set key top left opaque
set style fill solid 0.85 border rgb "#333333"
set boxwidth 0.7
plot "{data}" using 1:($4 == 0 ? $3 : 1/0) with boxes lc rgb "#4477aa" title "transposed convolution", \\
     "{data}" using 1:($4 == 1 ? $3 : 1/0) with boxes lc rgb "#ee7733" title "strided convolution", \\
     "{data}" using 1:3:5:xtic(2) with labels offset 0, 0.7 font ",10" notitle, \\
     1.0 with lines dt 2 lw 1.5 lc rgb "#222222" title "PyTorch = 1.0", \\
     1.5 with lines dt 3 lw 1.5 lc rgb "#aa3333" title "target: geometric mean 1.5"
"""
    subprocess.run(["gnuplot"], input=script.encode(), check=True)
    os.remove(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lib", required=True, help="libtconv.so")
    ap.add_argument("--peak", required=True, help="the FMA-peak shared object (peak.c)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=7, help="timed calls per side (median)")
    ap.add_argument("--algo", default="auto", choices=sorted(ALGOS))
    ap.add_argument("--layer", default="", help="comma list of layers (default: all)")
    ap.add_argument("--csv", help="rows as CSV")
    ap.add_argument("--svg", help="chart of the speed over PyTorch")
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--steady", type=float, default=0.85,
                    help="least share of the run's ceiling a layer's probes must see (else the "
                         "layer is measured again)")
    ap.add_argument("--tries", type=int, default=3, help="measurements of a disturbed layer")
    ap.add_argument("--clock", default="wall", choices=("wall", "cpu"),
                    help="cpu: the calling thread's CPU time, for --threads 1 on a machine "
                         "other jobs share (what each side gets while it runs)")
    args = ap.parse_args()
    if args.reps < 3:
        ap.error("--reps must be at least 3")
    wanted = [n for n in args.layer.split(",") if n]
    unknown = [n for n in wanted if n not in {l[0] for l in SUITE}]
    if unknown:
        ap.error(f"unknown layer(s) {', '.join(unknown)}")
    suite = [l for l in SUITE if not wanted or l[0] in wanted]

    if args.clock == "cpu":
        if args.threads != 1:
            ap.error("--clock cpu needs --threads 1 (OpenMP threads spin on CPU time)")
        global CLOCK
        CLOCK = time.thread_time  # the calling thread only: see the docstring
    torch.set_num_threads(args.threads)
    lib = Library(args.lib)
    lib.set_threads(args.threads)
    peak, isa, probe = fma_peak(args.peak, args.threads, args.clock == "cpu")
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    compiler = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout
    print(f"tconv-bench-cpu: tconv {lib.lib.tconv_version_string().decode()}, commit "
          f"{args.commit}, {date}")
    load = os.getloadavg()
    print(f"machine: {machine_name()}, {os.cpu_count()} logical CPUs; {args.threads} threads "
          f"each side; load average at start {load[0]:.2f} (other processes share the cores)")
    print(f"versions: PyTorch {torch.__version__}, NumPy {np.__version__}, Python "
          f"{platform.python_version()}, {compiler.splitlines()[0] if compiler else 'cc ?'}")
    print(f"FMA ceiling ({isa}, {args.threads} threads, register-only loop): "
          f"{peak / 1e9:.1f} GFLOP/s; times by the {args.clock} clock")
    print(f"tconv algorithm: {args.algo}; median of {args.reps} calls after one warm-up, the "
          f"sides alternating back to back, idle pool threads asleep; the ceiling "
          f"probed before each pair (ceil: their median, % of the ceiling above; a layer below "
          f"{100 * args.steady:.0f}% is measured again, up to {args.tries} times)\n")
    header = (f"{'layer':12s} {'op':10s} {'N':>4s}  {'shape':34s} {'tconv ms':>9s} "
              f"{'torch ms':>9s} {'speed':>6s} {'GFLOP/s':>8s} {'% peak':>6s} {'ceil':>5s} {'rel err':>8s}")
    print(header)
    print("-" * len(header))
    rows = []
    for i, layer in enumerate(suite):
        r = None
        for attempt in range(1, args.tries + 1):
            t = run_layer(lib, layer, args.reps, args.algo, 1000 + i, probe)
            if r is None or t["ceiling"] > r["ceiling"]:
                r = t
            if r["ceiling"] >= args.steady * peak:
                break
        r["tries"] = attempt
        r["ceil_pct"] = 100.0 * r["ceiling"] / peak
        r["steady"] = r["ceil_pct"] >= 100.0 * args.steady
        r["gflops_s"] = r["gflops"] / (r["tconv_ms"] * 1e-3)
        r["peak_pct"] = 100.0 * r["gflops_s"] * 1e9 / peak
        r["speed"] = r["torch_ms"] / r["tconv_ms"]
        rows.append(r)
        print(f"{r['layer']:12s} {r['op']:10s} {r['n']:4d}  {r['shape']:34s} "
              f"{r['tconv_ms']:9.2f} {r['torch_ms']:9.2f} {r['speed']:5.2f}x "
              f"{r['gflops_s']:8.1f} {r['peak_pct']:5.1f}% {r['ceil_pct']:4.0f}% {r['error']:8.1e}"
              + ("" if r["status"] == "ok" else "  MISMATCH")
              + (f"  (try {r['tries']})" if r["tries"] > 1 else "")
              + ("" if r["steady"] else "  DISTURBED"), flush=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    ok = [r for r in rows if r["status"] == "ok"]
    geomean = math.exp(sum(math.log(r["speed"]) for r in ok) / len(ok)) if ok else 0.0
    slowest = min(ok, key=lambda r: r["speed"]) if ok else None
    dense = [r for r in ok if r["dense"]]
    print(f"geometric mean of the speed over PyTorch: {geomean:.2f}x over {len(ok)} layers "
          f"(target >= 1.5)")
    if slowest:
        print(f"slowest: {slowest['layer']} {slowest['speed']:.2f}x (target: none below 0.7)")
    if dense:
        below = [r["layer"] for r in dense if r["peak_pct"] < 50.0]
        print(f"dense 2-D layers (groups 1) at >= 50% of the FMA ceiling: "
              f"{len(dense) - len(below)} of {len(dense)}"
              + (f" (below: {', '.join(below)})" if below else ""))
    disturbed = [r["layer"] for r in rows if not r["steady"]]
    if disturbed:
        print(f"measured while the core delivered under {100 * args.steady:.0f}% of the "
              f"ceiling (after {args.tries} tries): {', '.join(disturbed)}")
    bad = len(rows) - len(ok)
    if bad:
        print(f"{bad} layer(s) whose output differs from PyTorch's")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow([f"# tconv {lib.lib.tconv_version_string().decode()} commit "
                          f"{args.commit} {date}; {machine_name()}; {args.threads} threads, "
                          f"{args.clock} clock; "
                          f"PyTorch {torch.__version__}; FMA ceiling {isa} {peak / 1e9:.1f} "
                          f"GFLOP/s"])
            keys = ["layer", "op", "n", "shape", "scaled", "dense", "status", "tconv_ms",
                    "torch_ms", "speed", "gflops", "gflops_s", "peak_pct", "ceil_pct", "tries",
                    "error"]
            out.writerow(keys)
            for r in rows:
                out.writerow([f"{r[k]:.6g}" if isinstance(r[k], float) else r[k] for k in keys])
    if args.svg:
        draw(rows, args.svg, f"tconv CPU vs PyTorch {torch.__version__}, {args.threads} threads, "
                             f"{machine_name()} ({args.commit}, {date[:10]})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
