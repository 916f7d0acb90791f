//! Carries out a plan: each endpoint's steps in order, independent endpoints in parallel
//! (bounded), waits that check the endpoint really runs the intended config. It executes the
//! plan's steps and nothing else (what an interrupted run left behind is deleted by steps the
//! next plan shows). It never prints: it emits [`Event`]s, and the caller decides how to show
//! them.
//!
//! Every step is safe to repeat, so re-running apply after a failure or an interruption
//! converges: creates of content-named resources that already exist and deletes of resources
//! already gone count as done.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use tokio::sync::Notify;

use crate::aws::{Aws, AwsError, AwsErrorKind, EndpointDesc, WaitOptions};
use crate::live::{ownership, Ownership};
use crate::plan::{EndpointSteps, Plan, Step};
use crate::resources::{Address, ConfigResource, ModelResource, WeightAndCapacity};

/// What apply reports as it goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Started {
        endpoint: String,
        steps: usize,
    },
    Step {
        endpoint: String,
        index: usize,
        total: usize,
        description: String,
    },
    /// Step `index` (from 1) completed; a clean-up step that failed with a [`Event::Warning`]
    /// counts as done too, as it does in [`Outcome::done`].
    StepDone {
        endpoint: String,
        index: usize,
        operation: &'static str,
        resource: Address,
    },
    Waiting {
        endpoint: String,
        status: String,
        /// The deployment phase of a rollout, as DescribeEndpoint's VariantStatus gives it.
        phase: Option<String>,
        elapsed: Duration,
    },
    Finished {
        endpoint: String,
    },
    /// The endpoint's steps stopped on an error. `rolled_back`: SageMaker rolled the change
    /// back; `reason`: AWS's FailureReason, when the error carries one.
    Failed {
        endpoint: String,
        error: String,
        rolled_back: bool,
        reason: Option<String>,
    },
    /// A clean-up step failed; the endpoint is done all the same and the next plan shows the
    /// clean-up again.
    Warning {
        endpoint: String,
        message: String,
    },
    Interrupted {
        endpoint: String,
        done: usize,
        total: usize,
    },
    /// The steps stopped with these variants deregistered: their auto scaling is being put back.
    Restoring {
        endpoint: String,
        variants: Vec<String>,
    },
    /// Their auto scaling is back as it was before the run.
    Restored {
        endpoint: String,
        variants: Vec<String>,
    },
    /// Putting their auto scaling back failed: they run at a fixed count until the next apply.
    RestoreFailed {
        endpoint: String,
        variants: Vec<String>,
        error: String,
    },
}

/// Ctrl-C: once cancelled, no new step starts and waits stop at once.
#[derive(Default)]
pub struct Cancel {
    flag: AtomicBool,
    notify: Notify,
}

impl Cancel {
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    async fn cancelled(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    pub wait: WaitOptions,
    pub parallelism: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(
        "the update of endpoint {endpoint} failed and SageMaker rolled it back to {actual} (expected {expected}): {reason}"
    )]
    RolledBack { endpoint: String, expected: String, actual: String, reason: String },
    /// `named`: the alarms are those the FailureReason names (the cause); else those in ALARM
    /// when apply read them after the rollback (the likely cause, not a certain one).
    #[error(
        "the rollout of endpoint {endpoint} was rolled back by SageMaker {}; the endpoint still runs {actual}: {}. Find out what the alarm saw, fix the cause and run apply again: the next plan shows the update again",
        alarm_cause(alarms, *named),
        reason.trim_end_matches('.')
    )]
    AlarmRolledBack { endpoint: String, alarms: Vec<String>, named: bool, actual: String, reason: String },
    #[error("endpoint {endpoint} is {status}: {reason}")]
    Failed { endpoint: String, status: String, reason: String },
    #[error(
        "the capacity update of endpoint {endpoint} did not take effect ({difference}): SageMaker rolled it back: {reason}. Fix the cause (instance quota, capacity in the region) and run apply again"
    )]
    CapacityRolledBack { endpoint: String, difference: String, reason: String },
    #[error(
        "endpoint {endpoint} is UpdateRollbackFailed: SageMaker could not roll back a failed update: {reason}. It needs attention: look at it in the SageMaker console; once it is InService again run apply, or delete it (`{delete}`) and apply again"
    )]
    RollbackFailed { endpoint: String, reason: String, delete: String },
    #[error(
        "timed out after {waited} waiting for endpoint {endpoint} (still {status}); it keeps changing in AWS: run apply again once it is InService, or raise --wait-timeout"
    )]
    Timeout { endpoint: String, status: String, waited: String },
    #[error("interrupted")]
    Interrupted,
    #[error(
        "refused to change {resource}: {why}. endpoint-scale changes only what carries the ownership tags of project {project:?}, checked when each step runs; the step was not run"
    )]
    NotOwned { resource: String, why: String, project: String },
    #[error(
        "{resource} already exists and is not the one this spec would create: {why}. Nothing was built on it; rename or delete it, or change the spec"
    )]
    Conflict { resource: String, why: String },
}

