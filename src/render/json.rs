//! The plan for machines. Same data as the human view, plus a `format_version` that changes only
//! when a consumer would need to change (new fields may appear within a version). Secret
//! environment values are masked here too: saved plans end up in CI logs and artifacts.

use serde_json::{json, Value};

use crate::plan::{EndpointSteps, Plan, Step};

/// Bumped on any change that could break a consumer of the JSON plan.
pub const FORMAT_VERSION: &str = "1.0";

/// Where the plan is for. `region` is the region the live state was read from; offline, the
/// spec's `region:` (where it would apply), or null. `account` is the account the live state was
/// read from (STS GetCallerIdentity), null offline, so `"offline": true` goes with it.
pub struct JsonContext<'a> {
    pub project: &'a str,
    pub region: Option<&'a str>,
    pub account: Option<&'a str>,
    pub offline: bool,
}

/// One endpoint's operations; `restore_on_failure` only where the plan has such steps.
fn steps_json(steps: &EndpointSteps) -> Value {
    let ops = |list: &[Step]| -> Vec<Value> {
        list.iter().map(|step| json!({"operation": step.operation(), "description": step.describe()})).collect()
    };
    let mut doc = json!({"endpoint": steps.endpoint, "operations": ops(&steps.steps)});
    if !steps.restore.is_empty() {
        doc["restore_on_failure"] = Value::Array(ops(&steps.restore));
    }
    doc
}

pub fn render(plan: &Plan, ctx: &JsonContext<'_>) -> String {
    let mut text = serde_json::to_string_pretty(&document(plan, ctx)).unwrap_or_default();
    text.push('\n');
    text
}

/// The plan document, for views that add to it (`show` adds where a saved plan was made).
pub fn document(plan: &Plan, ctx: &JsonContext<'_>) -> Value {
    let changes: Vec<Value> = plan
        .changes
        .iter()
        .map(|c| {
            json!({
                "address": c.address.to_string(),
                "endpoint": c.endpoint,
                "type": c.address.kind,
                "name": c.address.name,
                "change": {
                    "actions": c.action.as_list(),
                    "before": c.before.as_ref().map(|r| r.display_attributes()),
                    "after": c.after.as_ref().map(|r| r.display_attributes()),
                    "reason": c.reason,
                },
            })
        })
        .collect();
    let mut doc = json!({
        "format_version": FORMAT_VERSION,
        "project": ctx.project,
        "region": ctx.region,
        "account": ctx.account,
        "offline": ctx.offline,
        "targets": plan.targets,
        "summary": plan.summary(),
        "has_changes": plan.has_changes(),
        "resource_changes": changes,
        "steps": plan.steps.iter().map(steps_json).collect::<Vec<_>>(),
        "unprotected": plan.unprotected,
        "conflicts": plan.conflicts,
        "skipped": plan.skipped,
    });
    // Present only when the plan has them: rollouts are new in this format version's documents,
    // and plans without one read as before.
    if !plan.deferred.is_empty() {
        doc["deferred_rollouts"] = json!(plan.deferred);
    }
    if !plan.blocked.is_empty() {
        doc["blocked"] = json!(plan.blocked);
    }
    if !plan.rollouts.is_empty() {
        doc["rollouts"] =
            plan.rollouts.iter().map(|r| crate::render::rollout::json(r, ctx.region)).collect::<Vec<_>>().into();
    }
    doc
}
