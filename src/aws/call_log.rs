//! `--debug`: one `tracing` event per attempt of every AWS call, from an SDK interceptor on each
//! client: the service, the operation, the resource the request names, the attempt number, the
//! HTTP status (and AWS's error code), and how long the attempt took. The binary decides whether
//! anything listens (`output::debug_log`); with nobody listening every hook returns at once.
//!
//! What it never logs: headers (the Authorization signature, X-Amz-Security-Token, the access key
//! id inside the credential scope), request and response bodies (a CreateModel body holds the
//! container's environment values, which may be secrets), and AWS's error messages (a validation
//! message may quote a value of the request). The resource is picked out of the JSON body by
//! the names of its identifying members only. The SDK's own tracing, which can show more, is
//! not enabled: the listener accepts only this module's target.

use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// The `tracing` target of the call log: the only one `--debug` shows.
pub const TARGET: &str = "endpoint_scale::aws";

/// The interceptor; one instance serves every client.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallLog;

/// What the request names, read once per call (before the first attempt).
#[derive(Debug, Clone)]
struct Resource(Option<String>);

impl Storable for Resource {
    type Storer = StoreReplace<Self>;
}

/// When the current attempt started.
#[derive(Debug, Clone)]
struct AttemptStart(Instant);

impl Storable for AttemptStart {
    type Storer = StoreReplace<Self>;
}

fn enabled() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::DEBUG)
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "endpoint-scale call log"
    }

    fn read_after_serialization(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if enabled() {
            let resource = context.request().body().bytes().and_then(resource);
            cfg.interceptor_state().store_put(Resource(resource));
        }
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if enabled() {
            cfg.interceptor_state().store_put(AttemptStart(Instant::now()));
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !enabled() {
            return Ok(());
        }
        let (service, operation) = match cfg.load::<Metadata>() {
            Some(m) => (service_name(m.service()), m.name().to_string()),
            None => ("unknown".to_string(), "unknown".to_string()),
        };
        let resource = cfg.load::<Resource>().and_then(|r| r.0.clone());
        let attempt = cfg.load::<RequestAttempts>().map_or(1, RequestAttempts::attempts);
        let duration_ms = cfg.load::<AttemptStart>().map_or(0, |s| s.0.elapsed().as_millis());
        let (status, error) = match context.response() {
            Some(response) => {
                let status = response.status().as_u16();
                // JSON-protocol services name the error in this header (`Code` or `Code:uri`);
                // the body, which may quote request values, is never read.
                let code = response
                    .headers()
                    .get("x-amzn-errortype")
                    .filter(|_| status >= 300)
                    .map(|c| c.split(':').next().unwrap_or_default().to_string());
                (status.to_string(), code)
            }
            None => {
                let kind = match context.output_or_error() {
                    Some(Err(e)) if e.is_timeout_error() => "timeout",
                    Some(Err(e)) if e.is_connector_error() => "connection",
                    _ => "no-response",
                };
                ("none".to_string(), Some(kind.to_string()))
            }
        };
        tracing::debug!(target: TARGET, "{}", line(&service, &operation, resource.as_deref(), attempt, &status, error.as_deref(), duration_ms));
        Ok(())
    }
}

/// One attempt as `key=value` pairs, the resource quoted (it has a space); absent ones left out.
fn line(
    service: &str,
    operation: &str,
    resource: Option<&str>,
    attempt: u32,
    status: &str,
    error: Option<&str>,
    duration_ms: u128,
) -> String {
    let mut text = format!("aws service={service} operation={operation}");
    if let Some(resource) = resource {
        text.push_str(&format!(" resource={resource:?}"));
    }
    text.push_str(&format!(" attempt={attempt} status={status}"));
    if let Some(error) = error {
        text.push_str(&format!(" error={error}"));
    }
    text.push_str(&format!(" duration_ms={duration_ms}"));
    text
}

/// The IAM prefix for the SDK's service names, as errors name services.
fn service_name(sdk: &str) -> String {
    match sdk {
        "SageMaker" => "sagemaker".to_string(),
        "Application Auto Scaling" => "application-autoscaling".to_string(),
        "STS" => "sts".to_string(),
        other => other.to_string(),
    }
}

/// The members of SageMaker and Application Auto Scaling requests that name what a call acts on,
/// with the word the log shows for each, most specific first.
const IDENTIFIERS: &[(&str, &str)] = &[
    ("EndpointName", "endpoint"),
    ("EndpointConfigName", "endpoint-config"),
    ("ModelName", "model"),
    ("ResourceId", "scalable-target"),
    ("ResourceArn", "arn"),
    ("ResourceARN", "arn"),
];

/// The resource a JSON request body names, if any: only the identifying members above are read
/// (and ResourceIds, a list of scalable targets); nothing else of the body leaves this function.
fn resource(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    for (member, word) in IDENTIFIERS {
        if let Some(name) = value.get(member).and_then(serde_json::Value::as_str) {
            return Some(format!("{word} {name}"));
        }
    }
    let ids: Vec<&str> = value.get("ResourceIds")?.as_array()?.iter().filter_map(serde_json::Value::as_str).collect();
    match ids.as_slice() {
        [] => None,
        [one] => Some(format!("scalable-target {one}")),
        [first, rest @ ..] => Some(format!("scalable-target {first} and {} more", rest.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_resource_is_the_identifying_member_only() {
        let create_model = br#"{"ModelName":"rec-0a1b2c3d","PrimaryContainer":{"Environment":{"TOKEN":"s3cr3t"}}}"#;
        assert_eq!(resource(create_model), Some("model rec-0a1b2c3d".to_string()));
        assert_eq!(
            resource(br#"{"EndpointName":"rec","EndpointConfigName":"rec-1"}"#),
            Some("endpoint rec".to_string())
        );
        assert_eq!(
            resource(
                br#"{"ServiceNamespace":"sagemaker","ResourceIds":["endpoint/a/variant/m","endpoint/b/variant/m"]}"#
            ),
            Some("scalable-target endpoint/a/variant/m and 1 more".to_string())
        );
        assert_eq!(resource(br#"{"ServiceNamespace":"sagemaker"}"#), None);
        assert_eq!(resource(b"Action=GetCallerIdentity&Version=2011-06-15"), None);
    }

    #[test]
    fn a_line_leaves_out_what_is_absent() {
        assert_eq!(
            line("sagemaker", "DescribeEndpoint", Some("endpoint rec"), 2, "400", Some("ValidationException"), 12),
            "aws service=sagemaker operation=DescribeEndpoint resource=\"endpoint rec\" attempt=2 status=400 error=ValidationException duration_ms=12"
        );
        assert_eq!(
            line("sts", "GetCallerIdentity", None, 1, "200", None, 3),
            "aws service=sts operation=GetCallerIdentity attempt=1 status=200 duration_ms=3"
        );
    }

    #[test]
    fn services_are_named_by_their_iam_prefix() {
        assert_eq!(service_name("Application Auto Scaling"), "application-autoscaling");
        assert_eq!(service_name("SageMaker"), "sagemaker");
    }
}
