//! What an apply or destroy did, endpoint by endpoint, for `--output json`: gathered from
//! apply's [`Event`]s (apply reports nothing any other way) and written as one JSON document at
//! the end, with a `format_version` like the JSON plan. README.md documents every field.
//!
//! Per endpoint: the steps done (operation and the resource each acted on), the final status,
//! why it failed (AWS's FailureReason when the endpoint has one, else the error sentence), the
//! auto scaling put back or left missing, warnings, and how long it took; then totals.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use crate::apply::Event;
use crate::plan::Plan;

/// Bumped on any change that could break a consumer of the document; new fields may appear
/// within a version.
pub const FORMAT_VERSION: &str = "1.0";

/// How one endpoint ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Every step ran (clean-up steps that failed are warnings).
    Succeeded,
    /// A step failed; the endpoint may be half-way (run apply again to converge).
    Failed,
    /// SageMaker rolled the update back: the endpoint serves what it served before.
    RolledBack,
    /// Ctrl-C or SIGTERM stopped it between steps (or, with a second one, during a step).
    Interrupted,
    /// The plan left it alone: it could not be changed now (Creating, Updating, Failed, ...).
    Skipped,
}

#[derive(Debug, Clone)]
struct Record {
    endpoint: String,
    planned: usize,
    started: Option<Instant>,
    ended: Option<Instant>,
    steps: Vec<Value>,
    /// `None` while it runs.
    status: Option<Status>,
    failure_reason: Option<String>,
    error: Option<String>,
    warnings: Vec<String>,
    restored: Vec<String>,
    missing: Vec<String>,
}

impl Record {
    fn new(endpoint: &str, planned: usize) -> Self {
        Record {
            endpoint: endpoint.to_string(),
            planned,
            started: None,
            ended: None,
            steps: Vec::new(),
            status: None,
            failure_reason: None,
            error: None,
            warnings: Vec::new(),
            restored: Vec::new(),
            missing: Vec::new(),
        }
    }
}

/// Where and what the run was, for the document's header.
pub struct Context<'a> {
    /// `apply` or `destroy`.
    pub command: &'a str,
    pub project: &'a str,
    pub account: &'a str,
    pub region: &'a str,
}

/// Listens to apply's events; [`Results::render`] writes the document.
pub struct Results {
    started: Instant,
    records: Mutex<Vec<Record>>,
}

impl Results {
    /// One record per endpoint of the plan, in the plan's order: those with steps, then those
    /// the plan skipped (with the reason it gave).
    pub fn new(plan: &Plan) -> Self {
        let mut records: Vec<Record> = plan.steps.iter().map(|s| Record::new(&s.endpoint, s.steps.len())).collect();
        for notice in &plan.skipped {
            let mut record = Record::new(&notice.endpoint, 0);
            record.status = Some(Status::Skipped);
            record.failure_reason = Some(notice.message.clone());
            record.error = Some(format!("{} ({})", notice.message, notice.hint));
            records.push(record);
        }
        Results { started: Instant::now(), records: Mutex::new(records) }
    }

