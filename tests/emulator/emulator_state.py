"""Per-account emulator state that is not moto state: transition config, injected faults,
pending "fail next update" requests and the request log.

Everything here is keyed by the 12-digit account id and is cleared by
`POST /_emulator/reset?account=ACCT` (one account) or `POST /moto-api/reset` (all accounts).
"""

import random
import threading
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


class AccountState:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.config: dict[str, Any] = dict(DEFAULT_CONFIG)
        self.faults: list[FaultRule] = []
        self.fail_next_update: dict[str, str] = {}
        self.log: list[dict[str, Any]] = []
        self.seq = 0

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

    def pop_fail_next_update(self, endpoint: str) -> Optional[str]:
        with self.lock:
            return self.fail_next_update.pop(endpoint, None)


_states: dict[str, AccountState] = {}
_states_lock = threading.Lock()


def get(account: str) -> AccountState:
    with _states_lock:
        st = _states.get(account)
        if st is None:
            st = _states[account] = AccountState()
        return st


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
