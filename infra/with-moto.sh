#!/usr/bin/env bash
# Runs a command against a local AWS emulator (moto: DynamoDB, SQS, EventBridge).
#
#   infra/with-moto.sh cargo test -p switchboard-store
#
# Creates .venv with the pinned moto when missing, starts infra/moto/server.py on a free
# loopback port, exports AWS_ENDPOINT_URL with dummy credentials and a region, runs the
# command, stops the emulator and exits with the command's status.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv"
requirements="$root/infra/moto/requirements.txt"

if [ "$#" -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
fi

# (Re)install when the venv is missing or was made from other requirements.
stamp="$venv/.moto-requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
    echo "with-moto: installing moto into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi

log="$(mktemp -t moto.XXXXXX.log)"
"$venv/bin/python" "$root/infra/moto/server.py" --port "${MOTO_PORT:-0}" >"$log" 2>&1 &
moto_pid=$!
stop_moto() {
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    rm -f "$log"
}
trap stop_moto EXIT

port=""
for _ in $(seq 1 100); do
    port="$(sed -n 's/^port=\([0-9][0-9]*\)$/\1/p' "$log" | head -n 1)"
    [ -n "$port" ] && break
    if ! kill -0 "$moto_pid" 2>/dev/null; then
        echo "with-moto: the emulator exited early:" >&2
        cat "$log" >&2
        exit 1
    fi
    sleep 0.1
done
if [ -z "$port" ]; then
    echo "with-moto: the emulator did not report a port within 10 s:" >&2
    cat "$log" >&2
    exit 1
fi

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_SESSION_TOKEN=testing
export AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1
# Keep the SDK from reading the developer's real profiles.
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
echo "with-moto: emulator at $AWS_ENDPOINT_URL" >&2

status=0
"$@" || status=$?
exit "$status"
