"""SageMaker hosting patches for moto 5.2.x.

Adds: UpdateEndpoint (with RetainAllVariantProperties / ExcludeRetainedVariantProperties,
auto-scaling guard and test-triggered rollback), Creating/Updating/Deleting status transitions,
a DescribeEndpoint response that follows the config and UpdateEndpointWeightsAndCapacities,
"Cannot create already existing ..." for models, endpoint configs and endpoints, AddTags that
overwrites an existing key, and a DeleteEndpoint that deregisters the endpoint's scalable targets.
Keeps what moto drops from CreateModel (EnableNetworkIsolation) and CreateEndpointConfig
(ShadowProductionVariants, ExplainerConfig, ExecutionRoleArn, VpcConfig, EnableNetworkIsolation,
MetricsConfig), and leaves out of Describe* the empty VpcConfig / DataCaptureConfig that moto
invents for resources created without one (AWS omits an unset member).
"""

import copy
import time
from typing import Any, Optional

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.sagemaker import models as sm
from moto.sagemaker import responses as smr
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.utils import arn_formatter

import emulator_state

Backend = sm.SageMakerModelBackend
IN_SERVICE = "InService"
RETAINABLE = ("DesiredInstanceCount", "DesiredWeight", "DataCaptureConfig")


# ----------------------------------------------------------------------------- helpers

def _endpoint_arn(backend: Backend, name: str) -> str:
    return sm.FakeEndpoint.arn_formatter(name, backend.account_id, backend.region_name)


def _config_arn(backend: Backend, name: str) -> str:
    return sm.FakeEndpointConfig.arn_formatter(name, backend.account_id, backend.region_name)


def _endpoint_not_found(backend: Backend, name: str) -> ValidationError:
    return ValidationError(message=f'Could not find endpoint "{_endpoint_arn(backend, name)}".')


def _in_progress(backend: Backend, name: str) -> ValidationError:
    return ValidationError(
        message=f'Cannot update in-progress endpoint "{_endpoint_arn(backend, name)}".'
    )


def _get_config(backend: Backend, name: str) -> "sm.FakeEndpointConfig":
    cfg = backend.endpoint_configs.get(name)
    if cfg is None:
        raise ValidationError(
            message=f'Could not find endpoint configuration "{_config_arn(backend, name)}".'
        )
    return cfg


def _variants_from_config(cfg: "sm.FakeEndpointConfig") -> list[dict[str, Any]]:
    """Endpoint variant summaries as SageMaker reports them right after deploying `cfg`."""
    out = []
    for pv in cfg.production_variants:
        v: dict[str, Any] = {"VariantName": pv["VariantName"]}
        weight = pv.get("InitialVariantWeight")
        weight = 1.0 if weight is None else float(weight)
        v["CurrentWeight"] = v["DesiredWeight"] = weight
        if pv.get("InitialInstanceCount") is not None:
            count = int(pv["InitialInstanceCount"])
            v["CurrentInstanceCount"] = v["DesiredInstanceCount"] = count
        if pv.get("ServerlessConfig"):
            v["CurrentServerlessConfig"] = v["DesiredServerlessConfig"] = pv["ServerlessConfig"]
        out.append(v)
    return out


def _instance_types(cfg: "sm.FakeEndpointConfig") -> dict[str, Optional[str]]:
    return {pv["VariantName"]: pv.get("InstanceType") for pv in cfg.production_variants}


def _pending(ep: Any) -> Optional[dict[str, Any]]:
    return getattr(ep, "emu_pending", None)


def start_transition(backend: Backend, ep: Any, kind: str, status: str, **extra: Any) -> None:
    """Put `ep` into a transitional status; it completes after the configured number of
    DescribeEndpoint calls or seconds (immediately when that number is 0)."""
    cfg = emulator_state.transition_config(backend.account_id)
    seconds = cfg.get("transition_seconds")
    polls = int(cfg.get("transition_polls") or 0)
    ep.endpoint_status = status
    ep.last_modified_time = utcnow()
    ep.emu_pending = {
        "kind": kind,
        "polls_needed": polls,
        "polls_seen": 0,
        "deadline": None if seconds is None else time.time() + float(seconds),
        "seconds": None if seconds is None else float(seconds),
        "start_time": utcnow(),
        **extra,
    }
    instant = (seconds is None and polls <= 0) or (seconds is not None and float(seconds) <= 0)
    if extra.get("rollout_spec") is not None:
        # Deployment guardrails: the update advances through phases (patches/rollout.py).
        from . import rollout

        p = ep.emu_pending
        rollout.start(backend, ep, p, extra["rollout_spec"], extra["deployment_config"])
        if instant and ep.emu_pending is p:
            rollout.run_instantly(backend, ep, p)
        return
    if instant:
        _complete(backend, ep)


