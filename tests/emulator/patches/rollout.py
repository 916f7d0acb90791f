"""Deployment guardrails for UpdateEndpoint (`DeploymentConfig`, `RetainDeploymentConfig`): the
request is validated as the API reference and the developer guide ("Deployment guardrails")
document it, then the rollout advances through phases in emulator time, one phase per transition
(`transition_polls` DescribeEndpoint calls or `transition_seconds`, the same config as every other
transition):

- blue/green (ALL_AT_ONCE, CANARY, LINEAR): Creating (the green fleet), then per traffic step
  ActivatingTraffic and Baking, a termination wait (Baking) when TerminationWaitInSeconds > 0,
  then Deleting (the blue fleet);
- rolling: per batch Creating, ActivatingTraffic, Baking, Deleting (old instances of the batch).

While a rollout runs, DescribeEndpoint shows `Updating` and `PendingDeploymentSummary` with each
variant's `VariantStatus`; afterwards `LastDeploymentConfig`. When a CloudWatch alarm of its
AutoRollbackConfiguration is in ALARM (set with SetAlarmState, or fired by the control API
`/_emulator/rollout-alarm` when the rollout reaches an armed phase), the rollout rolls back:
`RollingBack`, then `InService` on the old config with the old counts and a FailureReason naming
the alarm. Each endpoint's phases are recorded (`GET /_emulator/rollouts`).

Documented vs assumed: see README.md, "Deployment guardrails".
"""

import math
import time
from typing import Any, Optional

from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ValidationError

import emulator_state

TRAFFIC_TYPES = ("ALL_AT_ONCE", "CANARY", "LINEAR")
CAPACITY_TYPES = ("INSTANCE_COUNT", "CAPACITY_PERCENT")
PHASE_KINDS = ("creating", "activating-traffic", "baking", "termination-wait", "deleting")
STATUS_OF = {
    "creating": "Creating", "activating-traffic": "ActivatingTraffic", "baking": "Baking",
    "termination-wait": "Baking", "deleting": "Deleting",
}


def failure_reason(alarm: str) -> str:
    # No stored source shows AWS's wording for an alarm-triggered rollback: this sentence is the
    # emulator's own (README.md says so).
    return (f"Deployment rolled back: CloudWatch alarm {alarm} of the AutoRollbackConfiguration "
            "went into ALARM state.")


# ----------------------------------------------------------------------------- validation

def _invalid(path: str, value: Any, constraint: str) -> ValidationError:
    # AWS's member-constraint wording.
    return ValidationError(message=f"1 validation error detected: Value '{value}' at '{path}' "
                                   f"failed to satisfy constraint: {constraint}")


def _int_in(obj: dict, key: str, path: str, lo: int, hi: int, required: bool = False) -> Optional[int]:
    value = obj.get(key)
    member = f"{path}.{key[0].lower()}{key[1:]}"
    if value is None:
        if required:
            raise _invalid(member, "null", "Member must not be null")
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(message=f"{member} must be an integer.")
    if value < lo:
        raise _invalid(member, value, f"Member must have value greater than or equal to {lo}")
    if value > hi:
        raise _invalid(member, value, f"Member must have value less than or equal to {hi}")
    return value


def _capacity(obj: Any, path: str) -> dict:
    if not isinstance(obj, dict):
        raise _invalid(path, "null", "Member must not be null")
    kind = obj.get("Type")
    if kind not in CAPACITY_TYPES:
        raise _invalid(f"{path}.type", kind, "Member must satisfy enum value set: [INSTANCE_COUNT, CAPACITY_PERCENT]")
    value = _int_in(obj, "Value", path, 1, 2**31 - 1, required=True)
    if kind == "CAPACITY_PERCENT" and value > 100:
        raise ValidationError(message=f"{path}.value must be a percentage from 1 to 100, not {value}.")
    return {"Type": kind, "Value": value}


