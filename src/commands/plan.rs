//! `plan`: what would change, against AWS or (`--offline`) against nothing; `--out` saves it
//! for `apply FILE`.

use std::path::Path;

use super::{connect, load, read_live, show_live_plan, show_plan, write_stdout, CliError, Outcome, WithAws};
use crate::cli::{AwsArgs, OutputFormat};
use crate::live::LiveState;
use crate::output::{self, ColorChoice};
use crate::plan::saved::SavedPlan;
use crate::{plan, resources};

fn outcome(detailed: bool, plan: &plan::Plan) -> Outcome {
    if detailed && plan.has_changes() {
        Outcome::Changes
    } else {
        Outcome::Done
    }
}

pub fn offline(path: &Path, format: OutputFormat, detailed: bool, colour: ColorChoice) -> Result<Outcome, CliError> {
    let (_, desired) = load(path, colour)?;
    let plan = plan::diff(&resources::desired(&desired), &LiveState::default());
    write_stdout(&show_plan(&plan, &desired, format, true, colour))?;
    Ok(outcome(detailed, &plan))
}

#[allow(clippy::too_many_arguments)]
pub async fn run(
    path: &Path,
    format: OutputFormat,
    detailed: bool,
    out: Option<&Path>,
    prune: bool,
    options: plan::Options,
    args: &AwsArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let (source, desired) = load(path, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, prune, args.parallelism).await?;
    let plan = plan::diff_with(&resources::desired(&desired), &live, &options);
    write_stdout(&show_live_plan(&plan, &desired, format, &target, colour))?;
    if let Some(out) = out {
        SavedPlan::new(&source, prune, options, &live, &plan).write(out)?;
        let apply = crate::hint::CommandLine::new("apply").arg(out.display().to_string()).aws(args);
        output::stderr(&format!("Saved the plan to {}: run `{apply}` to carry it out.\n", out.display()));
    }
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    Ok(outcome(detailed, &plan))
}
