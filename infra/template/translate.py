"""Translates a SAM template to plain CloudFormation offline, as the SAM transform would.

    python infra/template/translate.py template.yaml out.json

cfn-lint on the SAM template checks only what SAM passes through untouched; the function,
event source, API and schedule resources SAM generates are checked by linting this output.
No AWS call is made: the region is fixed, there are no credentials, and the managed
policy map is a fixed table (the template attaches no managed policies by name; a name
missing here fails the translation instead of asking IAM).
"""

import json
import os
import sys

# Set before boto3 is imported by samtranslator: no credential or region lookup.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import boto3  # noqa: E402
from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.parser.parser import Parser  # noqa: E402
from samtranslator.translator.translator import Translator  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

# The AWS managed policies a SAM template could name (SAM attaches the first one to
# roles it creates). Fixed ARNs, so translation never calls iam:ListPolicies.
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{path}{name}"
    for path, name in [
        ("service-role/", "AWSLambdaBasicExecutionRole"),
        ("service-role/", "AWSLambdaSQSQueueExecutionRole"),
        ("service-role/", "AWSLambdaRole"),
        ("", "AWSXrayWriteOnlyAccess"),
        ("", "AWSXRayDaemonWriteAccess"),
    ]
}


# Properties holding local paths that `sam package` would upload, by resource type.
LOCAL_PATHS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}


def as_packaged(sam: dict) -> None:
    """Replaces local code paths with S3 URIs, as `sam package` would before the transform."""
    for resource in (sam.get("Resources") or {}).values():
        if not isinstance(resource, dict):
            continue
        prop = LOCAL_PATHS.get(resource.get("Type"))
        props = resource.get("Properties")
        if prop and isinstance(props, dict) and isinstance(props.get(prop), str):
            path = props[prop]
            if not path.startswith("s3://"):
                props[prop] = f"s3://offline-check/{path.strip('/') or 'root'}.zip"


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: translate.py TEMPLATE OUT.json", file=sys.stderr)
        return 2
    source, out = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        sam = yaml_parse(f.read())
    as_packaged(sam)
    session = boto3.session.Session(region_name=os.environ["AWS_DEFAULT_REGION"])
    translator = Translator(
        managed_policy_map=None, sam_parser=Parser(), boto_session=session
    )

    def managed_policy_map():
        return MANAGED_POLICIES

    try:
        cfn = translator.translate(
            sam_template=sam,
            parameter_values={},
            passthrough_metadata=True,
            get_managed_policy_map=managed_policy_map,
        )
    except InvalidDocumentException as e:
        for cause in e.causes:
            print(f"{source}: {cause.message}", file=sys.stderr)
        return 1
    with open(out, "w", encoding="utf-8") as f:
        json.dump(cfn, f, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