    pub fn event(&self, event: &Event) {
        let now = Instant::now();
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let endpoint = match event {
            Event::Started { endpoint, .. }
            | Event::Step { endpoint, .. }
            | Event::StepDone { endpoint, .. }
            | Event::Waiting { endpoint, .. }
            | Event::Finished { endpoint }
            | Event::Failed { endpoint, .. }
            | Event::Warning { endpoint, .. }
            | Event::Interrupted { endpoint, .. }
            | Event::Restoring { endpoint, .. }
            | Event::Restored { endpoint, .. }
            | Event::RestoreFailed { endpoint, .. } => endpoint,
        };
        let record = match records.iter().position(|r| r.endpoint == *endpoint) {
            Some(i) => &mut records[i],
            None => {
                records.push(Record::new(endpoint, 0));
                records.last_mut().expect("just pushed")
            }
        };
        match event {
            Event::Started { steps, .. } => {
                record.started = Some(now);
                record.planned = *steps;
            }
            Event::StepDone { operation, resource, .. } => record.steps.push(json!({
                "operation": operation,
                "type": resource.kind,
                "name": resource.name,
            })),
            Event::Finished { .. } => {
                record.status = Some(Status::Succeeded);
                record.ended = Some(now);
            }
            Event::Failed { error, rolled_back, reason, .. } => {
                record.status = Some(if *rolled_back { Status::RolledBack } else { Status::Failed });
                record.failure_reason = Some(reason.clone().unwrap_or_else(|| error.clone()));
                record.error = Some(error.clone());
                record.ended = Some(now);
            }
            Event::Interrupted { .. } => {
                record.status = Some(Status::Interrupted);
                record.ended = Some(now);
            }
            Event::Warning { message, .. } => record.warnings.push(message.clone()),
            // The restore runs after the failure was recorded: it only adds what became of the
            // variants' auto scaling, and the run's end.
            Event::Restored { variants, .. } => {
                record.restored = variants.clone();
                record.ended = Some(now);
            }
            Event::RestoreFailed { variants, error, .. } => {
                record.missing = variants.clone();
                record.warnings.push(error.clone());
                record.ended = Some(now);
            }
            Event::Step { .. } | Event::Waiting { .. } | Event::Restoring { .. } => {}
        }
    }

