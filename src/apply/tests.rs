//! Apply's logic against a small in-memory `Aws`: order, idempotence, rollback detection,
//! cancellation. (End-to-end behaviour is tested against the emulator in tests/cli/live.rs.)

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use super::*;
use crate::aws::{AwsResult, EndpointDesc, VariantDesc};
use crate::live::LiveState;
use crate::model::Tags;
use crate::resources::WeightAndCapacity;
use crate::resources::{ConfigResource, ModelResource, PolicyResource, ScheduledActionResource, TargetResource};

#[derive(Default)]
struct World {
    calls: Vec<&'static str>,
    models: BTreeMap<String, ModelResource>,
    configs: BTreeMap<String, ConfigResource>,
    /// name -> (status, config, failure reason)
    endpoints: BTreeMap<String, (String, String, Option<String>)>,
    /// endpoint name -> its tags
    endpoint_tags: BTreeMap<String, Tags>,
    /// The next UpdateEndpoint of this endpoint rolls back with this reason.
    fail_update: Option<(String, String)>,
    /// What DescribeAlarms answers.
    alarms: Vec<crate::aws::AlarmDesc>,
}

#[derive(Default)]
struct Fake(Mutex<World>);

impl Fake {
    fn call(&self, op: &'static str) -> std::sync::MutexGuard<'_, World> {
        let mut w = self.0.lock().unwrap();
        w.calls.push(op);
        w
    }

    fn log(&self, op: &'static str) {
        self.0.lock().unwrap().calls.push(op);
    }

    fn calls(&self) -> Vec<&'static str> {
        self.0.lock().unwrap().calls.clone()
    }
}

fn exists(op: &'static str, what: &str) -> AwsError {
    AwsError {
        service: "sagemaker",
        operation: op,
        resource: what.to_string(),
        kind: AwsErrorKind::AlreadyExists,
        message: format!("Cannot create already existing {what}"),
    }
}

