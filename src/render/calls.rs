//! A view of a plan as the AWS API calls its steps make, each as `{service, operation, input}`
//! where `input` is the exact JSON request body (PascalCase members, as the AWS CLI's
//! `--cli-input-json` takes), or as an AWS CLI script with the plan's waits. `render` is this view
//! of the plan against an empty live state, so it runs exactly what `apply` would, in its order.
//! Values are never masked here: these are the calls themselves.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::model::ScalingMetric;
use crate::plan::{Plan, Step};
use crate::resources::{resource_id, PolicyResource, Resource, SCALABLE_DIMENSION};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiCall {
    /// The AWS CLI's service name: `sagemaker`, `application-autoscaling` or `cloudwatch`.
    pub service: &'static str,
    /// The API operation, as in the API reference (`CreateEndpointConfig`).
    pub operation: &'static str,
    pub input: Value,
}

impl ApiCall {
    /// The AWS CLI command name of the operation (`create-endpoint-config`).
    pub fn cli_command(&self) -> String {
        let mut out = String::new();
        for (i, c) in self.operation.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }
}

/// The AWS calls of one plan step, in order; none for a wait (see [`to_shell`]).
pub fn step_calls(step: &Step) -> Vec<ApiCall> {
    let sm = |operation, input| ApiCall { service: "sagemaker", operation, input };
    let aas = |operation, input| ApiCall { service: "application-autoscaling", operation, input };
    let cw = |operation, input| ApiCall { service: "cloudwatch", operation, input };
    let target_id = |endpoint: &str, variant: &str| {
        json!({
            "ServiceNamespace": "sagemaker",
            "ResourceId": resource_id(endpoint, variant),
            "ScalableDimension": SCALABLE_DIMENSION,
        })
    };
    let with = |mut base: Value, extra: Value| {
        if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
            base.extend(extra);
        }
        base
    };
    match step {
        Step::CreateModel { model } => vec![create_call(&Resource::Model(model.clone()))],
        Step::CreateEndpointConfig { config } => vec![create_call(&Resource::EndpointConfig(config.clone()))],
        Step::CreateEndpoint { endpoint, config, tags } => vec![sm(
            "CreateEndpoint",
            json!({"EndpointName": endpoint, "EndpointConfigName": config, "Tags": tag_list(tags)}),
        )],
        Step::UpdateEndpoint { endpoint, config, deployment } => {
            let mut input =
                json!({"EndpointName": endpoint, "EndpointConfigName": config, "RetainAllVariantProperties": true});
            if let Some(d) = deployment {
                input["DeploymentConfig"] = json!(d);
            }
            vec![sm("UpdateEndpoint", input)]
        }
        Step::UpdateWeightsAndCapacities { endpoint, changes } => {
            let desired: Vec<Value> = changes
                .iter()
                .map(|c| {
                    let mut v = Map::new();
                    v.insert("VariantName".into(), json!(c.variant));
                    if let Some(w) = c.weight {
                        v.insert("DesiredWeight".into(), json!(w));
                    }
                    if let Some(n) = c.instance_count {
                        v.insert("DesiredInstanceCount".into(), json!(n));
                    }
                    Value::Object(v)
                })
                .collect();
            vec![sm(
                "UpdateEndpointWeightsAndCapacities",
                json!({"EndpointName": endpoint, "DesiredWeightsAndCapacities": desired}),
            )]
        }
        Step::WaitInService { .. } | Step::WaitDeleted { .. } | Step::WaitSettled { .. } => Vec::new(),
        Step::TagEndpoint { arn, add, remove, .. } => {
            let mut calls = Vec::new();
            if !add.is_empty() {
                calls.push(sm("AddTags", json!({"ResourceArn": arn, "Tags": tag_list(add)})));
            }
            if !remove.is_empty() {
                calls.push(sm("DeleteTags", json!({"ResourceArn": arn, "TagKeys": remove})));
            }
            calls
        }
        Step::TagEndpointConfig { arn, add, remove, .. } | Step::TagModel { arn, add, remove, .. } => {
            let mut calls = Vec::new();
            if !add.is_empty() {
                calls.push(sm("AddTags", json!({"ResourceArn": arn, "Tags": tag_list(add)})));
            }
            if !remove.is_empty() {
                calls.push(sm("DeleteTags", json!({"ResourceArn": arn, "TagKeys": remove})));
            }
            calls
        }
        Step::TagScalableTarget { arn, add, remove, .. } => {
            let mut calls = Vec::new();
            if !add.is_empty() {
                calls.push(aas("TagResource", json!({"ResourceARN": arn, "Tags": add})));
            }
            if !remove.is_empty() {
                calls.push(aas("UntagResource", json!({"ResourceARN": arn, "TagKeys": remove})));
            }
            calls
        }
        Step::AdoptEndpoint { arn, tags, .. } => {
            vec![sm("AddTags", json!({"ResourceArn": arn, "Tags": tag_list(tags)}))]
        }
        Step::RegisterScalableTarget { target } => vec![create_call(&Resource::ScalableTarget(target.clone()))],
        Step::DeregisterScalableTarget { endpoint, variant } => {
            vec![aas("DeregisterScalableTarget", target_id(endpoint, variant))]
        }
        Step::PutScalingPolicy { policy } => vec![create_call(&Resource::ScalingPolicy(policy.clone()))],
        Step::DeleteScalingPolicy { endpoint, variant, policy_name } => {
            vec![aas("DeleteScalingPolicy", with(json!({"PolicyName": policy_name}), target_id(endpoint, variant)))]
        }
        Step::PutScheduledAction { action } => vec![create_call(&Resource::ScheduledAction(action.clone()))],
        Step::DeleteScheduledAction { endpoint, variant, name } => {
            vec![aas("DeleteScheduledAction", with(target_id(endpoint, variant), json!({"ScheduledActionName": name})))]
        }
        Step::DeleteEndpoint { endpoint } => vec![sm("DeleteEndpoint", json!({"EndpointName": endpoint}))],
        Step::DeleteEndpointConfig { name } => {
            vec![sm("DeleteEndpointConfig", json!({"EndpointConfigName": name}))]
        }
        Step::DeleteModel { name } => vec![sm("DeleteModel", json!({"ModelName": name}))],
        Step::PutMetricAlarm { alarm } => vec![create_call(&Resource::Alarm(alarm.clone()))],
        Step::TagAlarm { arn, add, remove, .. } => {
            let mut calls = Vec::new();
            if !add.is_empty() {
                calls.push(cw("TagResource", json!({"ResourceARN": arn, "Tags": tag_list(add)})));
            }
            if !remove.is_empty() {
                calls.push(cw("UntagResource", json!({"ResourceARN": arn, "TagKeys": remove})));
            }
            calls
        }
        Step::DeleteAlarms { names, .. } => vec![cw("DeleteAlarms", json!({"AlarmNames": names}))],
    }
}

