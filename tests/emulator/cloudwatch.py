"""CloudWatch GetMetricData in the smithy rpcv2Cbor protocol, which aws-sdk-cloudwatch speaks and
moto does not: requests are `POST /service/GraniteServiceVersion20100801/operation/<Op>` with
header `smithy-protocol: rpc-v2-cbor` and a CBOR body (Smithy RPC v2 CBOR protocol spec); the
answer is CBOR with the same header, timestamps as CBOR tag 1 (epoch seconds), errors as a CBOR
map with `__type` and `message` (CloudWatch is awsQueryCompatible, so the query error code also
goes in the `x-amzn-query-error` header).

The data is not moto's: metric values per minute are seeded through the control API
(`POST /_emulator/metrics`) and GetMetricData sums them per requested period, omitting periods
with no seeded minute, as CloudWatch has no datapoint for a period nothing was published in. See
README.md, "CloudWatch".
"""

import base64
import datetime as dt
import json
import threading
from typing import Any, Optional

import cbor2

import alarms

SERVICE_PATH = "/service/GraniteServiceVersion20100801/operation/"
PROTOCOL = "rpc-v2-cbor"
MAX_DATAPOINTS = 100_800  # API reference, GetMetricData: as many as 100,800 data points a call
CORRUPTIONS = ("not-cbor", "lengths", "off-period", "negative")

_lock = threading.Lock()
# Per account: (namespace, metric, endpoint, variant) -> {epoch minute: value}
_metrics: dict[str, dict[tuple, dict[int, float]]] = {}
# Per account: {"page_size": N or None, "corrupt": one of CORRUPTIONS or None}
_config: dict[str, dict] = {}


def is_request(environ: dict) -> bool:
    return environ.get("PATH_INFO", "").startswith(SERVICE_PATH)


def operation(environ: dict) -> str:
    return environ.get("PATH_INFO", "")[len(SERVICE_PATH):]


