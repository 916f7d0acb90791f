//! Models: an `existing` SageMaker model or an inline one (image, artifacts URL, execution
//! role), and the container environment, where secret-looking values are marked for masking.

use std::collections::BTreeMap;

use crate::diagnostic::{shorten, Diagnostic, SourceSpan};
use crate::model::{EnvValue, InlineModel, ModelRef};
use crate::spec;

use super::names::MAX_NAME_LEN;
use super::Validator;

impl Validator {
    pub(super) fn model(&mut self, model: &spec::ModelSpec, owner: SourceSpan) -> Option<ModelRef> {
        let inline_keys: Vec<(&str, SourceSpan)> = [
            ("image", model.image.as_ref().map(|p| p.span)),
            ("model_data_url", model.model_data_url.as_ref().map(|p| p.span)),
            ("execution_role_arn", model.execution_role_arn.as_ref().map(|p| p.span)),
        ]
        .into_iter()
        .filter_map(|(k, s)| s.map(|s| (k, s)))
        .chain(model.environment.keys().next().map(|k| ("environment", k.span)))
        .chain(model.secret_environment.keys().next().map(|k| ("secret_environment", k.span)))
        .chain(model.mode.as_ref().map(|m| ("mode", m.span)))
        .chain(
            model
                .vpc
                .as_ref()
                .and_then(|v| v.security_group_ids.first().or(v.subnets.first()))
                .map(|s| ("vpc", s.span)),
        )
        .chain(model.enable_network_isolation.as_ref().map(|e| ("enable_network_isolation", e.span)))
        .collect();
        if let Some(existing) = &model.existing {
            if let Some((key, span)) = inline_keys.first() {
                self.error(
                    Diagnostic::error(format!("a model is either `existing` or defined inline, but this one also sets `{key}`"))
                        .at(*span, "inline model field")
                        .help("remove `existing` to have endpoint-scale create the model, or remove the inline fields to use the existing model"),
                );
                return None;
            }
            let name = existing.clone();
            return self.sagemaker_name("model", &name, MAX_NAME_LEN).then_some(ModelRef::Existing(name.value));
        }
        let Some(image) = &model.image else {
            let span = inline_keys.first().map_or(owner, |(_, s)| *s);
            self.error(
                Diagnostic::error(
                    "a model needs either `existing` (a model that exists) or `image` (one endpoint-scale creates)",
                )
                .at(span, "model without `existing` or `image`")
                .help("add `existing: <model name>` or `image: <ECR image URI>`"),
            );
            return None;
        };
        let mut ok = true;
        if image.is_empty() || image.chars().any(char::is_whitespace) || image.len() > 255 {
            ok = false;
            self.error(
                Diagnostic::error(format!("`{}` is not a container image URI", shorten(image)))
                    .at(image.span, "invalid image")
                    .help("write an image URI such as `123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag`"),
            );
        }
        if let Some(url) = &model.model_data_url {
            let ok_url =
                (url.starts_with("s3://") || url.starts_with("https://")) && url.len() <= 1024 && url.len() > 8;
            if !ok_url {
                ok = false;
                self.error(
                    Diagnostic::error(format!("`{}` is not an S3 or HTTPS URL", shorten(url)))
                        .at(url.span, "invalid model data URL")
                        .help("write the S3 URL of the model artifacts, for example `s3://bucket/path/model.tar.gz`"),
                );
            }
        }
        let role = match &model.execution_role_arn {
            Some(role) if is_role_arn(role) => Some(role.value.clone()),
            Some(role) => {
                self.error(
                    Diagnostic::error(format!("`{}` is not an IAM role ARN", shorten(role)))
                        .at(role.span, "invalid role ARN")
                        .help("write `arn:aws:iam::<12-digit account id>:role/<role name>`"),
                );
                None
            }
            None => {
                self.error(
                    Diagnostic::error("an inline model needs `execution_role_arn`")
                        .at(image.span, "model defined here")
                        .help("add `execution_role_arn: arn:aws:iam::<account>:role/<role>`, the role SageMaker assumes to pull the image and artifacts"),
                );
                None
            }
        };
        let mut environment = BTreeMap::new();
        let entries =
            model.environment.iter().map(|e| (e, false)).chain(model.secret_environment.iter().map(|e| (e, true)));
        for ((key, value), explicit_secret) in entries {
            let key_ok = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && key.len() <= 1024;
            if !key_ok {
                ok = false;
                self.error(
                    Diagnostic::error(format!("environment variable name `{}` is not valid", shorten(key)))
                        .at(key.span, "invalid name")
                        .help("use ASCII letters, digits and `_`, not starting with a digit"),
                );
            }
            if value.len() > 1024 {
                ok = false;
                self.error(
                    Diagnostic::error(format!(
                        "the value of `{}` is {} bytes; SageMaker allows 1024",
                        key.as_str(),
                        value.len()
                    ))
                    .at(value.span, "too long"),
                );
            }
            // Also secret: a value that takes a sensitive variable (`spec::vars`).
            let secret = explicit_secret
                || model.sensitive_environment.contains(key.as_str())
                || crate::secrets::is_secret(key, value);
            if environment.insert(key.value.clone(), EnvValue { value: value.value.clone(), secret }).is_some() {
                ok = false;
                self.error(
                    Diagnostic::error(format!(
                        "environment variable `{}` is set in both `environment` and `secret_environment`",
                        key.as_str()
                    ))
                    .at(key.span, "set again here")
                    .help("keep it in one of the two maps"),
                );
            }
        }
        if environment.len() > 100 {
            ok = false;
            self.error(
                Diagnostic::error(format!(
                    "the model sets {} environment variables; SageMaker allows 100",
                    environment.len()
                ))
                .at(image.span, "in this model"),
            );
        }
        let settings = self.model_settings(model, image.span);
        let (role, settings) = (role?, settings?);
        ok.then(|| {
            ModelRef::Inline(InlineModel {
                image: image.value.clone(),
                model_data_url: model.model_data_url.as_ref().map(|u| u.value.clone()),
                execution_role_arn: role,
                environment,
                vpc: settings.vpc,
                enable_network_isolation: settings.enable_network_isolation,
                mode: settings.mode,
            })
        })
    }
}

fn is_role_arn(arn: &str) -> bool {
    // RoleArn pattern from the SageMaker API model: arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+
    let Some(rest) = arn.strip_prefix("arn:aws") else { return false };
    let Some((partition, rest)) = rest.split_once(":iam::") else { return false };
    if !partition.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
        return false;
    }
    let Some((account, role)) = rest.split_once(":role") else { return false };
    let role = role.strip_prefix('/').unwrap_or(role);
    account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !role.is_empty()
        && role.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@-_/".contains(c))
        && arn.len() <= 2048
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/SageMakerRole"));
        assert!(is_role_arn("arn:aws-cn:iam::123456789012:role/path/Role"));
        assert!(!is_role_arn("arn:aws:iam::1234:role/R"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/R"));
    }

    #[test]
    fn secret_names() {}
}