/// Every AWS call of the plan, endpoint by endpoint, in the plan's order.
pub fn plan_calls(plan: &Plan) -> Vec<ApiCall> {
    plan.steps.iter().flat_map(|e| &e.steps).flat_map(step_calls).collect()
}

fn tag_list(tags: &crate::model::Tags) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
}

fn create_call(resource: &Resource) -> ApiCall {
    match resource {
        Resource::Model(m) => {
            let mut container = Map::new();
            container.insert("Image".into(), json!(m.image));
            if let Some(mode) = &m.mode {
                container.insert("Mode".into(), json!(mode));
            }
            if let Some(url) = &m.model_data_url {
                container.insert("ModelDataUrl".into(), json!(url));
            }
            if !m.environment.is_empty() {
                container.insert("Environment".into(), json!(m.environment));
            }
            let mut input = Map::new();
            input.insert("ModelName".into(), json!(m.name));
            input.insert("PrimaryContainer".into(), Value::Object(container));
            input.insert("ExecutionRoleArn".into(), json!(m.execution_role_arn));
            if let Some(vpc) = &m.vpc {
                input.insert(
                    "VpcConfig".into(),
                    json!({"SecurityGroupIds": vpc.security_group_ids, "Subnets": vpc.subnets}),
                );
            }
            if m.enable_network_isolation {
                input.insert("EnableNetworkIsolation".into(), json!(true));
            }
            input.insert("Tags".into(), tag_list(&m.tags));
            ApiCall { service: "sagemaker", operation: "CreateModel", input: Value::Object(input) }
        }
        Resource::EndpointConfig(c) => {
            let variants: Vec<Value> = c
                .variants
                .iter()
                .map(|v| {
                    let mut variant = json!({
                        "VariantName": v.name,
                        "ModelName": v.model_name,
                        "InstanceType": v.instance_type,
                        "InitialInstanceCount": v.initial_instance_count,
                        "InitialVariantWeight": v.initial_weight,
                    });
                    let settings = [
                        ("VolumeSizeInGB", v.volume_size_in_gb),
                        ("ModelDataDownloadTimeoutInSeconds", v.model_data_download_timeout),
                        ("ContainerStartupHealthCheckTimeoutInSeconds", v.container_startup_health_check_timeout),
                    ];
                    for (member, value) in settings {
                        if let Some(value) = value {
                            variant[member] = json!(value);
                        }
                    }
                    variant
                })
                .collect();
            let mut input = Map::new();
            input.insert("EndpointConfigName".into(), json!(c.name));
            input.insert("ProductionVariants".into(), Value::Array(variants));
            if let Some(d) = &c.data_capture {
                let mut capture = Map::new();
                capture.insert("EnableCapture".into(), json!(d.enable_capture));
                capture.insert("InitialSamplingPercentage".into(), json!(d.initial_sampling_percentage));
                capture.insert("DestinationS3Uri".into(), json!(d.destination_s3_uri));
                if let Some(key) = &d.kms_key_id {
                    capture.insert("KmsKeyId".into(), json!(key));
                }
                let options: Vec<Value> = d.capture_options.iter().map(|o| json!({"CaptureMode": o})).collect();
                capture.insert("CaptureOptions".into(), Value::Array(options));
                let mut header = Map::new();
                if !d.csv_content_types.is_empty() {
                    header.insert("CsvContentTypes".into(), json!(d.csv_content_types));
                }
                if !d.json_content_types.is_empty() {
                    header.insert("JsonContentTypes".into(), json!(d.json_content_types));
                }
                if !header.is_empty() {
                    capture.insert("CaptureContentTypeHeader".into(), Value::Object(header));
                }
                input.insert("DataCaptureConfig".into(), Value::Object(capture));
            }
            if let Some(key) = &c.kms_key_id {
                input.insert("KmsKeyId".into(), json!(key));
            }
            input.insert("Tags".into(), tag_list(&c.tags));
            ApiCall { service: "sagemaker", operation: "CreateEndpointConfig", input: Value::Object(input) }
        }
        Resource::Endpoint(e) => ApiCall {
            service: "sagemaker",
            operation: "CreateEndpoint",
            input: json!({
                "EndpointName": e.name,
                "EndpointConfigName": e.config_name,
                "Tags": tag_list(&e.tags),
            }),
        },
        Resource::Alarm(a) => {
            ApiCall { service: "cloudwatch", operation: "PutMetricAlarm", input: a.put_metric_alarm_input() }
        }
        Resource::ScalableTarget(t) => ApiCall {
            service: "application-autoscaling",
            operation: "RegisterScalableTarget",
            input: json!({
                "ServiceNamespace": "sagemaker",
                "ResourceId": resource_id(&t.endpoint, &t.variant),
                "ScalableDimension": SCALABLE_DIMENSION,
                "MinCapacity": t.min_capacity,
                "MaxCapacity": t.max_capacity,
                "Tags": t.tags,
            }),
        },
        Resource::ScalingPolicy(p) => ApiCall {
            service: "application-autoscaling",
            operation: "PutScalingPolicy",
            input: json!({
                "PolicyName": p.policy_name,
                "ServiceNamespace": "sagemaker",
                "ResourceId": resource_id(&p.endpoint, &p.variant),
                "ScalableDimension": SCALABLE_DIMENSION,
                "PolicyType": "TargetTrackingScaling",
                "TargetTrackingScalingPolicyConfiguration": policy_configuration(p),
            }),
        },
        Resource::ScheduledAction(s) => {
            let mut input = Map::new();
            input.insert("ServiceNamespace".into(), json!("sagemaker"));
            input.insert("ScheduledActionName".into(), json!(s.name));
            input.insert("ResourceId".into(), json!(resource_id(&s.endpoint, &s.variant)));
            input.insert("ScalableDimension".into(), json!(SCALABLE_DIMENSION));
            input.insert("Schedule".into(), json!(s.schedule));
            if let Some(tz) = &s.timezone {
                input.insert("Timezone".into(), json!(tz));
            }
            if let Some(t) = &s.start_time {
                input.insert("StartTime".into(), json!(t));
            }
            if let Some(t) = &s.end_time {
                input.insert("EndTime".into(), json!(t));
            }
            let mut action = Map::new();
            if let Some(min) = s.min_capacity {
                action.insert("MinCapacity".into(), json!(min));
            }
            if let Some(max) = s.max_capacity {
                action.insert("MaxCapacity".into(), json!(max));
            }
            input.insert("ScalableTargetAction".into(), Value::Object(action));
            ApiCall { service: "application-autoscaling", operation: "PutScheduledAction", input: Value::Object(input) }
        }
    }
}

