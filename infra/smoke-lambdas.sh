#!/usr/bin/env bash
# Smoke test of the release Lambda binaries, offline: the intake and router `bootstrap`s
# built as `sam build` builds them, run under cargo-lambda's emulation of the Lambda runtime
# API and function URLs (`cargo lambda watch --only-lambda-apis`), against moto.
#
#   infra/smoke-lambdas.sh
#
# 1. Builds both functions with infra/build-lambdas.sh (release profile, cargo-lambda) for
#    this machine's architecture (the deployed arm64 build cannot run on an x86-64 host),
#    and the helper `cargo run --example smoke -p switchboard-router` (debug).
# 2. Under infra/with-moto.sh: creates the table, queues, dead-letter queues and bus, and
#    activates infra/smoke/policy.yaml (the helper's `setup`).
# 3. Starts the emulator and each bootstrap with the environment Lambda and the template
#    give it, then: POST /v1/leads through intake's function URL (202, lead queued) and
#    GET /console (the admin console's page, with its content security policy); takes
#    the message off the routing queue and invokes the router with it as an SQS event (no
#    batch item failures); finds the lead's assignment in DynamoDB and the notification on
#    the notify queue.
# 4. Measures each binary's start-up (a proxy for the cold-start init duration): the time
#    from starting the process to the answer of a first, trivial invocation queued before
#    it started (intake: GET /healthz; router: an SQS event with no records), minus the same
#    invocation warm. Median of SMOKE_STARTS runs (default 5).
#
# Needs python3 and the package registries once (cargo-lambda and moto into .venv).
# Artifacts: $CARGO_TARGET_DIR/lambda/{intake,router}/bootstrap.zip, for the host
# architecture (run infra/build-lambdas.sh afterwards for the arm64 zips).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ "${1:-}" != "--inside" ]; then
    case "$(uname -m)" in
        x86_64) arch="--x86-64" ;;
        aarch64 | arm64) arch="--arm64" ;;
        *)
            echo "smoke-lambdas: no Lambda architecture for $(uname -m)" >&2
            exit 1
            ;;
    esac
    start=$(date +%s)
    infra/build-lambdas.sh "$arch" intake router
    cargo build --locked --quiet --workspace --example smoke
    target_dir="$(cargo metadata --no-deps --format-version 1 --locked |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
    echo "smoke-lambdas: built in $(($(date +%s) - start)) s" >&2
    exec infra/with-moto.sh "$0" --inside "$target_dir"
fi

