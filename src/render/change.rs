//! `recommend SPEC`'s answer for people: the recommendation as a change to the spec's variant,
//! in the plan's symbols (`~` changed, `+` added, `-` removed), then the monthly saving and the
//! verdict sentence of `simulate --compare`. Kept apart from the simulation views it reuses.

use crate::simulate::current::{Change, Current, FieldChange};

use super::simulation::{money, oscillation_warning, percent, verdict_sentence};

/// What the recommendation changes in the current spec, or that it changes nothing.
pub fn against_current(current: &Current, change: Option<&Change>, max_overload: f64) -> String {
    let r = &current.result;
    let mut out =
        format!("\nAgainst the current spec ({}, {}/{}), on the same traffic:\n", r.label, r.endpoint, r.variant);
    if current.traffic_share < 1.0 {
        out.push_str(&format!(
            "The variant takes {} of the endpoint's traffic (its `initial_weight` over the sum); the search ran on that share.\n",
            percent(current.traffic_share)
        ));
    }
    let over = format!("{} of invocations over capacity", percent(current.overload_share));
    let budget = percent(max_overload);
    match change {
        None if current.best => out.push_str(&format!(
            "\nThe current configuration is already the best found: {} a month with {over}, within the {budget} budget. No change.\n",
            money(current.monthly_cost)
        )),
        // Nothing within the budget to compare with (the command then fails and says so).
        None => out.push_str(&format!(
            "\nThe current configuration costs {} a month with {over}; no configuration found is within the {budget} budget.\n",
            money(current.monthly_cost)
        )),
        Some(c) => {
            if !current.within_budget {
                out.push_str(&format!("The current configuration has {over}, over the {budget} budget.\n"));
            }
            out.push('\n');
            out.push_str(&fields(&c.fields, c.target_unit));
            for caveat in &c.caveats {
                out.push_str(&format!("  Note: {caveat}\n"));
            }
            out.push_str(&format!(
                "\nPer month (30 days): {} now, {} recommended: {}.\n",
                money(c.current_monthly_cost),
                money(c.monthly_cost),
                saving(c)
            ));
            out.push_str(&verdict_sentence(&c.verdict));
            out.push('\n');
        }
    }
    if let Some(warning) = oscillation_warning(r) {
        out.push('\n');
        out.push_str(&warning);
    }
    out
}

/// `~ key = before -> after`, `+ key = after`, `- key = before`, keys aligned.
fn fields(fields: &[FieldChange], target_unit: &str) -> String {
    let width = fields.iter().map(|f| f.field.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for f in fields {
        let show = |v: &Option<String>| v.clone().unwrap_or_default();
        let (symbol, value) = match f.action {
            "update" => ("~", format!("{} -> {}", show(&f.before), show(&f.after))),
            "create" => ("+", show(&f.after)),
            _ => ("-", show(&f.before)),
        };
        let unit = if f.field == "autoscaling.target" { format!(" ({target_unit})") } else { String::new() };
        out.push_str(&format!("  {symbol} {:<width$} = {value}{unit}\n", f.field));
    }
    out
}

/// The monthly saving in words, compared as displayed (cents).
fn saving(c: &Change) -> String {
    let amount = money(c.monthly_saving.abs());
    let share = c.monthly_saving_share.map(|s| format!(" ({:.1}%)", s.abs() * 100.0)).unwrap_or_default();
    if amount == money(0.0) {
        "the same cost".to_string()
    } else if c.monthly_saving > 0.0 {
        format!("saves {amount} a month{share}")
    } else {
        format!("costs {amount} a month more{share}")
    }
}
