#!/usr/bin/env bash
# Runs every check and test of the workspace. Used by CI (.ci/run) and by developers.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format"
cargo fmt --all -- --check

echo "== lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
cargo test --workspace --locked

echo "== benchmarks compile and run once (no timing)"
cargo bench --workspace --locked --no-run