def seed(account: str, body: Any) -> dict:
    """`{"endpoint", "variant", "start": RFC 3339 on a minute, "values": [number or null per
    minute], "metric": "Invocations", "namespace": "AWS/SageMaker"}`; null leaves a minute empty."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    for key in ("endpoint", "variant", "start"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise ValueError(f"`{key}` (a string) is required")
    values = body.get("values")
    if not isinstance(values, list) or not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values):
        raise ValueError("`values` must be a list of numbers or nulls, one per minute")
    try:
        start = dt.datetime.fromisoformat(body["start"].replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("`start` must be an RFC 3339 time such as 2026-11-02T08:00:00Z")
    if start.tzinfo is None or start.second or start.microsecond:
        raise ValueError("`start` must have a time zone and be on a whole minute")
    minute = int(start.timestamp()) // 60
    key = (body.get("namespace", "AWS/SageMaker"), body.get("metric", "Invocations"), body["endpoint"], body["variant"])
    with _lock:
        series = _metrics.setdefault(account, {}).setdefault(key, {})
        for i, v in enumerate(values):
            if v is not None:
                series[minute + i] = float(v)
        return {"series": len(_metrics[account]), "minutes": len(series)}


def configure(account: str, body: Any) -> dict:
    if not isinstance(body, dict) or not set(body) <= {"page_size", "corrupt"}:
        raise ValueError('body must be {"page_size": N or null, "corrupt": ' + " | ".join(CORRUPTIONS) + ' or null}')
    size = body.get("page_size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= MAX_DATAPOINTS):
        raise ValueError(f"page_size must be an integer from 1 to {MAX_DATAPOINTS}, or null")
    corrupt = body.get("corrupt")
    if corrupt is not None and corrupt not in CORRUPTIONS:
        raise ValueError(f"corrupt must be one of {', '.join(CORRUPTIONS)}, or null")
    with _lock:
        cfg = _config.setdefault(account, {"page_size": None, "corrupt": None})
        cfg.update({k: body[k] for k in body})
        return dict(cfg)


def config(account: str) -> dict:
    with _lock:
        return dict(_config.get(account, {"page_size": None, "corrupt": None}))


def reset(account: Optional[str] = None) -> None:
    with _lock:
        if account is None:
            _metrics.clear()
            _config.clear()
        else:
            _metrics.pop(account, None)
            _config.pop(account, None)


class CloudWatchError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _seconds(value: Any, name: str) -> int:
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    if isinstance(value, cbor2.CBORTag) and value.tag == 1 and isinstance(value.value, (int, float)):
        return int(value.value)
    raise CloudWatchError("ValidationError", f"{name} must be a timestamp (CBOR tag 1)")


def _token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _offset(token: str) -> int:
    try:
        offset = int(json.loads(base64.urlsafe_b64decode(token.encode()))["o"])
        if offset < 0:
            raise ValueError
        return offset
    except Exception:
        raise CloudWatchError("InvalidNextToken", "The service returned an invalid next token.")


def get_metric_data(account: str, request: Any) -> dict:
    if not isinstance(request, dict):
        raise CloudWatchError("SerializationException", "the request body is not a CBOR map")
    queries = request.get("MetricDataQueries")
    if not isinstance(queries, list) or not 1 <= len(queries) <= 500:
        raise CloudWatchError("ValidationError", "MetricDataQueries must hold 1 to 500 queries.")
    start = _seconds(request.get("StartTime"), "StartTime")
    end = _seconds(request.get("EndTime"), "EndTime")
    if end <= start:
        raise CloudWatchError("ValidationError", "The parameter StartTime must be less than the parameter EndTime.")
    ascending = request.get("ScanBy", "TimestampDescending") == "TimestampAscending"
    cfg = config(account)
    size = min(x for x in (request.get("MaxDatapoints"), cfg["page_size"], MAX_DATAPOINTS) if isinstance(x, int))
    points: list[tuple[str, int, float]] = []
    with _lock:
        metrics = _metrics.get(account, {})
        for q in queries:
            stat = q.get("MetricStat") if isinstance(q, dict) else None
            if not isinstance(stat, dict) or not isinstance(q.get("Id"), str):
                raise CloudWatchError("ValidationError", "Each query needs an Id and a MetricStat (the emulator serves no expressions).")
            metric = stat.get("Metric") or {}
            period = stat.get("Period")
            if stat.get("Stat") != "Sum" or not isinstance(period, int) or period <= 0 or period % 60:
                raise CloudWatchError("ValidationError", "The emulator serves Stat Sum over a Period that is a multiple of 60.")
            dims = {d.get("Name"): d.get("Value") for d in metric.get("Dimensions") or [] if isinstance(d, dict)}
            key = (metric.get("Namespace"), metric.get("MetricName"), dims.get("EndpointName"), dims.get("VariantName"))
            series = metrics.get(key, {})
            sums: dict[int, float] = {}
            for minute, value in series.items():
                at = minute * 60
                if start <= at < end:
                    bucket = start + (at - start) // period * period
                    sums[bucket] = sums.get(bucket, 0.0) + value
            for at in sorted(sums, reverse=not ascending):
                points.append((q["Id"], at, sums[at]))
        ids = [q["Id"] for q in queries]
    offset = _offset(request["NextToken"]) if request.get("NextToken") else 0
    page = points[offset:offset + size]
    more = offset + size < len(points)
    results = []
    for qid in ids:
        mine = [(at, v) for i, at, v in page if i == qid]
        results.append({
            "Id": qid,
            "Label": "Invocations",
            "Timestamps": [cbor2.CBORTag(1, at) for at, _ in mine],
            "Values": [v for _, v in mine],
            "StatusCode": "PartialData" if more else "Complete",
        })
    corrupt = cfg["corrupt"]
    if corrupt == "lengths" and results:
        results[0]["Values"].append(1.0)
    elif corrupt == "off-period" and results:
        results[0]["Timestamps"].append(cbor2.CBORTag(1, start + 30))
        results[0]["Values"].append(1.0)
    elif corrupt == "negative" and results:
        results[0]["Timestamps"].append(cbor2.CBORTag(1, start))
        results[0]["Values"].append(-5.0)
    answer: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
    if more:
        answer["NextToken"] = _token(offset + size)
    return answer


def _authorize(environ: dict, account: str, body: bytes, op: str,
               checks: Optional[list] = None) -> None:
    """moto's IAM enforcement, as pricing.py applies it: `cloudwatch:<op>` on `*` (GetMetricData
    has no resource-level permissions: Service Authorization Reference, Amazon CloudWatch). The
    signing name is `monitoring`; the IAM prefix is `cloudwatch`."""
    import pricing

    try:
        pricing._authorize(environ, account, body, op, action=f"cloudwatch:{op}", checks=checks)
    except pricing.PricingError as err:
        code = "AccessDenied" if err.error_type == "AccessDeniedException" else err.error_type
        raise CloudWatchError(code, err.message, 403 if code == "AccessDenied" else err.status)


def handle(environ: dict, account: str) -> tuple[str, list, bytes]:
    """Answers one rpcv2Cbor call: (status, headers, body)."""
    op = operation(environ)
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length else b""
    headers = [("smithy-protocol", PROTOCOL), ("Content-Type", "application/cbor")]
    try:
        if environ.get("HTTP_SMITHY_PROTOCOL") != PROTOCOL:
            raise CloudWatchError("SerializationException", "the smithy-protocol header must be rpc-v2-cbor")
        if op in alarms.OPERATIONS:  # metric alarms: alarms.py
            out = _alarm_call(environ, account, body, op)
            return _answer(200, headers, out)
        _authorize(environ, account, body, op)
        if op != "GetMetricData":
            raise CloudWatchError("UnknownOperationException", f"The emulator does not implement {op}.")
        try:
            request = cbor2.loads(body) if body else {}
        except Exception:
            raise CloudWatchError("SerializationException", "the request body is not CBOR")
        status = 200
        if config(account)["corrupt"] == "not-cbor":
            out = b"<html>not cbor</html>"
        else:
            out = cbor2.dumps(get_metric_data(account, request))
    except CloudWatchError as err:
        status = err.status
        out = cbor2.dumps({"__type": err.code, "message": err.message})
        headers.append(("x-amzn-query-error", f"{err.code};{'Sender' if status < 500 else 'Receiver'}"))
    return _answer(status, headers, out)


def _answer(status: int, headers: list, out: bytes) -> tuple[str, list, bytes]:
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden", 404: "Not Found"}.get(status, "Error")
    return f"{status} {reason}", headers + [("Content-Length", str(len(out)))], out


def _alarm_call(environ: dict, account: str, body: bytes, op: str) -> bytes:
    """One metric-alarm operation (alarms.py): decoded first, since IAM checks it on the alarms
    it names (`arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME`)."""
    try:
        request = cbor2.loads(body) if body else {}
    except Exception:
        raise CloudWatchError("SerializationException", "the request body is not CBOR")
    region = alarms.region_of(environ)
    _authorize(environ, account, body, op, alarms.iam_checks(op, request, account, region))
    return cbor2.dumps(alarms.call(account, region, op, request))
