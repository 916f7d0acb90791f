//! Endpoints' variants: unique names, at most 10 per endpoint, weights that send traffic
//! somewhere, each variant's model, and hosting instance types (the SDK's list, with hints for
//! the usual mistakes: ml.t3, a missing `ml.` prefix, a typo).

use std::collections::HashMap;

use crate::aws::hosting_instance_types;
use crate::diagnostic::{did_you_mean, shorten, Diagnostic, SourceSpan};
use crate::model::{EndpointModel, InstanceType, ModelRef, Tags, VariantModel};
use crate::spec::{self, Pos};

use super::names::{MAX_NAME_LEN, NAME_SUFFIX_LEN};
use super::Validator;

impl Validator {
    pub(super) fn endpoint(&mut self, endpoint: &spec::Endpoint, tags: Tags) -> Option<EndpointModel> {
        self.sagemaker_name("endpoint", &endpoint.name, MAX_NAME_LEN - NAME_SUFFIX_LEN);
        let endpoint_model = endpoint.model.as_ref().and_then(|m| self.model(m, endpoint.name.span));
        if endpoint.variants.is_empty() {
            self.error(
                Diagnostic::error(format!("endpoint `{}` has no variants", endpoint.name.as_str()))
                    .at(endpoint.name.span, "no variants")
                    .help("add at least one entry under `variants:`"),
            );
        }
        if endpoint.variants.len() > 10 {
            self.error(
                Diagnostic::error(format!(
                    "endpoint `{}` has {} variants; SageMaker allows at most 10",
                    endpoint.name.as_str(),
                    endpoint.variants.len()
                ))
                .at(endpoint.name.span, "too many variants"),
            );
        }
        let mut seen: HashMap<&str, SourceSpan> = HashMap::new();
        let mut variants = Vec::new();
        for variant in &endpoint.variants {
            if let Some(first) = seen.insert(variant.name.as_str(), variant.name.span) {
                self.error(
                    Diagnostic::error(format!(
                        "variant `{}` is defined twice in endpoint `{}`",
                        variant.name.as_str(),
                        endpoint.name.as_str()
                    ))
                    .at(variant.name.span, "defined again here")
                    .help(format!(
                        "the first definition is on line {}; variant names must be unique within an endpoint",
                        first.line
                    )),
                );
            }
            if let Some(v) = self.variant(variant, endpoint_model.as_ref(), endpoint.model.is_some()) {
                variants.push(v);
            }
        }
        let settings = self.config_settings(endpoint);
        let total_weight: f64 = variants.iter().map(|v| v.initial_weight).sum();
        if !variants.is_empty() && variants.len() == endpoint.variants.len() && total_weight <= 0.0 {
            self.error(
                Diagnostic::error(format!("the variant weights of endpoint `{}` add up to 0", endpoint.name.as_str()))
                    .at(endpoint.name.span, "no traffic would reach any variant")
                    .help("give at least one variant a positive `initial_weight`"),
            );
        }
        let rollout = endpoint.rollout.as_ref().map(|r| self.rollout(r, endpoint, &variants));
        let settings = settings?;
        let rollout = match rollout {
            Some(r) => Some(r?),
            None => None,
        };
        Some(EndpointModel {
            name: endpoint.name.value.clone(),
            tags,
            variants,
            adopt: endpoint.adopt.as_ref().is_some_and(|a| a.value),
            kms_key_id: settings.kms_key_id,
            data_capture: settings.data_capture,
            rollout,
        })
    }

    pub(super) fn variant(
        &mut self,
        variant: &spec::Variant,
        endpoint_model: Option<&ModelRef>,
        endpoint_has_model: bool,
    ) -> Option<VariantModel> {
        let name_ok = self.sagemaker_name("variant", &variant.name, MAX_NAME_LEN);
        let instance_type = self.instance_type(&variant.instance_type);
        let model = match &variant.model {
            Some(m) => self.model(m, variant.name.span),
            None if endpoint_has_model => endpoint_model.cloned(),
            None => {
                self.error(
                    Diagnostic::error(format!("variant `{}` has no model", variant.name.as_str()))
                        .at(variant.name.span, "no model for this variant")
                        .help("add `model:` to the variant or to its endpoint"),
                );
                None
            }
        };
        let count = variant.initial_instance_count.as_ref().map_or(1, |c| c.value);
        let weight = variant.initial_weight.as_ref().map_or(1.0, |w| w.value);
        if let Some(w) = &variant.initial_weight {
            if !(w.value >= 0.0 && w.value.is_finite()) {
                self.error(
                    Diagnostic::error(format!("`initial_weight` must be 0 or more, found {}", w.value))
                        .at(w.span, "negative weight")
                        .help("weights are relative shares of traffic: 1 for an only variant, 0 to send it none"),
                );
            }
        }
        let max_rps = variant.max_rps_per_instance.as_ref().and_then(|r| self.positive("max_rps_per_instance", r));
        let scaling = match &variant.autoscaling {
            Some(a) => {
                if let Some(t) = &instance_type {
                    if t.is_burstable() && self.rule_on("burstable-autoscaling") {
                        self.burstable_autoscaling(variant);
                    }
                }
                // The figure with its position, so a target derived from it is reported there.
                let rps = max_rps.zip(variant.max_rps_per_instance.as_ref().map(|r| r.span));
                self.autoscaling(a, count, variant.initial_instance_count.as_ref().map(|c| c.span), rps)
            }
            None => None,
        };
        let scaling_ok = variant.autoscaling.is_none() || scaling.is_some();
        let valid = name_ok && scaling_ok && weight >= 0.0;
        match (instance_type, model, self.variant_settings(variant)) {
            (Some(instance_type), Some(model), Some(settings)) if valid => Some(VariantModel {
                name: variant.name.value.clone(),
                instance_type,
                initial_instance_count: count,
                initial_weight: weight,
                model,
                max_rps_per_instance: max_rps,
                scaling,
                volume_size_in_gb: settings.volume_size_in_gb,
                model_data_download_timeout_secs: settings.model_data_download_timeout_secs,
                container_startup_health_check_timeout_secs: settings.container_startup_health_check_timeout_secs,
            }),
            _ => None,
        }
    }