impl Aws for Fake {
    async fn describe_endpoint(&self, name: &str) -> AwsResult<Option<EndpointDesc>> {
        let mut w = self.call("DescribeEndpoint");
        let Some((status, config, reason)) = w.endpoints.get_mut(name) else { return Ok(None) };
        let desc = EndpointDesc {
            name: name.to_string(),
            arn: format!("arn:aws:sagemaker:us-east-1:1:endpoint/{name}"),
            status: status.clone(),
            config_name: config.clone(),
            failure_reason: reason.clone(),
            variants: vec![VariantDesc {
                name: "v".into(),
                desired_instance_count: Some(1),
                desired_weight: Some(1.0),
            }],
            phase: None,
            last_deployment: None,
        };
        // Every transition completes on the next poll.
        if *status == "Creating" || *status == "Updating" {
            *status = "InService".to_string();
        }
        Ok(Some(desc))
    }
    async fn describe_endpoint_config(&self, name: &str) -> AwsResult<Option<ConfigResource>> {
        Ok(self.call("DescribeEndpointConfig").configs.get(name).cloned())
    }
    async fn describe_model(&self, name: &str) -> AwsResult<Option<ModelResource>> {
        Ok(self.call("DescribeModel").models.get(name).cloned())
    }
    async fn list_tags(&self, arn: &str) -> AwsResult<Tags> {
        let w = self.call("ListTags");
        let name = arn.rsplit('/').next().unwrap_or_default();
        Ok(w.endpoint_tags.get(name).cloned().unwrap_or_default())
    }
    async fn endpoint_config_tags(&self, name: &str) -> AwsResult<Option<Tags>> {
        Ok(self.call("DescribeEndpointConfig").configs.get(name).map(|c| c.tags.clone()))
    }
    async fn model_tags(&self, name: &str) -> AwsResult<Option<Tags>> {
        Ok(self.call("DescribeModel").models.get(name).map(|m| m.tags.clone()))
    }
    async fn list_endpoints(&self) -> AwsResult<Vec<(String, String)>> {
        self.log("ListEndpoints");
        Ok(Vec::new())
    }
    async fn list_endpoint_configs(&self, _fragment: &str) -> AwsResult<Vec<(String, String)>> {
        self.log("ListEndpointConfigs");
        Ok(Vec::new())
    }
    async fn list_models(&self, _fragment: &str) -> AwsResult<Vec<(String, String)>> {
        self.log("ListModels");
        Ok(Vec::new())
    }
    async fn create_model(&self, model: &ModelResource) -> AwsResult<()> {
        let mut w = self.call("CreateModel");
        if w.models.contains_key(&model.name) {
            return Err(exists("CreateModel", &model.name));
        }
        w.models.insert(model.name.clone(), model.clone());
        Ok(())
    }
    async fn create_endpoint_config(&self, config: &ConfigResource) -> AwsResult<()> {
        let mut w = self.call("CreateEndpointConfig");
        if w.configs.contains_key(&config.name) {
            return Err(exists("CreateEndpointConfig", &config.name));
        }
        w.configs.insert(config.name.clone(), config.clone());
        Ok(())
    }
    async fn create_endpoint(&self, name: &str, config: &str, tags: &Tags) -> AwsResult<()> {
        let mut w = self.call("CreateEndpoint");
        if w.endpoints.contains_key(name) {
            return Err(exists("CreateEndpoint", name));
        }
        w.endpoints.insert(name.to_string(), ("Creating".into(), config.to_string(), None));
        w.endpoint_tags.insert(name.to_string(), tags.clone());
        Ok(())
    }
    async fn update_endpoint(
        &self,
        name: &str,
        config: &str,
        _deployment: Option<&crate::resources::DeploymentConfig>,
    ) -> AwsResult<()> {
        let mut w = self.call("UpdateEndpoint");
        let fail = w.fail_update.take();
        let entry = w.endpoints.get_mut(name).expect("updated endpoints exist");
        match fail {
            // SageMaker rolls back: InService again on the old config, with a reason.
            Some((endpoint, reason)) if endpoint == name => *entry = ("Updating".into(), entry.1.clone(), Some(reason)),
            _ => *entry = ("Updating".into(), config.to_string(), None),
        }
        Ok(())
    }
    async fn update_weights_and_capacities(&self, _name: &str, _changes: &[WeightAndCapacity]) -> AwsResult<()> {
        self.log("UpdateEndpointWeightsAndCapacities");
        Ok(())
    }
    async fn add_tags(&self, _arn: &str, _tags: &Tags) -> AwsResult<()> {
        self.log("AddTags");
        Ok(())
    }
    async fn delete_tags(&self, _arn: &str, _keys: &[String]) -> AwsResult<()> {
        self.log("DeleteTags");
        Ok(())
    }
    async fn delete_endpoint(&self, name: &str) -> AwsResult<()> {
        self.call("DeleteEndpoint").endpoints.remove(name);
        Ok(())
    }
    async fn delete_endpoint_config(&self, name: &str) -> AwsResult<()> {
        self.call("DeleteEndpointConfig").configs.remove(name);
        Ok(())
    }
    async fn delete_model(&self, name: &str) -> AwsResult<()> {
        self.call("DeleteModel").models.remove(name);
        Ok(())
    }
    async fn describe_scalable_targets(&self, _ids: &[String]) -> AwsResult<Vec<crate::aws::TargetDesc>> {
        self.log("DescribeScalableTargets");
        Ok(Vec::new())
    }
    async fn list_target_tags(&self, _arn: &str) -> AwsResult<Tags> {
        self.log("ListTagsForResource");
        Ok(Tags::new())
    }
    async fn tag_target(&self, _arn: &str, _tags: &Tags) -> AwsResult<()> {
        self.log("TagResource");
        Ok(())
    }
    async fn untag_target(&self, _arn: &str, _keys: &[String]) -> AwsResult<()> {
        self.log("UntagResource");
        Ok(())
    }
    async fn describe_scaling_policies(&self, _names: &[String]) -> AwsResult<Vec<crate::aws::PolicyDesc>> {
        self.log("DescribeScalingPolicies");
        Ok(Vec::new())
    }
    async fn describe_alarms(&self, names: &[String]) -> AwsResult<Vec<crate::aws::AlarmDesc>> {
        let w = self.call("DescribeAlarms");
        Ok(w.alarms.iter().filter(|a| names.contains(&a.alarm.name)).cloned().collect())
    }
    async fn describe_alarms_with_prefix(&self, _prefix: &str) -> AwsResult<Vec<crate::aws::AlarmDesc>> {
        self.log("DescribeAlarms");
        Ok(Vec::new())
    }
    async fn alarm_tags(&self, _arn: &str) -> AwsResult<Option<Tags>> {
        self.log("ListTagsForResource");
        Ok(None)
    }
    async fn put_metric_alarm(&self, _alarm: &crate::resources::AlarmResource) -> AwsResult<()> {
        self.log("PutMetricAlarm");
        Ok(())
    }
    async fn tag_alarm(&self, _arn: &str, _tags: &Tags) -> AwsResult<()> {
        self.log("TagResource");
        Ok(())
    }
    async fn untag_alarm(&self, _arn: &str, _keys: &[String]) -> AwsResult<()> {
        self.log("UntagResource");
        Ok(())
    }
    async fn delete_alarms(&self, _names: &[String]) -> AwsResult<()> {
        self.log("DeleteAlarms");
        Ok(())
    }
    async fn describe_scheduled_actions(&self) -> AwsResult<Vec<ScheduledActionResource>> {
        self.log("DescribeScheduledActions");
        Ok(Vec::new())
    }
    async fn register_scalable_target(&self, _target: &TargetResource) -> AwsResult<()> {
        self.log("RegisterScalableTarget");
        Ok(())
    }
    async fn deregister_scalable_target(&self, _endpoint: &str, _variant: &str) -> AwsResult<()> {
        self.log("DeregisterScalableTarget");
        Ok(())
    }
    async fn put_scaling_policy(&self, _policy: &PolicyResource) -> AwsResult<()> {
        self.log("PutScalingPolicy");
        Ok(())
    }
    async fn delete_scaling_policy(&self, _endpoint: &str, _variant: &str, _name: &str) -> AwsResult<()> {
        self.log("DeleteScalingPolicy");
        Ok(())
    }
    async fn put_scheduled_action(&self, _action: &ScheduledActionResource) -> AwsResult<()> {
        self.log("PutScheduledAction");
        Ok(())
    }
    async fn delete_scheduled_action(&self, _endpoint: &str, _variant: &str, _name: &str) -> AwsResult<()> {
        self.log("DeleteScheduledAction");
        Ok(())
    }
}

