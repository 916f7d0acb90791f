//! Drift, field by field: for `diff`, which answers "does AWS still match the spec?" for CI.
//! Each line names the resource, the field, the live value and the spec's value (secret values
//! masked, but the changed field always named). A model or config replaced by a new one (both
//! are immutable) is shown as one change from the old name to the new with the fields that made
//! the difference; what is deleted says why; endpoints in a transition are noted as not compared;
//! owned endpoints that left the spec are named with the `--prune` hint.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::plan::{Action, Change, Plan};
use crate::resources::{Kind, Resource};

/// What the live read found beyond the plan, which the drift view names.
#[derive(Debug, Clone)]
pub struct Context {
    /// Endpoints of the spec that are Creating, Updating or otherwise in a transition, with
    /// their status: not compared, and not drift by themselves.
    pub busy: BTreeMap<String, String>,
    /// Endpoints of this project that are not in the spec.
    pub strays: BTreeSet<String>,
    /// The `apply --prune` that deletes them, as the user would run it.
    pub prune: crate::hint::CommandLine,
}

pub fn render(plan: &Plan, context: &Context) -> String {
    let mut out = String::new();
    for n in &plan.unprotected {
        out.push_str(&format!("! {} ({})\n", n.message, n.hint));
    }
    for n in plan.conflicts.iter().chain(&plan.blocked) {
        out.push_str(&format!("! {} ({})\n", n.message, n.hint));
    }
    for n in &plan.skipped {
        if let Some(status) = context.busy.get(&n.endpoint) {
            out.push_str(&format!(
                "? endpoint {} is {status}: not compared (diff compares it once it is InService)\n",
                n.endpoint
            ));
        } else {
            out.push_str(&format!("? {} ({})\n", n.message, n.hint));
        }
    }
    for stray in &context.strays {
        out.push_str(&format!(
            "- endpoint.{stray}: owned by this project, not in the spec (`{}` deletes it)\n",
            context.prune
        ));
    }
    let changes: Vec<&Change> =
        plan.changes.iter().filter(|c| c.action != Action::NoOp && !context.strays.contains(&c.endpoint)).collect();
    let pairs = replacements(&changes);
    for c in &changes {
        if pairs.iter().any(|(_, new)| std::ptr::eq(*new, *c)) {
            continue; // shown with the resource it replaces
        }
        if let Some((old, _)) = pairs.iter().find(|(old, _)| std::ptr::eq(*old, *c)) {
            let new = pairs.iter().find(|(o, _)| std::ptr::eq(*o, *old)).map(|(_, n)| *n).expect("paired");
            let (Some(before), Some(after)) = (&old.before, &new.after) else { continue };
            let what = if old.address.kind == Kind::Model { "models" } else { "endpoint configs" };
            out.push_str(&format!(
                "~ {} -> {} ({what} are immutable: a new one replaces it)\n",
                old.address,
                after.address().name
            ));
            // The new one gets the spec's tags when it is created: only its content is drift.
            push_fields(&mut out, before, after, &["name", "tags"]);
            continue;
        }
        match (c.action, &c.before, &c.after) {
            (Action::Create, _, _) => out.push_str(&format!("+ {}: in the spec, missing in AWS\n", c.address)),
            (Action::Delete, _, _) => match &c.reason {
                Some(reason) => out.push_str(&format!("- {}: in AWS, {reason}\n", c.address)),
                None => out.push_str(&format!("- {}: in AWS, no longer in the spec\n", c.address)),
            },
            (_, Some(before), Some(after)) => {
                out.push_str(&format!("~ {}\n", c.address));
                push_fields(&mut out, before, after, &[]);
            }
            _ => {}
        }
    }
    if out.is_empty() || (!context.busy.is_empty() && out.lines().all(|l| l.starts_with('?'))) {
        out.push_str(match (context.busy.is_empty(), plan.targets.is_empty()) {
            (true, true) => "In sync: AWS matches the spec.\n",
            (true, false) => "In sync: AWS matches the spec for the targeted endpoints.\n",
            (false, _) => "No drift in what could be compared.\n",
        });
    }
    if !plan.targets.is_empty() {
        out.insert_str(0, &format!("{}\n", crate::render::human::targeting(&plan.targets)));
    }
    out
}

fn push_fields(out: &mut String, before: &Resource, after: &Resource, skip: &[&str]) {
    let mut fields = Vec::new();
    let raw = |r: &Resource| serde_json::to_value(r).unwrap_or(Value::Null);
    let shown = Resource::display_pair(before, after);
    fields_differing((&raw(before), &shown.0), (&raw(after), &shown.1), String::new(), &mut fields);
    let skipped = |path: &str| skip.iter().any(|s| path == *s || path.starts_with(&format!("{s}.")));
    for (path, live, spec) in fields.into_iter().filter(|(path, _, _)| !skipped(path)) {
        out.push_str(&format!("    {path}: live {live}, spec {spec}\n"));
    }
}

