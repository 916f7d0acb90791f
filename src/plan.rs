//! A plan is inert data: the list of changes that would turn the live state into the desired one,
//! one [`Change`] per resource with its [`Action`]. [`diff`] computes it and does no I/O; apply
//! reads only the plan. The offline plan is `diff(desired, &LiveState::default())`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::resources::{Address, Kind, Resource};

/// What happens to one resource. `before` is the live resource, `after` the desired one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Live and desired agree; `before` and `after` are both present and equal.
    NoOp,
    /// Not in AWS yet; `before` is absent.
    Create,
    /// Changed in place; both present, they differ.
    Update,
    /// Cannot change in place: the live one is deleted and the desired one created. The reason
    /// is for display only.
    Replace,
    /// In AWS and owned by this spec, no longer desired; `after` is absent.
    Delete,
}

impl Action {
    /// Terraform's encoding of an action as a list, for the JSON plan.
    pub fn as_list(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Update => &["update"],
            Action::Replace => &["delete", "create"],
            Action::Delete => &["delete"],
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub address: Address,
    pub endpoint: String,
    pub action: Action,
    pub before: Option<Resource>,
    pub after: Option<Resource>,
    pub reason: Option<String>,
}

/// What AWS has, as far as this spec is concerned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveState {
    pub resources: Vec<Resource>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub no_op: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::NoOp => s.no_op += 1,
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
            }
        }
        s
    }

    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp)
    }

    /// The changes of each endpoint, endpoints in first-seen order.
    pub fn by_endpoint(&self) -> Vec<(&str, Vec<&Change>)> {
        let mut groups: Vec<(&str, Vec<&Change>)> = Vec::new();
        for c in &self.changes {
            match groups.iter_mut().find(|(e, _)| *e == c.endpoint) {
                Some((_, list)) => list.push(c),
                None => groups.push((&c.endpoint, vec![c])),
            }
        }
        groups
    }
}

/// The pure diff. Desired resources keep their order (creation order per endpoint); deletions of
/// live resources that are no longer desired follow each endpoint's other changes, newest kind
/// first (schedules before targets before endpoints before configs and models).
pub fn diff(desired: &[Resource], live: &LiveState) -> Plan {
    let live_by_address: BTreeMap<Address, &Resource> = live.resources.iter().map(|r| (r.address(), r)).collect();
    let mut changes: Vec<Change> = desired
        .iter()
        .map(|want| {
            let address = want.address();
            let (action, before) = match live_by_address.get(&address) {
                None => (Action::Create, None),
                Some(have) if *have == want => (Action::NoOp, Some((*have).clone())),
                Some(have) => (Action::Update, Some((*have).clone())),
            };
            Change {
                address,
                endpoint: want.endpoint().to_string(),
                action,
                before,
                after: Some(want.clone()),
                reason: None,
            }
        })
        .collect();
    let desired_addresses: Vec<Address> = desired.iter().map(Resource::address).collect();
    let mut deletes: Vec<Change> = live
        .resources
        .iter()
        .filter(|r| !desired_addresses.contains(&r.address()))
        .map(|r| Change {
            address: r.address(),
            endpoint: r.endpoint().to_string(),
            action: Action::Delete,
            before: Some(r.clone()),
            after: None,
            reason: None,
        })
        .collect();
    deletes.sort_by_key(|c| std::cmp::Reverse(c.address.kind));
    for delete in deletes {
        let at = changes.iter().rposition(|c| c.endpoint == delete.endpoint).map_or(changes.len(), |i| i + 1);
        changes.insert(at, delete);
    }
    Plan { changes }
}

/// Kinds whose changes never touch the endpoint itself.
pub fn is_autoscaling(kind: Kind) -> bool {
    matches!(kind, Kind::ScalableTarget | Kind::ScalingPolicy | Kind::ScheduledAction)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{EndpointResource, TargetResource};

    fn endpoint(name: &str, config: &str) -> Resource {
        Resource::Endpoint(EndpointResource { name: name.into(), config_name: config.into(), tags: Default::default() })
    }

    fn target(endpoint: &str, min: u32, max: u32) -> Resource {
        Resource::ScalableTarget(TargetResource {
            endpoint: endpoint.into(),
            variant: "v".into(),
            min_capacity: min,
            max_capacity: max,
            tags: Default::default(),
        })
    }

    #[test]
    fn empty_live_state_creates_everything_in_order() {
        let desired = vec![endpoint("a", "a-1"), target("a", 1, 2)];
        let plan = diff(&desired, &LiveState::default());
        let actions: Vec<Action> = plan.changes.iter().map(|c| c.action).collect();
        assert_eq!(actions, [Action::Create, Action::Create]);
        assert_eq!(plan.changes[0].address.to_string(), "endpoint.a");
        assert_eq!(plan.changes[1].address.to_string(), "scalable_target.a/v");
        assert!(plan.changes.iter().all(|c| c.before.is_none()));
    }

    #[test]
    fn equal_is_no_op_and_different_is_update() {
        let desired = vec![endpoint("a", "a-1"), target("a", 1, 4)];
        let live = LiveState { resources: vec![endpoint("a", "a-1"), target("a", 1, 2)] };
        let plan = diff(&desired, &live);
        assert_eq!(plan.changes[0].action, Action::NoOp);
        assert_eq!(plan.changes[1].action, Action::Update);
        assert_eq!(plan.summary(), Summary { update: 1, no_op: 1, ..Summary::default() });
        assert!(plan.has_changes());
    }

    #[test]
    fn live_only_resources_are_deleted_after_their_endpoints_changes() {
        let desired = vec![endpoint("a", "a-1"), endpoint("b", "b-1")];
        let live = LiveState { resources: vec![endpoint("a", "a-1"), target("a", 1, 2)] };
        let plan = diff(&desired, &live);
        let listed: Vec<String> = plan.changes.iter().map(|c| format!("{:?} {}", c.action, c.address)).collect();
        assert_eq!(listed, ["NoOp endpoint.a", "Delete scalable_target.a/v", "Create endpoint.b"]);
    }
}