const SPEC: &str = "version: 1
project: p
endpoints:
  - name: rec
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/rec:1
      execution_role_arn: arn:aws:iam::123456789012:role/R
    variants:
      - name: v
        instance_type: ml.c5.large
        max_rps_per_instance: 10
        autoscaling:
          min: 1
          max: 4
";

use crate::testing::desired_from_yaml as desired;

fn options() -> ApplyOptions {
    ApplyOptions {
        wait: WaitOptions { timeout: Duration::from_secs(5), poll_interval: Duration::from_millis(1) },
        parallelism: 4,
    }
}

async fn apply_plan(aws: &Fake, plan: &Plan, cancel: &Cancel) -> (Vec<Outcome>, Vec<Event>) {
    let events = Mutex::new(Vec::new());
    let record = |e: Event| events.lock().unwrap().push(e);
    let outcomes = apply(aws, plan, "p", options(), &record, cancel).await;
    (outcomes, events.into_inner().unwrap())
}

#[tokio::test]
async fn steps_run_in_order_and_a_rerun_converges() {
    let aws = Fake::default();
    let plan = crate::plan::diff(&desired(SPEC), &LiveState::default());
    let (outcomes, events) = apply_plan(&aws, &plan, &Cancel::default()).await;
    assert_eq!(outcomes[0].result, Ok(()));
    let mutating: Vec<&str> =
        aws.calls().into_iter().filter(|c| !c.starts_with("Describe") && !c.starts_with("List")).collect();
    assert_eq!(
        mutating,
        ["CreateModel", "CreateEndpointConfig", "CreateEndpoint", "RegisterScalableTarget", "PutScalingPolicy"]
    );
    assert!(matches!(events.last(), Some(Event::Finished { .. })));
    // Applying the same steps again (an interrupted run re-run): creates of what exists count
    // as done, the endpoint create too, and the run finishes.
    let (again, _) = apply_plan(&aws, &plan, &Cancel::default()).await;
    assert_eq!(again[0].result, Ok(()));
}

