//! [`Aws`] on the real SDK clients. The SDK's types stop here: every call converts to and from
//! `resources::*` and the `*Desc` structs, and every error to [`AwsError`].

use std::collections::HashMap;
use std::error::Error as StdError;

use std::time::Duration;

use aws_config::meta::region::ProvideRegion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_applicationautoscaling as aas;
use aws_sdk_cloudwatch as cw;
use aws_sdk_sagemaker as sm;
use aws_sdk_sts as sts;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::date_time::Format;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::DateTime;

use super::call_log::CallLog;
use super::{
    alarms, AlarmDesc, Aws, AwsError, AwsErrorKind, AwsOptions, AwsResult, EndpointDesc, IgnoredRegion, PolicyDesc,
    TargetDesc, VariantDesc,
};
use crate::model::{CustomizedMetric, DataCapture, MetricDimension, ScalingMetric, Tags, Vpc, DEFAULT_COOLDOWN_SECS};
use crate::resources::{
    resource_id, AlarmRef, AlarmResource, AutoRollbackConfig, BlueGreenUpdatePolicy, CapacitySize, ConfigResource,
    ConfigVariant, DeploymentConfig, ModelResource, PolicyResource, RollingUpdatePolicy, ScheduledActionResource,
    TargetResource, TrafficRoutingConfig, Unsupported, WeightAndCapacity,
};

/// Why AWS cannot be reached at all: said in one sentence, with what to set.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no AWS region is set: pass --region, set AWS_REGION, add `region:` to the spec, or set a region in your AWS profile"
    )]
    NoRegion,
    #[error("--region {flag} contradicts the spec's region {spec}: drop --region, or change `region:` in the spec")]
    RegionConflict { flag: String, spec: String },
    #[error(
        "no AWS credentials found: set AWS_PROFILE (or pass --profile), run `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ({0})"
    )]
    NoCredentials(String),
    #[error("{ATTEMPT_TIMEOUT_VAR} must be a number of seconds above 0, like 30 or 2.5, not {0:?}")]
    BadTimeout(String),
}

/// How long one attempt of an AWS call may take before it is given up (and retried, up to
/// `--max-attempts`). The SDK sets only a connect timeout, so an endpoint that accepts the
/// connection and never answers would hang a command forever; SageMaker and Application Auto
/// Scaling answer control-plane calls in well under a second, so 30 s is a generous bound.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// Overrides [`DEFAULT_ATTEMPT_TIMEOUT`], in seconds.
pub const ATTEMPT_TIMEOUT_VAR: &str = "ENDPOINT_SCALE_CALL_TIMEOUT";

/// The attempt timeout [`ATTEMPT_TIMEOUT_VAR`] asks for, if it is set.
pub fn attempt_timeout_from_env() -> Result<Option<Duration>, ConfigError> {
    let Ok(text) = std::env::var(ATTEMPT_TIMEOUT_VAR) else { return Ok(None) };
    match text.trim().parse::<f64>().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()) {
        Some(timeout) if !timeout.is_zero() => Ok(Some(timeout)),
        _ => Err(ConfigError::BadTimeout(text)),
    }
}

/// The SDK's own default connect timeout (aws-config `SDK_DEFAULT_CONNECT_TIMEOUT`), set here so
/// that it does not depend on the behaviour version.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);

/// The loaded configuration, and the environment's or profile's region if the spec's overrode it.
pub struct Loaded {
    pub config: SdkConfig,
    pub ignored_region: Option<IgnoredRegion>,
}

/// Loads the SDK configuration through the standard chain (environment, profile, SSO, IMDS),
/// applying the flags, and checks up front that a region and credentials exist.
///
/// The region: the spec's `region:` wins over the environment and the profile (a spec names
/// where its endpoints live; applying it elsewhere because of a shell's AWS_REGION is the
/// mistake this prevents), and `--region` may only repeat it. Without a spec region: `--region`,
/// then the SDK's chain (AWS_REGION, AWS_DEFAULT_REGION, the profile, IMDS).
pub async fn load(options: &AwsOptions) -> Result<Loaded, ConfigError> {
    let (spec, flag) = (options.spec_region.as_deref(), options.region.as_deref());
    // Only when the spec's region is about to override them is the ambient region worth reading.
    let ambient = match (spec, flag) {
        (Some(_), None) => ambient_region(options.profile.as_deref()).await,
        _ => None,
    };
    let (region, ignored_region) = choose_region(spec, flag, ambient)?;
    let mut retry = if options.adaptive_retry { RetryConfig::adaptive() } else { RetryConfig::standard() };
    if let Some(attempts) = options.max_attempts {
        retry = retry.with_max_attempts(attempts.max(1));
    }
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(options.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry).timeout_config(timeouts);
    // Without a region here, aws-config resolves it itself, from the profile named below.
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    if let Some(profile) = &options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(ConfigError::NoRegion);
    }
    let provider = config.credentials_provider().ok_or_else(|| ConfigError::NoCredentials("no provider".into()))?;
    use aws_credential_types::provider::ProvideCredentials;
    provider.provide_credentials().await.map_err(|e| ConfigError::NoCredentials(one_line(&causes(&e))))?;
    Ok(Loaded { config, ignored_region })
}

/// The region to set on the loader (`None`: aws-config's own chain) and the ambient region the
/// spec's overrode, from the spec's `region:`, `--region` and the environment's or profile's
/// region with its source.
fn choose_region(
    spec: Option<&str>,
    flag: Option<&str>,
    ambient: Option<(String, String)>,
) -> Result<(Option<String>, Option<IgnoredRegion>), ConfigError> {
    match (spec, flag) {
        (Some(spec), Some(flag)) if spec != flag => {
            Err(ConfigError::RegionConflict { flag: flag.to_string(), spec: spec.to_string() })
        }
        // `--region` repeating the spec would have won over the environment anyway: no note.
        (Some(spec), Some(_)) => Ok((Some(spec.to_string()), None)),
        (Some(spec), None) => {
            let ignored = ambient.filter(|(region, _)| region != spec).map(|(ignored, source)| IgnoredRegion {
                spec: spec.to_string(),
                ignored,
                source,
            });
            Ok((Some(spec.to_string()), ignored))
        }
        (None, flag) => Ok((flag.map(str::to_string), None)),
    }
}

/// The region the environment or the profile would give, and where it comes from. IMDS is left
/// out on purpose: it is slow to ask, and an instance's region is not a user's choice to warn about.
async fn ambient_region(profile: Option<&str>) -> Option<(String, String)> {
    for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        // The order of aws-config's EnvironmentVariableRegionProvider.
        if let Some(region) = std::env::var(var).ok().filter(|r| !r.is_empty()) {
            return Some((region, var.to_string()));
        }
    }
    let mut builder = aws_config::profile::ProfileFileRegionProvider::builder();
    if let Some(profile) = profile {
        builder = builder.profile_name(profile);
    }
    let region = builder.build().region().await?;
    let name = profile.map_or("default".to_string(), str::to_string);
    Some((region.to_string(), format!("profile {name:?}")))
}

/// The real clients.
#[derive(Clone)]
pub struct SdkAws {
    sagemaker: sm::Client,
    autoscaling: aas::Client,
    cloudwatch: cw::Client,
    sts: sts::Client,
    region: String,
    /// `--endpoint-url` or AWS_ENDPOINT_URL, for naming where a call could not go.
    endpoint_url: Option<String>,
}

