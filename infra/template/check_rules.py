"""Switchboard's own rules for the deployment template, for what no linter knows.

    python infra/template/check_rules.py SAM_TEMPLATE TRANSLATED.json [REPO_ROOT]

Reads the SAM template (for what SAM consumes: Globals, build metadata) and the template
translated to CloudFormation by translate.py (for everything else). Prints one line per
violation and exits 1 if there is any. The rules:

  sqs-consumer    each SQS event source: visibility timeout >= 6 x the function's timeout
                  + batching window; ReportBatchItemFailures; an explicit batch size
  redrive         each queue that is not a dead-letter queue redrives to one in the
                  template with maxReceiveCount >= 5; the DLQ keeps messages longer
  dlq-alarm       each dead-letter queue has a depth > 0 alarm with an action
  logs            each function logs to a log group of the template with a retention
  errors-alarm    each function has an AWS/Lambda Errors alarm with an action
  iam             no wildcard action and no Resource "*" in the template's roles
  table           the DynamoDB table is the one shared/store/src/aws/dynamo defines (keys,
                  indexes, projections, TTL), on demand, with PITR, SSE and Retain
  functions       Rust on provided.al2023, arm64, handler bootstrap, built by cargo-lambda
                  with the binary the crate declares (or the directory's name until the
                  crate exists)
  env             every function names the table and bus; each queue a function may send
                  to is named by a *_QUEUE_URL variable; every SWITCHBOARD_* setting the
                  function's crate reads (string literals in its src/) is set on it
  schedule        the SLA sweeper runs at rate(1 minute), its timeout under the interval
  api             the intake routes exist and reach the intake function, admin routes
                  require a JWT authorizer (/v1/admin) or IAM (/v1/iam/admin), throttling is set, access logs never carry the path
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Any, Iterator

import yaml

SECONDS_PER_DAY = 86400
DEFAULT_SQS_RETENTION = 4 * SECONDS_PER_DAY
DEFAULT_VISIBILITY = 30
DEFAULT_TIMEOUT = 3
WILDCARD_RESOURCE_ACTIONS = {
    # Actions that support no resource-level permission at all.
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "cloudwatch:PutMetricData",
}
INTAKE_ROUTES = [
    ("post", "/v1/leads"),
    ("post", "/v1/hooks/{source_id}"),
    ("post", "/v1/hooks/{source_id}/{token}"),
    ("get", "/v1/leads/{lead_id}"),
    ("get", "/healthz"),
]
INTAKE_FUNCTION = "IntakeFunction"
SWEEPER_FUNCTION = "SlaSweeperFunction"
SWEEP_RATE = "rate(1 minute)"


class Report:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def fail(self, rule: str, message: str) -> None:
        self.failures.append(f"{rule}: {message}")


def load_sam(path: str) -> dict:
    def intrinsic(loader, suffix, node):
        tag = node.tag[1:]
        name = tag if tag in ("Ref", "Condition") else "Fn::" + tag
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", intrinsic)
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader)  # noqa: S506 (a SafeLoader subclass)


def ref(value: Any) -> str | None:
    """The logical id of `{Ref: X}` or `{Fn::GetAtt: [X, ...]}`, else None."""
    if isinstance(value, dict) and len(value) == 1:
        if "Ref" in value and isinstance(value["Ref"], str):
            return value["Ref"]
        if "Fn::GetAtt" in value:
            target = value["Fn::GetAtt"]
            if isinstance(target, list) and target:
                return target[0]
            if isinstance(target, str):
                return target.split(".", 1)[0]
    return None


def refs_in(value: Any) -> set[str]:
    """Every logical id referenced anywhere inside a value (Ref, GetAtt, Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        r = ref(value)
        if r:
            found.add(r)
        if "Fn::Sub" in value:
            sub = value["Fn::Sub"]
            text = sub if isinstance(sub, str) else sub[0]
            found.update(m.split(".", 1)[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
        for v in value.values():
            found |= refs_in(v)
    elif isinstance(value, list):
        for v in value:
            found |= refs_in(v)
    return found


def branches(value: Any) -> Iterator[Any]:
    """Both outcomes of Fn::If (recursively); AWS::NoValue yields nothing."""
    if isinstance(value, dict) and "Fn::If" in value:
        _, yes, no = value["Fn::If"]
        yield from branches(yes)
        yield from branches(no)
    elif isinstance(value, dict) and value.get("Ref") == "AWS::NoValue":
        return
    else:
        yield value


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def of_type(resources: dict, kind: str) -> dict:
    return {k: v for k, v in resources.items() if isinstance(v, dict) and v.get("Type") == kind}


def props(resource: dict) -> dict:
    p = resource.get("Properties") or {}
    return p if isinstance(p, dict) else {}


# --------------------------------------------------------------------------------------


def check_queues(r: Report, res: dict) -> None:
    queues = of_type(res, "AWS::SQS::Queue")
    functions = of_type(res, "AWS::Lambda::Function")
    dlqs: dict[str, list[str]] = {}
    for name, q in queues.items():
        policy = props(q).get("RedrivePolicy")
        if isinstance(policy, dict):
            target = ref(policy.get("deadLetterTargetArn"))
            if target:
                dlqs.setdefault(target, []).append(name)

    for name, q in queues.items():
        p = props(q)
        if name in dlqs:
            retention = as_int(p.get("MessageRetentionPeriod", DEFAULT_SQS_RETENTION))
            for source in dlqs[name]:
                src = as_int(props(queues[source]).get("MessageRetentionPeriod", DEFAULT_SQS_RETENTION))
                if retention is None or src is None or retention <= src:
                    r.fail(
                        "redrive",
                        f"{name} keeps messages {retention} s, not longer than its source {source} "
                        f"({src} s): a moved message keeps its enqueue time and would expire early",
                    )
            continue
        policy = p.get("RedrivePolicy")
        if not isinstance(policy, dict):
            r.fail("redrive", f"queue {name} has no RedrivePolicy (dead-letter queue)")
            continue
        target = ref(policy.get("deadLetterTargetArn"))
        if target not in queues:
            r.fail("redrive", f"queue {name} redrives to {target!r}, not a queue of this template")
        count = as_int(policy.get("maxReceiveCount"))
        if count is None or count < 5:
            r.fail("redrive", f"queue {name} has maxReceiveCount {policy.get('maxReceiveCount')!r}; want >= 5")

    # Event sources.
    for name, esm in of_type(res, "AWS::Lambda::EventSourceMapping").items():
        p = props(esm)
        queue = ref(p.get("EventSourceArn"))
        if queue not in queues:
            continue
        function = ref(p.get("FunctionName"))
        if function not in functions:
            r.fail("sqs-consumer", f"{name} invokes {function!r}, not a function of this template")
            continue
        timeout = as_int(props(functions[function]).get("Timeout", DEFAULT_TIMEOUT))
        window = as_int(p.get("MaximumBatchingWindowInSeconds", 0))
        visibility = as_int(props(queues[queue]).get("VisibilityTimeout", DEFAULT_VISIBILITY))
        if None in (timeout, window, visibility):
            r.fail("sqs-consumer", f"{name}: timeout, batching window and visibility must be literal numbers")
        elif visibility < 6 * timeout + window:
            r.fail(
                "sqs-consumer",
                f"{queue} visibility timeout {visibility} s is under 6 x {function} timeout "
                f"({timeout} s) + batching window ({window} s) = {6 * timeout + window} s",
            )
        if "ReportBatchItemFailures" not in as_list(p.get("FunctionResponseTypes") or []):
            r.fail(
                "sqs-consumer",
                f"{name} ({queue} -> {function}) lacks FunctionResponseTypes [ReportBatchItemFailures]: "
                "one failed lead would redeliver the whole batch",
            )
        if "BatchSize" not in p:
            r.fail("sqs-consumer", f"{name} has no explicit BatchSize")

    # Dead-letter queue alarms.
    alarms = of_type(res, "AWS::CloudWatch::Alarm")
    for dlq in dlqs:
        if dlq not in queues:
            continue
        found = False
        for a in alarms.values():
            p = props(a)
            dims = {d.get("Name"): ref(d.get("Value")) for d in p.get("Dimensions") or [] if isinstance(d, dict)}
            threshold = p.get("Threshold")
            op = p.get("ComparisonOperator")
            if (
                p.get("Namespace") == "AWS/SQS"
                and p.get("MetricName") == "ApproximateNumberOfMessagesVisible"
                and dims.get("QueueName") == dlq
                and (
                    (op == "GreaterThanThreshold" and as_int(threshold) == 0)
                    or (op == "GreaterThanOrEqualToThreshold" and as_int(threshold) == 1)
                )
                and p.get("AlarmActions")
            ):
                found = True
        if not found:
            r.fail("dlq-alarm", f"dead-letter queue {dlq} has no depth > 0 alarm with an action")


def check_functions_logs_alarms(r: Report, res: dict) -> None:
    functions = of_type(res, "AWS::Lambda::Function")
    groups = of_type(res, "AWS::Logs::LogGroup")
    alarms = of_type(res, "AWS::CloudWatch::Alarm")
    for name, fn in functions.items():
        group = ref((props(fn).get("LoggingConfig") or {}).get("LogGroup"))
        if group is None:
            # The classic alternative: a group named /aws/lambda/${Function}.
            for gname, g in groups.items():
                if name in refs_in(props(g).get("LogGroupName")):
                    group = gname
        if group not in groups:
            r.fail("logs", f"function {name} has no log group in the template (LoggingConfig.LogGroup)")
        elif "RetentionInDays" not in props(groups[group]):
            r.fail("logs", f"log group {group} of {name} has no RetentionInDays: logs would be kept forever")

        has_alarm = any(
            props(a).get("Namespace") == "AWS/Lambda"
            and props(a).get("MetricName") == "Errors"
            and any(
                d.get("Name") == "FunctionName" and ref(d.get("Value")) == name
                for d in props(a).get("Dimensions") or []
                if isinstance(d, dict)
            )
            and props(a).get("AlarmActions")
            for a in alarms.values()
        )
        if not has_alarm:
            r.fail("errors-alarm", f"function {name} has no AWS/Lambda Errors alarm with an action")


def statements(role: dict) -> Iterator[tuple[str, dict]]:
    for policy in props(role).get("Policies") or []:
        for pol in branches(policy):
            doc = pol.get("PolicyDocument") or {}
            for s in as_list(doc.get("Statement") or []):
                for st in branches(s):
                    if isinstance(st, dict):
                        yield pol.get("PolicyName", "?"), st


def check_iam(r: Report, res: dict) -> None:
    for name, role in of_type(res, "AWS::IAM::Role").items():
        for policy, st in statements(role):
            if st.get("Effect") != "Allow":
                continue
            actions = [a for a in as_list(st.get("Action") or []) if isinstance(a, str)]
            for a in actions:
                if "*" in a:
                    r.fail("iam", f"role {name} policy {policy} allows wildcard action {a!r}")
            resources = as_list(st.get("Resource") or [])
            if "*" in resources and not set(actions) <= WILDCARD_RESOURCE_ACTIONS:
                r.fail("iam", f"role {name} policy {policy} allows {actions} on Resource '*'")
            if "NotAction" in st or "NotResource" in st:
                r.fail("iam", f"role {name} policy {policy} uses NotAction/NotResource")


def store_table(repo: str) -> dict | None:
    """Keys, indexes and TTL as the store's code defines them, or None if unreadable."""
    base = os.path.join(repo, "shared", "store", "src", "aws", "dynamo")
    try:
        keys_rs = open(os.path.join(base, "keys.rs"), encoding="utf-8").read()
        table_rs = open(os.path.join(base, "table.rs"), encoding="utf-8").read()
    except OSError:
        return None
    consts = dict(re.findall(r'pub const (\w+): &str = "([^"]*)";', keys_rs))
    key = re.findall(r"key_schema\(key_element\(([A-Z][A-Z0-9_]*), KeyType::(Hash|Range)\)", table_rs)
    indexes = re.findall(r"global_secondary_indexes\(index\((\w+), (\w+), (\w+)\)", table_rs)
    attrs = re.search(r"for attr in \[([^\]]*)\]", table_rs)
    projection = re.findall(r"ProjectionType::(\w+)", table_rs)
    billing = re.search(r"BillingMode::(\w+)", table_rs)
    if not (key and indexes and attrs and projection and billing):
        return None
    try:
        return {
            "key": [(consts[n], kind.upper()) for n, kind in key],
            "indexes": {consts[i]: (consts[h], consts[s]) for i, h, s in indexes},
            "attributes": {consts[a.strip()] for a in attrs.group(1).split(",") if a.strip()},
            "projection": {p.upper() for p in projection},
            "billing": re.sub(r"(?<!^)([A-Z])", r"_\1", billing.group(1)).upper(),
            # A TTL attribute, when the store defines one (a constant named *TTL*).
            "ttl": next((v for k, v in consts.items() if "TTL" in k), None),
        }
    except KeyError as e:
        print(f"table: keys.rs has no constant {e}", file=sys.stderr)
        return None


def check_table(r: Report, res: dict, repo: str) -> None:
    tables = of_type(res, "AWS::DynamoDB::Table")
    if len(tables) != 1:
        r.fail("table", f"expected exactly one DynamoDB table, found {sorted(tables)}")
        return
    (name, table), = tables.items()
    p = props(table)
    want = store_table(repo)
    if want is None:
        r.fail("table", "cannot read the table definition from shared/store/src/aws/dynamo/{keys,table}.rs; "
               "update store_table() in infra/template/check_rules.py")
        return
    key = [(k.get("AttributeName"), k.get("KeyType")) for k in p.get("KeySchema") or []]
    if key != want["key"]:
        r.fail("table", f"{name} key schema {key} differs from the store's {want['key']}")
    attrs = {a.get("AttributeName"): a.get("AttributeType") for a in p.get("AttributeDefinitions") or []}
    if set(attrs) != want["attributes"] or set(attrs.values()) != {"S"}:
        r.fail("table", f"{name} attribute definitions {attrs} differ from the store's {sorted(want['attributes'])} (all S)")
    got = {}
    for gsi in p.get("GlobalSecondaryIndexes") or []:
        ks = [(k.get("AttributeName"), k.get("KeyType")) for k in gsi.get("KeySchema") or []]
        got[gsi.get("IndexName")] = ks
        proj = (gsi.get("Projection") or {}).get("ProjectionType")
        if proj not in want["projection"]:
            r.fail("table", f"index {gsi.get('IndexName')} projects {proj}, the store expects {sorted(want['projection'])}")
    expected = {i: [(h, "HASH"), (s, "RANGE")] for i, (h, s) in want["indexes"].items()}
    if got != expected:
        r.fail("table", f"{name} indexes {got} differ from the store's {expected}")
    if p.get("BillingMode") != want["billing"]:
        r.fail("table", f"{name} billing mode {p.get('BillingMode')!r}, the store creates {want['billing']}")
    if (p.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled") is not True:
        r.fail("table", f"{name} has no point-in-time recovery")
    if (p.get("SSESpecification") or {}).get("SSEEnabled") is not True:
        r.fail("table", f"{name} has no SSESpecification.SSEEnabled: true")
    if table.get("DeletionPolicy") != "Retain" or table.get("UpdateReplacePolicy") != "Retain":
        r.fail("table", f"{name} must be retained on stack deletion and replacement (DeletionPolicy/UpdateReplacePolicy Retain)")
    ttl = p.get("TimeToLiveSpecification")
    if want["ttl"]:
        if not (isinstance(ttl, dict) and ttl.get("Enabled") is True and ttl.get("AttributeName") == want["ttl"]):
            r.fail("table", f"the store writes TTL attribute {want['ttl']!r}; {name} must enable TTL on it")
    elif ttl:
        r.fail("table", f"{name} sets TTL on {ttl.get('AttributeName')!r} but the store defines no TTL attribute")


def check_sam_functions(r: Report, sam: dict, repo: str) -> None:
    glob = ((sam.get("Globals") or {}).get("Function")) or {}
    for name, fn in of_type(sam.get("Resources") or {}, "AWS::Serverless::Function").items():
        p = {**glob, **props(fn)}
        for prop, want in (("Runtime", "provided.al2023"), ("Handler", "bootstrap"), ("Architectures", ["arm64"])):
            if p.get(prop) != want:
                r.fail("functions", f"{name} {prop} is {p.get(prop)!r}, want {want!r}")
        meta = fn.get("Metadata") or {}
        if meta.get("BuildMethod") != "rust-cargolambda":
            r.fail("functions", f"{name} Metadata.BuildMethod is {meta.get('BuildMethod')!r}, want 'rust-cargolambda'")
        binary = (meta.get("BuildProperties") or {}).get("Binary")
        code = p.get("CodeUri")
        if not isinstance(code, str) or not code.startswith("functions/"):
            r.fail("functions", f"{name} CodeUri {code!r} is not a crate under functions/")
            continue
        manifest = os.path.join(repo, code, "Cargo.toml")
        if os.path.exists(manifest):
            with open(manifest, encoding="utf-8") as f:
                text = f.read()
            bins = re.findall(r'\[\[bin\]\][^\[]*?name\s*=\s*"([^"]+)"', text)
            if not bins:
                package = re.search(r'\[package\][^\[]*?name\s*=\s*"([^"]+)"', text)
                bins = [package.group(1)] if package else []
            if binary not in bins:
                r.fail("functions", f"{name} builds binary {binary!r} but {code}/Cargo.toml declares {bins}")
        elif binary != os.path.basename(code.rstrip("/")):
            r.fail("functions", f"{name} builds binary {binary!r}; {code} does not exist yet and "
                   f"its binary is expected to be named {os.path.basename(code)!r}")


def policy_actions(res: dict, role: str | None) -> list[tuple[list[str], set[str]]]:
    if role not in res:
        return []
    out = []
    for _, st in statements(res[role]):
        if st.get("Effect") == "Allow":
            out.append(([a for a in as_list(st.get("Action") or []) if isinstance(a, str)],
                        refs_in(st.get("Resource"))))
    return out


def check_env(r: Report, res: dict) -> None:
    tables = of_type(res, "AWS::DynamoDB::Table")
    buses = of_type(res, "AWS::Events::EventBus")
    queues = of_type(res, "AWS::SQS::Queue")
    for name, fn in of_type(res, "AWS::Lambda::Function").items():
        env = ((props(fn).get("Environment") or {}).get("Variables")) or {}
        if ref(env.get("SWITCHBOARD_TABLE")) not in tables:
            r.fail("env", f"{name}: SWITCHBOARD_TABLE does not name the table")
        if ref(env.get("SWITCHBOARD_EVENT_BUS")) not in buses:
            r.fail("env", f"{name}: SWITCHBOARD_EVENT_BUS does not name the event bus")
        named = {ref(v) for k, v in env.items() if k.endswith("_QUEUE_URL")}
        for k, v in env.items():
            if k.endswith("_QUEUE_URL") and ref(v) not in queues:
                r.fail("env", f"{name}: {k} is not the URL of a queue of this template")
        # A queue the function sends to needs its URL; a queue it consumes through an event
        # source mapping does not (Lambda polls it).
        used: set[str] = set()
        for actions, targets in policy_actions(res, ref(props(fn).get("Role"))):
            if "sqs:SendMessage" in actions:
                used |= targets & set(queues)
        for q in sorted(used - named):
            r.fail("env", f"{name} may send to queue {q} but no *_QUEUE_URL variable names it")


# Variables a function's code may read that the template deliberately does not set.
NOT_SET_BY_TEMPLATE = {
    # The local process points intake at a file; the Lambda gets the text itself.
    "SWITCHBOARD_INTAKE_CONFIG_FILE",
    # Optional on the sweeper, which only sends to the routing queue.
    "SWITCHBOARD_ROUTING_DLQ_URL",
    # The admin API's JWT claim and group names; the defaults match the user pool the
    # template creates (docs/ADMIN.md).
    "SWITCHBOARD_ADMIN_GROUPS_CLAIM",
    "SWITCHBOARD_ADMIN_GROUP",
    "SWITCHBOARD_VIEWER_GROUP",
    # The notifier's configuration given inline, for small setups; the stack gives the
    # name of an SSM parameter instead (SWITCHBOARD_NOTIFY_CONFIG_PARAM).
    "SWITCHBOARD_NOTIFY_CONFIG",
    # The sweeper's optional tuning (read-back window, re-drive age); defaults apply.
    "SWITCHBOARD_SWEEP_LOOKBACK",
    "SWITCHBOARD_REDRIVE_AFTER",
    # The local process's opt-in to personal data in its log channel (the notifier crate
    # names it for `switchboard serve`); the Lambda logs ids only and never reads it.
    "SWITCHBOARD_LOG_PERSONAL_DATA",
}


def code_env_vars(crate_dir: str) -> set[str]:
    """SWITCHBOARD_* names written as string literals in a crate's src/ (its settings)."""
    found: set[str] = set()
    for dirpath, _, files in os.walk(os.path.join(crate_dir, "src")):
        for f in files:
            if f.endswith(".rs"):
                with open(os.path.join(dirpath, f), encoding="utf-8") as fh:
                    found.update(re.findall(r'"(SWITCHBOARD_[A-Z0-9_]+)"', fh.read()))
    return found


def check_env_code(r: Report, sam: dict, repo: str) -> None:
    """Every setting a function's code reads is set on that function by the template."""
    glob = (((sam.get("Globals") or {}).get("Function") or {}).get("Environment") or {}).get("Variables") or {}
    for name, fn in of_type(sam.get("Resources") or {}, "AWS::Serverless::Function").items():
        code = props(fn).get("CodeUri")
        if not isinstance(code, str) or not os.path.exists(os.path.join(repo, code, "Cargo.toml")):
            continue  # the crate does not exist yet; `functions` reports a bad CodeUri
        own = ((props(fn).get("Environment") or {}).get("Variables")) or {}
        set_here = set(glob) | set(own)
        for var in sorted(code_env_vars(os.path.join(repo, code)) - set_here - NOT_SET_BY_TEMPLATE):
            r.fail("env", f"{name}: {code} reads {var}, which the template does not set on it")


def check_schedule(r: Report, res: dict) -> None:
    functions = of_type(res, "AWS::Lambda::Function")
    if SWEEPER_FUNCTION not in functions:
        r.fail("schedule", f"no {SWEEPER_FUNCTION}")
        return
    schedules = [
        props(s) for s in of_type(res, "AWS::Scheduler::Schedule").values()
        if ref((props(s).get("Target") or {}).get("Arn")) == SWEEPER_FUNCTION
    ]
    if not any(s.get("ScheduleExpression") == SWEEP_RATE and s.get("State", "ENABLED") == "ENABLED" for s in schedules):
        got = [s.get("ScheduleExpression") for s in schedules]
        r.fail("schedule", f"{SWEEPER_FUNCTION} must run on an enabled {SWEEP_RATE} schedule (found {got})")
    timeout = as_int(props(functions[SWEEPER_FUNCTION]).get("Timeout", DEFAULT_TIMEOUT))
    if timeout is None or timeout >= 60:
        r.fail("schedule", f"{SWEEPER_FUNCTION} timeout {timeout} s must be under the 60 s interval")


def check_api(r: Report, res: dict) -> None:
    apis = of_type(res, "AWS::ApiGatewayV2::Api")
    if not apis:
        r.fail("api", "no HTTP API")
        return
    for api_name, api in apis.items():
        paths = (props(api).get("Body") or {}).get("paths") or {}
        for method, path in INTAKE_ROUTES:
            op = (paths.get(path) or {}).get(method) or (paths.get(path) or {}).get("x-amazon-apigateway-any-method")
            target = refs_in(((op or {}).get("x-amazon-apigateway-integration") or {}).get("uri"))
            if INTAKE_FUNCTION not in target:
                r.fail("api", f"{api_name}: route {method.upper()} {path} does not reach {INTAKE_FUNCTION}")
        # Admin routes: /v1/admin/... for people needs a JWT authorizer of the API,
        # /v1/iam/admin/... for the CLI needs IAM. Anything else under either is open.
        schemes = ((props(api).get("Body") or {}).get("components") or {}).get("securitySchemes") or {}
        jwt = {n for n, sch in schemes.items()
               if ((sch or {}).get("x-amazon-apigateway-authorizer") or {}).get("type") == "jwt"}
        for path, ops in paths.items():
            if path.startswith("/v1/admin"):
                need, what = jwt, "a JWT authorizer"
            elif path.startswith("/v1/iam/admin"):
                need, what = {"AWS_IAM"}, "IAM (AWS_IAM)"
            else:
                continue
            for method, op in ops.items():
                names = {n for sec in (op.get("security") or []) for n in sec} if isinstance(op, dict) else set()
                if isinstance(op, dict) and not names & need:
                    r.fail("api", f"{api_name}: admin route {method} {path} does not require {what}")
        stages = [props(s) for s in of_type(res, "AWS::ApiGatewayV2::Stage").values() if ref(props(s).get("ApiId")) == api_name]
        if not stages:
            r.fail("api", f"{api_name} has no stage")
        for st in stages:
            settings = st.get("DefaultRouteSettings") or {}
            if "ThrottlingRateLimit" not in settings or "ThrottlingBurstLimit" not in settings:
                r.fail("api", f"{api_name}: the stage sets no default throttling")
            log = st.get("AccessLogSettings") or {}
            fmt = log.get("Format")
            if not log.get("DestinationArn") or not isinstance(fmt, str):
                r.fail("api", f"{api_name}: the stage writes no access log")
            elif re.search(r"\$context\.\w*path", fmt, re.IGNORECASE):
                r.fail("api", f"{api_name}: the access log format logs the request path, which carries source "
                       "tokens on /v1/hooks/{source_id}/{token}; log $context.routeKey instead")


def main() -> int:
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    sam = load_sam(sys.argv[1])
    with open(sys.argv[2], encoding="utf-8") as f:
        translated = json.load(f)
    repo = sys.argv[3] if len(sys.argv) == 4 else os.path.join(os.path.dirname(__file__), "..", "..")
    res = translated.get("Resources") or {}
    r = Report()
    check_queues(r, res)
    check_functions_logs_alarms(r, res)
    check_iam(r, res)
    check_table(r, res, repo)
    check_sam_functions(r, sam, repo)
    check_env(r, res)
    check_env_code(r, sam, repo)
    check_schedule(r, res)
    check_api(r, res)
    for line in r.failures:
        print(f"{sys.argv[1]}: {line}")
    return 1 if r.failures else 0


if __name__ == "__main__":
    sys.exit(main())
