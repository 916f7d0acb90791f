//! Hosting settings passed through to SageMaker: the endpoint config's `KmsKeyId` and
//! `DataCaptureConfig`, a variant's storage volume and its model download and container start-up
//! timeouts, and an inline model's `VpcConfig`, `EnableNetworkIsolation` and container `Mode`.
//!
//! endpoint-scale does nothing with these but send them, so the rules are exactly the API's
//! ranges and patterns (SageMaker API reference: `CreateEndpointConfig`, `DataCaptureConfig`,
//! `CaptureOption`, `CaptureContentTypeHeader`, `ProductionVariant`, `CreateModel`, `VpcConfig`,
//! `ContainerDefinition`; the same limits are in botocore's `sagemaker/2017-07-24/service-2.json`).
//! Checking them here makes a typo a validation error with its line instead of an AWS error in
//! the middle of an apply.

use crate::diagnostic::{did_you_mean, shorten, Diagnostic, SourceSpan};
use crate::model::{DataCapture, Vpc};
use crate::spec::{self, Pos};

use super::scaling::parse_duration;
use super::Validator;

/// `CaptureMode` values (API `CaptureOption`).
const CAPTURE_MODES: [&str; 3] = ["Input", "Output", "InputAndOutput"];
/// `ContainerMode` values (API `ContainerDefinition.Mode`).
const CONTAINER_MODES: [&str; 2] = ["SingleModel", "MultiModel"];

/// The endpoint config settings of an endpoint, when they are valid.
pub(super) struct ConfigSettings {
    pub kms_key_id: Option<String>,
    pub data_capture: Option<DataCapture>,
}

/// A variant's hosting settings, when they are valid.
pub(super) struct VariantSettings {
    pub volume_size_in_gb: Option<u32>,
    pub model_data_download_timeout_secs: Option<u32>,
    pub container_startup_health_check_timeout_secs: Option<u32>,
}

/// An inline model's network and container settings, when they are valid.
pub(super) struct ModelSettings {
    pub vpc: Option<Vpc>,
    pub enable_network_isolation: bool,
    pub mode: Option<String>,
}

impl Validator {
    pub(super) fn config_settings(&mut self, endpoint: &spec::Endpoint) -> Option<ConfigSettings> {
        let kms_ok = endpoint.kms_key_id.as_ref().is_none_or(|k| self.kms_key("kms_key_id", k));
        let data_capture = match &endpoint.data_capture {
            Some(d) => Some(self.data_capture(d)?),
            None => None,
        };
        kms_ok
            .then(|| ConfigSettings { kms_key_id: endpoint.kms_key_id.as_ref().map(|k| k.value.clone()), data_capture })
    }

