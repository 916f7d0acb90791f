//! `render`: the AWS calls that create a spec from nothing, as JSON or as an AWS CLI script.
//! A view of the plan against an empty live state, so it runs exactly what `apply` would.

use std::path::Path;

use super::{load, write_stdout, CliError, Outcome};
use crate::cli::{CallFormat, VarArgs};
use crate::hint::CommandLine;
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

/// The command the script's header says made it: the spec and the variables' sources. `--var`
/// values are left out (`--var NAME=...`: the header is a comment, and a value may hold a line
/// break or a secret), and a control character of a path (a newline would end the comment and
/// run the rest) is written `?`.
fn invocation(spec: &str, vars: &VarArgs) -> CommandLine {
    let clean = |text: &str| -> String { text.chars().map(|c| if c.is_control() { '?' } else { c }).collect() };
    let line = CommandLine::new("render").opt("--format", "shell").arg(clean(spec));
    let line =
        vars.var_files.iter().fold(line, |line, file| line.opt("--var-file", clean(&file.display().to_string())));
    vars.vars.iter().fold(line, |line, (name, _)| line.opt("--var", format!("{}=...", clean(name))))
}