#[tokio::test]
async fn a_same_named_resource_that_is_not_ours_is_never_built_on() {
    let aws = Fake::default();
    let plan = crate::plan::diff(&desired(SPEC), &LiveState::default());
    // Someone computed the content-derived model name and made a model of their own under it.
    let Step::CreateModel { model } = &plan.steps[0].steps[0] else { panic!("{:?}", plan.steps[0].steps[0]) };
    let foreign = ModelResource { image: "attacker/image:1".into(), tags: Tags::new(), ..model.clone() };
    aws.0.lock().unwrap().models.insert(model.name.clone(), foreign);
    let (outcomes, _) = apply_plan(&aws, &plan, &Cancel::default()).await;
    assert_eq!(
        outcomes[0].result,
        Err(ApplyError::Conflict {
            resource: format!("model {}", model.name),
            why: "it has no endpoint-scale ownership tags".into()
        })
    );
    assert_eq!(outcomes[0].done, 0);
    assert!(!aws.calls().contains(&"CreateEndpoint"), "{:?}", aws.calls());
    // Ours by its tags but with other content (an edited image): still a conflict.
    let ours_but_other = ModelResource { image: "other/image:2".into(), ..model.clone() };
    aws.0.lock().unwrap().models.insert(model.name.clone(), ours_but_other);
    let (outcomes, _) = apply_plan(&aws, &plan, &Cancel::default()).await;
    assert!(
        matches!(&outcomes[0].result, Err(ApplyError::Conflict { why, .. }) if why == "its image, model data, role or environment differ"),
        "{:?}",
        outcomes[0].result
    );
}

#[tokio::test]
async fn steps_on_an_endpoint_that_is_not_ours_are_refused_when_they_run() {
    let aws = Fake::default();
    apply_plan(&aws, &crate::plan::diff(&desired(SPEC), &LiveState::default()), &Cancel::default()).await;
    // The endpoint's ownership tags are removed after the plan was made.
    aws.0.lock().unwrap().endpoint_tags.insert("rec".into(), Tags::new());
    let plan = Plan {
        steps: vec![crate::plan::EndpointSteps {
            endpoint: "rec".into(),
            steps: vec![
                Step::DeregisterScalableTarget { endpoint: "rec".into(), variant: "v".into() },
                Step::DeleteEndpoint { endpoint: "rec".into() },
            ],
            restore: Vec::new(),
        }],
        ..Plan::default()
    };
    let before = aws.calls().len();
    let (outcomes, _) = apply_plan(&aws, &plan, &Cancel::default()).await;
    assert_eq!(
        outcomes[0].result.as_ref().unwrap_err().to_string(),
        "refused to change endpoint rec: it has no endpoint-scale ownership tags. endpoint-scale changes only what carries the ownership tags of project \"p\", checked when each step runs; the step was not run"
    );
    let calls = aws.calls()[before..].to_vec();
    assert_eq!(calls, ["DescribeEndpoint", "ListTags"]);
}

#[tokio::test]
async fn a_rolled_back_update_is_an_error_naming_the_reason() {
    let aws = Fake::default();
    apply_plan(&aws, &crate::plan::diff(&desired(SPEC), &LiveState::default()), &Cancel::default()).await;
    let old_config = aws.0.lock().unwrap().endpoints["rec"].1.clone();
    aws.0.lock().unwrap().fail_update = Some(("rec".into(), "health check failed".into()));
    let new = desired(&SPEC.replace("rec:1", "rec:2"));
    let new_config = new
        .iter()
        .find_map(|r| if let crate::resources::Resource::EndpointConfig(c) = r { Some(c.name.clone()) } else { None })
        .unwrap();
    let plan = Plan {
        steps: vec![crate::plan::EndpointSteps {
            endpoint: "rec".into(),
            steps: vec![
                Step::UpdateEndpoint { endpoint: "rec".into(), config: new_config.clone(), deployment: None },
                Step::WaitInService {
                    endpoint: "rec".into(),
                    config: new_config.clone(),
                    expect: Vec::new(),
                    alarms: Vec::new(),
                    rollout_seconds: None,
                },
                Step::DeleteEndpointConfig { name: old_config.clone() },
            ],
            restore: Vec::new(),
        }],
        ..Plan::default()
    };
    let (outcomes, _) = apply_plan(&aws, &plan, &Cancel::default()).await;
    assert_eq!(
        outcomes[0].result,
        Err(ApplyError::RolledBack {
            endpoint: "rec".into(),
            expected: new_config,
            actual: old_config.clone(),
            reason: "health check failed".into()
        })
    );
    assert_eq!(outcomes[0].done, 1);
    // The config still in use was not deleted.
    assert!(aws.0.lock().unwrap().configs.contains_key(&old_config));
}

#[tokio::test]
async fn once_cancelled_no_step_starts() {
    let aws = Fake::default();
    let plan = crate::plan::diff(&desired(SPEC), &LiveState::default());
    let cancel = Cancel::default();
    cancel.cancel();
    let (outcomes, events) = apply_plan(&aws, &plan, &cancel).await;
    assert_eq!(outcomes[0].result, Err(ApplyError::Interrupted));
    assert_eq!((outcomes[0].done, outcomes[0].total), (0, 6));
    assert!(aws.calls().is_empty());
    assert!(matches!(events.last(), Some(Event::Interrupted { done: 0, total: 6, .. })));
}