impl ApplyError {
    /// SageMaker rolled the change back: the endpoint serves what it served before.
    pub fn rolled_back(&self) -> bool {
        matches!(
            self,
            ApplyError::RolledBack { .. } | ApplyError::CapacityRolledBack { .. } | ApplyError::AlarmRolledBack { .. }
        )
    }

    /// AWS's FailureReason of the endpoint (DescribeEndpoint), when the error comes from one.
    pub fn failure_reason(&self) -> Option<&str> {
        match self {
            ApplyError::RolledBack { reason, .. }
            | ApplyError::AlarmRolledBack { reason, .. }
            | ApplyError::CapacityRolledBack { reason, .. }
            | ApplyError::RollbackFailed { reason, .. } => Some(reason),
            // "gone" and "unprotected" are endpoint-scale's words, not an endpoint status.
            ApplyError::Failed { status, reason, .. } if status != "gone" && status != "unprotected" => Some(reason),
            _ => None,
        }
    }
}

/// How one endpoint's apply ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub endpoint: String,
    pub done: usize,
    pub total: usize,
    pub result: Result<(), ApplyError>,
    /// Variants whose auto scaling was put back as it was after the steps stopped.
    pub restored: Vec<String>,
    /// Variants left without auto scaling (deregistered, not registered again, not restored).
    pub unprotected: Vec<String>,
}

/// Runs the plan's steps, and nothing else. `project` is whose ownership tags every step
/// checks before it changes anything (see [`Guard`]).
pub async fn apply<A: Aws>(
    aws: &A,
    plan: &Plan,
    project: &str,
    options: ApplyOptions,
    events: &(dyn Fn(Event) + Sync),
    cancel: &Cancel,
) -> Vec<Outcome> {
    stream::iter(plan.steps.iter())
        .map(|steps| async move {
            let (done, result) = run_endpoint(aws, steps, project, options, events, cancel).await;
            let endpoint = steps.endpoint.clone();
            let total = steps.steps.len();
            let mut outcome = Outcome { endpoint, done, total, result, restored: Vec::new(), unprotected: Vec::new() };
            if outcome.result.is_err() {
                let lost = left_unscaled(&steps.steps[..done]);
                if !lost.is_empty() {
                    match restore(aws, steps, &lost, project, options, events).await {
                        Ok(()) => outcome.restored = lost,
                        Err(_) => outcome.unprotected = lost,
                    }
                }
            }
            outcome
        })
        .buffer_unordered(options.parallelism.max(1))
        .collect()
        .await
}

/// One endpoint's steps in order: how many completed, and how it ended.
async fn run_endpoint<A: Aws>(
    aws: &A,
    steps: &EndpointSteps,
    project: &str,
    options: ApplyOptions,
    events: &(dyn Fn(Event) + Sync),
    cancel: &Cancel,
) -> (usize, Result<(), ApplyError>) {
    let endpoint = steps.endpoint.clone();
    let total = steps.steps.len();
    events(Event::Started { endpoint: endpoint.clone(), steps: total });
    let mut done = 0;
    let mut guard = Guard { project, endpoint_checked: false };
    for step in &steps.steps {
        if cancel.is_cancelled() {
            events(Event::Interrupted { endpoint: endpoint.clone(), done, total });
            return (done, Err(ApplyError::Interrupted));
        }
        events(Event::Step { endpoint: endpoint.clone(), index: done + 1, total, description: step.describe() });
        let result = match guard.check(aws, step).await {
            Ok(()) => run_step(aws, step, project, options.wait, events, cancel).await,
            Err(e) => Err(e),
        };
        // Deleting a config or model the endpoint no longer uses is tidying up: its failure
        // (a throttled read, a transient error) must not make a working endpoint "failed".
        let tidying = matches!(step, Step::DeleteEndpointConfig { .. } | Step::DeleteModel { .. })
            && !steps.steps.iter().any(|s| matches!(s, Step::DeleteEndpoint { .. }));
        let step_done = |index: usize| Event::StepDone {
            endpoint: endpoint.clone(),
            index,
            operation: step.operation(),
            resource: step.subject(),
        };
        if let (Err(e), true) = (&result, tidying) {
            if *e != ApplyError::Interrupted {
                events(Event::Warning {
                    endpoint: endpoint.clone(),
                    message: format!(
                        "{}: {e}; it is left for the next run, whose plan shows it again",
                        step.describe()
                    ),
                });
                done += 1;
                events(step_done(done));
                continue;
            }
        }
        if let Err(e) = result {
            if e == ApplyError::Interrupted {
                events(Event::Interrupted { endpoint: endpoint.clone(), done, total });
            } else {
                events(Event::Failed {
                    endpoint: endpoint.clone(),
                    error: e.to_string(),
                    rolled_back: e.rolled_back(),
                    reason: e.failure_reason().map(str::to_string),
                });
            }
            return (done, Err(e));
        }
        done += 1;
        events(step_done(done));
    }
    events(Event::Finished { endpoint });
    (total, Ok(()))
}

