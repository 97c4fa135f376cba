#!/usr/bin/env python3
"""make_corpus.py - writes the seed corpora of the fuzz harnesses into tests/fuzz/corpus/.

The seeds are committed; this script says how they were made and remakes them (run it from
the repository root). The encodings are those described at the top of each harness.
numpy is needed for the .npy seeds only.
"""
import io
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
# fuzz_params.c's table of special values, in its order.
SPECIAL = [INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MAX // 2, INT64_MAX // 2 + 1,
           INT64_MAX // 4, INT64_MAX // 4 + 1, 2**31 - 1, 2**31, 2**32, 3037000499,
           3037000500, 2**62, INT64_MIN + 1, 2**21, 2**42 + 1]


def write(harness, name, data):
    folder = os.path.join(HERE, "corpus", harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# ---- fuzz_params ------------------------------------------------------------------------

def value(v):
    """One value in fuzz_params.c's tagged encoding."""
    if 0 <= v < 128:
        return bytes([v])
    if -32 <= v < 0:
        return bytes([127 - v])
    if v in SPECIAL:
        return bytes([160 + SPECIAL.index(v)])
    if 0 <= v < 65536:
        return bytes([176]) + struct.pack("<H", v)
    return bytes([192]) + struct.pack("<q", v)


def params(transposed, bias, rank, x, w, stride=1, dilation=1, pad_begin=0, pad_end=None,
           output_padding=0, groups=1, conventions=None):
    """conventions: (auto_pad, output_size_rule, padding_mode, activation, alpha_byte,
    beta_byte, output_size per dimension), encoded after the dims (flag bit 2)."""
    def per_dim(v):
        return list(v) + [1] * (3 - len(v)) if isinstance(v, (list, tuple)) else [v] * 3
    pad_end = pad_begin if pad_end is None else pad_end
    s, d, pb, pe, op = map(per_dim, (stride, dilation, pad_begin, pad_end, output_padding))
    out = bytes([transposed | bias << 1 | (conventions is not None) << 2, rank])
    for a in range(3):
        out += value(s[a]) + value(d[a]) + value(pb[a]) + value(pe[a]) + value(op[a])
    out += value(groups)
    for dims in (x, w):
        dims = list(dims) + [1] * (5 - len(dims))
        out += b"".join(value(v) for v in dims)
    if conventions is not None:
        out += bytes(conventions[:6]) + b"".join(value(v) for v in per_dim(conventions[6]))
    return out


def params_seeds():
    write("fuzz_params", "transpose2d_upsample",
          params(1, 1, 2, (1, 4, 32, 32), (4, 2, 3, 3), stride=2, pad_begin=1, output_padding=1))
    write("fuzz_params", "transpose2d_tiny",
          params(1, 0, 2, (1, 2, 2, 3), (2, 3, 2, 2), stride=(2, 3), pad_begin=(1, 0),
                 pad_end=(0, 2), output_padding=(1, 2)))
    write("fuzz_params", "conv2d_strided",
          params(0, 1, 2, (2, 3, 9, 7), (6, 3, 3, 2), stride=(2, 1), pad_begin=(1, 0)))
    write("fuzz_params", "conv3d_grouped_dilated",
          params(0, 0, 3, (1, 4, 6, 7, 5), (6, 2, 3, 2, 3), stride=(2, 1, 2),
                 dilation=(1, 2, 1), pad_begin=(1, 0, 1), pad_end=(0, 1, 1), groups=2))
    write("fuzz_params", "transpose1d_grouped",
          params(1, 1, 1, (3, 6, 11), (6, 2, 3), stride=3, dilation=2, pad_begin=2,
                 pad_end=1, output_padding=1, groups=3))
    write("fuzz_params", "invalid_stride0",
          params(1, 0, 2, (1, 1, 4, 4), (1, 1, 3, 3), stride=0))
    write("fuzz_params", "huge_batch",
          params(0, 0, 1, (2**42 + 1, 2**21, 2**21), (1, 2**21, 1)))
    write("fuzz_params", "transpose2d_same_upper_relu",
          params(1, 1, 2, (1, 2, 5, 6), (2, 2, 3, 3), stride=2,
                 conventions=(2, 0, 0, 1, 0, 0, 0)))
    write("fuzz_params", "transpose2d_onnx_output_shape",
          params(1, 0, 2, (1, 1, 3, 3), (1, 1, 3, 3), stride=2,
                 conventions=(0, 1, 0, 0, 0, 0, (7, 8))))
    write("fuzz_params", "transpose1d_pytorch_output_size_circular",
          params(1, 0, 1, (1, 1, 4), (1, 1, 3), stride=3, pad_begin=1,
                 conventions=(0, 0, 3, 5, 0xfc, 8, 11)))
    write("fuzz_params", "conv2d_reflect_leaky",
          params(0, 1, 2, (1, 2, 6, 5), (2, 2, 3, 3), pad_begin=2,
                 conventions=(0, 0, 1, 2, 1, 0, 0)))
    write("fuzz_params", "conv1d_same_lower_circular",
          params(0, 0, 1, (1, 1, 7), (1, 1, 4), stride=2, conventions=(3, 0, 3, 0, 0, 0, 0)))
    write("fuzz_params", "huge_dilation",
          params(1, 0, 1, (1, 1, 3), (1, 1, 2), dilation=INT64_MAX // 2, pad_begin=2**62))


# ---- fuzz_reference ---------------------------------------------------------------------

def reference_seeds():
    # Header: rank-1, batch-1, groups-1, cin_g-1, cout_g-1, bias, symmetric, padding mode
    # (3: circular), activation, conventions (auto_pad in bits 0-1, output_size when bits 2-3
    # are 3, ONNX rule in bit 4); then per dimension size-1, kernel-1, stride-1, dilation-1,
    # pad_begin, pad_end, output_padding, output_size-1; then data (value = byte % 7 - 3).
    data = bytes(range(7, 7 + 64))

    def seed(name, header, dims):
        write("fuzz_reference", name, bytes(header) + b"".join(bytes(d) for d in dims) + data)

    seed("rank1_stride2", [0, 0, 0, 1, 0, 1, 1, 0, 0, 0], [[4, 2, 1, 0, 1, 1, 1, 0]])
    seed("rank2_grouped_relu", [1, 1, 1, 0, 1, 0, 0, 0, 1, 0],
         [[5, 2, 1, 0, 1, 0, 1, 0], [3, 3, 2, 1, 0, 2, 1, 0]])
    seed("rank3_dilated_clamp", [2, 0, 0, 0, 0, 1, 1, 0, 5, 0],
         [[2, 1, 1, 1, 1, 1, 1, 0], [3, 2, 0, 0, 0, 0, 0, 0], [1, 1, 1, 2, 1, 1, 0, 0]])
    seed("rank2_big_padding", [1, 0, 2, 0, 2, 1, 0, 0, 0, 0],
         [[2, 3, 3, 2, 4, 4, 1, 0], [1, 1, 0, 0, 4, 3, 0, 0]])
    seed("rank1_circular_leaky", [0, 1, 0, 1, 1, 1, 0, 3, 2, 0], [[5, 2, 1, 0, 2, 1, 0, 0]])
    seed("rank2_same_upper", [1, 0, 0, 1, 0, 0, 0, 0, 0, 2],
         [[3, 1, 1, 0, 0, 0, 0, 0], [4, 2, 2, 0, 0, 0, 0, 0]])
    seed("rank1_onnx_output_size", [0, 0, 0, 0, 0, 1, 0, 0, 0, 0x1c], [[3, 2, 1, 0, 0, 0, 0, 9]])


# ---- fuzz_npy ---------------------------------------------------------------------------

def npy_seeds():
    import numpy as np

    def saved(array, version=None):
        buf = io.BytesIO()
        if version is None:
            np.save(buf, array)
        else:
            np.lib.format.write_array(buf, array, version=version)
        return buf.getvalue()

    write("fuzz_npy", "f4_vector.npy", saved(np.arange(3, dtype="<f4")))
    write("fuzz_npy", "f8_matrix.npy", saved(np.arange(6, dtype="<f8").reshape(2, 3) / 4))
    write("fuzz_npy", "f4_scalar.npy", saved(np.float32(2.5)))
    write("fuzz_npy", "f4_empty.npy", saved(np.zeros((0, 4), dtype="<f4")))
    write("fuzz_npy", "f4_rank4.npy", saved(np.ones((1, 2, 2, 1), dtype="<f4")))
    write("fuzz_npy", "f4_v2.npy", saved(np.arange(4, dtype="<f4"), version=(2, 0)))
    write("fuzz_npy", "f4_fortran.npy", saved(np.asfortranarray(np.ones((2, 3), "<f4"))))
    write("fuzz_npy", "i4_vector.npy", saved(np.arange(3, dtype="<i4")))
    write("fuzz_npy", "f4_truncated.npy", saved(np.arange(5, dtype="<f4"))[:-3])


if __name__ == "__main__":
    params_seeds()
    reference_seeds()
    npy_seeds()
