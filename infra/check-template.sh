#!/usr/bin/env bash
# Checks template.yaml offline (no AWS account, no credentials, no network after the
# first install), then proves the checks can fail on deliberately broken copies.
#
#   infra/check-template.sh            # template.yaml, then every case in infra/template/broken/
#   infra/check-template.sh --matrix   # also run every check on every broken copy and print
#                                      # which checks reject which mistake
#   infra/check-template.sh FILE       # check another template (no broken copies)
#
# Checks, in order (names as used in infra/template/broken/*.yaml):
#   cfn-lint             cfn-lint on the SAM template
#   sam-validate         sam validate (the SAM transform's own validation)
#   sam-validate-lint    sam validate --lint
#   translate            the SAM template translated to CloudFormation by samtranslator
#                        (infra/template/translate.py, no AWS call)
#   cfn-lint-translated  cfn-lint on the translated template: catches what SAM generates
#                        (functions, event source mappings, schedules, API stages)
#   serverless-rules     cfn-lint -a cfn_lint_serverless.rules on both templates
#   template-rules       infra/template/check_rules.py: the project's own rules
# Suppressions: infra/template/cfnlintrc.yaml (global) and per-resource Metadata, each with
# its reason.
#
# Tools: cfn-lint, cfn-lint-serverless, aws-sam-cli and aws-sam-translator, pinned in
# infra/template/requirements.txt, installed into .venv/template on first use (needs only
# python3 and PyPI) and reinstalled only when that file changes.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
caller="$PWD"
cd "$root"

