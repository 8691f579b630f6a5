# Sourced by the load benchmarks in this directory: builds the release binary and starts
# `switchboard serve` on a fresh data directory with the load policy
# (cli/demo/load-policy.yaml) and a generic API source keyed `bench-key`.
#
# Reads POLICY (another policy file; cli/demo/contention-policy.yaml shares reps between
# pools so that routing meets write conflicts), PORT (default $default_port), DEDUPE
# (`off`: intake's `dedupe_window: 0s`), SERVER_BIN (another build's binary to serve with;
# the load tool is always this tree's) and SERVE_FLAGS (more flags for `serve`, e.g.
# `--store-cache-mb 32`).
# Sets `work` (removed on exit), `bin`, `server_bin`, `server` (its pid), `url` and `token`
# (the viewer token, which reads the stats and metrics), and defines `cpu` and `settle`
# over the server's /proc counters (`writer_cpu` for the store's writer thread), `on_disk`
# and `lag_of`.

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
port="${PORT:-$default_port}"
work="$(mktemp -d)"
trap 'kill -INT "${server:-0}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release -p switchboard-cli >&2
bin="${CARGO_TARGET_DIR:-target}/release/switchboard"
server_bin="${SERVER_BIN:-$bin}"

{
    [[ "${DEDUPE:-on}" == off ]] && echo "dedupe_window: 0s"
    echo "sources:"
    echo "  - { id: api, kind: generic, secret: bench-key }"
} > "$work/intake.yaml"
"$server_bin" policy apply "${POLICY:-cli/demo/load-policy.yaml}" --note load --data-dir "$work/data" >&2
RUST_LOG=warn "$server_bin" serve --port "$port" --data-dir "$work/data" --no-demo \
    --intake-config "$work/intake.yaml" ${SERVE_FLAGS:-} > "$work/serve.out" 2> "$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q "Ctrl-C stops" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port"

# User + system CPU time in clock ticks from a /proc `stat` file (a process's or a thread's).
ticks() { awk '{print $14 + $15}' "$1"; }
# The server's CPU time so far (every thread).
cpu() { ticks "/proc/$server/stat"; }
# The same for the store's writer thread alone (the thread that commits every write; the
# kernel keeps the first 15 bytes of its name, `embedded-store-writer`).
writer_cpu() {
    local t total=0
    for t in /proc/"$server"/task/*; do
        [ "$(cat "$t/comm" 2>/dev/null)" = "embedded-store-" ] || continue
        total=$((total + $(ticks "$t/stat")))
    done
    echo "$total"
}
# Waits until the server has used no CPU for a second: routing has caught up.
settle() {
    local before after
    before="$(cpu)"
    while sleep 1; after="$(cpu)"; [ "$after" -gt "$((before + 1))" ]; do before="$after"; done
}
token="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["viewer_token"])' "$work/data/serve.json")"

# The store's bytes on disk: the blocks allocated. The file grows ahead of its pages (redb
# doubles it up to 4 GiB) and the part never written is sparse, so its size overstates it.
on_disk() {
    local f="$work/data/switchboard.redb"
    echo $(($(stat -c %b "$f") * $(stat -c %B "$f")))
}
# A `bench-load --stats-token` report's lag: the last decision after the last 202.
lag_of() {
    python3 -c 'import json,sys; l=json.load(open(sys.argv[1])).get("lag_ms"); print("%.1f ms" % l if l is not None else "not within 10 s")' "$1"
}
