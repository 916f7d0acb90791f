"""CloudWatch metric alarms in the smithy rpcv2Cbor protocol (aws-sdk-cloudwatch), backed by moto's
CloudWatch backend so that boto3 (query protocol, answered by moto itself) and the Rust SDK see the
same alarms.

Operations: PutMetricAlarm, PutCompositeAlarm, DescribeAlarms, DeleteAlarms, SetAlarmState,
ListTagsForResource, TagResource, UntagResource. cloudwatch.py's dispatcher hands them here (`OPERATIONS`); errors are
raised as `cloudwatch.CloudWatchError` and answered in its CBOR error shape.

What AWS documents and the emulator follows (API reference, PutMetricAlarm / DescribeAlarms /
DeleteAlarms / SetAlarmState, and the botocore `cloudwatch` model): member lengths and ranges;
Period 10, 20, 30 or a multiple of 60; Statistic or ExtendedStatistic, not both; a new alarm starts
in INSUFFICIENT_DATA and an update leaves the state unchanged; Tags of PutMetricAlarm apply only when
the alarm is created (and then also need cloudwatch:TagResource); at most 50 tags; AlarmNames and
AlarmNamePrefix together are refused; MaxRecords 1-100; DescribeAlarms answers metric alarms only
unless AlarmTypes names CompositeAlarm; DeleteAlarms ignores names that do not exist. A composite
alarm is kept by moto as an alarm with a rule (AlarmRule, 1-10240 characters, not evaluated). The emulator's own choices are listed in README.md ("CloudWatch alarms").

Nothing evaluates alarms: their state changes only through SetAlarmState, the control API
(`/_emulator/rollout-alarm`, which fires one during a rollout) or moto.
"""

import base64
import datetime as dt
import hashlib
import json
import re
from typing import Any, Optional

import cbor2

OPERATIONS = (
    "PutMetricAlarm", "PutCompositeAlarm", "DescribeAlarms", "DeleteAlarms", "SetAlarmState",
    "ListTagsForResource", "TagResource", "UntagResource",
)
STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")
COMPARISONS = (
    "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
    "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold", "GreaterThanUpperThreshold",
)
TREAT_MISSING = ("breaching", "notBreaching", "ignore", "missing")
STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
UNITS = (
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
    "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
    "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second",
    "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second",
    "Terabits/Second", "Count/Second", "None",
)
# ExtendedStatistic values the API reference lists (p90, tm90, tc90, ts90, wm90, IQM, PR(n:m),
# TC/TM/TS/WM(X%:X%)).
EXTENDED = re.compile(
    r"(p|tm|tc|ts|wm)(\d{1,2}(\.\d+)?|100)|IQM|PR\([^:()]*:[^:()]*\)|(TC|TM|TS|WM)\(\d{1,2}(\.\d+)?%:\d{1,2}(\.\d+)?%\)"
)
MAX_TAGS = 50
DEFAULT_MAX_RECORDS = 50
INITIAL_REASON = "Unchecked: Initial alarm creation"


def _error(code: str, message: str, status: int = 400) -> Exception:
    from cloudwatch import CloudWatchError

    return CloudWatchError(code, message, status)


def _validation(member: str, value: Any, constraint: str) -> Exception:
    # The wording of AWS's member-constraint errors ("1 validation error detected: Value ... at
    # ... failed to satisfy constraint: ...").
    return _error("ValidationError", f"1 validation error detected: Value '{value}' at '{member}' "
                                     f"failed to satisfy constraint: {constraint}")


def _backend(account: str, region: str) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[account][region]


