"""Checks rendered AWS calls against the AWS API models that botocore ships.

Reads the JSON array printed by `endpoint-scale render` on stdin. For every call it checks that the
service and operation exist and that `input` is a valid request body for the operation: member
names, types, required members, enum values and length/range constraints, as botocore's own
parameter validator sees them (the same check the AWS CLI runs before sending a request).
Prints one line per problem and exits 1 if there is any; prints a summary and exits 0 otherwise.
"""
import json
import sys

import botocore.session
from botocore.validate import ParamValidator

SERVICES = {
    "sagemaker": "sagemaker",
    "application-autoscaling": "application-autoscaling",
    "cloudwatch": "cloudwatch",
}


def main() -> int:
    calls = json.load(sys.stdin)
    session = botocore.session.get_session()
    models = {}
    problems = []
    for i, call in enumerate(calls):
        service = call["service"]
        if service not in SERVICES:
            problems.append(f"call {i}: unknown service {service!r}")
            continue
        if service not in models:
            models[service] = session.get_service_model(SERVICES[service])
        model = models[service]
        operation = call["operation"]
        if operation not in model.operation_names:
            problems.append(f"call {i}: {service} has no operation {operation!r}")
            continue
        shape = model.operation_model(operation).input_shape
        report = ParamValidator().validate(call["input"], shape)
        if report.has_errors():
            problems.append(f"call {i} ({service} {operation}):\n{report.generate_report()}")
        problems.extend(check_constraints(f"call {i} ({operation})", call["input"], shape))
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"{len(calls)} calls valid against botocore {botocore.__version__} models")
    return 0


def check_constraints(where, value, shape, path="input"):
    """Length, range, enum and pattern-free checks that ParamValidator leaves out."""
    out = []
    t = shape.type_name
    meta = shape.metadata
    if t == "structure":
        for name, member in shape.members.items():
            if isinstance(value, dict) and name in value:
                out += check_constraints(where, value[name], member, f"{path}.{name}")
    elif t == "list":
        if "min" in meta and len(value) < meta["min"]:
            out.append(f"{where}: {path} has {len(value)} items, fewer than {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            out.append(f"{where}: {path} has {len(value)} items, more than {meta['max']}")
        for j, item in enumerate(value):
            out += check_constraints(where, item, shape.member, f"{path}[{j}]")
    elif t == "map":
        if "max" in meta and len(value) > meta["max"]:
            out.append(f"{where}: {path} has {len(value)} entries, more than {meta['max']}")
        for k, v in value.items():
            out += check_constraints(where, k, shape.key, f"{path} key {k!r}")
            out += check_constraints(where, v, shape.value, f"{path}[{k!r}]")
    elif t == "string":
        if "min" in meta and len(value) < meta["min"]:
            out.append(f"{where}: {path} is shorter than {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            out.append(f"{where}: {path} is longer than {meta['max']}")
        if shape.enum and value not in shape.enum:
            out.append(f"{where}: {path} {value!r} is not one of the enum values")
    elif t in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            out.append(f"{where}: {path} {value} is below {meta['min']}")
        if "max" in meta and value > meta["max"]:
            out.append(f"{where}: {path} {value} is above {meta['max']}")
    return out


if __name__ == "__main__":
    sys.exit(main())
