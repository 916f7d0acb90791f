//! `show PLANFILE`: a plan saved with `plan --out`, in the views `plan` uses, without applying it
//! and without AWS access. The file is verified as `apply` verifies it (format version, digest,
//! signature with ENDPOINT_SCALE_PLAN_KEY when set), and the plan recomputed from the embedded
//! spec and live state must have exactly the saved steps; only the freshness check against AWS,
//! which needs AWS, is left to `apply`. Above the plan it says what it was computed against.
//!
//! A plan made with variables is shown with the values it pins, as `apply FILE` uses them: values
//! given now (`--var`, `--var-file`, `ENDPOINT_SCALE_VAR_<NAME>`) play no part, and sensitive
//! values are never printed, in the header or the JSON (`(sensitive)` / `"sensitive": true`).

use std::path::Path;

use serde_json::json;

use super::{desired_from, read_text, show_live_plan, targets, write_stdout, CliError, Outcome, Target};
use crate::cli::OutputFormat;
use crate::diagnostic::Source;
use crate::hint::CommandLine;
use crate::output::ColorChoice;
use crate::plan::saved::{SavedPlan, SavedPlanError, KEY_VARIABLE};
use crate::secrets::MASK;
use crate::spec::vars::{Inputs, Pinned, Variables};
use crate::{plan, render, resources};

pub fn run(path: &Path, format: OutputFormat, colour: ColorChoice) -> Result<Outcome, CliError> {
    let file = read_text(path)?;
    let saved = SavedPlan::parse(&file)?.ok_or_else(|| SavedPlanError::Unreadable {
        path: file.name.clone(),
        reason: format!(
            "it is not a saved plan (those are written by `endpoint-scale plan --out FILE`); for the plan of a spec, run `{}`",
            CommandLine::new("plan").arg(&file.name)
        ),
    })?;
    let source = Source::new(saved.spec_path.clone(), saved.spec.clone());
    // The pinned values alone: nothing given at this run changes what the plan was.
    let inputs =
        Inputs { pinned: Some(Pinned { plan: file.name.clone(), values: saved.vars.clone() }), ..Inputs::default() };
    let (desired, variables) = desired_from(&source, &inputs, colour)?;
    let (desired, selected) = targets::select(desired, &saved.targets, saved.prune)?;
    let mut plan = plan::diff_with(&resources::desired(&desired), &saved.live, &saved.options);
    plan.targets = selected;
    saved.check_steps(&file.name, &plan, &saved.plan_again(&file.name))?;
    let target = Target { region: saved.region.clone(), account: saved.account.clone() };
    let text = match format {
        OutputFormat::Human => {
            let mut text = header(&file.name, &saved, &variables);
            text.push_str(&show_live_plan(&plan, &desired, OutputFormat::Human, &target, colour));
            text.push_str(&format!(
                "\nThis is the plan as it was made: `{}` checks it against AWS first, and refuses it if AWS has changed since.\n",
                CommandLine::new("apply").arg(&file.name)
            ));
            text
        }
        OutputFormat::Json => {
            let ctx = render::json::JsonContext {
                project: &desired.project,
                region: Some(&saved.region),
                account: Some(&saved.account),
                offline: false,
            };
            let mut doc = render::json::document(&plan, &ctx);
            doc["saved_plan"] = json!({
                "path": file.name,
                "computed_at": saved.computed_at,
                "account": saved.account,
                "region": saved.region,
                "spec_path": saved.spec_path,
                "spec_digest": saved.spec_digest(),
                "targets": saved.targets,
                "prune": saved.prune,
                "raise_capacity": saved.options.raise_capacity,
                "launch": saved.options.launch(),
                "signed": saved.signed,
                "variables": variables
                    .visible()
                    .map(|(name, value)| {
                        let shown = match value {
                            Some(value) => json!({ "value": value.to_json(), "sensitive": false }),
                            None => json!({ "sensitive": true }),
                        };
                        (name.to_string(), shown)
                    })
                    .collect::<serde_json::Map<_, _>>(),
            });
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
    };
    write_stdout(&text)
}

/// Where and when the plan was made, from what (the spec and its variables' values), with which
/// choices, and whether it is signed.
fn header(path: &str, saved: &SavedPlan, variables: &Variables) -> String {
    let mut text = format!(
        "Saved plan {path}, made {} against account {}, region {}\n  spec:      {} ({})\n",
        saved.computed_at,
        saved.account,
        saved.region,
        saved.spec_path,
        saved.spec_digest()
    );
    for (i, (name, value)) in variables.visible().enumerate() {
        let label = if i == 0 { "variables:" } else { "" };
        let shown = value.map_or(MASK.to_string(), |v| format!("`{}`", one_line(&v.text())));
        text.push_str(&format!("  {label:<10} {name} = {shown}\n"));
    }
    if !saved.targets.is_empty() {
        text.push_str(&format!("  targets:   {}\n", saved.targets.join(", ")));
    }
    let mut options: Vec<String> = [(saved.prune, "--prune"), (saved.options.raise_capacity, "--raise-capacity")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, flag)| flag.to_string())
        .collect();
    // The launch stages that differ from the defaults, as plan was given them.
    options.extend(saved.launch_flags().into_iter().map(|(flag, value)| format!("{flag} {value}")));
    if !options.is_empty() {
        text.push_str(&format!("  options:   {}\n", options.join(" ")));
    }
    if saved.signed {
        text.push_str(&format!("  signature: HMAC-SHA256, verified with {KEY_VARIABLE}\n"));
    } else {
        text.push_str(&format!("  signature: none ({KEY_VARIABLE} was not set when it was made)\n"));
    }
    text.push('\n');
    text
}

/// `text` on one line of the header: control characters (a line break, say) are escaped.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}