/// The plan's calls as a pretty JSON array (waits are not calls: they are in the plan and in
/// [`to_shell`]).
pub fn to_json(plan: &Plan) -> String {
    let mut text = serde_json::to_string_pretty(&plan_calls(plan)).unwrap_or_default();
    text.push('\n');
    text
}

/// The plan as a POSIX shell script of AWS CLI commands, in the plan's order, with the plan's
/// waits as `aws sagemaker wait` commands (RegisterScalableTarget needs the endpoint InService).
pub fn to_shell(plan: &Plan, generated_by: &crate::hint::CommandLine, region: Option<&str>) -> String {
    let region_flag = region.map(|r| format!(" --region {}", shell_quote(r))).unwrap_or_default();
    let mut out = String::new();
    out.push_str("#!/bin/sh\n");
    out.push_str(&format!("# Generated by `{generated_by}`.\n"));
    out.push_str("# Creates every resource of the spec from nothing, in the order AWS needs.\n");
    out.push_str("# Needs the AWS CLI v2 and credentials; run it once (create calls fail if a resource exists).\n");
    out.push_str("set -eu\n");
    let mut previous: Option<&'static str> = None;
    for endpoint in &plan.steps {
        for (i, step) in endpoint.steps.iter().enumerate() {
            let (wait, name) = match step {
                Step::WaitInService { endpoint, .. } => ("endpoint-in-service", endpoint),
                Step::WaitDeleted { endpoint } => ("endpoint-deleted", endpoint),
                Step::WaitSettled { endpoint } => ("endpoint-in-service", endpoint),
                _ => {
                    for call in step_calls(step) {
                        if previous != Some(call.operation) {
                            out.push('\n');
                        }
                        previous = Some(call.operation);
                        out.push_str(&format!(
                            "aws {} {}{region_flag} --cli-input-json {}\n",
                            call.service,
                            call.cli_command(),
                            shell_quote(&call.input.to_string())
                        ));
                    }
                    continue;
                }
            };
            let scaling_follows =
                endpoint.steps[i + 1..].iter().any(|s| matches!(s, Step::RegisterScalableTarget { .. }));
            out.push_str(if scaling_follows {
                "\n# Scalable targets need the endpoints InService first.\n"
            } else {
                "\n# Wait for the endpoint before going on.\n"
            });
            out.push_str(&format!("aws sagemaker wait {wait}{region_flag} --endpoint-name {}\n", shell_quote(name)));
            previous = None;
        }
    }
    out
}

