"""IAM enforcement patches for moto 5.2.x: resource-level evaluation and AWS-shaped denials.

moto enforces IAM only when `POST /moto-api/reset-auth` asks it to, and then only partly
(moto/core/authorization.py, moto/iam/access_control.py):

- it evaluates the Action element of the caller's identity policies (user and group, inline
  and attached; roles for assumed-role keys) and checks the SigV4 signature;
- it passes the resource `*` for every SageMaker and Application Auto Scaling call, so a
  statement whose Resource names ARNs never matches and only `"Resource": "*"` can allow;
- it never evaluates Condition blocks for identity policies (it has no request context to
  compare them with), and it knows nothing of the permissions an action implies, such as
  `iam:PassRole` for CreateModel's execution role.

These patches give moto the resource of each call endpoint-scale makes, so resource-scoped
policies are evaluated as AWS does, and add the implied checks that AWS documents:

- SageMaker: the ARN of the endpoint, endpoint config or model the request names, with the
  name in lower case (SageMaker reports its ARNs that way); CreateEndpoint and UpdateEndpoint
  are checked on both the endpoint and the endpoint config, as the Service Authorization
  Reference requires. CreateModel also needs `iam:PassRole` on its ExecutionRoleArn.
- Application Auto Scaling: the scalable target's ARN (`scalable-target/...`) for the calls
  on a target; `*` for the Describe calls, which support no resource. The first
  RegisterScalableTarget of the sagemaker namespace in an account needs
  `iam:CreateServiceLinkedRole` on AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint,
  and creates that role. A target tracking PutScalingPolicy needs `cloudwatch:PutMetricAlarm`
  on the alarms Application Auto Scaling makes for it, and deleting such a policy (directly
  or by deregistering its target) `cloudwatch:DeleteAlarms`; the alarm names follow the
  pattern AWS is observed to use, `TargetTracking-<resource id>-AlarmHigh-<uuid>` (not
  documented).

A denial says what AWS says: "User: ARN is not authorized to perform: ACTION on resource:
RESOURCE because no identity-based policy allows the ACTION action" (or "with an explicit deny
in an identity-based policy"). The middleware turns moto's XML error into the JSON error of
the JSON protocol.

Still not emulated: Condition blocks (ignored: a statement applies whatever its conditions),
permission boundaries, SCPs, session policies, resource-based policies, NotResource.
"""

import json
import re
from typing import Any, Optional, Union

from moto.applicationautoscaling import responses as aasr
from moto.iam import access_control as ac
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.sagemaker import responses as smr
from moto.utilities.utils import get_partition

SLR_SERVICE = "sagemaker.application-autoscaling.amazonaws.com"
SLR_NAME = "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
ALARM_UUID = "00000000-0000-0000-0000-000000000000"

# One resource, or several that must all be allowed; each item optionally with the action
# it needs (None: the request's own action).
Check = tuple[Optional[str], str]

SAGEMAKER_NAMED = {
    "CreateEndpoint": ("endpoint", "EndpointName"),
    "DescribeEndpoint": ("endpoint", "EndpointName"),
    "DeleteEndpoint": ("endpoint", "EndpointName"),
    "UpdateEndpoint": ("endpoint", "EndpointName"),
    "UpdateEndpointWeightsAndCapacities": ("endpoint", "EndpointName"),
    "CreateEndpointConfig": ("endpoint-config", "EndpointConfigName"),
    "DescribeEndpointConfig": ("endpoint-config", "EndpointConfigName"),
    "DeleteEndpointConfig": ("endpoint-config", "EndpointConfigName"),
    "CreateModel": ("model", "ModelName"),
    "DescribeModel": ("model", "ModelName"),
    "DeleteModel": ("model", "ModelName"),
}
SAGEMAKER_BY_ARN = {"AddTags", "DeleteTags", "ListTags"}
AAS_ON_TARGET = {
    "RegisterScalableTarget", "DeregisterScalableTarget", "PutScalingPolicy",
    "DeleteScalingPolicy", "PutScheduledAction", "DeleteScheduledAction",
}
AAS_BY_ARN = {"TagResource", "UntagResource", "ListTagsForResource"}


def _action(self: Any) -> str:
    return self._get_action()


def _sagemaker_arn(self: Any, kind: str, name: str) -> str:
    # SageMaker reports ARNs with the resource name in lower case, whatever its case.
    partition = get_partition(self.region)
    return f"arn:{partition}:sagemaker:{self.region}:{self.current_account}:{kind}/{name.lower()}"


def sagemaker_resource(self: smr.SageMakerResponse) -> Union[str, list[Check]]:
    action = _action(self)
    if action in SAGEMAKER_BY_ARN:
        return self._get_param("ResourceArn") or "*"
    named = SAGEMAKER_NAMED.get(action)
    if not named:
        return "*"
    kind, param = named
    checks: list[Check] = [(None, _sagemaker_arn(self, kind, self._get_param(param) or ""))]
    if action in ("CreateEndpoint", "UpdateEndpoint"):
        config = self._get_param("EndpointConfigName") or ""
        checks.append((None, _sagemaker_arn(self, "endpoint-config", config)))
    if action == "CreateModel" and self._get_param("ExecutionRoleArn"):
        checks.append(("iam:PassRole", self._get_param("ExecutionRoleArn")))
    return checks


def _aas_target(self: aasr.ApplicationAutoScalingResponse) -> Any:
    backend = self.applicationautoscaling_backend
    dimension = self._get_param("ScalableDimension")
    return backend.targets.get(dimension, {}).get(self._get_param("ResourceId"))


