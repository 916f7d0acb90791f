//! The AWS API calls that create a spec's resources from nothing, each as `{service, operation,
//! input}` where `input` is the exact JSON request body (PascalCase members, as the AWS CLI's
//! `--cli-input-json` takes). Values are never masked here: these are the calls themselves.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::resources::{resource_id, Kind};
use crate::resources::{Resource, PREDEFINED_METRIC, SCALABLE_DIMENSION};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiCall {
    /// The AWS CLI's service name: `sagemaker` or `application-autoscaling`.
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

/// The create call for each resource, in the order AWS needs: all models, all endpoint
/// configs, all endpoints, then each scaled variant's target, policy and scheduled actions.
pub fn create_calls(resources: &[Resource]) -> Vec<ApiCall> {
    let mut ordered: Vec<&Resource> = resources.iter().collect();
    // Stable sort: within the SageMaker kinds and within the auto scaling block, spec order is
    // kept; a variant's target, policy and schedules stay together.
    ordered.sort_by_key(|r| match r.kind() {
        Kind::Model => 0,
        Kind::EndpointConfig => 1,
        Kind::Endpoint => 2,
        Kind::ScalableTarget | Kind::ScalingPolicy | Kind::ScheduledAction => 3,
    });
    ordered.into_iter().map(create_call).collect()
}

fn tag_list(tags: &crate::model::Tags) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
}

pub fn create_call(resource: &Resource) -> ApiCall {
    match resource {
        Resource::Model(m) => {
            let mut container = Map::new();
            container.insert("Image".into(), json!(m.image));
            if let Some(url) = &m.model_data_url {
                container.insert("ModelDataUrl".into(), json!(url));
            }
            if !m.environment.is_empty() {
                container.insert("Environment".into(), json!(m.environment));
            }
            ApiCall {
                service: "sagemaker",
                operation: "CreateModel",
                input: json!({
                    "ModelName": m.name,
                    "PrimaryContainer": container,
                    "ExecutionRoleArn": m.execution_role_arn,
                    "Tags": tag_list(&m.tags),
                }),
            }
        }
        Resource::EndpointConfig(c) => ApiCall {
            service: "sagemaker",
            operation: "CreateEndpointConfig",
            input: json!({
                "EndpointConfigName": c.name,
                "ProductionVariants": c.variants.iter().map(|v| json!({
                    "VariantName": v.name,
                    "ModelName": v.model_name,
                    "InstanceType": v.instance_type,
                    "InitialInstanceCount": v.initial_instance_count,
                    "InitialVariantWeight": v.initial_weight,
                })).collect::<Vec<_>>(),
                "Tags": tag_list(&c.tags),
            }),
        },
        Resource::Endpoint(e) => ApiCall {
            service: "sagemaker",
            operation: "CreateEndpoint",
            input: json!({
                "EndpointName": e.name,
                "EndpointConfigName": e.config_name,
                "Tags": tag_list(&e.tags),
            }),
        },
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
                "TargetTrackingScalingPolicyConfiguration": {
                    "TargetValue": p.target_value,
                    "PredefinedMetricSpecification": {"PredefinedMetricType": PREDEFINED_METRIC},
                    "ScaleInCooldown": p.scale_in_cooldown,
                    "ScaleOutCooldown": p.scale_out_cooldown,
                    "DisableScaleIn": p.disable_scale_in,
                },
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

/// The calls as a pretty JSON array.
pub fn to_json(calls: &[ApiCall]) -> String {
    let mut text = serde_json::to_string_pretty(calls).unwrap_or_default();
    text.push('\n');
    text
}

/// The calls as a POSIX shell script of AWS CLI commands. Between creating endpoints and
/// registering their variants as scalable targets the script waits for InService, because
/// RegisterScalableTarget needs a variant that exists.
pub fn to_shell(calls: &[ApiCall], spec_name: &str, region: Option<&str>) -> String {
    let region_flag = region.map(|r| format!(" --region {}", shell_quote(r))).unwrap_or_default();
    let mut out = String::new();
    out.push_str("#!/bin/sh\n");
    out.push_str(&format!("# Generated by `endpoint-scale render --format shell {spec_name}`.\n"));
    out.push_str("# Creates every resource of the spec from nothing, in the order AWS needs.\n");
    out.push_str("# Needs the AWS CLI v2 and credentials; run it once (create calls fail if a resource exists).\n");
    out.push_str("set -eu\n");
    let mut waited = false;
    for (i, call) in calls.iter().enumerate() {
        if call.service == "application-autoscaling" && !waited {
            waited = true;
            out.push_str("\n# Scalable targets need the endpoints InService first.\n");
            for e in calls.iter().filter(|c| c.operation == "CreateEndpoint") {
                let name = e.input["EndpointName"].as_str().unwrap_or_default();
                out.push_str(&format!(
                    "aws sagemaker wait endpoint-in-service{region_flag} --endpoint-name {}\n",
                    shell_quote(name)
                ));
            }
        }
        if i == 0 || calls[i - 1].operation != call.operation {
            out.push('\n');
        }
        out.push_str(&format!(
            "aws {} {}{region_flag} --cli-input-json {}\n",
            call.service,
            call.cli_command(),
            shell_quote(&call.input.to_string())
        ));
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
