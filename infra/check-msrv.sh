#!/usr/bin/env bash
# Keeps the minimum supported Rust true. The one `rust-version` in Cargo.toml's
# [workspace.package] is the promise; this fails when
#   - a workspace crate declares a rust-version of its own instead of inheriting it,
#   - a package resolved in Cargo.lock declares a higher rust-version (after `cargo update`
#     or a new dependency: cargo would refuse to build on the promised toolchain),
#   - README.md states another minimum ("Rust toolchain (X or newer)"),
#   - the toolchain running this is older than the promise.
# The code's own use of newer standard-library items is caught by clippy's
# `incompatible_msrv` lint, which reads the same rust-version (infra/test.sh, lint phase).
#
#   infra/check-msrv.sh
#
# Needs cargo and python3; reads `cargo metadata` (every package of Cargo.lock, all platforms).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# Files that state the minimum in prose; each must name exactly the workspace's value.
stated_in=(README.md docs/DEPLOY.md)

meta="$(mktemp -t check-msrv.XXXXXX.json)"
trap 'rm -f "$meta"' EXIT
cargo metadata --format-version 1 --locked >"$meta"

python3 - "$meta" "$("${RUSTC:-rustc}" --version)" "${stated_in[@]}" <<'EOF'
import json, os, re, sys

meta_path, rustc, stated_in = sys.argv[1], sys.argv[2], sys.argv[3:]
problems = []


def parse(v):
    parts = [int(x) for x in v.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


# The promise: [workspace.package] rust-version in Cargo.toml (a plain string value).
section, promised = None, None
with open("Cargo.toml", encoding="utf-8") as f:
    for line in f:
        s = line.strip()
        if s.startswith("["):
            section = s
        elif section == "[workspace.package]":
            m = re.match(r'rust-version\s*=\s*"([0-9.]+)"', s)
            if m:
                promised = m.group(1)
if promised is None:
    sys.exit('check-msrv: Cargo.toml has no rust-version = "X.Y" in [workspace.package]')
want = parse(promised)

meta = json.load(open(meta_path, encoding="utf-8"))
members = set(meta["workspace_members"])
highest = None
checked = 0
for p in sorted(meta["packages"], key=lambda p: p["name"]):
    rv = p.get("rust_version")
    if p["id"] in members:
        # Inherited values show up resolved, so a crate of ours must equal the promise.
        if rv is None or parse(rv) != want:
            problems.append(
                f"{os.path.relpath(p['manifest_path'])}: rust-version is {rv or 'not set'}, the workspace's is "
                f"{promised}: use `rust-version.workspace = true`"
            )
        continue
    checked += 1
    if rv is None:
        continue
    if highest is None or parse(rv) > parse(highest[2]):
        highest = (p["name"], p["version"], rv)
    if parse(rv) > want:
        problems.append(
            f"{p['name']} {p['version']} needs Rust {rv}, above the workspace's {promised}: "
            f"raise rust-version in Cargo.toml and README.md together, or keep the older "
            f"version (cargo update -p {p['name']} --precise ...)"
        )

for path in stated_in:
    text = open(path, encoding="utf-8").read()
    found = re.findall(r"Rust toolchain \((\d+\.\d+(?:\.\d+)?) or newer\)", text)
    if not found:
        problems.append(f'{path}: no "Rust toolchain (X or newer)" sentence')
    for v in found:
        if parse(v) != want:
            problems.append(f"{path}: says Rust {v} or newer, the workspace's rust-version is {promised}")

m = re.match(r"rustc (\d+\.\d+\.\d+)", rustc)
if not m:
    problems.append(f"cannot read the toolchain's version from {rustc!r}")
elif parse(m.group(1)) < want:
    problems.append(f"this toolchain ({rustc}) is older than the workspace's rust-version {promised}")

if problems:
    for line in problems:
        print(f"check-msrv: {line}", file=sys.stderr)
    sys.exit(1)
top = f"{highest[0]} {highest[1]} at {highest[2]}" if highest else "none declares one"
print(
    f"check-msrv: rust-version {promised} for {len(members)} workspace crates; "
    f"{checked} resolved dependencies at or below it (highest: {top}); "
    f"{', '.join(stated_in)} agree{'s' if len(stated_in) == 1 else ''}; {rustc} satisfies it"
)
EOF
