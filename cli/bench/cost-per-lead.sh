#!/usr/bin/env bash
# What a lead costs `switchboard serve`, next to the machine's floor (docs/BENCHMARKS.md,
# "Cost per lead").
#
#   cli/bench/cost-per-lead.sh
#   SERVER_BIN=/path/to/switchboard cli/bench/cost-per-lead.sh   # measure another build's server
#
# Builds the release binary, starts a server on a fresh data directory with the load policy
# (cli/demo/load-policy.yaml), same-email dedupe on (the default) unless DEDUPE=off, and
# measures, from the server's own /proc counters:
#   - the floor: server CPU per `GET /healthz` at HEALTHZ_RATE (default 5000/s), and again
#     at 1,000/s, where every request finds the server idle (a followed lead at 1,000/s is
#     two requests at that rate: its POST and the long-poll that follows it);
#   - server CPU per lead at saturation (SATURATION_RATE offered, default 8000/s, no lead
#     followed), counted until the server is idle again, so routing's work is included,
#     and how long after the last 202 the last decision was stored (the routing queue
#     empty, read every millisecond from GET /v1/admin/stats);
#   - server CPU per lead at 1,000 leads/s with every lead followed to its decision;
#   - in both lead phases, the part of that CPU spent by the store's writer thread (it
#     commits every write), routing's lost races and how fast the leads that lost one were
#     decided (GET /metrics);
#   - store bytes per lead, resident memory now and at its peak;
#   - the store engine's own floor, with the server idle: what redb alone costs to write a
#     lead's records, one durable commit per lead at 1,000/s, and 100 and 20 leads to a commit
#     (shared/store/examples/commit_floor.rs), on the same disk; and the disk's own floor
#     under any engine: the same entries appended to a file, one fdatasync per commit.
# Each phase runs for DURATION (default 10s). The load tool runs on the same cores.
set -euo pipefail

duration="${DURATION:-10s}"
default_port=18089
# shellcheck source=cli/bench/start-server.sh
source "$(dirname "$0")/start-server.sh"
ticks="$(getconf CLK_TCK)"

# `bench-load` with the given flags; prints its report, and sets `done_count` to the
# requests answered as expected.
load() {
    "$bin" bench-load --url "$url" --api-key bench-key --duration "$duration" --json "$@" \
        > "$work/report.json" || true
    done_count="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accepted"])' "$work/report.json")"
}
# The conflict metrics now: lost races, leads that lost one, and of those decided within 50 ms
# (GET /metrics with the viewer token).
conflicts() {
    curl -s "$url/metrics" -H "Authorization: Bearer $token" | awk '
        $1 == "switchboard_route_conflicts_total" { lost = $2; seen = 1 }
        $1 == "switchboard_conflicted_time_to_decide_seconds_count" { n = $2 }
        $1 == "switchboard_conflicted_time_to_decide_seconds_bucket{le=\"0.05\"}" { fast = $2 }
        END { if (seen) print lost + 0, n + 0, fast + 0; else print "none" }'
}
# "lost races, leads that lost one, of them decided within 50 ms" between two readings.
conflicts_between() {
    python3 -c '
import sys
a, b = sys.argv[1].split(), sys.argv[2].split()
if "none" in a + b:
    print("not counted by this build")
else:
    d = [int(y) - int(x) for x, y in zip(a, b)]
    print("%d lost races; %d leads lost one, %d of them decided within 50 ms" % tuple(d))
' "$1" "$2"
}
# CPU microseconds per request over the last phase.
per() { python3 -c "print(round(($2 - $1) * 1e6 / $ticks / $3, 1))"; }

echo "# warm-up: 500 leads/s, 5 s" >&2
"$bin" bench-load --url "$url" --api-key bench-key --rate 500 --duration 5s --follow-every 0 >/dev/null
leads=2500
settle

start="$(cpu)"; load --healthz --rate "${HEALTHZ_RATE:-5000}"; settle
healthz_us="$(per "$start" "$(cpu)" "$done_count")"
healthz_n="$done_count"
start="$(cpu)"; load --healthz --rate 1000; settle
healthz_k_us="$(per "$start" "$(cpu)" "$done_count")"

