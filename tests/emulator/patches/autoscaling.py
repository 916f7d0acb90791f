"""Application Auto Scaling patches for moto 5.2.x.

Adds SageMaker-aware RegisterScalableTarget validation (endpoint/variant must exist and be
InService, no burstable ml.t* variants, MinCapacity <= MaxCapacity, min/max required for a new
target), Tags on RegisterScalableTarget + ListTagsForResource/TagResource/UntagResource,
cascading DeregisterScalableTarget (policies and scheduled actions), ObjectNotFoundException for
PutScalingPolicy/PutScheduledAction on an unregistered target, the documented rules of a target
tracking policy's metric (moto stores it unchecked), and correct pagination/filters in
DescribeScalableTargets, DescribeScalingPolicies and DescribeScheduledActions.
"""

import json
import re
from typing import Any, Optional

from moto.applicationautoscaling import models as aas
from moto.applicationautoscaling import responses as aasr
from moto.applicationautoscaling.exceptions import AWSValidationException
from moto.core.exceptions import JsonRESTError

Backend = aas.ApplicationAutoscalingBackend
Response = aasr.ApplicationAutoScalingResponse
SAGEMAKER_DIMENSION = "sagemaker:variant:DesiredInstanceCount"
VARIANT_RID = re.compile(r"^endpoint/([^/]+)/variant/([^/]+)$")
BURSTABLE = re.compile(r"^ml\.t\d")
PAGE_MAX = 50


class ObjectNotFoundException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ObjectNotFoundException", message)


class ResourceNotFoundException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


class InvalidNextTokenException(JsonRESTError):
    def __init__(self, message: str = "Invalid NextToken") -> None:
        super().__init__("InvalidNextTokenException", message)


def _backend(account_id: str, region: str) -> Backend:
    return aas.applicationautoscaling_backends[account_id][region]


# ----------------------------------------------------------------------------- cross-service helpers

def registered_variants(account_id: str, region: str, endpoint_name: str) -> set[str]:
    """Names of the endpoint's variants that are registered scalable targets."""
    backend = _backend(account_id, region)
    out = set()
    for dimension, targets in backend.targets.items():
        for rid, t in targets.items():
            m = VARIANT_RID.match(rid)
            if t.service_namespace == "sagemaker" and m and m.group(1) == endpoint_name:
                out.add(m.group(2))
    return out


def deregister_endpoint_targets(account_id: str, region: str, endpoint_name: str) -> None:
    """What DeleteEndpoint makes Application Auto Scaling do: deregister the variants' targets."""
    backend = _backend(account_id, region)
    for dimension, targets in list(backend.targets.items()):
        for rid, t in list(targets.items()):
            m = VARIANT_RID.match(rid)
            if t.service_namespace == "sagemaker" and m and m.group(1) == endpoint_name:
                backend.deregister_scalable_target("sagemaker", rid, dimension)


def _check_sagemaker_variant(backend: Backend, r_id: str) -> None:
    from moto.sagemaker.models import sagemaker_backends

    from . import sagemaker as sm_patch

    m = VARIANT_RID.match(r_id)
    if not m:
        raise AWSValidationException(
            f"Unsupported resource ID {r_id}: a SageMaker variant resource ID has the form "
            "endpoint/<endpoint-name>/variant/<variant-name>"
        )
    endpoint_name, variant_name = m.groups()
    smb = sagemaker_backends[backend.account_id][backend.region_name]
    ep = sm_patch.current_endpoint(smb, endpoint_name)
    if ep is None or ep.endpoint_status == "Deleting":
        raise AWSValidationException(f"The endpoint {endpoint_name} does not exist.")
    if not any(v["VariantName"] == variant_name for v in ep.production_variants):
        raise AWSValidationException(
            f"The variant {variant_name} does not exist on endpoint {endpoint_name}."
        )
    if ep.endpoint_status != "InService":
        raise AWSValidationException(
            f"Endpoint {endpoint_name} is in status {ep.endpoint_status}; a scalable target can "
            "only be registered for a variant of an endpoint that is InService."
        )
    instance_type = getattr(ep, "emu_instance_types", {}).get(variant_name)
    if instance_type and BURSTABLE.match(instance_type):
        raise AWSValidationException(
            f"The instance type {instance_type} of variant {variant_name} on endpoint "
            f"{endpoint_name} is a burstable instance type; automatic scaling is not supported "
            "for burstable instances."
        )


def _target_exists(backend: Backend, r_id: str, dimension: str) -> bool:
    return r_id in backend.targets.get(dimension, {})


def _not_registered(namespace: str, r_id: str, dimension: str) -> ObjectNotFoundException:
    return ObjectNotFoundException(
        f"No scalable target registered for service namespace: {namespace}, resource ID: "
        f"{r_id}, scalable dimension: {dimension}"
    )


# ----------------------------------------------------------------------------- backend patches

_orig_register = Backend.register_scalable_target
_orig_deregister = Backend.deregister_scalable_target
_orig_put_policy = Backend.put_scaling_policy
_orig_put_scheduled = Backend.put_scheduled_action


