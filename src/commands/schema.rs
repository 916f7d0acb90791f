//! `schema`: the JSON Schema of the spec, for editors' YAML language servers.

use super::{write_stdout, CliError, Outcome};
use crate::spec;

pub fn run() -> Result<Outcome, CliError> {
    let mut text = serde_json::to_string_pretty(&spec::editor_schema()).unwrap_or_default();
    text.push('\n');
    write_stdout(&text)
}
