//! `destroy`: delete everything the spec owns (or, with `--target`, what some of its endpoints
//! own), in the order AWS needs, after confirmation. `--output json` writes the results document
//! of `apply --output json` and needs `--auto-approve`.

use std::path::Path;

use super::apply::{complete, execute};
use super::{confirm, connect, load, read_live, show_live_plan, targets, write_stdout, CliError, Outcome};
use crate::cli::{AwsArgs, OutputFormat, VarArgs, WaitArgs};
use crate::output::{self, ColorChoice};
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
    let desired = load(path, vars, colour)?.desired;
    let (desired, selected) = targets::select(desired, targets, false)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, false, args.parallelism).await?;
    let mut plan = plan::destroy(&live);
    plan.targets = selected;
    let shown = show_live_plan(&plan, &desired, OutputFormat::Human, &target, colour);
    if json {
        // stdout is for the document alone.
        output::stderr(&shown);
    } else {
        output::stdout(&shown).map_err(CliError::Write)?;
        if plan.steps.is_empty() {
            return write_stdout("Nothing to destroy.\n");
        }
    }
    if !plan.steps.is_empty() {
        confirm(auto_approve, "destroy", "Do you really want to destroy these endpoints and everything of them?")?;
    }
    let context = results::Context {
        command: "destroy",
        project: &desired.project,
        account: &target.account,
        region: &target.region,
    };
    let changed = execute(
        &aws,
        &plan,
        &desired.project,
        &format!("endpoint-scale destroy {}", path.display()),
        json.then_some(&context),
        args,
        wait,
        colour,
    )
    .await?;
    if json {
        return Ok(Outcome::Done);
    }
    complete(changed, colour)
}