/// Variants the completed `done` steps deregistered and did not register again, except on an
/// endpoint the steps delete (it goes on purpose).
fn left_unscaled(done: &[Step]) -> Vec<String> {
    if done.iter().any(|s| matches!(s, Step::DeleteEndpoint { .. })) {
        return Vec::new();
    }
    // In order: a variant is unprotected after a deregistration until a registration.
    let mut lost: Vec<String> = Vec::new();
    for step in done {
        match step {
            Step::DeregisterScalableTarget { variant, .. } if !lost.contains(variant) => lost.push(variant.clone()),
            Step::RegisterScalableTarget { target } => lost.retain(|v| *v != target.variant),
            _ => {}
        }
    }
    lost
}

/// Puts back the auto scaling of `lost` variants as the plan recorded it: the endpoint must
/// never be less protected than before the run. It runs even after an interrupt (only a second
/// one stops it), waiting at most `--wait-timeout` for the endpoint to settle.
async fn restore<A: Aws>(
    aws: &A,
    steps: &EndpointSteps,
    lost: &[String],
    project: &str,
    options: ApplyOptions,
    events: &(dyn Fn(Event) + Sync),
) -> Result<(), ApplyError> {
    let endpoint = steps.endpoint.clone();
    let variant_of = |step: &Step| match step {
        Step::RegisterScalableTarget { target } => Some(target.variant.clone()),
        Step::PutScalingPolicy { policy } => Some(policy.variant.clone()),
        Step::PutScheduledAction { action } => Some(action.variant.clone()),
        _ => None,
    };
    let todo: Vec<&Step> = steps.restore.iter().filter(|s| variant_of(s).is_none_or(|v| lost.contains(&v))).collect();
    let covered: Vec<String> = todo.iter().filter_map(|s| variant_of(s)).collect();
    let missing: Vec<&String> = lost.iter().filter(|v| !covered.contains(v)).collect();
    events(Event::Restoring { endpoint: endpoint.clone(), variants: lost.to_vec() });
    let failed = |e: ApplyError| {
        events(Event::RestoreFailed {
            endpoint: endpoint.clone(),
            variants: lost.to_vec(),
            error: format!(
                "could not put back the auto scaling of {}: {e}. The variants run at a fixed count until the next apply",
                lost.join(", ")
            ),
        });
        e
    };
    if !missing.is_empty() {
        return Err(failed(ApplyError::Failed {
            endpoint: endpoint.clone(),
            status: "unprotected".to_string(),
            reason: "the plan holds no record of their auto scaling".to_string(),
        }));
    }
    // A fresh flag: the interrupt that stopped the steps must not stop the restore.
    let never = Cancel::default();
    let mut guard = Guard { project, endpoint_checked: false };
    for step in todo {
        guard.check(aws, step).await.map_err(failed)?;
        run_step(aws, step, project, options.wait, events, &never).await.map_err(failed)?;
    }
    events(Event::Restored { endpoint, variants: lost.to_vec() });
    Ok(())
}

/// Treats `kind` as success: creating what exists, deleting what is gone.
fn tolerate(result: Result<(), AwsError>, kind: AwsErrorKind) -> Result<(), ApplyError> {
    match result {
        Err(e) if e.kind == kind => Ok(()),
        other => other.map_err(ApplyError::from),
    }
}

