"""WSGI middleware in front of moto's server app: control endpoints (/_emulator/...), account
mapping (12-digit access key id -> x-moto-account-id), per-call latency, an account-wide rate
limit, fault injection, the request log, and what moto lacks: the Price List API (pricing.py) and
CloudWatch GetMetricData in the rpcv2Cbor protocol (cloudwatch.py)."""

import io
import json
import logging
import re
import socket
import threading
import time
import traceback
import uuid
from typing import Any, Callable, Iterable, Optional
from urllib.parse import parse_qs
from xml.etree import ElementTree

import cloudwatch
import emulator_state
import pricing

log = logging.getLogger("emulator")

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/([^/]+)/([^/]+)/")
TARGET_PREFIX_SERVICE = {
    "SageMaker": "sagemaker",
    "AnyScaleFrontendService": "application-autoscaling",
    "AWSPriceListService": "pricing",
}
FAULT_STATUS = {
    "throttle": (400, "Bad Request", "ThrottlingException", "Throttling", "Rate exceeded"),
    "500": (500, "Internal Server Error", "InternalFailure", "InternalFailure",
            "An internal error occurred (injected by the emulator)."),
    "503": (503, "Service Unavailable", "ServiceUnavailable", "ServiceUnavailable",
            "Service is unavailable (injected by the emulator)."),
}


# moto raises its authentication and authorization errors (IAM enforcement, see
# patches/iam.py) as query-protocol XML whatever the service's protocol; the JSON-protocol
# services (SageMaker, Application Auto Scaling) answer them as JSON errors, which is what the
# SDKs parse. The codes are the JSON services' own names for them; AWS sends
# AccessDeniedException from SageMaker with HTTP 400 ("Status Code: 400; Error Code:
# AccessDeniedException" in the SDKs' error reports).
JSON_ERROR_CODES = {
    "AccessDenied": "AccessDeniedException",
    "InvalidClientTokenId": "UnrecognizedClientException",
    "SignatureDoesNotMatch": "InvalidSignatureException",
}


def json_protocol_error(status: str, headers: list, body: bytes) -> tuple[str, list, bytes]:
    """A moto XML error answered to a JSON-protocol call, as the JSON error AWS sends: HTTP 400,
    `{"__type": CODE, "Message": TEXT}`, header `x-amzn-ErrorType: CODE`. Anything else is
    returned as it is."""
    if not body.lstrip().startswith(b"<") or status.startswith("2"):
        return status, headers, body
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return status, headers, body
    code = root.findtext(".//Code")
    if code not in JSON_ERROR_CODES:
        return status, headers, body
    json_code = JSON_ERROR_CODES[code]
    payload = json.dumps({"__type": json_code, "Message": root.findtext(".//Message") or ""}).encode()
    kept = [(k, v) for k, v in headers
            if k.lower() not in ("content-type", "content-length", "x-amzn-errortype")]
    return "400 Bad Request", kept + [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", json_code),
        ("Content-Length", str(len(payload))),
    ], payload


class DropConnection(ConnectionAbortedError):
    """Raised after the client socket was shut down: werkzeug treats it as a dropped connection."""


def _json_response(start_response: Callable, status: int, obj: Any,
                   extra_headers: Optional[list] = None) -> list[bytes]:
    body = json.dumps(obj).encode()
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}.get(status, "")
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response(f"{status} {reason}".strip(), headers + (extra_headers or []))
    return [body]