def resolve(cap: dict, count: int) -> int:
    """Instances a CapacitySize stands for in a fleet of `count`. A percentage is rounded down,
    and is at least one instance (the emulator's choice: AWS does not document the rounding)."""
    if cap["Type"] == "INSTANCE_COUNT":
        return min(cap["Value"], count)
    return max(1, math.floor(count * cap["Value"] / 100))


def _percent_of(cap: dict, count: int) -> float:
    if cap["Type"] == "CAPACITY_PERCENT":
        return float(cap["Value"])
    return 100.0 * cap["Value"] / count if count else 100.0


def _check_share(cap: dict, counts: dict[str, int], lo: float, hi: float, what: str, path: str) -> None:
    for variant, count in sorted(counts.items()):
        share = _percent_of(cap, count)
        if cap["Type"] == "INSTANCE_COUNT" and cap["Value"] > count:
            share = 101.0
        if not lo <= share <= hi:
            bound = f"at most {hi:.0f}%" if lo == 0 else f"between {lo:.0f}% and {hi:.0f}%"
            if cap["Type"] == "CAPACITY_PERCENT":
                raise ValidationError(message=(
                    f"{path}: {what} {cap['Value']}% must be {bound} of the variant's total instance count."))
            raise ValidationError(message=(
                f"{path}: {what} {cap['Value']} instance(s) is {share:.0f}% of variant {variant}'s "
                f"{count} instance(s); it must be {bound} of the variant's total instance count."))