async fn run_step<A: Aws>(
    aws: &A,
    step: &Step,
    project: &str,
    wait: WaitOptions,
    events: &(dyn Fn(Event) + Sync),
    cancel: &Cancel,
) -> Result<(), ApplyError> {
    use AwsErrorKind::{AlreadyExists, NotFound};
    match step {
        // A create that finds the resource there continues only on this project's own, identical
        // resource (what an interrupted run made): content names are predictable, so a same-named
        // resource made by someone else must never be served or built on.
        Step::CreateModel { model } => match aws.create_model(model).await {
            Err(e) if e.kind == AlreadyExists => existing_model(aws, model, project).await,
            other => Ok(other?),
        },
        Step::CreateEndpointConfig { config } => match aws.create_endpoint_config(config).await {
            Err(e) if e.kind == AlreadyExists => existing_config(aws, config, project).await,
            other => Ok(other?),
        },
        Step::CreateEndpoint { endpoint, config, tags } => match aws.create_endpoint(endpoint, config, tags).await {
            Err(e) if e.kind == AlreadyExists => match endpoint_owner(aws, endpoint, project).await? {
                Some(Ownership::Ours) => Ok(()),
                other => Err(ApplyError::Conflict {
                    resource: format!("endpoint {endpoint}"),
                    why: owner_text(other.as_ref()),
                }),
            },
            other => Ok(other?),
        },
        Step::AdoptEndpoint { arn, tags, .. } => Ok(aws.add_tags(arn, tags).await?),
        Step::UpdateEndpoint { endpoint, config, deployment, .. } => {
            Ok(aws.update_endpoint(endpoint, config, deployment.as_ref()).await?)
        }
        Step::UpdateWeightsAndCapacities { endpoint, changes } => {
            Ok(aws.update_weights_and_capacities(endpoint, changes).await?)
        }
        Step::WaitInService { endpoint, config, expect, alarms, rollout_seconds } => {
            let wait = rollout_wait(wait, *rollout_seconds);
            match wait_in_service(aws, endpoint, config, expect, wait, events, cancel).await {
                Err(ApplyError::RolledBack { endpoint, expected, actual, reason }) if !alarms.is_empty() => {
                    Err(alarm_rollback(aws, endpoint, expected, actual, reason, alarms).await)
                }
                other => other,
            }
        }
        Step::TagEndpoint { arn, add, remove, .. }
        | Step::TagEndpointConfig { arn, add, remove, .. }
        | Step::TagModel { arn, add, remove, .. } => {
            if !add.is_empty() {
                aws.add_tags(arn, add).await?;
            }
            if !remove.is_empty() {
                aws.delete_tags(arn, remove).await?;
            }
            Ok(())
        }
        Step::TagScalableTarget { arn, add, remove, .. } => {
            if !add.is_empty() {
                aws.tag_target(arn, add).await?;
            }
            if !remove.is_empty() {
                aws.untag_target(arn, remove).await?;
            }
            Ok(())
        }
        Step::RegisterScalableTarget { target } => Ok(aws.register_scalable_target(target).await?),
        Step::DeregisterScalableTarget { endpoint, variant } => {
            tolerate(aws.deregister_scalable_target(endpoint, variant).await, NotFound)
        }
        Step::PutScalingPolicy { policy } => Ok(aws.put_scaling_policy(policy).await?),
        Step::DeleteScalingPolicy { endpoint, variant, policy_name } => {
            tolerate(aws.delete_scaling_policy(endpoint, variant, policy_name).await, NotFound)
        }
        Step::PutScheduledAction { action } => Ok(aws.put_scheduled_action(action).await?),
        Step::DeleteScheduledAction { endpoint, variant, name } => {
            tolerate(aws.delete_scheduled_action(endpoint, variant, name).await, NotFound)
        }
        Step::DeleteEndpoint { endpoint } => tolerate(aws.delete_endpoint(endpoint).await, NotFound),
        Step::WaitDeleted { endpoint } => wait_deleted(aws, endpoint, wait, events, cancel).await,
        Step::WaitSettled { endpoint } => wait_settled(aws, endpoint, wait, events, cancel).await,
        Step::DeleteEndpointConfig { name } => tolerate(aws.delete_endpoint_config(name).await, NotFound),
        Step::DeleteModel { name } => tolerate(aws.delete_model(name).await, NotFound),
        Step::PutMetricAlarm { alarm } => Ok(aws.put_metric_alarm(alarm).await?),
        Step::TagAlarm { arn, add, remove, .. } => {
            if !add.is_empty() {
                aws.tag_alarm(arn, add).await?;
            }
            if !remove.is_empty() {
                aws.untag_alarm(arn, remove).await?;
            }
            Ok(())
        }
        // DeleteAlarms ignores names that do not exist (API reference): repeating it is safe.
        Step::DeleteAlarms { names, .. } => Ok(aws.delete_alarms(names).await?),
    }
}

