//! `render`: the AWS calls that create a spec from nothing, as JSON or as an AWS CLI script.
//! A view of the plan against an empty live state, so it runs exactly what `apply` would.

use std::path::Path;

use super::{load, write_stdout, CliError, Outcome};
use crate::cli::{CallFormat, VarArgs};
use crate::live::LiveState;
use crate::output::ColorChoice;
use crate::{plan, render, resources};

pub fn run(path: &Path, format: CallFormat, vars: &VarArgs, colour: ColorChoice) -> Result<Outcome, CliError> {
    let super::Loaded { source, desired, .. } = load(path, vars, colour)?;
    let plan = plan::diff(&resources::desired(&desired), &LiveState::default());
    let text = match format {
        CallFormat::Json => render::calls::to_json(&plan),
        CallFormat::Shell => render::calls::to_shell(&plan, &invocation(&source.name, vars), desired.region.as_deref()),
    };
    write_stdout(&text)
}

/// The arguments the script's header repeats: the spec and the variables' sources. `--var`
/// values are left out (the header is a comment, and a value may hold a line break), and so is
/// any control character of a path.
fn invocation(spec: &str, vars: &VarArgs) -> String {
    let mut text = spec.to_string();
    for file in &vars.var_files {
        text.push_str(&format!(" --var-file {}", file.display()));
    }
    for (name, _) in &vars.vars {
        text.push_str(&format!(" --var {name}=..."));
    }
    text.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}
