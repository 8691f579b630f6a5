#!/usr/bin/env bash
# What `switchboard serve` holds in memory and on disk as its store grows (docs/BENCHMARKS.md,
# "Memory and size at 1M leads").
#
#   cli/bench/memory-at-scale.sh                      # 1,000,000 leads at 3,000/s offered
#   LEADS=200000 RATE=2000 cli/bench/memory-at-scale.sh
#   SERVE_FLAGS="--store-cache-mb 32" cli/bench/memory-at-scale.sh
#
# Starts a server as cli/bench/cost-per-lead.sh does (load policy, dedupe on unless
# DEDUPE=off), offers distinct leads in rounds of at most a minute until LEADS were
# accepted, and after each round prints the leads stored, how long after the round's last
# `202` the last decision was stored (the routing queue empty, read every millisecond), the
# process's resident memory now and at its peak, and the store's bytes per lead (file size
# and blocks on disk). At the end it waits until routing has caught up (no server CPU for a
# second) and prints the same once more.
# The store file lives in a temporary directory (about 5 KB per lead) removed on exit.
set -euo pipefail

default_port=18090
# shellcheck source=cli/bench/start-server.sh
source "$(dirname "$0")/start-server.sh"
target="${LEADS:-1000000}"
rate="${RATE:-3000}"

row() {
    local rss hwm bytes blocks
    rss="$(awk '/VmRSS/ {print $2}' "/proc/$server/status")"
    hwm="$(awk '/VmHWM/ {print $2}' "/proc/$server/status")"
    bytes="$(stat -c %s "$work/data/switchboard.redb")"
    blocks="$(on_disk)"
    echo "| $1 | $stored | $2 | $((rss / 1024)) MB | $((hwm / 1024)) MB | $((bytes / (stored > 0 ? stored : 1))) / $((blocks / (stored > 0 ? stored : 1))) |"
}

echo "# $(date -u +%FT%TZ), $(nproc) cores, ${LEADS:-1000000} leads at $rate/s offered, dedupe ${DEDUPE:-on}, serve flags: ${SERVE_FLAGS:-none}"
echo "| after | leads stored | last decision after the last 202 | resident now | resident peak | store bytes per lead: file / on disk |"
echo "|---|---|---|---|---|---|"
stored=0
started="$(date +%s)"
while [ "$stored" -lt "$target" ]; do
    secs=$(( (target - stored + rate - 1) / rate ))
    [ "$secs" -gt 60 ] && secs=60
    "$bin" bench-load --url "$url" --api-key bench-key --rate "$rate" --duration "${secs}s" \
        --follow-every 0 --stats-token "$token" --json > "$work/report.json" || true
    accepted="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["accepted"])' "$work/report.json")"
    [ "$accepted" -gt 0 ] || { echo "no lead accepted in the last round" >&2; exit 1; }
    lag="$(lag_of "$work/report.json")"
    stored=$((stored + accepted))
    row "$(( $(date +%s) - started )) s" "$lag"
done
settle
row "routing caught up ($(( $(date +%s) - started )) s)" ""
