//! Drift, field by field: for `diff`, which answers "does AWS still match the spec?" for CI.
//! Each line names the resource, the field, the live value and the spec's value.

use serde_json::Value;

use crate::plan::{Action, Plan};

pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    for n in &plan.unprotected {
        out.push_str(&format!("! {} ({})\n", n.message, n.hint));
    }
    for n in &plan.conflicts {
        out.push_str(&format!("! {} ({})\n", n.message, n.hint));
    }
    for n in &plan.skipped {
        out.push_str(&format!("? {} ({})\n", n.message, n.hint));
    }
    for c in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        match (c.action, &c.before, &c.after) {
            (Action::Create, _, _) => out.push_str(&format!("+ {}: in the spec, missing in AWS\n", c.address)),
            (Action::Delete, _, _) => out.push_str(&format!("- {}: in AWS, no longer in the spec\n", c.address)),
            (_, Some(before), Some(after)) => {
                out.push_str(&format!("~ {}\n", c.address));
                let mut fields = Vec::new();
                fields_differing(&before.display_attributes(), &after.display_attributes(), String::new(), &mut fields);
                for (path, live, spec) in fields {
                    out.push_str(&format!("    {path}: live {live}, spec {spec}\n"));
                }
            }
            _ => {}
        }
    }
    if out.is_empty() {
        out.push_str("In sync: AWS matches the spec.\n");
    }
    out
}

fn fields_differing(live: &Value, spec: &Value, path: String, out: &mut Vec<(String, String, String)>) {
    match (live, spec) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = b.keys().collect();
            keys.extend(a.keys().filter(|k| !b.contains_key(*k)));
            for k in keys {
                let sub = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                fields_differing(a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null), sub, out);
            }
        }
        // Lists of named things (variants) are matched by name, so the path says which one.
        (Value::Array(a), Value::Array(b)) if a.iter().chain(b).all(|v| v.get("name").is_some()) => {
            let name = |v: &Value| v["name"].as_str().unwrap_or_default().to_string();
            let mut names: Vec<String> = b.iter().map(name).collect();
            names.extend(a.iter().map(name).filter(|n| !b.iter().any(|v| name(v) == *n)));
            for n in names {
                let find = |list: &Vec<Value>| list.iter().find(|v| name(v) == n).cloned().unwrap_or(Value::Null);
                fields_differing(&find(a), &find(b), format!("{path}[{n}]"), out);
            }
        }
        (a, b) if a != b => out.push((path, show(a), show(b))),
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
        fields_differing(
            &json!({"variants": [{"name": "a", "weight": 1.0}, {"name": "b", "instance_count": 1, "weight": 1.0}]}),
            &json!({"variants": [{"name": "a", "weight": 1.0}, {"name": "b", "instance_count": 3, "weight": 1.0}]}),
            String::new(),
            &mut out,
        );
        assert_eq!(out, [("variants[b].instance_count".to_string(), "1".to_string(), "3".to_string())]);
    }
}
