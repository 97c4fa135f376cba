#!/usr/bin/env bash
# chart.sh - the speedup chart of a tconv-bench CSV: per layer, cuDNN's best time over the
# time of tconv's fastest algorithm whose output matched cuDNN's (status ok or
# nondeterministic), drawn as bars by gnuplot (bench/chart.gp) into an SVG, with the 1.0
# line where tconv and cuDNN are even. A layer without a valid tconv result gets no bar and
# the label "n/a". Columns are found by their names in the header line; lines starting with
# '#' are skipped, and so are the header lines of runs appended to the same file. When the
# rows hold more than one storage (the dtype, layout and math columns), each layer gets one
# bar per storage, labelled "layer dtype/layout/math".
#
# usage: bench/chart.sh RESULTS.csv OUT.svg [TITLE]
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: bench/chart.sh RESULTS.csv OUT.svg [TITLE]" >&2
    exit 2
fi
csv=$1
svg=$2
title=${3:-tconv vs cuDNN: $(basename "$csv")}
here=$(dirname "$0")

if ! command -v gnuplot >/dev/null; then
    echo "chart.sh: gnuplot not found (sudo apt-get install -y gnuplot-nox)" >&2
    exit 1
fi
if [ ! -r "$csv" ]; then
    echo "chart.sh: cannot read $csv" >&2
    exit 1
fi

data=$(mktemp)
trap 'rm -f "$data"' EXIT

# One line per layer, in the CSV's order: index, "name", speedup (0 when none), class
# (0 transposed, 1 convolution), "label".
awk -F, '
    /^#/ || /^[[:space:]]*$/ { next }
    !header {
        for (i = 1; i <= NF; ++i) col[$i] = i
        split("layer op status ms cudnn_best_ms", need, " ")
        for (i in need) if (!(need[i] in col)) {
            printf "chart.sh: the CSV has no column %s\n", need[i] > "/dev/stderr"; bad = 1; exit 1
        }
        header = 1; next
    }
    $1 == "layer" { next }
    {
        name = $col["layer"]
        if ("dtype" in col) {
            storage = $col["dtype"] "/" $col["layout"] "/" $col["math"]
            if (!(storage in storages)) { storages[storage] = 1; ++nstorages }
            name = name " " storage
        }
        if (!(name in seen)) {
            seen[name] = 1; order[++n] = name
            kind[name] = $col["op"] == "transposed" ? 0 : 1
            cudnn[name] = $col["cudnn_best_ms"]
        }
        status = $col["status"]; ms = $col["ms"] + 0
        if ((status == "ok" || status == "nondeterministic") && ms > 0 &&
            (!(name in best) || ms < best[name]))
            best[name] = ms
    }
    END {
        if (bad) exit 1
        if (n == 0) { print "chart.sh: the CSV has no rows" > "/dev/stderr"; exit 1 }
        for (i = 1; i <= n; ++i) {
            name = order[i]; shown = name
            if (nstorages <= 1) sub(/ [^ ]*$/, "", shown)
            if (name in best && cudnn[name] > 0) {
                s = cudnn[name] / best[name]; label = sprintf("%.2f", s)
            } else {
                s = 0; label = "n/a"
            }
            printf "%d \"%s\" %.6f %d \"%s\"\n", i - 1, shown, s, kind[name], label
        }
    }' "$csv" > "$data"

gnuplot -c "$here/chart.gp" "$data" "$svg" "$title"
echo "chart.sh: wrote $svg ($(wc -l < "$data") layers)"
