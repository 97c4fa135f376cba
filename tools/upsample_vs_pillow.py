#!/usr/bin/env python3
"""Times `tconv upsample` against Pillow's Image.resize on the same PNG, and compares the pixels.

    python3 tools/upsample_vs_pillow.py [--tool build/bin/tconv] [--image IN.png]
                                        [--scale 4] [--repeat 5] [--device cpu]

Without --image it makes a deterministic 556x376 RGBA test picture (white page, dark text-like
strokes, a colour gradient, a soft transparent border and a fully transparent corner). For
each filter it runs the tool --repeat times and takes the median of the time the tool prints
(the upsampling itself: digit planes, the library calls and the final rounding; not the PNG
decoding and encoding, not the context creation), then times Pillow's resize to the same size
with the matching filter (median of --repeat runs after one warm-up; Pillow premultiplies RGBA
itself). Prints a Markdown table for the README. Only this comparison uses Python and Pillow.
"""

import argparse
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time

from PIL import Image

FILTERS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
           "bicubic": Image.Resampling.BICUBIC}


def test_picture(path, w=556, h=376):
    rng = random.Random(556376)
    im = Image.new("RGBA", (w, h), (255, 255, 255, 255))
    px = im.load()
    for y in range(h):
        for x in range(w):
            r, g, b = 255, 255, 255
            if y < 60:  # a colour band
                r, g, b = (x * 255 // w, 120 + y, 255 - x * 255 // w)
            a = 255 if 8 <= x < w - 8 and 8 <= y < h - 8 else 255 * min(x, y, w - 1 - x, h - 1 - y) // 8
            if x > w - 90 and y > h - 70:
                a = 0
            px[x, y] = (r, g, b, a)
    for _ in range(900):  # strokes: short dark dashes in lines of "text"
        line = rng.randrange(5, 30)
        x0, y0 = rng.randrange(20, w - 40), 70 + line * 10
        for x in range(x0, x0 + rng.randrange(3, 14)):
            for y in range(y0, min(y0 + 2 + rng.randrange(2), h)):
                c = rng.randrange(10, 60)
                px[x, y] = (c, c, c + 20, px[x, y][3])
    im.save(path)


def tool_ms(tool, src, dst, scale, filt, device, repeat):
    times, library = [], []
    for _ in range(repeat):
        run = subprocess.run([tool, "upsample", src, dst, "--scale", str(scale), "--filter", filt,
                              "--device", device], capture_output=True, text=True, check=True)
        times.append(float(re.search(r" in ([0-9.]+) ms", run.stdout).group(1)))
        library.append(float(re.search(r"library calls ([0-9.]+) ms", run.stdout).group(1)))
    return statistics.median(times), statistics.median(library), run.stdout.strip()


def pillow_ms(im, size, filt, repeat):
    im.resize(size, FILTERS[filt])
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = im.resize(size, FILTERS[filt])
        times.append(1e3 * (time.perf_counter() - start))
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tool", default="build/bin/tconv")
    ap.add_argument("--image")
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = args.image or os.path.join(tmp, "picture.png")
        if args.image is None:
            test_picture(src)
        dst = os.path.join(tmp, "out.png")
        im = Image.open(src)
        im.load()
        size = (im.width * args.scale, im.height * args.scale)
        print(f"{os.path.basename(src)}: {im.width}x{im.height} {im.mode} x{args.scale} -> "
              f"{size[0]}x{size[1]}; medians of {args.repeat} runs; Pillow {Image.__version__}")
        print("\n| filter | tconv (" + args.device + ") | of which library calls | Pillow resize "
              "| tconv / Pillow | samples that differ from Pillow's (by more than 1) |")
        print("|---|---|---|---|---|---|")
        for filt in FILTERS:
            ms, lib_ms, said = tool_ms(args.tool, src, dst, args.scale, filt, args.device,
                                       args.repeat)
            pil_ms, pil = pillow_ms(im, size, filt, args.repeat)
            ours = Image.open(dst).convert(im.mode)
            a, b = ours.tobytes(), pil.tobytes()
            differ = sum(x != y for x, y in zip(a, b))
            off = sum(abs(x - y) > 1 for x, y in zip(a, b))
            print(f"| {filt} | {ms:.0f} ms | {lib_ms:.0f} ms | {pil_ms:.1f} ms | "
                  f"{ms / pil_ms:.0f}x | {differ} ({off}) of {len(a)} |", flush=True)
            print(f"<!-- {said} -->", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