/// Single-quotes a word for POSIX sh unless it is plainly safe.
fn shell_quote(word: &str) -> String {
    if !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=@".contains(c)) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// `TargetTrackingScalingPolicyConfiguration`: a predefined metric (no `ResourceLabel`, which the
/// API takes only for `ALBRequestCountPerTarget`) or a customized one, in the API's field order.
fn policy_configuration(p: &PolicyResource) -> Value {
    let mut config = Map::new();
    config.insert("TargetValue".into(), json!(p.target_value));
    match &p.metric {
        ScalingMetric::Customized(c) => {
            let mut metric = Map::new();
            metric.insert("MetricName".into(), json!(c.metric_name));
            metric.insert("Namespace".into(), json!(c.namespace));
            let dimensions: Vec<Value> =
                c.dimensions.iter().map(|d| json!({"Name": d.name, "Value": d.value})).collect();
            if !dimensions.is_empty() {
                metric.insert("Dimensions".into(), Value::Array(dimensions));
            }
            metric.insert("Statistic".into(), json!(c.statistic));
            if let Some(unit) = &c.unit {
                metric.insert("Unit".into(), json!(unit));
            }
            config.insert("CustomizedMetricSpecification".into(), Value::Object(metric));
        }
        predefined => {
            config.insert(
                "PredefinedMetricSpecification".into(),
                json!({"PredefinedMetricType": predefined.predefined_type()}),
            );
        }
    }
    config.insert("ScaleInCooldown".into(), json!(p.scale_in_cooldown));
    config.insert("ScaleOutCooldown".into(), json!(p.scale_out_cooldown));
    config.insert("DisableScaleIn".into(), json!(p.disable_scale_in));
    Value::Object(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_command_names() {
        let call = ApiCall { service: "sagemaker", operation: "CreateEndpointConfig", input: Value::Null };
        assert_eq!(call.cli_command(), "create-endpoint-config");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("us-east-1"), "us-east-1");
        assert_eq!(shell_quote(r#"{"a":"it's"}"#), r#"'{"a":"it'\''s"}'"#);
    }
}
