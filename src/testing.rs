//! Helpers for unit tests of the later pipeline stages (plan, apply): the desired resources of
//! a spec given as YAML text, through the same parse and validate a command runs. Test builds
//! only; it sits above every stage, so using it creates no dependency between them.

use crate::diagnostic::Source;
use crate::resources::{self, Resource};

/// The resources of a valid spec given as YAML text.
pub(crate) fn desired_from_yaml(yaml: &str) -> Vec<Resource> {
    let spec = crate::spec::parse(&Source::new("s.yaml", yaml)).expect("parses");
    resources::desired(&crate::validate::validate(&spec).desired.expect("valid"))
}

/// The desired state of a valid spec given as YAML text.
pub(crate) fn model_from_yaml(yaml: &str) -> crate::model::Desired {
    let spec = crate::spec::parse(&Source::new("s.yaml", yaml)).expect("parses");
    crate::validate::validate(&spec).desired.expect("valid")
}
