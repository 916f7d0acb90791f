//! The least-privilege IAM policy for running endpoint-scale on one spec: which actions `plan`,
//! `apply`, `diff` and `destroy` call, on which resources, under which conditions. Pure: it
//! reads the spec's resources (`resources::desired`) and knows what the commands call (live.rs,
//! apply.rs, aws/sdk.rs); it makes no AWS call.
//!
//! Where the policy comes from (AWS Service Authorization Reference, "Actions, resources, and
//! condition keys for Amazon SageMaker" and "... for AWS Application Auto Scaling"):
//! - SageMaker actions on endpoints, endpoint configs and models take those resources' ARNs;
//!   CreateEndpoint and UpdateEndpoint need both the endpoint and the endpoint config. The
//!   configs and models endpoint-scale creates are named `<endpoint>-` and eight hex digits
//!   ([`resources::NAME_SUFFIX_LEN`]), which the `?` wildcard (one character each) matches
//!   exactly. SageMaker's List* actions support no resource: `*`.
//! - Application Auto Scaling's actions on a target take the target's ARN, whose id AWS
//!   chooses (`scalable-target/<id>`), so `scalable-target/*`, narrowed by the condition keys
//!   `application-autoscaling:service-namespace` and `...:scalable-dimension`; its Describe*
//!   actions support no resource: `*`.
//! - Tag conditions keep the writes to what this project owns: creates must carry the
//!   `endpoint-scale:project` tag (`aws:RequestTag`), changes and deletes need the resource to
//!   carry it (`aws:ResourceTag`). Adoption tags an endpoint that has no ownership tags yet, so
//!   it gets a statement of its own that allows AddTags only with the project's tag.
//! - Implied permissions: CreateModel passes the execution role (`iam:PassRole`, only to
//!   SageMaker); the first RegisterScalableTarget creates Application Auto Scaling's SageMaker
//!   service-linked role; target tracking makes CloudWatch alarms on the caller's behalf
//!   (Application Auto Scaling user guide: "Identity-based policy examples", "Service-linked
//!   roles").
//! - STS GetCallerIdentity needs no permission (STS API reference), so no statement grants it.
//!
//! Statement order is fixed ([`Grant`]'s order) and every list is sorted, so the same spec
//! always prints the same document.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::model::{Desired, RollbackAlarm};
use crate::resources::{self, Resource, NAME_SUFFIX_LEN, SCALABLE_DIMENSION, TAG_PROJECT};

/// The commands a policy can be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Command {
    Plan,
    Apply,
    Diff,
    Destroy,
}

impl Command {
    pub const ALL: [Command; 4] = [Command::Plan, Command::Apply, Command::Diff, Command::Destroy];
}

/// Where the policy applies: ARN parts, and whether `--prune` is used with plan and apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: String,
    /// A region code, or `*`.
    pub region: String,
    /// A 12-digit account id, or `*`.
    pub account: String,
    /// plan and apply run with `--prune`: they read every endpoint of the account and delete
    /// this project's endpoints that left the spec.
    pub prune: bool,
    /// Grant apply and destroy the deletion of owned rollout alarms even when no endpoint of
    /// the spec has a `rollout:` (`--delete-owned-alarms`): what removing the last `rollout:`
    /// (or pruning an endpoint that had one) leaves to delete.
    pub delete_owned_alarms: bool,
}

impl Scope {
    /// The partition of a region: `cn-*` regions are in `aws-cn`, `us-gov-*` in `aws-us-gov`,
    /// the others (and `*`) in `aws`.
    pub fn partition_of(region: &str) -> &'static str {
        if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        }
    }
}

/// The statements, in the order the policy lists them. The variant name is the statement's
/// `Sid`, so that a denial, a policy diff and the README speak of the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grant {
    SageMakerList,
    SageMakerRead,
    AutoScalingRead,
    AutoScalingReadTags,
    SageMakerCreate,
    PassExecutionRoles,
    SageMakerUpdateOwned,
    SageMakerTagOwned,
    SageMakerAdoptEndpoints,
    SageMakerDeleteOwned,
    AutoScalingConfigure,
    AutoScalingRemove,
    AutoScalingTagOwned,
    AutoScalingTagOnRegister,
    AutoScalingServiceLinkedRole,
    TargetTrackingAlarms,
    RolloutAlarmsRead,
    RolloutAlarmsWrite,
    RolloutAlarmsDeleteOwned,
}

impl Grant {
    pub const ALL: [Grant; 19] = [
        Grant::SageMakerList,
        Grant::SageMakerRead,
        Grant::AutoScalingRead,
        Grant::AutoScalingReadTags,
        Grant::SageMakerCreate,
        Grant::PassExecutionRoles,
        Grant::SageMakerUpdateOwned,
        Grant::SageMakerTagOwned,
        Grant::SageMakerAdoptEndpoints,
        Grant::SageMakerDeleteOwned,
        Grant::AutoScalingConfigure,
        Grant::AutoScalingRemove,
        Grant::AutoScalingTagOwned,
        Grant::AutoScalingTagOnRegister,
        Grant::AutoScalingServiceLinkedRole,
        Grant::TargetTrackingAlarms,
        Grant::RolloutAlarmsRead,
        Grant::RolloutAlarmsWrite,
        Grant::RolloutAlarmsDeleteOwned,
    ];

