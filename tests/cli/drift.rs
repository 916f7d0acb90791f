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
    assert_eq!(ops, ["AddTags", "AddTags", "AddTags", "TagResource"]);
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
