"""Validates a request JSON against botocore's service model, the way the AWS CLI would before
sending it, and stricter: botocore's ParamValidator checks required members and types; this walk
adds enums, lengths, ranges and patterns, which the CLI leaves to the service.

    python validate_request.py SERVICE OPERATION request.json

Prints every problem with its path and exits 1 when there is one; exits 0 and prints "valid".
"""

import json
import re
import sys

import botocore.session
from botocore.validate import ParamValidator


def walk(shape, value, path, problems):
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for name, member in shape.members.items():
            if name in value:
                walk(member, value[name], f"{path}.{name}", problems)
    elif kind == "list":
        if not isinstance(value, list):
            return
        check_length(shape, len(value), path, problems)
        for i, item in enumerate(value):
            walk(shape.member, item, f"{path}[{i}]", problems)
    elif kind == "map":
        if not isinstance(value, dict):
            return
        check_length(shape, len(value), path, problems)
        for key, item in value.items():
            walk(shape.key, key, f"{path}.<key {key}>", problems)
            walk(shape.value, item, f"{path}.{key}", problems)
    elif kind == "string":
        if not isinstance(value, str):
            return
        enum = shape.enum
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} is not one of {enum}")
        check_length(shape, len(value), path, problems)
        pattern = shape.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value, flags=re.DOTALL):
            problems.append(f"{path}: {value!r} does not match {pattern!r}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return
        check_length(shape, value, path, problems, what="value")


def check_length(shape, n, path, problems, what="length"):
    low = shape.metadata.get("min")
    high = shape.metadata.get("max")
    if low is not None and n < low:
        problems.append(f"{path}: {what} {n} is below the minimum {low}")
    if high is not None and n > high:
        problems.append(f"{path}: {what} {n} is above the maximum {high}")


def main():
    service, operation, path = sys.argv[1:4]
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape
    with open(path, encoding="utf-8") as f:
        request = json.load(f)
    problems = []
    report = ParamValidator().validate(request, shape)
    if report.has_errors():
        problems.append(report.generate_report())
    walk(shape, request, operation, problems)
    if problems:
        print("\n".join(problems))
        sys.exit(1)
    print(f"valid: {service} {operation} ({model.api_version})")


if __name__ == "__main__":
    main()
