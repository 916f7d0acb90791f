//! `import`: writes a spec for endpoints that exist (made by hand or by another tool) so a team
//! can adopt them, and with `--adopt` tags them as owned and moves their invocations policy to
//! endpoint-scale's policy name, after which `plan` shows no changes.
//!
//! The written spec references the endpoints' models as `existing:` (endpoint-scale never
//! changes or deletes those) and keeps live counts, weights, bounds, targets and schedules.

use std::fmt::Write as _;

use crate::aws::{Aws, AwsResult};
use crate::live::{LiveEndpoint, LiveState, Ownership};
use crate::model::Tags;
use crate::resources::{PolicyResource, POLICY_NAME, TAG_ENDPOINT, TAG_MANAGED, TAG_PREFIX, TAG_PROJECT};

/// Invocations target tracking policies of the imported endpoints under any name.
pub async fn foreign_policies<A: Aws>(aws: &A, live: &LiveState) -> AwsResult<Vec<PolicyResource>> {
    let all = aws.describe_scaling_policies(&[]).await?;
    Ok(all.into_iter().filter(|p| live.endpoints.contains_key(&p.endpoint)).collect())
}

fn policy_of<'a>(policies: &'a [PolicyResource], endpoint: &str, variant: &str) -> Option<&'a PolicyResource> {
    let mine = policies.iter().filter(|p| p.endpoint == endpoint && p.variant == variant);
    // Prefer endpoint-scale's own policy when a variant has both.
    let list: Vec<&PolicyResource> = mine.collect();
    list.iter().find(|p| p.policy_name == POLICY_NAME).or(list.first()).copied()
}

/// A YAML scalar: plain when that reads back as the same string, else double-quoted (JSON
/// escaping is valid YAML).
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '/')
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        && text.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && !matches!(text.to_ascii_lowercase().as_str(), "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~")
        && text.parse::<f64>().is_err();
    if plain {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_default()
    }
}

fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

fn user_tags(tags: &Tags) -> Vec<(&String, &String)> {
    tags.iter().filter(|(k, _)| !k.starts_with(TAG_PREFIX) && !k.starts_with("aws:")).collect()
}

pub fn spec_text(project: &str, endpoints: &[String], live: &LiveState, policies: &[PolicyResource]) -> String {
    let mut y = String::new();
    let _ = writeln!(y, "# Written by `endpoint-scale import` from the live endpoints {}.", endpoints.join(", "));
    let _ = writeln!(
        y,
        "# With `--adopt` the endpoints were also tagged as managed by this project; without it, review
# this spec, then run `endpoint-scale import --adopt ...` so that endpoint-scale manages them."
    );
    let _ = writeln!(y, "version: 1");
    let _ = writeln!(y, "project: {}", scalar(project));
    let _ = writeln!(y, "endpoints:");
    for name in endpoints {
        if let Some(e) = live.endpoints.get(name) {
            endpoint(&mut y, e, policies);
        }
    }
    y
}