impl SdkAws {
    pub fn new(config: &SdkConfig) -> Self {
        // Every client logs its calls for --debug (see `call_log`).
        SdkAws {
            sagemaker: sm::Client::from_conf(sm::config::Builder::from(config).interceptor(CallLog).build()),
            autoscaling: aas::Client::from_conf(aas::config::Builder::from(config).interceptor(CallLog).build()),
            cloudwatch: cw::Client::from_conf(cw::config::Builder::from(config).interceptor(CallLog).build()),
            sts: sts::Client::from_conf(sts::config::Builder::from(config).interceptor(CallLog).build()),
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
            endpoint_url: config.endpoint_url().map(str::to_string),
        }
    }

    /// The region every call goes to.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The account the credentials belong to (STS GetCallerIdentity, which needs no IAM
    /// permission). A connection failure names the endpoint URL, or the region without one.
    pub async fn caller_account(&self) -> AwsResult<String> {
        let out = self.sts.get_caller_identity().send().await.map_err(|e| {
            let mut e = error(e, STS, "GetCallerIdentity", "the caller identity");
            if e.kind == AwsErrorKind::Connection {
                let place = self.endpoint_url.clone().unwrap_or_else(|| format!("region {}", self.region));
                e.message = format!("{place}: {}", e.message);
            }
            e
        })?;
        Ok(out.account().unwrap_or_default().to_string())
    }
}

/// The texts of an error and its sources, outermost first, joined by ": ", each once (the SDK's
/// layers often repeat their source's text). Display only: `DisplayErrorContext` would append
/// the Debug form, which is for bug reports, not for users.
fn causes(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// A multi-line text (the credential chain lists every provider it tried on its own line) as one
/// line, so an error stays one sentence.
fn one_line(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            out.push_str(if out.ends_with(':') { " " } else { "; " });
        }
        out.push_str(line);
    }
    out
}

/// The innermost cause's text, which is the one that says what happened ("Connection refused
/// (os error 111)"); the outer layers only say where in the SDK it happened.
fn root_cause(err: &(dyn StdError + 'static)) -> String {
    let mut inner = err;
    while let Some(source) = inner.source() {
        inner = source;
    }
    let text = inner.to_string();
    if text.is_empty() {
        causes(err)
    } else {
        text
    }
}

/// What an I/O failure of the connection means, in words; the OS's text otherwise.
fn connection_cause(err: &(dyn StdError + 'static)) -> String {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            let words = match io.kind() {
                ConnectionRefused => "connection refused",
                ConnectionReset => "connection reset",
                ConnectionAborted => "connection aborted",
                TimedOut => "connection timed out",
                UnexpectedEof => "connection closed without an answer",
                _ => break,
            };
            return words.to_string();
        }
        next = e.source();
    }
    root_cause(err)
}

/// The attempt timeout's text ("operation attempt timeout (single attempt) occurred after 30s")
/// said plainly, with the setting that changes it.
fn no_answer(cause: &str) -> String {
    match cause.rsplit_once("occurred after ") {
        Some((_, after)) => format!("no answer within {after}, the limit {ATTEMPT_TIMEOUT_VAR} sets"),
        None => format!("no answer: {cause}"),
    }
}

/// Error codes AWS uses when it does not accept the credentials themselves (as opposed to a
/// permission, which is AccessDenied): STS, query and JSON protocols spell them differently.
const CREDENTIAL_CODES: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "InvalidAccessKeyId",
];

/// An SDK failure as one sentence (also for the Price List client in `aws::pricing`).
pub(super) fn error<E>(
    err: SdkError<E, HttpResponse>,
    service: &'static str,
    operation: &'static str,
    resource: impl Into<String>,
) -> AwsError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
{
    let (kind, message) = match &err {
        SdkError::ServiceError(service_err) => {
            let e = service_err.err();
            let status = service_err.raw().status().as_u16();
            let code = e.code().unwrap_or_default();
            let message = match (e.message(), code) {
                (Some(m), _) if !m.is_empty() => m.to_string(),
                (_, "") => format!("HTTP {status}"),
                (_, code) => code.to_string(),
            };
            let kind = match code {
                "AccessDeniedException" | "AccessDenied" | "UnauthorizedOperation" => AwsErrorKind::AccessDenied,
                "ThrottlingException" | "Throttling" | "TooManyRequestsException" => AwsErrorKind::Throttled,
                "ObjectNotFoundException" | "ResourceNotFound" | "ResourceNotFoundException" => AwsErrorKind::NotFound,
                _ if CREDENTIAL_CODES.contains(&code) => AwsErrorKind::Credentials,
                _ if message.starts_with("Could not find") => AwsErrorKind::NotFound,
                _ if message.contains("already exist") => AwsErrorKind::AlreadyExists,
                "ValidationException" => AwsErrorKind::Validation,
                // Every AWS error carries a code: an answer without one is from something else.
                "" => AwsErrorKind::BadResponse,
                _ if status >= 500 => AwsErrorKind::Unavailable,
                _ => AwsErrorKind::Other,
            };
            // A 5xx names its code too: "InternalFailure" says more than a generic message.
            let message = if kind == AwsErrorKind::Unavailable && message != code {
                format!("{code}: {message}")
            } else {
                message
            };
            (kind, message)
        }
        SdkError::DispatchFailure(failure) => match failure.as_connector_error() {
            Some(c) if c.is_timeout() => (AwsErrorKind::Connection, "connection timed out".to_string()),
            Some(c) if c.is_user() => (AwsErrorKind::Request, root_cause(c)),
            Some(c) => (AwsErrorKind::Connection, connection_cause(c)),
            None => (AwsErrorKind::Connection, root_cause(&err)),
        },
        // The attempt timeout: the server took the request and did not answer in time.
        SdkError::TimeoutError(_) => (AwsErrorKind::Connection, no_answer(&root_cause(&err))),
        SdkError::ResponseError(response) => {
            (AwsErrorKind::BadResponse, format!("HTTP {}: {}", response.raw().status().as_u16(), root_cause(&err)))
        }
        SdkError::ConstructionFailure(_) => (AwsErrorKind::Request, root_cause(&err)),
        _ => (AwsErrorKind::Other, causes(&err)),
    };
    AwsError { service, operation, resource: resource.into(), kind, message }
}

/// `Ok(None)` for a resource AWS says does not exist.
fn optional<T>(result: AwsResult<T>) -> AwsResult<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.kind == AwsErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

fn sm_tags(tags: &Tags) -> Vec<sm::types::Tag> {
    tags.iter().map(|(k, v)| sm::types::Tag::builder().key(k).value(v).build()).collect()
}

fn timestamp(text: &Option<String>) -> Option<DateTime> {
    text.as_deref().and_then(|t| DateTime::from_str(t, Format::DateTime).ok())
}

fn timestamp_text(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
}

/// Follows NextToken: `page(token)` returns one page's items and the next token.
async fn paginate<T, F, Fut>(mut page: F) -> AwsResult<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = AwsResult<(Vec<T>, Option<String>)>>,
{
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let (items, next) = page(token).await?;
        all.extend(items);
        match next {
            Some(next) => token = Some(next),
            None => return Ok(all),
        }
    }
}

/// What a List call with a NameContains filter asked for, for error messages.
fn named(kind: &str, fragment: &str) -> String {
    if fragment.is_empty() {
        format!("all {kind}")
    } else {
        format!("{kind} named *{fragment}*")
    }
}

