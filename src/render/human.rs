//! The plan for people, in the style of `terraform plan`: changes grouped per endpoint, `+`
//! create with its attributes, `~` update with only what changes, `-` delete, `-/+` replace with
//! its reason, and a summary line. Secret environment values show as `(sensitive)`.

use serde_json::Value;

use crate::output::Palette;
use crate::plan::{Action, Change, Plan};
use crate::resources::Resource;

/// Header facts shown above the changes. `account` (with `region`) is set when the live state was
/// read, so every live plan says where it looked, changes or not.
pub struct PlanContext<'a> {
    pub project: &'a str,
    pub offline: bool,
    pub region: Option<&'a str>,
    pub account: Option<&'a str>,
    /// The plan of `destroy`: with no changes it says there is nothing to destroy.
    pub destroy: bool,
}

impl PlanContext<'_> {
    /// ` (account 123456789012, region us-east-1)`, or nothing without a live read.
    fn target(&self) -> String {
        match (self.account, self.region) {
            (Some(account), Some(region)) => format!(" (account {account}, region {region})"),
            (Some(account), None) => format!(" (account {account})"),
            _ => String::new(),
        }
    }
}

/// The warning of a run limited with `--target`, as Terraform warns of `-target`: what the run
/// does not show may differ from the spec.
pub fn targeting(targets: &[String]) -> String {
    let noun = if targets.len() == 1 { "endpoint" } else { "endpoints" };
    format!(
        "Warning: limited by --target to {noun} {}: the spec's other endpoints were not read from AWS, and this run shows nothing of them.",
        targets.join(", ")
    )
}

pub fn render(plan: &Plan, ctx: &PlanContext<'_>, p: &Palette) -> String {
    let mut out = String::new();
    if !plan.targets.is_empty() {
        out.push_str(&format!("{}\n\n", p.yellow(&targeting(&plan.targets))));
    }
    notices(&mut out, "Unprotected: auto scaling is missing and is put back first", &plan.unprotected, p);
    notices(
        &mut out,
        "Conflicts: these endpoints are not managed by this project and are left alone",
        &plan.conflicts,
        p,
    );
    notices(&mut out, "Skipped: these endpoints cannot be changed now", &plan.skipped, p);
    notices(&mut out, "Blocked: the spec's rollout cannot update these endpoints as they are live", &plan.blocked, p);
    notices(&mut out, "Rollouts: settings that take effect at the next update", &plan.deferred, p);
    if !plan.changes.iter().any(|c| c.action != Action::NoOp) {
        let alone = plan.conflicts.is_empty() && plan.skipped.is_empty() && plan.blocked.is_empty();
        if ctx.destroy {
            // A --target run says so in its warning above; the words stay the same.
            let what = if alone { "Nothing to destroy" } else { "Nothing else to destroy" };
            out.push_str(&format!(
                "{what}{}.
",
                ctx.target()
            ));
        } else if alone {
            let which = if plan.targets.is_empty() { "The" } else { "The targeted" };
            out.push_str(&format!(
                "No changes. {which} endpoints of project {:?} match the spec{}.\n",
                ctx.project,
                ctx.target()
            ));
        } else {
            out.push_str(&format!("No other changes{}.\n", ctx.target()));
        }
        return out;
    }
    out.push_str(&format!("endpoint-scale plan for project {:?}{}", ctx.project, ctx.target()));
    if ctx.offline {
        out.push_str(" (offline: the live state is taken as empty)");
    }
    out.push_str("\n\nSymbols: ");
    let legend: Vec<String> = [Action::Create, Action::Update, Action::Replace, Action::Delete]
        .iter()
        .filter(|a| plan.changes.iter().any(|c| c.action == **a))
        .map(|a| format!("{} {}", paint(p, *a, a.symbol()), action_word(*a)))
        .collect();
    out.push_str(&legend.join(", "));
    out.push('\n');
    for (endpoint, changes) in plan.by_endpoint() {
        let changes: Vec<&Change> = changes.into_iter().filter(|c| c.action != Action::NoOp).collect();
        if changes.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{}\n", p.bold(&format!("endpoint {endpoint}"))));
        for change in changes {
            render_change(&mut out, change, p);
        }
        if let Some(steps) = plan.steps_of(endpoint).filter(|s| s.shows_order()) {
            out.push_str("\n  Order of operations (AWS requires it):\n");
            for (i, step) in steps.steps.iter().enumerate() {
                out.push_str(&format!("    {:>2}. {}\n", i + 1, step.describe()));
            }
            if !steps.restore.is_empty() {
                out.push_str(&format!(
                    "\n  If the update does not complete (rollback, timeout, interrupt, error), apply puts the auto\n  scaling of {} back as it is now:\n",
                    steps.restores().join(", ")
                ));
                for step in &steps.restore {
                    out.push_str(&format!("     - {}\n", step.describe()));
                }
            }
        }
        for r in plan.rollouts.iter().filter(|r| r.endpoint == endpoint) {
            out.push_str(&crate::render::rollout::text(r, ctx.region));
        }
    }
    let s = plan.summary();
    out.push_str(&format!(
        "\n{} {} to create, {} to update, {} to replace, {} to delete.\n",
        p.bold("Plan:"),
        s.create,
        s.update,
        s.replace,
        s.delete
    ));
    out
}

