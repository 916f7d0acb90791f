//! Lossless import and adoption: the endpoint config's and model's settings a spec expresses
//! (data capture, KMS key, volume size, timeouts) survive `import` and the next config change,
//! and what a spec cannot express makes `import` fail by name. Against the emulator, with the
//! real binary; AWS is read back with the SDK, not through endpoint-scale.

use aws_sdk_sagemaker::types::{
    CaptureContentTypeHeader, CaptureMode, CaptureOption, DataCaptureConfig, ProductionVariant,
    ProductionVariantInstanceType, ProductionVariantServerlessConfig,
};

use crate::emulator::{emulator, Account};
use crate::harness::{assert_expected, es, TempDir};
use crate::live::{create_existing_model, planned, run, wait_in_service, FAST};

const KEY: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// Creates endpoint config `<endpoint>-hand` (the one `variant`, plus what `extra` adds to the
/// request) and endpoint `endpoint` on it by hand, without endpoint-scale tags, and waits for it.
async fn hand_made(
    account: &Account,
    endpoint: &str,
    variant: ProductionVariant,
    extra: impl FnOnce(
        aws_sdk_sagemaker::operation::create_endpoint_config::builders::CreateEndpointConfigFluentBuilder,
    )
        -> aws_sdk_sagemaker::operation::create_endpoint_config::builders::CreateEndpointConfigFluentBuilder,
) {
    let sm = account.sagemaker().await;
    let config = format!("{endpoint}-hand");
    extra(sm.create_endpoint_config().endpoint_config_name(&config).production_variants(variant)).send().await.unwrap();
    sm.create_endpoint().endpoint_name(endpoint).endpoint_config_name(&config).send().await.unwrap();
    wait_in_service(account, endpoint).await;
}

fn instance_variant(model: &str) -> aws_sdk_sagemaker::types::builders::ProductionVariantBuilder {
    ProductionVariant::builder()
        .variant_name("main")
        .model_name(model)
        .instance_type(ProductionVariantInstanceType::MlC5Large)
        .initial_instance_count(1)
}

fn capture() -> DataCaptureConfig {
    DataCaptureConfig::builder()
        .initial_sampling_percentage(25)
        .destination_s3_uri("s3://audit-bucket/capture")
        .kms_key_id("alias/capture")
        .capture_options(CaptureOption::builder().capture_mode(CaptureMode::Input).build())
        .capture_options(CaptureOption::builder().capture_mode(CaptureMode::Output).build())
        .capture_content_type_header(CaptureContentTypeHeader::builder().json_content_types("application/json").build())
        .build()
}