/// Ownership, checked when a step runs rather than trusted from the plan: the plan may be old,
/// edited, or made against an account that has changed since. Steps that change an existing
/// endpoint or its auto scaling need the endpoint to carry this project's tags (checked before
/// the first such step and again after every wait, since waits are long); deleting a config or a
/// model needs its own tags; adopting needs an endpoint that no other project owns.
struct Guard<'p> {
    project: &'p str,
    endpoint_checked: bool,
}

impl Guard<'_> {
    async fn check<A: Aws>(&mut self, aws: &A, step: &Step) -> Result<(), ApplyError> {
        let not_owned =
            |resource: String, why: String| ApplyError::NotOwned { resource, why, project: self.project.to_string() };
        match step {
            Step::WaitInService { .. } | Step::WaitDeleted { .. } | Step::WaitSettled { .. } => {
                self.endpoint_checked = false;
                Ok(())
            }
            Step::CreateModel { .. } | Step::CreateEndpointConfig { .. } | Step::CreateEndpoint { .. } => Ok(()),
            Step::AdoptEndpoint { endpoint, .. } => match endpoint_owner(aws, endpoint, self.project).await? {
                Some(Ownership::Ours | Ownership::Unmanaged) => Ok(()),
                other => Err(not_owned(format!("endpoint {endpoint}"), owner_text(other.as_ref()))),
            },
            Step::DeleteEndpointConfig { name } => match aws.endpoint_config_tags(name).await? {
                Some(tags) if ownership(&tags, self.project) != Ownership::Ours => {
                    Err(not_owned(format!("endpoint config {name}"), owner_text(Some(&ownership(&tags, self.project)))))
                }
                _ => Ok(()),
            },
            Step::DeleteModel { name } => match aws.model_tags(name).await? {
                Some(tags) if ownership(&tags, self.project) != Ownership::Ours => {
                    Err(not_owned(format!("model {name}"), owner_text(Some(&ownership(&tags, self.project)))))
                }
                _ => Ok(()),
            },
            // A config or model is tagged only while it carries this project's tags itself: its
            // ARN came from the plan, and the resource behind it may have changed hands since.
            Step::TagEndpointConfig { name, arn, .. } | Step::TagModel { name, arn, .. } => {
                let kind = if matches!(step, Step::TagModel { .. }) { "model" } else { "endpoint config" };
                match ownership(&aws.list_tags(arn).await?, self.project) {
                    Ownership::Ours => Ok(()),
                    other => Err(not_owned(format!("{kind} {name}"), owner_text(Some(&other)))),
                }
            }
            Step::UpdateEndpoint { endpoint, .. }
            | Step::TagScalableTarget { endpoint, .. }
            | Step::UpdateWeightsAndCapacities { endpoint, .. }
            | Step::TagEndpoint { endpoint, .. }
            | Step::DeleteEndpoint { endpoint }
            | Step::DeregisterScalableTarget { endpoint, .. }
            | Step::DeleteScalingPolicy { endpoint, .. }
            | Step::DeleteScheduledAction { endpoint, .. } => self.endpoint(aws, endpoint).await,
            Step::RegisterScalableTarget { target } => self.endpoint(aws, &target.endpoint).await,
            // An owned alarm is created, changed or deleted only while it is absent or carries
            // this project's tags for this endpoint: a same-named alarm of someone else's may
            // have appeared since the plan.
            Step::PutMetricAlarm { alarm } => {
                self.alarms(aws, &alarm.endpoint, std::slice::from_ref(&alarm.name), true).await
            }
            Step::TagAlarm { endpoint, name, .. } => {
                self.alarms(aws, endpoint, std::slice::from_ref(name), false).await
            }
            Step::DeleteAlarms { endpoint, names } => self.alarms(aws, endpoint, names, true).await,
            Step::PutScalingPolicy { policy } => self.endpoint(aws, &policy.endpoint).await,
            Step::PutScheduledAction { action } => self.endpoint(aws, &action.endpoint).await,
        }
    }

    /// Each named alarm is absent (when `absent_ok`) or this project's, for `endpoint`.
    async fn alarms<A: Aws>(
        &mut self,
        aws: &A,
        endpoint: &str,
        names: &[String],
        absent_ok: bool,
    ) -> Result<(), ApplyError> {
        let found = aws.describe_alarms(names).await?;
        for name in names {
            let why = match found.iter().find(|a| a.alarm.name == *name) {
                None if absent_ok => continue,
                None => owner_text(None),
                Some(a) => {
                    let tags = aws.alarm_tags(&a.arn).await?.unwrap_or_default();
                    let owner = ownership(&tags, self.project);
                    let for_endpoint = tags.get(crate::resources::TAG_ENDPOINT).map(String::as_str) == Some(endpoint);
                    match owner {
                        Ownership::Ours if for_endpoint => continue,
                        Ownership::Ours => format!(
                            "it belongs to endpoint {} of this project",
                            tags.get(crate::resources::TAG_ENDPOINT).map_or("(none)", String::as_str)
                        ),
                        other => owner_text(Some(&other)),
                    }
                }
            };
            return Err(ApplyError::NotOwned {
                resource: format!("alarm {name}"),
                why,
                project: self.project.to_string(),
            });
        }
        Ok(())
    }

    async fn endpoint<A: Aws>(&mut self, aws: &A, endpoint: &str) -> Result<(), ApplyError> {
        if self.endpoint_checked {
            return Ok(());
        }
        match endpoint_owner(aws, endpoint, self.project).await? {
            Some(Ownership::Ours) => {
                self.endpoint_checked = true;
                Ok(())
            }
            other => Err(ApplyError::NotOwned {
                resource: format!("endpoint {endpoint}"),
                why: owner_text(other.as_ref()),
                project: self.project.to_string(),
            }),
        }
    }
}

