"""sass.py - static figures of CUDA kernels from a cubin: what ptxas reports (registers, spills,
stack, static shared memory), the launch bound from the ELF attributes, the instruction mix of
the main loop from the disassembly, and the resident blocks per SM on an H100 SXM.

Used by kernel_report.py (make kernel-report); reads cubins compiled for sm_90 with
`-Xptxas -v` (whose log sits beside each cubin) through cuobjdump and nvdisasm.

The main loop: the basic block with the most FFMAs or HMMAs (the unrolled multiply step of a
tiled kernel, on CUDA cores or tensor cores; the tap step of a per-output kernel), then the innermost loop around it, that is the
smallest address range from a backward branch's target to the branch that contains the block.
Its instructions are counted statically, once each, inner loops (K-position carries, say)
included once.
"""

import re
import subprocess

# H100 SXM (sm_90) limits, per SM unless stated.
SMS = 132
REGISTERS = 65536
REGISTER_ALLOCATION = 256  # registers are allocated per warp in units of this many
MAX_THREADS = 2048
MAX_WARPS = 64
MAX_BLOCKS = 32
SHARED_BYTES = 228 * 1024
SHARED_RESERVED_PER_BLOCK = 1024  # the runtime's share of every resident block
SHARED_MAX_PER_BLOCK = 227 * 1024
CLOCK_HZ = 1.98e9  # boost clock
FP32_LANES = 128  # FFMA lanes per SM: 4 schedulers x 32
SCHEDULERS = 4  # each issues one warp instruction per cycle
PEAK_FLOPS = SMS * FP32_LANES * 2 * CLOCK_HZ  # 66.9 TFLOP/s
HBM_BYTES_PER_S = 3.35e12