def _complete(backend: Backend, ep: Any) -> None:
    p = _pending(ep)
    ep.emu_pending = None
    if p is None:
        return
    kind = p["kind"]
    ep.last_modified_time = utcnow()
    if kind == "delete":
        backend.endpoints.pop(ep.endpoint_name, None)
        return
    if kind in ("update", "weights") and p.get("rollback_reason") is not None:
        # A failed update is rolled back (API DescribeEndpoint: RollingBack, then InService with
        # the old config, counts and weights, FailureReason set), or the rollback itself fails
        # (UpdateRollbackFailed).
        ep.failure_reason = p["rollback_reason"]
        if p.get("old_variants") is not None:
            ep.production_variants = p["old_variants"]
        start_transition(backend, ep, "rollback", "RollingBack", rollback_fails=p.get("rollback_fails", False))
        return
    if kind == "rollback" and p.get("rollback_fails"):
        ep.endpoint_status = "UpdateRollbackFailed"
        return
    if kind == "update":
        ep.endpoint_config_name = p["new_config_name"]
        ep.production_variants = p["new_variants"]
        ep.emu_instance_types = p["new_instance_types"]
        ep.data_capture_config = p["new_data_capture"]
        ep.failure_reason = None
    for v in ep.production_variants:
        if "DesiredInstanceCount" in v:
            v["CurrentInstanceCount"] = v["DesiredInstanceCount"]
        if "DesiredWeight" in v:
            v["CurrentWeight"] = v["DesiredWeight"]
    ep.endpoint_status = IN_SERVICE


def advance(backend: Backend, ep: Any, poll: bool) -> None:
    """Complete `ep`'s transition if it is due. `poll=True` counts one DescribeEndpoint call."""
    p = _pending(ep)
    if p is None:
        return
    if p.get("rollout") is not None:
        from . import rollout

        rollout.advance(backend, ep, p, poll)
        return
    if p["deadline"] is not None:
        done = time.time() >= p["deadline"]
    elif poll:
        if p["polls_seen"] >= p["polls_needed"]:
            done = True
        else:
            p["polls_seen"] += 1
            done = False
    else:
        done = False
    if done:
        _complete(backend, ep)


def current_endpoint(backend: Backend, name: str) -> Any:
    """The endpoint after applying due time-based transitions, or None."""
    ep = backend.endpoints.get(name)
    if ep is not None:
        advance(backend, ep, poll=False)
    return backend.endpoints.get(name)


def _data_capture_summary(dc: Optional[dict[str, Any]]) -> Optional[dict[str, Any]]:
    if not dc:
        return None
    enabled = dc.get("EnableCapture", True)
    out = {
        "EnableCapture": enabled,
        "CaptureStatus": "Started" if enabled else "Stopped",
        "CurrentSamplingPercentage": dc.get("InitialSamplingPercentage"),
        "DestinationS3Uri": dc.get("DestinationS3Uri"),
        "KmsKeyId": dc.get("KmsKeyId"),
    }
    return {k: v for k, v in out.items() if v is not None}


def describe(backend: Backend, ep: Any) -> dict[str, Any]:
    resp: dict[str, Any] = {
        "EndpointName": ep.endpoint_name,
        "EndpointArn": ep.arn,
        "EndpointConfigName": ep.endpoint_config_name,
        "ProductionVariants": [dict(v) for v in ep.production_variants],
        "EndpointStatus": ep.endpoint_status,
        "CreationTime": ep.creation_time,
        "LastModifiedTime": ep.last_modified_time,
    }
    dc = _data_capture_summary(ep.data_capture_config)
    if dc:
        resp["DataCaptureConfig"] = dc
    if ep.failure_reason:
        resp["FailureReason"] = ep.failure_reason
    if getattr(ep, "emu_last_deployment_config", None):
        resp["LastDeploymentConfig"] = copy.deepcopy(ep.emu_last_deployment_config)
    p = _pending(ep)
    if p is not None and p["kind"] in ("create", "update"):
        if p["kind"] == "create":
            cfg_name, variants, types = (
                ep.endpoint_config_name, ep.production_variants,
                getattr(ep, "emu_instance_types", {}),
            )
        else:
            cfg_name, variants, types = (
                p["new_config_name"], p["new_variants"], p["new_instance_types"],
            )
        pvs = []
        for v in variants:
            pv = dict(v)
            if types.get(v["VariantName"]):
                pv["InstanceType"] = types[v["VariantName"]]
            pvs.append(pv)
        resp["PendingDeploymentSummary"] = {
            "EndpointConfigName": cfg_name,
            "ProductionVariants": pvs,
            "StartTime": p["start_time"],
        }
    if p is not None and p.get("rollout") is not None:
        from . import rollout

        rollout.describe(ep, p, resp)
    return resp