    pub(super) fn instance_type(&mut self, t: &Pos<String>) -> Option<InstanceType> {
        let known = hosting_instance_types();
        if known.contains(&t.as_str()) {
            return Some(InstanceType::new_checked(t));
        }
        let mut d = Diagnostic::error(format!("`{}` is not a SageMaker hosting instance type", shorten(t)))
            .at(t.span, "not a hosting instance type");
        // The API's instance types are lower case (`ml.c5.xlarge`); `ML.C5.XLARGE` is the same
        // mistake as a typo and gets the same suggestions, made from its lower-case form.
        let lower = t.to_ascii_lowercase();
        if lower != t.as_str() && known.contains(&lower.as_str()) {
            self.error(d.help(format!("instance types are written in lower case: did you mean `{lower}`?")));
            return None;
        }
        let t = &lower;
        let bare = t.strip_prefix("ml.").unwrap_or(t);
        if let Some(size) = bare.strip_prefix("t3.").or_else(|| bare.strip_prefix("t3a.")) {
            d = d.help(
                "ml.t3 instances exist for notebooks, training and processing, not for real-time endpoints; \
                 the burstable family for hosting is ml.t2 (ml.t2.medium, ml.t2.large, ml.t2.xlarge, ml.t2.2xlarge)",
            );
            let t2 = format!("ml.t2.{size}");
            if known.contains(&t2.as_str()) {
                d = d.help(format!("did you mean `{t2}`?"));
            }
        } else if !t.starts_with("ml.") && known.contains(&format!("ml.{t}").as_str()) {
            d = d.help(format!("SageMaker instance types start with `ml.`: did you mean `ml.{t}`?"));
        } else {
            d = match did_you_mean(t, known.iter().copied()) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => {
                    d.help("see the ProductionVariantInstanceType list in the SageMaker API reference for valid types")
                }
            };
        }
        self.error(d);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{diagnostics, with_variant};
    use crate::aws::hosting_instance_types;
    use crate::model::is_burstable;

    #[test]
    fn burstable_family_is_ml_t2_and_in_the_sdk_enum() {
        let burstable: Vec<&str> = hosting_instance_types().iter().copied().filter(|t| is_burstable(t)).collect();
        assert_eq!(burstable, ["ml.t2.2xlarge", "ml.t2.large", "ml.t2.medium", "ml.t2.xlarge"]);
    }

    #[test]
    fn weights_must_send_traffic_somewhere() {
        assert_eq!(
            diagnostics(&with_variant("        initial_weight: 0\n")),
            ["4:11 the variant weights of endpoint `e` add up to 0"]
        );
    }

    #[test]
    fn instance_types_in_the_wrong_case_get_a_suggestion() {
        for (written, help) in [
            ("ML.C5.XLARGE", "instance types are written in lower case: did you mean `ml.c5.xlarge`?"),
            ("ml.C5.large", "instance types are written in lower case: did you mean `ml.c5.large`?"),
            ("C5.LARGE", "SageMaker instance types start with `ml.`: did you mean `ml.c5.large`?"),
            ("ML.T3.MEDIUM", "did you mean `ml.t2.medium`?"),
        ] {
            let text = with_variant("").replace("instance_type: ml.c5.large", &format!("instance_type: {written}"));
            let validated =
                crate::validate::validate(&crate::spec::parse(&crate::diagnostic::Source::new("s", text)).unwrap());
            let d = &validated.diagnostics[0];
            assert_eq!(d.message, format!("`{written}` is not a SageMaker hosting instance type"));
            assert_eq!(d.help.last().map(String::as_str), Some(help), "{written}");
        }
    }

    #[test]
    fn instance_types_without_the_prefix_get_a_hint() {
        let text = with_variant("").replace("instance_type: ml.c5.large", "instance_type: c5.large");
        assert_eq!(diagnostics(&text), ["8:24 `c5.large` is not a SageMaker hosting instance type"]);
    }
}