const SM: &str = "sagemaker";
const AAS: &str = "application-autoscaling";
const STS: &str = "sts";

impl Aws for SdkAws {
    async fn describe_endpoint(&self, name: &str) -> AwsResult<Option<EndpointDesc>> {
        let out = self.sagemaker.describe_endpoint().endpoint_name(name).send().await;
        let out = optional(out.map_err(|e| error(e, SM, "DescribeEndpoint", format!("endpoint {name}"))))?;
        Ok(out.map(|d| EndpointDesc {
            name: d.endpoint_name().unwrap_or(name).to_string(),
            arn: d.endpoint_arn().unwrap_or_default().to_string(),
            status: d.endpoint_status().map(|s| s.as_str().to_string()).unwrap_or_default(),
            config_name: d.endpoint_config_name().unwrap_or_default().to_string(),
            failure_reason: d.failure_reason().map(str::to_string),
            variants: d
                .production_variants()
                .iter()
                .map(|v| VariantDesc {
                    name: v.variant_name().unwrap_or_default().to_string(),
                    desired_instance_count: v.desired_instance_count().map(|c| c.max(0) as u32),
                    desired_weight: v.desired_weight().map(f64::from),
                })
                .collect(),
            phase: deployment_phase(&d),
            last_deployment: d.last_deployment_config().map(deployment_from_sdk),
        }))
    }

    async fn describe_endpoint_config(&self, name: &str) -> AwsResult<Option<ConfigResource>> {
        let out = self.sagemaker.describe_endpoint_config().endpoint_config_name(name).send().await;
        let out = optional(out.map_err(|e| error(e, SM, "DescribeEndpointConfig", format!("endpoint config {name}"))))?;
        Ok(out.map(|d| ConfigResource {
            name: name.to_string(),
            endpoint: String::new(),
            variants: d
                .production_variants()
                .iter()
                .map(|v| ConfigVariant {
                    name: v.variant_name().unwrap_or_default().to_string(),
                    model_name: v.model_name().unwrap_or_default().to_string(),
                    instance_type: v.instance_type().map(|t| t.as_str().to_string()).unwrap_or_default(),
                    initial_instance_count: v.initial_instance_count().unwrap_or(0).max(0) as u32,
                    initial_weight: v.initial_variant_weight().map_or(1.0, f64::from),
                    volume_size_in_gb: v.volume_size_in_gb().map(|n| n.max(0) as u32),
                    model_data_download_timeout: v.model_data_download_timeout_in_seconds().map(|n| n.max(0) as u32),
                    container_startup_health_check_timeout: v
                        .container_startup_health_check_timeout_in_seconds()
                        .map(|n| n.max(0) as u32),
                })
                .collect(),
            tags: Tags::new(),
            kms_key_id: d.kms_key_id().map(str::to_string),
            data_capture: d.data_capture_config().map(|c| DataCapture {
                // The API's default when EnableCapture is absent is enabled (API DataCaptureConfig).
                enable_capture: c.enable_capture().unwrap_or(true),
                initial_sampling_percentage: c.initial_sampling_percentage().unwrap_or(0).max(0) as u32,
                destination_s3_uri: c.destination_s3_uri().unwrap_or_default().to_string(),
                kms_key_id: c.kms_key_id().map(str::to_string),
                capture_options: c
                    .capture_options()
                    .iter()
                    .filter_map(|o| o.capture_mode().map(|m| m.as_str().to_string()))
                    .collect(),
                csv_content_types: c
                    .capture_content_type_header()
                    .map(|h| h.csv_content_types().to_vec())
                    .unwrap_or_default(),
                json_content_types: c
                    .capture_content_type_header()
                    .map(|h| h.json_content_types().to_vec())
                    .unwrap_or_default(),
            }),
            unsupported: unsupported_config_settings(&d),
        }))
    }

    async fn describe_model(&self, name: &str) -> AwsResult<Option<ModelResource>> {
        let out = self.sagemaker.describe_model().model_name(name).send().await;
        let out = optional(out.map_err(|e| error(e, SM, "DescribeModel", format!("model {name}"))))?;
        Ok(out.map(|d| {
            let container = d.primary_container();
            ModelResource {
                name: name.to_string(),
                endpoint: String::new(),
                image: container.and_then(|c| c.image()).unwrap_or_default().to_string(),
                model_data_url: container.and_then(|c| c.model_data_url()).map(str::to_string),
                execution_role_arn: d.execution_role_arn().unwrap_or_default().to_string(),
                environment: container
                    .and_then(|c| c.environment())
                    .map(|env| env.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
                secret_keys: Default::default(),
                tags: Tags::new(),
                vpc: d.vpc_config().map(|v| Vpc {
                    security_group_ids: v.security_group_ids().to_vec(),
                    subnets: v.subnets().to_vec(),
                }),
                enable_network_isolation: d.enable_network_isolation().unwrap_or(false),
                mode: container.and_then(|c| c.mode()).map(|m| m.as_str().to_string()),
            }
        }))
    }

    async fn endpoint_config_tags(&self, name: &str) -> AwsResult<Option<Tags>> {
        let out = self.sagemaker.describe_endpoint_config().endpoint_config_name(name).send().await;
        let out = optional(out.map_err(|e| error(e, SM, "DescribeEndpointConfig", format!("endpoint config {name}"))))?;
        match out.and_then(|d| d.endpoint_config_arn().map(str::to_string)) {
            Some(arn) => Ok(Some(self.list_tags(&arn).await?)),
            None => Ok(None),
        }
    }

    async fn model_tags(&self, name: &str) -> AwsResult<Option<Tags>> {
        let out = self.sagemaker.describe_model().model_name(name).send().await;
        let out = optional(out.map_err(|e| error(e, SM, "DescribeModel", format!("model {name}"))))?;
        match out.and_then(|d| d.model_arn().map(str::to_string)) {
            Some(arn) => Ok(Some(self.list_tags(&arn).await?)),
            None => Ok(None),
        }
    }

    async fn list_tags(&self, arn: &str) -> AwsResult<Tags> {
        let pairs = paginate(|token| async move {
            let out = self
                .sagemaker
                .list_tags()
                .resource_arn(arn)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| error(e, SM, "ListTags", arn))?;
            let tags = out
                .tags()
                .iter()
                .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
                .collect();
            Ok((tags, out.next_token().map(str::to_string)))
        })
        .await?;
        Ok(pairs.into_iter().collect())
    }

