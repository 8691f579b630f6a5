"""Writes a deliberately broken copy of template.yaml from a case in infra/template/broken/.

    python infra/template/mutate.py CASE.yaml TEMPLATE OUT.yaml

A case is a small YAML file:

    why: what is wrong and why it matters
    expect: [template-rules]          # the checks that must reject the copy
    edits:
      - find: "maxReceiveCount: 5"    # text of template.yaml
        replace: "maxReceiveCount: 1"
        occurrence: 1                 # optional: which match, when the text is not unique

Each case is applied to the current template, so the broken copies never fall behind it.
A `find` that no longer matches (or matches more than once without `occurrence`) is an
error: the case must be updated, never silently skipped. Prints the `expect` list.
"""

import sys

import yaml

CHECKS = {
    "cfn-lint",
    "sam-validate",
    "sam-validate-lint",
    "translate",
    "cfn-lint-translated",
    "serverless-rules",
    "template-rules",
}


def main() -> int:
    if len(sys.argv) != 4:
        print("usage: mutate.py CASE.yaml TEMPLATE OUT.yaml", file=sys.stderr)
        return 2
    case_path, template_path, out_path = sys.argv[1:]
    with open(case_path, encoding="utf-8") as f:
        case = yaml.safe_load(f)
    with open(template_path, encoding="utf-8") as f:
        text = f.read()
    expect = case.get("expect") or []
    unknown = set(expect) - CHECKS
    if not expect or unknown or not case.get("why") or not case.get("edits"):
        print(f"{case_path}: needs why, edits and expect (from {sorted(CHECKS)}); unknown: {sorted(unknown)}",
              file=sys.stderr)
        return 2
    for edit in case["edits"]:
        find, replace = edit["find"], edit["replace"]
        count = text.count(find)
        which = edit.get("occurrence")
        if count == 0:
            print(f"{case_path}: {find!r} no longer occurs in {template_path}; update the case", file=sys.stderr)
            return 2
        if which is None and count != 1:
            print(f"{case_path}: {find!r} occurs {count} times; set occurrence", file=sys.stderr)
            return 2
        which = which or 1
        if which > count:
            print(f"{case_path}: {find!r} occurs {count} times, not {which}", file=sys.stderr)
            return 2
        start = -1
        for _ in range(which):
            start = text.index(find, start + 1)
        text = text[:start] + replace + text[start + len(find):]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    print(" ".join(expect))
    return 0


if __name__ == "__main__":
    sys.exit(main())
