//! `import`: write a spec for endpoints made by hand; `--adopt` also brings them under this
//! project, through the plan of the spec it wrote (shown, confirmed, applied like `apply`).

use std::path::Path;

use super::apply::{execute, Rerun};
use super::{confirm, connect, desired_from, plural, show_live_plan, write_stdout, CliError, Outcome, Target, WithAws};
use crate::cli::{AwsArgs, OutputFormat, WaitArgs};
use crate::diagnostic::Source;
use crate::hint::CommandLine;
use crate::live::{self, Ownership};
use crate::output::{self, ColorChoice};
use crate::resources::PolicyResource;
use crate::{plan, resources};

#[allow(clippy::too_many_arguments)]
pub async fn run(
    endpoints: &[String],
    project: &str,
    out: Option<&Path>,
    adopt: bool,
    auto_approve: bool,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let aws = connect(args, None).await?;
    // Read as adopted endpoints are: their invocations policies under any name.
    let wanted: Vec<live::Wanted> = endpoints
        .iter()
        .map(|e| live::Wanted {
            endpoint: e.clone(),
            variants: Vec::new(),
            adopt: true,
            tags: None,
            alarms: Vec::new(),
        })
        .collect();
    let (live, account) =
        tokio::join!(live::read(&aws, project, &wanted, false, args.parallelism), aws.caller_account());
    let target = Target { region: aws.region().to_string(), account: account? };
    let live = live?;
    for name in endpoints {
        match live.endpoints.get(name).map(|e| &e.ownership) {
            None => return Err(CliError::NoSuchEndpoint(name.clone())),
            Some(Ownership::OtherProject(other)) => {
                return Err(CliError::OtherProject {
                    endpoint: name.clone(),
                    other: other.clone(),
                    project: project.to_string(),
                })
            }
            _ => {}
        }
    }
    let policies: Vec<PolicyResource> =
        live.endpoints.values().flat_map(|e| e.policies.iter().chain(&e.foreign_policies)).cloned().collect();
    let text = crate::import::spec_text(project, endpoints, &live, &policies)?;
    let name = match out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|err| CliError::WriteFile { path: path.display().to_string(), err })?;
            output::stderr(&format!("Wrote {}.\n", path.display()));
            path.display().to_string()
        }
        None => {
            write_stdout(&text)?;
            "the imported spec".to_string()
        }
    };
    if !adopt {
        return Ok(Outcome::Done);
    }
    // The written spec, read back like any spec: adoption is its plan, nothing else.
    // A written spec has no variables.
    let (desired, _) = desired_from(&Source::new(name, text), &Default::default(), colour)?;
    let plan = plan::diff(&resources::desired(&desired), &live);
    // stdout may hold the spec: the plan goes to stderr.
    output::stderr(&show_live_plan(&plan, &desired, OutputFormat::Human, &target, colour));
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    if !plan.blocked.is_empty() {
        return Err(CliError::Blocked(plan.blocked.len()));
    }
    if plan.steps.is_empty() {
        return Ok(Outcome::Done);
    }
    confirm(auto_approve, "import --adopt", "Do you want to adopt these endpoints?")?;
    // With the spec in a file, apply finishes the job; without one, the same import again.
    let rerun = match out {
        Some(path) => Rerun {
            command: "import --adopt",
            again: CommandLine::new("apply").arg(path.display().to_string()).aws(args),
            plan: CommandLine::new("plan").arg(path.display().to_string()).aws(args),
        },
        None => {
            let import =
                endpoints.iter().fold(CommandLine::new("import"), |line, e| line.arg(e)).opt("--project", project);
            Rerun { command: "import --adopt", again: import.clone().arg("--adopt").aws(args), plan: import.aws(args) }
        }
    };
    let changed = execute(&aws, &plan, project, &rerun, None, args, wait, colour).await?;
    output::stderr(&format!("Adopted: {} changed.\n", plural(changed, "endpoint")));
    Ok(Outcome::Done)
}
