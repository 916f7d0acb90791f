//! `--target ENDPOINT` (plan, apply, diff, destroy): limit a run to some endpoints of the spec,
//! like Terraform's `-target`. The desired state is narrowed before anything is read, so the
//! other endpoints are neither read from AWS nor planned, applied, compared or destroyed; and
//! since `live::read` looks for the configs and models an endpoint no longer uses by the names of
//! the endpoints it reads, that clean-up covers the targeted endpoints' resources only.

use thiserror::Error;

use crate::diagnostic::did_you_mean;
use crate::model::Desired;

#[derive(Debug, Error)]
pub enum TargetError {
    #[error("--target {name}: the spec has no endpoint of that name{suggestion}; its endpoints are {list}")]
    Unknown { name: String, suggestion: String, list: String },
    #[error(
        "--target and --prune cannot be combined: --prune deletes endpoints that left the spec, and --target names endpoints of the spec. Run the targeted command without --prune, then the prune on its own"
    )]
    WithPrune,
    #[error(
        "--target does not apply to a saved plan: the plan keeps the targets it was made with (`endpoint-scale show FILE` lists them); make a new plan with `plan --target ... --out FILE`"
    )]
    SavedPlan,
}

/// The spec narrowed to `targets` (all of it when there are none), and the targeted endpoints in
/// spec order, each once. An unknown name fails with the closest endpoint name and the list.
pub fn select(mut desired: Desired, targets: &[String], prune: bool) -> Result<(Desired, Vec<String>), TargetError> {
    if targets.is_empty() {
        return Ok((desired, Vec::new()));
    }
    if prune {
        return Err(TargetError::WithPrune);
    }
    let names: Vec<&str> = desired.endpoints.iter().map(|e| e.name.as_str()).collect();
    if let Some(unknown) = targets.iter().find(|t| !names.contains(&t.as_str())) {
        let suggestion = did_you_mean(unknown, names.iter().copied())
            .map(|best| format!(" (did you mean `{best}`?)"))
            .unwrap_or_default();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        return Err(TargetError::Unknown { name: unknown.clone(), suggestion, list: sorted.join(", ") });
    }
    desired.endpoints.retain(|e| targets.contains(&e.name));
    let selected = desired.endpoints.iter().map(|e| e.name.clone()).collect();
    Ok((desired, selected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EndpointModel;

    fn desired(names: &[&str]) -> Desired {
        Desired {
            project: "p".into(),
            region: None,
            endpoints: names
                .iter()
                .map(|n| EndpointModel {
                    name: n.to_string(),
                    tags: Default::default(),
                    variants: Vec::new(),
                    adopt: false,
                    kms_key_id: None,
                    data_capture: None,
                    rollout: None,
                })
                .collect(),
        }
    }

    fn names(d: &Desired) -> Vec<&str> {
        d.endpoints.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn no_target_keeps_the_whole_spec() {
        let (d, selected) = select(desired(&["a", "b"]), &[], true).unwrap();
        assert_eq!((names(&d), selected), (vec!["a", "b"], Vec::<String>::new()));
    }

    #[test]
    fn targets_keep_spec_order_once_each() {
        let targets = ["c".to_string(), "a".to_string(), "c".to_string()];
        let (d, selected) = select(desired(&["a", "b", "c"]), &targets, false).unwrap();
        assert_eq!(names(&d), vec!["a", "c"]);
        assert_eq!(selected, vec!["a", "c"]);
    }

    #[test]
    fn unknown_names_suggest_the_closest_and_list_all() {
        let err = select(desired(&["recommender", "fraud"]), &["recomender".into()], false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--target recomender: the spec has no endpoint of that name (did you mean `recommender`?); its endpoints are fraud, recommender"
        );
        let err = select(desired(&["recommender"]), &["zzz".into()], false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--target zzz: the spec has no endpoint of that name; its endpoints are recommender"
        );
    }

    #[test]
    fn prune_and_targets_exclude_each_other() {
        assert!(matches!(select(desired(&["a"]), &["a".into()], true), Err(TargetError::WithPrune)));
    }
}