def _alarm_arns(self: Any, resource_id: str) -> list[str]:
    partition = get_partition(self.region)
    base = f"arn:{partition}:cloudwatch:{self.region}:{self.current_account}:alarm:TargetTracking-{resource_id}"
    return [f"{base}-AlarmHigh-{ALARM_UUID}", f"{base}-AlarmLow-{ALARM_UUID}"]


def _target_tracking_policies(self: aasr.ApplicationAutoScalingResponse, resource_id: str,
                              name: Optional[str]) -> list[Any]:
    return [
        p for p in self.applicationautoscaling_backend.policies.values()
        if p.resource_id == resource_id and p.policy_type == "TargetTrackingScaling"
        and (name is None or p.policy_name == name)
    ]


def _slr_exists(account: str, region: str) -> bool:
    from moto.iam.models import iam_backends

    backend = iam_backends[account][get_partition(region)]
    return any(r.name == SLR_NAME for r in backend.roles.values())


def create_service_linked_role(account: str, region: str) -> None:
    """Creates the SageMaker scaling service-linked role, as the first RegisterScalableTarget
    of the sagemaker namespace does in AWS."""
    from moto.iam.models import iam_backends

    if _slr_exists(account, region):
        return
    # moto's CreateServiceLinkedRole derives another name (..._Sagemaker); AWS's is SLR_NAME.
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Principal": {"Service": [SLR_SERVICE]}}]}
    iam_backends[account][get_partition(region)].create_role(
        SLR_NAME, json.dumps(trust), f"/aws-service-role/{SLR_SERVICE}/", permissions_boundary=None,
        description="", tags=[], max_session_duration="3600", linked_service=SLR_SERVICE)


def autoscaling_resource(self: aasr.ApplicationAutoScalingResponse) -> Union[str, list[Check]]:
    action = _action(self)
    if action in AAS_BY_ARN:
        return self._get_param("ResourceARN") or "*"
    if action not in AAS_ON_TARGET:
        return "*"
    target = _aas_target(self)
    partition = get_partition(self.region)
    arn = target.arn if target is not None else (
        f"arn:{partition}:application-autoscaling:{self.region}:{self.current_account}:scalable-target/new")
    checks: list[Check] = [(None, arn)]
    resource_id = self._get_param("ResourceId") or ""
    sagemaker = self._get_param("ServiceNamespace") == "sagemaker"
    if action == "RegisterScalableTarget" and sagemaker and not _slr_exists(self.current_account, self.region):
        slr = f"arn:{partition}:iam::{self.current_account}:role/aws-service-role/{SLR_SERVICE}/{SLR_NAME}"
        checks.append(("iam:CreateServiceLinkedRole", slr))
    if action == "PutScalingPolicy" and self._get_param("PolicyType") == "TargetTrackingScaling":
        checks.extend(("cloudwatch:PutMetricAlarm", a) for a in _alarm_arns(self, resource_id))
    deleted = []
    if action == "DeleteScalingPolicy":
        deleted = _target_tracking_policies(self, resource_id, self._get_param("PolicyName"))
    if action == "DeregisterScalableTarget":
        deleted = _target_tracking_policies(self, resource_id, None)
    if deleted:
        checks.extend(("cloudwatch:DeleteAlarms", a) for a in _alarm_arns(self, resource_id))
    return checks


def _denied(request: Any, action: str, resource: str, explicit: bool) -> None:
    on = f" on resource: {resource}" if resource != "*" else ""
    why = ("with an explicit deny in an identity-based policy" if explicit
           else f"because no identity-based policy allows the {action} action")
    raise ac.AccessDeniedError(user_arn=request._access_key.arn, action=f"{action}{on} {why}")


def check_action_permitted(self: ac.IAMRequestBase, resource: Any) -> None:
    """moto's check, for each (action, resource) the call needs; the first one refused names
    itself in the denial. sts:GetCallerIdentity needs no permission (STS API reference)."""
    if self._action == "sts:GetCallerIdentity":
        return
    checks = resource if isinstance(resource, list) else [(None, resource)]
    policies = [IAMPolicy(p) for p in self._access_key.collect_policies()]
    for action, arn in checks:
        action = action or self._action
        permitted = False
        for policy in policies:
            result = policy.is_action_permitted(action, arn)
            if result == PermissionResult.DENIED:
                _denied(self, action, arn, explicit=True)
            permitted = permitted or result == PermissionResult.PERMITTED
        if not permitted:
            _denied(self, action, arn, explicit=False)


def _iam_match(pattern: str, value: str, ignore_case: bool) -> bool:
    # IAM's wildcards: `*` any run of characters, `?` exactly one; everything else literal
    # (moto turned only `*` into a regex and left the rest unescaped, so `?` broke it).
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def check_element_matches(self: ac.IAMPolicyStatement, element: str, value: str) -> bool:
    """IAM matching: action names are case-insensitive, ARNs case-sensitive (IAM User Guide,
    "IAM JSON policy elements")."""
    patterns = self._statement[element]
    if isinstance(patterns, str):
        patterns = [patterns]
    return any(_iam_match(p, value, element in ("Action", "NotAction")) for p in patterns)


def apply() -> None:
    smr.SageMakerResponse._determine_resource = sagemaker_resource
    aasr.ApplicationAutoScalingResponse._determine_resource = autoscaling_resource
    ac.IAMRequestBase.check_action_permitted = check_action_permitted
    ac.IAMPolicyStatement._check_element_matches = check_element_matches
