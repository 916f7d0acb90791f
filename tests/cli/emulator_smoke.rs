//! The emulator as the Rust SDK sees it: started with one call, isolated per account, and its
//! request log and fault injection reachable from tests.

use aws_sdk_sagemaker::types::ContainerDefinition;
use serde_json::json;

use crate::emulator::{emulator, LoggedRequest};

async fn create_model(client: &aws_sdk_sagemaker::Client, name: &str) {
    client
        .create_model()
        .model_name(name)
        .execution_role_arn("arn:aws:iam::123456789012:role/R")
        .primary_container(
            ContainerDefinition::builder().image("123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1").build(),
        )
        .send()
        .await
        .expect("CreateModel on the emulator");
}

#[tokio::test]
async fn the_rust_sdk_works_against_the_emulator_and_every_call_is_logged() {
    let emulator = emulator();
    eprintln!("emulator ready in {:?}", emulator.started_in);
    let account = emulator.account();
    let client = aws_sdk_sagemaker::Client::new(&account.sdk_config().await);
    create_model(&client, "m1").await;
    let described = client.describe_model().model_name("m1").send().await.unwrap();
    assert_eq!(described.model_name(), Some("m1"));
    assert_eq!(
        account.requests(),
        [
            LoggedRequest { operation: "CreateModel".into(), status: 200 },
            LoggedRequest { operation: "DescribeModel".into(), status: 200 }
        ]
    );
}

#[tokio::test]
async fn accounts_are_isolated() {
    let (a, b) = (emulator().account(), emulator().account());
    let client_a = aws_sdk_sagemaker::Client::new(&a.sdk_config().await);
    let client_b = aws_sdk_sagemaker::Client::new(&b.sdk_config().await);
    create_model(&client_a, "only-in-a").await;
    assert!(client_b.describe_model().model_name("only-in-a").send().await.is_err());
    assert_eq!(b.operations(), ["DescribeModel"]);
}

#[tokio::test]
async fn injected_throttling_is_absorbed_by_sdk_retries() {
    let account = emulator().account();
    account.inject(json!({"operation": "DescribeModel", "fault": "throttle", "count": 2}));
    let client = aws_sdk_sagemaker::Client::new(&account.sdk_config().await);
    create_model(&client, "m").await;
    client.describe_model().model_name("m").send().await.expect("third attempt succeeds");
    let statuses: Vec<(String, u16)> = account.requests().into_iter().map(|r| (r.operation, r.status)).collect();
    assert_eq!(
        statuses,
        [
            ("CreateModel".to_string(), 200),
            ("DescribeModel".to_string(), 400),
            ("DescribeModel".to_string(), 400),
            ("DescribeModel".to_string(), 200)
        ]
    );
}

async fn endpoint_with_config(client: &aws_sdk_sagemaker::Client, endpoint: &str, config: &str, instance_type: &str) {
    use aws_sdk_sagemaker::types::{ProductionVariant, ProductionVariantInstanceType};
    client
        .create_endpoint_config()
        .endpoint_config_name(config)
        .production_variants(
            ProductionVariant::builder()
                .variant_name("main")
                .model_name("m")
                .instance_type(ProductionVariantInstanceType::from(instance_type))
                .initial_instance_count(1)
                .initial_variant_weight(1.0)
                .build(),
        )
        .send()
        .await
        .expect("CreateEndpointConfig");
    if client.describe_endpoint().endpoint_name(endpoint).send().await.is_err() {
        client
            .create_endpoint()
            .endpoint_name(endpoint)
            .endpoint_config_name(config)
            .send()
            .await
            .expect("CreateEndpoint");
    }
}

async fn status(client: &aws_sdk_sagemaker::Client, endpoint: &str) -> (String, String, Option<String>) {
    let d = client.describe_endpoint().endpoint_name(endpoint).send().await.unwrap();
    (
        d.endpoint_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
        d.endpoint_config_name().unwrap_or_default().to_string(),
        d.failure_reason().map(str::to_string),
    )
}

#[tokio::test]
async fn update_endpoint_passes_through_updating_and_a_triggered_failure_rolls_back() {
    let account = emulator().account();
    account.configure(json!({"transition_polls": 1}));
    let client = aws_sdk_sagemaker::Client::new(&account.sdk_config().await);
    create_model(&client, "m").await;
    endpoint_with_config(&client, "e", "e-1", "ml.c5.large").await;
    assert_eq!(status(&client, "e").await.0, "Creating");
    assert_eq!(status(&client, "e").await.0, "InService");

    endpoint_with_config(&client, "e", "e-2", "ml.c5.xlarge").await;
    client.update_endpoint().endpoint_name("e").endpoint_config_name("e-2").send().await.expect("UpdateEndpoint");
    assert_eq!(status(&client, "e").await.0, "Updating");
    assert_eq!(status(&client, "e").await, ("InService".into(), "e-2".into(), None));

    account.fail_next_update("e", "image pull failed");
    endpoint_with_config(&client, "e", "e-3", "ml.m5.large").await;
    client.update_endpoint().endpoint_name("e").endpoint_config_name("e-3").send().await.expect("accepted");
    assert_eq!(status(&client, "e").await.0, "Updating");
    // RollingBack (as long as the update took), then InService on the old config.
    assert_eq!(status(&client, "e").await.0, "RollingBack");
    assert_eq!(status(&client, "e").await.0, "RollingBack");
    let (state, config, reason) = status(&client, "e").await;
    assert_eq!((state.as_str(), config.as_str()), ("InService", "e-2"), "rolled back to the old config");
    assert!(reason.unwrap_or_default().contains("image pull failed"));
}