# ----------------------------------------------------------------------------- backend patches

_orig_create_model = Backend.create_model
_orig_create_endpoint_config = Backend.create_endpoint_config
_orig_list_endpoints = Backend.list_endpoints
_orig_get_resource_from_arn = Backend._get_resource_from_arn


def create_model(self: Backend, *args: Any, **kwargs: Any) -> Any:
    name = kwargs.get("model_name", args[0] if args else None)
    if name in self._models:
        arn = arn_formatter("model", name, self.account_id, self.region_name)
        raise ValidationError(message=f'Cannot create already existing model "{arn}".')
    return _orig_create_model(self, *args, **kwargs)


def create_endpoint_config(self: Backend, *args: Any, **kwargs: Any) -> Any:
    name = kwargs.get("endpoint_config_name", args[0] if args else None)
    if name in self.endpoint_configs:
        raise ValidationError(
            message=f'Cannot create already existing endpoint configuration "{_config_arn(self, name)}".'
        )
    return _orig_create_endpoint_config(self, *args, **kwargs)


def create_endpoint(self: Backend, endpoint_name: str, endpoint_config_name: str,
                    tags: Optional[list[dict[str, str]]] = None) -> Any:
    if endpoint_name in self.endpoints:
        raise ValidationError(
            message=f'Cannot create already existing endpoint "{_endpoint_arn(self, endpoint_name)}".'
        )
    cfg = _get_config(self, endpoint_config_name)
    ep = sm.FakeEndpoint(
        account_id=self.account_id,
        region_name=self.region_name,
        endpoint_name=endpoint_name,
        endpoint_config_name=endpoint_config_name,
        production_variants=cfg.production_variants,
        data_capture_config=cfg.data_capture_config,
        tags=tags or [],
    )
    ep.production_variants = _variants_from_config(cfg)
    ep.emu_instance_types = _instance_types(cfg)
    ep.emu_pending = None
    self.endpoints[endpoint_name] = ep
    start_transition(self, ep, "create", "Creating")
    return ep


def describe_endpoint(self: Backend, endpoint_name: str) -> dict[str, Any]:
    ep = self.endpoints.get(endpoint_name)
    if ep is None:
        raise _endpoint_not_found(self, endpoint_name)
    advance(self, ep, poll=True)
    if endpoint_name not in self.endpoints:  # a Deleting endpoint that just went away
        raise _endpoint_not_found(self, endpoint_name)
    return describe(self, ep)


def delete_endpoint(self: Backend, endpoint_name: str) -> None:
    ep = current_endpoint(self, endpoint_name)
    if ep is None:
        raise _endpoint_not_found(self, endpoint_name)
    if ep.endpoint_status == "Deleting":
        return
    from . import autoscaling

    autoscaling.deregister_endpoint_targets(self.account_id, self.region_name, endpoint_name)
    start_transition(self, ep, "delete", "Deleting")


def list_endpoints(self: Backend, *args: Any, **kwargs: Any) -> Any:
    for name in list(self.endpoints):
        current_endpoint(self, name)
    return _orig_list_endpoints(self, *args, **kwargs)


