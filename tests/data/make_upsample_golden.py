#!/usr/bin/env python3
"""Golden PNGs for `tconv upsample` (tests/test_upsample.c), made with PyTorch.

    python3 tests/data/make_upsample_golden.py                  # rewrite tests/data/upsample/
    python3 tests/data/make_upsample_golden.py --check-tool build/bin/tconv [--scales 2-16]

The first form rewrites tests/data/upsample/ completely and deterministically: eight inputs
in-<type>.png (grey g, grey+alpha ga, rgb, rgba; 8 and 16 bits; odd sizes, seeded random
content with 0, the maximum and transparent pixels), and for each filter (nearest, bilinear,
bicubic), scale (2, 3, 4, 5, 8) and input the expected output <filter>-x<F>-<type>.png, plus
MANIFEST (one line per golden file with counts of what it exercises). The second form runs
the built tool on fresh random images for every filter, scale and colour type, compares every
sample with the same expected values and prints the counts; the tests never run Python.

What the expected values are (the rule tools/interp.h states):
  v       = F.interpolate(x, scale_factor=F, mode=filter, align_corners=False) in float64, on
            x = the samples, or for an image with alpha and a filter other than nearest, on
            x = colour * alpha and on alpha.
  exact   every such value is an integer N over the denominator D = D1 * D1 of the filter's
          taps (D1 = 1 for nearest, T for bilinear, 4 T^3 for bicubic, T = F for odd F and
          2F for even F). So that float64 rounding cannot decide a tie, PyTorch runs on each
          byte of the values separately (interpolation is linear) and each result times D
          is snapped to its integer, asserting it was within 0.01 of it; the bytes' integers
          are then added up in Python integers.
  rule    no alpha, or nearest: sample = clamp(round_half_even(N / D), 0, M);
          alpha with bilinear or bicubic:
                    colour = clamp(round_half_even(P / A), 0, M) when A > 0, else 0;
                    alpha  = clamp(round_half_even(A / D), 0, M)
          with P the exact premultiplied colour sum, A the alpha sum, M = 2^bits - 1.
          Nearest copies pixels, so it does not premultiply (which would only erase the
          colour under alpha 0).
"""

import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "upsample")
FILTERS = ("nearest", "bilinear", "bicubic")
SCALES = (2, 3, 4, 5, 8)
# name: (channels, bits, width, height) - odd sizes, small enough that the 14 + 120 files stay
# around 100 KB.
TYPES = {
    "g8": (1, 8, 5, 3),
    "ga8": (2, 8, 3, 5),
    "rgb8": (3, 8, 5, 3),
    "rgba8": (4, 8, 3, 3),
    "g16": (1, 16, 3, 5),
    "ga16": (2, 16, 5, 3),
    "rgb16": (3, 16, 3, 3),
    "rgba16": (4, 16, 3, 3),
}
SEED = 20261122
COLOUR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # PNG colour types by channel count

# ---- PNG, written and read here so that nothing but zlib stands between values and bytes --