def validate(backend: Any, ep: Any, new_cfg: Any, dc: Any) -> dict:
    """DeploymentConfig checked as AWS documents it; returns the normalised rollout description."""
    if not isinstance(dc, dict):
        raise ValidationError(message="DeploymentConfig must be a structure.")
    blue_green = dc.get("BlueGreenUpdatePolicy")
    rolling = dc.get("RollingUpdatePolicy")
    if blue_green is not None and rolling is not None:
        # API DeploymentConfig: "Only one update policy should be used in the deployment configuration."
        raise ValidationError(message="DeploymentConfig takes either BlueGreenUpdatePolicy or "
                                      "RollingUpdatePolicy, not both.")
    counts = {pv["VariantName"]: int(pv.get("InitialInstanceCount") or 0) for pv in new_cfg.production_variants}
    old_names = sorted(v["VariantName"] for v in ep.production_variants)
    if sorted(counts) != old_names:
        # Guide, "Exclusions": the new endpoint configuration must have the same variant names.
        raise ValidationError(message=(
            f"The variant names of endpoint configuration {new_cfg.endpoint_config_name} "
            f"[{', '.join(sorted(counts))}] must be the same as the endpoint's [{', '.join(old_names)}] "
            "for a deployment with a DeploymentConfig."))
    serverless = [pv["VariantName"] for pv in new_cfg.production_variants if pv.get("ServerlessConfig")]
    out: dict[str, Any] = {"alarms": [], "wait": 0, "termination_wait": 0, "timeout": None}
    base = "deploymentConfig"
    if rolling is not None:
        path = f"{base}.rollingUpdatePolicy"
        if not isinstance(rolling, dict):
            raise _invalid(path, rolling, "Member must be a structure")
        # Guide, "Exclusions": rolling deployments exclude multi-variant and serverless endpoints.
        if len(counts) > 1 or len(old_names) > 1:
            raise ValidationError(message="Rolling deployments are not supported for multi-variant "
                                          "endpoints; use a BlueGreenUpdatePolicy.")
        if serverless:
            raise ValidationError(message="Rolling deployments are not supported for serverless endpoints.")
        batch = _capacity(rolling.get("MaximumBatchSize"), f"{path}.maximumBatchSize")
        _check_share(batch, counts, 5, 50, "MaximumBatchSize", path)
        rollback = None
        if rolling.get("RollbackMaximumBatchSize") is not None:
            rollback = _capacity(rolling["RollbackMaximumBatchSize"], f"{path}.rollbackMaximumBatchSize")
        out.update(strategy="ROLLING", batch=batch, rollback_batch=rollback,
                   wait=_int_in(rolling, "WaitIntervalInSeconds", path, 0, 3600, required=True),
                   timeout=_int_in(rolling, "MaximumExecutionTimeoutInSeconds", path, 600, 28800))
        waits = out["wait"]
    else:
        path = f"{base}.blueGreenUpdatePolicy"
        # API DeploymentConfig: without an update policy, blue/green with all at once shifting.
        policy = blue_green if blue_green is not None else {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}}
        if not isinstance(policy, dict):
            raise _invalid(path, policy, "Member must be a structure")
        routing = policy.get("TrafficRoutingConfiguration")
        rpath = f"{path}.trafficRoutingConfiguration"
        if not isinstance(routing, dict):
            raise _invalid(rpath, "null", "Member must not be null")
        kind = routing.get("Type")
        if kind not in TRAFFIC_TYPES:
            raise _invalid(f"{rpath}.type", kind, "Member must satisfy enum value set: [ALL_AT_ONCE, CANARY, LINEAR]")
        out.update(strategy=kind, wait=_int_in(routing, "WaitIntervalInSeconds", rpath, 0, 3600, required=True),
                   termination_wait=_int_in(policy, "TerminationWaitInSeconds", path, 0, 3600) or 0,
                   timeout=_int_in(policy, "MaximumExecutionTimeoutInSeconds", path, 600, 28800))
        if kind == "CANARY":
            if routing.get("CanarySize") is None:
                raise ValidationError(message=f"{rpath}.canarySize is required for traffic routing type CANARY.")
            out["step"] = _capacity(routing["CanarySize"], f"{rpath}.canarySize")
            # API TrafficRoutingConfig: at most 50% of the variant's total instance count.
            _check_share(out["step"], counts, 0, 50, "CanarySize", rpath)
        elif kind == "LINEAR":
            if routing.get("LinearStepSize") is None:
                raise ValidationError(message=f"{rpath}.linearStepSize is required for traffic routing type LINEAR.")
            out["step"] = _capacity(routing["LinearStepSize"], f"{rpath}.linearStepSize")
            # API TrafficRoutingConfig: 10-50% of the variant's total instance count.
            _check_share(out["step"], counts, 10, 50, "LinearStepSize", rpath)
        for key, only in (("CanarySize", "CANARY"), ("LinearStepSize", "LINEAR")):
            if routing.get(key) is not None and kind != only:
                raise ValidationError(message=f"{rpath}.{key[0].lower()}{key[1:]} is only valid with traffic routing type {only}.")
        waits = out["wait"] + out["termination_wait"]
    if out["timeout"] is not None and out["timeout"] <= waits:
        # API: "the timeout value should be larger than the total waiting time specified in
        # TerminationWaitInSeconds and WaitIntervalInSeconds".
        raise ValidationError(message=(
            f"MaximumExecutionTimeoutInSeconds ({out['timeout']}) must be larger than the total "
            f"waiting time of TerminationWaitInSeconds and WaitIntervalInSeconds ({waits})."))
    auto = dc.get("AutoRollbackConfiguration")
    if auto is not None:
        alarms = auto.get("Alarms") if isinstance(auto, dict) else None
        apath = f"{base}.autoRollbackConfiguration.alarms"
        if not isinstance(alarms, list) or not 1 <= len(alarms) <= 10:
            n = len(alarms) if isinstance(alarms, list) else 0
            raise _invalid(apath, n, "Member must have length less than or equal to 10" if n > 10
                           else "Member must have length greater than or equal to 1")
        from moto.cloudwatch.models import cloudwatch_backends

        existing = cloudwatch_backends[backend.account_id][backend.region_name].alarms
        for item in alarms:
            name = item.get("AlarmName") if isinstance(item, dict) else None
            if not isinstance(name, str) or not 1 <= len(name) <= 255 or not name.strip():
                raise _invalid(f"{apath}.member.alarmName", name, "Member must have length between 1 and 255")
            if name not in existing:
                raise ValidationError(message=(
                    f"The CloudWatch alarm {name} in the AutoRollbackConfiguration does not exist in "
                    f"account {backend.account_id}, region {backend.region_name}."))
            out["alarms"].append(name)
    # Guide, "Exclusions": Inf1 endpoints (and Marketplace containers, which the emulator cannot
    # tell) fall back to blue/green all at once with no final baking period.
    types = [pv.get("InstanceType") or "" for pv in new_cfg.production_variants]
    out["fallback"] = any(t.startswith("ml.inf1.") for t in types)
    if out["fallback"]:
        out.update(strategy="ALL_AT_ONCE", wait=0, termination_wait=0)
    return out