    /// The document; endpoints still running (a second interrupt stopped everything at once)
    /// show as interrupted.
    pub fn render(&self, ctx: &Context<'_>, targets: &[String]) -> String {
        let now = Instant::now();
        let records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let mut totals = json!({
            "endpoints": records.len(),
            "succeeded": 0,
            "failed": 0,
            "rolled_back": 0,
            "interrupted": 0,
            "skipped": 0,
            "steps_done": 0,
        });
        let endpoints: Vec<Value> = records
            .iter()
            .map(|r| {
                let status = r.status.unwrap_or(Status::Interrupted);
                let key = serde_json::to_value(status).ok().and_then(|v| v.as_str().map(str::to_string));
                if let Some(key) = key {
                    totals[&key] = json!(totals[&key].as_u64().unwrap_or(0) + 1);
                }
                totals["steps_done"] = json!(totals["steps_done"].as_u64().unwrap_or(0) + r.steps.len() as u64);
                let duration = match (r.started, r.ended) {
                    (Some(start), Some(end)) => end.saturating_duration_since(start),
                    (Some(start), None) => now.saturating_duration_since(start),
                    _ => Duration::ZERO,
                };
                json!({
                    "endpoint": r.endpoint,
                    "status": status,
                    "steps_planned": r.planned,
                    "steps_done": r.steps,
                    "failure_reason": r.failure_reason,
                    "error": r.error,
                    "warnings": r.warnings,
                    "auto_scaling_restored": r.restored,
                    "auto_scaling_missing": r.missing,
                    "duration_seconds": seconds(duration),
                })
            })
            .collect();
        let complete = records.iter().all(|r| r.status == Some(Status::Succeeded));
        let doc = json!({
            "format_version": FORMAT_VERSION,
            "command": ctx.command,
            "project": ctx.project,
            "account": ctx.account,
            "region": ctx.region,
            "targets": targets,
            "complete": complete,
            "duration_seconds": seconds(now.saturating_duration_since(self.started)),
            "endpoints": endpoints,
            "totals": totals,
        });
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Seconds with millisecond precision.
fn seconds(d: Duration) -> f64 {
    d.as_millis() as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{EndpointSteps, Notice, Step};
    use crate::resources::{Address, Kind};

    fn plan() -> Plan {
        let steps = |endpoint: &str| EndpointSteps {
            endpoint: endpoint.into(),
            steps: vec![
                Step::DeleteModel { name: format!("{endpoint}-0a1b2c3d") },
                Step::DeleteEndpoint { endpoint: endpoint.into() },
            ],
            restore: Vec::new(),
        };
        Plan {
            steps: vec![steps("a"), steps("b")],
            skipped: vec![Notice {
                endpoint: "c".into(),
                message: "endpoint c is Updating".into(),
                hint: "wait".into(),
            }],
            ..Plan::default()
        }
    }

    fn done(endpoint: &str, index: usize) -> Event {
        Event::StepDone {
            endpoint: endpoint.into(),
            index,
            operation: "DeleteModel",
            resource: Address { kind: Kind::Model, name: format!("{endpoint}-0a1b2c3d") },
        }
    }

    #[test]
    fn statuses_reasons_and_totals_come_from_the_events() {
        let results = Results::new(&plan());
        for e in [
            Event::Started { endpoint: "a".into(), steps: 2 },
            Event::Started { endpoint: "b".into(), steps: 2 },
            done("a", 1),
            done("b", 1),
            Event::Finished { endpoint: "a".into() },
            Event::Failed {
                endpoint: "b".into(),
                error: "the update of endpoint b failed and SageMaker rolled it back".into(),
                rolled_back: true,
                reason: Some("health check failed".into()),
            },
            Event::Restored { endpoint: "b".into(), variants: vec!["main".into()] },
        ] {
            results.event(&e);
        }
        let ctx = Context { command: "apply", project: "p", account: "123456789012", region: "us-east-1" };
        let mut doc: Value = serde_json::from_str(&results.render(&ctx, &[])).unwrap();
        // Durations are the clock's: only their presence is checked.
        assert!(doc["duration_seconds"].is_f64());
        for e in doc["endpoints"].as_array_mut().unwrap() {
            assert!(e["duration_seconds"].is_f64(), "{e}");
            e.as_object_mut().unwrap().remove("duration_seconds");
        }
        doc.as_object_mut().unwrap().remove("duration_seconds");
        let step = |e: &str| json!({"operation": "DeleteModel", "type": "model", "name": format!("{e}-0a1b2c3d")});
        assert_eq!(
            doc,
            json!({
                "format_version": "1.0",
                "command": "apply",
                "project": "p",
                "account": "123456789012",
                "region": "us-east-1",
                "targets": [],
                "complete": false,
                "endpoints": [
                    {"endpoint": "a", "status": "succeeded", "steps_planned": 2, "steps_done": [step("a")],
                     "failure_reason": null, "error": null, "warnings": [], "auto_scaling_restored": [],
                     "auto_scaling_missing": []},
                    {"endpoint": "b", "status": "rolled_back", "steps_planned": 2, "steps_done": [step("b")],
                     "failure_reason": "health check failed",
                     "error": "the update of endpoint b failed and SageMaker rolled it back", "warnings": [],
                     "auto_scaling_restored": ["main"], "auto_scaling_missing": []},
                    {"endpoint": "c", "status": "skipped", "steps_planned": 0, "steps_done": [],
                     "failure_reason": "endpoint c is Updating", "error": "endpoint c is Updating (wait)",
                     "warnings": [], "auto_scaling_restored": [], "auto_scaling_missing": []},
                ],
                "totals": {"endpoints": 3, "succeeded": 1, "failed": 0, "rolled_back": 1, "interrupted": 0,
                           "skipped": 1, "steps_done": 2},
            })
        );
    }

    #[test]
    fn an_endpoint_still_running_at_the_end_was_interrupted() {
        let results = Results::new(&Plan { steps: plan().steps[..1].to_vec(), ..Plan::default() });
        results.event(&Event::Started { endpoint: "a".into(), steps: 2 });
        let ctx = Context { command: "destroy", project: "p", account: "1", region: "r" };
        let doc: Value = serde_json::from_str(&results.render(&ctx, &["a".to_string()])).unwrap();
        assert_eq!(doc["endpoints"][0]["status"], "interrupted");
        assert_eq!(doc["targets"], json!(["a"]));
        assert_eq!(doc["totals"]["interrupted"], 1);
    }
}
