//! Names: the project, the region, and SageMaker resource names (endpoints, variants, models),
//! with SageMaker's pattern and length limit.

use crate::diagnostic::{shorten, Diagnostic};
use crate::spec::Pos;

use super::Validator;

pub use crate::resources::NAME_SUFFIX_LEN;
/// SageMaker's limit for endpoint, endpoint config, model and variant names.
pub(super) const MAX_NAME_LEN: usize = 63;

impl Validator {
    pub(super) fn project(&mut self, project: &Pos<String>) {
        let ok = !project.is_empty()
            && project.len() <= 128
            && project.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            self.error(
                Diagnostic::error(format!("project name `{}` is not valid", shorten(project)))
                    .at(project.span, "invalid project name")
                    .help("use 1 to 128 ASCII letters, digits, `-`, `_` or `.`; it becomes the value of the `endpoint-scale:project` tag"),
            );
        }
    }

    pub(super) fn region(&mut self, region: &Pos<String>) {
        let parts: Vec<&str> = region.split('-').collect();
        let ok = parts.len() >= 3
            && parts[0].len() == 2
            && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
            && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            self.error(
                Diagnostic::error(format!("`{}` is not an AWS region name", shorten(region)))
                    .at(region.span, "not a region")
                    .help("write a region code such as `us-east-1` or `eu-west-1`"),
            );
        }
    }

    pub(super) fn sagemaker_name(&mut self, what: &str, name: &Pos<String>, max_len: usize) -> bool {
        // SageMaker's pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-');
        if !valid {
            self.error(
                Diagnostic::error(format!("{what} name `{}` is not a valid SageMaker name", shorten(name)))
                    .at(name.span, "invalid name")
                    .help("use ASCII letters, digits and hyphens, starting and ending with a letter or digit"),
            );
            return false;
        }
        let len = name.chars().count();
        if len > max_len {
            let mut d = Diagnostic::error(format!("{what} name `{}` is {len} characters long", shorten(name)))
                .at(name.span, "too long");
            d = if max_len < MAX_NAME_LEN {
                d.help(format!(
                    "endpoint-scale names this endpoint's configs and models `<endpoint>-<8-character hash>`, which SageMaker caps at {MAX_NAME_LEN} characters; shorten the name to {max_len} characters or fewer"
                ))
            } else {
                d.help(format!("SageMaker allows at most {MAX_NAME_LEN} characters"))
            };
            self.error(d);
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{diagnostics, with_variant};

    #[test]
    fn endpoint_names_leave_room_for_the_hash_suffix() {
        let long = "e".repeat(55);
        let text = with_variant("").replace("name: e\n", &format!("name: {long}\n"));
        assert_eq!(diagnostics(&text), [format!("4:11 endpoint name `{long}` is 55 characters long")]);
    }

    #[test]
    fn project_and_region_are_checked() {
        let text = with_variant("").replace("project: p\n", "project: my project\nregion: useast1\n");
        assert_eq!(
            diagnostics(&text),
            ["2:10 project name `my project` is not valid", "3:9 `useast1` is not an AWS region name"]
        );
    }
}