#[tokio::test]
async fn import_keeps_data_capture_kms_and_startup_timeout_through_a_model_change() {
    let account = emulator().account();
    create_existing_model(&account, "scorer-v1").await;
    create_existing_model(&account, "scorer-v2").await;
    hand_made(
        &account,
        "audited",
        instance_variant("scorer-v1").container_startup_health_check_timeout_in_seconds(900).build(),
        |c| c.data_capture_config(capture()).kms_key_id(KEY),
    )
    .await;
    let dir = TempDir::new();
    let path = dir.path.join("audited.yaml");
    let spec = path.to_str().unwrap();
    run(&account, &["import", "audited", "--project", "audit", "--out", spec]).code(0);
    let written = std::fs::read_to_string(&path).unwrap();
    assert_expected("tests/expected/import.audited.yaml", &written);
    es(["validate", spec]).run().code(0);
    // Adoption only: the hand-made config has the spec's content, so it stays.
    assert_eq!(planned(&account, &crate::harness::TempSpec::new("a.yaml", &written)), ["update endpoint.audited"]);

    // The team switches the model; the new config must still capture, encrypt and wait.
    std::fs::write(&path, written.replace("existing: scorer-v1", "existing: scorer-v2")).unwrap();
    let mut args = vec!["apply", spec, "--auto-approve"];
    args.extend(FAST);
    run(&account, &args).code(0);
    let sm = account.sagemaker().await;
    let endpoint = sm.describe_endpoint().endpoint_name("audited").send().await.unwrap();
    let config_name = endpoint.endpoint_config_name().unwrap();
    assert_ne!(config_name, "audited-hand");
    let config = sm.describe_endpoint_config().endpoint_config_name(config_name).send().await.unwrap();
    let variant = &config.production_variants()[0];
    assert_eq!(variant.model_name(), Some("scorer-v2"));
    assert_eq!(variant.container_startup_health_check_timeout_in_seconds(), Some(900));
    assert_eq!(config.kms_key_id(), Some(KEY));
    let mut expected = capture();
    expected.enable_capture = Some(true); // endpoint-scale always sends it
    assert_eq!(config.data_capture_config(), Some(&expected));
    let out = run(&account, &["plan", spec, "--detailed-exitcode"]).code(0);
    assert_eq!(
        out.stdout,
        format!(
            "No changes. The endpoints of project \"audit\" match the spec (account {}, region us-east-1).\n",
            account.id
        )
    );

    // A live config whose settings differ from the spec is a config change.
    let edited = std::fs::read_to_string(&path)
        .unwrap()
        .replace("initial_sampling_percentage: 25", "initial_sampling_percentage: 5");
    let changed = crate::harness::TempSpec::new("b.yaml", edited);
    let plan = planned(&account, &changed);
    assert_eq!(plan.len(), 3, "{plan:?}");
    assert!(plan[0].starts_with("create endpoint_config.audited-"), "{plan:?}");
    assert_eq!(plan[1], "update endpoint.audited");
    assert!(plan[2].starts_with(&format!("delete endpoint_config.{config_name}")), "{plan:?}");
}

#[tokio::test]
async fn import_refuses_a_serverless_endpoint_by_name() {
    let account = emulator().account();
    create_existing_model(&account, "tiny").await;
    let serverless = ProductionVariant::builder()
        .variant_name("main")
        .model_name("tiny")
        .serverless_config(
            ProductionVariantServerlessConfig::builder().memory_size_in_mb(2048).max_concurrency(5).build(),
        )
        .build();
    hand_made(&account, "tiny-serverless", serverless, |c| c).await;
    let dir = TempDir::new();
    let path = dir.path.join("s.yaml");
    let out = run(&account, &["import", "tiny-serverless", "--project", "p", "--out", path.to_str().unwrap()]).code(1);
    assert_eq!(
        out.stderr,
        "error: endpoint tiny-serverless cannot be imported: variant main uses ServerlessConfig: serverless variants are not supported; endpoint-scale manages instance-based real-time endpoints\n"
    );
    assert_eq!(out.stdout, "");
    assert!(!path.exists(), "no spec is written");
}

#[tokio::test]
async fn import_names_every_setting_it_cannot_express() {
    let account = emulator().account();
    create_existing_model(&account, "m").await;
    let shadow = instance_variant("m").variant_name("shadow").build();
    hand_made(&account, "busy", instance_variant("m").build(), |c| {
        c.shadow_production_variants(shadow).async_inference_config(
            aws_sdk_sagemaker::types::AsyncInferenceConfig::builder()
                .output_config(
                    aws_sdk_sagemaker::types::AsyncInferenceOutputConfig::builder()
                        .s3_output_path("s3://b/async")
                        .build(),
                )
                .build(),
        )
    })
    .await;
    let out = run(&account, &["import", "busy", "--project", "p"]).code(1);
    assert_eq!(
        out.stderr,
        "error: endpoint busy cannot be imported:
  - endpoint config busy-hand uses AsyncInferenceConfig: asynchronous endpoints are not supported; endpoint-scale manages instance-based real-time endpoints
  - endpoint config busy-hand uses ShadowProductionVariants: shadow variants are not supported
"
    );
    assert_eq!(out.stdout, "");
}

#[test]
fn the_audited_example_renders_requests_the_api_models_accept() {
    let out = es(["render", "examples/audited.yaml"]).run().code(0);
    let report = crate::render::check_against_botocore(&out.stdout);
    assert!(report.starts_with("5 calls valid against botocore "), "{report}");
}