def register_scalable_target(self: Backend, namespace: str, r_id: str, dimension: str,
                             min_capacity: Optional[int], max_capacity: Optional[int],
                             role_arn: str, suspended_state: Any,
                             tags: Optional[dict[str, str]] = None) -> Any:
    aas._target_params_are_valid(namespace, r_id, dimension)
    existing = self.targets.get(dimension, {}).get(r_id)
    if existing is None and (min_capacity is None or max_capacity is None):
        raise AWSValidationException(
            "MinCapacity and MaxCapacity are required when registering a new scalable target."
        )
    eff_min = min_capacity if min_capacity is not None else existing.min_capacity
    eff_max = max_capacity if max_capacity is not None else existing.max_capacity
    if eff_min is not None and eff_max is not None and eff_min > eff_max:
        raise AWSValidationException(
            f"Minimum capacity ({eff_min}) cannot be greater than maximum capacity ({eff_max})."
        )
    if eff_min is not None and eff_min < 0:
        raise AWSValidationException("Minimum capacity cannot be negative.")
    if namespace == "sagemaker":
        _check_sagemaker_variant(self, r_id)
    target = _orig_register(self, namespace, r_id, dimension, min_capacity, max_capacity,
                            role_arn, suspended_state)
    if existing is None:
        # Documented: Tags apply when the target is created; tag an existing one with TagResource.
        target.tags = dict(tags or {})
    return target


def deregister_scalable_target(self: Backend, namespace: str, r_id: str, dimension: str) -> None:
    _orig_deregister(self, namespace, r_id, dimension)
    # Documented: deregistering deletes the target's scaling policies and scheduled actions.
    for key, policy in list(self.policies.items()):
        if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (
            namespace, r_id, dimension
        ):
            if policy.alarms:
                policy.delete_alarms(self.account_id, self.region_name)
            del self.policies[key]
    self.scheduled_actions = [
        a for a in self.scheduled_actions
        if (a.service_namespace, a.resource_id, a.scalable_dimension) != (namespace, r_id, dimension)
    ]


def _api_enum(shape: str) -> list[str]:
    """An enum of the Application Auto Scaling API model botocore ships (moto depends on it)."""
    from botocore.loaders import Loader
    model = Loader().load_service_model("application-autoscaling", "service-2")
    return list(model["shapes"][shape]["enum"])


def _enum_error(value: Any, where: str, allowed: list[str]) -> AWSValidationException:
    return AWSValidationException(
        f"1 validation error detected: Value '{value}' at '{where}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def _check_target_tracking(config: Any) -> None:
    """What the API reference documents for TargetTrackingScalingPolicyConfiguration, which moto
    stores unchecked: a predefined metric or a customized one (not both, not neither); the
    PredefinedMetricType and the Statistic from their enums; ResourceLabel only with
    ALBRequestCountPerTarget. The messages are the emulator's: AWS does not document its words
    for the first and last rule."""
    if not isinstance(config, dict):
        return
    predefined = config.get("PredefinedMetricSpecification")
    customized = config.get("CustomizedMetricSpecification")
    if (predefined is None) == (customized is None):
        raise AWSValidationException(
            "Specify either a predefined metric or a customized metric in "
            "TargetTrackingScalingPolicyConfiguration, not both or neither."
        )
    if predefined is not None:
        metric_type = predefined.get("PredefinedMetricType")
        allowed = _api_enum("MetricType")
        if metric_type not in allowed:
            raise _enum_error(metric_type, "targetTrackingScalingPolicyConfiguration."
                              "predefinedMetricSpecification.predefinedMetricType", allowed)
        if predefined.get("ResourceLabel") is not None and metric_type != "ALBRequestCountPerTarget":
            raise AWSValidationException(
                f"ResourceLabel can only be specified for the ALBRequestCountPerTarget metric type, not {metric_type}."
            )
    if customized is not None and not customized.get("Metrics"):
        statistic = customized.get("Statistic")
        allowed = _api_enum("MetricStatistic")
        if statistic not in allowed:
            raise _enum_error(statistic, "targetTrackingScalingPolicyConfiguration."
                              "customizedMetricSpecification.statistic", allowed)


def put_scaling_policy(self: Backend, policy_name: str, service_namespace: str,
                       resource_id: str, scalable_dimension: str, policy_body: Any,
                       policy_type: Optional[str]) -> Any:
    if not _target_exists(self, resource_id, scalable_dimension):
        raise _not_registered(service_namespace, resource_id, scalable_dimension)
    if policy_type == "TargetTrackingScaling":
        _check_target_tracking(policy_body)
    return _orig_put_policy(self, policy_name, service_namespace, resource_id,
                            scalable_dimension, policy_body, policy_type)


def put_scheduled_action(self: Backend, service_namespace: str, schedule: str, timezone: str,
                         scheduled_action_name: str, resource_id: str, scalable_dimension: str,
                         *args: Any, **kwargs: Any) -> None:
    if not _target_exists(self, resource_id, scalable_dimension):
        raise _not_registered(service_namespace, resource_id, scalable_dimension)
    return _orig_put_scheduled(self, service_namespace, schedule, timezone,
                               scheduled_action_name, resource_id, scalable_dimension,
                               *args, **kwargs)


def _target_by_arn(self: Backend, arn: str) -> Any:
    for targets in self.targets.values():
        for t in targets.values():
            if t.arn == arn:
                return t
    raise ResourceNotFoundException(f"Scalable target with ARN {arn} not found.")


# ----------------------------------------------------------------------------- response patches

def _page(self: Response, items: list[Any]) -> tuple[list[Any], Optional[str]]:
    max_results = self._get_int_param("MaxResults")
    if max_results is None:
        max_results = PAGE_MAX
    if max_results < 1 or max_results > PAGE_MAX:
        raise AWSValidationException(
            f"1 validation error detected: Value '{max_results}' at 'maxResults' failed to "
            f"satisfy constraint: Member must have value {'less' if max_results > PAGE_MAX else 'greater'} "
            f"than or equal to {PAGE_MAX if max_results > PAGE_MAX else 1}"
        )
    token = self._get_param("NextToken")
    start = 0
    if token:
        try:
            start = int(token)
        except ValueError:
            raise InvalidNextTokenException()
        if start < 0 or start > len(items):
            raise InvalidNextTokenException()
    page = items[start:start + max_results]
    end = start + len(page)
    return page, (str(end) if end < len(items) else None)


def _dump(obj: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in obj.items() if v is not None})


