#!/usr/bin/env bash
# Runs every check and test of the workspace. Used by CI (.ci/run) and by developers.
#
# One debug build serves every phase: each cargo step selects the whole workspace
# (`--workspace --locked`), so cargo resolves the same features every time and a later
# step reuses what an earlier one compiled. Selecting one package (`-p`) would resolve
# that package's features alone and compile tokio, hyper, the AWS SDK and the crates on top
# again. The only optimized builds are the smoke test's two Lambda binaries, built as they
# are deployed. docs/BENCHMARKS.md ("CI budget") lists what each phase builds and its time.
#
# Each phase prints its wall time when it ends, and the run ends with a Markdown table of
# all of them (also when a phase fails).
set -euo pipefail
cd "$(dirname "$0")/.."

names=()
times=()
current=""
phase_start=0
run_start=$(date +%s)

mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

end_phase() {
    [ -n "$current" ] || return 0
    local seconds=$(($(date +%s) - phase_start))
    names+=("$current${1:+ ($1)}")
    times+=("$seconds")
    echo "-- $current${1:+ ($1)}: $(mmss "$seconds") ($seconds s)"
    current=""
}

# phase NAME TITLE: ends the running phase and starts NAME.
phase() {
    end_phase
    current="$1"
    phase_start=$(date +%s)
    echo
    echo "== $1: $2"
}

summary() {
    local status=$?
    end_phase "$([ "$status" -eq 0 ] || echo FAILED)"
    local total=$(($(date +%s) - run_start))
    echo
    echo "== phase times (wall clock, $(nproc 2>/dev/null || echo '?') cores, $(date -u +%Y-%m-%dT%H:%MZ))"
    echo "| phase | time | seconds |"
    echo "|---|---:|---:|"
    local i
    for i in "${!names[@]}"; do
        echo "| ${names[$i]} | $(mmss "${times[$i]}") | ${times[$i]} |"
    done
    echo "| **infra/test.sh total** | **$(mmss "$total")** | **$total** |"
    exit "$status"
}
trap summary EXIT

phase fetch "download every crate in Cargo.lock (later phases compile offline)"
cargo fetch --locked

phase format "rustfmt"
cargo fmt --all -- --check

# The benchmark scripts are run by hand on a quiet machine, not here; their syntax and the
# side-by-side table's arithmetic are checked here (seconds).
phase scripts "benchmark scripts: bash syntax, the side-by-side table's doctests"
for script in cli/bench/*.sh; do bash -n "$script"; done
python3 -m doctest cli/bench/side_by_side_table.py

phase msrv "minimum Rust: rust-version against Cargo.lock, README.md and this toolchain"
infra/check-msrv.sh

# Type-checks every target (tests, benches, examples) in check mode; also rejects
# standard-library items newer than rust-version (clippy::incompatible_msrv).
phase lint "clippy, warnings as errors, every target"
cargo clippy --workspace --all-targets --locked -- -D warnings

# The admin console's browser test (cli/tests/it/console.rs) drives Debian's headless
# Chromium through chromedriver. Installed when missing (with sudo when not root, as .ci/run
# installs python3), and required from here on, so a full run never skips that test.
phase browser "chromium and chromedriver for the console's browser test (apt-get when missing)"
if [ ! -x "${SWITCHBOARD_CHROMEDRIVER:-/usr/bin/chromedriver}" ] || [ ! -x "${SWITCHBOARD_CHROMIUM:-/usr/bin/chromium}" ]; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver
fi
export SWITCHBOARD_REQUIRE_BROWSER=1

# Builds every test binary, the moto suites' too (they skip without AWS_ENDPOINT_URL).
phase tests "unit, property, scenario and doc tests (debug build)"
cargo test --workspace --locked

# Criterion runs each benchmark once, untimed, when cargo test starts it (no --bench
# argument): the benchmarks run on the debug build above instead of compiling the
# workspace a second time in the optimized bench profile (`cargo bench --no-run`). Timing
# them is `cargo bench` on a quiet machine (docs/BENCHMARKS.md). `--bench '*'` selects the
# bench targets only; `--benches` would also run every library's unit tests again.
phase benches "every benchmark once, untimed (debug build)"
cargo test --workspace --locked --bench '*'

# The binaries built by the tests phase, run again against moto; `--workspace` keeps the
# features (and so the build) of that phase. Every suite names its tables, queues and buses
# uniquely, so they share one emulator.
phase moto "storage contract (dynamo), lead enrichment on both stores (enrichment) and the intake, router, notifier and SLA sweeper Lambda suites (moto) on DynamoDB, SQS, EventBridge, SES v2, SSM and Secrets Manager"
infra/with-moto.sh cargo test --workspace --locked --test dynamo --test moto --test enrichment

phase moto-admin "admin commands on a deployment's table and queues (moto)"
infra/with-moto.sh cargo test --workspace --locked --test it aws_admin

phase template "deployment template: offline checks and the broken copies (tools into .venv/template on first run)"
infra/check-template.sh

# The workspace's only release builds: intake and router, one cargo invocation each as
# `sam build` makes them, for this machine's architecture.
phase smoke "Lambda release binaries under the runtime emulator against moto"
infra/smoke-lambdas.sh