    async fn list_endpoints(&self) -> AwsResult<Vec<(String, String)>> {
        paginate(|token| async move {
            let out = self
                .sagemaker
                .list_endpoints()
                .max_results(100)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| error(e, SM, "ListEndpoints", "endpoints"))?;
            let items = out
                .endpoints()
                .iter()
                .map(|e| {
                    (
                        e.endpoint_name().unwrap_or_default().to_string(),
                        e.endpoint_arn().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            Ok((items, out.next_token().map(str::to_string)))
        })
        .await
    }

    async fn list_endpoint_configs(&self, fragment: &str) -> AwsResult<Vec<(String, String)>> {
        paginate(|token| async move {
            let out = self
                .sagemaker
                .list_endpoint_configs()
                .set_name_contains((!fragment.is_empty()).then(|| fragment.to_string()))
                .max_results(100)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| error(e, SM, "ListEndpointConfigs", named("endpoint configs", fragment)))?;
            let items = out
                .endpoint_configs()
                .iter()
                .map(|c| {
                    (
                        c.endpoint_config_name().unwrap_or_default().to_string(),
                        c.endpoint_config_arn().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            Ok((items, out.next_token().map(str::to_string)))
        })
        .await
    }

    async fn list_models(&self, fragment: &str) -> AwsResult<Vec<(String, String)>> {
        paginate(|token| async move {
            let out = self
                .sagemaker
                .list_models()
                .set_name_contains((!fragment.is_empty()).then(|| fragment.to_string()))
                .max_results(100)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| error(e, SM, "ListModels", named("models", fragment)))?;
            let items = out
                .models()
                .iter()
                .map(|m| {
                    (m.model_name().unwrap_or_default().to_string(), m.model_arn().unwrap_or_default().to_string())
                })
                .collect();
            Ok((items, out.next_token().map(str::to_string)))
        })
        .await
    }

    async fn create_model(&self, model: &ModelResource) -> AwsResult<()> {
        let container = sm::types::ContainerDefinition::builder()
            .image(&model.image)
            .set_model_data_url(model.model_data_url.clone())
            .set_environment(
                (!model.environment.is_empty())
                    .then(|| model.environment.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<HashMap<_, _>>()),
            )
            .set_mode(model.mode.as_deref().map(sm::types::ContainerMode::from))
            .build();
        let vpc = model.vpc.as_ref().map(|v| {
            sm::types::VpcConfig::builder()
                .set_security_group_ids(Some(v.security_group_ids.clone()))
                .set_subnets(Some(v.subnets.clone()))
                .build()
        });
        self.sagemaker
            .create_model()
            .model_name(&model.name)
            .execution_role_arn(&model.execution_role_arn)
            .primary_container(container)
            .set_vpc_config(vpc)
            // Only `true` is sent: without it AWS does not isolate the container.
            .set_enable_network_isolation(model.enable_network_isolation.then_some(true))
            .set_tags(Some(sm_tags(&model.tags)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "CreateModel", format!("model {}", model.name)))
    }

    async fn create_endpoint_config(&self, config: &ConfigResource) -> AwsResult<()> {
        let variants = config
            .variants
            .iter()
            .map(|v| {
                sm::types::ProductionVariant::builder()
                    .variant_name(&v.name)
                    .model_name(&v.model_name)
                    .instance_type(sm::types::ProductionVariantInstanceType::from(v.instance_type.as_str()))
                    .initial_instance_count(v.initial_instance_count as i32)
                    .initial_variant_weight(v.initial_weight as f32)
                    .set_volume_size_in_gb(v.volume_size_in_gb.map(|n| n as i32))
                    .set_model_data_download_timeout_in_seconds(v.model_data_download_timeout.map(|n| n as i32))
                    .set_container_startup_health_check_timeout_in_seconds(
                        v.container_startup_health_check_timeout.map(|n| n as i32),
                    )
                    .build()
            })
            .collect();
        let data_capture = config.data_capture.as_ref().map(data_capture_config);
        self.sagemaker
            .create_endpoint_config()
            .endpoint_config_name(&config.name)
            .set_production_variants(Some(variants))
            .set_kms_key_id(config.kms_key_id.clone())
            .set_data_capture_config(data_capture)
            .set_tags(Some(sm_tags(&config.tags)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "CreateEndpointConfig", format!("endpoint config {}", config.name)))
    }

    async fn create_endpoint(&self, name: &str, config: &str, tags: &Tags) -> AwsResult<()> {
        self.sagemaker
            .create_endpoint()
            .endpoint_name(name)
            .endpoint_config_name(config)
            .set_tags(Some(sm_tags(tags)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "CreateEndpoint", format!("endpoint {name}")))
    }

    async fn update_endpoint(&self, name: &str, config: &str, deployment: Option<&DeploymentConfig>) -> AwsResult<()> {
        // RetainAllVariantProperties keeps same-named variants' live counts and weights; without
        // it UpdateEndpoint resets them to the config's initial values (API UpdateEndpoint).
        self.sagemaker
            .update_endpoint()
            .endpoint_name(name)
            .endpoint_config_name(config)
            .retain_all_variant_properties(true)
            .set_deployment_config(deployment.map(deployment_to_sdk))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "UpdateEndpoint", format!("endpoint {name}")))
    }

    async fn update_weights_and_capacities(&self, name: &str, changes: &[WeightAndCapacity]) -> AwsResult<()> {
        let desired = changes
            .iter()
            .map(|c| {
                sm::types::DesiredWeightAndCapacity::builder()
                    .variant_name(&c.variant)
                    .set_desired_instance_count(c.instance_count.map(|n| n as i32))
                    .set_desired_weight(c.weight.map(|w| w as f32))
                    .build()
            })
            .collect();
        self.sagemaker
            .update_endpoint_weights_and_capacities()
            .endpoint_name(name)
            .set_desired_weights_and_capacities(Some(desired))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "UpdateEndpointWeightsAndCapacities", format!("endpoint {name}")))
    }

    async fn add_tags(&self, arn: &str, tags: &Tags) -> AwsResult<()> {
        self.sagemaker
            .add_tags()
            .resource_arn(arn)
            .set_tags(Some(sm_tags(tags)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "AddTags", arn))
    }

    async fn delete_tags(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.sagemaker
            .delete_tags()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "DeleteTags", arn))
    }

    async fn delete_endpoint(&self, name: &str) -> AwsResult<()> {
        self.sagemaker
            .delete_endpoint()
            .endpoint_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "DeleteEndpoint", format!("endpoint {name}")))
    }

    async fn delete_endpoint_config(&self, name: &str) -> AwsResult<()> {
        self.sagemaker
            .delete_endpoint_config()
            .endpoint_config_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "DeleteEndpointConfig", format!("endpoint config {name}")))
    }

    async fn delete_model(&self, name: &str) -> AwsResult<()> {
        self.sagemaker
            .delete_model()
            .model_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, SM, "DeleteModel", format!("model {name}")))
    }

    async fn describe_scalable_targets(&self, resource_ids: &[String]) -> AwsResult<Vec<TargetDesc>> {
        let mut all = Vec::new();
        // ResourceIds narrows the answer to our variants; pages of 50 (the API's maximum).
        for chunk in resource_ids.chunks(50) {
            all.extend(
                paginate(|token| async move {
                    let out = self
                        .autoscaling
                        .describe_scalable_targets()
                        .service_namespace(aas::types::ServiceNamespace::Sagemaker)
                        .scalable_dimension(aas::types::ScalableDimension::SageMakerVariantDesiredInstanceCount)
                        .set_resource_ids(Some(chunk.to_vec()))
                        .max_results(50)
                        .set_next_token(token)
                        .send()
                        .await
                        .map_err(|e| error(e, AAS, "DescribeScalableTargets", "sagemaker scalable targets"))?;
                    let items = out
                        .scalable_targets()
                        .iter()
                        .filter_map(|t| {
                            let (endpoint, variant) = parse_resource_id(t.resource_id())?;
                            Some(TargetDesc {
                                target: TargetResource {
                                    endpoint,
                                    variant,
                                    min_capacity: t.min_capacity().max(0) as u32,
                                    max_capacity: t.max_capacity().max(0) as u32,
                                    tags: Tags::new(),
                                },
                                arn: t.scalable_target_arn().map(str::to_string),
                            })
                        })
                        .collect();
                    Ok((items, out.next_token().map(str::to_string)))
                })
                .await?,
            );
        }
        Ok(all)
    }

    async fn describe_scaling_policies(&self, policy_names: &[String]) -> AwsResult<Vec<PolicyDesc>> {
        paginate(|token| async move {
            let out = self
                .autoscaling
                .describe_scaling_policies()
                .service_namespace(aas::types::ServiceNamespace::Sagemaker)
                .set_policy_names((!policy_names.is_empty()).then(|| policy_names.to_vec()))
                .max_results(50)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| error(e, AAS, "DescribeScalingPolicies", "sagemaker scaling policies"))?;
            let items = out
                .scaling_policies()
                .iter()
                .filter_map(|p| {
                    let (endpoint, variant) = parse_resource_id(p.resource_id())?;
                    let mut policy = PolicyResource {
                        endpoint,
                        variant,
                        policy_name: p.policy_name().to_string(),
                        metric: ScalingMetric::default(),
                        target_value: 0.0,
                        scale_in_cooldown: 0,
                        scale_out_cooldown: 0,
                        disable_scale_in: false,
                    };
                    let Some(tt) = p.target_tracking_scaling_policy_configuration() else {
                        return Some(PolicyDesc { policy, other: Some(p.policy_type().as_str().to_string()) });
                    };
                    // Target tracking on a metric a spec expresses; anything else (another
                    // predefined type, metric math) is reported as what it is.
                    match policy_metric(tt) {
                        Ok(metric) => policy.metric = metric,
                        Err(on) => {
                            return Some(PolicyDesc {
                                policy,
                                other: Some(format!("{} on {on}", p.policy_type().as_str())),
                            })
                        }
                    }
                    policy.target_value = tt.target_value();
                    policy.scale_in_cooldown =
                        tt.scale_in_cooldown().map_or(DEFAULT_COOLDOWN_SECS, |s| s.max(0) as u32);
                    policy.scale_out_cooldown =
                        tt.scale_out_cooldown().map_or(DEFAULT_COOLDOWN_SECS, |s| s.max(0) as u32);
                    policy.disable_scale_in = tt.disable_scale_in().unwrap_or(false);
                    Some(PolicyDesc { policy, other: None })
                })
                .collect();
            Ok((items, out.next_token().map(str::to_string)))
        })
        .await
    }

    async fn list_target_tags(&self, arn: &str) -> AwsResult<Tags> {
        let out = self
            .autoscaling
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| error(e, AAS, "ListTagsForResource", arn))?;
        Ok(out.tags().map(|t| t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default())
    }

    async fn tag_target(&self, arn: &str, tags: &Tags) -> AwsResult<()> {
        self.autoscaling
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, AAS, "TagResource", arn))
    }

    async fn untag_target(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.autoscaling
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, AAS, "UntagResource", arn))
    }

    async fn describe_scheduled_actions(&self) -> AwsResult<Vec<ScheduledActionResource>> {
        paginate(|token| async move {
            let out = self
                .autoscaling
                .describe_scheduled_actions()
                .service_namespace(aas::types::ServiceNamespace::Sagemaker)
                .max_results(50)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| error(e, AAS, "DescribeScheduledActions", "sagemaker scheduled actions"))?;
            let items = out
                .scheduled_actions()
                .iter()
                .filter_map(|a| {
                    let (endpoint, variant) = parse_resource_id(a.resource_id())?;
                    let action = a.scalable_target_action();
                    Some(ScheduledActionResource {
                        endpoint,
                        variant,
                        name: a.scheduled_action_name().to_string(),
                        schedule: a.schedule().to_string(),
                        timezone: a.timezone().filter(|tz| *tz != "UTC" && !tz.is_empty()).map(str::to_string),
                        start_time: timestamp_text(a.start_time()),
                        end_time: timestamp_text(a.end_time()),
                        min_capacity: action.and_then(|x| x.min_capacity()).map(|n| n.max(0) as u32),
                        max_capacity: action.and_then(|x| x.max_capacity()).map(|n| n.max(0) as u32),
                    })
                })
                .collect();
            Ok((items, out.next_token().map(str::to_string)))
        })
        .await
    }

    async fn register_scalable_target(&self, target: &TargetResource) -> AwsResult<()> {
        let id = resource_id(&target.endpoint, &target.variant);
        self.autoscaling
            .register_scalable_target()
            .service_namespace(aas::types::ServiceNamespace::Sagemaker)
            .resource_id(&id)
            .scalable_dimension(aas::types::ScalableDimension::SageMakerVariantDesiredInstanceCount)
            .min_capacity(target.min_capacity as i32)
            .max_capacity(target.max_capacity as i32)
            .set_tags((!target.tags.is_empty()).then(|| target.tags.clone().into_iter().collect()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, AAS, "RegisterScalableTarget", format!("scalable target {id}")))
    }

    async fn deregister_scalable_target(&self, endpoint: &str, variant: &str) -> AwsResult<()> {
        let id = resource_id(endpoint, variant);
        self.autoscaling
            .deregister_scalable_target()
            .service_namespace(aas::types::ServiceNamespace::Sagemaker)
            .resource_id(&id)
            .scalable_dimension(aas::types::ScalableDimension::SageMakerVariantDesiredInstanceCount)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, AAS, "DeregisterScalableTarget", format!("scalable target {id}")))
    }

    async fn put_scaling_policy(&self, policy: &PolicyResource) -> AwsResult<()> {
        let id = resource_id(&policy.endpoint, &policy.variant);
        let config = aas::types::TargetTrackingScalingPolicyConfiguration::builder().target_value(policy.target_value);
        let config = match &policy.metric {
            ScalingMetric::Customized(c) => {
                let mut dimensions = Vec::new();
                for d in &c.dimensions {
                    dimensions.push(
                        aas::types::MetricDimension::builder()
                            .name(&d.name)
                            .value(&d.value)
                            .build()
                            .map_err(|e| build_error("PutScalingPolicy", &id, e))?,
                    );
                }
                config.customized_metric_specification(
                    aas::types::CustomizedMetricSpecification::builder()
                        .metric_name(&c.metric_name)
                        .namespace(&c.namespace)
                        .set_dimensions((!dimensions.is_empty()).then_some(dimensions))
                        .statistic(aas::types::MetricStatistic::from(c.statistic.as_str()))
                        .set_unit(c.unit.clone())
                        .build(),
                )
            }
            predefined => config.predefined_metric_specification(
                aas::types::PredefinedMetricSpecification::builder()
                    .predefined_metric_type(aas::types::MetricType::from(
                        predefined.predefined_type().unwrap_or_default(),
                    ))
                    .build()
                    .map_err(|e| build_error("PutScalingPolicy", &id, e))?,
            ),
        };
        let config = config
            .scale_in_cooldown(policy.scale_in_cooldown as i32)
            .scale_out_cooldown(policy.scale_out_cooldown as i32)
            .disable_scale_in(policy.disable_scale_in)
            .build()
            .map_err(|e| build_error("PutScalingPolicy", &id, e))?;
        self.autoscaling
            .put_scaling_policy()
            .policy_name(&policy.policy_name)
            .service_namespace(aas::types::ServiceNamespace::Sagemaker)
            .resource_id(&id)
            .scalable_dimension(aas::types::ScalableDimension::SageMakerVariantDesiredInstanceCount)
            .policy_type(aas::types::PolicyType::TargetTrackingScaling)
            .target_tracking_scaling_policy_configuration(config)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, AAS, "PutScalingPolicy", format!("scaling policy {} of {id}", policy.policy_name)))
    }

    async fn delete_scaling_policy(&self, endpoint: &str, variant: &str, policy_name: &str) -> AwsResult<()> {
        let id = resource_id(endpoint, variant);
        self.autoscaling
            .delete_scaling_policy()
            .policy_name(policy_name)
            .service_namespace(aas::types::ServiceNamespace::Sagemaker)
            .resource_id(&id)
            .scalable_dimension(aas::types::ScalableDimension::SageMakerVariantDesiredInstanceCount)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, AAS, "DeleteScalingPolicy", format!("scaling policy {policy_name} of {id}")))
    }

    async fn describe_alarms(&self, names: &[String]) -> AwsResult<Vec<AlarmDesc>> {
        alarms::describe(&self.cloudwatch, names).await
    }

    async fn describe_alarms_with_prefix(&self, prefix: &str) -> AwsResult<Vec<AlarmDesc>> {
        alarms::describe_prefix(&self.cloudwatch, prefix).await
    }

    async fn alarm_tags(&self, arn: &str) -> AwsResult<Option<Tags>> {
        alarms::tags(&self.cloudwatch, arn).await
    }

    async fn put_metric_alarm(&self, alarm: &AlarmResource) -> AwsResult<()> {
        alarms::put(&self.cloudwatch, alarm).await
    }

    async fn tag_alarm(&self, arn: &str, tags: &Tags) -> AwsResult<()> {
        alarms::tag(&self.cloudwatch, arn, tags).await
    }

    async fn untag_alarm(&self, arn: &str, keys: &[String]) -> AwsResult<()> {
        alarms::untag(&self.cloudwatch, arn, keys).await
    }

    async fn delete_alarms(&self, names: &[String]) -> AwsResult<()> {
        alarms::delete(&self.cloudwatch, names).await
    }

    async fn put_scheduled_action(&self, action: &ScheduledActionResource) -> AwsResult<()> {
        let id = resource_id(&action.endpoint, &action.variant);
        let bounds = aas::types::ScalableTargetAction::builder()
            .set_min_capacity(action.min_capacity.map(|n| n as i32))
            .set_max_capacity(action.max_capacity.map(|n| n as i32))
            .build();
        self.autoscaling
            .put_scheduled_action()
            .service_namespace(aas::types::ServiceNamespace::Sagemaker)
            .scheduled_action_name(&action.name)
            .resource_id(&id)
            .scalable_dimension(aas::types::ScalableDimension::SageMakerVariantDesiredInstanceCount)
            .schedule(&action.schedule)
            .set_timezone(action.timezone.clone())
            .set_start_time(timestamp(&action.start_time))
            .set_end_time(timestamp(&action.end_time))
            .scalable_target_action(bounds)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, AAS, "PutScheduledAction", format!("scheduled action {} of {id}", action.name)))
    }

    async fn delete_scheduled_action(&self, endpoint: &str, variant: &str, name: &str) -> AwsResult<()> {
        let id = resource_id(endpoint, variant);
        self.autoscaling
            .delete_scheduled_action()
            .service_namespace(aas::types::ServiceNamespace::Sagemaker)
            .scheduled_action_name(name)
            .resource_id(&id)
            .scalable_dimension(aas::types::ScalableDimension::SageMakerVariantDesiredInstanceCount)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| error(e, AAS, "DeleteScheduledAction", format!("scheduled action {name} of {id}")))
    }
}

