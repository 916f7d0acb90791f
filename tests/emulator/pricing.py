"""The AWS Price List Query API (`AWSPriceListService`, JSON 1.1 protocol), which moto does not
have: GetProducts over the fixture products in fixtures/pricing/*.json, with ServiceCode,
Filters, MaxResults and NextToken applied as the API reference describes (see README.md,
"Price List API").

Each fixture file is a JSON list of Price List documents in the shape GetProducts returns them
(`product`, `serviceCode`, `terms`, `version`, `publicationDate`), written as objects for
readability; the answer carries each one as a JSON text, as AWS does. Fixture prices and SKUs are
illustrative, not AWS's.
"""

import base64
import hashlib
import json
import threading
from pathlib import Path
from typing import Any, Optional

FIXTURES = Path(__file__).parent / "fixtures" / "pricing"
TARGET_PREFIX = "AWSPriceListService."
FILTER_TYPES = ("TERM_MATCH", "EQUALS", "CONTAINS", "ANY_OF", "NONE_OF")
MAX_RESULTS = 100  # API reference, GetProducts: MaxResults 1-100

_lock = threading.Lock()
# Per account: the largest page the emulator returns (AWS may return fewer than MaxResults).
_page_size: dict[str, int] = {}
_products: Optional[list[dict]] = None


def products() -> list[dict]:
    """Every fixture document, files in name order, each file in its own order."""
    global _products
    with _lock:
        if _products is None:
            docs = []
            for path in sorted(FIXTURES.glob("*.json")):
                docs.extend(json.loads(path.read_text()))
            _products = docs
        return _products


def set_page_size(account: str, size: Optional[int]) -> None:
    with _lock:
        if size is None:
            _page_size.pop(account, None)
        else:
            _page_size[account] = size


def page_size(account: str) -> Optional[int]:
    with _lock:
        return _page_size.get(account)


def reset(account: Optional[str] = None) -> None:
    with _lock:
        if account is None:
            _page_size.clear()
        else:
            _page_size.pop(account, None)


class PricingError(Exception):
    def __init__(self, error_type: str, message: str, status: int = 400):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def _field(doc: dict, field: str) -> Optional[str]:
    if field == "ServiceCode":
        return doc.get("serviceCode")
    product = doc.get("product", {})
    if field in ("productFamily", "sku"):
        return product.get(field)
    value = product.get("attributes", {}).get(field)
    return value if isinstance(value, str) else None


def _matches(doc: dict, flt: dict) -> bool:
    value = _field(doc, flt["Field"])
    wanted = flt["Value"]
    kind = flt["Type"]
    if kind == "NONE_OF":
        return value is None or value not in [v.strip() for v in wanted.split(",")]
    if value is None:
        return False
    if kind in ("TERM_MATCH", "EQUALS"):
        return value == wanted
    if kind == "CONTAINS":
        return wanted in value
    return value in [v.strip() for v in wanted.split(",")]  # ANY_OF


def _query_key(service_code: str, filters: list, fmt: str) -> str:
    return hashlib.sha256(json.dumps([service_code, filters, fmt], sort_keys=True).encode()).hexdigest()[:16]


def _token(offset: int, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "q": key}).encode()).decode()


