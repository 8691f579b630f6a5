#!/usr/bin/env bash
# Builds every Lambda function crate under functions/ into a zipped `bootstrap`, the way
# `sam build` (BuildMethod: rust-cargolambda) does, and prints each zip's size.
#
#   infra/build-lambdas.sh                 # every function, arm64 (x86-64 if arm64 cannot be had)
#   infra/build-lambdas.sh intake router   # only these function directories
#   infra/build-lambdas.sh --x86-64        # force x86-64
#
# cargo-lambda (which brings zig, the cross linker) is installed from PyPI into .venv when
# missing. arm64 needs Rust's aarch64-unknown-linux-gnu standard library; when rustup cannot
# install it the build falls back to x86-64 and says so: the template declares arm64, so
# deploy such a build only after changing `Architectures` (or build on a machine with the
# target). Artifacts: $CARGO_TARGET_DIR/lambda/<binary>/bootstrap.zip (target/ by default).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

cargo_lambda_version="1.9.2"
venv="$root/.venv"

arch="arm64"
only=()
for arg in "$@"; do
    case "$arg" in
        --arm64) arch="arm64" ;;
        --x86-64 | --x86_64) arch="x86-64" ;;
        -h | --help)
            sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*)
            echo "build-lambdas: unknown option $arg" >&2
            exit 2
            ;;
        *) only+=("$arg") ;;
    esac
done

# cargo-lambda from PyPI, pinned; reinstalled only when missing or at another version.
if [ ! -x "$venv/bin/cargo-lambda" ] ||
    ! PATH="$venv/bin:$PATH" cargo lambda --version 2>/dev/null | grep -q "cargo-lambda $cargo_lambda_version "; then
    echo "build-lambdas: installing cargo-lambda $cargo_lambda_version (with zig) into $venv" >&2
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "cargo-lambda==$cargo_lambda_version"
fi
export PATH="$venv/bin:$PATH"

# Function crates: each directory under functions/ with a Cargo.toml; the binary is the
# package's (single) bin target, the name the template's `Metadata: Binary` uses.
mapfile -t crates < <(
    cargo metadata --no-deps --format-version 1 --locked |
        python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
root = os.path.realpath(sys.argv[1])
for p in meta["packages"]:
    d = os.path.dirname(os.path.realpath(p["manifest_path"]))
    if os.path.dirname(d) != os.path.join(root, "functions"):
        continue
    bins = [t["name"] for t in p["targets"] if "bin" in t["kind"]]
    if len(bins) != 1:
        sys.exit(f"{p['"'"'name'"'"']}: expected exactly one binary, found {bins}")
    print(os.path.basename(d), p["name"], bins[0])
' "$root"
)
selected=()
for line in "${crates[@]}"; do
    read -r dir _ _ <<<"$line"
    if [ "${#only[@]}" -eq 0 ] || printf '%s\n' "${only[@]}" | grep -qx "$dir"; then
        selected+=("$line")
    fi
done
for want in "${only[@]}"; do
    printf '%s\n' "${crates[@]}" | grep -q "^$want " || {
        echo "build-lambdas: no function crate functions/$want (have: $(printf '%s ' "${crates[@]%% *}"))" >&2
        exit 2
    }
done
if [ "${#selected[@]}" -eq 0 ]; then
    echo "build-lambdas: no function crates under functions/" >&2
    exit 1
fi

if [ "$arch" = "arm64" ]; then
    target="aarch64-unknown-linux-gnu"
    if ! rustc --print sysroot >/dev/null 2>&1 ||
        [ ! -d "$(rustc --print sysroot)/lib/rustlib/$target" ]; then
        echo "build-lambdas: adding the Rust standard library for $target" >&2
        if ! rustup target add "$target" >&2; then
            echo "build-lambdas: WARNING: cannot install the $target standard library;" >&2
            echo "build-lambdas: WARNING: building x86-64 instead. template.yaml declares arm64:" >&2
            echo "build-lambdas: WARNING: set Architectures to [x86_64] before deploying these zips." >&2
            arch="x86-64"
        fi
    fi
fi

# Size first (docs/BENCHMARKS.md, "Lambda binaries"); the workspace's release profile is
# tuned for the local process. Override by setting the variable.
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-z}"

# One cargo invocation per function, as `sam build` does: cargo unifies features across
# the packages of one invocation, so building two functions together would link code one
# of them does not use (the router's AWS SDK HTTP/2 stack into intake, for example).
start=$(date +%s)
for line in "${selected[@]}"; do
    read -r _ package bin <<<"$line"
    args=(lambda build --release "--$arch" --output-format zip --locked -p "$package" --bin "$bin")
    echo "build-lambdas: cargo ${args[*]}" >&2
    cargo "${args[@]}"
done
echo "build-lambdas: built in $(($(date +%s) - start)) s" >&2

target_dir="$(cargo metadata --no-deps --format-version 1 --locked |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
status=0
printf '%-14s %-8s %12s %12s  %s\n' function arch "zip bytes" "bootstrap" path
for line in "${selected[@]}"; do
    read -r dir _ bin <<<"$line"
    zip="$target_dir/lambda/$bin/bootstrap.zip"
    if [ ! -f "$zip" ]; then
        echo "build-lambdas: missing $zip" >&2
        status=1
        continue
    fi
    unzipped="$(unzip -l "$zip" | awk '$4 == "bootstrap" { print $1 }')"
    printf '%-14s %-8s %12s %12s  %s\n' "$dir" "$arch" "$(stat -c %s "$zip")" "$unzipped" "$zip"
done
exit "$status"