    fn data_capture(&mut self, d: &spec::DataCapture) -> Option<DataCapture> {
        let mut ok = true;
        let percentage = &d.initial_sampling_percentage;
        if percentage.value > 100 {
            ok = false;
            self.error(
                Diagnostic::error(format!(
                    "`initial_sampling_percentage` is {}; it is a percentage, 0 to 100",
                    percentage.value
                ))
                .at(percentage.span, "above 100")
                .help("write the share of requests to capture, for example `20`"),
            );
        }
        let uri = &d.destination_s3_uri;
        // DestinationS3Uri: (https|s3)://([^/])/?(.*), at most 512 characters.
        let rest = uri.strip_prefix("s3://").or_else(|| uri.strip_prefix("https://"));
        let uri_ok = rest.is_some_and(|r| r.chars().next().is_some_and(|c| c != '/')) && uri.chars().count() <= 512;
        if !uri_ok {
            ok = false;
            self.error(
                Diagnostic::error(format!("`destination_s3_uri` `{}` is not an S3 URI", shorten(uri)))
                    .at(uri.span, "invalid destination")
                    .help("write `s3://<bucket>/<prefix>` (at most 512 characters)"),
            );
        }
        if let Some(key) = &d.kms_key_id {
            ok &= self.kms_key("kms_key_id", key);
        }
        if d.capture_options.is_empty() || d.capture_options.len() > 32 {
            ok = false;
            let span = d.capture_options.first().map_or(uri.span, |o| o.span);
            self.error(
                Diagnostic::error(format!(
                    "`capture_options` lists {} entries; SageMaker takes 1 to 32",
                    d.capture_options.len()
                ))
                .at(span, "in this data capture")
                .help("list what to capture, for example `capture_options: [Input, Output]`"),
            );
        }
        for option in &d.capture_options {
            ok &= self.one_of("capture option", option, &CAPTURE_MODES);
        }
        for (key, types) in [("csv_content_types", &d.csv_content_types), ("json_content_types", &d.json_content_types)]
        {
            if types.len() > 10 {
                ok = false;
                self.error(
                    Diagnostic::error(format!(
                        "`{key}` lists {} content types; SageMaker takes at most 10",
                        types.len()
                    ))
                    .at(types[10].span, "the 11th"),
                );
            }
            for t in types {
                if !is_content_type(t) {
                    ok = false;
                    self.error(
                        Diagnostic::error(format!("`{}` in `{key}` is not a content type", shorten(t)))
                            .at(t.span, "invalid content type")
                            .help("write `type/subtype` with letters, digits, `-` and `.`, for example `application/json` or `text/csv` (at most 256 characters)"),
                    );
                }
            }
        }
        ok.then(|| DataCapture {
            enable_capture: d.enable_capture.as_ref().is_none_or(|e| e.value),
            initial_sampling_percentage: percentage.value,
            destination_s3_uri: uri.value.clone(),
            kms_key_id: d.kms_key_id.as_ref().map(|k| k.value.clone()),
            capture_options: d.capture_options.iter().map(|o| o.value.clone()).collect(),
            csv_content_types: d.csv_content_types.iter().map(|t| t.value.clone()).collect(),
            json_content_types: d.json_content_types.iter().map(|t| t.value.clone()).collect(),
        })
    }

    /// KmsKeyId: `[a-zA-Z0-9:/_-]*`, at most 2048 characters (a key id, key ARN, alias name or
    /// alias ARN). An empty id passes the API's pattern but names no key, so it is refused.
    fn kms_key(&mut self, key: &str, value: &Pos<String>) -> bool {
        let ok = !value.is_empty()
            && value.len() <= 2048
            && value.chars().all(|c| c.is_ascii_alphanumeric() || ":/_-".contains(c));
        if !ok {
            self.error(
                Diagnostic::error(format!("`{key}` `{}` is not a KMS key id, key ARN or alias", shorten(value)))
                    .at(value.span, "invalid KMS key")
                    .help("write a key id (`1234abcd-12ab-34cd-56ef-1234567890ab`), a key ARN (`arn:aws:kms:<region>:<account>:key/<id>`), an alias (`alias/<name>`) or an alias ARN"),
            );
        }
        ok
    }

    pub(super) fn variant_settings(&mut self, v: &spec::Variant) -> Option<VariantSettings> {
        let mut ok = true;
        if let Some(size) = &v.volume_size_in_gb {
            if !(1..=512).contains(&size.value) {
                ok = false;
                self.error(
                    Diagnostic::error(format!("`volume_size_in_gb` is {}; SageMaker takes 1 to 512", size.value))
                        .at(size.span, "out of range")
                        .help("the size of each instance's ML storage volume, in GB, at most 512"),
                );
            }
        }
        let download = self.timeout("model_data_download_timeout", v.model_data_download_timeout.as_ref());
        let startup =
            self.timeout("container_startup_health_check_timeout", v.container_startup_health_check_timeout.as_ref());
        let (Some(download), Some(startup)) = (download, startup) else { return None };
        ok.then(|| VariantSettings {
            volume_size_in_gb: v.volume_size_in_gb.as_ref().map(|s| s.value),
            model_data_download_timeout_secs: download,
            container_startup_health_check_timeout_secs: startup,
        })
    }

