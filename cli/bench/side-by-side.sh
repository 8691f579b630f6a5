#!/usr/bin/env bash
# Two builds' servers measured side by side: `cost-per-lead.sh` run with each build's
# `switchboard` in turn, alternating, so that both see the same machine and the same load
# on it, then one table with every figure of every run and each side's median
# (docs/BENCHMARKS.md, "Cost per lead").
#
#   cli/bench/side-by-side.sh BEFORE_BIN AFTER_BIN [PAIRS]
#
# BEFORE_BIN and AFTER_BIN are `switchboard` binaries (an older build: `git worktree add`
# its commit and build it with its own CARGO_TARGET_DIR). PAIRS (default 3) is how many
# times each is measured; the order alternates (before, after, after, before, ...) so that
# neither side always runs first. The load tool, the floors and the script are this tree's
# for both sides. Each run takes about two minutes; the raw tables are kept in
# $OUT (default a new temporary directory), one file per run.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 BEFORE_BIN AFTER_BIN [PAIRS]" >&2
    exit 2
fi
before_bin="$(realpath "$1")"
after_bin="$(realpath "$2")"
pairs="${3:-3}"
for b in "$before_bin" "$after_bin"; do
    [ -x "$b" ] || { echo "not an executable: $b" >&2; exit 2; }
done
here="$(dirname "$0")"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"

measure() { # side, run number, binary
    local file="$out/$1-$2.md" started
    started="$(date +%s)"
    echo "# $1, run $2 of $pairs: $3" >&2
    SERVER_BIN="$3" "$here/cost-per-lead.sh" > "$file"
    echo "#   $(($(date +%s) - started)) s" >&2
}

for i in $(seq "$pairs"); do
    if [ $((i % 2)) -eq 1 ]; then
        measure before "$i" "$before_bin"
        measure after "$i" "$after_bin"
    else
        measure after "$i" "$after_bin"
        measure before "$i" "$before_bin"
    fi
done

echo "# before: $before_bin"
echo "# after: $after_bin"
echo "# runs: $out"
python3 "$here/side_by_side_table.py" "$out" "$pairs"