# --- under moto ----------------------------------------------------------------------------
target_dir="$2"
smoke="$target_dir/debug/examples/smoke"
starts="${SMOKE_STARTS:-5}"
export PATH="$root/.venv/bin:$PATH"
work="$(mktemp -d -t smoke-lambdas.XXXXXX)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "smoke-lambdas: FAILED: $*" >&2
    for log in "$work"/*.log; do
        [ -s "$log" ] && { echo "--- $(basename "$log")" >&2; tail -n 20 "$log" >&2; }
    done
    exit 1
}

for bin in intake router; do
    mkdir -p "$work/$bin"
    unzip -q -o "$target_dir/lambda/$bin/bootstrap.zip" -d "$work/$bin"
done

"$smoke" setup infra/smoke/policy.yaml >"$work/env" || fail "setting up the AWS resources"
set -a
# shellcheck disable=SC1091
. "$work/env"
set +a
# As the template does: the intake configuration text in SWITCHBOARD_INTAKE_CONFIG.
SWITCHBOARD_INTAKE_CONFIG="$(cat infra/smoke/intake.yaml)"
export SWITCHBOARD_INTAKE_CONFIG RUST_LOG=info

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
api="http://127.0.0.1:$port"
# --timeout: how long an invoke request waits for the function (the router's timeout).
cargo lambda watch --only-lambda-apis --timeout 30 -A 127.0.0.1 -P "$port" >"$work/watch.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || fail "the runtime emulator did not start"
# The router that routes the lead polls through a relay that puts a real deadline on each
# invocation: the emulator sends a fixed one in 1970 (infra/smoke/runtime_proxy.py), and
# the router starts no message once its deadline is near. Everything else (intake, which
# never reads its deadline, and the start-up probes, which carry no message) polls the
# emulator directly. Timeout as in template.yaml.
python3 infra/smoke/runtime_proxy.py "$port" router=30 >"$work/proxy.log" 2>&1 &
pids+=($!)
runtime=""
for _ in $(seq 1 100); do
    runtime="$(sed -n 's/^port=\([0-9][0-9]*\)$/\1/p' "$work/proxy.log" | head -n 1)"
    [ -n "$runtime" ] && break
    sleep 0.1
done
[ -n "$runtime" ] || fail "the runtime relay did not start"

# start_function NAME MEMORY [relay]: runs NAME's bootstrap against the emulator (through
# the deadline relay with `relay`), as Lambda would.
start_function() {
    local runtime_api="http://127.0.0.1:$port/.rt/$1"
    [ "${3:-}" != relay ] || runtime_api="http://127.0.0.1:$runtime/.rt/$1"
    AWS_LAMBDA_RUNTIME_API="$runtime_api" AWS_LAMBDA_FUNCTION_NAME="$1" \
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE="$2" AWS_LAMBDA_FUNCTION_VERSION='$LATEST' \
        AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/smoke-$1" AWS_LAMBDA_LOG_STREAM_NAME=smoke \
        "$work/$1/bootstrap" >>"$work/$1.log" 2>&1 &
    function_pid=$!
    pids+=("$function_pid")
}
stop_function() {
    kill "$function_pid" 2>/dev/null || true
    wait "$function_pid" 2>/dev/null || true
}

# request OUT CURL_ARGS...: one invocation, its body in OUT; prints the HTTP status and the seconds curl took.
request() {
    local out="$1"
    shift
    curl -sS --max-time 30 -o "$out" -w '%{http_code} %{time_total}\n' "$@"
}
invoke_url() { echo "$api/2015-03-31/functions/$1/invocations"; }

# measure NAME MEMORY CURL_ARGS...: median cold (process start to answer) and warm times.
measure() {
    local name="$1" memory="$2"
    shift 2
    local cold=() warm=() i status seconds
    for i in $(seq 1 "$starts"); do
        # Queued before the process exists: the emulator holds it until the first poll.
        request "$work/probe.out" "$@" >"$work/cold.txt" &
        local probe=$!
        sleep 0.2
        local t0
        t0=$(date +%s%N)
        start_function "$name" "$memory"
        wait "$probe" || fail "$name: the cold probe failed"
        local t1
        t1=$(date +%s%N)
        read -r status _ <"$work/cold.txt"
        [ "$status" = 200 ] || fail "$name: the cold probe answered $status: $(cat "$work/probe.out")"
        cold+=("$(((t1 - t0) / 1000))")
        read -r status seconds < <(request "$work/probe.out" "$@")
        [ "$status" = 200 ] || fail "$name: the warm probe answered $status"
        warm+=("$(python3 -c "print(round($seconds * 1e6))")")
        stop_function
    done
    python3 - "$name" "${cold[*]}" "${warm[*]}" <<'EOF'
import statistics, sys
name, cold, warm = sys.argv[1], [int(x) for x in sys.argv[2].split()], [int(x) for x in sys.argv[3].split()]
c, w = statistics.median(cold), statistics.median(warm)
print(f"smoke-lambdas: {name}: start to first answer median {c / 1000:.1f} ms "
      f"(runs: {', '.join(f'{x / 1000:.1f}' for x in cold)}), warm invocation {w / 1000:.1f} ms, "
      f"start-up ≈ {(c - w) / 1000:.1f} ms")
EOF
}

echo "== start-up ($starts starts each)"
measure intake 256 "$api/lambda-url/intake/healthz"
echo '{"Records":[]}' >"$work/empty.json"
measure router 256 -X POST -H 'content-type: application/json' --data-binary "@$work/empty.json" "$(invoke_url router)"

echo "== a lead through intake and the router"
start_function intake 256
read -r status _ < <(request "$work/lead.json" -X POST \
    -H 'content-type: application/json' -H 'x-api-key: smoke-api-key' \
    --data-binary '{"email":"hanna.schmidt@example.de","first_name":"Hanna","last_name":"Schmidt","company":"Beispiel GmbH","country":"Deutschland"}' \
    "$api/lambda-url/intake/v1/leads")
[ "$status" = 202 ] || fail "POST /v1/leads answered $status: $(cat "$work/lead.json")"
lead_id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lead_id"])' "$work/lead.json")"
echo "  intake answered 202, lead $lead_id"
# The admin console from the same binary: the page, with its content security policy.
read -r status _ < <(request "$work/console.html" -D "$work/console.headers" "$api/lambda-url/intake/console")
[ "$status" = 200 ] || fail "GET /console answered $status: $(cat "$work/console.html")"
grep -qi '^content-security-policy: default-src' "$work/console.headers" ||
    fail "GET /console has no content security policy: $(cat "$work/console.headers")"
grep -q 'src="/console/console.js"' "$work/console.html" || fail "GET /console is not the console's page"
echo "  intake serves the admin console"
stop_function

"$smoke" sqs-event "$SWITCHBOARD_ROUTING_QUEUE_URL" >"$work/event.json" ||
    fail "no message on the routing queue"
python3 - "$work/event.json" "$lead_id" <<'EOF' || fail "the routing message is not the lead's"
import json, sys
body = json.loads(json.load(open(sys.argv[1]))["Records"][0]["body"])
sys.exit(0 if body.get("lead_id") == sys.argv[2] else 1)
EOF
echo "  routing queue: one message for the lead"

start_function router 256 relay
read -r status _ < <(request "$work/batch.json" -X POST -H 'content-type: application/json' \
    --data-binary "@$work/event.json" "$(invoke_url router)")
[ "$status" = 200 ] || fail "the router invocation answered $status: $(cat "$work/batch.json")"
python3 - "$work/batch.json" <<'EOF' || fail "the router reported batch item failures: $(cat "$work/batch.json")"
import json, sys
sys.exit(0 if json.load(open(sys.argv[1])).get("batchItemFailures") == [] else 1)
EOF
echo "  router: batch done, no item failures"
stop_function

"$smoke" assignment "$lead_id" >"$work/assignment.json" || fail "no assignment for $lead_id in DynamoDB"
python3 - "$work/assignment.json" <<'EOF' || fail "unexpected assignment: $(cat "$work/assignment.json")"
import json, sys
a = json.load(open(sys.argv[1]))
assert a["rep"] in ("ana", "bo") and a["pool"] == "dach" and a["attempt"] == 1, a
print(f"  DynamoDB: assigned to {a['rep']} (pool {a['pool']}, policy v{a['policy_version']}, status {a['status']})")
EOF
"$smoke" sqs-event "$SWITCHBOARD_NOTIFY_QUEUE_URL" >"$work/notify.json" ||
    fail "no notification on the notify queue"
grep -q "$lead_id" "$work/notify.json" || fail "the notification is not about the lead"
echo "  notify queue: the rep's notification is queued"
echo "smoke-lambdas: ok"