fn endpoint(y: &mut String, e: &LiveEndpoint, policies: &[PolicyResource]) {
    let name = &e.desc.name;
    let _ = writeln!(y, "  - name: {}", scalar(name));
    let tags = user_tags(&e.tags);
    if !tags.is_empty() {
        let _ = writeln!(y, "    tags:");
        for (k, v) in tags {
            let _ = writeln!(y, "      {}: {}", scalar(k), scalar(v));
        }
    }
    let _ = writeln!(y, "    variants:");
    let Some(config) = &e.config else { return };
    for v in &config.variants {
        let (count, weight) = e.desc.variant(&v.name).unwrap_or((None, None));
        let target = e.targets.iter().find(|t| t.variant == v.name);
        let count = count.unwrap_or(v.initial_instance_count);
        let count = target.map_or(count, |t| count.clamp(t.min_capacity.max(1), t.max_capacity.max(1)));
        let _ = writeln!(y, "      - name: {}", scalar(&v.name));
        let _ = writeln!(y, "        instance_type: {}", scalar(&v.instance_type));
        let _ = writeln!(y, "        initial_instance_count: {count}");
        let _ = writeln!(y, "        initial_weight: {}", number(weight.unwrap_or(v.initial_weight)));
        let _ = writeln!(y, "        model:");
        let _ = writeln!(y, "          existing: {}", scalar(&v.model_name));
        let Some(t) = target else { continue };
        let _ = writeln!(y, "        autoscaling:");
        let _ = writeln!(y, "          min: {}", t.min_capacity);
        let _ = writeln!(y, "          max: {}", t.max_capacity);
        match policy_of(policies, name, &v.name) {
            Some(p) => {
                let _ = writeln!(y, "          target:");
                let _ = writeln!(y, "            invocations_per_instance: {}", number(p.target_value));
                let _ = writeln!(y, "          scale_in_cooldown: {}", p.scale_in_cooldown);
                let _ = writeln!(y, "          scale_out_cooldown: {}", p.scale_out_cooldown);
                if p.disable_scale_in {
                    let _ = writeln!(y, "          disable_scale_in: true");
                }
            }
            None => {
                let _ = writeln!(y, "          # No invocations target tracking policy was found: set a target.");
                let _ = writeln!(y, "          target:");
                let _ = writeln!(y, "            invocations_per_instance: 0");
            }
        }
        let schedules: Vec<_> = e.schedules.iter().filter(|s| s.variant == v.name).collect();
        if schedules.is_empty() {
            continue;
        }
        let _ = writeln!(y, "          schedules:");
        for s in schedules {
            let _ = writeln!(y, "            - name: {}", scalar(&s.name));
            let _ = writeln!(y, "              schedule: {}", scalar(&s.schedule));
            if let Some(tz) = &s.timezone {
                let _ = writeln!(y, "              timezone: {}", scalar(tz));
            }
            if let Some(t) = &s.start_time {
                let _ = writeln!(y, "              start_time: {}", scalar(t));
            }
            if let Some(t) = &s.end_time {
                let _ = writeln!(y, "              end_time: {}", scalar(t));
            }
            if let Some(n) = s.min_capacity {
                let _ = writeln!(y, "              min: {n}");
            }
            if let Some(n) = s.max_capacity {
                let _ = writeln!(y, "              max: {n}");
            }
        }
    }
}

/// Tags the endpoints as owned by `project` and moves each variant's invocations policy to
/// endpoint-scale's policy name. Returns a line per change made.
pub async fn adopt<A: Aws>(
    aws: &A,
    project: &str,
    endpoints: &[String],
    live: &LiveState,
    policies: &[PolicyResource],
) -> AwsResult<Vec<String>> {
    let mut done = Vec::new();
    for name in endpoints {
        let Some(e) = live.endpoints.get(name) else { continue };
        if e.ownership != Ownership::Ours {
            let tags: Tags = [(TAG_MANAGED, "true"), (TAG_PROJECT, project), (TAG_ENDPOINT, name.as_str())]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            aws.add_tags(&e.desc.arn, &tags).await?;
            done.push(format!("{name}: tagged as managed by endpoint-scale project {project:?}"));
        }
        for t in &e.targets {
            let Some(p) = policy_of(policies, name, &t.variant) else { continue };
            if p.policy_name == POLICY_NAME {
                continue;
            }
            let ours = PolicyResource { policy_name: POLICY_NAME.to_string(), ..p.clone() };
            aws.put_scaling_policy(&ours).await?;
            aws.delete_scaling_policy(name, &t.variant, &p.policy_name).await?;
            done.push(format!(
                "{name}/{}: scaling policy {:?} now named {POLICY_NAME:?} (same target and cooldowns)",
                t.variant, p.policy_name
            ));
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_quote_only_when_needed() {
        assert_eq!(scalar("ml.c5.large"), "ml.c5.large");
        assert_eq!(scalar("cron(0 8 ? * MON-FRI *)"), "cron(0 8 ? * MON-FRI *)");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("2026-12-01T00:00:00Z"), "2026-12-01T00:00:00Z");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("123"), "\"123\"");
        assert_eq!(scalar("*x"), "\"*x\"");
    }
}