def update_endpoint(
    self: Backend,
    endpoint_name: str,
    endpoint_config_name: str,
    retain_all_variant_properties: bool = False,
    exclude_retained_variant_properties: Optional[list[dict[str, str]]] = None,
    deployment_config: Optional[dict[str, Any]] = None,
    retain_deployment_config: bool = False,
) -> str:
    ep = current_endpoint(self, endpoint_name)
    if ep is None:
        raise _endpoint_not_found(self, endpoint_name)
    if ep.endpoint_status != IN_SERVICE:
        raise _in_progress(self, endpoint_name)
    cfg = _get_config(self, endpoint_config_name)
    new_types = _instance_types(cfg)
    old_types = getattr(ep, "emu_instance_types", {})

    # Documented: an update that changes the instance type of, or removes, a variant that is a
    # registered scalable target fails (changing only the model is allowed).
    from . import autoscaling

    registered = autoscaling.registered_variants(self.account_id, self.region_name, endpoint_name)
    blocked = sorted(
        v for v in registered
        if v not in new_types or (old_types.get(v) and new_types[v] != old_types.get(v))
    )
    if blocked:
        names = ", ".join(blocked)
        raise ValidationError(
            message=(
                f'The variant(s) "[{names}]" of endpoint "{_endpoint_arn(self, endpoint_name)}" '
                "are registered as scalable targets with Application Auto Scaling; an update "
                "that removes them or changes their instance type is not allowed. Delete their "
                "scaling policies and deregister them (DeregisterScalableTarget) first."
            )
        )

    excluded = set()
    for prop in exclude_retained_variant_properties or []:
        t = prop.get("VariantPropertyType")
        if t not in RETAINABLE:
            raise ValidationError(
                message=(
                    f"Value '{t}' at 'excludeRetainedVariantProperties.member.variantPropertyType' "
                    f"failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(RETAINABLE)}]"
                )
            )
        excluded.add(t)

    new_variants = _variants_from_config(cfg)
    new_data_capture = cfg.data_capture_config
    if retain_all_variant_properties:
        current = {v["VariantName"]: v for v in ep.production_variants}
        for v in new_variants:
            old = current.get(v["VariantName"])
            if old is None:
                continue
            if "DesiredInstanceCount" not in excluded and "DesiredInstanceCount" in old:
                v["DesiredInstanceCount"] = old["DesiredInstanceCount"]
            if "DesiredWeight" not in excluded and "DesiredWeight" in old:
                v["DesiredWeight"] = old["DesiredWeight"]
        if "DataCaptureConfig" not in excluded:
            new_data_capture = ep.data_capture_config
    # Until the update completes the endpoint still runs the old fleet.
    for v in new_variants:
        old = next((o for o in ep.production_variants if o["VariantName"] == v["VariantName"]), None)
        for key in ("CurrentInstanceCount", "CurrentWeight"):
            if old is not None and key in old:
                v[key] = old[key]

    # API UpdateEndpoint, RetainDeploymentConfig: reuse the last deployment configuration.
    if deployment_config is None and retain_deployment_config:
        deployment_config = getattr(ep, "emu_last_deployment_config", None)
    spec = None
    if deployment_config is not None:
        from . import rollout

        spec = rollout.validate(self, ep, cfg, deployment_config)
    failure = emulator_state.get(self.account_id).pop_fail_next_update(endpoint_name, "UpdateEndpoint")
    start_transition(
        self, ep, "update", "Updating",
        rollout_spec=None if failure else spec,
        deployment_config=copy.deepcopy(deployment_config),
        new_config_name=endpoint_config_name,
        new_variants=new_variants,
        new_instance_types=new_types,
        new_data_capture=new_data_capture,
        rollback_reason=failure[0] if failure else None,
        rollback_fails=bool(failure and failure[1]),
    )
    return ep.arn


def update_endpoint_weights_and_capacities(
    self: Backend, endpoint_name: str, desired_weights_and_capacities: list[dict[str, Any]]
) -> str:
    ep = current_endpoint(self, endpoint_name)
    if ep is None:
        raise _endpoint_not_found(self, endpoint_name)
    if ep.endpoint_status != IN_SERVICE:
        raise _in_progress(self, endpoint_name)
    seen: list[str] = []
    by_name = {v["VariantName"]: v for v in ep.production_variants}
    for item in desired_weights_and_capacities:
        name = item.get("VariantName")
        if name in seen:
            raise ValidationError(message=f'The variant name "{name}" was non-unique within the request.')
        if name not in by_name:
            raise ValidationError(
                message=(
                    f'The variant name(s) "{name}" is/are not present within endpoint '
                    f'configuration "{ep.endpoint_config_name}".'
                )
            )
        seen.append(name)
    old_variants = copy.deepcopy(ep.production_variants)
    for item in desired_weights_and_capacities:
        v = by_name[item["VariantName"]]
        if item.get("DesiredWeight") is not None:
            v["DesiredWeight"] = float(item["DesiredWeight"])
        if item.get("DesiredInstanceCount") is not None:
            v["DesiredInstanceCount"] = int(item["DesiredInstanceCount"])
    # Documented: SageMaker sets the endpoint to Updating, then back to InService; a failed
    # update rolls back to the old counts and weights.
    failure = emulator_state.get(self.account_id).pop_fail_next_update(
        endpoint_name, "UpdateEndpointWeightsAndCapacities"
    )
    start_transition(
        self, ep, "weights", "Updating",
        rollback_reason=failure[0] if failure else None,
        rollback_fails=bool(failure and failure[1]),
        old_variants=old_variants if failure else None,
    )
    return ep.arn