def region_of(environ: dict) -> str:
    """The region of the call's SigV4 credential scope (`Credential=AKID/DATE/REGION/SERVICE/...`)."""
    m = re.search(r"Credential=[^/,\s]+/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return m.group(1) if m else "us-east-1"


def alarm_arn(account: str, region: str, name: str) -> str:
    return f"arn:aws:cloudwatch:{region}:{account}:alarm:{name}"


# ----------------------------------------------------------------------------- request checks

def _string(req: dict, key: str, lo: int, hi: int, required: bool = False) -> Optional[str]:
    value = req.get(key)
    if value is None:
        if required:
            raise _error("MissingParameter", f"The request must contain the parameter {key}.")
        return None
    if not isinstance(value, str):
        raise _error("SerializationException", f"{key} must be a string")
    member = key[0].lower() + key[1:]
    if len(value) < lo:
        raise _validation(member, value, f"Member must have length greater than or equal to {lo}")
    if len(value) > hi:
        raise _validation(member, value, f"Member must have length less than or equal to {hi}")
    return value


def _int(req: dict, key: str, lo: Optional[int] = None, hi: Optional[int] = None) -> Optional[int]:
    value = req.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise _error("SerializationException", f"{key} must be an integer")
    member = key[0].lower() + key[1:]
    if lo is not None and value < lo:
        raise _validation(member, value, f"Member must have value greater than or equal to {lo}")
    if hi is not None and value > hi:
        raise _validation(member, value, f"Member must have value less than or equal to {hi}")
    return value


def _enum(req: dict, key: str, values: tuple) -> Optional[str]:
    value = req.get(key)
    if value is None:
        return None
    if value not in values:
        member = key[0].lower() + key[1:]
        raise _validation(member, value, f"Member must satisfy enum value set: [{', '.join(values)}]")
    return value


def _tags(value: Any, member: str = "tags") -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise _error("SerializationException", "Tags must be a list of {Key, Value}")
    if len(value) > MAX_TAGS:
        raise _error("InvalidParameterValue", f"The number of tags must not exceed {MAX_TAGS}.")
    out = []
    for t in value:
        key, val = t.get("Key"), t.get("Value")
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise _validation(f"{member}.member.key", key, "Member must have length between 1 and 128")
        if not isinstance(val, str) or len(val) > 256:
            raise _validation(f"{member}.member.value", val, "Member must have length less than or equal to 256")
        if key.lower().startswith("aws:"):
            raise _error("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for AWS use.")
        out.append({"Key": key, "Value": val})
    return out


def validate_put(req: dict) -> dict:
    """PutMetricAlarm's request, checked as the API reference documents it; returns moto's
    put_metric_alarm keyword arguments."""
    name = _string(req, "AlarmName", 1, 255, required=True)
    description = _string(req, "AlarmDescription", 0, 1024)
    if req.get("Metrics") is not None:
        raise _error("InvalidParameterValue",
                     "The emulator serves alarms on a single metric (MetricName), not on Metrics queries.")
    metric = _string(req, "MetricName", 1, 255, required=True)
    namespace = _string(req, "Namespace", 1, 255, required=True)
    if namespace.startswith(":"):
        raise _validation("namespace", namespace, "Member must satisfy regular expression pattern: [^:].*")
    statistic = _enum(req, "Statistic", STATISTICS)
    extended = _string(req, "ExtendedStatistic", 1, 255)
    if statistic and extended:
        raise _error("InvalidParameterCombination",
                     "Statistic and ExtendedStatistic cannot both be specified.")
    if not statistic and not extended:
        raise _error("MissingParameter", "Either Statistic or ExtendedStatistic must be specified.")
    if extended and not EXTENDED.fullmatch(extended):
        raise _error("InvalidParameterValue",
                     f"The value {extended} for parameter ExtendedStatistic is not supported.")
    period = _int(req, "Period", lo=1)
    if period is None:
        raise _error("MissingParameter", "The request must contain the parameter Period.")
    if period not in (10, 20, 30) and period % 60:
        raise _error("InvalidParameterValue",
                     f"The parameter Period must be 10, 20, 30 or a multiple of 60, not {period}.")
    periods = _int(req, "EvaluationPeriods", lo=1)
    if periods is None:
        raise _error("MissingParameter", "The request must contain the parameter EvaluationPeriods.")
    datapoints = _int(req, "DatapointsToAlarm", lo=1)
    if datapoints is not None and datapoints > periods:
        raise _error("InvalidParameterValue",
                     f"DatapointsToAlarm ({datapoints}) must be less than or equal to EvaluationPeriods ({periods}).")
    # API reference (PutMetricAlarm, EvaluationPeriods): the evaluation range of an alarm with a
    # period of a minute or more cannot exceed one day.
    if period >= 60 and period * periods > 86_400:
        raise _error("InvalidParameterValue",
                     "The product of Period and EvaluationPeriods must not exceed 86400 seconds (one day).")
    threshold = req.get("Threshold")
    if threshold is None:
        raise _error("MissingParameter", "The request must contain the parameter Threshold.")
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)):
        raise _error("SerializationException", "Threshold must be a double")
    comparison = _enum(req, "ComparisonOperator", COMPARISONS)
    if comparison is None:
        raise _error("MissingParameter", "The request must contain the parameter ComparisonOperator.")
    if comparison in COMPARISONS[4:]:
        raise _error("InvalidParameterValue",
                     f"ComparisonOperator {comparison} is only for anomaly detection alarms (ThresholdMetricId).")
    treat = _string(req, "TreatMissingData", 1, 255)
    if treat is not None and treat not in TREAT_MISSING:
        raise _error("InvalidParameterValue",
                     f"The value {treat} for parameter TreatMissingData is not supported; use one of "
                     + ", ".join(TREAT_MISSING) + ".")
    unit = _enum(req, "Unit", UNITS)
    dims = req.get("Dimensions") or []
    if not isinstance(dims, list) or len(dims) > 30 or not all(
            isinstance(d, dict) and isinstance(d.get("Name"), str) and isinstance(d.get("Value"), str)
            and 1 <= len(d["Name"]) <= 255 and 1 <= len(d["Value"]) <= 1024 for d in dims):
        raise _error("InvalidParameterValue",
                     "Dimensions must be at most 30 {Name (1-255 characters), Value (1-1024 characters)}.")
    actions = {}
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        value = req.get(key) or []
        if not isinstance(value, list) or len(value) > 5 or not all(isinstance(a, str) for a in value):
            raise _error("InvalidParameterValue", f"{key} must hold at most 5 ARNs.")
        actions[key] = value
    enabled = req.get("ActionsEnabled", True)
    if not isinstance(enabled, bool):
        raise _error("SerializationException", "ActionsEnabled must be a boolean")
    return dict(
        name=name, namespace=namespace, metric_name=metric, comparison_operator=comparison,
        evaluation_periods=periods, period=period, threshold=float(threshold),
        statistic=statistic, extended_statistic=extended, description=description,
        dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in dims],
        alarm_actions=actions["AlarmActions"], ok_actions=actions["OKActions"],
        insufficient_data_actions=actions["InsufficientDataActions"], unit=unit,
        actions_enabled=enabled, treat_missing_data=treat, datapoints_to_alarm=datapoints,
        tags=_tags(req.get("Tags")),
    )


