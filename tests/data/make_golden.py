#!/usr/bin/env python3
"""Generate the PyTorch golden files that tests/test_golden.c checks the CPU reference against.

Rerun from the repository root with

    python3 tests/data/make_golden.py

It rewrites tests/data/golden/ completely (MANIFEST plus one set of .npy files per case) and
is deterministic: every case draws its inputs from its own torch.Generator seeded with the
CRC-32 of the case's name, the case list is fixed (hand-picked cases plus a sweep drawn with a seeded
random.Random), and PyTorch runs single-threaded in float64, so a rerun writes identical
files (only the version line of the MANIFEST header follows the installed torch).

What a case holds: x, w and (when bias=1) b are float32 values drawn uniformly from [-1, 1);
y is computed by torch.nn.functional.conv{1,2,3}d / conv_transpose{1,2,3}d on those values
converted to float64, then rounded to float32 once. The library's reference also accumulates
in double, so the C test can use the tight float32 tolerance.

Asymmetric padding, which PyTorch's functions do not take, is emulated exactly as DESIGN.md
section 1 defines it:
  convolution  - F.pad the input with pb zeros at the begin and pe at the end of each spatial
                 dimension, then convolve with padding 0;
  transposed   - compute with padding 0 (and the case's output_padding, which adds at the
                 end), then crop pb elements at the begin and pe at the end of each spatial
                 dimension: output index o is full index o + pb, and
                 o_size = (i - 1) * s - pb - pe + ke + op.
For symmetric cases the emulation is checked against PyTorch's own padding argument.

MANIFEST format (also written as '#' lines at its top): one case per line, whitespace-separated
key=value pairs, all keys required, in any order:
  name=<[a-z0-9_]+>   files golden/<name>_x.npy, _w.npy, _y.npy, and _b.npy when bias=1
  op=conv|transpose   rank=1|2|3 (spatial rank)
  stride=, dilation=, pad_begin=, pad_end=, output_padding=   rank comma-separated integers
                      (output_padding is all zeros for op=conv)
  groups=<g>          bias=0|1
Tensor layouts are PyTorch's: x (N, Cin, i...), w (Cout, Cin/g, k...) for conv and
(Cin, Cout/g, k...) for transpose, b (Cout), y (N, Cout, o...).

It also writes tests/data/golden_typed/ (checked by the same C suite): float16, bfloat16 and
channels-last cases. Their inputs are drawn as above, rounded by PyTorch to the dtype
(.to(torch.float16 / torch.bfloat16), nearest even) and stored exactly: '<f2' for float16,
'<f4' holding the rounded values for bfloat16 (NumPy has no bfloat16) and float32. y is
computed by PyTorch in float64 from the rounded inputs and stored unrounded as '<f8', so the
C test can round it once itself. With layout=nhwc every array holds its tensor in memory
order, PyTorch's channels_last: x and y (N, spatial..., C), conv weights (Cout, k..., Cin/g),
transposed weights (Cin, k..., Cout/g) - exactly what t.permute(...).contiguous().numpy() of
a channels_last tensor gives (asserted here against torch.channels_last for ranks 2 and 3).
Its MANIFEST adds two keys to the format above: dtype=float32|float16|bfloat16 and
layout=nchw|nhwc.
"""

import os
import random
import zlib
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
TYPED_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_typed")
MAX_ELEMENTS = 4096  # per tensor: keeps each case small and the whole set well under 2 MB
SWEEP_SEED = 20240611
SWEEP_CASES_PER_KIND = 6  # per (op, rank): 6 kinds, 36 sweep cases