/// The SDK's DataCaptureConfig of a config's data capture. EnableCapture is always sent, so
/// the config does not depend on the API's default.
/// The deployment phase DescribeEndpoint reports, from the variants' `VariantStatus`: the
/// pending deployment's while an update runs, the endpoint's own while it rolls back. Each
/// variant's latest status, `Status: StatusMessage`, variants joined by "; " (named when there
/// are several).
fn deployment_phase(d: &sm::operation::describe_endpoint::DescribeEndpointOutput) -> Option<String> {
    let status_of = |statuses: &[sm::types::ProductionVariantStatus]| {
        let last = statuses.iter().max_by_key(|s| s.start_time().map(|t| (t.secs(), t.subsec_nanos())))?;
        let status = last.status()?.as_str().to_string();
        Some(match last.status_message().filter(|m| !m.is_empty()) {
            Some(message) => format!("{status}: {}", one_line(message)),
            None => status,
        })
    };
    let mut parts: Vec<(String, String)> = Vec::new();
    if let Some(pending) = d.pending_deployment_summary() {
        for v in pending.production_variants() {
            if let Some(text) = status_of(v.variant_status()) {
                parts.push((v.variant_name().unwrap_or_default().to_string(), text));
            }
        }
    }
    if parts.is_empty() {
        for v in d.production_variants() {
            if let Some(text) = status_of(v.variant_status()) {
                parts.push((v.variant_name().unwrap_or_default().to_string(), text));
            }
        }
    }
    match parts.len() {
        0 => None,
        1 => parts.pop().map(|(_, text)| text),
        _ => Some(parts.into_iter().map(|(v, text)| format!("{v} {text}")).collect::<Vec<_>>().join("; ")),
    }
}