# ----------------------------------------------------------------------------- IAM

def iam_checks(op: str, request: Any, account: str, region: str) -> list[tuple[str, str]]:
    """(action, resource) pairs the call needs (Service Authorization Reference, Amazon CloudWatch:
    the alarm operations are resource-level on `alarm`; PutMetricAlarm with Tags also needs
    cloudwatch:TagResource)."""
    action = f"cloudwatch:{op}"
    req = request if isinstance(request, dict) else {}

    def arn(name: Any) -> str:
        return alarm_arn(account, region, name if isinstance(name, str) else "")

    if op in ("PutMetricAlarm", "PutCompositeAlarm", "SetAlarmState"):
        checks = [(action, arn(req.get("AlarmName")))]
        if op != "SetAlarmState" and req.get("Tags"):
            checks.append(("cloudwatch:TagResource", arn(req.get("AlarmName"))))
        return checks
    if op in ("DeleteAlarms", "DescribeAlarms") and isinstance(req.get("AlarmNames"), list) and req["AlarmNames"]:
        return [(action, arn(n)) for n in req["AlarmNames"]]
    if op == "DescribeAlarms":
        # A listing names no alarm: the emulator checks it on every alarm of the account (an
        # `alarm:*` or `*` statement allows it), AWS does not document how it evaluates it.
        return [(action, arn(req.get("AlarmNamePrefix", "") + "*"))]
    if op in ("ListTagsForResource", "TagResource", "UntagResource"):
        res = req.get("ResourceARN")
        return [(action, res if isinstance(res, str) and res else "*")]
    return [(action, "*")]


