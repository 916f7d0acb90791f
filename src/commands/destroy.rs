//! `destroy`: delete everything the spec owns (or, with `--target`, what some of its endpoints
//! own), in the order AWS needs, after confirmation. `--output json` writes the results document
//! of `apply --output json` and needs `--auto-approve`.

use std::path::Path;

use super::apply::{execute, Rerun};
use super::{confirm, connect, load, plural, read_live, targets, write_stdout, CliError, Outcome};
use super::{WithAws, WithTargets, WithVars};
use crate::cli::{AwsArgs, OutputFormat, VarArgs, WaitArgs};
use crate::hint::CommandLine;
use crate::output::{self, ColorChoice};
use crate::render::human::{self, PlanContext};
use crate::{plan, results};

#[allow(clippy::too_many_arguments)]
pub async fn run(
    path: &Path,
    auto_approve: bool,
    format: OutputFormat,
    targets: &[String],
    vars: &VarArgs,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let json = format == OutputFormat::Json;
    if json && !auto_approve {
        return Err(CliError::JsonNeedsApproval { command: "destroy", or_saved: "" });
    }
    let super::Loaded { source, desired, variables } = load(path, vars, colour)?;
    let (desired, selected) = targets::select(desired, targets, false)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, false, args.parallelism).await?;
    let mut plan = plan::destroy(&live);
    plan.targets = selected;
    let context = PlanContext {
        project: &desired.project,
        offline: false,
        region: Some(&target.region),
        account: Some(&target.account),
        destroy: true,
    };
    // With nothing to delete this is the one line "Nothing to destroy (account ..., region ...)."
    // (after the --target warning, if any).
    let palette = if json { colour.stderr() } else { colour.stdout() };
    let shown = human::render(&plan, &context, &palette);
    if json {
        // stdout is for the document alone, written even when there is nothing to destroy.
        output::stderr(&shown);
    } else {
        output::stdout(&shown).map_err(CliError::Write)?;
        if plan.steps.is_empty() {
            return Ok(Outcome::Done);
        }
    }
    if !plan.steps.is_empty() {
        confirm(auto_approve, "destroy", "Do you really want to destroy these endpoints and everything of them?")?;
    }
    let json_context = results::Context {
        command: "destroy",
        project: &desired.project,
        account: &target.account,
        region: &target.region,
    };
    let rerun = Rerun {
        command: "destroy",
        again: CommandLine::new("destroy").arg(&source.name).targets(&plan.targets).vars(vars, &variables).aws(args),
        plan: CommandLine::new("plan").arg(&source.name).targets(&plan.targets).vars(vars, &variables).aws(args),
    };
    let destroyed =
        execute(&aws, &plan, &desired.project, &rerun, json.then_some(&json_context), args, wait, colour).await?;
    if json {
        return Ok(Outcome::Done);
    }
    write_stdout(&format!(
        "{} {} destroyed.\n",
        colour.stdout().green("Destroy complete:"),
        plural(destroyed, "endpoint")
    ))
}
