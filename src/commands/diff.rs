//! `diff`: drift between AWS and the spec, field by field; exit 0 in sync, 2 drift.

use std::path::Path;

use super::{connect, load, read_live, show_live_plan, write_stdout, CliError, Outcome};
use crate::cli::{AwsArgs, OutputFormat};
use crate::output::ColorChoice;
use crate::{plan, render, resources};

pub async fn run(path: &Path, format: OutputFormat, args: &AwsArgs, colour: ColorChoice) -> Result<Outcome, CliError> {
    let (_, desired) = load(path, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, false, args.parallelism).await?;
    let plan = plan::diff(&resources::desired(&desired), &live);
    let text = match format {
        OutputFormat::Human => render::drift::render(&plan),
        OutputFormat::Json => show_live_plan(&plan, &desired, OutputFormat::Json, &target, colour),
    };
    write_stdout(&text)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    Ok(if plan.has_changes() { Outcome::Changes } else { Outcome::Done })
}