/// Who owns an endpoint now; `None` when it does not exist.
async fn endpoint_owner<A: Aws>(aws: &A, endpoint: &str, project: &str) -> Result<Option<Ownership>, ApplyError> {
    let Some(desc) = aws.describe_endpoint(endpoint).await? else { return Ok(None) };
    Ok(Some(ownership(&aws.list_tags(&desc.arn).await?, project)))
}

fn owner_text(owner: Option<&Ownership>) -> String {
    match owner {
        None => "it does not exist (any more)".to_string(),
        Some(Ownership::Unmanaged) => "it has no endpoint-scale ownership tags".to_string(),
        Some(Ownership::OtherProject(other)) => format!("it belongs to endpoint-scale project {other:?}"),
        Some(Ownership::Ours) => "it belongs to this project".to_string(),
    }
}

/// CreateModel found a model of that name: go on only if it is this project's and serves what
/// the spec says (image, model data, role, environment).
async fn existing_model<A: Aws>(aws: &A, model: &ModelResource, project: &str) -> Result<(), ApplyError> {
    let resource = format!("model {}", model.name);
    let owner = aws.model_tags(&model.name).await?.map(|t| ownership(&t, project));
    if owner != Some(Ownership::Ours) {
        return Err(ApplyError::Conflict { resource, why: owner_text(owner.as_ref()) });
    }
    let live = aws.describe_model(&model.name).await?;
    let same = live.is_some_and(|l| {
        (&l.image, &l.model_data_url, &l.execution_role_arn, &l.environment)
            == (&model.image, &model.model_data_url, &model.execution_role_arn, &model.environment)
    });
    if same {
        Ok(())
    } else {
        Err(ApplyError::Conflict { resource, why: "its image, model data, role or environment differ".to_string() })
    }
}

/// CreateEndpointConfig found a config of that name: go on only if it is this project's and has
/// the spec's content (variants, models, instance types and settings).
async fn existing_config<A: Aws>(aws: &A, config: &ConfigResource, project: &str) -> Result<(), ApplyError> {
    let resource = format!("endpoint config {}", config.name);
    let owner = aws.endpoint_config_tags(&config.name).await?.map(|t| ownership(&t, project));
    if owner != Some(Ownership::Ours) {
        return Err(ApplyError::Conflict { resource, why: owner_text(owner.as_ref()) });
    }
    // The content its name is derived from: variants, models, instance types and settings.
    let live = aws.describe_endpoint_config(&config.name).await?;
    if live.is_some_and(|l| l.content() == config.content()) {
        Ok(())
    } else {
        Err(ApplyError::Conflict {
            resource,
            why: "its variants, models, instance types or settings differ".to_string(),
        })
    }
}