def _offset(token: str, key: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        if data["q"] != key or offset < 0:
            raise ValueError
        return offset
    except Exception:
        raise PricingError("InvalidNextTokenException", "The pagination token is invalid. Try again without a pagination token.")


def get_products(account: str, request: Any) -> dict:
    if not isinstance(request, dict):
        raise PricingError("SerializationException", "the request body is not a JSON object")
    service_code = request.get("ServiceCode")
    if not isinstance(service_code, str) or not service_code:
        raise PricingError("InvalidParameterException", "ServiceCode is required.")
    fmt = request.get("FormatVersion", "aws_v1")
    if fmt != "aws_v1":
        raise PricingError("InvalidParameterException", f"Invalid FormatVersion: {fmt}. Valid values are: aws_v1")
    max_results = request.get("MaxResults", MAX_RESULTS)
    if not isinstance(max_results, int) or not 1 <= max_results <= MAX_RESULTS:
        raise PricingError("InvalidParameterException", f"MaxResults must be from 1 to {MAX_RESULTS}.")
    filters = request.get("Filters") or []
    if not isinstance(filters, list):
        raise PricingError("SerializationException", "Filters is not a list")
    for flt in filters:
        if not isinstance(flt, dict) or not all(isinstance(flt.get(k), str) and flt.get(k) for k in ("Type", "Field", "Value")):
            raise PricingError("InvalidParameterException", "Each filter needs Type, Field and Value.")
        if flt["Type"] not in FILTER_TYPES:
            raise PricingError("InvalidParameterException", f"Invalid filter type {flt['Type']}; valid types are {', '.join(FILTER_TYPES)}.")
    key = _query_key(service_code, filters, fmt)
    offset = _offset(request["NextToken"], key) if request.get("NextToken") else 0
    # An unknown service code matches nothing (the emulator's choice: not confirmed against AWS).
    found = [d for d in products() if d.get("serviceCode") == service_code and all(_matches(d, f) for f in filters)]
    size = min(max_results, page_size(account) or MAX_RESULTS)
    page = found[offset:offset + size]
    answer: dict[str, Any] = {"FormatVersion": fmt, "PriceList": [json.dumps(d) for d in page]}
    if offset + size < len(found):
        answer["NextToken"] = _token(offset + size, key)
    return answer


def _headers(environ: dict) -> dict:
    """The request's headers as moto's IAM check expects them (`X-Amz-Date`, `Authorization`)."""
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers["-".join(p.capitalize() for p in key[5:].split("_"))] = value
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers["-".join(p.capitalize() for p in key.split("_"))] = environ[key]
    return headers


def _authorize(environ: dict, account: str, body: bytes, operation: str, action: Optional[str] = None,
               checks: Optional[list] = None) -> None:
    """moto's IAM enforcement (`POST /moto-api/reset-auth`), applied as moto applies it to its own
    services: after the allowed number of unauthenticated calls, the signature and the caller's
    IAM policies must allow `pricing:<operation>` (or `action`, for a service whose IAM prefix
    is not its signing name, such as CloudWatch's `monitoring`)."""
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin

    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        ActionAuthenticatorMixin.request_count += 1
        return
    from moto.iam.access_control import IAMRequest

    path = environ.get("PATH_INFO", "/") or "/"
    if environ.get("QUERY_STRING"):
        path += "?" + environ["QUERY_STRING"]
    try:
        iam = IAMRequest(account_id=account, method=environ.get("REQUEST_METHOD", "POST"), path=path,
                         data={}, body=body, headers=_headers(environ), action=operation)
        iam.check_signature()
        # `checks`: (action, resource) pairs, for calls checked on their resources (alarms.py).
        iam.check_action_permitted(checks or ([(action, "*")] if action else "*"))
    except PricingError:
        raise
    except Exception as exc:
        error_type = getattr(exc, "error_type", None) or type(exc).__name__
        message = getattr(exc, "message", None) or str(exc)
        # The JSON protocols name it AccessDeniedException.
        if error_type == "AccessDenied":
            error_type = "AccessDeniedException"
        raise PricingError(error_type, message, getattr(exc, "code", 400) if isinstance(getattr(exc, "code", None), int) else 400)


def handle(environ: dict, account: str) -> tuple[str, list, bytes]:
    """Answers one AWSPriceListService call: (status, headers, body)."""
    operation = environ.get("HTTP_X_AMZ_TARGET", "")[len(TARGET_PREFIX):]
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length else b""
    try:
        _authorize(environ, account, body, operation)
        if operation != "GetProducts":
            raise PricingError("UnknownOperationException", f"The emulator does not implement {operation}.")
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            raise PricingError("SerializationException", "the request body is not JSON")
        status, payload = 200, get_products(account, request)
        headers = []
    except PricingError as err:
        status, payload = err.status, {"__type": err.error_type, "message": err.message}
        headers = [("x-amzn-ErrorType", err.error_type)]
    out = json.dumps(payload).encode()
    reason = {200: "OK", 400: "Bad Request", 403: "Forbidden"}.get(status, "Error")
    return f"{status} {reason}", headers + [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("Content-Length", str(len(out))),
    ], out