# ----------------------------------------------------------------------------- phases

def _phase(kind: str, message: str, fleet: dict, step: int, wait: Optional[int] = None) -> dict:
    blue = sum(f["blue"] for f in fleet.values())
    green = sum(f["green"] for f in fleet.values())
    active = sum(f["active"] for f in fleet.values())
    return {
        "kind": kind, "status": STATUS_OF.get(kind, kind), "message": message, "step": step,
        "wait_seconds": wait,
        # Rolling: the new instances' share of the instances taking traffic.
        "traffic_percent": round(100 * active / (active + blue)) if active + blue else 0,
        "instances": {"blue": blue, "green": green, "green_in_service": active, "total": blue + green},
        "fleet": {v: dict(f) for v, f in fleet.items()},
    }


def plan(spec: dict, old: dict[str, int], new: dict[str, int]) -> list[dict]:
    """The phases of a rollout from `old` to `new` instance counts per variant."""
    fleet = {v: {"blue": old.get(v, 0), "green": 0, "active": 0} for v in new}
    phases = []
    if spec["strategy"] == "ROLLING":
        (v, target), = new.items()
        batch = resolve(spec["batch"], target)
        step = 0
        while fleet[v]["active"] < target:
            step += 1
            n = min(batch, target - fleet[v]["active"])
            fleet[v]["green"] += n
            phases.append(_phase("creating", f"Launching {n} instance(s).", fleet, step))
            fleet[v]["active"] += n
            phases.append(_phase("activating-traffic",
                                 f"Activating traffic on batch capacity of {n} instance(s).", fleet, step))
            phases.append(_phase("baking", f"Baking for {spec['wait']} seconds (WaitIntervalInSeconds) "
                                           f"with traffic enabled on {fleet[v]['active']} instance(s).",
                                 fleet, step, spec["wait"]))
            gone = fleet[v]["blue"] if fleet[v]["active"] >= target else min(n, fleet[v]["blue"])
            phases.append(_phase("deleting", f"Terminating {gone} instance(s).", fleet, step))
            fleet[v]["blue"] -= gone
        return phases
    for f, (v, target) in zip(fleet.values(), new.items()):
        f["green"] = target
    phases.append(_phase("creating", f"Launching {sum(new.values())} instance(s).", fleet, 1))
    steps: dict[str, list[int]] = {}
    for v, target in new.items():
        if spec["strategy"] == "CANARY":
            steps[v] = [resolve(spec["step"], target), target]
        elif spec["strategy"] == "LINEAR":
            size = resolve(spec["step"], target)
            steps[v] = list(range(size, target, size)) + [target]
        else:
            steps[v] = [target]
    total = max(len(s) for s in steps.values())
    for i in range(total):
        for v, s in steps.items():
            fleet[v]["active"] = s[min(i, len(s) - 1)]
        active = sum(f["active"] for f in fleet.values())
        last = i == total - 1
        capacity = ("full" if last else "canary" if spec["strategy"] == "CANARY" else "linear step")
        phases.append(_phase("activating-traffic",
                             f"Activating traffic on {capacity} capacity of {active} instance(s).", fleet, i + 1))
        # Documented example (Baking): "Baking for X seconds (...) with traffic enabled on canary
        # capacity of 1 instance(s)." The fall-back deployment has no final baking period.
        if not (last and spec.get("fallback")):
            phases.append(_phase("baking", f"Baking for {spec['wait']} seconds (WaitIntervalInSeconds) "
                                           f"with traffic enabled on {capacity} capacity of {active} instance(s).",
                                 fleet, i + 1, spec["wait"]))
    # Only traffic to green remains: blue still runs until it is terminated.
    blue = sum(f["blue"] for f in fleet.values())
    if spec["termination_wait"]:
        phases.append(_phase("termination-wait",
                             f"Baking for {spec['termination_wait']} seconds (TerminationWaitInSeconds) with "
                             f"traffic enabled on full capacity of {sum(new.values())} instance(s).",
                             fleet, total, spec["termination_wait"]))
    phases.append(_phase("deleting", f"Terminating {blue} instance(s).", fleet, total))
    # Traffic percentages during blue/green: share of the green fleet's capacity taking traffic.
    for p in phases:
        green = p["instances"]["green"]
        p["traffic_percent"] = round(100 * p["instances"]["green_in_service"] / green) if green else 0
    return phases