def _get_resource_from_arn(self: Backend, arn: str) -> Any:
    resource = _orig_get_resource_from_arn(self, arn)
    if resource is None:
        raise ValidationError(message=f"Could not find resource '{arn}'.")
    return resource


def add_tags(self: Backend, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
    resource = self._get_resource_from_arn(arn)
    for tag in tags or []:
        for existing in resource.tags:
            if existing["Key"] == tag["Key"]:
                existing["Value"] = tag.get("Value", "")
                break
        else:
            resource.tags.append(dict(tag))
    return resource.tags


# ----------------------------------------------------------------------------- response patches

# CreateEndpointConfig members moto 5.2.5 accepts but does not store (API CreateEndpointConfig).
CONFIG_EXTRAS = (
    "ShadowProductionVariants", "ExplainerConfig", "ExecutionRoleArn", "VpcConfig",
    "EnableNetworkIsolation", "MetricsConfig",
)

_orig_resp_create_model = smr.SageMakerResponse.create_model
_orig_resp_create_endpoint_config = smr.SageMakerResponse.create_endpoint_config


def _resp_create_model(self: smr.SageMakerResponse) -> ActionResult:
    result = _orig_resp_create_model(self)
    model = self.sagemaker_backend._models[self._get_param("ModelName")]
    # moto hard-codes False; DescribeModel returns what CreateModel was given (default false).
    model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
    return result


def _resp_describe_model(self: smr.SageMakerResponse) -> ActionResult:
    model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
    resp = dict(model.response_object)
    if not resp.get("VpcConfig"):
        resp.pop("VpcConfig", None)
    return ActionResult(resp)


def _resp_create_endpoint_config(self: smr.SageMakerResponse) -> ActionResult:
    result = _orig_resp_create_endpoint_config(self)
    cfg = self.sagemaker_backend.endpoint_configs[self._get_param("EndpointConfigName")]
    cfg.emu_extra = {k: self._get_param(k) for k in CONFIG_EXTRAS if self._get_param(k) is not None}
    return result


def describe_endpoint_config(self: Backend, endpoint_config_name: str) -> dict[str, Any]:
    cfg = _get_config(self, endpoint_config_name)
    resp = {k: v for k, v in cfg.response_object.items() if k != "EmuExtra"}
    if not resp.get("DataCaptureConfig"):
        resp.pop("DataCaptureConfig", None)
    resp.update(getattr(cfg, "emu_extra", {}))
    return resp


def _resp_update_endpoint(self: smr.SageMakerResponse) -> ActionResult:
    arn = self.sagemaker_backend.update_endpoint(
        endpoint_name=self._get_param("EndpointName"),
        endpoint_config_name=self._get_param("EndpointConfigName"),
        retain_all_variant_properties=bool(self._get_param("RetainAllVariantProperties", False)),
        exclude_retained_variant_properties=self._get_param("ExcludeRetainedVariantProperties") or [],
        deployment_config=self._get_param("DeploymentConfig"),
        retain_deployment_config=bool(self._get_param("RetainDeploymentConfig", False)),
    )
    return ActionResult({"EndpointArn": arn})


def apply() -> None:
    Backend.create_model = create_model
    Backend.create_endpoint_config = create_endpoint_config
    Backend.create_endpoint = create_endpoint
    Backend.describe_endpoint = describe_endpoint
    Backend.delete_endpoint = delete_endpoint
    Backend.list_endpoints = list_endpoints
    Backend.update_endpoint = update_endpoint
    Backend.update_endpoint_weights_and_capacities = update_endpoint_weights_and_capacities
    Backend._get_resource_from_arn = _get_resource_from_arn
    Backend.add_tags = add_tags
    Backend.describe_endpoint_config = describe_endpoint_config
    smr.SageMakerResponse.update_endpoint = _resp_update_endpoint
    smr.SageMakerResponse.create_model = _resp_create_model
    smr.SageMakerResponse.describe_model = _resp_describe_model
    smr.SageMakerResponse.create_endpoint_config = _resp_create_endpoint_config