matrix=0
template="template.yaml"
for arg in "$@"; do
    case "$arg" in
        --matrix) matrix=1 ;;
        -h | --help)
            sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        -*)
            echo "check-template: unknown option $arg" >&2
            exit 2
            ;;
        /*) template="$arg" ;;
        *) template="$caller/$arg" ;;
    esac
done
[ -f "$template" ] || { echo "check-template: no such template: $template" >&2; exit 2; }

tools="$root/infra/template"
venv="$root/.venv/template"
requirements="$tools/requirements.txt"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
    echo "check-template: installing the template tools into $venv (once; about a minute)" >&2
    start=$(date +%s)
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
    echo "check-template: installed in $(($(date +%s) - start)) s" >&2
fi
bin="$venv/bin"

# Offline and quiet: no telemetry, a fixed region, no instance-metadata lookups.
export SAM_CLI_TELEMETRY=0
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export PYTHONDONTWRITEBYTECODE=1
rc="$tools/cfnlintrc.yaml"

work="$(mktemp -d -t check-template.XXXXXX)"
trap 'rm -rf "$work"' EXIT
samconfig="$work/samconfig.toml"
: >"$samconfig"

steps=(cfn-lint sam-validate sam-validate-lint translate cfn-lint-translated serverless-rules template-rules)

# run_step STEP TEMPLATE TRANSLATED LOG: exit status of the check, output in LOG.
# Steps after `translate` need TRANSLATED; without it they answer 3 (not run).
run_step() {
    local step="$1" t="$2" out="$3" log="$4"
    case "$step" in
        cfn-lint) "$bin/cfn-lint" --config-file "$rc" -- "$t" ;;
        # An empty SAM configuration: samconfig.toml beside the template sets `lint = true`
        # for developers, which would turn the plain validation into the lint one.
        sam-validate) "$bin/sam" validate --config-file "$samconfig" --template-file "$t" --region "$AWS_REGION" ;;
        sam-validate-lint) "$bin/sam" validate --config-file "$samconfig" --lint --template-file "$t" --region "$AWS_REGION" ;;
        translate) "$bin/python" "$tools/translate.py" "$t" "$out" ;;
        cfn-lint-translated)
            [ -s "$out" ] || return 3
            "$bin/cfn-lint" --config-file "$rc" -- "$out"
            ;;
        serverless-rules)
            if [ -s "$out" ]; then
                "$bin/cfn-lint" --config-file "$rc" -a cfn_lint_serverless.rules -- "$t" "$out"
            else
                "$bin/cfn-lint" --config-file "$rc" -a cfn_lint_serverless.rules -- "$t"
            fi
            ;;
        template-rules)
            [ -s "$out" ] || return 3
            "$bin/python" "$tools/check_rules.py" "$t" "$out" "$root"
            ;;
    esac >"$log" 2>&1
}

now_ms() { date +%s%3N; }

# --- the template ------------------------------------------------------------------------
echo "== $template"
failed=0
parallel="$(nproc 2>/dev/null || echo 2)"
out="$work/template.json"
# timed_step STEP: runs the step on the template, leaving its status and time in $work.
timed_step() {
    local step="$1" t0 status=0
    t0=$(now_ms)
    run_step "$step" "$template" "$out" "$work/$step.log" || status=$?
    echo "$status $(($(now_ms) - t0))" >"$work/$step.result"
}
# The translation first (three checks read it), then the checks side by side.
timed_step translate
for step in "${steps[@]}"; do
    [ "$step" = translate ] && continue
    timed_step "$step" &
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
done
wait
for step in "${steps[@]}"; do
    read -r status ms <"$work/$step.result"
    if [ "$status" -eq 0 ]; then
        printf '  ok    %-20s %5d ms\n' "$step" "$ms"
    else
        printf '  FAIL  %-20s %5d ms\n' "$step" "$ms"
        sed 's/^/        /' "$work/$step.log"
        failed=1
    fi
done
if [ "$template" != "template.yaml" ] && [ "$template" != "$root/template.yaml" ]; then
    exit "$failed"
fi

# --- broken copies: every one must be rejected by each check its case names --------------
# check_case CASE_FILE: writes its report line(s) to $work/case-NAME.out, marks each
# rejecting check in $work/caught-NAME-STEP and the case's failure in $work/case-NAME.failed.
check_case() {
    local case_file="$1" name copy out expect step log status
    name="$(basename "$case_file" .yaml)"
    copy="$work/broken-$name.yaml"
    out="$work/broken-$name.json"
    exec >"$work/case-$name.out" 2>&1
    if ! expect="$("$bin/python" "$tools/mutate.py" "$case_file" "$template" "$copy")"; then
        echo "  FAIL  $name: the case does not apply to $template (see above)"
        touch "$work/case-$name.failed"
        return
    fi
    local wanted=() rejected_by=() missed=()
    for step in "${steps[@]}"; do
        # Every check with --matrix, else the checks the case names (and the translation
        # they read).
        if [ "$matrix" = 1 ] || [[ " $expect " == *" $step "* ]] ||
            { [ "$step" = translate ] && [[ " $expect " == *"-translated "* || " $expect " == *" serverless-rules "* || " $expect " == *" template-rules "* ]]; }; then
            wanted+=("$step")
        fi
    done
    for step in "${wanted[@]}"; do
        log="$work/broken-$name-$step.log"
        status=0
        run_step "$step" "$copy" "$out" "$log" || status=$?
        if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
            rejected_by+=("$step")
            touch "$work/caught-$name-$step"
        elif [[ " $expect " == *" $step "* ]]; then
            missed+=("$step")
        fi
    done
    if [ "${#missed[@]}" -eq 0 ]; then
        printf '  ok    %-28s rejected by %s\n' "$name" "${rejected_by[*]}"
    else
        printf '  FAIL  %-28s NOT rejected by %s (expected: %s)\n' "$name" "${missed[*]}" "$expect"
        for step in "${missed[@]}"; do
            sed 's/^/        /' "$work/broken-$name-$step.log" | tail -n 5
        done
        touch "$work/case-$name.failed"
    fi
}

echo "== broken copies (infra/template/broken/): each must be rejected"
cases=("$tools"/broken/*.yaml)
for case_file in "${cases[@]}"; do
    check_case "$case_file" &
    while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
done
wait
for case_file in "${cases[@]}"; do
    name="$(basename "$case_file" .yaml)"
    cat "$work/case-$name.out"
    [ ! -e "$work/case-$name.failed" ] || failed=1
done

if [ "$matrix" = 1 ]; then
    echo "== which check rejects which broken copy (x = rejected)"
    printf '  %-28s' ""
    for step in "${steps[@]}"; do printf ' %-19s' "$step"; done
    echo
    for case_file in "${cases[@]}"; do
        name="$(basename "$case_file" .yaml)"
        printf '  %-28s' "$name"
        for step in "${steps[@]}"; do
            if [ -e "$work/caught-$name-$step" ]; then mark=x; else mark=.; fi
            printf ' %-19s' "$mark"
        done
        echo
    done
fi

if [ "$failed" -ne 0 ]; then
    echo "check-template: FAILED" >&2
    exit 1
fi
echo "check-template: template.yaml passes every check; every broken copy is rejected"