def rollback_plan(spec: dict, current: dict, old: dict[str, int]) -> list[dict]:
    """The phases of rolling back from the phase `current` to the old fleet."""
    fleet = {v: dict(f) for v, f in current["fleet"].items()}
    phases = []
    if spec["strategy"] == "ROLLING":
        (v, target), = old.items()
        size = resolve(spec["rollback_batch"], target) if spec.get("rollback_batch") else target
        step = 0
        while fleet[v]["green"] > 0 or fleet[v]["blue"] < target:
            step += 1
            n = min(size, target - fleet[v]["blue"]) if fleet[v]["blue"] < target else 0
            fleet[v]["blue"] += n
            gone = fleet[v]["green"] if fleet[v]["blue"] >= target else min(size, fleet[v]["green"])
            fleet[v]["active"] = max(0, fleet[v]["green"] - gone)
            phases.append(_phase("rollback", f"Rolling back: launching {n} instance(s) of the old "
                                             f"fleet and terminating {gone} of the new.", fleet, step))
            fleet[v]["green"] -= gone
            if n == 0 and gone == 0:
                break
    else:
        for f in fleet.values():
            f["active"] = 0
        phases.append(_phase("rollback-traffic", "Rolling back all traffic to the old fleet of "
                             f"{sum(f['blue'] for f in fleet.values())} instance(s).", fleet, 1))
        green = sum(f["green"] for f in fleet.values())
        phases.append(_phase("rollback-deleting", f"Terminating {green} instance(s).", fleet, 1))
    for p in phases:
        p["traffic_percent"] = 0
        p["status"] = {"rollback-deleting": "Deleting"}.get(p["kind"], "ActivatingTraffic")
    return phases


# ----------------------------------------------------------------------------- running it

def start(backend: Any, ep: Any, p: dict, spec: dict, dc: dict) -> None:
    """Begins the rollout recorded in pending transition `p` (sagemaker.update_endpoint)."""
    old = {v["VariantName"]: int(v.get("CurrentInstanceCount") or 0) for v in ep.production_variants}
    new = {v["VariantName"]: int(v.get("DesiredInstanceCount") or 0) for v in p["new_variants"]}
    st = emulator_state.get(backend.account_id)
    record = {
        "endpoint": ep.endpoint_name, "strategy": spec["strategy"],
        "from_config": ep.endpoint_config_name, "to_config": p["new_config_name"],
        "alarms": list(spec["alarms"]), "deployment_config": dc, "outcome": "in-progress",
        "failure_reason": None, "started_at": _iso(), "finished_at": None, "phases": [],
    }
    with st.lock:
        st.rollouts.setdefault(ep.endpoint_name, []).append(record)
    p["rollout"] = {"spec": spec, "dc": dc, "old": old, "phases": plan(spec, old, new), "index": -1,
                    "record": record, "rolling_back": False}
    _enter(backend, ep, p, 0)