# ----------------------------------------------------------------------------- operations

def _ts(value: Any) -> Optional[cbor2.CBORTag]:
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return cbor2.CBORTag(1, round(value.timestamp(), 3))


def describe_alarm(alarm: Any) -> dict:
    """A moto Alarm as the API's MetricAlarm (members left out when unset, as AWS does)."""
    out: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "AlarmDescription": alarm.description,
        "AlarmConfigurationUpdatedTimestamp": _ts(alarm.configuration_updated_timestamp),
        "ActionsEnabled": bool(alarm.actions_enabled),
        "OKActions": list(alarm.ok_actions or []),
        "AlarmActions": list(alarm.alarm_actions or []),
        "InsufficientDataActions": list(alarm.insufficient_data_actions or []),
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateReasonData": alarm.state_reason_data,
        "StateUpdatedTimestamp": _ts(alarm.state_updated_timestamp),
        "MetricName": alarm.metric_name,
        "Namespace": alarm.namespace,
        "Statistic": alarm.statistic,
        "ExtendedStatistic": alarm.extended_statistic,
        "Dimensions": [{"Name": d.name, "Value": d.value} for d in alarm.dimensions],
        "Period": alarm.period,
        "Unit": alarm.unit,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": None if alarm.threshold is None else float(alarm.threshold),
        "ComparisonOperator": alarm.comparison_operator,
        "TreatMissingData": alarm.treat_missing_data,
        "StateTransitionedTimestamp": _ts(getattr(alarm, "emu_state_transitioned", None)
                                          or alarm.state_updated_timestamp),
    }
    return {k: v for k, v in out.items() if v is not None and v != ""}


def describe_composite(alarm: Any) -> dict:
    """A moto alarm with a rule as the API's CompositeAlarm."""
    out: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmArn": alarm.alarm_arn,
        "AlarmDescription": alarm.description,
        "AlarmRule": alarm.rule,
        "ActionsEnabled": bool(alarm.actions_enabled),
        "StateValue": alarm.state_value,
        "StateReason": alarm.state_reason,
        "StateUpdatedTimestamp": _ts(alarm.state_updated_timestamp),
    }
    return {k: v for k, v in out.items() if v is not None and v != ""}


def put_composite_alarm(backend: Any, req: dict) -> None:
    name = _string(req, "AlarmName", 1, 255, required=True)
    rule = _string(req, "AlarmRule", 1, 10240, required=True)
    tags = _tags(req.get("Tags")) if req.get("Tags") is not None else None
    existing = backend.alarms.get(name)
    if existing is not None and existing.rule is None:
        # Not documented by AWS; the emulator refuses rather than turn a metric alarm composite.
        raise _error("InvalidParameterValue", f"Alarm {name} is a metric alarm.")
    put_metric_alarm(backend, {
        "name": name, "namespace": None, "metric_name": None, "comparison_operator": None,
        "evaluation_periods": None, "period": None, "threshold": None, "statistic": None,
        "description": _string(req, "AlarmDescription", 0, 1024), "dimensions": [],
        "alarm_actions": [], "rule": rule, "tags": tags,
    })