    /// A variant timeout: a duration of 60 to 3600 seconds. `Some(None)` when it is not set,
    /// `None` when it is invalid.
    fn timeout(&mut self, key: &str, value: Option<&Pos<String>>) -> Option<Option<u32>> {
        let Some(value) = value else { return Some(None) };
        let Some(secs) = parse_duration(value) else {
            self.error(
                Diagnostic::error(format!("`{key}` `{}` is not a duration", shorten(value)))
                    .at(value.span, "not a duration")
                    .help("write whole seconds (`600`) or numbers with units s, m, h (`90s`, `10m`, `1h`)"),
            );
            return None;
        };
        if !(60..=3600).contains(&secs) {
            self.error(
                Diagnostic::error(format!(
                    "`{key}` is {}; SageMaker takes 60 to 3600",
                    crate::diagnostic::plural(secs, "second")
                ))
                .at(value.span, "out of range")
                .help("write a duration from `60` (1m) to `3600` (1h)"),
            );
            return None;
        }
        Some(Some(secs as u32))
    }

    /// `owner` is where the model is defined, for a problem with no position of its own.
    pub(super) fn model_settings(&mut self, m: &spec::ModelSpec, owner: SourceSpan) -> Option<ModelSettings> {
        let mut ok = true;
        if let Some(mode) = &m.mode {
            ok &= self.one_of("container mode", mode, &CONTAINER_MODES);
        }
        if let Some(vpc) = &m.vpc {
            ok &= self.ids("security_group_ids", &vpc.security_group_ids, 5, owner);
            ok &= self.ids("subnets", &vpc.subnets, 16, owner);
        }
        ok.then(|| ModelSettings {
            vpc: m.vpc.as_ref().map(|v| Vpc {
                security_group_ids: v.security_group_ids.iter().map(|s| s.value.clone()).collect(),
                subnets: v.subnets.iter().map(|s| s.value.clone()).collect(),
            }),
            enable_network_isolation: m.enable_network_isolation.as_ref().is_some_and(|e| e.value),
            mode: m.mode.as_ref().map(|p| p.value.clone()),
        })
    }

    /// Security group or subnet ids: 1 to `max` of them, each 1 to 32 of `[-0-9a-zA-Z]`.
    fn ids(&mut self, key: &str, ids: &[Pos<String>], max: usize, owner: SourceSpan) -> bool {
        let mut ok = true;
        if ids.is_empty() || ids.len() > max {
            ok = false;
            let d = Diagnostic::error(format!("`{key}` lists {} ids; SageMaker takes 1 to {max}", ids.len()));
            let d = match ids.get(max) {
                Some(extra) => d.at(extra.span, "one too many"),
                None => d.at(owner, "in this model"),
            };
            self.error(d.help(format!("list between 1 and {max} ids under `{key}`")));
        }
        for id in ids {
            if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                ok = false;
                let example = if key == "subnets" { "subnet-0123456789abcdef0" } else { "sg-0123456789abcdef0" };
                self.error(
                    Diagnostic::error(format!("`{}` in `{key}` is not an id", shorten(id)))
                        .at(id.span, "invalid id")
                        .help(format!(
                        "write the id itself, for example `{example}`: letters, digits and `-`, at most 32 characters"
                    )),
                );
            }
        }
        ok
    }

    fn one_of(&mut self, what: &str, value: &Pos<String>, allowed: &[&'static str]) -> bool {
        if allowed.contains(&value.as_str()) {
            return true;
        }
        let list = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
        let mut d =
            Diagnostic::error(format!("`{}` is not a {what}", shorten(value))).at(value.span, format!("not a {what}"));
        d = match did_you_mean(value, allowed.iter().copied()) {
            Some(best) => d.help(format!("did you mean `{best}`? (one of {list})")),
            None => d.help(format!("write one of {list}")),
        };
        self.error(d);
        false
    }
}

/// `CsvContentType` / `JsonContentType`: `[a-zA-Z0-9](-*[a-zA-Z0-9])*\/[a-zA-Z0-9](-*[a-zA-Z0-9.])*`,
/// 1 to 256 characters.
fn is_content_type(text: &str) -> bool {
    let Some((kind, sub)) = text.split_once('/') else { return false };
    let starts_alnum = |s: &str| s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
    // After the first character, every run of hyphens must be followed by an allowed character.
    let tail_ok = |s: &str, dot: bool| {
        let allowed = |c: char| c.is_ascii_alphanumeric() || (dot && c == '.');
        s.chars().all(|c| allowed(c) || c == '-') && !s.ends_with('-')
    };
    text.len() <= 256 && starts_alnum(kind) && tail_ok(kind, false) && starts_alnum(sub) && tail_ok(sub, true)
}