def run(tool, *args):
    """stdout of a tool, or an exception naming the command and its stderr."""
    done = subprocess.run([tool, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def demangle(symbols, cxxfilt="c++filt"):
    """{mangled: the kernel's name without return type and parameters}."""
    out = run(cxxfilt, *symbols).splitlines() if symbols else []
    names = {}
    for mangled, full in zip(symbols, out):
        depth, end = 0, len(full)
        for i, ch in enumerate(full):  # the parameter list: the first '(' outside <...>
            if ch == "<":
                depth += 1
            elif ch == ">":
                depth -= 1
            elif ch == "(" and depth == 0:
                end = i
                break
        name = full[:end]
        names[mangled] = name[5:] if name.startswith("void ") else name
    return names


def normalise(name):
    """The form kernel names are matched in: without whitespace."""
    return re.sub(r"\s+", "", name)


def matches(stem, name):
    """Whether a launch plan's kernel stem names this kernel: equal, or a prefix ending where an
    identifier does (igemm_128x128 names igemm_128x128_splitk and igemm_128x128<...>, not
    igemm_128x1280)."""
    stem, name = normalise(stem), normalise(name)
    return name == stem or (name.startswith(stem) and not name[len(stem)].isalnum())


def ptxas_figures(log_text):
    """{mangled: dict(registers, stack, spill_stores, spill_loads, smem)} from `ptxas -v`."""
    kernels, current, props = {}, None, None
    for line in log_text.splitlines():
        m = re.search(r"Compiling entry function '([^']+)'", line)
        if m:
            current = m.group(1)
            kernels[current] = dict(registers=0, stack=0, spill_stores=0, spill_loads=0, smem=0)
            continue
        m = re.search(r"Function properties for (\S+)", line)
        if m:
            props = m.group(1)
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and props in kernels:
            k = kernels[props]
            k["stack"], k["spill_stores"], k["spill_loads"] = map(int, m.groups())
            continue
        m = re.search(r"Used (\d+) registers", line)
        if m and current in kernels:
            kernels[current]["registers"] = int(m.group(1))
            s = re.search(r"(\d+) bytes smem", line)
            kernels[current]["smem"] = int(s.group(1)) if s else 0
    return kernels


def launch_bounds(elf_text):
    """{mangled: the block size of __launch_bounds__ (EIATTR_MAX_THREADS)} from cuobjdump -elf."""
    bounds, current = {}, None
    lines = elf_text.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^\.nv\.info\.(\S+)", line)
        if m:
            current = m.group(1)
        elif "EIATTR_MAX_THREADS" in line and current:
            for follow in lines[i + 1 : i + 4]:
                v = re.search(r"Value:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)", follow)
                if v:
                    x, y, z = (int(g, 16) for g in v.groups())
                    bounds[current] = x * y * z
                    break
    return bounds


def disassembly(sass_text):
    """{mangled: [(offset, opcode, text)], {label: offset}} from nvdisasm -c."""
    functions, current, pending = {}, None, []
    for line in sass_text.splitlines():
        m = re.match(r"^\.text\.(\S+):", line)
        if m:
            current = functions.setdefault(m.group(1), ([], {}))
            pending = []
            continue
        if current is None:
            continue
        m = re.match(r"^([.$][^:\s]+):", line)
        if m:
            pending.append(m.group(1))
            continue
        m = re.match(r"^\s+/\*([0-9a-f]+)\*/\s+(.*?)\s*;", line)
        if m:
            offset, text = int(m.group(1), 16), m.group(2)
            for label in pending:
                current[1][label] = offset
            pending = []
            opcode = re.sub(r"^@!?U?P[T\d]+\s+", "", text).split()[0]
            current[0].append((offset, opcode, text))
    return functions


ENDS_BLOCK = ("BRA", "BRX", "JMP", "JMX", "EXIT", "RET", "CALL")


def basic_blocks(instructions, labels):
    """The instructions cut into basic blocks (lists of (offset, opcode, text))."""
    leaders = set(labels.values()) | {instructions[0][0]}
    for i, (_, opcode, _) in enumerate(instructions[:-1]):
        if opcode.split(".")[0] in ENDS_BLOCK:
            leaders.add(instructions[i + 1][0])
    blocks, block = [], []
    for ins in instructions:
        if ins[0] in leaders and block:
            blocks.append(block)
            block = []
        block.append(ins)
    blocks.append(block)
    return blocks


def loops_of(instructions, labels):
    """Every loop as (start, end): a backward branch's target and the branch."""
    loops = []
    for offset, opcode, text in instructions:
        m = re.search(r"`\(([.$][^)]+)\)", text)
        if opcode.startswith("BRA") and m and m.group(1) in labels and labels[m.group(1)] <= offset:
            loops.append((labels[m.group(1)], offset))
    return loops


def ffmas(body):
    return sum(1 for _, op, _ in body if op.split(".")[0] == "FFMA")


def main_loop(instructions, labels):
    """The main loop's instruction mix (see the module's comment), or None without one."""
    if not instructions:
        return None
    blocks = basic_blocks(instructions, labels)
    hmmas = lambda body: sum(1 for _, op, _ in body if op.split(".")[0] == "HMMA")
    hottest = max(blocks, key=lambda body: ffmas(body) + hmmas(body))
    if ffmas(hottest) + hmmas(hottest) == 0:
        return None
    lo, hi = hottest[0][0], hottest[-1][0]
    loops = [(end - start, start, end) for start, end in loops_of(instructions, labels)
             if start <= lo and end >= hi]
    if not loops:
        return None
    _, start, end = min(loops)
    body = [(op, text) for offset, op, text in instructions if start <= offset <= end]
    count = lambda pred: sum(1 for op, text in body if pred(op, text))
    base = lambda op: op.split(".")[0]
    return dict(
        start=start,
        end=end,
        instructions=len(body),
        ffma=ffmas([(0, op, t) for op, t in body]),
        hmma=hmmas([(0, op, t) for op, t in body]),
        ldsm=count(lambda op, t: base(op) == "LDSM"),
        ldgsts=count(lambda op, t: base(op) == "LDGSTS"),
        lds=count(lambda op, t: op == "LDS" or (base(op) == "LDS" and not re.search(r"\.(64|128)$", op))),
        lds64=count(lambda op, t: base(op) == "LDS" and op.endswith(".64")),
        lds128=count(lambda op, t: base(op) == "LDS" and op.endswith(".128")),
        sts=count(lambda op, t: base(op) == "STS"),
        ldg=count(lambda op, t: base(op) == "LDG"),
        local=count(lambda op, t: base(op) in ("LDL", "STL")),
        barriers=count(lambda op, t: base(op) == "BAR"),
    )


def k_trip(instructions, labels, loop):
    """Where the main loop holds no barrier (it is an inner loop of the K loop: the patch
    kernel's tap rows), the smallest loop around it that holds one, the K loop's trip: its
    instructions and FFMAs, each counted once, and the inner loops with FFMAs it holds, each
    as (instructions, [(instructions, FFMAs) of each basic block with FFMAs]). None otherwise."""
    if loop is None or loop["barriers"] > 0:
        return None
    loops = loops_of(instructions, labels)
    body_of = lambda start, end: [ins for ins in instructions if start <= ins[0] <= end]
    around = [(end - start, start, end) for start, end in loops
              if start <= loop["start"] and end >= loop["end"]
              and any(op.startswith("BAR") for _, op, _ in body_of(start, end))]
    if not around:
        return None
    _, start, end = min(around)
    body = body_of(start, end)
    inner = [(s, e) for s, e in loops if start <= s and e <= end and (s, e) != (start, end)
             and ffmas(body_of(s, e)) > 0]
    inner = [l for l in inner if not any(m != l and l[0] <= m[0] and m[1] <= l[1] for m in inner)]
    blocks = basic_blocks(instructions, labels)
    return dict(
        instructions=len(body),
        ffma=ffmas(body),
        ldgsts=sum(1 for _, op, _ in body if op.startswith("LDGSTS")),
        inner=[(len(body_of(s, e)), [(len(b), ffmas(b)) for b in blocks
                                     if s <= b[0][0] <= e and ffmas(b) > 0]) for s, e in inner],
    )


def occupancy(registers, threads, smem):
    """(resident blocks per SM, what limits them) for a block of `threads` threads."""
    warps = -(-threads // 32)
    per_warp = -(-max(registers, 1) * 32 // REGISTER_ALLOCATION) * REGISTER_ALLOCATION
    limits = {
        "registers": (REGISTERS // per_warp) // warps,
        "threads": min(MAX_THREADS // (warps * 32), MAX_WARPS // warps),
        "blocks": MAX_BLOCKS,
        "shared memory": SHARED_BYTES // (smem + SHARED_RESERVED_PER_BLOCK)
        if smem <= SHARED_MAX_PER_BLOCK
        else 0,
    }
    limiter = min(limits, key=lambda k: limits[k])
    return limits[limiter], limiter


def kernels_of(cubin, ptxas_log, cuobjdump, nvdisasm, cxxfilt="c++filt"):
    """Every kernel of one cubin: its name, static figures, occupancy at its launch bound and
    main loop."""
    figures = ptxas_figures(ptxas_log)
    bounds = launch_bounds(run(cuobjdump, "-elf", cubin))
    code = disassembly(run(nvdisasm, "-c", cubin))
    names = demangle(sorted(figures), cxxfilt)
    kernels = []
    for mangled, fig in sorted(figures.items(), key=lambda kv: names[kv[0]]):
        threads = bounds.get(mangled, 1024)
        blocks, limiter = occupancy(fig["registers"], threads, fig["smem"])
        instructions, labels = code.get(mangled, ([], {}))
        loop = main_loop(instructions, labels)
        kernels.append(
            dict(
                name=names[mangled],
                mangled=mangled,
                bound=threads,
                bounded=mangled in bounds,
                blocks=blocks,
                limiter=limiter,
                occupancy=blocks * -(-threads // 32) / MAX_WARPS,
                loop=loop,
                trip=k_trip(instructions, labels, loop),
                **fig,
            )
        )
    return kernels
