//! Drift and tags against the emulator: a changed tag reaches every owned resource, policies and
//! scheduled actions added by hand to an owned target are drift, a busy endpoint is noted but not
//! drift, a replaced model names the field that changed, and every example is in sync right
//! after its apply (a `timezone: UTC` schedule included).

use std::collections::BTreeMap;

use crate::emulator::{emulator, Account};
use crate::harness::{root, TempSpec};
use crate::live::{apply, create_existing_model, recommender, run};

const ENDPOINT: &str = "product-recommender";
const TARGET: &str = "endpoint/product-recommender/variant/primary";

fn no_changes(account: &Account, spec: &TempSpec, project: &str, region: &str) {
    let out = run(account, &["plan", spec.arg(), "--detailed-exitcode"]).code(0);
    assert_eq!(
        out.stdout,
        format!(
            "No changes. The endpoints of project \"{project}\" match the spec (account {}, region {region}).\n",
            account.id
        )
    );
}

async fn sm_tags(account: &Account, arn: &str) -> BTreeMap<String, String> {
    let out = account.sagemaker().await.list_tags().resource_arn(arn).send().await.unwrap();
    out.tags().iter().map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string())).collect()
}

/// The ARNs of the endpoint, its config, its model and its scalable target.
async fn arns(account: &Account) -> [String; 4] {
    let sm = account.sagemaker().await;
    let e = sm.describe_endpoint().endpoint_name(ENDPOINT).send().await.unwrap();
    let c = sm.describe_endpoint_config().endpoint_config_name(e.endpoint_config_name().unwrap()).send().await.unwrap();
    let model = c.production_variants()[0].model_name().unwrap().to_string();
    let m = sm.describe_model().model_name(&model).send().await.unwrap();
    let t = account
        .autoscaling()
        .await
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Sagemaker)
        .resource_ids(TARGET)
        .send()
        .await
        .unwrap();
    [
        e.endpoint_arn().unwrap().to_string(),
        c.endpoint_config_arn().unwrap().to_string(),
        m.model_arn().unwrap().to_string(),
        t.scalable_targets()[0].scalable_target_arn().unwrap().to_string(),
    ]
}

