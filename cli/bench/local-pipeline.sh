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

rates=("${@:-1000}")
duration="${DURATION:-20s}"
follow="${FOLLOW_EVERY:-1}"
default_port=18088
# shellcheck source=cli/bench/start-server.sh
source "$(dirname "$0")/start-server.sh"

echo "# warm-up: 500/s for 10s" >&2
"$bin" bench-load --url "$url" --api-key bench-key --rate 500 --duration 10s --follow-every 10 >&2
for rate in "${rates[@]}"; do
    echo "# $rate leads/s for $duration, dedupe ${DEDUPE:-on}, following every ${follow}. lead"
    uptime
    "$bin" bench-load --url "$url" --api-key bench-key --rate "$rate" --duration "$duration" \
        --follow-every "$follow" || true
done
