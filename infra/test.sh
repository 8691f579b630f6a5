#!/usr/bin/env bash
# Runs every check and test of the workspace. Used by CI (.ci/run) and by developers.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== format"
cargo fmt --all -- --check

echo "== lint"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== tests"
cargo test --workspace --locked

echo "== storage contract on DynamoDB, SQS and EventBridge (moto, installed into .venv on first run)"
infra/with-moto.sh cargo test -p switchboard-store --locked --test dynamo

echo "== router Lambda on DynamoDB, SQS and EventBridge (moto)"
infra/with-moto.sh cargo test -p switchboard-router --locked --test moto

echo "== notifier Lambda on SES v2, SSM, Secrets Manager and DynamoDB (moto)"
infra/with-moto.sh cargo test -p switchboard-notifier --locked --test moto

echo "== SLA sweeper Lambda on DynamoDB, SQS and EventBridge (moto)"
infra/with-moto.sh cargo test -p switchboard-sla-sweeper --locked --test moto

echo "== intake over DynamoDB and SQS (moto)"
infra/with-moto.sh cargo test -p switchboard-intake --locked --test moto

echo "== admin commands on a deployment's table and queues (moto)"
infra/with-moto.sh cargo test -p switchboard-cli --locked --test it aws_admin

echo "== deployment template: offline checks and the broken copies (tools into .venv/template on first run)"
infra/check-template.sh

echo "== Lambda release binaries under the runtime emulator against moto (release builds: minutes)"
infra/smoke-lambdas.sh

echo "== benchmarks compile (no timing)"
cargo bench --workspace --locked --no-run