@dataclass(frozen=True)
class Case:
    op: str  # "conv" or "transpose"
    n: int
    cin: int
    cout: int
    size: tuple  # input spatial sizes
    kernel: tuple
    stride: tuple
    dilation: tuple
    pad_begin: tuple
    pad_end: tuple
    output_padding: tuple
    groups: int
    bias: bool

    @property
    def rank(self):
        return len(self.size)

    def extent(self, dim):
        return self.dilation[dim] * (self.kernel[dim] - 1) + 1

    def out_size(self):
        """Output spatial sizes by DESIGN.md section 1 (None where not valid)."""
        out = []
        for dim in range(self.rank):
            i, s, ke = self.size[dim], self.stride[dim], self.extent(dim)
            pb, pe = self.pad_begin[dim], self.pad_end[dim]
            if self.op == "conv":
                if i + pb + pe < ke:
                    return None
                out.append((i + pb + pe - ke) // s + 1)
            else:
                o = (i - 1) * s - pb - pe + ke + self.output_padding[dim]
                if o < 1:
                    return None
                out.append(o)
        return tuple(out)

    def w_shape(self):
        if self.op == "conv":
            return (self.cout, self.cin // self.groups) + self.kernel
        return (self.cin, self.cout // self.groups) + self.kernel

    def valid(self):
        if self.cin % self.groups or self.cout % self.groups:
            return False
        for dim in range(self.rank):
            op, s, d = self.output_padding[dim], self.stride[dim], self.dilation[dim]
            if self.op == "conv" and op != 0:
                return False
            if self.op == "transpose" and not 0 <= op < max(s, d):
                return False
        out = self.out_size()
        if out is None:
            return False
        sizes = [(self.n, self.cin) + self.size, self.w_shape(), (self.n, self.cout) + out]
        return all(int(np.prod(shape)) <= MAX_ELEMENTS for shape in sizes)

    def name(self, index):
        def dims(values):
            return "x".join(str(v) for v in values)

        prefix = "cv" if self.op == "conv" else "ct"
        parts = [f"{prefix}{self.rank}d", f"{index:03d}", "s" + dims(self.stride),
                 "k" + dims(self.kernel), "d" + dims(self.dilation),
                 "p" + dims(self.pad_begin) + "e" + dims(self.pad_end)]
        if self.op == "transpose":
            parts.append("op" + dims(self.output_padding))
        parts += [f"g{self.groups}", f"n{self.n}"]
        if self.bias:
            parts.append("b")
        return "_".join(parts)


def case(op, rank, n=1, cin=2, cout=3, size=5, kernel=3, stride=1, dilation=1, pad=0,
         pad_end=None, output_padding=0, groups=1, bias=True):
    """A Case with per-dimension arguments given as one int (every dimension) or a tuple."""

    def per_dim(value):
        return tuple(value) if isinstance(value, (tuple, list)) else (value,) * rank

    return Case(op, n, cin, cout, per_dim(size), per_dim(kernel), per_dim(stride),
                per_dim(dilation), per_dim(pad), per_dim(pad if pad_end is None else pad_end),
                per_dim(output_padding), groups, bias)


def hand_picked():
    """Cases aimed at each parameter and its edges."""
    cases = []
    for op in ("conv", "transpose"):
        cases += [
            # 1-D: trivial, classic, padding beyond the dilated extent, asymmetric padding
            case(op, 1, kernel=1, stride=1, size=4, bias=False),
            case(op, 1, n=2, kernel=3, stride=2, pad=1, size=7),
            case(op, 1, kernel=5, stride=3, pad=2, size=9, cin=3, cout=2),
            case(op, 1, kernel=4, stride=4, pad=0, size=11, bias=False),
            case(op, 1, kernel=2, stride=3, pad=3, size=5),  # pad 3 > ke - 1 = 1
            case(op, 1, kernel=3, dilation=3, stride=2, pad=7, size=6),  # pad 7 > ke - 1 = 6
            case(op, 1, kernel=3, stride=2, pad=0, pad_end=2, size=8),
            case(op, 1, kernel=4, stride=2, pad=3, pad_end=0, size=7, n=3),
            case(op, 1, kernel=3, dilation=2, pad=1, pad_end=4, size=9),
            # groups: several, depthwise, depthwise with a channel multiplier
            case(op, 1, cin=4, cout=6, groups=2, kernel=3, stride=2, pad=1, size=6),
            case(op, 1, cin=5, cout=5, groups=5, kernel=4, stride=2, pad=1, size=7, n=2),
            case(op, 1, cin=3, cout=6, groups=3, kernel=2, stride=1, size=5, bias=False),
            # 2-D: non-square everything
            case(op, 2, n=2, cin=3, cout=4, size=(5, 7), kernel=(3, 2), stride=(2, 1),
                 pad=(1, 0)),
            case(op, 2, cin=2, cout=2, size=(6, 4), kernel=(5, 3), stride=(3, 4),
                 dilation=(1, 2), pad=(2, 1), pad_end=(0, 3), bias=False),
            case(op, 2, cin=4, cout=4, groups=4, size=(5, 6), kernel=(3, 3), stride=(2, 2),
                 dilation=(2, 1), pad=(2, 1)),
            case(op, 2, cin=6, cout=4, groups=2, size=(4, 5), kernel=(1, 4), stride=(1, 3),
                 pad=(0, 4), n=2),  # pad 4 > ke - 1 = 3 in dimension 1
            case(op, 2, cin=2, cout=3, size=(7, 5), kernel=(4, 5), stride=(2, 3),
                 dilation=(3, 1), pad=(1, 2), pad_end=(3, 0)),
            # 3-D
            case(op, 3, cin=2, cout=2, size=(3, 4, 5), kernel=(2, 3, 1), stride=(1, 2, 3),
                 pad=(0, 1, 0)),
            case(op, 3, n=2, cin=2, cout=4, groups=2, size=(4, 3, 5), kernel=(3, 2, 3),
                 stride=(2, 1, 2), dilation=(1, 2, 1), pad=(1, 0, 2), pad_end=(0, 1, 1)),
            case(op, 3, cin=3, cout=3, groups=3, size=(3, 5, 4), kernel=(2, 2, 4),
                 stride=(3, 2, 1), dilation=(2, 1, 1), pad=(2, 1, 3), bias=False),
        ]
    # Transposed convolution: every valid output_padding (0 <= op < max(s, d)) for a set of
    # (stride, dilation) pairs, including op >= s, which is valid only because of dilation.
    for stride, dilation in ((2, 1), (3, 1), (4, 1), (1, 2), (1, 3), (2, 3)):
        for op in range(max(stride, dilation)):
            cases.append(case("transpose", 1, size=5, kernel=3, stride=stride,
                              dilation=dilation, pad=1, output_padding=op,
                              bias=(op % 2 == 0)))
    cases += [
        case("transpose", 2, n=2, size=(4, 5), kernel=(3, 4), stride=(2, 3), pad=(1, 1),
             output_padding=(1, 2)),
        case("transpose", 2, size=(5, 3), kernel=(2, 3), stride=(1, 2), dilation=(3, 1),
             pad=(0, 2), pad_end=(2, 0), output_padding=(2, 1)),
        case("transpose", 3, size=(3, 3, 4), kernel=(3, 2, 2), stride=(4, 1, 2),
             dilation=(1, 2, 1), pad=(1, 0, 0), output_padding=(3, 1, 1)),
    ]
    return cases


def sweep():
    """Seeded random cases over every parameter, valid by construction (rejection)."""
    rng = random.Random(SWEEP_SEED)
    cases = []
    for op in ("conv", "transpose"):
        for rank in (1, 2, 3):
            made = 0
            while made < SWEEP_CASES_PER_KIND:
                groups = rng.choice((1, 1, 2, 3))
                cin = groups * rng.randint(1, 3)
                cout = groups * rng.randint(1, 3)
                top = {1: 12, 2: 7, 3: 5}[rank]
                size = tuple(rng.randint(1, top) for _ in range(rank))
                kernel = tuple(rng.randint(1, 5) for _ in range(rank))
                stride = tuple(rng.randint(1, 4) for _ in range(rank))
                dilation = tuple(rng.randint(1, 3) for _ in range(rank))
                extent = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
                pad_begin = tuple(rng.randint(0, e + 1) for e in extent)
                if rng.random() < 0.5:
                    pad_end = pad_begin
                else:
                    pad_end = tuple(rng.randint(0, e + 1) for e in extent)
                if op == "transpose":
                    output_padding = tuple(rng.randrange(max(s, d))
                                           for s, d in zip(stride, dilation))
                else:
                    output_padding = (0,) * rank
                c = Case(op, rng.randint(1, 2), cin, cout, size, kernel, stride, dilation,
                         pad_begin, pad_end, output_padding, groups, rng.random() < 0.7)
                if c.valid():
                    cases.append(c)
                    made += 1
    return cases


def spatial_pad(rank, pad_begin, pad_end):
    """F.pad's argument order: last dimension first, (begin, end) pairs."""
    pads = []
    for dim in reversed(range(rank)):
        pads += [pad_begin[dim], pad_end[dim]]
    return pads


def compute(c, x, w, b):
    """y in float64 by PyTorch, with asymmetric padding emulated as the docstring says."""
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[c.rank]
    convt = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[c.rank]
    symmetric = c.pad_begin == c.pad_end
    if c.op == "conv":
        xp = F.pad(x, spatial_pad(c.rank, c.pad_begin, c.pad_end))
        y = conv(xp, w, b, stride=c.stride, padding=0, dilation=c.dilation, groups=c.groups)
        if symmetric:
            direct = conv(x, w, b, stride=c.stride, padding=c.pad_begin,
                          dilation=c.dilation, groups=c.groups)
            assert torch.equal(y, direct), "conv padding emulation disagrees with PyTorch"
    else:
        full = convt(x, w, b, stride=c.stride, padding=0, output_padding=c.output_padding,
                     groups=c.groups, dilation=c.dilation)
        index = tuple(slice(pb, full.shape[2 + dim] - pe)
                      for dim, (pb, pe) in enumerate(zip(c.pad_begin, c.pad_end)))
        y = full[(slice(None), slice(None)) + index]
        if symmetric:
            direct = convt(x, w, b, stride=c.stride, padding=c.pad_begin,
                           output_padding=c.output_padding, groups=c.groups,
                           dilation=c.dilation)
            assert torch.equal(y, direct), "transpose cropping disagrees with PyTorch"
    assert tuple(y.shape) == (c.n, c.cout) + c.out_size(), "output size differs from DESIGN"
    return y


def uniform(gen, shape):
    """float32 values in [-1, 1)."""
    return torch.rand(shape, generator=gen, dtype=torch.float32) * 2 - 1


def save(path, tensor):
    np.save(path, np.ascontiguousarray(tensor.numpy().astype("<f4")))


def check_coverage(cases):
    """Fail loudly if the case list stops covering a parameter the brief asks for."""
    seen = {key: set() for key in ("stride", "kernel", "dilation")}
    for c in cases:
        for key in seen:
            seen[key].update(getattr(c, key))
    assert seen["stride"] >= {1, 2, 3, 4}
    assert seen["kernel"] >= {1, 2, 3, 4, 5}
    assert seen["dilation"] >= {1, 2, 3}
    for op in ("conv", "transpose"):
        mine = [c for c in cases if c.op == op]
        assert {c.rank for c in mine} == {1, 2, 3}
        assert any(c.groups == 1 for c in mine)
        assert any(1 < c.groups < c.cin for c in mine)
        assert any(c.groups == c.cin > 1 for c in mine)
        assert {c.bias for c in mine} == {False, True}
        assert {c.n > 1 for c in mine} == {False, True}
        assert any(c.pad_begin != c.pad_end for c in mine)
        assert any(p > c.extent(dim) - 1 for c in mine for dim, p in enumerate(c.pad_begin))
    pairs = {(c.stride[0], c.dilation[0], c.output_padding[0])
             for c in cases if c.op == "transpose" and c.rank == 1}
    for s, d in ((2, 1), (3, 1), (4, 1), (1, 2), (1, 3), (2, 3)):
        assert all((s, d, op) in pairs for op in range(max(s, d)))


def manifest_line(name, c):
    def dims(values):
        return ",".join(str(v) for v in values)

    return (f"name={name} op={c.op} rank={c.rank} stride={dims(c.stride)} "
            f"dilation={dims(c.dilation)} pad_begin={dims(c.pad_begin)} "
            f"pad_end={dims(c.pad_end)} output_padding={dims(c.output_padding)} "
            f"groups={c.groups} bias={int(c.bias)}")


# ---- float16, bfloat16 and channels-last cases ------------------------------------------

TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def typed_cases():
    """(Case, dtype, layout): each op in each dtype, channels first and last, ranks 1-3."""
    plan = [
        ("float16", "nchw", case("transpose", 2, n=2, cin=4, cout=6, groups=2, size=(5, 4),
                                 kernel=(3, 4), stride=(2, 2), pad=(1, 1), output_padding=(1, 0))),
        ("float16", "nhwc", case("transpose", 2, cin=3, cout=4, size=(4, 5), kernel=(4, 3),
                                 stride=(2, 3), dilation=(1, 2), pad=(1, 0), pad_end=(2, 1))),
        ("float16", "nhwc", case("conv", 2, n=2, cin=4, cout=6, groups=2, size=(7, 6),
                                 kernel=(3, 3), stride=(2, 1), pad=(1, 1))),
        ("float16", "nchw", case("conv", 1, cin=3, cout=5, size=16, kernel=5, stride=3,
                                 dilation=2, pad=3)),
        ("float16", "nhwc", case("transpose", 3, cin=2, cout=3, size=(2, 3, 3), kernel=(2, 2, 3),
                                 stride=(2, 1, 2), pad=(0, 1, 1), output_padding=(1, 0, 1))),
        ("bfloat16", "nchw", case("transpose", 1, n=2, cin=4, cout=4, groups=4, size=9,
                                  kernel=4, stride=2, pad=1)),
        ("bfloat16", "nhwc", case("transpose", 2, cin=5, cout=3, size=(3, 4), kernel=(3, 3),
                                  stride=(2, 2), pad=(1, 1), output_padding=(1, 1))),
        ("bfloat16", "nhwc", case("conv", 3, cin=2, cout=4, groups=2, size=(4, 5, 3),
                                  kernel=(2, 3, 2), stride=(2, 2, 1), pad=(1, 0, 1))),
        ("bfloat16", "nchw", case("conv", 2, n=2, cin=3, cout=2, size=(6, 5), kernel=(2, 3),
                                  dilation=(2, 1), pad=(1, 2), pad_end=(0, 1), bias=False)),
        ("float32", "nhwc", case("transpose", 2, n=2, cin=3, cout=4, size=(4, 4), kernel=(4, 4),
                                 stride=(2, 2), pad=(1, 1))),
        ("float32", "nhwc", case("conv", 1, cin=4, cout=3, size=11, kernel=3, stride=2, pad=1)),
        ("float32", "nhwc", case("conv", 3, cin=3, cout=3, groups=3, size=(3, 4, 4),
                                 kernel=(3, 2, 2), stride=(1, 2, 2), pad=(1, 0, 1))),
    ]
    for _, _, c in plan:
        assert c.valid(), c
    return plan


def memory_order(t, layout):
    """The array a tensor of this layout holds in memory: channels last moves dim 1 last."""
    if layout == "nchw":
        return t
    return t.permute(0, *range(2, t.dim()), 1)


def check_channels_last(t):
    """memory_order() is PyTorch's own channels_last storage order where PyTorch has one."""
    fmt = {4: torch.channels_last, 5: torch.channels_last_3d}.get(t.dim())
    if fmt is None:
        return
    cl = t.contiguous(memory_format=fmt)
    flat = torch.as_strided(cl, (cl.numel(),), (1,))
    assert torch.equal(flat, memory_order(t, "nhwc").contiguous().reshape(-1))


def save_typed(path, tensor, dtype, layout):
    """The rounded tensor in memory order: '<f2' for float16, '<f4' (exact) otherwise."""
    array = memory_order(tensor, layout).contiguous()
    if dtype == "float16":
        np.save(path, np.ascontiguousarray(array.to(torch.float16).numpy().astype("<f2")))
    else:
        np.save(path, np.ascontiguousarray(array.float().numpy().astype("<f4")))


def write_typed():
    os.makedirs(TYPED_DIR, exist_ok=True)
    for entry in os.listdir(TYPED_DIR):
        if entry.endswith(".npy") or entry == "MANIFEST":
            os.remove(os.path.join(TYPED_DIR, entry))
    lines = []
    for index, (dtype, layout, c) in enumerate(typed_cases()):
        name = f"{dtype}_{layout}_{c.name(index)}"
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        rounded = [None if t is None else t.to(TORCH_DTYPES[dtype])
                   for t in (uniform(gen, (c.n, c.cin) + c.size), uniform(gen, c.w_shape()),
                             uniform(gen, (c.cout,)) if c.bias else None)]
        x, w, b = rounded
        y = compute(c, x.double(), w.double(), None if b is None else b.double())
        for t in (x, w, y):
            check_channels_last(t.double())
        base = os.path.join(TYPED_DIR, name)
        save_typed(base + "_x.npy", x, dtype, layout)
        save_typed(base + "_w.npy", w, dtype, layout)
        if b is not None:
            save_typed(base + "_b.npy", b, dtype, "nchw")
        np.save(base + "_y.npy",
                np.ascontiguousarray(memory_order(y, layout).contiguous().numpy().astype("<f8")))
        lines.append(manifest_line(name, c) + f" dtype={dtype} layout={layout}")
    header = [
        f"# tconv typed golden cases: {len(lines)} cases made by tests/data/make_golden.py",
        f"# with torch {torch.__version__} and numpy {np.__version__}: inputs rounded to the",
        "# dtype by PyTorch, y in float64 from them (unrounded, '<f8'). Format: ../golden/MANIFEST's",
        "# keys plus dtype=float32|float16|bfloat16 layout=nchw|nhwc; with nhwc every array is",
        "# in memory order (channels_last): x, y (N, spatial..., C), w (O, k..., I).",
    ]
    with open(os.path.join(TYPED_DIR, "MANIFEST"), "w") as f:
        f.write("\n".join(header + lines) + "\n")
    total = sum(os.path.getsize(os.path.join(TYPED_DIR, e)) for e in os.listdir(TYPED_DIR))
    print(f"wrote {len(lines)} typed cases, {total} bytes, to {TYPED_DIR}")


def main():
    torch.set_num_threads(1)  # one summation order, so reruns agree bit for bit
    torch.use_deterministic_algorithms(True)
    cases = hand_picked() + sweep()
    for c in cases:
        assert c.valid(), c
    check_coverage(cases)

    os.makedirs(OUT_DIR, exist_ok=True)
    for entry in os.listdir(OUT_DIR):  # stale cases must not linger
        if entry.endswith(".npy") or entry == "MANIFEST":
            os.remove(os.path.join(OUT_DIR, entry))

    lines = []
    for index, c in enumerate(cases):
        name = c.name(index)
        gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
        x = uniform(gen, (c.n, c.cin) + c.size)
        w = uniform(gen, c.w_shape())
        b = uniform(gen, (c.cout,)) if c.bias else None
        y = compute(c, x.double(), w.double(), None if b is None else b.double()).float()
        base = os.path.join(OUT_DIR, name)
        save(base + "_x.npy", x)
        save(base + "_w.npy", w)
        if b is not None:
            save(base + "_b.npy", b)
        save(base + "_y.npy", y)
        lines.append(manifest_line(name, c))

    header = [
        f"# tconv golden cases: {len(cases)} cases made by tests/data/make_golden.py",
        f"# with torch {torch.__version__} and numpy {np.__version__} (float64 compute,",
        "# rounded to float32 once). Regenerate: python3 tests/data/make_golden.py",
        "#",
        "# One case per non-comment line: whitespace-separated key=value pairs, all required:",
        "#   name=<[a-z0-9_]+>  files <name>_x.npy, _w.npy, _y.npy, and _b.npy when bias=1",
        "#   op=conv|transpose  rank=1|2|3 (spatial rank)",
        "#   stride= dilation= pad_begin= pad_end= output_padding=  rank comma-separated ints",
        "#   groups=<g>  bias=0|1",
        "# Layouts: x (N,Cin,i..), w (Cout,Cin/g,k..) conv / (Cin,Cout/g,k..) transpose,",
        "# b (Cout), y (N,Cout,o..). Asymmetric padding per DESIGN.md section 1.",
    ]
    with open(os.path.join(OUT_DIR, "MANIFEST"), "w") as f:
        f.write("\n".join(header + lines) + "\n")

    total = sum(os.path.getsize(os.path.join(OUT_DIR, e)) for e in os.listdir(OUT_DIR))
    print(f"torch {torch.__version__}, numpy {np.__version__}: wrote {len(cases)} cases, "
          f"{total} bytes, to {OUT_DIR}")
    write_typed()


if __name__ == "__main__":
    main()
