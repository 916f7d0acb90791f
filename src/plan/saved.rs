//! The file `plan --out` writes and `apply FILE` (and `show FILE`) reads: the spec the plan was
//! made from, the values of its variables, the options and `--target`s it was made with, the live state it was computed
//! against (with the account, region and time of that read), the plan's steps, a digest of all
//! of that and, when `ENDPOINT_SCALE_PLAN_KEY` is set, an HMAC signature.
//!
//! The live state is kept whole, not only its fingerprint, so that `show` can display the plan
//! exactly as `plan` did (changes with their before and after) without reading AWS: it recomputes
//! the plan from the embedded spec and live state, as apply does from the fresh one.
//!
//! A saved plan is verified, never trusted: `apply FILE` recomputes the plan from the spec inside
//! the file and the live state, and runs it only when its steps equal the saved ones (see
//! [`SavedPlan::check_steps`]). Whoever can write the artifact store can therefore make apply do
//! nothing the embedded spec does not already say, and the spec is what the plan showed. The
//! digest tells a corrupted or truncated file from a stale one; the signature lets a pipeline
//! accept only plans its own plan step wrote.
//!
//! The file holds the spec's environment values, secrets included, like a Terraform plan file:
//! it is written with mode 0600 (also when it replaces a file), never through a symbolic link.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{EndpointSteps, Options, Plan};
use crate::diagnostic::{plural, Source};
use crate::hint::CommandLine;
use crate::live::LiveState;
use crate::spec::vars::Value;

/// The format version this build writes and reads. 2 added the digest and the signature; 3 the
/// targets, the whole live state (instead of its fingerprint), the account, region and time,
/// and (only when the spec has variables) the variables' values.
const VERSION: u32 = 3;

/// The environment variable holding the key saved plans are signed and checked with.
pub const KEY_VARIABLE: &str = "ENDPOINT_SCALE_PLAN_KEY";

#[derive(Debug, thiserror::Error)]
pub enum SavedPlanError {
    #[error("{path} is not a plan file endpoint-scale can read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("the saved plan {path} is stale: the live state changed since it was made; make it again with `{again}`")]
    Stale { path: String, again: String },
    #[error(
        "the saved plan {path} does not match its own spec: {difference}; nothing was changed. A saved plan runs only the steps its spec gives against the live state: make the plan again with `{again}`"
    )]
    Differs { path: String, difference: String, again: String },
    #[error("{path}: {reason}")]
    Signature { path: String, reason: String },
    #[error(
        "the saved plan {path} was made with other variable values: {differing} differs; nothing was changed. A saved plan applies the values it was made with: run `{apply}` without these values, or make the plan again with them"
    )]
    Variables { path: String, differing: String, apply: String },
    #[error(
        "the saved plan {path} was made with other launch stages ({saved}); nothing was changed. A saved plan keeps the rollout timeline it showed: run `{apply}` without the launch flags, or make the plan again with them"
    )]
    Launch { path: String, saved: String, apply: String },
    #[error(
        "the saved plan {path} was made without {flag}; nothing was changed. A saved plan runs with the choices it was made with: run `{apply}` without {flag}, or make the plan again with it"
    )]
    Choice { path: String, flag: &'static str, apply: String },
    #[error(
        "the saved plan {path} was made against account {saved} (region {saved_region}), but these credentials and settings reach account {actual} (region {actual_region}); nothing was changed: use the credentials the plan was made with, or make a new plan"
    )]
    OtherAccount { path: String, saved: String, saved_region: String, actual: String, actual_region: String },
    #[error("cannot write {path}: {err}")]
    Write { path: String, err: std::io::Error },
    #[error(
        "{path} is a symbolic link: a saved plan holds the spec's secrets and is never written through a link; name a regular file"
    )]
    Symlink { path: String },
}

