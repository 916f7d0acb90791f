//! `validate`: every diagnostic of a spec, for people (with source snippets) or as JSON for CI
//! annotations.

use std::path::Path;

use super::{check, plural, read_text, render_diagnostics, var_inputs, write_stdout, CliError, Outcome};
use crate::cli::{OutputFormat, VarArgs};
use crate::output::{self, ColorChoice};

pub fn run(
    path: &Path,
    strict: bool,
    format: OutputFormat,
    vars: &VarArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let source = read_text(path)?;
    let inputs = var_inputs(vars)?;
    let (validated, _) = check(&source, &inputs);
    let failed = validated.errors() > 0 || (strict && validated.warnings() > 0);
    match format {
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "file": source.name,
                "valid": !failed,
                "errors": validated.errors(),
                "warnings": validated.warnings(),
                "diagnostics": validated.diagnostics,
            });
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            write_stdout(&text)?;
            Ok(if failed { Outcome::Failed } else { Outcome::Done })
        }
        OutputFormat::Human => {
            if !validated.diagnostics.is_empty() {
                output::stderr(&render_diagnostics(&source, &inputs, &validated, colour));
            }
            if failed {
                return Err(CliError::Invalid {
                    path: source.name,
                    errors: validated.errors(),
                    warnings: validated.warnings(),
                });
            }
            let Some(desired) = validated.desired.as_ref() else {
                // No errors always yields a model; should that ever break, say so rather than panic.
                return Err(CliError::Invalid { path: source.name, errors: 0, warnings: validated.warnings() });
            };
            let variants: usize = desired.endpoints.iter().map(|e| e.variants.len()).sum();
            let schedules: usize = desired
                .endpoints
                .iter()
                .flat_map(|e| &e.variants)
                .filter_map(|v| v.scaling.as_ref())
                .map(|s| s.schedules.len())
                .sum();
            let mut line = format!(
                "{}: valid ({}, {}, {})",
                source.name,
                plural(desired.endpoints.len(), "endpoint"),
                plural(variants, "variant"),
                plural(schedules, "scheduled action")
            );
            if validated.warnings() > 0 {
                line.push_str(&format!(" with {}", plural(validated.warnings(), "warning")));
            }
            line.push('\n');
            write_stdout(&line)
        }
    }
}
