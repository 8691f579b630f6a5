#!/usr/bin/env bash
# The records the v2 packing dictionaries are trained on (shared/store/src/packed.rs,
# examples/train_dictionaries.rs): the demo's, never the load test's, so that the load
# benchmarks measure the dictionaries on records they were not made from.
#
#   cli/bench/packing-corpus.sh OUT
#
# Two store files under OUT, each from a `switchboard serve` that starts with the demo
# (policy, accounts, intake sources):
# - OUT/parking: the demo policy as it is; 4,000 demo leads imported as an event's list
#   and 1,500 more posted to the API one by one (half with an Idempotency-Key). Its caps
#   soon park most leads, so its decisions are mostly parks and passes-over.
# - OUT/assigning: the demo policy with every cap a thousand times higher; 5,000 demo
#   leads imported. Its decisions are mostly assignments, by every strategy the demo has.
#
# BIN names another build's binary to make them with (any build reads what any earlier one
# wrote).
set -euo pipefail
out="${1:?usage: packing-corpus.sh OUT}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [[ -z "${BIN:-}" ]]; then
    cargo build --release -p switchboard-cli >&2
fi
bin="${BIN:-${CARGO_TARGET_DIR:-target}/release/switchboard}"
rm -rf "$out" && mkdir -p "$out"
trap 'kill -INT "${server:-0}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT

# Starts the server on data directory $1 and port $2.
start() {
    "$bin" serve --port "$2" --data-dir "$1" > "$1.out" 2>&1 &
    server=$!
    for _ in $(seq 100); do grep -q "Ctrl-C stops" "$1.out" 2>/dev/null && break; sleep 0.1; done
}
stop() {
    kill -INT "$server"
    wait "$server" || true
}

start "$out/parking" 18131
"$bin" demo leads --count 4000 --seed 11 > "$out/leads-a.csv"
"$bin" lead import "$out/leads-a.csv" --source webinar-2026-12 --data-dir "$out/parking" | tail -1
"$bin" demo leads --count 1500 --seed 23 --format jsonl > "$out/leads-b.jsonl"
key="$(sed -n 's/.*id: api, kind: generic, secret: \([^ ]*\) .*/\1/p' "$out/parking/intake.yaml")"
python3 - "$out/leads-b.jsonl" "$key" <<'PY'
import json, sys, urllib.request
path, key = sys.argv[1], sys.argv[2]
for i, line in enumerate(open(path)):
    lead = json.loads(line)
    body = {k: v for k, v in lead.items() if k not in ("id", "received_at", "attributes")}
    body.update(lead.get("attributes", {}))
    headers = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
    if i % 2:
        headers["Idempotency-Key"] = "corpus-%d" % i
    request = urllib.request.Request("http://127.0.0.1:18131/v1/leads", json.dumps(body).encode(), headers)
    urllib.request.urlopen(request).read()
PY
sleep 2
stop

start "$out/assigning" 18132
sed -E 's/(max_open|max_per_day|max_per_week): ([0-9]+)/\1: \2000/g' cli/demo/policy.yaml > "$out/uncapped.yaml"
"$bin" policy apply "$out/uncapped.yaml" --note corpus --data-dir "$out/assigning" > /dev/null
"$bin" demo leads --count 5000 --seed 31 > "$out/leads-c.csv"
"$bin" lead import "$out/leads-c.csv" --source webinar-2026-12 --data-dir "$out/assigning" | tail -1
sleep 2
stop
ls -l "$out"/*/switchboard.redb