before="$(conflicts)"
start="$(cpu)"; wstart="$(writer_cpu)"
load --rate "${SATURATION_RATE:-8000}" --follow-every 0 --stats-token "$token"; settle
sat_conflicts="$(conflicts_between "$before" "$(conflicts)")"
sat_lag="$(lag_of "$work/report.json")"
sat_us="$(per "$start" "$(cpu)" "$done_count")"
sat_writer_us="$(per "$wstart" "$(writer_cpu)" "$done_count")"
sat_n="$done_count"
sat_rate="$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["accepted_per_s"]))' "$work/report.json")"
leads=$((leads + done_count))

before="$(conflicts)"
start="$(cpu)"; wstart="$(writer_cpu)"
load --rate 1000 --follow-every 1; settle
k_conflicts="$(conflicts_between "$before" "$(conflicts)")"
k_us="$(per "$start" "$(cpu)" "$done_count")"
k_writer_us="$(per "$wstart" "$(writer_cpu)" "$done_count")"
k_n="$done_count"
k_routed="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["routed_ms"]; print("%.2f / %.2f" % (r["p50"], r["p99"]))' "$work/report.json")"
leads=$((leads + done_count))

store_bytes="$(stat -c %s "$work/data/switchboard.redb")"
store_blocks="$(on_disk)"
rss="$(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
hwm="$(awk '/VmHWM/ {print $2}' "/proc/$server/status")"

echo "# store engine floor (commit_floor)" >&2
cargo build --release -p switchboard-store --example commit_floor >&2
floor="$("${CARGO_TARGET_DIR:-target}/release/examples/commit_floor" "$work")"
floor_paced="$(sed -n 's/^paced: .*: \([0-9]*\) µs CPU per lead, commit p50 \/ p99 \(.*\) ms$/\1 µs (commit p50 \/ p99 \2 ms)/p' <<< "$floor")"
floor_batched() { sed -n "s/^batched: .*, $1 to a durable commit: \\([0-9]*\\) µs CPU per lead\$/\\1 µs/p" <<< "$floor"; }
log_paced="$(sed -n 's/^log paced: .*: \([0-9]*\) µs CPU per lead, .*$/\1/p' <<< "$floor")"
log_batched="$(sed -n 's/^log batched: .*, 20 to an fdatasync: \([0-9]*\) µs CPU per lead$/\1/p' <<< "$floor")"

echo "# $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), dedupe ${DEDUPE:-on}"
echo "| figure | value |"
echo "|---|---|"
echo "| floor: server CPU per GET /healthz ($healthz_n requests) | $healthz_us µs |"
echo "| floor: the store engine alone, a lead's writes, 100 leads to a durable commit | $(floor_batched 100) |"
echo "| floor: the same, 20 leads to a durable commit (about what the server's carry at saturation) | $(floor_batched 20) |"
echo "| floor: the store engine alone, a lead's writes in a durable commit of its own, 1,000/s | $floor_paced |"
echo "| floor: the disk under any engine, a lead's entries appended, one fdatasync each at 1,000/s / 20 leads to one | $log_paced / $log_batched µs |"
echo "| floor: server CPU per GET /healthz at 1,000/s | $healthz_k_us µs |"
echo "| floor: a followed lead at 1,000/s (two requests at 1,000/s and one append and fdatasync) | $(python3 -c "print(round(2 * $healthz_k_us + $log_paced, 1))") µs |"
echo "| server CPU per lead at saturation ($sat_n leads, $sat_rate/s accepted) | $sat_us µs ($(python3 -c "print(round($sat_us / $healthz_us, 1))")× healthz) |"
echo "| at saturation: of that, the store's writer thread | $sat_writer_us µs |"
echo "| at saturation: last decision stored after the last 202 | $sat_lag |"
echo "| at saturation: routing's lost races | $sat_conflicts |"
echo "| server CPU per lead at 1,000/s, every lead followed ($k_n leads) | $k_us µs ($(python3 -c "print(round($k_us / $healthz_us, 1))")× healthz) |"
echo "| at 1,000/s: of that, the store's writer thread | $k_writer_us µs |"
echo "| POST → stored decision at 1,000/s, p50 / p99 | $k_routed ms |"
echo "| at 1,000/s: routing's lost races | $k_conflicts |"
echo "| store per lead ($leads leads): file size / blocks on disk | $((store_bytes / leads)) / $((store_blocks / leads)) bytes |"
echo "| resident memory now / peak | $((rss / 1024)) / $((hwm / 1024)) MB |"