    pub fn sid(self) -> &'static str {
        match self {
            Grant::SageMakerList => "SageMakerList",
            Grant::SageMakerRead => "SageMakerRead",
            Grant::AutoScalingRead => "AutoScalingRead",
            Grant::AutoScalingReadTags => "AutoScalingReadTags",
            Grant::SageMakerCreate => "SageMakerCreate",
            Grant::PassExecutionRoles => "PassExecutionRoles",
            Grant::SageMakerUpdateOwned => "SageMakerUpdateOwned",
            Grant::SageMakerTagOwned => "SageMakerTagOwned",
            Grant::SageMakerAdoptEndpoints => "SageMakerAdoptEndpoints",
            Grant::SageMakerDeleteOwned => "SageMakerDeleteOwned",
            Grant::AutoScalingConfigure => "AutoScalingConfigure",
            Grant::AutoScalingRemove => "AutoScalingRemove",
            Grant::AutoScalingTagOwned => "AutoScalingTagOwned",
            Grant::AutoScalingTagOnRegister => "AutoScalingTagOnRegister",
            Grant::AutoScalingServiceLinkedRole => "AutoScalingServiceLinkedRole",
            Grant::TargetTrackingAlarms => "TargetTrackingAlarms",
            Grant::RolloutAlarmsRead => "RolloutAlarmsRead",
            Grant::RolloutAlarmsWrite => "RolloutAlarmsWrite",
            Grant::RolloutAlarmsDeleteOwned => "RolloutAlarmsDeleteOwned",
        }
    }
}

/// `{"StringEquals": {"aws:ResourceTag/endpoint-scale:project": "recommendations"}}`.
pub type Condition = BTreeMap<String, BTreeMap<String, String>>;

/// One `Allow` statement of the policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    #[serde(rename = "Sid")]
    pub sid: String,
    #[serde(rename = "Effect")]
    pub effect: &'static str,
    #[serde(rename = "Action")]
    pub actions: Vec<String>,
    #[serde(rename = "Resource")]
    pub resources: Vec<String>,
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
}

/// An IAM identity-based policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    #[serde(rename = "Version")]
    pub version: &'static str,
    #[serde(rename = "Statement")]
    pub statements: Vec<Statement>,
}

impl Policy {
    /// The document as pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The same policy without the statement `sid`.
    pub fn without(&self, sid: &str) -> Policy {
        Policy { version: self.version, statements: self.statements.iter().filter(|s| s.sid != sid).cloned().collect() }
    }
}

/// The service principal SageMaker execution roles are passed to.
const SAGEMAKER_PRINCIPAL: &str = "sagemaker.amazonaws.com";
/// Application Auto Scaling's service-linked role for SageMaker variants and its service
/// (Application Auto Scaling user guide, "Service-linked roles").
const SLR_SERVICE: &str = "sagemaker.application-autoscaling.amazonaws.com";
const SLR_NAME: &str = "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint";

/// What the policy is built from: the spec's endpoints as the resources name them.
struct Endpoint {
    name: String,
    adopt: bool,
}

/// One statement under construction: its actions, its resources and its condition.
type Draft = (BTreeSet<String>, BTreeSet<String>, Option<Condition>);

/// The statements under construction, per grant.
#[derive(Default)]
struct Builder {
    grants: BTreeMap<Grant, Draft>,
}

impl Builder {
    fn add<'a>(
        &mut self,
        grant: Grant,
        actions: impl IntoIterator<Item = &'a str>,
        resources: impl IntoIterator<Item = String>,
        condition: Option<Condition>,
    ) {
        let entry = self.grants.entry(grant).or_insert_with(|| (BTreeSet::new(), BTreeSet::new(), condition));
        entry.0.extend(actions.into_iter().map(str::to_string));
        entry.1.extend(resources);
    }

    fn finish(self) -> Policy {
        let statements = self
            .grants
            .into_iter()
            .filter(|(_, (actions, resources, _))| !actions.is_empty() && !resources.is_empty())
            .map(|(grant, (actions, resources, condition))| Statement {
                sid: grant.sid().to_string(),
                effect: "Allow",
                actions: actions.into_iter().collect(),
                resources: compact(resources),
                condition,
            })
            .collect();
        Policy { version: "2012-10-17", statements }
    }
}

/// The resources with those another of them covers left out (`endpoint/*` covers
/// `endpoint/rec`), so `--for all` does not list a name beside the wildcard that includes it.
fn compact(resources: BTreeSet<String>) -> Vec<String> {
    resources.iter().filter(|r| !resources.iter().any(|w| w != *r && glob(w, r))).cloned().collect()
}