fn capacity_to_sdk(c: &CapacitySize) -> sm::types::CapacitySize {
    sm::types::CapacitySize::builder()
        .r#type(sm::types::CapacitySizeType::from(c.kind.as_str()))
        .value(i32::try_from(c.value).unwrap_or(i32::MAX))
        .build()
}

fn seconds(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

fn deployment_to_sdk(d: &DeploymentConfig) -> sm::types::DeploymentConfig {
    let blue_green = d.blue_green_update_policy.as_ref().map(|b| {
        let t = &b.traffic_routing_configuration;
        let routing = sm::types::TrafficRoutingConfig::builder()
            .r#type(sm::types::TrafficRoutingConfigType::from(t.kind.as_str()))
            .wait_interval_in_seconds(seconds(t.wait_interval_in_seconds))
            .set_canary_size(t.canary_size.as_ref().map(capacity_to_sdk))
            .set_linear_step_size(t.linear_step_size.as_ref().map(capacity_to_sdk))
            .build();
        sm::types::BlueGreenUpdatePolicy::builder()
            .traffic_routing_configuration(routing)
            .termination_wait_in_seconds(seconds(b.termination_wait_in_seconds))
            .set_maximum_execution_timeout_in_seconds(b.maximum_execution_timeout_in_seconds.map(seconds))
            .build()
    });
    let rolling = d.rolling_update_policy.as_ref().map(|r| {
        sm::types::RollingUpdatePolicy::builder()
            .maximum_batch_size(capacity_to_sdk(&r.maximum_batch_size))
            .wait_interval_in_seconds(seconds(r.wait_interval_in_seconds))
            .set_maximum_execution_timeout_in_seconds(r.maximum_execution_timeout_in_seconds.map(seconds))
            .set_rollback_maximum_batch_size(r.rollback_maximum_batch_size.as_ref().map(capacity_to_sdk))
            .build()
    });
    let rollback = d.auto_rollback_configuration.as_ref().map(|a| {
        sm::types::AutoRollbackConfig::builder()
            .set_alarms(Some(
                a.alarms.iter().map(|x| sm::types::Alarm::builder().alarm_name(&x.alarm_name).build()).collect(),
            ))
            .build()
    });
    sm::types::DeploymentConfig::builder()
        .set_blue_green_update_policy(blue_green)
        .set_rolling_update_policy(rolling)
        .set_auto_rollback_configuration(rollback)
        .build()
}

fn capacity_from_sdk(c: &sm::types::CapacitySize) -> CapacitySize {
    CapacitySize {
        kind: c.r#type().map(|t| t.as_str().to_string()).unwrap_or_default(),
        value: c.value().unwrap_or(0).max(0) as u32,
    }
}

fn unsigned(n: Option<i32>) -> u32 {
    n.unwrap_or(0).max(0) as u32
}

fn deployment_from_sdk(d: &sm::types::DeploymentConfig) -> DeploymentConfig {
    DeploymentConfig {
        blue_green_update_policy: d.blue_green_update_policy().map(|b| {
            let t = b.traffic_routing_configuration();
            BlueGreenUpdatePolicy {
                traffic_routing_configuration: TrafficRoutingConfig {
                    kind: t.and_then(|t| t.r#type()).map(|k| k.as_str().to_string()).unwrap_or_default(),
                    wait_interval_in_seconds: unsigned(t.and_then(|t| t.wait_interval_in_seconds())),
                    canary_size: t.and_then(|t| t.canary_size()).map(capacity_from_sdk),
                    linear_step_size: t.and_then(|t| t.linear_step_size()).map(capacity_from_sdk),
                },
                termination_wait_in_seconds: unsigned(b.termination_wait_in_seconds()),
                maximum_execution_timeout_in_seconds: b.maximum_execution_timeout_in_seconds().map(|n| n.max(0) as u32),
            }
        }),
        rolling_update_policy: d.rolling_update_policy().map(|r| RollingUpdatePolicy {
            maximum_batch_size: r
                .maximum_batch_size()
                .map(capacity_from_sdk)
                .unwrap_or(CapacitySize { kind: String::new(), value: 0 }),
            wait_interval_in_seconds: unsigned(r.wait_interval_in_seconds()),
            maximum_execution_timeout_in_seconds: r.maximum_execution_timeout_in_seconds().map(|n| n.max(0) as u32),
            rollback_maximum_batch_size: r.rollback_maximum_batch_size().map(capacity_from_sdk),
        }),
        auto_rollback_configuration: d.auto_rollback_configuration().map(|a| AutoRollbackConfig {
            alarms: a
                .alarms()
                .iter()
                .map(|x| AlarmRef { alarm_name: x.alarm_name().unwrap_or_default().to_string() })
                .collect(),
        }),
    }
}

fn data_capture_config(c: &DataCapture) -> sm::types::DataCaptureConfig {
    let options = c
        .capture_options
        .iter()
        .map(|mode| {
            sm::types::CaptureOption::builder().capture_mode(sm::types::CaptureMode::from(mode.as_str())).build()
        })
        .collect();
    let header = (!c.csv_content_types.is_empty() || !c.json_content_types.is_empty()).then(|| {
        sm::types::CaptureContentTypeHeader::builder()
            .set_csv_content_types((!c.csv_content_types.is_empty()).then(|| c.csv_content_types.clone()))
            .set_json_content_types((!c.json_content_types.is_empty()).then(|| c.json_content_types.clone()))
            .build()
    });
    sm::types::DataCaptureConfig::builder()
        .enable_capture(c.enable_capture)
        .initial_sampling_percentage(c.initial_sampling_percentage as i32)
        .destination_s3_uri(&c.destination_s3_uri)
        .set_kms_key_id(c.kms_key_id.clone())
        .set_capture_options(Some(options))
        .set_capture_content_type_header(header)
        .build()
}

/// What a described config uses that a spec cannot express, by API member (SageMaker API
/// reference, DescribeEndpointConfig and ProductionVariant). `import` refuses such an endpoint
/// rather than write a spec without it, and the diff sees such a config as different from the
/// spec's. Members the SDK this build uses does not know cannot be seen here.
fn unsupported_config_settings(
    d: &sm::operation::describe_endpoint_config::DescribeEndpointConfigOutput,
) -> Vec<Unsupported> {
    let config =
        |setting: &str, present: bool| present.then(|| Unsupported { setting: setting.to_string(), variant: None });
    let mut out: Vec<Unsupported> = [
        config("AsyncInferenceConfig", d.async_inference_config().is_some()),
        config("ShadowProductionVariants", !d.shadow_production_variants().is_empty()),
        config("ExplainerConfig", d.explainer_config().is_some()),
        config("ExecutionRoleArn", d.execution_role_arn().is_some()),
        config("VpcConfig", d.vpc_config().is_some()),
        config("EnableNetworkIsolation", d.enable_network_isolation() == Some(true)),
        config("MetricsConfig", d.metrics_config().is_some()),
    ]
    .into_iter()
    .flatten()
    .collect();
    for v in d.production_variants() {
        let variant = v.variant_name().unwrap_or_default();
        let settings = [
            ("ServerlessConfig", v.serverless_config().is_some()),
            // A variant without a model serves inference components.
            ("InferenceComponents", v.model_name().is_none()),
            ("AcceleratorType", v.accelerator_type().is_some()),
            ("CoreDumpConfig", v.core_dump_config().is_some()),
            ("EnableSSMAccess", v.enable_ssm_access() == Some(true)),
            ("ManagedInstanceScaling", v.managed_instance_scaling().is_some()),
            ("RoutingConfig", v.routing_config().is_some()),
            ("InferenceAmiVersion", v.inference_ami_version().is_some()),
            ("CapacityReservationConfig", v.capacity_reservation_config().is_some()),
            ("InstancePools", !v.instance_pools().is_empty()),
            ("VariantInstanceProvisionTimeoutInSeconds", v.variant_instance_provision_timeout_in_seconds().is_some()),
            ("AcceleratorPartitionLayouts", !v.accelerator_partition_layouts().is_empty()),
        ];
        out.extend(
            settings
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(setting, _)| Unsupported { setting: setting.to_string(), variant: Some(variant.to_string()) }),
        );
    }
    out
}

/// A request builder refused its input: a required field endpoint-scale failed to set, so a bug
/// here, not something the user can fix.
fn build_error(operation: &'static str, resource: &str, e: impl std::fmt::Display) -> AwsError {
    AwsError {
        service: AAS,
        operation,
        resource: resource.to_string(),
        kind: AwsErrorKind::Other,
        message: format!("the request could not be built ({e}); this is a bug in endpoint-scale, please report it"),
    }
}

/// `endpoint/<endpoint>/variant/<variant>` -> (endpoint, variant).
fn parse_resource_id(id: &str) -> Option<(String, String)> {
    let rest = id.strip_prefix("endpoint/")?;
    let (endpoint, variant) = rest.split_once("/variant/")?;
    Some((endpoint.to_string(), variant.to_string()))
}

/// The metric of a target tracking policy as the spec knows it, or what it is when a spec cannot
/// express it (another predefined type, a customized metric built from metric math).
fn policy_metric(tt: &aas::types::TargetTrackingScalingPolicyConfiguration) -> Result<ScalingMetric, String> {
    if let Some(m) = tt.predefined_metric_specification() {
        let name = m.predefined_metric_type().as_str();
        return ScalingMetric::from_predefined(name).ok_or_else(|| name.to_string());
    }
    let Some(c) = tt.customized_metric_specification() else {
        return Err("no metric".to_string());
    };
    let (Some(namespace), Some(metric_name), Some(statistic)) = (c.namespace(), c.metric_name(), c.statistic()) else {
        return Err("a customized metric built from metric math".to_string());
    };
    if !c.metrics().is_empty() {
        return Err("a customized metric built from metric math".to_string());
    }
    let mut dimensions: Vec<MetricDimension> = c
        .dimensions()
        .iter()
        .map(|d| MetricDimension { name: d.name().to_string(), value: d.value().to_string() })
        .collect();
    dimensions.sort();
    Ok(ScalingMetric::Customized(CustomizedMetric {
        namespace: namespace.to_string(),
        metric_name: metric_name.to_string(),
        dimensions,
        statistic: statistic.as_str().to_string(),
        unit: c.unit().map(str::to_string),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;
    use sm::operation::describe_endpoint::DescribeEndpointError;

    type Sdk = SdkError<DescribeEndpointError, HttpResponse>;

    fn raw(status: u16) -> HttpResponse {
        HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty())
    }

    fn service(status: u16, code: &str, message: &str) -> Sdk {
        let mut meta = ErrorMetadata::builder().message(message);
        if !code.is_empty() {
            meta = meta.code(code);
        }
        SdkError::service_error(DescribeEndpointError::generic(meta.build()), raw(status))
    }

    /// The sentence a user reads for an SDK error of DescribeEndpoint.
    fn sentence(err: Sdk) -> String {
        error(err, SM, "DescribeEndpoint", "endpoint e").to_string()
    }

    #[test]
    fn a_refused_connection_is_a_sentence_not_a_debug_dump() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(
            sentence(SdkError::dispatch_failure(ConnectorError::io(Box::new(refused)))),
            "DescribeEndpoint on endpoint e could not reach AWS (connection refused): check the network, any proxy, and --endpoint-url or AWS_ENDPOINT_URL if set, then run again"
        );
    }

    #[test]
    fn a_connect_timeout_and_an_attempt_timeout_say_which() {
        assert_eq!(
            sentence(SdkError::dispatch_failure(ConnectorError::timeout("connect timed out".into()))),
            "DescribeEndpoint on endpoint e could not reach AWS (connection timed out): check the network, any proxy, and --endpoint-url or AWS_ENDPOINT_URL if set, then run again"
        );
        assert_eq!(
            sentence(SdkError::timeout_error("operation attempt timeout (single attempt) occurred after 30s")),
            "DescribeEndpoint on endpoint e could not reach AWS (no answer within 30s, the limit ENDPOINT_SCALE_CALL_TIMEOUT sets): check the network, any proxy, and --endpoint-url or AWS_ENDPOINT_URL if set, then run again"
        );
    }

    #[test]
    fn expired_or_unknown_credentials_say_to_renew_them() {
        assert_eq!(
            sentence(service(400, "ExpiredTokenException", "The security token included in the request is expired")),
            "DescribeEndpoint on endpoint e was refused because AWS does not accept these credentials (The security token included in the request is expired): renew them (`aws sso login`, new keys or a new session token) and run again"
        );
        let e = error(service(403, "UnrecognizedClientException", "x"), SM, "DescribeEndpoint", "endpoint e");
        assert_eq!(e.kind, AwsErrorKind::Credentials);
    }

    #[test]
    fn a_5xx_after_the_retries_names_its_code() {
        assert_eq!(
            sentence(service(500, "InternalFailure", "An internal error occurred.")),
            "DescribeEndpoint on endpoint e failed on AWS's side (InternalFailure: An internal error occurred): run again in a while, or raise --max-attempts"
        );
    }

    #[test]
    fn throttling_after_the_retries_says_how_to_slow_down() {
        assert_eq!(
            sentence(service(400, "ThrottlingException", "Rate exceeded")),
            "DescribeEndpoint on endpoint e was throttled by AWS after every retry (Rate exceeded): lower --parallelism, raise --max-attempts, or pass --retry-mode adaptive"
        );
    }

    #[test]
    fn an_answer_that_is_not_from_aws_says_so() {
        // No error code: an HTML page of a proxy or of another server at the endpoint URL.
        assert_eq!(
            sentence(service(501, "", "")),
            "DescribeEndpoint on endpoint e got an answer that is not an AWS response (HTTP 501): check that --endpoint-url or AWS_ENDPOINT_URL, if set, points at an AWS API"
        );
        assert_eq!(
            sentence(SdkError::response_error("failed to parse the response body", raw(200))),
            "DescribeEndpoint on endpoint e got an answer that is not an AWS response (HTTP 200: failed to parse the response body): check that --endpoint-url or AWS_ENDPOINT_URL, if set, points at an AWS API"
        );
    }

    #[test]
    fn a_request_that_cannot_be_built_names_the_cause() {
        assert_eq!(
            sentence(SdkError::construction_failure("invalid value for field: `region` - must be a valid host label")),
            "DescribeEndpoint on endpoint e could not be sent (invalid value for field: `region` - must be a valid host label): check the region, the credentials and --endpoint-url or AWS_ENDPOINT_URL"
        );
    }

    #[test]
    fn service_errors_keep_their_kinds() {
        let kind = |code: &str, message: &str| error(service(400, code, message), SM, "X", "r").kind;
        assert_eq!(kind("AccessDeniedException", "no"), AwsErrorKind::AccessDenied);
        assert_eq!(kind("ValidationException", "Could not find endpoint \"e\"."), AwsErrorKind::NotFound);
        assert_eq!(kind("ValidationException", "bad"), AwsErrorKind::Validation);
        assert_eq!(kind("ResourceInUse", "Cannot create already existing model"), AwsErrorKind::AlreadyExists);
    }

    #[test]
    fn the_spec_region_wins_and_says_what_it_overrode() {
        let env = || Some(("eu-west-1".to_string(), "AWS_REGION".to_string()));
        let (region, ignored) = choose_region(Some("us-east-1"), None, env()).unwrap();
        assert_eq!(region.as_deref(), Some("us-east-1"));
        assert_eq!(
            ignored.unwrap().to_string(),
            "the spec's region us-east-1 is used, and region eu-west-1 from AWS_REGION is ignored"
        );
        // The same region, or a flag that repeats the spec's: nothing to say.
        let same = Some(("us-east-1".to_string(), "profile \"dev\"".to_string()));
        assert_eq!(choose_region(Some("us-east-1"), None, same).unwrap(), (Some("us-east-1".into()), None));
        assert_eq!(
            choose_region(Some("us-east-1"), Some("us-east-1"), env()).unwrap(),
            (Some("us-east-1".into()), None)
        );
        // Without a spec region: the flag, else aws-config's chain (None here).
        assert_eq!(choose_region(None, Some("eu-west-1"), None).unwrap(), (Some("eu-west-1".into()), None));
        assert_eq!(choose_region(None, None, None).unwrap(), (None, None));
    }

    #[test]
    fn a_region_flag_that_contradicts_the_spec_is_an_error() {
        let err = choose_region(Some("us-east-1"), Some("eu-west-1"), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--region eu-west-1 contradicts the spec's region us-east-1: drop --region, or change `region:` in the spec"
        );
    }

    #[test]
    fn resource_ids() {
        assert_eq!(parse_resource_id("endpoint/e-1/variant/v"), Some(("e-1".into(), "v".into())));
        assert_eq!(parse_resource_id("table/x"), None);
    }
}