/// What the digest and the signature cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub spec_path: String,
    pub spec: String,
    /// The values of the spec's variables the plan was made with, which `apply FILE` uses
    /// (sensitive ones included, like the spec's environment values). Absent without variables,
    /// so plans of specs without variables read and digest as before.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, Value>,
    pub prune: bool,
    /// The per-run choices the plan was made with (`--raise-capacity`, the launch stages).
    #[serde(default)]
    pub options: Options,
    /// The endpoints the plan was limited to (`--target`); empty for the whole spec. Apply reads
    /// and plans only these again, so they are part of what the digest pins.
    pub targets: Vec<String>,
    /// Where and when the live state was read: the account (STS GetCallerIdentity), the region,
    /// and the time (RFC 3339, UTC).
    pub account: String,
    pub region: String,
    pub computed_at: String,
    /// The live state the plan was computed against: apply refuses the plan once AWS's differs.
    pub live: LiveState,
    pub steps: Vec<EndpointSteps>,
    /// The file carried a signature, which [`SavedPlan::parse`] checked (not part of the digest).
    #[serde(skip)]
    pub signed: bool,
}

/// Where a plan's live state was read, for [`SavedPlan::new`].
pub struct ReadFrom<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

#[derive(Serialize, Deserialize)]
struct PlanFile {
    endpoint_scale_plan: u32,
    #[serde(flatten)]
    plan: SavedPlan,
    digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SavedPlan {
    /// The plan `plan` (its steps and targets), made now from `source` with the variables'
    /// values `vars` against `live`.
    pub fn new(
        source: &Source,
        vars: BTreeMap<String, Value>,
        prune: bool,
        options: Options,
        live: &LiveState,
        from: &ReadFrom<'_>,
        plan: &Plan,
    ) -> Self {
        SavedPlan {
            spec_path: source.name.clone(),
            spec: source.text.clone(),
            vars,
            prune,
            options,
            targets: plan.targets.clone(),
            account: from.account.to_string(),
            region: from.region.to_string(),
            computed_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            live: live.clone(),
            steps: plan.steps.clone(),
            signed: false,
        }
    }

    /// `sha256:` and the hex digest of the embedded spec's text: what `sha256sum` says of the
    /// spec file the plan was made from, so a reviewer can tell it is the one they read.
    pub fn spec_digest(&self) -> String {
        format!("sha256:{}", hex(&Sha256::digest(self.spec.as_bytes())))
    }

    /// `sha256:` and the hex digest of the version and the content, serialized canonically
    /// (fields in declaration order, floats written so they read back exactly).
    fn digest(&self) -> String {
        let bytes = serde_json::to_vec(&(VERSION, self)).unwrap_or_default();
        format!("sha256:{}", hex(&Sha256::digest(&bytes)))
    }

    fn signature(digest: &str, key: &str) -> String {
        // HMAC takes keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
        mac.update(digest.as_bytes());
        format!("hmac-sha256:{}", hex(&mac.finalize().into_bytes()))
    }

    /// The file's text; signed when `key` is given.
    pub fn to_text(&self, key: Option<&str>) -> String {
        let digest = self.digest();
        let signature = key.map(|k| Self::signature(&digest, k));
        let file = PlanFile { endpoint_scale_plan: VERSION, plan: self.clone(), digest, signature };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Writes the file with mode 0600, replacing a file that is there (whatever its mode), never
    /// through a symbolic link. Signed with `ENDPOINT_SCALE_PLAN_KEY` when it is set.
    pub fn write(&self, path: &Path) -> Result<(), SavedPlanError> {
        let key = std::env::var(KEY_VARIABLE).ok().filter(|k| !k.is_empty());
        let name = path.display().to_string();
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(SavedPlanError::Symlink { path: name });
        }
        write_private(path, &self.to_text(key.as_deref())).map_err(|err| SavedPlanError::Write { path: name, err })
    }

    /// `Ok(None)` when the file is not a saved plan at all (it is then read as a spec). A file
    /// that names itself a saved plan but does not read as one, or whose digest or signature
    /// does not match, is an error.
    pub fn parse(file: &Source) -> Result<Option<SavedPlan>, SavedPlanError> {
        Self::parse_with_key(file, std::env::var(KEY_VARIABLE).ok().filter(|k| !k.is_empty()).as_deref())
    }

    fn parse_with_key(file: &Source, key: Option<&str>) -> Result<Option<SavedPlan>, SavedPlanError> {
        if !file.text.contains("\"endpoint_scale_plan\"") {
            return Ok(None);
        }
        let unreadable = |reason: String| SavedPlanError::Unreadable { path: file.name.clone(), reason };
        let value: serde_json::Value =
            serde_json::from_str(&file.text).map_err(|e| unreadable(format!("it is corrupted or truncated ({e})")))?;
        match value.get("endpoint_scale_plan").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => return Err(unreadable(format!("plan file version {v} (this build reads {VERSION})"))),
            None => return Err(unreadable("it has no format version".to_string())),
        }
        let mut saved: PlanFile = serde_json::from_value(value).map_err(|e| unreadable(e.to_string()))?;
        let digest = saved.plan.digest();
        if saved.digest != digest {
            return Err(unreadable(
                "its digest does not match its contents: it was changed or corrupted after `plan --out` wrote it"
                    .to_string(),
            ));
        }
        let signature_error = |reason: String| SavedPlanError::Signature { path: file.name.clone(), reason };
        match (key, &saved.signature) {
            (Some(key), Some(signature)) if *signature == Self::signature(&digest, key) => {}
            (Some(_), Some(_)) => {
                return Err(signature_error(format!(
                    "its signature does not match: it was changed, or signed with another {KEY_VARIABLE}"
                )))
            }
            (Some(_), None) => {
                return Err(signature_error(format!(
                "the plan is not signed, but {KEY_VARIABLE} is set: only signed plans are accepted where a key is set"
            )))
            }
            (None, Some(_)) => {
                return Err(signature_error(format!(
                    "the plan is signed: set {KEY_VARIABLE} to the key it was signed with"
                )))
            }
            (None, None) => {}
        }
        saved.plan.live.relink();
        saved.plan.signed = saved.signature.is_some();
        Ok(Some(saved.plan))
    }