def put_metric_alarm(backend: Any, kwargs: dict) -> Any:
    """moto's put_metric_alarm, with what AWS documents for an existing alarm: the state is left
    unchanged and Tags are ignored; a new alarm starts in INSUFFICIENT_DATA."""
    existing = backend.alarms.get(kwargs["name"])
    kwargs = dict(kwargs)
    tags = kwargs.pop("tags", None)
    alarm = _orig_put_metric_alarm(backend, **kwargs)
    if existing is not None:
        for attr in ("state_value", "state_reason", "state_reason_data", "state_updated_timestamp", "history"):
            setattr(alarm, attr, getattr(existing, attr))
        alarm.emu_state_transitioned = getattr(existing, "emu_state_transitioned", None)
    else:
        alarm.state_value = "INSUFFICIENT_DATA"
        alarm.state_reason = INITIAL_REASON
        if tags:
            backend.tagger.tag_resource(alarm.alarm_arn, tags)
    return alarm


def set_state(backend: Any, name: str, state: str, reason: str, reason_data: Optional[str] = None) -> None:
    """SetAlarmState, for the API and for the emulator's own alarm firing."""
    alarm = backend.alarms.get(name)
    if alarm is None:
        raise _error("ResourceNotFound", f"Alarm {name} not found", 404)
    if reason_data is not None:
        try:
            json.loads(reason_data)
        except ValueError:
            raise _error("InvalidFormat", "StateReasonData is not valid JSON.")
    changed = alarm.state_value != state
    alarm.update_state(reason, reason_data if reason_data is not None else "{}", state)
    if changed:
        alarm.emu_state_transitioned = alarm.state_updated_timestamp