def resp_register_scalable_target(self: Response) -> str:
    self._validate_params()
    target = self.applicationautoscaling_backend.register_scalable_target(
        self._get_param("ServiceNamespace"),
        self._get_param("ResourceId"),
        self._get_param("ScalableDimension"),
        min_capacity=self._get_int_param("MinCapacity"),
        max_capacity=self._get_int_param("MaxCapacity"),
        role_arn=self._get_param("RoleARN"),
        suspended_state=self._get_param("SuspendedState"),
        tags=self._get_param("Tags"),
    )
    if self._get_param("ServiceNamespace") == "sagemaker":
        # The first registration of the namespace in an account creates its service-linked
        # role (Application Auto Scaling user guide, "Service-linked roles").
        from .iam import create_service_linked_role

        create_service_linked_role(self.current_account, self.region)
    return json.dumps({"ScalableTargetARN": target.arn})


def resp_describe_scalable_targets(self: Response) -> str:
    self._validate_params()
    targets = self.applicationautoscaling_backend.describe_scalable_targets(
        self._get_param("ServiceNamespace"),
        self._get_param("ResourceIds"),
        self._get_param("ScalableDimension"),
    )
    page, token = _page(self, targets)
    return _dump({"ScalableTargets": [aasr._build_target(t) for t in page], "NextToken": token})


def resp_describe_scaling_policies(self: Response) -> str:
    self._validate_params()
    namespace = self._get_param("ServiceNamespace")
    names = self._get_param("PolicyNames")
    resource_id = self._get_param("ResourceId")
    dimension = self._get_param("ScalableDimension")
    policies = [
        p for p in self.applicationautoscaling_backend.policies.values()
        if p.service_namespace == namespace
        and (not names or p.policy_name in names)
        and (not resource_id or p.resource_id == resource_id)
        and (not dimension or p.scalable_dimension == dimension)
    ]
    page, token = _page(self, policies)
    return _dump({"ScalingPolicies": [aasr._build_policy(p) for p in page], "NextToken": token})


def resp_describe_scheduled_actions(self: Response) -> str:
    self._validate_params()
    actions = self.applicationautoscaling_backend.describe_scheduled_actions(
        scheduled_action_names=self._get_param("ScheduledActionNames"),
        service_namespace=self._get_param("ServiceNamespace"),
        resource_id=self._get_param("ResourceId"),
        scalable_dimension=self._get_param("ScalableDimension"),
    )
    page, token = _page(self, actions)
    return _dump({
        "ScheduledActions": [aasr._build_scheduled_action(a) for a in page],
        "NextToken": token,
    })


def resp_list_tags_for_resource(self: Response) -> str:
    target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    return json.dumps({"Tags": dict(getattr(target, "tags", {}))})


def resp_tag_resource(self: Response) -> str:
    target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    if not hasattr(target, "tags"):
        target.tags = {}
    target.tags.update(self._get_param("Tags") or {})
    return json.dumps({})


def resp_untag_resource(self: Response) -> str:
    target = _target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    for key in self._get_param("TagKeys") or []:
        getattr(target, "tags", {}).pop(key, None)
    return json.dumps({})


def apply() -> None:
    Backend.register_scalable_target = register_scalable_target
    Backend.deregister_scalable_target = deregister_scalable_target
    Backend.put_scaling_policy = put_scaling_policy
    Backend.put_scheduled_action = put_scheduled_action
    Response.register_scalable_target = resp_register_scalable_target
    Response.describe_scalable_targets = resp_describe_scalable_targets
    Response.describe_scaling_policies = resp_describe_scaling_policies
    Response.describe_scheduled_actions = resp_describe_scheduled_actions
    Response.list_tags_for_resource = resp_list_tags_for_resource
    Response.tag_resource = resp_tag_resource
    Response.untag_resource = resp_untag_resource
