#!/usr/bin/env bash
# Load benchmark of `switchboard serve` on loopback (docs/BENCHMARKS.md, "Local pipeline").
#
#   cli/bench/local-pipeline.sh [RATE ...]
#
# Builds the release binary, starts a server on a fresh data directory with the load
# policy (cli/demo/load-policy.yaml) and a generic API source, warms it up, then offers
# each RATE (leads/s, default: 1000) for DURATION (default 20s) with `bench-load`,
# following FOLLOW_EVERY-th lead (default 1: every lead) to its stored decision.
# DEDUPE=off turns the same-email dedupe off (intake's `dedupe_window: 0s`).
set -euo pipefail

cd "$(dirname "$0")/../.."
rates=("${@:-1000}")
duration="${DURATION:-20s}"
follow="${FOLLOW_EVERY:-1}"
port="${PORT:-18088}"
work="$(mktemp -d)"
trap 'kill -INT "${server:-0}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release -p switchboard-cli >&2
bin="${CARGO_TARGET_DIR:-target}/release/switchboard"

{
    [[ "${DEDUPE:-on}" == off ]] && echo "dedupe_window: 0s"
    echo "sources:"
    echo "  - { id: api, kind: generic, secret: bench-key }"
} > "$work/intake.yaml"
"$bin" policy apply cli/demo/load-policy.yaml --note load --data-dir "$work/data" >&2
RUST_LOG=warn "$bin" serve --port "$port" --data-dir "$work/data" --no-demo \
    --intake-config "$work/intake.yaml" > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q "Ctrl-C stops" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done

url="http://127.0.0.1:$port"
echo "# warm-up: 500/s for 10s" >&2
"$bin" bench-load --url "$url" --api-key bench-key --rate 500 --duration 10s --follow-every 10 >&2
for rate in "${rates[@]}"; do
    echo "# $rate leads/s for $duration, dedupe ${DEDUPE:-on}, following every ${follow}. lead"
    uptime
    "$bin" bench-load --url "$url" --api-key bench-key --rate "$rate" --duration "$duration" \
        --follow-every "$follow" || true
done