/// A model or config created in place of one the endpoint stops using is a replacement (both
/// are immutable, so a changed field means a new name): each created one is paired with the one
/// it replaces, through the variants of the new and the superseded config, or, when the old
/// config is not shown (a hand-made one), when the endpoint creates and deletes one of the kind.
fn replacements<'a>(changes: &[&'a Change]) -> Vec<(&'a Change, &'a Change)> {
    let mut pairs: Vec<(&Change, &Change)> = Vec::new();
    let mut endpoints: Vec<&str> = changes.iter().map(|c| c.endpoint.as_str()).collect();
    endpoints.dedup();
    for endpoint in endpoints {
        let of = |kind: Kind, action: Action| -> Vec<&'a Change> {
            changes
                .iter()
                .copied()
                .filter(|c| c.endpoint == endpoint && c.address.kind == kind && c.action == action)
                .collect()
        };
        let (new_configs, old_configs) =
            (of(Kind::EndpointConfig, Action::Create), of(Kind::EndpointConfig, Action::Delete));
        let (new_models, old_models) = (of(Kind::Model, Action::Create), of(Kind::Model, Action::Delete));
        let superseded = old_configs.iter().find(|c| c.reason.as_deref().is_some_and(|r| r.starts_with("superseded")));
        if let (Some(new), Some(old)) = (new_configs.first(), superseded) {
            pairs.push((old, new));
            if let (Some(Resource::EndpointConfig(n)), Some(Resource::EndpointConfig(o))) = (&new.after, &old.before) {
                for v in &n.variants {
                    let Some(ov) = o.variants.iter().find(|ov| ov.name == v.name) else { continue };
                    let created = new_models.iter().find(|m| m.address.name == v.model_name);
                    let deleted = old_models.iter().find(|m| m.address.name == ov.model_name);
                    if let (Some(c), Some(d)) = (created, deleted) {
                        if !pairs.iter().any(|(a, b)| std::ptr::eq(*a, *d) || std::ptr::eq(*b, *c)) {
                            pairs.push((d, c));
                        }
                    }
                }
            }
        } else if let ([c], [d]) = (new_models.as_slice(), old_models.as_slice()) {
            pairs.push((d, c));
        }
    }
    pairs
}

/// The fields that differ, compared on the real values and shown masked (a changed secret is
/// named, its values are not).
fn fields_differing(
    live: (&Value, &Value),
    spec: (&Value, &Value),
    path: String,
    out: &mut Vec<(String, String, String)>,
) {
    let null = Value::Null;
    match (live.0, spec.0) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = b.keys().collect();
            keys.extend(a.keys().filter(|k| !b.contains_key(*k)));
            for k in keys {
                let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                let get = |v: &Value| v.get(k).cloned().unwrap_or(Value::Null);
                fields_differing((&get(live.0), &get(live.1)), (&get(spec.0), &get(spec.1)), sub, out);
            }
        }
        // Lists of named things (variants) are matched by name, so the path says which one.
        (Value::Array(a), Value::Array(b)) if a.iter().chain(b).all(|v| v.get("name").is_some()) => {
            let name = |v: &Value| v["name"].as_str().unwrap_or_default().to_string();
            let mut names: Vec<String> = b.iter().map(name).collect();
            names.extend(a.iter().map(name).filter(|n| !b.iter().any(|v| name(v) == *n)));
            for n in names {
                let find = |list: &Value| {
                    list.as_array().and_then(|l| l.iter().find(|v| name(v) == n).cloned()).unwrap_or(Value::Null)
                };
                fields_differing(
                    (&find(live.0), &find(live.1)),
                    (&find(spec.0), &find(spec.1)),
                    format!("{path}[{n}]"),
                    out,
                );
            }
        }
        (a, b) if a != b => out.push((path, show(if live.1.is_null() { &null } else { live.1 }), show(spec.1))),
        _ => {}
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_string(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn named_lists_are_matched_by_name() {
        let mut out = Vec::new();
        let live =
            json!({"variants": [{"name": "a", "weight": 1.0}, {"name": "b", "instance_count": 1, "weight": 1.0}]});
        let spec =
            json!({"variants": [{"name": "a", "weight": 1.0}, {"name": "b", "instance_count": 3, "weight": 1.0}]});
        fields_differing((&live, &live), (&spec, &spec), String::new(), &mut out);
        assert_eq!(out, [("variants[b].instance_count".to_string(), "1".to_string(), "3".to_string())]);
    }
}