fn notices(out: &mut String, title: &str, list: &[crate::plan::Notice], p: &Palette) {
    if list.is_empty() {
        return;
    }
    out.push_str(&format!("{}\n", p.yellow(title)));
    for n in list {
        out.push_str(&format!("  ! {}\n    hint: {}\n", n.message, n.hint));
    }
    out.push('\n');
}

fn action_word(a: Action) -> &'static str {
    match a {
        Action::NoOp => "unchanged",
        Action::Create => "create",
        Action::Update => "update in place",
        Action::Replace => "replace",
        Action::Delete => "delete",
    }
}

fn render_change(out: &mut String, change: &Change, p: &Palette) {
    let symbol = paint(p, change.action, change.action.symbol());
    out.push_str(&format!("  {symbol} {}", change.address));
    if let Some(reason) = &change.reason {
        out.push_str(&format!("  # {reason}"));
    }
    out.push('\n');
    let indent = 6;
    match (change.action, &change.before, &change.after) {
        (Action::Create | Action::Replace, _, Some(after)) => {
            attributes(out, &after.display_attributes(), indent, Action::Create, p);
        }
        (Action::Update, Some(before), Some(after)) => {
            let (before, after) = Resource::display_pair(before, after);
            changed_attributes(out, &before, &after, indent, p);
        }
        _ => {}
    }
}

/// All attributes of an object, each prefixed with the action's symbol.
fn attributes(out: &mut String, value: &Value, indent: usize, action: Action, p: &Palette) {
    let Value::Object(map) = value else { return };
    let width = map.keys().map(|k| key(k).chars().count()).max().unwrap_or(0);
    for (k, v) in map {
        line(out, indent, paint(p, action, action.symbol()), &key(k), width, &scalar_or_open(v));
        nested(out, v, indent, action, p);
    }
}

fn nested(out: &mut String, v: &Value, indent: usize, action: Action, p: &Palette) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            attributes(out, v, indent + 4, action, p);
            out.push_str(&format!("{}}}\n", " ".repeat(indent + 2)));
        }
        Value::Array(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&format!(
                    "{}{} {}\n",
                    " ".repeat(indent + 4),
                    paint(p, action, action.symbol()),
                    scalar_or_open(item)
                ));
                match item {
                    Value::Object(m) if !m.is_empty() => {
                        attributes(out, item, indent + 8, action, p);
                        out.push_str(&format!("{}}},\n", " ".repeat(indent + 6)));
                    }
                    _ => {}
                }
            }
            out.push_str(&format!("{}]\n", " ".repeat(indent + 2)));
        }
        _ => {}
    }
}