#[test]
fn a_rollback_names_the_alarms_its_failure_reason_names() {
    let watched = ["api-5xx".to_string(), "api-5xx-canary".to_string(), "api-latency".to_string()];
    let reason = "Deployment rolled back: CloudWatch alarm api-5xx-canary of the AutoRollbackConfiguration went into ALARM state.";
    // `api-5xx` appears only inside `api-5xx-canary`.
    assert_eq!(super::named_in(reason, &watched), ["api-5xx-canary"]);
    assert_eq!(super::named_in("alarms api-latency and api-5xx went into ALARM", &watched), ["api-5xx", "api-latency"]);
    assert!(super::named_in("Deployment timed out.", &watched).is_empty());
}

#[test]
fn an_alarm_only_in_alarm_when_read_is_worded_as_such() {
    let error = |named| ApplyError::AlarmRolledBack {
        endpoint: "rec".into(),
        alarms: vec!["rec-5xx".into()],
        named,
        actual: "rec-1".into(),
        reason: "Deployment rolled back.".into(),
    };
    assert_eq!(
        error(true).to_string(),
        "the rollout of endpoint rec was rolled back by SageMaker because alarm rec-5xx went into ALARM; the endpoint still runs rec-1: Deployment rolled back. Find out what the alarm saw, fix the cause and run apply again: the next plan shows the update again"
    );
    assert_eq!(
        error(false).to_string(),
        "the rollout of endpoint rec was rolled back by SageMaker (its FailureReason names no rollback alarm; alarm rec-5xx was in ALARM when read); the endpoint still runs rec-1: Deployment rolled back. Find out what the alarm saw, fix the cause and run apply again: the next plan shows the update again"
    );
}

#[test]
fn a_rollout_wait_is_never_shorter_than_the_flag() {
    let flag = WaitOptions { timeout: Duration::from_secs(1800), poll_interval: Duration::from_secs(30) };
    assert_eq!(super::rollout_wait(flag, Some(4500)).timeout, Duration::from_secs(4500));
    assert_eq!(super::rollout_wait(flag, Some(600)).timeout, Duration::from_secs(1800));
    assert_eq!(super::rollout_wait(flag, None).timeout, Duration::from_secs(1800));
}

#[tokio::test]
async fn a_rollback_whose_reason_names_no_alarm_names_those_in_alarm_when_read() {
    let spec = "version: 1
project: p
endpoints:
  - name: rec
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/rec:1
      execution_role_arn: arn:aws:iam::123456789012:role/R
    variants:
      - name: main
        instance_type: ml.c5.large
        initial_instance_count: 2
    rollout:
      strategy: all_at_once
      bake: 5m
      rollback_alarms:
        - name: rec-5xx
          metric: Invocation5XXErrors
          statistic: Sum
          threshold: 1
";
    let alarm = desired(spec)
        .into_iter()
        .find_map(|r| if let crate::resources::Resource::Alarm(a) = r { Some(a) } else { None })
        .unwrap();
    let aws = Fake::default();
    aws.0.lock().unwrap().alarms.push(crate::aws::AlarmDesc {
        alarm,
        arn: "arn:a".into(),
        state: "ALARM".into(),
        composite: false,
    });
    let watched = ["rec-5xx".to_string()];
    let rollback = |reason: &str| {
        super::alarm_rollback(&aws, "rec".into(), "rec-2".into(), "rec-1".into(), reason.into(), &watched)
    };
    // Named by the reason: no read needed.
    let named = rollback("CloudWatch alarm rec-5xx went into ALARM state.").await;
    assert!(matches!(&named, ApplyError::AlarmRolledBack { named: true, alarms, .. } if alarms == &watched));
    assert!(!aws.calls().contains(&"DescribeAlarms"));
    let read = rollback("Deployment rolled back.").await;
    assert!(
        read.to_string().contains("(its FailureReason names no rollback alarm; alarm rec-5xx was in ALARM when read)"),
        "{read}"
    );
    aws.0.lock().unwrap().alarms[0].state = "OK".into();
    assert!(matches!(rollback("Deployment rolled back.").await, ApplyError::RolledBack { .. }));
}