fn transient(e: &AwsError) -> bool {
    matches!(e.kind, AwsErrorKind::Throttled | AwsErrorKind::Connection)
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

/// Sleeps one poll interval; `Err(Interrupted)` on Ctrl-C.
async fn pause(wait: WaitOptions, cancel: &Cancel) -> Result<(), ApplyError> {
    tokio::select! {
        _ = tokio::time::sleep(wait.poll_interval) => Ok(()),
        _ = cancel.cancelled() => Err(ApplyError::Interrupted),
    }
}

/// Polls DescribeEndpoint a poll interval apart until `judge` ends the wait (`Some`), the
/// timeout passes, or an interrupt comes. `judge` sees the endpoint, or `None` once it is gone.
/// Throttling or a dropped connection while polling is not the endpoint's failure: it polls on.
async fn poll<A: Aws>(
    aws: &A,
    endpoint: &str,
    wait: WaitOptions,
    events: &(dyn Fn(Event) + Sync),
    cancel: &Cancel,
    judge: impl Fn(Option<EndpointDesc>) -> Option<Result<(), ApplyError>>,
) -> Result<(), ApplyError> {
    let start = Instant::now();
    let mut status = String::from("unknown");
    loop {
        match aws.describe_endpoint(endpoint).await {
            Ok(desc) => {
                if let Some(d) = &desc {
                    status = d.status.clone();
                    events(Event::Waiting {
                        endpoint: endpoint.to_string(),
                        status: d.status.clone(),
                        phase: d.phase.clone(),
                        elapsed: start.elapsed(),
                    });
                }
                if let Some(verdict) = judge(desc) {
                    return verdict;
                }
            }
            Err(e) if transient(&e) => {}
            Err(e) => return Err(e.into()),
        }
        if start.elapsed() >= wait.timeout {
            return Err(ApplyError::Timeout { endpoint: endpoint.to_string(), status, waited: human(wait.timeout) });
        }
        pause(wait, cancel).await?;
    }
}

/// The wait of an update with a rollout: the longer of `--wait-timeout` and the plan's bound
/// for the rollout (which runs for hours with long bakes; cut short, apply would miss the
/// outcome, the alarm of a rollback, and the steps after it).
fn rollout_wait(wait: WaitOptions, rollout_seconds: Option<u64>) -> WaitOptions {
    match rollout_seconds {
        Some(s) => WaitOptions { timeout: wait.timeout.max(Duration::from_secs(s)), ..wait },
        None => wait,
    }
}

fn no_reason(reason: Option<String>) -> String {
    reason.unwrap_or_else(|| "SageMaker gave no reason".to_string())
}

fn gone(endpoint: &str) -> ApplyError {
    ApplyError::Failed {
        endpoint: endpoint.to_string(),
        status: "gone".to_string(),
        reason: "it was deleted while endpoint-scale waited for it".to_string(),
    }
}

/// Waits for InService and checks the endpoint runs `config` (and, after a capacity update, has
/// the `expect`ed desired counts and weights): SageMaker rolls a failed update back and reports
/// InService, on the old config with a FailureReason (terraform-provider-aws #46663 shows what a
/// status-only waiter gets wrong). RollingBack, UpdateRollbackFailed and Failed end the wait at
/// once: waiting for the timeout would only delay the news.
async fn wait_in_service<A: Aws>(
    aws: &A,
    endpoint: &str,
    config: &str,
    expect: &[WeightAndCapacity],
    wait: WaitOptions,
    events: &(dyn Fn(Event) + Sync),
    cancel: &Cancel,
) -> Result<(), ApplyError> {
    poll(aws, endpoint, wait, events, cancel, |desc| {
        let Some(d) = desc else { return Some(Err(gone(endpoint))) };
        let capacity_differs = capacity_difference(&d, expect);
        Some(match d.status.as_str() {
            "InService" if d.config_name == config && capacity_differs.is_none() => Ok(()),
            "InService" | "RollingBack" if d.config_name != config => Err(ApplyError::RolledBack {
                endpoint: endpoint.to_string(),
                expected: config.to_string(),
                actual: d.config_name,
                reason: no_reason(d.failure_reason),
            }),
            "InService" | "RollingBack" if !expect.is_empty() => Err(ApplyError::CapacityRolledBack {
                endpoint: endpoint.to_string(),
                difference: capacity_differs.unwrap_or_else(|| "the update is being rolled back".to_string()),
                reason: no_reason(d.failure_reason),
            }),
            "UpdateRollbackFailed" => {
                Err(ApplyError::RollbackFailed {
                    endpoint: endpoint.to_string(),
                    reason: no_reason(d.failure_reason),
                    // Only this endpoint: `destroy` would delete every endpoint of the spec.
                    delete: crate::hint::aws_delete_endpoint(endpoint, crate::plan::arn_region(&d.arn)),
                })
            }
            "Failed" | "OutOfService" => Err(ApplyError::Failed {
                endpoint: endpoint.to_string(),
                status: d.status,
                reason: no_reason(d.failure_reason),
            }),
            _ => return None,
        })
    })
    .await
}

fn alarm_cause(alarms: &[String], named: bool) -> String {
    let list = if alarms.len() == 1 { format!("alarm {}", alarms[0]) } else { format!("alarms {}", alarms.join(", ")) };
    if named {
        format!("because {list} went into ALARM")
    } else {
        let verb = if alarms.len() == 1 { "was" } else { "were" };
        format!("(its FailureReason names no rollback alarm; {list} {verb} in ALARM when read)")
    }
}

/// A rolled back rollout: names the rollback alarms its FailureReason names (the cause, as
/// SageMaker gives it); failing that, the watched alarms in ALARM when read (DescribeAlarms),
/// which may have gone into ALARM after the rollback started, so the error says "when read";
/// else (a timeout, a failed deployment) the plain rollback.
async fn alarm_rollback<A: Aws>(
    aws: &A,
    endpoint: String,
    expected: String,
    actual: String,
    reason: String,
    alarms: &[String],
) -> ApplyError {
    let named = named_in(&reason, alarms);
    if !named.is_empty() {
        return ApplyError::AlarmRolledBack { endpoint, alarms: named, named: true, actual, reason };
    }
    let firing: Vec<String> = match aws.describe_alarms(alarms).await {
        Ok(found) => found.into_iter().filter(|a| a.state == "ALARM").map(|a| a.alarm.name).collect(),
        // The rollback is the news; an alarm read that fails only loses the alarm's name.
        Err(_) => Vec::new(),
    };
    if firing.is_empty() {
        return ApplyError::RolledBack { endpoint, expected, actual, reason };
    }
    ApplyError::AlarmRolledBack { endpoint, alarms: firing, named: false, actual, reason }
}

/// The watched alarms whose names appear in `reason`, in the watched order. A name found only
/// inside a longer watched name that appears there (`api-5xx` in `api-5xx-canary`) does not
/// count: the reason names the longer one.
fn named_in(reason: &str, alarms: &[String]) -> Vec<String> {
    let spans = |name: &str| -> Vec<(usize, usize)> {
        if name.is_empty() {
            return Vec::new();
        }
        reason.match_indices(name).map(|(at, m)| (at, at + m.len())).collect()
    };
    let mut out: Vec<String> = Vec::new();
    for name in alarms {
        if out.contains(name) {
            continue;
        }
        let longer: Vec<(usize, usize)> = alarms
            .iter()
            .filter(|o| o.len() > name.len() && o.contains(name.as_str()))
            .flat_map(|o| spans(o))
            .collect();
        let alone = spans(name).into_iter().any(|(a, b)| !longer.iter().any(|(x, y)| *x <= a && b <= *y));
        if alone {
            out.push(name.clone());
        }
    }
    out
}

/// The first variant whose live desired count or weight is not what a capacity update asked for.
fn capacity_difference(d: &EndpointDesc, expect: &[WeightAndCapacity]) -> Option<String> {
    for e in expect {
        let live = d.variants.iter().find(|v| v.name == e.variant);
        let (count, weight) = (live.and_then(|v| v.desired_instance_count), live.and_then(|v| v.desired_weight));
        if let Some(want) = e.instance_count {
            if count != Some(want) {
                return Some(format!(
                    "variant {} has {} desired, not {want}",
                    e.variant,
                    count.map_or("no instances".to_string(), |c| crate::diagnostic::plural(c, "instance"))
                ));
            }
        }
        if let Some(want) = e.weight {
            // Weights are f32 in the API.
            if weight.is_none_or(|w| (w - want).abs() > 1e-4) {
                return Some(format!(
                    "variant {} has weight {}, not {want}",
                    e.variant,
                    weight.map_or("none".to_string(), |w| w.to_string())
                ));
            }
        }
    }
    None
}

/// Waits until the endpoint is InService on whichever config: an update that did not complete
/// has either rolled back or finished by then.
async fn wait_settled<A: Aws>(
    aws: &A,
    endpoint: &str,
    wait: WaitOptions,
    events: &(dyn Fn(Event) + Sync),
    cancel: &Cancel,
) -> Result<(), ApplyError> {
    poll(aws, endpoint, wait, events, cancel, |desc| {
        let Some(d) = desc else { return Some(Err(gone(endpoint))) };
        match d.status.as_str() {
            "InService" => Some(Ok(())),
            "Failed" | "OutOfService" | "UpdateRollbackFailed" => Some(Err(ApplyError::Failed {
                endpoint: endpoint.to_string(),
                status: d.status,
                reason: no_reason(d.failure_reason),
            })),
            _ => None,
        }
    })
    .await
}

async fn wait_deleted<A: Aws>(
    aws: &A,
    endpoint: &str,
    wait: WaitOptions,
    events: &(dyn Fn(Event) + Sync),
    cancel: &Cancel,
) -> Result<(), ApplyError> {
    poll(aws, endpoint, wait, events, cancel, |desc| desc.is_none().then_some(Ok(()))).await
}

#[cfg(test)]
mod tests;