/// IAM's ARN wildcards: `*` any run of characters, `?` exactly one (IAM User Guide, "IAM JSON
/// policy elements: Resource").
fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|i| go(rest, &t[i..])),
            Some(('?', rest)) => !t.is_empty() && go(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    go(&p, &t)
}

fn string_equals(pairs: &[(&str, &str)]) -> Option<Condition> {
    let inner = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Some(BTreeMap::from([("StringEquals".to_string(), inner)]))
}

/// The resource carries this project's ownership tag: changes and deletes.
fn owned(project: &str) -> Option<Condition> {
    string_equals(&[(&format!("aws:ResourceTag/{TAG_PROJECT}"), project)])
}

/// The request sets this project's ownership tag: creates, and tagging what has no tags yet.
fn tagged_on_create(project: &str) -> Option<Condition> {
    string_equals(&[(&format!("aws:RequestTag/{TAG_PROJECT}"), project)])
}

/// Application Auto Scaling calls on SageMaker variants' instance counts only.
fn sagemaker_targets() -> Option<Condition> {
    string_equals(&[
        ("application-autoscaling:service-namespace", "sagemaker"),
        ("application-autoscaling:scalable-dimension", SCALABLE_DIMENSION),
    ])
}

/// ARNs and patterns of the spec's resources.
struct Arns<'a> {
    scope: &'a Scope,
}

impl Arns<'_> {
    fn sagemaker(&self, kind: &str, name: &str) -> String {
        let Scope { partition, region, account, .. } = self.scope;
        format!("arn:{partition}:sagemaker:{region}:{account}:{kind}/{name}")
    }

    /// SageMaker reports its ARNs with the name in lower case (observed, not documented: see
    /// docs/iam.md), so a name with capitals gets both spellings.
    fn sagemaker_names(&self, kind: &str, name: &str) -> Vec<String> {
        let lower = name.to_ascii_lowercase();
        let mut out = vec![self.sagemaker(kind, &lower)];
        if lower != name {
            out.push(self.sagemaker(kind, name));
        }
        out
    }

    fn endpoint(&self, name: &str) -> Vec<String> {
        self.sagemaker_names("endpoint", name)
    }

    /// The configs or models endpoint-scale names after an endpoint: `<endpoint>-????????`.
    fn derived(&self, kind: &str, endpoint: &str) -> Vec<String> {
        let suffix = "?".repeat(NAME_SUFFIX_LEN - 1);
        self.sagemaker_names(kind, &format!("{endpoint}-{suffix}"))
    }

    fn any(&self, kind: &str) -> String {
        self.sagemaker(kind, "*")
    }

    fn scalable_targets(&self) -> String {
        let Scope { partition, region, account, .. } = self.scope;
        format!("arn:{partition}:application-autoscaling:{region}:{account}:scalable-target/*")
    }

    /// The alarms target tracking makes for an endpoint's variants. Their names are not
    /// documented; AWS is observed to name them `TargetTracking-<resource id>-AlarmHigh-<uuid>`
    /// and `...-AlarmLow-<uuid>` (docs/iam.md), with the endpoint name as written.
    fn alarms(&self, endpoint: &str) -> String {
        let Scope { partition, region, account, .. } = self.scope;
        format!("arn:{partition}:cloudwatch:{region}:{account}:alarm:TargetTracking-endpoint/{endpoint}/variant/*")
    }

    fn any_alarms(&self) -> String {
        let Scope { partition, region, account, .. } = self.scope;
        format!("arn:{partition}:cloudwatch:{region}:{account}:alarm:TargetTracking-endpoint/*")
    }

    /// A CloudWatch alarm by name (or name pattern).
    fn alarm(&self, name: &str) -> String {
        let Scope { partition, region, account, .. } = self.scope;
        format!("arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}")
    }

    fn service_linked_role(&self) -> String {
        let Scope { partition, account, .. } = self.scope;
        format!("arn:{partition}:iam::{account}:role/aws-service-role/{SLR_SERVICE}/{SLR_NAME}")
    }
}

