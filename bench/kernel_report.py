#!/usr/bin/env python3
"""kernel_report.py - what `make kernel-report` prints and writes to bench/MODEL.md: the
kernels' static figures on sm_90 (ptxas, SASS; the tensor-core kernels' dynamic shared memory
from tconv-plans), the main loops of the implicit-GEMM kernels (FFMA and tensor-core),
the suite's static targets, and a MODEL of the suite's layers on an H100 SXM built from the
launch plans (tconv-plans: host/algos.h through bench/plans.c) and those static figures.
With --figures it also writes the C header of the figures the implicit GEMM's choice weighs
(host/igemm_figures.h): each FFMA kernel's main-loop FFMA share and resident blocks per SM.

Nothing here ran on a GPU: the figures are static and the times are a model. A tconv-bench
CSV given with --measured sets the measured useful TFLOP/s of AUTO beside each prediction.

usage: kernel_report.py --cubins DIR --plans FILE [--tools DIR] [--measured CSV]
                        [--markdown FILE] [--figures FILE] [--about TEXT]
"""

import argparse
import csv
import glob
import heapq
import json
import math
import os
import sys
import textwrap

import sass

# Warps per scheduler the model takes to hide latency: below it the issue rate falls in
# proportion (16 warps per SM, the target for every 256-thread igemm configuration).
WARPS_TO_HIDE_LATENCY = 4
DENSE_FFMA_SHARE = 0.80  # target: main loops serving dense layers
OTHER_FFMA_SHARE = 0.60
DENSE_PEAK_SHARE = 0.70
LOSS_SHOWN = 0.90  # factors of the issue-bound share shown after the limiter


def pct(x):
    return f"{100 * x:.0f} %"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def short(name):
    """igemm_v1<igemm::Config<128, 64, 8, 8, 4> > -> igemm_v1<128,64,8,8,4>."""
    return sass.normalise(name).replace("igemm::Config<", "").replace(">>", ">")


def load_kernels(cubin_dir, tools):
    tool = lambda name: os.path.join(tools, name) if tools else name
    kernels = []
    for cubin in sorted(glob.glob(os.path.join(cubin_dir, "*.cubin"))):
        with open(cubin[: -len(".cubin")] + ".ptxas") as f:
            log = f.read()
        for k in sass.kernels_of(cubin, log, tool("cuobjdump"), tool("nvdisasm")):
            k["file"] = os.path.basename(cubin)[: -len(".cubin")] + ".cu"
            kernels.append(k)
    return kernels


