//! Command-line arguments (clap) and dispatch. Each command loads what it needs, calls the
//! library and hands text to `output`; the exit code is returned to `main`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use thiserror::Error;

use crate::diagnostic::{self, Source};
use crate::live::LiveState;
use crate::model::Desired;
use crate::output::{self, ColorChoice};
use crate::plan;
use crate::render;
use crate::validate::{self, Validated};
use crate::{resources, spec};

/// Exit codes, as documented in README.md.
pub mod exit {
    pub const OK: u8 = 0;
    pub const ERROR: u8 = 1;
    /// `plan --detailed-exitcode`: the plan has changes.
    pub const CHANGES: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(
    name = "endpoint-scale",
    version,
    about = "Provision SageMaker real-time endpoints and their auto scaling from one YAML spec"
)]
pub struct Cli {
    /// When to use colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, default_value_t, global = true)]
    pub color: ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a spec and report every problem with its line and column.
    Validate {
        /// The spec file (YAML).
        spec: PathBuf,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        #[arg(long, short, value_enum, default_value_t)]
        output: OutputFormat,
    },
    /// Print the AWS API calls that create everything in the spec from nothing.
    Render {
        spec: PathBuf,
        #[arg(long, short, value_enum, default_value_t)]
        format: CallFormat,
    },
    /// Show what would change to make AWS match the spec.
    Plan {
        spec: PathBuf,
        /// Plan against an empty live state, without calling AWS.
        #[arg(long)]
        offline: bool,
        #[arg(long, short, value_enum, default_value_t)]
        output: OutputFormat,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Print the JSON Schema of the spec, for editors' YAML language servers.
    Schema,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CallFormat {
    /// A JSON array of {service, operation, input}.
    #[default]
    Json,
    /// A shell script of `aws ... --cli-input-json` commands.
    Shell,
}

/// Failures a command reports with exit code 1.
#[derive(Debug, Error)]
pub enum CliError {
    #[error("cannot read spec {path}: {err}")]
    Read { path: String, err: std::io::Error },
    #[error("spec {path} is not UTF-8 text")]
    NotUtf8 { path: String },
    #[error("spec {path} is invalid: {}", counts(*errors, *warnings))]
    Invalid { path: String, errors: usize, warnings: usize },
    #[error(
        "live plans are not available in this version: run `endpoint-scale plan {path} --offline` \
         to plan against an empty live state"
    )]
    LiveUnavailable { path: String },
    #[error("cannot write output: {0}")]
    Write(std::io::Error),
}

fn counts(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") };
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}

pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let colour = cli.color;
    match cli.command {
        Command::Validate { spec, strict, output } => validate_cmd(&spec, strict, output, colour),
        Command::Render { spec, format } => {
            let (source, desired) = load(&spec, colour)?;
            let calls = render::calls::create_calls(&resources::desired(&desired));
            let text = match format {
                CallFormat::Json => render::calls::to_json(&calls),
                CallFormat::Shell => render::calls::to_shell(&calls, &source.name, desired.region.as_deref()),
            };
            write_stdout(&text)
        }
        Command::Plan { spec, offline, output, detailed_exitcode } => {
            if !offline {
                return Err(CliError::LiveUnavailable { path: spec.display().to_string() });
            }
            let (_, desired) = load(&spec, colour)?;
            let plan = plan::diff(&resources::desired(&desired), &LiveState::default());
            let text = match output {
                OutputFormat::Human => render::human::render(
                    &plan,
                    &render::human::PlanContext { project: &desired.project, offline },
                    &colour.stdout(),
                ),
                OutputFormat::Json => render::json::render(
                    &plan,
                    &render::json::JsonContext {
                        project: &desired.project,
                        region: desired.region.as_deref(),
                        offline,
                    },
                ),
            };
            write_stdout(&text)?;
            Ok(ExitCode::from(if detailed_exitcode && plan.has_changes() { exit::CHANGES } else { exit::OK }))
        }
        Command::Schema => {
            let mut text = serde_json::to_string_pretty(&spec::json_schema()).unwrap_or_default();
            text.push('\n');
            write_stdout(&text)
        }
    }
}

fn write_stdout(text: &str) -> Result<ExitCode, CliError> {
    match output::stdout(text) {
        Ok(()) => Ok(ExitCode::from(exit::OK)),
        // `endpoint-scale render spec.yaml | head` is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::from(exit::OK)),
        Err(e) => Err(CliError::Write(e)),
    }
}

fn read_source(path: &Path) -> Result<Source, CliError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| CliError::Read { path: name.clone(), err })?;
    let text = String::from_utf8(bytes).map_err(|_| CliError::NotUtf8 { path: name.clone() })?;
    Ok(Source::new(name, text))
}

fn check(source: &Source) -> Validated {
    match spec::parse(source) {
        Ok(spec) => validate::validate(&spec),
        Err(mut diagnostics) => {
            diagnostics.sort_by_key(|d| (d.span.line, d.span.column));
            Validated { desired: None, diagnostics }
        }
    }
}

/// Reads and validates a spec; warnings go to stderr, errors make it fail.
fn load(path: &Path, colour: ColorChoice) -> Result<(Source, Desired), CliError> {
    let source = read_source(path)?;
    let validated = check(&source);
    if !validated.diagnostics.is_empty() {
        output::stderr(&diagnostic::render(&source, &validated.diagnostics, colour.stderr().enabled));
    }
    match validated.desired {
        Some(desired) => Ok((source, desired)),
        None => {
            Err(CliError::Invalid { path: source.name, errors: validated.errors(), warnings: validated.warnings() })
        }
    }
}

fn validate_cmd(path: &Path, strict: bool, format: OutputFormat, colour: ColorChoice) -> Result<ExitCode, CliError> {
    let source = read_source(path)?;
    let validated = check(&source);
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
            Ok(ExitCode::from(if failed { exit::ERROR } else { exit::OK }))
        }
        OutputFormat::Human => {
            if !validated.diagnostics.is_empty() {
                output::stderr(&diagnostic::render(&source, &validated.diagnostics, colour.stderr().enabled));
            }
            if failed {
                return Err(CliError::Invalid {
                    path: source.name,
                    errors: validated.errors(),
                    warnings: validated.warnings(),
                });
            }
            let desired = validated.desired.as_ref().expect("no errors means a model");
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

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}
