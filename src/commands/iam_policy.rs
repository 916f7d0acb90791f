//! `iam-policy`: the least-privilege IAM policy a command needs for a spec, as JSON on stdout.
//! It calls no AWS API: the policy comes from the spec and from what the commands call
//! (`crate::iam`). It takes the spec's variables like those commands do (`--var`, `--var-file`,
//! `ENDPOINT_SCALE_VAR_<NAME>`), since the names the policy grants may come from them.

use std::path::Path;

use super::{load, write_stdout, CliError, Outcome};
use crate::aws::sdk::ConfigError;
use crate::cli::{IamCommand, VarArgs};
use crate::iam::{self, Command, Scope};
use crate::output::ColorChoice;

#[allow(clippy::too_many_arguments)]
pub fn run(
    path: &Path,
    command: IamCommand,
    account: Option<String>,
    region: Option<String>,
    partition: Option<String>,
    prune: bool,
    delete_owned_alarms: bool,
    vars: &VarArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    // Endpoint names, roles and the region may come from variables: the policy is for the spec
    // as it resolves with the values the commands it is for will be given.
    let desired = load(path, vars, colour)?.desired;
    // As for the AWS commands: the spec's region wins, and --region may only repeat it.
    let region = match (desired.region.clone(), region) {
        (Some(spec), Some(flag)) if spec != flag => return Err(ConfigError::RegionConflict { flag, spec }.into()),
        (Some(spec), _) => spec,
        (None, Some(flag)) => flag,
        (None, None) => "*".to_string(),
    };
    let scope = Scope {
        partition: partition.unwrap_or_else(|| Scope::partition_of(&region).to_string()),
        region,
        account: account.unwrap_or_else(|| "*".to_string()),
        prune,
        delete_owned_alarms,
    };
    let commands: &[Command] = match command {
        IamCommand::Plan => &[Command::Plan],
        IamCommand::Apply => &[Command::Apply],
        IamCommand::Diff => &[Command::Diff],
        IamCommand::Destroy => &[Command::Destroy],
        IamCommand::All => &Command::ALL,
    };
    write_stdout(&iam::policy(&desired, commands, &scope).to_json())
}
