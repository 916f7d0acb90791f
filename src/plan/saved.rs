//! The file `plan --out` writes and `apply FILE` reads: the spec the plan was made from, a
//! fingerprint of the live state it was computed against, and its steps. `apply FILE` refuses
//! a plan whose live state has changed since (it is stale).
//!
//! The file holds the spec's environment values, secrets included, like a Terraform plan file:
//! it is written with mode 0600 and belongs where the spec is kept.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{EndpointSteps, Plan};
use crate::diagnostic::Source;
use crate::live::LiveState;

/// The format version this build writes and reads.
const VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("{path} is not a plan file endpoint-scale can read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error(
        "the saved plan {path} is stale: the live state changed since it was made; run `endpoint-scale plan` again"
    )]
    Stale { path: String },
    #[error("cannot write {path}: {err}")]
    Write { path: String, err: std::io::Error },
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SavedPlan {
    endpoint_scale_plan: u32,
    pub spec_path: String,
    pub spec: String,
    pub prune: bool,
    live_fingerprint: String,
    pub steps: Vec<EndpointSteps>,
}

impl SavedPlan {
    pub fn new(source: &Source, prune: bool, live: &LiveState, plan: &Plan) -> Self {
        SavedPlan {
            endpoint_scale_plan: VERSION,
            spec_path: source.name.clone(),
            spec: source.text.clone(),
            prune,
            live_fingerprint: live.fingerprint(),
            steps: plan.steps.clone(),
        }
    }

    pub fn write(&self, path: &Path) -> Result<(), SavedPlanError> {
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        write_private(path, &text).map_err(|err| SavedPlanError::Write { path: path.display().to_string(), err })
    }

    /// `Ok(None)` when the file is not a saved plan at all (it is then read as a spec).
    pub fn parse(file: &Source) -> Result<Option<SavedPlan>, SavedPlanError> {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&file.text) else { return Ok(None) };
        if value.get("endpoint_scale_plan").is_none() {
            return Ok(None);
        }
        let unreadable = |reason: String| SavedPlanError::Unreadable { path: file.name.clone(), reason };
        let saved: SavedPlan = serde_json::from_value(value).map_err(|e| unreadable(e.to_string()))?;
        if saved.endpoint_scale_plan != VERSION {
            return Err(unreadable(format!(
                "plan file version {} (this build reads {VERSION})",
                saved.endpoint_scale_plan
            )));
        }
        Ok(Some(saved))
    }

    /// Refuses the plan when the live state is no longer the one it was computed against.
    pub fn check_fresh(&self, path: &str, live: &LiveState) -> Result<(), SavedPlanError> {
        if live.fingerprint() == self.live_fingerprint {
            Ok(())
        } else {
            Err(SavedPlanError::Stale { path: path.to_string() })
        }
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}
