//! `plan`: what would change, against AWS or (`--offline`) against nothing; `--out` saves it
//! for `apply FILE`.

use std::path::Path;

use super::{connect, load, read_live, show_live_plan, show_plan, write_stdout, CliError, Outcome};
use crate::cli::{AwsArgs, OutputFormat, VarArgs};
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

pub fn offline(
    path: &Path,
    format: OutputFormat,
    detailed: bool,
    vars: &VarArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let desired = load(path, vars, colour)?.desired;
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
    vars: &VarArgs,
    args: &AwsArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let super::Loaded { source, desired, variables } = load(path, vars, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, prune, args.parallelism).await?;
    let plan = plan::diff_with(&resources::desired(&desired), &live, &options);
    write_stdout(&show_live_plan(&plan, &desired, format, &target, colour))?;
    if let Some(out) = out {
        // The plan pins the variables' values: `apply FILE` uses them (see `apply::run_saved`).
        SavedPlan::new(&source, variables.values(), prune, options, &live, &plan).write(out)?;
        output::stderr(&format!(
            "Saved the plan to {}: run `endpoint-scale apply {}` to carry it out.\n",
            out.display(),
            out.display()
        ));
    }
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    Ok(outcome(detailed, &plan))
}