def _iso() -> str:
    return utcnow().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _enter(backend: Any, ep: Any, p: dict, index: int, counted_poll: bool = False) -> None:
    r = p["rollout"]
    now = _iso()
    if r["index"] >= 0 and r["record"]["phases"]:
        r["record"]["phases"][-1]["ended_at"] = now
    r["index"] = index
    phase = r["phases"][index]
    phase["start_time"] = utcnow()
    entry = {k: v for k, v in phase.items() if k not in ("fleet", "start_time")}
    entry.update(order=len(r["record"]["phases"]) + 1, started_at=now, ended_at=None)
    r["record"]["phases"].append(entry)
    p["polls_seen"] = 1 if counted_poll else 0
    if not r["rolling_back"]:
        _fire_armed(backend, ep, phase)
        _check_alarms(backend, ep, p, counted_poll)


def _fire_armed(backend: Any, ep: Any, phase: dict) -> None:
    """Alarms armed through /_emulator/rollout-alarm for this phase go to ALARM."""
    st = emulator_state.get(backend.account_id)
    with st.lock:
        armed = st.rollout_alarms.get(ep.endpoint_name, [])
        due = [a for a in armed if a["phase"] == phase["kind"] and a["step"] == phase["step"]]
        for a in due:
            armed.remove(a)
    if not due:
        return
    import alarms
    from moto.cloudwatch.models import cloudwatch_backends

    cw = cloudwatch_backends[backend.account_id][backend.region_name]
    for a in due:
        if a["alarm"] in cw.alarms:
            alarms.set_state(cw, a["alarm"], "ALARM",
                             f"Fired by the emulator during the rollout's {phase['kind']} phase, step {phase['step']}.")


def _check_alarms(backend: Any, ep: Any, p: dict, counted_poll: bool = False) -> None:
    """AWS monitors the AutoRollbackConfiguration alarms during the deployment: one in ALARM
    starts a rollback."""
    r = p["rollout"]
    if r["rolling_back"] or not r["spec"]["alarms"]:
        return
    from moto.cloudwatch.models import cloudwatch_backends

    cw = cloudwatch_backends[backend.account_id][backend.region_name]
    firing = [n for n in r["spec"]["alarms"] if n in cw.alarms and cw.alarms[n].state_value == "ALARM"]
    if not firing:
        return
    current = r["phases"][r["index"]]
    reason = failure_reason(firing[0])
    r["rolling_back"] = True
    r["record"]["failure_reason"] = reason
    ep.failure_reason = reason
    ep.endpoint_status = "RollingBack"
    ep.last_modified_time = utcnow()
    p["kind"] = "rollback"
    if p["deadline"] is not None:  # the rollback's first phase starts now
        p["deadline"] = time.time() + p["seconds"]
    r["phases"] = r["phases"][: r["index"] + 1] + rollback_plan(r["spec"], current, r["old"])
    _enter(backend, ep, p, r["index"] + 1, counted_poll=counted_poll)


def _finish(backend: Any, ep: Any, p: dict) -> None:
    from . import sagemaker

    r = p["rollout"]
    r["record"]["phases"][-1]["ended_at"] = _iso()
    r["record"]["finished_at"] = _iso()
    if r["rolling_back"]:
        r["record"]["outcome"] = "rolled-back"
        ep.emu_pending = None
        ep.endpoint_status = sagemaker.IN_SERVICE
        ep.last_modified_time = utcnow()
        return
    r["record"]["outcome"] = "succeeded"
    ep.emu_last_deployment_config = r["dc"]
    sagemaker._complete(backend, ep)


def advance(backend: Any, ep: Any, p: dict, poll: bool) -> None:
    """sagemaker.advance for an endpoint whose transition is a rollout."""
    r = p["rollout"]
    _check_alarms(backend, ep, p)
    while True:
        if p["deadline"] is not None:
            if time.time() < p["deadline"]:
                return
            p["deadline"] += p["seconds"]
            counted = False
        elif poll:
            if p["polls_seen"] < p["polls_needed"]:
                p["polls_seen"] += 1
                return
            counted = True
            poll = False  # one poll advances one phase
        else:
            return
        if r["index"] + 1 >= len(r["phases"]):
            _finish(backend, ep, p)
            return
        _enter(backend, ep, p, r["index"] + 1, counted_poll=counted)
        if ep.emu_pending is not p:
            return


