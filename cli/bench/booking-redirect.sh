#!/usr/bin/env bash
# POST-to-redirect of a booking form on `switchboard serve` (docs/BENCHMARKS.md, "Booking
# redirect").
#
#   cli/bench/booking-redirect.sh [RATE ...]
#
# Builds the release binary, starts a server on a fresh data directory with four reps
# that each have a booking link (no caps or hours, so every lead is assigned) and an
# html_form source with `booking: { wait: 1500ms }`, then posts browser forms at each RATE
# (default 50/s) for DURATION (default 20s) with `bench-load --form`, which measures POST
# to the 303 and counts where the redirects went.
set -euo pipefail

rates=("${@:-50}")
duration="${DURATION:-20s}"
port="${PORT:-18089}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
work="$(mktemp -d)"
trap 'kill -INT "${server:-0}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release -p switchboard-cli >&2
bin="${CARGO_TARGET_DIR:-target}/release/switchboard"

cat > "$work/policy.yaml" <<'POLICY'
name: booking-bench
triage_pool: triage
reps:
  - { id: r1, booking: { url: "https://calendly.com/bench-r1/intro", prefill: calendly } }
  - { id: r2, booking: { url: "https://meetings.hubspot.com/bench-r2", prefill: hubspot_meetings } }
  - { id: r3, booking: { url: "https://calendar.app.google/bench-r3" } }
  - { id: r4, booking: { url: "https://book.example.com/r4", prefill: { email: email } } }
pools: [ { id: all, strategy: round_robin, members: [r1, r2, r3, r4] } ]
rules: [ { id: all, pool: all } ]
POLICY
cat > "$work/intake.yaml" <<'INTAKE'
sources:
  - id: web
    kind: html_form
    secret: bench-form-token
    thank_you_url: https://example.com/thanks
    booking: { wait: 1500ms }
INTAKE
"$bin" policy apply "$work/policy.yaml" --note booking-bench --data-dir "$work/data" >&2
RUST_LOG=warn "$bin" serve --port "$port" --data-dir "$work/data" --no-demo \
    --intake-config "$work/intake.yaml" > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q "Ctrl-C stops" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port"

echo "# warm-up: 20/s for 5s" >&2
"$bin" bench-load --url "$url" --api-key unused --form /v1/hooks/web/bench-form-token \
    --rate 20 --duration 5s --concurrency 16 >&2
for rate in "${rates[@]}"; do
    echo "# booking form, $rate leads/s for $duration"
    uptime
    "$bin" bench-load --url "$url" --api-key unused --form /v1/hooks/web/bench-form-token \
        --rate "$rate" --duration "$duration" --concurrency 64 || true
done