class EmulatorMiddleware:
    def __init__(self, moto_app: Callable, pid: int) -> None:
        self.moto_app = moto_app
        self.pid = pid
        # moto's backends are not written for concurrent mutation: one AWS call at a time.
        self.moto_lock = threading.RLock()

    # ------------------------------------------------------------------ request classification

    @staticmethod
    def _account_and_scope(environ: dict) -> tuple[str, Optional[str]]:
        auth = environ.get("HTTP_AUTHORIZATION", "")
        m = CREDENTIAL.search(auth)
        service = m.group(3) if m else None
        explicit = environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        if explicit:
            return explicit, service
        if m:
            akid = m.group(1)
            if re.fullmatch(r"\d{12}", akid):
                environ["HTTP_X_MOTO_ACCOUNT_ID"] = akid
                return akid, service
            try:  # access keys created through moto's IAM map to their account
                from moto.iam.models import get_account_id_from

                return get_account_id_from(akid), service
            except Exception:
                pass
        return emulator_state.DEFAULT_ACCOUNT, service

    @staticmethod
    def _operation(environ: dict) -> Optional[str]:
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.split(".")[-1]
        qs = parse_qs(environ.get("QUERY_STRING", ""))
        if "Action" in qs:
            return qs["Action"][0]
        if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length:
                body = environ["wsgi.input"].read(length)
                environ["wsgi.input"] = io.BytesIO(body)
                form = parse_qs(body.decode("utf-8", "replace"))
                if "Action" in form:
                    return form["Action"][0]
        return f"{environ.get('REQUEST_METHOD', 'GET')} {environ.get('PATH_INFO', '/')}"

    # ------------------------------------------------------------------ WSGI entry point

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/_emulator" or path.startswith("/_emulator/"):
            return self._control(environ, start_response)
        if path.startswith("/moto-api"):
            status, headers, body = self._call_moto(environ)
            if path.rstrip("/") == "/moto-api/reset" and environ.get("REQUEST_METHOD") == "POST":
                emulator_state.reset()
                pricing.reset()
                cloudwatch.reset()
            start_response(status, headers)
            return [body]

        account, service = self._account_and_scope(environ)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if service is None and target:
            service = TARGET_PREFIX_SERVICE.get(target.split(".")[0], target.split(".")[0])
        operation = cloudwatch.operation(environ) if cloudwatch.is_request(environ) else self._operation(environ)
        st = emulator_state.get(account)

        # The account-wide rate limit is checked on arrival; a refused call reaches neither the
        # fault rules nor moto. Every AWS call, refused or not, then waits the account's latency
        # (the network round trip), outside moto_lock so that calls in flight overlap.
        admitted = st.admit()
        rule = st.match_fault(operation) if admitted else None
        fault = rule.fault if rule else None
        latency_ms = st.latency_ms
        if latency_ms > 0:
            time.sleep(latency_ms / 1000.0)
        if not admitted:
            status, reason, json_type, query_code, message = FAULT_STATUS["throttle"]
            st.record(service, operation, status, "rate-limit")
            return self._fault_response(environ, start_response, status, reason, json_type,
                                        query_code, message)
        if fault == "latency":
            time.sleep(rule.latency_ms / 1000.0)
        elif fault == "drop":
            st.record(service, operation, None, "drop")
            self._drop(environ)
        elif fault is not None:
            status, reason, json_type, query_code, message = FAULT_STATUS[fault]
            st.record(service, operation, status, fault)
            return self._fault_response(environ, start_response, status, reason, json_type,
                                        query_code, message)

        if target.startswith(pricing.TARGET_PREFIX):
            with self.moto_lock:  # moto's IAM state may be read
                status, headers, body = pricing.handle(environ, account)
        elif cloudwatch.is_request(environ):
            with self.moto_lock:  # moto's IAM state may be read
                status, headers, body = cloudwatch.handle(environ, account)
        else:
            status, headers, body = self._call_moto(environ)
            if environ.get("HTTP_X_AMZ_TARGET"):
                status, headers, body = json_protocol_error(status, headers, body)
        try:
            code = int(status.split()[0])
        except (ValueError, IndexError):
            code = None
        st.record(service, operation, code, fault)
        start_response(status, headers)
        return [body]

    def _call_moto(self, environ: dict) -> tuple[str, list, bytes]:
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def sr(status: str, headers: list, exc_info: Any = None) -> Callable:
            captured["status"] = status
            captured["headers"] = headers
            return chunks.append

        try:
            with self.moto_lock:
                result = self.moto_app(environ, sr)
                try:
                    for chunk in result:
                        chunks.append(chunk)
                finally:
                    if hasattr(result, "close"):
                        result.close()
        except Exception as exc:  # moto raised (e.g. an action it does not implement)
            log.error("moto raised:\n%s", traceback.format_exc())
            body = json.dumps({"__type": "InternalFailure", "message": f"{type(exc).__name__}: {exc}"}).encode()
            return "500 Internal Server Error", [
                ("Content-Type", "application/x-amz-json-1.1"),
                ("x-amzn-ErrorType", "InternalFailure"),
                ("Content-Length", str(len(body))),
            ], body
        body = b"".join(chunks)
        headers = [(k, v) for k, v in captured.get("headers", []) if k.lower() != "content-length"]
        if environ.get("HTTP_X_AMZ_TARGET"):
            # moto answers some JSON-protocol calls as text/html; AWS says application/x-amz-json-1.1.
            headers = [
                (k, "application/x-amz-json-1.1")
                if k.lower() == "content-type" and v.startswith("text/html") else (k, v)
                for k, v in headers
            ]
        headers.append(("Content-Length", str(len(body))))
        return captured.get("status", "500 Internal Server Error"), headers, body

    @staticmethod
    def _fault_response(environ: dict, start_response: Callable, status: int, reason: str,
                        json_type: str, query_code: str, message: str) -> list[bytes]:
        request_id = str(uuid.uuid4())
        if environ.get("HTTP_X_AMZ_TARGET") or "json" in environ.get("CONTENT_TYPE", ""):
            body = json.dumps({"__type": json_type, "message": message}).encode()
            ctype = "application/x-amz-json-1.1"
        else:
            body = (
                "<ErrorResponse><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error>"
                "<RequestId>{}</RequestId></ErrorResponse>".format(
                    "Sender" if status < 500 else "Receiver", query_code, message, request_id)
            ).encode()
            ctype = "text/xml"
        start_response(f"{status} {reason}", [
            ("Content-Type", ctype),
            ("Content-Length", str(len(body))),
            ("x-amzn-ErrorType", json_type),
            ("x-amzn-RequestId", request_id),
        ])
        return [body]

    @staticmethod
    def _drop(environ: dict) -> None:
        handler = environ.get("emulator.handler")
        if handler is not None:
            try:
                handler.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            handler.close_connection = True
        raise DropConnection("connection dropped by fault injection")

    # ------------------------------------------------------------------ control API

    def _control(self, environ: dict, start_response: Callable) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "").rstrip("/")
        qs = parse_qs(environ.get("QUERY_STRING", ""))
        account = (qs.get("account") or [emulator_state.DEFAULT_ACCOUNT])[0]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return _json_response(start_response, 400, {"error": "body is not valid JSON"})

        def bad(msg: str) -> list[bytes]:
            return _json_response(start_response, 400, {"error": msg})

        def not_allowed() -> list[bytes]:
            return _json_response(start_response, 405, {"error": f"{method} not allowed on {path}"})

        if path == "/_emulator/health":
            return _json_response(start_response, 200, {"status": "ok", "pid": self.pid})
        if path in ("/_emulator/latency", "/_emulator/rate-limit"):
            return self._network(start_response, method, path, account, body)

        st = emulator_state.get(account)

        if path == "/_emulator/config":
            if method == "GET":
                return _json_response(start_response, 200, emulator_state.transition_config(account))
            if method != "POST":
                return not_allowed()
            if not isinstance(body, dict):
                return bad("body must be a JSON object")
            unknown = set(body) - set(emulator_state.DEFAULT_CONFIG)
            if unknown:
                return bad(f"unknown config keys: {sorted(unknown)}")
            with st.lock:
                if "transition_polls" in body:
                    try:
                        polls = int(body["transition_polls"])
                    except (TypeError, ValueError):
                        return bad("transition_polls must be an integer >= 0")
                    if polls < 0:
                        return bad("transition_polls must be an integer >= 0")
                    st.config["transition_polls"] = polls
                    if "transition_seconds" not in body:
                        st.config["transition_seconds"] = None  # polls mode
                if "transition_seconds" in body:
                    secs = body["transition_seconds"]
                    if secs is not None:
                        try:
                            secs = float(secs)
                        except (TypeError, ValueError):
                            return bad("transition_seconds must be a number >= 0 or null")
                        if secs < 0:
                            return bad("transition_seconds must be a number >= 0 or null")
                    st.config["transition_seconds"] = secs
                return _json_response(start_response, 200, dict(st.config))

        if path == "/_emulator/pricing":
            if method == "GET":
                return _json_response(start_response, 200, {"page_size": pricing.page_size(account)})
            if method != "POST":
                return not_allowed()
            if not isinstance(body, dict) or set(body) != {"page_size"}:
                return bad('body must be {"page_size": N} (1-100) or {"page_size": null}')
            size = body["page_size"]
            if size is not None and (not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= 100):
                return bad("page_size must be an integer from 1 to 100, or null")
            pricing.set_page_size(account, size)
            return _json_response(start_response, 200, {"page_size": size})

        if path in ("/_emulator/metrics", "/_emulator/cloudwatch"):
            if method == "GET" and path == "/_emulator/cloudwatch":
                return _json_response(start_response, 200, cloudwatch.config(account))
            if method != "POST":
                return not_allowed()
            try:
                if path == "/_emulator/metrics":
                    return _json_response(start_response, 200, cloudwatch.seed(account, body))
                return _json_response(start_response, 200, cloudwatch.configure(account, body))
            except ValueError as exc:
                return bad(str(exc))

        if path == "/_emulator/fail-next-update":
            if method != "POST":
                return not_allowed()
            endpoint = body.get("endpoint") if isinstance(body, dict) else None
            if not endpoint or not isinstance(endpoint, str):
                return bad("`endpoint` (the endpoint name) is required")
            reason = body.get("reason") or "Request to service failed. If failure persists after retry, contact customer support."
            operation = body.get("operation", "UpdateEndpoint")
            if operation not in ("UpdateEndpoint", "UpdateEndpointWeightsAndCapacities"):
                return bad("`operation` is UpdateEndpoint (default) or UpdateEndpointWeightsAndCapacities")
            rollback = body.get("rollback", "succeeds")
            if rollback not in ("succeeds", "fails"):
                return bad("`rollback` is succeeds (default: RollingBack, then InService as before) or fails (UpdateRollbackFailed)")
            with st.lock:
                st.fail_next_update[endpoint] = (operation, str(reason), rollback == "fails")
            return _json_response(start_response, 200, {
                "endpoint": endpoint, "reason": str(reason), "operation": operation, "rollback": rollback,
            })

        if path in ("/_emulator/rollout-alarm", "/_emulator/rollouts"):
            from patches import rollout

            if path == "/_emulator/rollouts":
                if method != "GET":
                    return not_allowed()
                return _json_response(start_response, 200, rollout.history(account, (qs.get("endpoint") or [None])[0]))
            if method == "GET":
                return _json_response(start_response, 200, rollout.armed(account))
            if method == "DELETE":
                return _json_response(start_response, 200, rollout.disarm(account))
            if method != "POST":
                return not_allowed()
            try:
                return _json_response(start_response, 200, rollout.arm(account, body))
            except ValueError as exc:
                return bad(str(exc))

        if path == "/_emulator/faults":
            if method == "GET":
                with st.lock:
                    return _json_response(start_response, 200, [r.to_json() for r in st.faults])
            if method == "DELETE":
                with st.lock:
                    st.faults.clear()
                return _json_response(start_response, 200, [])
            if method != "POST":
                return not_allowed()
            specs = body if isinstance(body, list) else [body]
            try:
                rules = [emulator_state.FaultRule(s) for s in specs]
            except (ValueError, TypeError) as exc:
                return bad(str(exc))
            with st.lock:
                st.faults.extend(rules)
                return _json_response(start_response, 200, [r.to_json() for r in st.faults])

        if path == "/_emulator/requests":
            if method == "GET":
                with st.lock:
                    return _json_response(start_response, 200, list(st.log))
            if method == "DELETE":
                with st.lock:
                    st.log.clear()
                    st.seq = 0
                return _json_response(start_response, 200, [])
            return not_allowed()

        if path == "/_emulator/iam-user":
            if method != "POST":
                return not_allowed()
            return self._iam_user(start_response, account, body)

        if path == "/_emulator/reset":
            if method != "POST":
                return not_allowed()
            self._reset_account(account)
            return _json_response(start_response, 200, {"status": "ok", "account": account})

        return _json_response(start_response, 404, {"error": f"unknown control endpoint {path}"})

    @staticmethod
    def _network(start_response: Callable, method: str, path: str, account: str,
                 body: Any) -> list[bytes]:
        """/_emulator/latency and /_emulator/rate-limit, for one account or (`account=*`) for the
        server-wide default and every account at once."""
        everyone = account == "*"
        states = emulator_state.all_states() if everyone else [emulator_state.get(account)]
        latency = path == "/_emulator/latency"

        def show() -> list[bytes]:
            if everyone:
                d = emulator_state.network_defaults()
                if latency:
                    return _json_response(start_response, 200, {"latency_ms": d["latency_ms"]})
                rl = d["rate_limit"]
                return _json_response(start_response, 200, {"rate": rl[0] if rl else None,
                                                             "burst": rl[1] if rl else None})
            st = states[0]
            if latency:
                return _json_response(start_response, 200, {"latency_ms": st.latency_ms})
            return _json_response(start_response, 200, st.rate_limit_json())

        if method == "GET":
            return show()
        if method not in ("POST", "DELETE") or (latency and method == "DELETE"):
            return _json_response(start_response, 405, {"error": f"{method} not allowed on {path}"})
        try:
            if latency:
                if not isinstance(body, dict) or set(body) != {"latency_ms"}:
                    raise ValueError('body must be {"latency_ms": N}')
                ms = emulator_state.parse_latency_ms(body["latency_ms"])
                if everyone:
                    emulator_state.set_network_defaults(latency_ms=ms)
                for st in states:
                    st.latency_ms = ms
            else:
                limit = None if method == "DELETE" else emulator_state.parse_rate_limit(body)
                if everyone:
                    emulator_state.set_network_defaults(rate_limit=limit)
                for st in states:
                    st.set_rate_limit(limit)
        except ValueError as exc:
            return _json_response(start_response, 400, {"error": str(exc)})
        return show()

    def _iam_user(self, start_response: Callable, account: str, body: Any) -> list[bytes]:
        """Creates IAM user `user` in the account with `policy` as its one inline policy
        (validated as moto's PutUserPolicy validates it) and an access key, for IAM enforcement
        tests (`POST /moto-api/reset-auth`): the same as CreateUser, PutUserPolicy and
        CreateAccessKey through the IAM API, without signing them."""
        from moto.iam.exceptions import IAMException
        from moto.iam.models import iam_backends

        if not isinstance(body, dict) or not isinstance(body.get("user"), str) or "policy" not in body:
            return _json_response(start_response, 400, {"error": 'body must be {"user": NAME, "policy": DOCUMENT}'})
        document = body["policy"] if isinstance(body["policy"], str) else json.dumps(body["policy"])
        with self.moto_lock:
            backend = iam_backends[account]["aws"]
            try:
                user = backend.create_user("us-east-1", body["user"])
                backend.put_user_policy(user.name, "endpoint-scale", document)
                key = backend.create_access_key(user.name)
            except IAMException as exc:
                return _json_response(start_response, 400, {"error": f"{exc.code}: {exc.message}"})
        return _json_response(start_response, 200, {
            "user": user.name, "arn": user.arn,
            "access_key_id": key.access_key_id, "secret_access_key": key.secret_access_key,
        })

    def _reset_account(self, account: str) -> None:
        from moto.core.base_backend import BackendDict, backend_lock

        with self.moto_lock, backend_lock:
            for backend_dict in list(BackendDict._instances):
                if dict.__contains__(backend_dict, account):
                    dict.__delitem__(backend_dict, account)
        emulator_state.reset(account)
        pricing.reset(account)
        cloudwatch.reset(account)