def run_instantly(backend: Any, ep: Any, p: dict) -> None:
    """Transitions configured to take no time: every phase happens at once (armed alarms and
    rollbacks included)."""
    r = p["rollout"]
    while ep.emu_pending is p:
        if r["index"] + 1 >= len(r["phases"]):
            _finish(backend, ep, p)
            return
        _enter(backend, ep, p, r["index"] + 1)


def variant_status(phase: dict, variant: str) -> list[dict]:
    f = phase["fleet"].get(variant)
    if f is None:
        return []
    return [{"Status": phase["status"], "StatusMessage": phase["message"], "StartTime": phase["start_time"]}]


def describe(ep: Any, p: dict, resp: dict) -> None:
    """DescribeEndpoint members while a rollout runs: Updating shows PendingDeploymentSummary
    (the green fleet, with VariantStatus); RollingBack shows VariantStatus on the endpoint's
    own variants (the emulator's choice)."""
    r = p["rollout"]
    phase = r["phases"][r["index"]]
    for v in resp["ProductionVariants"]:
        f = phase["fleet"].get(v["VariantName"])
        if f is not None:
            v["CurrentInstanceCount"] = f["blue"]
    if r["rolling_back"]:
        resp.pop("PendingDeploymentSummary", None)
        for v in resp["ProductionVariants"]:
            v["VariantStatus"] = variant_status(phase, v["VariantName"])
        return
    summary = resp.get("PendingDeploymentSummary")
    if summary is None:
        return
    for v in summary["ProductionVariants"]:
        f = phase["fleet"].get(v["VariantName"])
        if f is not None:
            # Documented example (EventBridge, endpoint deployment state change): while baking on
            # canary capacity of 1 of 3 instances, the pending variant's CurrentInstanceCount is 1.
            v["CurrentInstanceCount"] = f["active"]
        v["VariantStatus"] = variant_status(phase, v["VariantName"])


def history(account: str, endpoint: Optional[str]) -> dict:
    st = emulator_state.get(account)
    with st.lock:
        if endpoint is not None:
            return {"endpoint": endpoint, "rollouts": [dict(r) for r in st.rollouts.get(endpoint, [])]}
        return {"rollouts": [dict(r) for rs in st.rollouts.values() for r in rs]}


def arm(account: str, body: Any) -> dict:
    """`{"endpoint", "alarm", "phase": creating | activating-traffic | baking | termination-wait |
    deleting, "step": N (default 1)}`."""
    if not isinstance(body, dict) or not set(body) <= {"endpoint", "alarm", "phase", "step"}:
        raise ValueError('body must be {"endpoint": E, "alarm": A, "phase": P, "step": N}')
    for key in ("endpoint", "alarm"):
        if not isinstance(body.get(key), str) or not body[key]:
            raise ValueError(f"`{key}` (a string) is required")
    phase = body.get("phase", "baking")
    if phase not in PHASE_KINDS:
        raise ValueError(f"`phase` must be one of {', '.join(PHASE_KINDS)}")
    step = body.get("step", 1)
    if not isinstance(step, int) or isinstance(step, bool) or step < 1:
        raise ValueError("`step` must be an integer >= 1: the traffic step (blue/green) or the batch "
                         "(rolling), counted from 1")
    entry = {"endpoint": body["endpoint"], "alarm": body["alarm"], "phase": phase, "step": step}
    st = emulator_state.get(account)
    with st.lock:
        st.rollout_alarms.setdefault(body["endpoint"], []).append(entry)
        return {"armed": [a for rs in st.rollout_alarms.values() for a in rs]}


def armed(account: str) -> dict:
    st = emulator_state.get(account)
    with st.lock:
        return {"armed": [a for rs in st.rollout_alarms.values() for a in rs]}


def disarm(account: str) -> dict:
    st = emulator_state.get(account)
    with st.lock:
        st.rollout_alarms.clear()
    return {"armed": []}