def png_bytes(img, bits):
    """img: (channels, height, width) Python ints -> PNG file bytes (non-interlaced)."""
    c_n, h, w = len(img), len(img[0]), len(img[0][0])
    bpp = c_n * bits // 8
    raw = bytearray()
    prev = bytes(w * bpp)
    for r in range(h):
        row = bytearray()
        for q in range(w):
            for c in range(c_n):
                row += img[c][r][q].to_bytes(bits // 8, "big")
        # Filter type per row: the smallest sum of |bytes|, as libpng's heuristic does.
        best = min((filtered(t, bytes(row), prev, bpp) for t in range(5)),
                   key=lambda f: sum(b if b < 128 else 256 - b for b in f[1:]))
        raw += best
        prev = bytes(row)

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", w, h, bits, COLOUR_TYPE[c_n], 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def filtered(kind, row, prev, bpp):
    """The filtered form of `row` with PNG filter `kind`, led by the kind byte."""
    out = bytearray([kind])
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        pred = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
        out.append((x - pred) & 0xFF)
    return bytes(out)


def png_read(path):
    """A non-interlaced 8/16-bit grey/grey+alpha/RGB/RGBA PNG -> (img, bits)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", path
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, bits, ctype, _, _, interlace = head
    assert interlace == 0 and bits in (8, 16), path
    c_n = {v: k for k, v in COLOUR_TYPE.items()}[ctype]
    bpp, raw = c_n * bits // 8, zlib.decompress(idat)
    stride, prev, img = w * bpp, bytearray(w * bpp), [[[0] * w for _ in range(h)]
                                                      for _ in range(c_n)]
    for r in range(h):
        kind, row = raw[r * (stride + 1)], bytearray(raw[r * (stride + 1) + 1:(r + 1) * (stride + 1)])
        for i in range(stride):
            a = row[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            row[i] = (row[i] + (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]) & 0xFF
        for q in range(w):
            for c in range(c_n):
                at = (q * c_n + c) * bits // 8
                img[c][r][q] = int.from_bytes(row[at:at + bits // 8], "big")
        prev = row
    return img, bits


# ---- the expected values ---------------------------------------------------------------


def denominator(filt, f):
    t = f if f % 2 == 1 else 2 * f
    d1 = {"nearest": 1, "bilinear": t, "bicubic": 4 * t ** 3}[filt]
    return d1 * d1


def exact_interpolation(planes, filt, f):
    """planes: (C, H, W) non-negative Python ints -> (C, fH, fW) Python ints N (value * D)."""
    d = denominator(filt, f)
    arr = np.array(planes, dtype=object)
    most = max(int(v) for v in arr.flatten())
    total = np.zeros((arr.shape[0], arr.shape[1] * f, arr.shape[2] * f), dtype=object)
    byte = 0
    while byte == 0 or most >> (8 * byte):
        part = np.vectorize(lambda v, s=8 * byte: (int(v) >> s) & 255, otypes=[np.float64])(arr)
        x = torch.tensor(part, dtype=torch.float64)[None]
        extra = {} if filt == "nearest" else {"align_corners": False}
        y = F.interpolate(x, scale_factor=f, mode=filt, **extra)[0].numpy() * d
        snapped = np.rint(y)
        off = float(np.abs(y - snapped).max())
        assert off < 0.01, f"{filt} x{f}: float64 result {off} away from the 1/{d} grid"
        total = total + snapped.astype(np.int64).astype(object) * (256 ** byte)
        byte += 1
    return total


def round_clamp(num, den, top):
    """num / den rounded half to even, clamped to [0, top]; also says whether it was a tie."""
    if num <= 0:
        return 0, False
    q, r = divmod(num, den)
    tie = 2 * r == den
    if 2 * r > den or (tie and q % 2 == 1):
        q += 1
    return min(q, top), tie


def expected(img, bits, filt, f):
    """The rule of the module docstring -> (out image, counts)."""
    c_n, top, d = len(img), (1 << bits) - 1, denominator(filt, f)
    alpha = c_n in (2, 4) and filt != "nearest"
    if alpha:
        a = img[-1]
        planes = [[[img[c][r][q] * a[r][q] for q in range(len(a[0]))] for r in range(len(a))]
                  for c in range(c_n - 1)] + [a]
    else:
        planes = img
    n = exact_interpolation(planes, filt, f)
    out = [[[0] * n.shape[2] for _ in range(n.shape[1])] for _ in range(c_n)]
    counts = {"samples": 0, "ties": 0, "clamped": 0, "transparent": 0}
    for r in range(n.shape[1]):
        for q in range(n.shape[2]):
            big = n[-1][r][q]
            for c in range(c_n):
                num, den = n[c][r][q], d
                if alpha and c < c_n - 1:
                    num, den = (num, big) if big > 0 else (0, 1)
                    counts["transparent"] += big <= 0
                v, tie = round_clamp(num, den, top)
                counts["samples"] += 1
                counts["ties"] += tie
                counts["clamped"] += num < 0 or num > top * den
                out[c][r][q] = v
    return out, counts


def random_image(rng, c_n, bits, w, h):
    """Edges and extremes: each sample 0, the maximum or uniform; alpha likewise."""
    top = (1 << bits) - 1
    return [[[rng.choice((0, top, rng.randrange(top + 1), rng.randrange(top + 1)))
              for _ in range(w)] for _ in range(h)] for _ in range(c_n)]


# ---- the two modes ---------------------------------------------------------------------


def check_nearest_index():
    """PyTorch's nearest picks floor(o * float32(1 / F)); the kernel copies input floor(o / F).
    They agree for every F of the tool's tests and checks, up to 10^5 input pixels."""
    for f in range(2, 17):
        n = 100000
        x = torch.arange(n, dtype=torch.float64).view(1, 1, 1, n)
        y = F.interpolate(x, scale_factor=f, mode="nearest")[0, 0, 0]
        want = torch.arange(n * f, dtype=torch.float64) // f
        assert torch.equal(y, want), f"nearest x{f}: PyTorch's index is not floor(o / F)"


def generate():
    check_nearest_index()
    os.makedirs(OUT_DIR, exist_ok=True)
    for name in os.listdir(OUT_DIR):
        os.remove(os.path.join(OUT_DIR, name))
    rng = random.Random(SEED)
    lines, totals = [], {"samples": 0, "ties": 0, "clamped": 0, "transparent": 0}
    for tname, (c_n, bits, w, h) in TYPES.items():
        img = random_image(rng, c_n, bits, w, h)
        with open(os.path.join(OUT_DIR, f"in-{tname}.png"), "wb") as fh:
            fh.write(png_bytes(img, bits))
        for filt in FILTERS:
            for f in SCALES:
                out, counts = expected(img, bits, filt, f)
                name = f"{filt}-x{f}-{tname}.png"
                with open(os.path.join(OUT_DIR, name), "wb") as fh:
                    fh.write(png_bytes(out, bits))
                lines.append(f"{name} input=in-{tname}.png " +
                             " ".join(f"{k}={v}" for k, v in counts.items()))
                for k in totals:
                    totals[k] += counts[k]
    # The golden set must exercise every branch of the rule.
    assert totals["ties"] > 0 and totals["clamped"] > 0 and totals["transparent"] > 0, totals
    with open(os.path.join(OUT_DIR, "MANIFEST"), "w") as fh:
        fh.write(f"# tconv upsample golden files: made by tests/data/make_upsample_golden.py\n"
                 f"# with torch {torch.__version__} (float64, bytes snapped to the exact grid;\n"
                 f"# rule in the script's docstring and tools/interp.h). Totals: " +
                 " ".join(f"{k}={v}" for k, v in totals.items()) + "\n")
        fh.write("\n".join(lines) + "\n")
    size = sum(os.path.getsize(os.path.join(OUT_DIR, n)) for n in os.listdir(OUT_DIR))
    print(f"wrote {len(lines)} golden files and {len(TYPES)} inputs to {OUT_DIR} "
          f"({size} bytes); {totals}")


def check_tool(tool, scales, device, width, height):
    rng = random.Random(SEED + 1)
    totals = {"samples": 0, "ties": 0, "clamped": 0, "transparent": 0, "mismatches": 0,
              "max_diff": 0, "runs": 0}
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.png"), os.path.join(tmp, "out.png")
        for filt in FILTERS:
            for f in scales:
                for tname, (c_n, bits, _, _) in TYPES.items():
                    img = random_image(rng, c_n, bits, width, height)
                    with open(src, "wb") as fh:
                        fh.write(png_bytes(img, bits))
                    run = subprocess.run([tool, "upsample", src, dst, "--scale", str(f),
                                          "--filter", filt, "--device", device],
                                         capture_output=True, text=True)
                    if run.returncode != 0:
                        sys.exit(f"{filt} x{f} {tname}: exit {run.returncode}: {run.stderr}")
                    got, got_bits = png_read(dst)
                    want, counts = expected(img, bits, filt, f)
                    assert got_bits == bits and len(got) == c_n
                    diffs = [abs(g - e) for gc, ec in zip(got, want) for gr, er in zip(gc, ec)
                             for g, e in zip(gr, er)]
                    bad = sum(x != 0 for x in diffs)
                    if bad:
                        print(f"MISMATCH {filt} x{f} {tname}: {bad} samples, max {max(diffs)}")
                    for k in ("samples", "ties", "clamped", "transparent"):
                        totals[k] += counts[k]
                    totals["mismatches"] += bad
                    totals["max_diff"] = max(totals["max_diff"], max(diffs))
                    totals["runs"] += 1
    print(f"tool {tool} on {device}, {width}x{height} inputs, scales {scales[0]}..{scales[-1]}, "
          f"{len(FILTERS)} filters, {len(TYPES)} colour types: {totals}")
    return totals["mismatches"] == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check-tool", metavar="TCONV", help="compare the built tool instead")
    ap.add_argument("--scales", default="2-16", help="with --check-tool: A-B (default 2-16)")
    ap.add_argument("--device", default="cpu", help="with --check-tool: auto, cpu or cuda")
    ap.add_argument("--size", default="9x7", help="with --check-tool: input WxH (default 9x7)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    if args.check_tool is None:
        generate()
        return 0
    lo, hi = (int(v) for v in args.scales.split("-"))
    w, h = (int(v) for v in args.size.split("x"))
    return 0 if check_tool(args.check_tool, list(range(lo, hi + 1)), args.device, w, h) else 1


if __name__ == "__main__":
    sys.exit(main())
