"""Per-account emulator state that is not moto state: transition config, injected faults,
pending "fail next update" requests, the request log, and the network model (a fixed latency per
AWS call and an account-wide token-bucket rate limit).

Everything here is keyed by the 12-digit account id and is cleared by
`POST /_emulator/reset?account=ACCT` (one account) or `POST /moto-api/reset` (all accounts). A
cleared account starts again from the server-wide network defaults (`server.py --latency-ms`,
`--rate-limit`), which resets do not change.
"""

import math
import random
import threading
import time
from datetime import datetime, timezone
from typing import Any, Optional

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_CONFIG = {"transition_polls": 1, "transition_seconds": None}
FAULT_KINDS = ("throttle", "500", "503", "latency", "drop")


class FaultRule:
    def __init__(self, spec: dict[str, Any]):
        if not isinstance(spec, dict):
            raise ValueError("a fault must be a JSON object")
        self.operation = spec.get("operation", "*")
        if not isinstance(self.operation, str) or not self.operation:
            raise ValueError("`operation` must be a non-empty string (or \"*\")")
        self.fault = str(spec.get("fault", ""))
        if self.fault not in FAULT_KINDS:
            raise ValueError(f"`fault` must be one of {list(FAULT_KINDS)}")
        rate = spec.get("rate")
        count = spec.get("count")
        if rate is not None and count is not None:
            raise ValueError("give either `rate` or `count`, not both")
        if rate is not None:
            rate = float(rate)
            if not 0.0 <= rate <= 1.0:
                raise ValueError("`rate` must be between 0 and 1")
        if count is not None:
            count = int(count)
            if count < 0:
                raise ValueError("`count` must be >= 0")
        self.rate = rate
        self.remaining = count
        self.latency_ms = int(spec.get("latency_ms", 200))
        self.seed = spec.get("seed")
        self.rng = random.Random(self.seed)
        self.fired = 0

    def matches(self, operation: Optional[str]) -> bool:
        """True when this rule fires for a call of `operation` (consumes count / a random draw)."""
        if self.operation != "*" and self.operation != operation:
            return False
        if self.remaining is not None:
            if self.remaining <= 0:
                return False
            self.remaining -= 1
            self.fired += 1
            return True
        if self.rate is not None and self.rng.random() >= self.rate:
            return False
        self.fired += 1
        return True

    def to_json(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "fault": self.fault,
            "rate": self.rate,
            "count_remaining": self.remaining,
            "latency_ms": self.latency_ms,
            "seed": self.seed,
            "fired": self.fired,
        }