#[tokio::test]
async fn a_tag_change_reaches_endpoint_config_model_and_scalable_target() {
    let account = emulator().account();
    apply(&account, &TempSpec::new("rec.yaml", recommender())).code(0);
    let edited = recommender().replace(
        "tags:\n  team: recommendations\n  cost-center: ml-platform\n",
        "tags:\n  team: discovery\n  owner: ml\n",
    );
    let spec = TempSpec::new("rec.yaml", edited);
    let out = run(&account, &["diff", spec.arg()]).code(2);
    let tags = "    tags.owner: live (none), spec \"ml\"\n    tags.team: live \"recommendations\", spec \"discovery\"\n    tags.cost-center: live \"ml-platform\", spec (none)\n";
    assert_eq!(
        out.stdout,
        format!(
            "~ model.product-recommender-21559474\n{tags}~ endpoint_config.product-recommender-baee9441\n{tags}~ endpoint.product-recommender\n{tags}~ scalable_target.product-recommender/primary\n{tags}"
        )
    );
    // Tags are not content: the config and the model keep their names, and change in place.
    let ops = crate::live::plan_operations(&account, &spec);
    // Added and removed tags: both calls, named as such.
    assert_eq!(ops, ["AddTags+DeleteTags", "AddTags+DeleteTags", "AddTags+DeleteTags", "TagResource+UntagResource"]);
    apply(&account, &spec).code(0);
    let want: BTreeMap<String, String> = [
        ("endpoint-scale:endpoint", ENDPOINT),
        ("endpoint-scale:managed", "true"),
        ("endpoint-scale:project", "recommendations"),
        ("owner", "ml"),
        ("service", ENDPOINT),
        ("team", "discovery"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let [endpoint, config, model, target] = arns(&account).await;
    assert_eq!(sm_tags(&account, &endpoint).await, want, "endpoint");
    assert_eq!(sm_tags(&account, &config).await, want, "endpoint config");
    assert_eq!(sm_tags(&account, &model).await, want, "model");
    let aas = account.autoscaling().await;
    let target_tags = aas.list_tags_for_resource().resource_arn(&target).send().await.unwrap();
    let target_tags: BTreeMap<String, String> = target_tags.tags().unwrap().clone().into_iter().collect();
    assert_eq!(target_tags, want, "scalable target");
    no_changes(&account, &spec, "recommendations", "us-east-1");
}

#[tokio::test]
async fn a_policy_and_a_schedule_added_by_hand_to_an_owned_target_are_drift_and_deleted() {
    use aws_sdk_applicationautoscaling::types::{
        AdjustmentType, PolicyType, ScalableDimension, ScalableTargetAction, ServiceNamespace, StepAdjustment,
        StepScalingPolicyConfiguration,
    };
    let account = emulator().account();
    let spec = TempSpec::new("rec.yaml", recommender());
    apply(&account, &spec).code(0);
    let aas = account.autoscaling().await;
    aas.put_scaling_policy()
        .policy_name("cpu-step")
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(TARGET)
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .policy_type(PolicyType::StepScaling)
        .step_scaling_policy_configuration(
            StepScalingPolicyConfiguration::builder()
                .adjustment_type(AdjustmentType::ChangeInCapacity)
                .step_adjustments(
                    StepAdjustment::builder().metric_interval_lower_bound(0.0).scaling_adjustment(1).build().unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    aas.put_scheduled_action()
        .service_namespace(ServiceNamespace::Sagemaker)
        .scheduled_action_name("weekend-off")
        .resource_id(TARGET)
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .schedule("cron(0 0 ? * SAT *)")
        .scalable_target_action(ScalableTargetAction::builder().max_capacity(1).build())
        .send()
        .await
        .unwrap();
    let out = run(&account, &["diff", spec.arg()]).code(2);
    assert_eq!(
        out.stdout,
        "- scaling_policy.product-recommender/primary/cpu-step: in AWS, the policy \"cpu-step\" (StepScaling) is not in the spec, on a target this project owns: several policies on one target scale out if any asks and in only if all agree, so it would scale the variant too\n\
         - scheduled_action.product-recommender/primary/weekend-off: in AWS, not in the spec, on a target this project owns: it would change the variant's bounds\n"
    );
    assert_eq!(crate::live::plan_operations(&account, &spec), ["DeleteScalingPolicy", "DeleteScheduledAction"]);
    apply(&account, &spec).code(0);
    let policies = aas.describe_scaling_policies().service_namespace(ServiceNamespace::Sagemaker).send().await.unwrap();
    let names: Vec<&str> = policies.scaling_policies().iter().map(|p| p.policy_name()).collect();
    assert_eq!(names, ["endpoint-scale-invocations-per-instance"]);
    no_changes(&account, &spec, "recommendations", "us-east-1");
}

#[tokio::test]
async fn an_updating_endpoint_is_noted_as_not_compared_and_is_not_drift() {
    let account = emulator().account();
    let spec = TempSpec::new("rec.yaml", recommender());
    apply(&account, &spec).code(0);
    account.configure(serde_json::json!({"transition_polls": 100}));
    account
        .sagemaker()
        .await
        .update_endpoint_weights_and_capacities()
        .endpoint_name(ENDPOINT)
        .desired_weights_and_capacities(
            aws_sdk_sagemaker::types::DesiredWeightAndCapacity::builder()
                .variant_name("primary")
                .desired_weight(1.0)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let out = run(&account, &["diff", spec.arg()]).code(0);
    assert_eq!(
        out.stdout,
        "? endpoint product-recommender is Updating: not compared (diff compares it once it is InService)\n\
         No drift in what could be compared.\n"
    );
}

#[tokio::test]
async fn a_changed_model_names_its_fields_and_masks_secret_values() {
    let account = emulator().account();
    apply(&account, &TempSpec::new("rec.yaml", recommender())).code(0);
    let changed = recommender().replace("2.13-cpu", "2.14-cpu").replace("fs-7f3a9c1e", "fs-0000");
    let out = run(&account, &["diff", TempSpec::new("rec.yaml", changed).arg()]).code(2);
    assert_eq!(
        out.stdout,
        "~ endpoint.product-recommender\n\
         \x20   config_name: live \"product-recommender-baee9441\", spec \"product-recommender-4981df86\"\n\
         ~ endpoint_config.product-recommender-baee9441 -> product-recommender-4981df86 (endpoint configs are immutable: a new one replaces it)\n\
         \x20   variants[primary].model_name: live \"product-recommender-21559474\", spec \"product-recommender-4c181f68\"\n\
         ~ model.product-recommender-21559474 -> product-recommender-4c181f68 (models are immutable: a new one replaces it)\n\
         \x20   image: live \"763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.13-cpu\", spec \"763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.14-cpu\"\n\
         \x20   environment.FEATURE_STORE_API_TOKEN: live \"(sensitive)\", spec \"(sensitive)\"\n"
    );
    assert!(!out.stdout.contains("fs-"), "a secret value leaked:\n{}", out.stdout);
}

#[tokio::test]
async fn an_owned_endpoint_that_left_the_spec_is_named_with_the_prune_hint() {
    let account = emulator().account();
    apply(&account, &TempSpec::new("rec.yaml", recommender())).code(0);
    let renamed = recommender().replace("  - name: product-recommender\n", "  - name: recommender-v2\n");
    let spec = TempSpec::new("rec.yaml", renamed);
    let out = run(&account, &["diff", spec.arg()]).code(2);
    assert!(
        out.stdout.starts_with(&format!(
            "- endpoint.product-recommender: owned by this project, not in the spec (`endpoint-scale apply {} --prune` deletes it)\n\
             + model.recommender-v2-21559474: in the spec, missing in AWS\n",
            spec.arg()
        )),
        "{}",
        out.stdout
    );
    // Its own resources are not listed one by one: the endpoint line stands for them.
    assert!(!out.stdout.contains("scaling_policy.product-recommender/"), "{}", out.stdout);
}

#[tokio::test]
async fn what_a_failed_run_left_shows_as_unused_not_as_missing() {
    let account = emulator().account();
    let v1 = TempSpec::new("r.yaml", recommender());
    apply(&account, &v1).code(0);
    // v2's model and config are created, then its UpdateEndpoint fails: both are left unused.
    let v2 = TempSpec::new("r.yaml", recommender().replace("2.13-cpu", "2.14-cpu"));
    account.inject(serde_json::json!({"operation": "UpdateEndpoint", "fault": "500", "count": 1}));
    let mut args = vec!["apply", v2.arg(), "--auto-approve", "--max-attempts", "1"];
    args.extend(crate::live::FAST);
    run(&account, &args).code(1);
    let out = run(&account, &["diff", v1.arg()]).code(2);
    assert_eq!(
        out.stdout,
        "- endpoint_config.product-recommender-597fe413: in AWS, not used by the endpoint: left by an interrupted or failed run\n\
         - model.product-recommender-71cb8892: in AWS, not used by the endpoint: left by an interrupted or failed run\n"
    );
}

/// Every example is in sync right after its apply, and so is a schedule with `timezone: UTC`
/// (AWS's default zone, which used to read back as none and show as drift forever).
#[tokio::test]
async fn every_example_shows_no_changes_right_after_its_apply() {
    let mut specs: Vec<(String, String)> = Vec::new();
    for dir in ["examples", "examples/study"] {
        let mut paths: Vec<_> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        paths.sort();
        for p in paths {
            specs.push((p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()));
        }
    }
    specs.push(("utc.yaml".into(), recommender().replace("America/New_York", "UTC")));
    for (name, text) in specs {
        let account = emulator().account();
        let region = text.lines().find_map(|l| l.strip_prefix("region: ")).unwrap().to_string();
        let project = text.lines().find_map(|l| l.strip_prefix("project: ")).unwrap().to_string();
        for line in text.lines().filter_map(|l| l.trim().strip_prefix("existing: ")) {
            let model = line.split_whitespace().next().unwrap();
            create_existing_model_in(&account, model, &region).await;
        }
        // A rollout's team alarms (no `metric:`) must exist before the plan.
        for alarm in crate::rollout_apply::team_alarms(&text) {
            crate::rollout_apply::create_alarm(&account, &alarm).await;
        }
        let spec = TempSpec::new(&name, text);
        let out = apply(&account, &spec);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
        let out = run(&account, &["plan", spec.arg(), "--detailed-exitcode"]);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (
                0,
                format!(
                    "No changes. The endpoints of project \"{project}\" match the spec (account {}, region {region}).\n",
                    account.id
                )
                .as_str()
            ),
            "{name}"
        );
    }
}

/// `create_existing_model`, in the spec's region.
async fn create_existing_model_in(account: &Account, name: &str, region: &str) {
    if region == "us-east-1" {
        return create_existing_model(account, name).await;
    }
    let config = aws_sdk_sagemaker::config::Builder::from(&account.sdk_config().await)
        .region(aws_sdk_sagemaker::config::Region::new(region.to_string()))
        .build();
    aws_sdk_sagemaker::Client::from_conf(config)
        .create_model()
        .model_name(name)
        .execution_role_arn("arn:aws:iam::123456789012:role/R")
        .primary_container(
            aws_sdk_sagemaker::types::ContainerDefinition::builder()
                .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1")
                .build(),
        )
        .send()
        .await
        .unwrap();
}

#[test]
fn the_tagging_steps_render_valid_requests_for_the_aws_api_models() {
    use endpoint_scale::plan::Step;
    let tags: BTreeMap<String, String> = [("team".to_string(), "discovery".to_string())].into();
    let remove = vec!["cost-center".to_string()];
    let steps = [
        Step::TagEndpointConfig {
            endpoint: "e".into(),
            name: "e-0a1b2c3d".into(),
            arn: "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/e-0a1b2c3d".into(),
            add: tags.clone(),
            remove: remove.clone(),
        },
        Step::TagModel {
            endpoint: "e".into(),
            name: "e-1a2b3c4d".into(),
            arn: "arn:aws:sagemaker:us-east-1:123456789012:model/e-1a2b3c4d".into(),
            add: tags.clone(),
            remove: remove.clone(),
        },
        Step::TagScalableTarget {
            endpoint: "e".into(),
            variant: "v".into(),
            arn: "arn:aws:application-autoscaling:us-east-1:123456789012:scalable-target/056a1b2c3d".into(),
            add: tags,
            remove,
        },
    ];
    let calls: Vec<_> = steps.iter().flat_map(endpoint_scale::render::calls::step_calls).collect();
    let report = crate::render::check_against_botocore(&serde_json::to_string(&calls).unwrap());
    assert!(report.starts_with("6 calls valid against botocore "), "{report}");
}