/// Only what differs between two objects: `~ key = old -> new`, `+ key = new`, `- key = old`.
fn changed_attributes(out: &mut String, before: &Value, after: &Value, indent: usize, p: &Palette) {
    let (Value::Object(b), Value::Object(a)) = (before, after) else { return };
    let mut keys: Vec<&String> = a.keys().collect();
    keys.extend(b.keys().filter(|k| !a.contains_key(*k)));
    let width = keys.iter().map(|k| key(k).chars().count()).max().unwrap_or(0);
    let mut unchanged = 0;
    for k in keys {
        match (b.get(k), a.get(k)) {
            (Some(old), Some(new)) if old == new => unchanged += 1,
            (Some(old @ Value::Object(_)), Some(new @ Value::Object(_))) => {
                line(out, indent, paint(p, Action::Update, "~"), &key(k), width, "{");
                changed_attributes(out, old, new, indent + 4, p);
                out.push_str(&format!("{}}}\n", " ".repeat(indent + 2)));
            }
            (Some(old), Some(new)) => {
                let text = format!("{} -> {}", compact(old), compact(new));
                line(out, indent, paint(p, Action::Update, "~"), &key(k), width, &text);
            }
            (None, Some(new)) => line(out, indent, paint(p, Action::Create, "+"), &key(k), width, &compact(new)),
            (Some(old), None) => line(out, indent, paint(p, Action::Delete, "-"), &key(k), width, &compact(old)),
            (None, None) => {}
        }
    }
    if unchanged > 0 {
        let noun = if unchanged == 1 { "attribute" } else { "attributes" };
        out.push_str(&format!("{}# ({unchanged} unchanged {noun} hidden)\n", " ".repeat(indent + 2)));
    }
}

fn line(out: &mut String, indent: usize, symbol: String, key: &str, width: usize, value: &str) {
    let pad = width.saturating_sub(key.chars().count());
    out.push_str(&format!("{}{symbol} {key}{} = {value}\n", " ".repeat(indent), " ".repeat(pad)));
}

/// A key as written: bare when it is a plain identifier, quoted otherwise (tag keys with `:`).
fn key(k: &str) -> String {
    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        k.to_string()
    } else {
        format!("{k:?}")
    }
}

fn scalar_or_open(v: &Value) -> String {
    match v {
        Value::Object(m) if !m.is_empty() => "{".to_string(),
        Value::Array(a) if !a.is_empty() => "[".to_string(),
        other => compact(other),
    }
}

/// One-line form of a value. Whole floats print without a fraction (600, not 600.0).
fn compact(v: &Value) -> String {
    match v {
        Value::String(s) if s == crate::secrets::MASK => s.clone(),
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Array(items) => format!("[{}]", items.iter().map(compact).collect::<Vec<_>>().join(", ")),
        // Terraform's `{}`, not `{  }`.
        Value::Object(m) if m.is_empty() => "{}".to_string(),
        Value::Object(m) => {
            let inner: Vec<String> = m.iter().map(|(k, v)| format!("{} = {}", key(k), compact(v))).collect();
            format!("{{ {} }}", inner.join(", "))
        }
    }
}

/// The colour of each action, as terraform shows them: create green, update yellow, replace
/// magenta, delete red.
fn paint(p: &Palette, action: Action, text: &str) -> String {
    match action {
        Action::Create => p.green(text),
        Action::Update => p.yellow(text),
        Action::Replace => p.magenta(text),
        Action::Delete => p.dim_red(text),
        Action::NoOp => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn compact_values() {
        assert_eq!(compact(&json!(600.0)), "600");
        assert_eq!(compact(&json!(0.5)), "0.5");
        assert_eq!(compact(&json!("a\"b")), "\"a\\\"b\"");
        assert_eq!(compact(&json!({"a:b": 1})), "{ \"a:b\" = 1 }");
        assert_eq!(compact(&json!({})), "{}");
        assert_eq!(compact(&json!([])), "[]");
    }

    #[test]
    fn update_shows_only_changes() {
        let mut out = String::new();
        changed_attributes(
            &mut out,
            &json!({"min_capacity": 1, "max_capacity": 4, "tags": {"a": "1"}}),
            &json!({"min_capacity": 2, "max_capacity": 4, "tags": {"a": "1", "b": "2"}}),
            6,
            &Palette::plain(),
        );
        assert_eq!(
            out,
            "      ~ min_capacity = 1 -> 2\n      ~ tags         = {\n          + b = \"2\"\n            # (1 unchanged attribute hidden)\n        }\n        # (1 unchanged attribute hidden)\n"
        );
    }
}