class TokenBucket:
    """AWS-style account-wide request rate limit: `burst` tokens, refilled at `rate` per second;
    a call takes one token or is throttled. Starts full."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(float(self.burst), self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def parse_rate_limit(value: Any) -> Optional[tuple[float, int]]:
    """`"RATE[/BURST]"`, a number, `{"rate": R, "burst": B}` (R may be such a string), or
    None/""/"off"/0 (no limit) ->
    (rate, burst) or None. BURST defaults to RATE rounded up (at least 1)."""
    if value is None or value == "" or value == "off":
        return None
    burst: Any = None
    if isinstance(value, dict):
        unknown = set(value) - {"rate", "burst"}
        if unknown:
            raise ValueError(f"unknown rate-limit keys: {sorted(unknown)}")
        if "rate" not in value:
            raise ValueError('body must be {"rate": R, "burst": B} (R null: no limit)')
        rate, burst = value.get("rate"), value.get("burst")
        if isinstance(rate, str) and burst is None:
            return parse_rate_limit(rate)  # {"rate": "50/50"}, as scripts/emulator sends it
        if rate is None:
            return None
    elif isinstance(value, str):
        rate, _, b = value.partition("/")
        burst = b or None
    else:
        rate = value
    try:
        rate = float(rate)
        burst = None if burst is None else int(burst)
    except (TypeError, ValueError):
        raise ValueError("a rate limit is RATE[/BURST]: calls per second (> 0) and a whole burst (>= 1)")
    if rate == 0:
        return None
    if not math.isfinite(rate) or rate < 0 or (burst is not None and burst < 1):
        raise ValueError("a rate limit is RATE[/BURST]: calls per second (> 0) and a whole burst (>= 1)")
    return rate, burst if burst is not None else max(1, math.ceil(rate))


def parse_latency_ms(value: Any) -> float:
    try:
        ms = float(value)
    except (TypeError, ValueError):
        raise ValueError("latency_ms must be a number >= 0")
    if not math.isfinite(ms) or ms < 0:
        raise ValueError("latency_ms must be a number >= 0")
    return ms


# Server-wide network defaults: every account starts with them (set from server.py's flags, or
# through the control API with `?account=*`).
_network_defaults: dict[str, Any] = {"latency_ms": 0.0, "rate_limit": None}


class AccountState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.config: dict[str, Any] = dict(DEFAULT_CONFIG)
        self.faults: list[FaultRule] = []
        # endpoint -> (operation, reason, rollback_fails): the next such update of it fails.
        self.fail_next_update: dict[str, tuple[str, str, bool]] = {}
        self.log: list[dict[str, Any]] = []
        # endpoint -> rollouts of it, each with its phases (patches/rollout.py)
        self.rollouts: dict[str, list[dict[str, Any]]] = {}
        # endpoint -> alarms armed to fire in a phase of its rollout (/_emulator/rollout-alarm)
        self.rollout_alarms: dict[str, list[dict[str, Any]]] = {}
        self.seq = 0
        self.latency_ms: float = _network_defaults["latency_ms"]
        self.bucket: Optional[TokenBucket] = None
        self.allowed = 0    # AWS calls let through by the rate limit since it was last set
        self.throttled = 0  # AWS calls refused by it
        self.set_rate_limit(_network_defaults["rate_limit"])

    def set_rate_limit(self, limit: Optional[tuple[float, int]]) -> None:
        """Installs a full bucket (or none) and zeroes the counters."""
        with self.lock:
            self.bucket = TokenBucket(*limit) if limit else None
            self.allowed = self.throttled = 0

    def admit(self) -> bool:
        """Takes a token for one AWS call; False when the account is over its rate limit."""
        with self.lock:
            if self.bucket is None or self.bucket.take():
                self.allowed += 1
                return True
            self.throttled += 1
            return False

    def rate_limit_json(self) -> dict[str, Any]:
        with self.lock:
            b = self.bucket
            return {"rate": b.rate if b else None, "burst": b.burst if b else None,
                    "allowed": self.allowed, "throttled": self.throttled}

    def match_fault(self, operation: Optional[str]) -> Optional[FaultRule]:
        with self.lock:
            for rule in self.faults:
                if rule.matches(operation):
                    return rule
        return None

    def record(self, service: Optional[str], operation: Optional[str], status: Optional[int],
               fault: Optional[str]) -> None:
        with self.lock:
            self.seq += 1
            now = datetime.now(timezone.utc)
            self.log.append({
                "seq": self.seq,
                "time": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
                "service": service,
                "operation": operation,
                "status": status,
                "fault": fault,
            })

    def pop_fail_next_update(self, endpoint: str, operation: str) -> Optional[tuple[str, bool]]:
        """(reason, rollback_fails) when the next `operation` on `endpoint` is to fail."""
        with self.lock:
            entry = self.fail_next_update.get(endpoint)
            if entry is None or entry[0] != operation:
                return None
            del self.fail_next_update[endpoint]
            return entry[1], entry[2]


_states: dict[str, AccountState] = {}
_states_lock = threading.Lock()


def get(account: str) -> AccountState:
    with _states_lock:
        st = _states.get(account)
        if st is None:
            st = _states[account] = AccountState()
        return st


def all_states() -> list[AccountState]:
    with _states_lock:
        return list(_states.values())


def set_network_defaults(latency_ms: Optional[float] = None,
                         rate_limit: Any = "unchanged") -> None:
    """Changes what new (and reset) accounts start with; `rate_limit` None means no limit."""
    if latency_ms is not None:
        _network_defaults["latency_ms"] = latency_ms
    if rate_limit != "unchanged":
        _network_defaults["rate_limit"] = rate_limit


def network_defaults() -> dict[str, Any]:
    return dict(_network_defaults)


def reset(account: Optional[str] = None) -> None:
    with _states_lock:
        if account is None:
            _states.clear()
        else:
            _states.pop(account, None)


def transition_config(account: str) -> dict[str, Any]:
    st = get(account)
    with st.lock:
        return dict(st.config)
