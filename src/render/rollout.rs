//! The rollout of an endpoint's update, for the human and JSON plans: the strategy, the alarms
//! it watches, each variant's timeline (start, duration, what happens, instances running), the
//! peak, the extra instance-hours and their cost from the shipped price table of the plan's
//! region, the assumed launch time (in its stages) and what a rollback does.

use serde_json::{json, Value};

use crate::model::{Phase, TimelineStep};
use crate::plan::{RolloutPlan, VariantRollout};
use crate::simulate::prices::PriceTable;
use crate::validate::format_duration;

fn phase_text(step: &TimelineStep) -> String {
    let instances = |n: u32| crate::diagnostic::plural(n, "instance");
    match &step.phase {
        Phase::ProvisionGreen { instances: n } => format!("launch the new fleet ({})", instances(*n)),
        Phase::Shift { step, green_instances, traffic_percent } => {
            format!("shift {step}: {traffic_percent}% of traffic to {} of the new fleet", instances(*green_instances))
        }
        Phase::Batch { step, instances: n, traffic_percent, .. } => {
            format!("batch {step}: launch {}, {traffic_percent}% of traffic on new instances", instances(*n))
        }
        Phase::Bake => "bake: the alarms are watched".to_string(),
        Phase::TerminationWait => "termination wait: the old fleet idles, then is terminated".to_string(),
    }
}

/// The extra cost of a variant's rollout: `Ok((cost, per_hour))`, or why there is none.
fn cost(v: &VariantRollout, region: Option<&str>) -> Result<(f64, f64), String> {
    let Some(region) = region else { return Err("no region, so no price".to_string()) };
    let Some(table) = PriceTable::shipped_in(region) else {
        return Err(format!("no price table ships for region {region}"));
    };
    match table.get(&v.instance_type) {
        Ok(price) => Ok((v.timeline.extra_instance_seconds as f64 / 3600.0 * price.per_hour, price.per_hour)),
        Err(_) => Err(format!("no price for {} in {region}", v.instance_type)),
    }
}

fn hours(seconds: u64) -> String {
    format!("{:.2}", seconds as f64 / 3600.0)
}

/// The rollout section under an endpoint's update in the human plan (indented by 2).
pub fn text(r: &RolloutPlan, region: Option<&str>) -> String {
    let mut out = String::new();
    let alarms: Vec<String> =
        r.alarms.iter().map(|a| format!("{} ({})", a.name, if a.owned { "owned" } else { "the team's" })).collect();
    out.push_str(&format!("\n  Rollout: {}", r.strategy));
    if alarms.is_empty() {
        out.push_str(", no rollback alarms\n");
    } else {
        out.push_str(&format!(", rolled back by alarm {}\n", alarms.join(", ")));
    }
    for v in &r.variants {
        let t = &v.timeline;
        out.push_str(&format!("    variant {} ({} x {}, the live count):\n", v.variant, t.instances, v.instance_type));
        out.push_str(&format!("      {:<8} {:<8} {:<9} what happens\n", "at", "for", "running"));
        for s in &t.steps {
            out.push_str(&format!(
                "      {:<8} {:<8} {:<9} {}\n",
                format_duration(s.start_seconds),
                format_duration(s.duration_seconds),
                s.running_instances,
                phase_text(s)
            ));
        }
        let money = match cost(v, region) {
            Ok((c, per_hour)) => format!("about ${c:.2} at ${per_hour}/hour"),
            Err(why) => format!("cost unknown: {why}"),
        };
        out.push_str(&format!(
            "      done after {}; peak {}; {} extra instance-hours, {money}\n",
            format_duration(t.total_seconds),
            crate::diagnostic::plural(t.peak_instances, "instance"),
            hours(t.extra_instance_seconds),
        ));
        if let Some(warning) = &v.warning {
            out.push_str(&format!("      warning: {warning}\n"));
        }
    }
    out.push_str(&format!(
        "    Assumed: launching instances takes {} = provision {}m + image pull {}m + model load {}m (AWS documents no launch durations; --provision-minutes, --image-pull-minutes, --model-load-minutes change them).\n",
        format_duration(u64::from(r.launch_seconds)),
        r.launch.provision_minutes,
        r.launch.image_pull_minutes,
        r.launch.model_load_minutes
    ));
    if let Some(max) = r.max_execution_seconds {
        out.push_str(&format!(
            "    The update is rolled back if it takes longer than {}.\n",
            format_duration(u64::from(max))
        ));
    }
    out.push_str(&format!(
        "    Apply waits up to {} for it: {} (or --wait-timeout, if longer).\n",
        format_duration(r.wait_seconds),
        r.wait_reason
    ));
    out.push_str(&format!("    On rollback: {}\n", r.rollback));
    for warning in &r.warnings {
        out.push_str(&format!("    warning: {warning}\n"));
    }
    out
}

/// The rollout as data, for the JSON plan: [`RolloutPlan`] with each variant's cost.
pub fn json(r: &RolloutPlan, region: Option<&str>) -> Value {
    let mut value = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Some(variants) = value.get_mut("variants").and_then(Value::as_array_mut) {
        for (item, v) in variants.iter_mut().zip(&r.variants) {
            item["extra_instance_hours"] = json!(v.timeline.extra_instance_seconds as f64 / 3600.0);
            match cost(v, region) {
                Ok((c, per_hour)) => {
                    item["extra_cost"] = json!((c * 100.0).round() / 100.0);
                    item["price_per_hour"] = json!(per_hour);
                }
                Err(why) => {
                    item["extra_cost"] = Value::Null;
                    item["cost_unknown"] = json!(why);
                }
            }
        }
    }
    value
}
