"""One markdown table from the runs `side-by-side.sh` kept: every figure of every run of
both builds (one run to a line within a cell), and each side's median.

    python3 cli/bench/side_by_side_table.py DIR PAIRS

DIR holds `before-N.md` and `after-N.md` (N = 1..PAIRS), each the output of
`cost-per-lead.sh`: a `# date, cores, load average` line and a `| figure | value |` table.
The rows are matched by position (both sides ran the same script). Parts of a figure's
name that differ between runs (the leads counted, the rate accepted) move into each run's
value. A median is given where every run's value has the same shape, number by number
(`247.0 µs (8.1× healthz)` gives the median of the 247.0s and of the 8.1s).
"""

import re
import statistics
import sys
from pathlib import Path

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
VARYING = re.compile(r"\s*\(([^)]*\d[^)]*)\)")


def read_run(path):
    """(header lines, [(figure, value)]) of one run's output."""
    headers, rows = [], []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            headers.append(line.lstrip("# "))
        elif line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 2 and cells != ["figure", "value"]:
                rows.append((cells[0], cells[1]))
    return headers, rows


def number(text):
    return float(text.replace(",", ""))


def shown(x):
    """A median as the runs' own figures are given: whole above 1,000, else to 0.1 or 0.01.

    >>> [shown(x) for x in (1442.0, 249.25, 30.0, 5.005, 4.3)]
    ['1,442', '249.2', '30', '5', '4.3']
    """
    if x >= 1000:
        return f"{x:,.0f}"
    text = f"{x:.1f}" if x >= 10 else f"{x:.2f}"
    return text.rstrip("0").rstrip(".")


def median(values):
    """The values' median, number by number, in their shared shape; None if shapes differ.

    >>> median(["247.0 µs (8.1× healthz)", "251.5 µs (8.3× healthz)", "300.1 µs (9.9× healthz)"])
    '251.5 µs (8.3× healthz)'
    >>> median(["4.91 / 9.59 ms", "5.20 / 12.40 ms"])
    '5.05 / 11 ms'
    >>> median(["1,734 / 1,442 bytes", "1,834 / 1,446 bytes", "1,700 / 1,441 bytes"])
    '1,734 / 1,442 bytes'
    >>> median(["7.2 ms", "not within 10 s"]) is None
    True
    """
    shapes = {NUMBER.sub("#", v) for v in values}
    if len(shapes) != 1 or "#" not in next(iter(shapes)):
        return None
    columns = zip(*(NUMBER.findall(v) for v in values))
    medians = iter([shown(statistics.median(number(n) for n in col)) for col in columns])
    return NUMBER.sub(lambda _: next(medians), values[0])


def main(directory, pairs):
    sides = {}
    for side in ("before", "after"):
        sides[side] = [read_run(Path(directory) / f"{side}-{i}.md") for i in range(1, pairs + 1)]
    all_runs = sides["before"] + sides["after"]
    lengths = {len(rows) for _, rows in all_runs}
    if len(lengths) != 1:
        sys.exit(f"the runs' tables differ in length: {sorted(lengths)}")
    for side, runs in sides.items():
        for i, (headers, _) in enumerate(runs, 1):
            print(f"# {side} {i}: {'; '.join(headers)}")
    print()
    print(f"| figure | before: {pairs} runs | median | after: {pairs} runs | median |")
    print("| --- | --- | --- | --- | --- |")
    for row in range(lengths.pop()):
        figures = [rows[row][0] for _, rows in all_runs]
        varies = len(set(figures)) > 1
        label = VARYING.sub("", figures[0]) if varies else figures[0]
        cells = []
        for runs in sides.values():
            values = []
            for _, rows in runs:
                figure, value = rows[row]
                varying = VARYING.findall(figure) if varies else []
                values.append(value + "".join(f" [{v}]" for v in varying))
            plain = [rows[row][1] for _, rows in runs]
            cells.append("<br>".join(values))
            cells.append(median(plain) or "")
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]))