def _token(offset: int, query: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": query}).encode()).decode()


def _describe(backend: Any, req: dict) -> dict:
    names = req.get("AlarmNames")
    if names is not None and (not isinstance(names, list) or len(names) > 100
                              or not all(isinstance(n, str) for n in names)):
        raise _validation("alarmNames", names, "Member must have length less than or equal to 100")
    prefix = _string(req, "AlarmNamePrefix", 1, 255)
    if names and prefix is not None:
        raise _error("InvalidParameterCombination",
                     "AlarmNamePrefix and AlarmNames cannot both be specified.")
    state = _enum(req, "StateValue", STATES)
    size = _int(req, "MaxRecords", 1, 100) or DEFAULT_MAX_RECORDS
    types = req.get("AlarmTypes")
    action_prefix = _string(req, "ActionPrefix", 1, 1024)
    alarms = sorted(backend.alarms.values(), key=lambda a: a.name)
    if names:
        alarms = [a for a in alarms if a.name in names]
    if prefix is not None:
        alarms = [a for a in alarms if a.name.startswith(prefix)]
    if state is not None:
        alarms = [a for a in alarms if a.state_value == state]
    if action_prefix is not None:
        alarms = [a for a in alarms if any(x.startswith(action_prefix) for x in a.alarm_actions or [])]
    # API reference: without AlarmTypes, only metric alarms are returned.
    wanted = types if isinstance(types, list) else ["MetricAlarm"]
    alarms = [a for a in alarms if ("CompositeAlarm" if a.rule is not None else "MetricAlarm") in wanted]
    query = hashlib.sha256(json.dumps([names, prefix, state, types, action_prefix], sort_keys=True)
                           .encode()).hexdigest()[:16]
    offset = 0
    if req.get("NextToken") is not None:
        try:
            tok = json.loads(base64.urlsafe_b64decode(str(req["NextToken"]).encode()))
            offset = int(tok["o"])
            if tok["q"] != query or offset < 0:
                raise ValueError
        except Exception:
            raise _error("InvalidNextToken", "The service returned an invalid next token.")
    page = alarms[offset:offset + size]
    out: dict[str, Any] = {
        "MetricAlarms": [describe_alarm(a) for a in page if a.rule is None],
        "CompositeAlarms": [describe_composite(a) for a in page if a.rule is not None],
    }
    if offset + size < len(alarms):
        out["NextToken"] = _token(offset + size, query)
    return out


def _alarm_by_arn(backend: Any, arn: Any) -> Any:
    if not isinstance(arn, str) or not arn:
        raise _error("MissingParameter", "The request must contain the parameter ResourceARN.")
    for alarm in backend.alarms.values():
        if alarm.alarm_arn == arn:
            return alarm
    if not arn.startswith("arn:"):
        raise _error("InvalidParameterValue", f"{arn} is not a valid ARN.")
    raise _error("ResourceNotFoundException", f"The resource {arn} does not exist.", 404)


def call(account: str, region: str, op: str, req: Any) -> dict:
    """Runs one alarm operation on moto's backend; the caller holds the lock that serialises moto."""
    if not isinstance(req, dict):
        raise _error("SerializationException", "the request body is not a CBOR map")
    backend = _backend(account, region)
    if op == "PutMetricAlarm":
        put_metric_alarm(backend, validate_put(req))
        return {}
    if op == "PutCompositeAlarm":
        put_composite_alarm(backend, req)
        return {}
    if op == "DescribeAlarms":
        return _describe(backend, req)
    if op == "DeleteAlarms":
        names = req.get("AlarmNames")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _error("MissingParameter", "The request must contain the parameter AlarmNames.")
        if len(names) > 100:
            raise _validation("alarmNames", names, "Member must have length less than or equal to 100")
        # API reference: names that do not exist are ignored, the others still deleted.
        for name in names:
            alarm = backend.alarms.pop(name, None)
            if alarm is not None:
                backend.tagger.delete_all_tags_for_resource(alarm.alarm_arn)
        return {}
    if op == "SetAlarmState":
        name = _string(req, "AlarmName", 1, 255, required=True)
        state = _enum(req, "StateValue", STATES)
        if state is None:
            raise _error("MissingParameter", "The request must contain the parameter StateValue.")
        reason = _string(req, "StateReason", 0, 1023, required=True)
        data = _string(req, "StateReasonData", 0, 4000)
        set_state(backend, name, state, reason, data)
        return {}
    if op == "ListTagsForResource":
        alarm = _alarm_by_arn(backend, req.get("ResourceARN"))
        tags = backend.tagger.get_tag_dict_for_resource(alarm.alarm_arn)
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}
    if op == "TagResource":
        alarm = _alarm_by_arn(backend, req.get("ResourceARN"))
        tags = _tags(req.get("Tags"))
        current = backend.tagger.get_tag_dict_for_resource(alarm.alarm_arn)
        if len(set(current) | {t["Key"] for t in tags}) > MAX_TAGS:
            raise _error("InvalidParameterValue", f"The number of tags must not exceed {MAX_TAGS}.")
        backend.tagger.tag_resource(alarm.alarm_arn, tags)
        return {}
    if op == "UntagResource":
        alarm = _alarm_by_arn(backend, req.get("ResourceARN"))
        keys = req.get("TagKeys")
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise _error("MissingParameter", "The request must contain the parameter TagKeys.")
        backend.tagger.untag_resource_using_names(alarm.alarm_arn, keys)
        return {}
    raise _error("UnknownOperationException", f"The emulator does not implement {op}.")


# ----------------------------------------------------------------------------- moto patch

_orig_put_metric_alarm: Any = None


def apply() -> None:
    """The query protocol (boto3) goes through moto's responses: give its PutMetricAlarm the same
    state and tag rules as the CBOR path."""
    global _orig_put_metric_alarm
    from moto.cloudwatch import models

    if _orig_put_metric_alarm is not None:
        return
    _orig_put_metric_alarm = models.CloudWatchBackend.put_metric_alarm

    def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
        if args:  # moto's responses pass keywords; keep positional calls working anyway
            return _orig_put_metric_alarm(self, *args, **kwargs)
        return put_metric_alarm(self, kwargs)

    models.CloudWatchBackend.put_metric_alarm = patched