def apply_tc_kernels(rows, kernels):
    """The tensor-core kernels' dynamic shared memory (tconv-plans' tc_kernel lines): their
    resident blocks and occupancy at their block size with it."""
    for row in rows:
        k = kernel_of(row["tc_kernel"], kernels)
        k["dsmem"], k["resident_asked"] = row["dynamic_smem"], row["resident"]
        k["blocks"], k["limiter"] = sass.occupancy(k["registers"], row["threads"],
                                                   k["smem"] + row["dynamic_smem"])
        k["occupancy"] = k["blocks"] * -(-row["threads"] // 32) / sass.MAX_WARPS


def kernel_of(stem, kernels):
    """The kernel a plan names: the exact name, else the one kernel the stem is a prefix of."""
    found = [k for k in kernels if sass.matches(stem, k["name"])]
    exact = [k for k in found if sass.normalise(k["name"]) == sass.normalise(stem)]
    if exact:
        return exact[0]
    if len(found) != 1:
        raise SystemExit(f"kernel_report: the plan's kernel '{stem}' names {len(found)} kernels "
                         f"in the SASS ({', '.join(short(k['name']) for k in found) or 'none'})")
    return found[0]


def makespan(runs, slots):
    """When the last block ends, in main-loop trips: the blocks start in launch order (runs of
    [blocks, trips] alike blocks), each on the slot (a resident block's place on an SM) that
    frees first, as the hardware's block scheduler hands them out."""
    free = [0] * slots
    for blocks, trips in runs:
        if trips == 0:
            continue  # ends at once (its epilogue is not modelled)
        for _ in range(blocks):
            heapq.heapreplace(free, free[0] + trips)
    return max(free)


def model_layer(plan, kernels):
    """One layer's prediction: see the model's description in the output."""
    k = kernel_of(plan["kernel"], kernels)
    threads, warps = plan["threads"], -(-plan["threads"] // 32)
    resident, _ = sass.occupancy(k["registers"], threads, k["smem"])
    # Blocks that do work (igemm's blocks past a smaller phase's rows exit at once).
    blocks = plan.get("active_blocks") or plan["grid"][0] * plan["grid"][1] * plan["grid"][2]
    per_sm = max(1, min(resident, -(-blocks // sass.SMS)))  # blocks an SM runs at once
    useful_macs = plan["useful_flops"] / 2
    m = dict(layer=plan["layer"], plan=plan, kernel=k, resident=resident, blocks=blocks,
             waves=blocks / (sass.SMS * resident) if resident else math.inf,
             fill=useful_macs / plan["macs_computed"] if plan["macs_computed"] else 0.0,
             hbm_s=plan["bytes"] / sass.HBM_BYTES_PER_S)
    loop = k["loop"]
    if loop is None or loop["ffma"] == 0 or plan["main_loop_trips"] == 0 or resident == 0:
        m.update(issue_s=None, share=None, latency=None, balance=None)
        m["time_s"], m["limiter"] = m["hbm_s"], "bandwidth (no FFMA loop modelled)"
    else:
        macs_per_trip = plan["bm"] * plan["bn"] * plan["bk"] if plan["bm"] else threads
        # Warp instructions of the busiest block's main loop: its FFMAs (32 MACs each) and
        # the loop's other instructions in the loop's proportion.
        block_instr = plan["main_loop_trips"] * macs_per_trip / 32 * loop["instructions"] / loop["ffma"]
        latency = min(1.0, per_sm * warps / sass.SCHEDULERS / WARPS_TO_HIDE_LATENCY)
        busiest = plan["main_loop_trips"] * macs_per_trip
        if plan.get("runs"):
            # The blocks in launch order on the SMS x per_sm slots: the busiest-block time
            # scaled by the makespan over the busiest block's trips.
            rounds = makespan(plan["runs"], sass.SMS * per_sm) / plan["main_loop_trips"]
        else:
            # Rounds of per_sm blocks an SM runs: the wave count when the blocks are alike,
            # fewer busiest-block rounds when most blocks have less work.
            rounds = max(1, math.ceil(plan["macs_computed"] / (sass.SMS * per_sm * busiest) - 1e-9))
        m["issue_s"] = rounds * per_sm * block_instr / (sass.SCHEDULERS * latency * sass.CLOCK_HZ)
        m["share"] = loop["ffma"] / loop["instructions"]
        m["latency"] = latency
        m["balance"] = plan["macs_computed"] / (sass.SMS * rounds * per_sm * busiest)
        m["time_s"] = max(m["issue_s"], m["hbm_s"])
        if m["hbm_s"] >= m["issue_s"]:
            m["limiter"] = "bandwidth"
        else:
            losses = {
                f"tile fill {pct(m['fill'])}": m["fill"],
                f"FFMA share {pct(m['share'])}": m["share"],
                f"latency {pct(latency)} ({per_sm * warps / sass.SCHEDULERS:g} warps/scheduler)": latency,
                f"SM balance {pct(m['balance'])} ({blocks} blocks, {per_sm}/SM)": m["balance"],
            }
            worst = sorted(losses, key=losses.get)
            m["limiter"] = "; ".join([worst[0]] + [w for w in worst[1:] if losses[w] < LOSS_SHOWN])
    m["tflops"] = plan["useful_flops"] / m["time_s"] / 1e12 if m["time_s"] > 0 else 0.0
    m["peak"] = m["tflops"] * 1e12 / sass.PEAK_FLOPS
    return m


def measured_of(csv_path):
    """{layer: useful TFLOP/s of AUTO} from a tconv-bench CSV (rows whose status is ok), float32
    strict NCHW rows only (the model's storage; a CSV without those columns is all of it)."""
    out = {}
    strict = {"dtype": "float32", "layout": "nchw", "math": "strict"}
    with open(csv_path, newline="") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            if any(row.get(k, v) != v for k, v in strict.items()):
                continue
            if row.get("algo") == "auto" and row.get("status") == "ok" and row.get("tflops"):
                out[row["layer"]] = float(row["tflops"])
    return out


def kernel_section(kernels, used):
    rows = [[short(k["name"]), k["file"], k["bound"] if k["bounded"] else "(1024)", k["registers"],
             f"{k['spill_stores']}/{k['spill_loads']}", k["stack"], k["smem"], k.get("dsmem", 0),
             k["blocks"], k["limiter"], pct(k["occupancy"])] for k in kernels]
    head = ["kernel", "file", "block", "registers", "spill st/ld B", "stack B", "static smem B",
            "dynamic smem B", "blocks/SM", "limited by", "occupancy"]
    loops = [[short(k["name"]), l["instructions"], l["ffma"], pct(l["ffma"] / l["instructions"]),
              l["hmma"], pct(l["hmma"] / l["instructions"]), l["ldsm"],
              f"{l['lds']}/{l['lds64']}/{l['lds128']}", l["sts"], l["ldg"], l["ldgsts"], l["local"],
              l["barriers"]]
             for k in kernels if (k["name"].startswith("igemm") or k["name"] in used) and (l := k["loop"])]
    loop_head = ["kernel", "instructions", "FFMA", "FFMA share", "HMMA", "HMMA share", "LDSM",
                 "LDS/LDS.64/LDS.128", "STS", "LDG", "LDGSTS", "LDL+STL", "BAR"]
    return ("## Kernels (static: ptxas and SASS, sm_90)\n\nBlock: the `__launch_bounds__` size "
            "(1024 where a kernel has none); blocks/SM and occupancy at that size on an H100 SXM, "
            "with the dynamic shared memory the launcher asks for (tensor-core kernels).\n\n"
            + table(head, rows) + "\n\n## Main loops (static): the implicit-GEMM kernels and those the "
            "model runs\n\nThe innermost loop around the basic block with the most FFMAs or HMMAs, "
            "each instruction counted once (inner loops included once). An HMMA is one warp's "
            "mma.sync: 16x8x16 multiply-adds (float16, bfloat16) or 16x8x8 (TF32).\n\n"
            + table(loop_head, loops) + "\n")


# The patch kernels' main loop is an inner loop (a channel's tap rows) whose shifts are branched
# around at run time: they are judged on the K trip at dcgan.out's taps (k4 s2: 2 x 2 a phase).
TRIP_ROWS, TRIP_TAPS = 2, 2


def trip_executed(trip, rows, taps):
    """(instructions, FFMAs) one K trip executes when each inner loop runs `rows` times through
    `taps` of its FFMA blocks and branches around the others."""
    total = trip["instructions"] - sum(n for n, _ in trip["inner"])
    ffma = 0
    for n, blocks in trip["inner"]:
        skipped = sorted(blocks)[: max(len(blocks) - taps, 0)]
        total += rows * (n - sum(b for b, _ in skipped))
        ffma += rows * (sum(f for _, f in blocks) - sum(f for _, f in skipped))
    return total, ffma


def trip_section(kernels):
    rows = []
    for k in kernels:
        t = k.get("trip")
        if not t or not k["name"].startswith("igemm"):
            continue
        run, ffma = trip_executed(t, TRIP_ROWS, TRIP_TAPS)
        rows.append([short(k["name"]), t["instructions"], t["ffma"], pct(t["ffma"] / t["instructions"]),
                     t["ldgsts"], len(t["inner"]), len(t["inner"][0][1]) if t["inner"] else 0,
                     run, ffma, pct(ffma / run)])
    if not rows:
        return ""
    head = ["kernel", "trip instructions", "FFMA", "FFMA share (static)", "LDGSTS", "inner loops",
            "FFMA blocks each", f"executed at {TRIP_ROWS}x{TRIP_TAPS} taps", "FFMA executed",
            "FFMA share executed"]
    return ("## K trips around inner main loops (static, and executed at dcgan.out's taps)\n\n"
            "Kernels whose main loop holds no barrier (the patch kernels: the loop over a channel's "
            "tap rows): the smallest loop around it that holds one, a trip of the K loop (the patch "
            "kernels: two chunks of two channels, copies included), each instruction counted once; "
            f"then what a trip executes when each inner loop runs {TRIP_ROWS} times through "
            f"{TRIP_TAPS} of its FFMA blocks (the taps of a phase along the innermost dimension) and "
            "branches around the rest, a count from the SASS, not a measurement.\n\n"
            + table(head, rows) + "\n")


def targets_section(kernels, models):
    dense_kernels = {m["kernel"]["name"] for m in models if m["plan"]["dense2d"]}
    tc = [k for k in kernels if "dsmem" in k]
    lines, igemm = [], [k for k in kernels if k["name"].startswith("igemm") and "dsmem" not in k]
    for k in igemm:
        l, want = k["loop"], DENSE_FFMA_SHARE if k["name"] in dense_kernels else OTHER_FFMA_SHARE
        share = l["ffma"] / l["instructions"] if l else 0.0
        where = "the main loop"
        if k.get("trip"):  # judged on what a K trip executes, not on its inner loop
            run, ffma = trip_executed(k["trip"], TRIP_ROWS, TRIP_TAPS)
            where = (f"a K trip executed at {TRIP_ROWS}x{TRIP_TAPS} taps (inner main loop "
                     f"{pct(share)}, every shift counted)")
            share = ffma / run
        lines.append(f"- {short(k['name'])}: FFMA {pct(share)} of {where} (target "
                     f"{pct(want)}{', serves dense 2-D layers' if want == DENSE_FFMA_SHARE else ''}): "
                     f"{'met' if share >= want else 'MISSED'}")
    for k in tc:
        l = k["loop"]
        mix = f"HMMA {l['hmma']} of {l['instructions']} main-loop instructions ({pct(l['hmma'] / l['instructions'])})" if l else "no HMMA loop found"
        lines.append(f"- {short(k['name'])}: {mix}; {k['blocks']} blocks/SM with "
                     f"{k['dsmem']} B dynamic shared memory (launch bounds ask {k['resident_asked']}): "
                     f"{'met' if l and k['blocks'] >= k['resident_asked'] else 'MISSED'}")
    stacked = [short(k["name"]) for k in kernels if k["stack"] > 0 or k["spill_stores"] > 0]
    lines.append(f"- no stack or spills in any kernel: "
                 f"{'met' if not stacked else 'MISSED (' + ', '.join(stacked) + ')'}")
    few = [short(k["name"]) for k in igemm if k["bound"] == 256 and k["blocks"] < 2]
    lines.append(f"- every 256-thread implicit-GEMM configuration leaves room for 2 blocks per SM: "
                 f"{'met' if not few else 'MISSED (' + ', '.join(few) + ')'}")
    short_grid = [f"{m['layer']} {m['waves']:.2f}" for m in models if m["waves"] < 1]
    lines.append(f"- every suite layer fills at least one wave of {sass.SMS} SMs (blocks / "
                 f"(SMs x resident blocks)): {'met' if not short_grid else 'MISSED (' + ', '.join(short_grid) + ')'}")
    dense = [m for m in models if m["plan"]["dense2d"]]
    low = [f"{m['layer']} {pct(m['peak'])}" for m in dense if m["peak"] < DENSE_PEAK_SHARE]
    lines.append(f"- MODEL: dense 2-D layers at >= {pct(DENSE_PEAK_SHARE)} of the FP32 peak: "
                 f"{len(dense) - len(low)} of {len(dense)}{' (below: ' + ', '.join(low) + ')' if low else ''}")
    return "## Static targets\n\n" + "\n".join(lines) + "\n"


def model_section(models, measured):
    rows = []
    for m in models:
        p = m["plan"]
        tile = f"{p['bm']}x{p['bn']}x{p['bk']}" + (f" /{p['split_k']}" if p["split_k"] > 1 else "") if p["bm"] else "-"
        got = measured.get(m["layer"])
        rows.append([m["layer"], p["algo"], short(m["kernel"]["name"]), tile, m["blocks"],
                     f"{m['waves']:.2f}", pct(m["fill"]),
                     f"{m['issue_s'] * 1e6:.1f}" if m["issue_s"] is not None else "-",
                     f"{m['hbm_s'] * 1e6:.1f}", f"{m['time_s'] * 1e6:.1f}", f"{m['tflops']:.1f}",
                     pct(m["peak"]), m["limiter"],
                     f"{got:.1f} ({got / m['tflops']:.2f}x)" if got is not None else "-"])
    head = ["layer", "AUTO", "kernel", "tile", "blocks", "waves", "fill", "issue µs", "HBM µs",
            "model µs", "model TFLOP/s", "% of peak", "limiter", "measured TFLOP/s (x model)"]
    return ("## MODEL of the suite (predicted, not measured)\n\n" + table(head, rows) + "\n")


def method_section():
    return f"""## How the model works (MODEL: assumptions, not measurements)

- The launch is what AUTO does on CUDA (`tconv_auto_algo`, `tconv_launch_plan_of` declared in host/algos.h):
  kernel, block size, grid, main-loop trips of the busiest block, multiply-adds computed.
- H100 SXM: {sass.SMS} SMs, {sass.REGISTERS} registers/SM (allocated {sass.REGISTER_ALLOCATION} per warp), {sass.MAX_THREADS} threads, {sass.MAX_WARPS} warps, {sass.MAX_BLOCKS} blocks,
  {sass.SHARED_BYTES // 1024} KB shared memory/SM (1 KB reserved per block, {sass.SHARED_MAX_PER_BLOCK // 1024} KB per block at most),
  {sass.CLOCK_HZ / 1e9:.2f} GHz, FP32 peak {sass.SMS} x {sass.FP32_LANES} x 2 x {sass.CLOCK_HZ / 1e9:.2f} GHz = {sass.PEAK_FLOPS / 1e12:.1f} TFLOP/s, HBM {sass.HBM_BYTES_PER_S / 1e12:.2f} TB/s.
- fill: useful multiply-adds (products that reach an output from a real input) over
  those computed (tile padding, taps that land on padding or outside the phase).
- blocks: those that do work (the implicit GEMM's blocks past a smaller phase's rows exit at
  once); blocks per SM at once = min(resident blocks at the plan's block size,
  ceil(blocks / {sass.SMS})); waves (column) = blocks / ({sass.SMS} x resident blocks).
- issue-bound time: each SM's {sass.SCHEDULERS} schedulers issue one warp instruction per cycle. The busiest
  block's main loop issues trips x (multiply-adds per trip) / 32 FFMAs and the loop's other
  instructions in the SASS loop's proportion. An SM holds (blocks at once) blocks, which share
  its issue: {sass.SMS} x (blocks at once) slots. Implicit GEMM: the plan lists its blocks in launch
  order (runs of alike blocks: each output phase's tiles, with its K chunks; a split's blocks
  at their cluster's busiest), and each block starts on the slot that frees first, as the
  hardware hands blocks out in blockIdx order; the time is when the last one ends (heavy
  phases launched first leave the light ones to fill in behind them). Other kernels:
  ceil(computed multiply-adds / ({sass.SMS} x blocks at once x the busiest block's)) rounds, the
  wave count when the blocks are alike. With fewer than {WARPS_TO_HIDE_LATENCY} warps per scheduler the issue
  rate falls in proportion. Prologue and epilogue are left out.
- bandwidth-bound time: x + w + y once at {sass.HBM_BYTES_PER_S / 1e12:.2f} TB/s. The model's time is the larger of
  the two; model TFLOP/s = useful FLOPs / that time.
- limiter: bandwidth when it binds; else the smallest of tile fill, FFMA share of the main loop,
  latency (warps per scheduler) and SM balance (slot time left idle by a partial last round or
  by blocks with less work than the busiest, as scheduled above): the issue-bound share of peak
  is their product.
  Factors under {pct(LOSS_SHOWN)} follow the limiter.
- measured: AUTO's useful TFLOP/s from a tconv-bench CSV (`make kernel-report MEASURED=FILE`),
  with its ratio to the model; "-" until a GPU has run the benchmark.
"""


def figures_header(rows, kernels, about):
    """host/igemm_figures.h: per configuration (tconv-plans' igemm_kernel lines, in its order)
    the mask and the strip kernel's main-loop FFMA share, to the percent the Main loops table
    prints, and blocks/SM of the Kernels table; {0, 0} where the build has no such kernel."""
    configs = 1 + max(r["config"] for r in rows)
    tables = {"mask": [None] * configs, "strip": [None] * configs}
    for r in rows:
        k = kernel_of(r["igemm_kernel"], kernels)
        l = k["loop"]
        if not l or not l["ffma"]:
            raise SystemExit(f"kernel_report: {short(k['name'])} has no FFMA main loop")
        share = round(100 * (l["ffma"] / l["instructions"])) / 100  # as pct() rounds
        tables[r["gather"]][r["config"]] = (f"{share:.2f}", k["blocks"], short(k["name"]))

    def array(gather):
        rows = [(f"{{{r[0]}, {r[1]}}},", r[2]) if r else ("{0, 0},", "no such kernel")
                for r in tables[gather]]
        width = max(len(value) for value, _ in rows)  # clang-format aligns the comments
        return "\n".join([f"static const tconv_igemm_figures tconv_igemm_{gather}_figures[] = {{"]
                         + [f"    {value:<{width}} /* {name} */" for value, name in rows] + ["};"])

    made = "".join(f"\n * {line}" for line in textwrap.wrap(about, 96))
    return f"""/*
 * igemm_figures.h - generated by `make kernel-report` (bench/kernel_report.py) from the ptxas
 * log and SASS of cuda/igemm.cu for sm_90.{made}
 * Do not edit: regenerate it with `make kernel-report` when a kernel changes.
 *
 * Per tile configuration (TCONV_IGEMM_CONFIGS, cuda/igemm_args.h, in its order), for its
 * kernel with the mask gather and with the strip gather (32-bit offsets): the share of its
 * main loop's instructions that are FFMA, to the percent bench/MODEL.md prints in "Main
 * loops", and the blocks an SM holds at once ("Kernels", blocks/SM); {{0, 0}}: no such kernel.
 * The implicit GEMM's choice (host/algo_igemm.c) weighs them.
 */
#ifndef TCONV_IGEMM_FIGURES_H
#define TCONV_IGEMM_FIGURES_H

typedef struct tconv_igemm_figures {{
  double ffma_share;
  int resident;
}} tconv_igemm_figures;

{array("mask")}

{array("strip")}

#endif /* TCONV_IGEMM_FIGURES_H */
"""


def write_if_changed(path, text):
    """Leaves the file (and its time, which the report's own cubins depend on) alone when the
    text is the same."""
    try:
        with open(path) as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cubins", required=True, help="folder of NAME.cubin + NAME.ptxas (ptxas -v log)")
    ap.add_argument("--plans", required=True, help="tconv-plans output (JSON lines)")
    ap.add_argument("--tools", default="", help="folder holding cuobjdump and nvdisasm (default: PATH)")
    ap.add_argument("--measured", help="a tconv-bench CSV to set beside the model")
    ap.add_argument("--markdown", help="also write the report here (bench/MODEL.md)")
    ap.add_argument("--figures", help="also write the implicit GEMM's figures here (a C header)")
    ap.add_argument("--about", default="", help="one line on where the kernels come from")
    args = ap.parse_args()

    kernels = load_kernels(args.cubins, args.tools)
    if not kernels:
        raise SystemExit(f"kernel_report: no kernel in {args.cubins}/*.cubin")
    with open(args.plans) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    plans = [r for r in rows if "layer" in r]
    apply_tc_kernels([r for r in rows if "tc_kernel" in r], kernels)
    models = [model_layer(p, kernels) for p in plans]
    measured = measured_of(args.measured) if args.measured else {}
    text = "\n".join([
        "# tconv: kernel report and MODEL of the suite (sm_90, H100 SXM)",
        "",
        "Generated by `make kernel-report` (bench/kernel_report.py); regenerate it with that command. "
        "The kernel figures are static (ptxas, SASS); every time and rate below is a MODEL, not a "
        "measurement: nothing here ran on a GPU." + (f" {args.about}" if args.about else ""),
        "",
        kernel_section(kernels, {m["kernel"]["name"] for m in models}),
        trip_section(kernels),
        targets_section(kernels, models),
        model_section(models, measured),
        method_section(),
    ])
    sys.stdout.write(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if args.figures:
        write_if_changed(args.figures,
                         figures_header([r for r in rows if "igemm_kernel" in r], kernels, args.about))


if __name__ == "__main__":
    main()