#[cfg(test)]
mod tests {
    use super::super::tests::diagnostics;
    use super::*;

    #[test]
    fn content_types_follow_the_api_pattern() {
        assert!(is_content_type("application/json"));
        assert!(is_content_type("text/csv"));
        assert!(is_content_type("application/x-npy"));
        assert!(is_content_type("application/jsonlines.v2"));
        assert!(!is_content_type("application/vnd+json"));
        assert!(!is_content_type("json"));
        assert!(!is_content_type("-text/csv"));
        assert!(!is_content_type("text-/csv"));
        assert!(!is_content_type("text/csv/x"));
    }

    const ENDPOINT: &str = "version: 1\nproject: p\nendpoints:\n  - name: e\n";

    fn with_endpoint(lines: &str, variant: &str, model: &str) -> String {
        format!(
            "{ENDPOINT}{lines}    model:\n      image: 1.dkr.ecr.us-east-1.amazonaws.com/r:1\n      execution_role_arn: arn:aws:iam::123456789012:role/R\n{model}    variants:\n      - name: v\n        instance_type: ml.c5.large\n{variant}"
        )
    }

    #[test]
    fn every_new_setting_in_range_is_valid() {
        let text = with_endpoint(
            "    kms_key_id: alias/volumes\n    data_capture:\n      enable_capture: false\n      initial_sampling_percentage: 100\n      destination_s3_uri: s3://b/capture\n      kms_key_id: arn:aws:kms:us-east-1:123456789012:key/abc\n      capture_options: [Input, Output, InputAndOutput]\n      csv_content_types: [text/csv]\n      json_content_types: [application/json]\n",
            "        volume_size_in_gb: 512\n        model_data_download_timeout: 1h\n        container_startup_health_check_timeout: 60\n",
            "      mode: MultiModel\n      enable_network_isolation: true\n      vpc:\n        security_group_ids: [sg-1]\n        subnets: [subnet-1, subnet-2]\n",
        );
        assert_eq!(diagnostics(&text), Vec::<String>::new());
    }

    #[test]
    fn out_of_range_settings_are_errors_at_their_lines() {
        let text = with_endpoint(
            "    kms_key_id: \"key id\"\n    data_capture:\n      initial_sampling_percentage: 101\n      destination_s3_uri: s3:///capture\n      capture_options: [Inputs]\n      json_content_types: [application/vnd+json]\n",
            "        volume_size_in_gb: 513\n        model_data_download_timeout: 59\n        container_startup_health_check_timeout: 2h\n",
            "      mode: multi\n      vpc:\n        security_group_ids: []\n        subnets: [subnet_1]\n",
        );
        assert_eq!(
            diagnostics(&text),
            [
                "5:17 `kms_key_id` `key id` is not a KMS key id, key ARN or alias",
                "7:36 `initial_sampling_percentage` is 101; it is a percentage, 0 to 100",
                "8:27 `destination_s3_uri` `s3:///capture` is not an S3 URI",
                "9:25 `Inputs` is not a capture option",
                "10:28 `application/vnd+json` in `json_content_types` is not a content type",
                "12:14 `security_group_ids` lists 0 ids; SageMaker takes 1 to 5",
                "14:13 `multi` is not a container mode",
                "17:19 `subnet_1` in `subnets` is not an id",
                "21:28 `volume_size_in_gb` is 513; SageMaker takes 1 to 512",
                "22:38 `model_data_download_timeout` is 59 seconds; SageMaker takes 60 to 3600",
                "23:49 `container_startup_health_check_timeout` is 7200 seconds; SageMaker takes 60 to 3600",
            ]
        );
    }

    #[test]
    fn an_existing_model_cannot_set_inline_settings() {
        let text = format!(
            "{ENDPOINT}    model:\n      existing: m\n      enable_network_isolation: true\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n"
        );
        assert_eq!(
            diagnostics(&text),
            ["7:33 a model is either `existing` or defined inline, but this one also sets `enable_network_isolation`"]
        );
    }
}