/// The policy `commands` need for `desired` in `scope`.
pub fn policy(desired: &Desired, commands: &[Command], scope: &Scope) -> Policy {
    let resources = resources::desired(desired);
    let endpoints: Vec<Endpoint> = resources
        .iter()
        .filter_map(|r| match r {
            Resource::Endpoint(e) => Some(Endpoint { name: e.name.clone(), adopt: e.adopt }),
            _ => None,
        })
        .collect();
    let inline: BTreeSet<&str> = resources
        .iter()
        .filter_map(|r| match r {
            Resource::Model(m) => Some(m.endpoint.as_str()),
            _ => None,
        })
        .collect();
    let roles: BTreeSet<String> = resources
        .iter()
        .filter_map(|r| match r {
            Resource::Model(m) => Some(m.execution_role_arn.clone()),
            _ => None,
        })
        .collect();
    let arns = Arns { scope };
    let project = desired.project.as_str();
    // Rollouts: every read looks for alarms (live.rs): the spec's rollouts' and the last
    // deployments' by name (any name), and per owned endpoint (and stray) the ones named
    // `<endpoint>-...`, so an owned alarm is found (and deleted) after its `rollout:` is removed
    // too. Apply writes the owned ones (plan/rollout.rs); validation holds every owned alarm's
    // name to `<endpoint>-...`, so one pattern per endpoint that owns alarms covers them.
    let rollouts: Vec<&crate::model::EndpointModel> =
        desired.endpoints.iter().filter(|e| e.rollout.is_some()).collect();
    let owned_alarms: Vec<String> = rollouts
        .iter()
        .filter(|e| e.rollout.as_ref().is_some_and(|r| r.alarms.iter().any(|a| matches!(a, RollbackAlarm::Owned(_)))))
        .map(|e| arns.alarm(&format!("{}-*", e.name)))
        .collect();
    let each = |f: &dyn Fn(&Endpoint) -> Vec<String>| -> Vec<String> { endpoints.iter().flat_map(f).collect() };

    let mut b = Builder::default();
    for &command in commands {
        // Every command reads the live state first (live.rs). diff, and plan or apply with
        // --prune, also read every endpoint of the account (the strays) and the configs and
        // models named after any of them.
        let account_wide = command == Command::Diff || (scope.prune && command != Command::Destroy);
        let mut lists = vec!["sagemaker:ListEndpointConfigs", "sagemaker:ListModels"];
        if account_wide {
            lists.push("sagemaker:ListEndpoints");
        }
        b.add(Grant::SageMakerList, lists, ["*".to_string()], None);
        let read = [
            "sagemaker:DescribeEndpoint",
            "sagemaker:DescribeEndpointConfig",
            "sagemaker:DescribeModel",
            "sagemaker:ListTags",
        ];
        if account_wide {
            b.add(
                Grant::SageMakerRead,
                read,
                [arns.any("endpoint"), arns.any("endpoint-config"), arns.any("model")],
                None,
            );
        } else {
            b.add(Grant::SageMakerRead, read, each(&|e| arns.endpoint(&e.name)), None);
            b.add(Grant::SageMakerRead, read, each(&|e| arns.derived("endpoint-config", &e.name)), None);
            b.add(Grant::SageMakerRead, read, each(&|e| arns.derived("model", &e.name)), None);
        }
        if endpoints.iter().any(|e| e.adopt) {
            // An endpoint to adopt runs a config endpoint-scale did not name.
            b.add(Grant::SageMakerRead, ["sagemaker:DescribeEndpointConfig"], [arns.any("endpoint-config")], None);
        }
        b.add(
            Grant::AutoScalingRead,
            [
                "application-autoscaling:DescribeScalableTargets",
                "application-autoscaling:DescribeScalingPolicies",
                "application-autoscaling:DescribeScheduledActions",
            ],
            ["*".to_string()],
            None,
        );
        b.add(
            Grant::AutoScalingReadTags,
            ["application-autoscaling:ListTagsForResource"],
            [arns.scalable_targets()],
            None,
        );

        // Read-only, and needed by every spec: an endpoint that once had a rollout may have
        // owned alarms left, whatever the spec says now. `*`, not `alarm:*`: DescribeAlarms
        // returns composite alarms (a team's rollback alarm may be one) only to a
        // cloudwatch:DescribeAlarms permission scoped to `*` (CloudWatch API reference).
        b.add(
            Grant::RolloutAlarmsRead,
            ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
            ["*".to_string()],
            None,
        );
        if !rollouts.is_empty() || scope.delete_owned_alarms {
            if matches!(command, Command::Apply) && !owned_alarms.is_empty() {
                // PutMetricAlarm with Tags also needs TagResource (Service Authorization
                // Reference); apply checks an existing alarm's ownership tags before each step.
                b.add(
                    Grant::RolloutAlarmsWrite,
                    ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource"],
                    owned_alarms.iter().cloned(),
                    None,
                );
            }
            if matches!(command, Command::Apply | Command::Destroy) {
                b.add(
                    Grant::RolloutAlarmsDeleteOwned,
                    ["cloudwatch:DeleteAlarms", "cloudwatch:UntagResource"],
                    [arns.alarm("*")],
                    owned(project),
                );
            }
        }
        match command {
            Command::Plan | Command::Diff => {}
            Command::Apply => apply_grants(&mut b, &arns, &endpoints, &inline, &roles, scope.prune, project),
            Command::Destroy => {
                let endpoints_and_derived = each(&|e| {
                    let mut v = arns.endpoint(&e.name);
                    v.extend(arns.derived("endpoint-config", &e.name));
                    v.extend(arns.derived("model", &e.name));
                    v
                });
                b.add(
                    Grant::SageMakerDeleteOwned,
                    ["sagemaker:DeleteEndpoint", "sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel"],
                    endpoints_and_derived,
                    owned(project),
                );
                b.add(Grant::AutoScalingRemove, AUTOSCALING_REMOVE, [arns.scalable_targets()], sagemaker_targets());
                b.add(
                    Grant::TargetTrackingAlarms,
                    ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"],
                    each(&|e| vec![arns.alarms(&e.name)]),
                    None,
                );
            }
        }
    }
    b.finish()
}