    /// Refuses the plan when it is applied to another account or region than it was made
    /// against, or when the live state is no longer the one it was computed against.
    pub fn check_fresh(
        &self,
        path: &str,
        from: &ReadFrom<'_>,
        live: &LiveState,
        again: &CommandLine,
    ) -> Result<(), SavedPlanError> {
        if (from.account, from.region) != (self.account.as_str(), self.region.as_str()) {
            return Err(SavedPlanError::OtherAccount {
                path: path.to_string(),
                saved: self.account.clone(),
                saved_region: self.region.clone(),
                actual: from.account.to_string(),
                actual_region: from.region.to_string(),
            });
        }
        if live.fingerprint() == self.live.fingerprint() {
            Ok(())
        } else {
            Err(SavedPlanError::Stale { path: path.to_string(), again: again.to_string() })
        }
    }

    /// The command line that makes this plan again from its spec into `path`, with the options
    /// and `--target`s it was made with. Variables' values are not repeated on it (they may be
    /// sensitive): the user gives them again as they did.
    pub fn plan_again(&self, path: &str) -> CommandLine {
        let line = CommandLine::new("plan").arg(&self.spec_path);
        let line = self.targets.iter().fold(line, |line, target| line.opt("--target", target));
        let line = line.flag_if(self.prune, "--prune").flag_if(self.options.raise_capacity, "--raise-capacity");
        let line = self.launch_flags().into_iter().fold(line, |line, (flag, value)| line.opt(flag, value));
        line.opt("--out", path)
    }

