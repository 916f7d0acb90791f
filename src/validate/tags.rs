//! Tags: AWS's key and value rules, the reserved `aws:` and `endpoint-scale:` prefixes, and the
//! limit of 50 tags per resource once the tool's ownership tags are added.

use crate::diagnostic::{shorten, Diagnostic};
use crate::model::Tags;
use crate::spec;

use super::Validator;

impl Validator {
    pub(super) fn tags(&mut self, tags: &spec::TagMap) -> Tags {
        let mut out = Tags::new();
        for (key, value) in tags {
            let valid_chars = |s: &str| s.chars().all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c));
            if key.is_empty() || key.chars().count() > 128 || !valid_chars(key) {
                self.error(
                    Diagnostic::error(format!("tag key `{}` is not valid", shorten(key)))
                        .at(key.span, "invalid tag key")
                        .help("tag keys are 1 to 128 letters, digits, spaces or `_ . : / = + - @`"),
                );
            } else if key.to_ascii_lowercase().starts_with("aws:") {
                self.error(
                    Diagnostic::error(format!("tag key `{}` uses the reserved prefix `aws:`", key.as_str()))
                        .at(key.span, "reserved prefix")
                        .help("AWS reserves `aws:` for its own tags; choose another key"),
                );
            } else if key.to_ascii_lowercase().starts_with(crate::resources::TAG_PREFIX) {
                self.error(
                    Diagnostic::error(format!(
                        "tag key `{}` uses the reserved prefix `{}`",
                        key.as_str(),
                        crate::resources::TAG_PREFIX
                    ))
                    .at(key.span, "reserved prefix")
                    .help("endpoint-scale sets these ownership tags itself; choose another key"),
                );
            }
            if value.chars().count() > 256 || !valid_chars(value) {
                self.error(
                    Diagnostic::error(format!("tag value `{}` is not valid", shorten(value)))
                        .at(value.span, "invalid tag value")
                        .help("tag values are at most 256 letters, digits, spaces or `_ . : / = + - @`"),
                );
            }
            out.insert(key.value.clone(), value.value.clone());
        }
        out
    }

    /// The spec-wide tags with the endpoint's laid over them, within AWS's limit of 50 per resource.
    pub(super) fn endpoint_tags(&mut self, global: &Tags, endpoint: &spec::Endpoint) -> Tags {
        let mut tags = global.clone();
        tags.extend(self.tags(&endpoint.tags));
        if tags.len() + crate::resources::OWNERSHIP_TAG_COUNT > 50 {
            self.error(
                Diagnostic::error(format!(
                    "endpoint `{}` has {} tags; with the tool's {} ownership tags that is over AWS's limit of 50",
                    endpoint.name.as_str(),
                    tags.len(),
                    crate::resources::OWNERSHIP_TAG_COUNT
                ))
                .at(endpoint.name.span, "too many tags"),
            );
        }
        tags
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{diagnostics, with_variant};

    #[test]
    fn reserved_prefixes_are_refused() {
        let text =
            with_variant("").replace("project: p\n", "project: p\ntags: {\"aws:x\": a, \"endpoint-scale:y\": b}\n");
        assert_eq!(
            diagnostics(&text),
            [
                "3:8 tag key `aws:x` uses the reserved prefix `aws:`",
                "3:20 tag key `endpoint-scale:y` uses the reserved prefix `endpoint-scale:`"
            ]
        );
    }
}