const AUTOSCALING_REMOVE: [&str; 3] = [
    "application-autoscaling:DeleteScalingPolicy",
    "application-autoscaling:DeleteScheduledAction",
    "application-autoscaling:DeregisterScalableTarget",
];

/// What `apply` writes, beyond the reads every command makes.
fn apply_grants(
    b: &mut Builder,
    arns: &Arns<'_>,
    endpoints: &[Endpoint],
    inline: &BTreeSet<&str>,
    roles: &BTreeSet<String>,
    prune: bool,
    project: &str,
) {
    let each = |f: &dyn Fn(&Endpoint) -> Vec<String>| -> Vec<String> { endpoints.iter().flat_map(f).collect() };
    let endpoint_arns = each(&|e| arns.endpoint(&e.name));
    let configs = each(&|e| arns.derived("endpoint-config", &e.name));
    let models = each(&|e| arns.derived("model", &e.name));
    let inline_models: Vec<String> = endpoints
        .iter()
        .filter(|e| inline.contains(e.name.as_str()))
        .flat_map(|e| arns.derived("model", &e.name))
        .collect();

    // Creates carry the ownership tags in the request (sdk.rs sends the resources' tags).
    let mut creates = vec!["sagemaker:CreateEndpoint", "sagemaker:CreateEndpointConfig"];
    if !inline_models.is_empty() {
        creates.push("sagemaker:CreateModel");
    }
    let create_on = endpoint_arns.iter().chain(&configs).chain(&inline_models).cloned();
    b.add(Grant::SageMakerCreate, creates, create_on, tagged_on_create(project));
    b.add(
        Grant::PassExecutionRoles,
        ["iam:PassRole"],
        roles.iter().cloned(),
        string_equals(&[("iam:PassedToService", SAGEMAKER_PRINCIPAL)]),
    );
    // UpdateEndpoint needs the endpoint and the config it switches to.
    b.add(
        Grant::SageMakerUpdateOwned,
        ["sagemaker:UpdateEndpoint", "sagemaker:UpdateEndpointWeightsAndCapacities"],
        endpoint_arns.iter().chain(&configs).cloned(),
        owned(project),
    );
    b.add(
        Grant::SageMakerTagOwned,
        ["sagemaker:AddTags", "sagemaker:DeleteTags"],
        endpoint_arns.iter().chain(&configs).chain(&models).cloned(),
        owned(project),
    );
    b.add(
        Grant::SageMakerAdoptEndpoints,
        ["sagemaker:AddTags"],
        endpoints.iter().filter(|e| e.adopt).flat_map(|e| arns.endpoint(&e.name)),
        tagged_on_create(project),
    );
    // Configs and models an endpoint no longer uses are deleted once it runs the new ones;
    // with --prune, the endpoints of the project that left the spec go too, whatever their names.
    let mut deletes = vec!["sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel"];
    let mut delete_on: Vec<String> = configs.iter().chain(&models).cloned().collect();
    if prune {
        deletes.push("sagemaker:DeleteEndpoint");
        delete_on = vec![arns.any("endpoint"), arns.any("endpoint-config"), arns.any("model")];
    }
    b.add(Grant::SageMakerDeleteOwned, deletes, delete_on, owned(project));
    b.add(
        Grant::AutoScalingConfigure,
        [
            "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:PutScheduledAction",
            "application-autoscaling:RegisterScalableTarget",
        ],
        [arns.scalable_targets()],
        sagemaker_targets(),
    );
    b.add(Grant::AutoScalingRemove, AUTOSCALING_REMOVE, [arns.scalable_targets()], sagemaker_targets());
    b.add(
        Grant::AutoScalingTagOwned,
        ["application-autoscaling:TagResource", "application-autoscaling:UntagResource"],
        [arns.scalable_targets()],
        owned(project),
    );
    // RegisterScalableTarget with Tags also needs TagResource (Service Authorization
    // Reference, dependent actions), on a target that has no tags yet.
    b.add(
        Grant::AutoScalingTagOnRegister,
        ["application-autoscaling:TagResource"],
        [arns.scalable_targets()],
        tagged_on_create(project),
    );
    b.add(
        Grant::AutoScalingServiceLinkedRole,
        ["iam:CreateServiceLinkedRole"],
        [arns.service_linked_role()],
        string_equals(&[("iam:AWSServiceName", SLR_SERVICE)]),
    );
    // With --prune, the strays' policies (and so their alarms) go too.
    let alarms = if prune { vec![arns.any_alarms()] } else { each(&|e| vec![arns.alarms(&e.name)]) };
    b.add(
        Grant::TargetTrackingAlarms,
        ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm"],
        alarms,
        None,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::model_from_yaml;

    const RECOMMENDER: &str = include_str!("../examples/recommender.yaml");

    fn scope() -> Scope {
        Scope {
            partition: "aws".into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            prune: false,
            delete_owned_alarms: false,
        }
    }

    fn statement<'p>(policy: &'p Policy, sid: &str) -> Option<&'p Statement> {
        policy.statements.iter().find(|s| s.sid == sid)
    }

    fn sids(policy: &Policy) -> Vec<&str> {
        policy.statements.iter().map(|s| s.sid.as_str()).collect()
    }

    /// A spec with `endpoints` (YAML list items) in project `p`.
    fn spec(endpoints: &str) -> crate::model::Desired {
        model_from_yaml(&format!("version: 1\nproject: p\nregion: eu-west-1\nendpoints:\n{endpoints}"))
    }

    const INLINE: &str = "  - name: Rec\n    model:\n      image: i\n      execution_role_arn: arn:aws:iam::111122223333:role/r\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n        autoscaling: {min: 1, max: 2, target: {invocations_per_instance: 100}}\n";

    #[test]
    fn every_command_reads_and_only_apply_and_destroy_write() {
        let desired = model_from_yaml(RECOMMENDER);
        // RolloutAlarmsRead too: an endpoint may have owned alarms of a removed `rollout:`.
        let reads = ["SageMakerList", "SageMakerRead", "AutoScalingRead", "AutoScalingReadTags", "RolloutAlarmsRead"];
        assert_eq!(sids(&policy(&desired, &[Command::Plan], &scope())), reads);
        assert_eq!(sids(&policy(&desired, &[Command::Diff], &scope())), reads);
        let destroy = policy(&desired, &[Command::Destroy], &scope());
        assert_eq!(
            sids(&destroy)[4..],
            ["SageMakerDeleteOwned", "AutoScalingRemove", "TargetTrackingAlarms", "RolloutAlarmsRead"]
        );
        assert_eq!(
            statement(&destroy, "TargetTrackingAlarms").unwrap().actions,
            ["cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms"]
        );
        let apply = policy(&desired, &[Command::Apply], &scope());
        assert_eq!(
            sids(&apply)[4..],
            [
                "SageMakerCreate",
                "PassExecutionRoles",
                "SageMakerUpdateOwned",
                "SageMakerTagOwned",
                "SageMakerDeleteOwned",
                "AutoScalingConfigure",
                "AutoScalingRemove",
                "AutoScalingTagOwned",
                "AutoScalingTagOnRegister",
                "AutoScalingServiceLinkedRole",
                "TargetTrackingAlarms",
                "RolloutAlarmsRead",
            ]
        );
        // apply deletes only the configs and models an endpoint stopped using, never an endpoint.
        assert_eq!(
            statement(&apply, "SageMakerDeleteOwned").unwrap().actions,
            ["sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel"]
        );
    }

    #[test]
    fn plan_reads_only_the_spec_names_and_diff_the_whole_account() {
        let desired = model_from_yaml(RECOMMENDER);
        let plan = policy(&desired, &[Command::Plan], &scope());
        let read = statement(&plan, "SageMakerRead").unwrap();
        assert_eq!(
            read.resources,
            [
                "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/product-recommender-????????",
                "arn:aws:sagemaker:us-east-1:123456789012:endpoint/product-recommender",
                "arn:aws:sagemaker:us-east-1:123456789012:model/product-recommender-????????",
            ]
        );
        assert_eq!(
            statement(&plan, "SageMakerList").unwrap().actions,
            ["sagemaker:ListEndpointConfigs", "sagemaker:ListModels"]
        );
        let diff = policy(&desired, &[Command::Diff], &scope());
        assert_eq!(
            statement(&diff, "SageMakerRead").unwrap().resources,
            [
                "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/*",
                "arn:aws:sagemaker:us-east-1:123456789012:endpoint/*",
                "arn:aws:sagemaker:us-east-1:123456789012:model/*",
            ]
        );
        assert!(statement(&diff, "SageMakerList").unwrap().actions.contains(&"sagemaker:ListEndpoints".to_string()));
    }

    #[test]
    fn prune_reads_the_account_and_deletes_owned_strays() {
        let desired = model_from_yaml(RECOMMENDER);
        let prune = Scope { prune: true, ..scope() };
        let apply = policy(&desired, &[Command::Apply], &prune);
        let delete = statement(&apply, "SageMakerDeleteOwned").unwrap();
        assert_eq!(
            delete.actions,
            ["sagemaker:DeleteEndpoint", "sagemaker:DeleteEndpointConfig", "sagemaker:DeleteModel"]
        );
        assert!(delete.resources.iter().all(|r| r.ends_with("/*")), "{:?}", delete.resources);
        assert_eq!(delete.condition, owned("recommendations"));
        assert_eq!(
            statement(&apply, "TargetTrackingAlarms").unwrap().resources,
            ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:TargetTracking-endpoint/*"]
        );
        // destroy never prunes.
        let destroy = policy(&desired, &[Command::Destroy], &prune);
        assert!(statement(&destroy, "SageMakerRead").unwrap().resources.iter().all(|r| !r.ends_with("endpoint/*")));
    }

    #[test]
    fn writes_carry_tag_conditions_and_pass_role_only_to_sagemaker() {
        let desired = model_from_yaml(RECOMMENDER);
        let all = policy(&desired, &Command::ALL, &scope());
        let tag = |key: &str| {
            Some(Condition::from([(
                "StringEquals".to_string(),
                BTreeMap::from([(format!("{key}/endpoint-scale:project"), "recommendations".to_string())]),
            )]))
        };
        for sid in ["SageMakerCreate", "AutoScalingTagOnRegister"] {
            assert_eq!(statement(&all, sid).unwrap().condition, tag("aws:RequestTag"), "{sid}");
        }
        for sid in ["SageMakerUpdateOwned", "SageMakerTagOwned", "SageMakerDeleteOwned", "AutoScalingTagOwned"] {
            assert_eq!(statement(&all, sid).unwrap().condition, tag("aws:ResourceTag"), "{sid}");
        }
        let pass = statement(&all, "PassExecutionRoles").unwrap();
        assert_eq!(pass.resources, ["arn:aws:iam::123456789012:role/SageMakerRecommenderRole"]);
        assert_eq!(pass.condition, string_equals(&[("iam:PassedToService", "sagemaker.amazonaws.com")]));
        let slr = statement(&all, "AutoScalingServiceLinkedRole").unwrap();
        assert_eq!(slr.resources, ["arn:aws:iam::123456789012:role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"]);
        for sid in ["AutoScalingConfigure", "AutoScalingRemove"] {
            assert_eq!(statement(&all, sid).unwrap().condition, sagemaker_targets(), "{sid}");
        }
    }

    #[test]
    fn no_action_is_a_wildcard_and_the_document_is_deterministic() {
        let desired = model_from_yaml(RECOMMENDER);
        let all = policy(&desired, &Command::ALL, &scope());
        for s in &all.statements {
            for a in &s.actions {
                let (service, name) = a.split_once(':').unwrap();
                assert!(!service.contains('*') && !name.contains('*') && !name.is_empty(), "{a}");
            }
            assert!(!s.resources.is_empty());
        }
        // Sids are unique and in Grant's order.
        let order: Vec<usize> =
            all.statements.iter().map(|s| Grant::ALL.iter().position(|g| g.sid() == s.sid).unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        assert_eq!(all.to_json(), policy(&desired, &Command::ALL, &scope()).to_json());
        let doc: serde_json::Value = serde_json::from_str(&all.to_json()).unwrap();
        assert_eq!(doc["Version"], "2012-10-17");
    }

    #[test]
    fn names_with_capitals_get_both_spellings_and_existing_models_no_create() {
        let desired = spec(INLINE);
        let apply = policy(&desired, &[Command::Apply], &Scope { region: "eu-west-1".into(), ..scope() });
        let create = statement(&apply, "SageMakerCreate").unwrap();
        assert!(create.resources.contains(&"arn:aws:sagemaker:eu-west-1:123456789012:endpoint/rec".to_string()));
        assert!(create.resources.contains(&"arn:aws:sagemaker:eu-west-1:123456789012:endpoint/Rec".to_string()));
        assert!(create.resources.contains(&"arn:aws:sagemaker:eu-west-1:123456789012:model/rec-????????".to_string()));
        // Alarm names keep the endpoint's name as written.
        assert_eq!(
            statement(&apply, "TargetTrackingAlarms").unwrap().resources,
            ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:TargetTracking-endpoint/Rec/variant/*"]
        );

        let existing =
            spec("  - name: e\n    model: {existing: m}\n    variants: [{name: v, instance_type: ml.c5.large}]\n");
        let apply = policy(&existing, &[Command::Apply], &scope());
        assert!(statement(&apply, "PassExecutionRoles").is_none());
        let create = statement(&apply, "SageMakerCreate").unwrap();
        assert_eq!(create.actions, ["sagemaker:CreateEndpoint", "sagemaker:CreateEndpointConfig"]);
        assert!(create.resources.iter().all(|r| !r.contains(":model/")));
    }

    #[test]
    fn adoption_reads_any_config_and_tags_only_the_adopted_endpoint() {
        let desired = spec("  - name: a\n    adopt: true\n    model: {existing: m}\n    variants: [{name: v, instance_type: ml.c5.large}]\n  - name: b\n    model: {existing: m}\n    variants: [{name: v, instance_type: ml.c5.large}]\n");
        let apply = policy(&desired, &[Command::Apply], &scope());
        let adopt = statement(&apply, "SageMakerAdoptEndpoints").unwrap();
        assert_eq!(adopt.actions, ["sagemaker:AddTags"]);
        assert_eq!(adopt.resources, ["arn:aws:sagemaker:us-east-1:123456789012:endpoint/a"]);
        assert_eq!(adopt.condition, tagged_on_create("p"));
        let read = statement(&apply, "SageMakerRead").unwrap();
        assert!(read.resources.contains(&"arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/*".to_string()));
        assert!(statement(&policy(&spec(INLINE), &[Command::Apply], &scope()), "SageMakerAdoptEndpoints").is_none());
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(Scope::partition_of("cn-north-1"), "aws-cn");
        assert_eq!(Scope::partition_of("us-gov-west-1"), "aws-us-gov");
        assert_eq!(Scope::partition_of("eu-west-1"), "aws");
        assert_eq!(Scope::partition_of("*"), "aws");
    }

    #[test]
    fn wildcards_match_as_iam_does_and_covered_resources_are_left_out() {
        assert!(glob("a/*", "a/b/c"));
        assert!(glob("rec-????????", "rec-0a1b2c3d"));
        assert!(!glob("rec-????????", "rec-prod-0a1b2c3d"));
        assert!(!glob("rec-????????", "rec-0a1b2c3"));
        let set: BTreeSet<String> = ["x:endpoint/*", "x:endpoint/rec", "x:model/rec-????????"].map(String::from).into();
        assert_eq!(compact(set), ["x:endpoint/*", "x:model/rec-????????"]);
    }

    #[test]
    fn rollout_alarm_writes_only_for_specs_with_rollouts_reads_always() {
        let without = policy(&model_from_yaml(RECOMMENDER), &[Command::Apply], &scope());
        let rollout_sids = |p: &Policy| -> Vec<String> {
            sids(p).into_iter().filter(|s| s.starts_with("Rollout")).map(String::from).collect()
        };
        assert_eq!(rollout_sids(&without), ["RolloutAlarmsRead"]);
        assert_eq!(
            rollout_sids(&policy(&model_from_yaml(RECOMMENDER), &[Command::Plan], &scope())),
            ["RolloutAlarmsRead"]
        );
        // What removing the last `rollout:` leaves to delete, on request.
        let cleanup = Scope { delete_owned_alarms: true, ..scope() };
        let with_cleanup = policy(&model_from_yaml(RECOMMENDER), &Command::ALL, &cleanup);
        assert_eq!(rollout_sids(&with_cleanup), ["RolloutAlarmsRead", "RolloutAlarmsDeleteOwned"]);
        assert!(statement(&with_cleanup, "RolloutAlarmsDeleteOwned").unwrap().condition.is_some());
        assert_eq!(
            rollout_sids(&policy(&model_from_yaml(RECOMMENDER), &[Command::Plan], &cleanup)),
            ["RolloutAlarmsRead"]
        );
        let canary = model_from_yaml(include_str!("../examples/rollout-canary.yaml"));
        let with = policy(&canary, &[Command::Apply], &scope());
        assert_eq!(
            statement(&with, "RolloutAlarmsWrite").unwrap().resources,
            // Owned alarms are named `<endpoint>-...` (validation): the endpoint's pattern.
            ["arn:aws:cloudwatch:us-east-1:123456789012:alarm:product-recommender-*"]
        );
        assert_eq!(
            statement(&with, "RolloutAlarmsRead").unwrap().actions,
            ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"]
        );
        assert!(statement(&with, "RolloutAlarmsDeleteOwned").unwrap().condition.is_some());
        let plan = policy(&canary, &[Command::Plan], &scope());
        assert_eq!(sids(&plan).iter().filter(|s| s.starts_with("Rollout")).count(), 1);
        // Only the team's alarms: apply writes no alarm.
        let yaml = include_str!("../examples/rollout-canary.yaml");
        let (head, rest) = yaml.split_once("        # An alarm endpoint-scale creates").unwrap();
        let team_only = format!("{head}{}", rest.split_once("period: 1m\n").unwrap().1);
        let team_only = policy(&model_from_yaml(&team_only), &[Command::Apply], &scope());
        assert!(statement(&team_only, "RolloutAlarmsWrite").is_none());
        assert!(statement(&team_only, "RolloutAlarmsRead").is_some());
    }

    #[test]
    fn every_statement_is_explained_in_the_readme() {
        let readme = include_str!("../README.md");
        let section = readme.split("## IAM permissions").nth(1).expect("README has an IAM permissions section");
        for grant in Grant::ALL {
            assert!(section.contains(&format!("`{}`", grant.sid())), "README does not explain {}", grant.sid());
        }
    }
}