    /// The launch stage flags the plan was made with, each whose value differs from the default:
    /// `("--provision-minutes", "4")`.
    pub fn launch_flags(&self) -> Vec<(&'static str, String)> {
        let (used, d) = (self.options.launch(), super::Launch::DEFAULT);
        [
            ("--provision-minutes", used.provision_minutes, d.provision_minutes),
            ("--image-pull-minutes", used.image_pull_minutes, d.image_pull_minutes),
            ("--model-load-minutes", used.model_load_minutes, d.model_load_minutes),
        ]
        .into_iter()
        .filter(|(_, used, default)| used != default)
        .map(|(flag, used, _)| (flag, used.to_string()))
        .collect()
    }

    /// Refuses the plan unless its steps are exactly those `recomputed` (from the embedded spec
    /// and the live state) gives, saying where they first differ.
    pub fn check_steps(&self, path: &str, recomputed: &Plan, again: &CommandLine) -> Result<(), SavedPlanError> {
        let differs = |difference: String| SavedPlanError::Differs {
            path: path.to_string(),
            difference,
            again: again.to_string(),
        };
        // Steps are compared as written to the file (fields that are never saved do not count),
        // and described by operation and resource only: their attributes may hold secrets.
        type Flat = Vec<(String, String, Option<serde_json::Value>)>;
        let flat = |steps: &[EndpointSteps]| -> Flat {
            steps
                .iter()
                .flat_map(|e| e.steps.iter().map(|s| (e.endpoint.clone(), s.describe(), serde_json::to_value(s).ok())))
                .collect()
        };
        let (saved, fresh) = (flat(&self.steps), flat(&recomputed.steps));
        for (i, (a, b)) in saved.iter().zip(&fresh).enumerate() {
            if (&a.0, &a.1) != (&b.0, &b.1) {
                return Err(differs(format!(
                    "step {} is `{}: {}` in the file but `{}: {}` from the spec",
                    i + 1,
                    a.0,
                    a.1,
                    b.0,
                    b.1
                )));
            }
            if a.2 != b.2 {
                return Err(differs(format!(
                    "step {} (`{}: {}`) has attributes that differ from what the spec gives",
                    i + 1,
                    a.0,
                    a.1
                )));
            }
        }
        if saved.len() != fresh.len() {
            return Err(differs(format!(
                "the file has {}, the spec gives {}",
                plural(saved.len(), "step"),
                fresh.len()
            )));
        }
        Ok(())
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    // A fresh file (mode 0600 from the start) renamed over the target: the mode of a file being
    // replaced never carries over, and no reader sees half a plan.
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&temp).and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()));
    match written.and_then(|()| std::fs::rename(&temp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Step;

    fn saved() -> SavedPlan {
        SavedPlan {
            spec_path: "s.yaml".into(),
            spec: "version: 1\n".into(),
            vars: BTreeMap::new(),
            prune: false,
            options: Options::default(),
            targets: vec!["e".into()],
            account: "123456789012".into(),
            region: "us-east-1".into(),
            computed_at: "2026-11-02T08:00:00Z".into(),
            live: LiveState::default(),
            signed: false,
            steps: vec![EndpointSteps {
                endpoint: "e".into(),
                steps: vec![Step::DeleteModel { name: "e-0a1b2c3d".into() }],
                restore: Vec::new(),
            }],
        }
    }

    fn read(text: &str, key: Option<&str>) -> Result<Option<SavedPlan>, String> {
        SavedPlan::parse_with_key(&Source::new("x.plan", text), key).map_err(|e| e.to_string())
    }

    #[test]
    fn a_written_plan_reads_back_with_and_without_a_key() {
        assert_eq!(read(&saved().to_text(None), None), Ok(Some(saved())));
        let signed = SavedPlan { signed: true, ..saved() };
        assert_eq!(read(&saved().to_text(Some("k")), Some("k")), Ok(Some(signed)));
    }

    #[test]
    fn variable_values_are_saved_and_covered_by_the_digest() {
        let with_vars = SavedPlan {
            vars: [("max".to_string(), Value::Number("8".into())), ("env".to_string(), Value::String("prod".into()))]
                .into(),
            ..saved()
        };
        let text = with_vars.to_text(None);
        assert!(text.contains("\"vars\": {\n    \"env\": {\n      \"string\": \"prod\"\n    },"), "{text}");
        assert_eq!(read(&text, None), Ok(Some(with_vars)));
        assert!(read(&text.replace("\"8\"", "\"80\""), None).unwrap_err().contains("its digest does not match"));
        // Without variables the file is what it was before they existed.
        assert!(!saved().to_text(None).contains("vars"));
    }

    #[test]
    fn launch_stages_are_saved_and_repeated_by_plan_again() {
        let launch = crate::plan::Launch { provision_minutes: 4, image_pull_minutes: 1, model_load_minutes: 2 };
        let staged = SavedPlan { options: Options { launch: Some(launch), ..Options::default() }, ..saved() };
        assert_eq!(read(&staged.to_text(None), None), Ok(Some(staged.clone())));
        assert_eq!(staged.launch_flags(), [("--provision-minutes", "4".to_string())]);
        assert_eq!(
            staged.plan_again("x.plan").to_string(),
            "endpoint-scale plan s.yaml --target e --provision-minutes 4 --out x.plan"
        );
    }

    #[test]
    fn a_spec_is_not_a_plan() {
        assert_eq!(read("version: 1\nproject: p\n", None), Ok(None));
    }

    #[test]
    fn edited_truncated_and_foreign_files_are_refused() {
        let text = saved().to_text(None);
        assert_eq!(
            read(&text.replace("e-0a1b2c3d", "someone-else"), None),
            Err("x.plan is not a plan file endpoint-scale can read: its digest does not match its contents: it was changed or corrupted after `plan --out` wrote it".into())
        );
        let truncated = read(&text[..text.len() / 2], None).unwrap_err();
        assert!(
            truncated.starts_with("x.plan is not a plan file endpoint-scale can read: it is corrupted or truncated ("),
            "{truncated}"
        );
        assert_eq!(
            read(&text.replace("\"endpoint_scale_plan\": 3", "\"endpoint_scale_plan\": 2"), None),
            Err("x.plan is not a plan file endpoint-scale can read: plan file version 2 (this build reads 3)".into())
        );
    }

    #[test]
    fn signatures_are_checked_both_ways() {
        let signed = saved().to_text(Some("k"));
        assert_eq!(
            read(&signed, Some("other")),
            Err("x.plan: its signature does not match: it was changed, or signed with another ENDPOINT_SCALE_PLAN_KEY"
                .into())
        );
        assert_eq!(
            read(&signed, None),
            Err("x.plan: the plan is signed: set ENDPOINT_SCALE_PLAN_KEY to the key it was signed with".into())
        );
        assert_eq!(
            read(&saved().to_text(None), Some("k")),
            Err("x.plan: the plan is not signed, but ENDPOINT_SCALE_PLAN_KEY is set: only signed plans are accepted where a key is set".into())
        );
    }

    #[test]
    fn steps_must_be_what_the_spec_gives() {
        let plan = Plan { steps: saved().steps, ..Plan::default() };
        let again = saved().plan_again("x.plan");
        assert!(saved().check_steps("x.plan", &plan, &again).is_ok());
        let mut extra = saved();
        extra.steps[0].steps.push(Step::DeleteEndpoint { endpoint: "victim".into() });
        assert_eq!(
            extra.check_steps("x.plan", &plan, &again).unwrap_err().to_string(),
            "the saved plan x.plan does not match its own spec: the file has 2 steps, the spec gives 1; nothing was changed. A saved plan runs only the steps its spec gives against the live state: make the plan again with `endpoint-scale plan s.yaml --target e --out x.plan`"
        );
    }
}
