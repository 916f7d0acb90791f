//! `recommend SPEC`: the variant a spec already runs, as the search's starting point and the
//! baseline of its answer.
//!
//! From the spec come the variant's load test (the figure capacity scales from, and the instance
//! type it ran on: the variant's own), its safety factor and time zone, and its current
//! configuration, simulated on the same traffic as the candidates. Once the search is done, the
//! winner becomes a change to that variant: the spec rewritten with it
//! (`spec::write::replace_variant`, every other line kept), the fields that change (the current
//! and the rewritten variant compared after validation, so both are in the same terms), the
//! monthly saving, and the verdict sentence `simulate --compare` gives.

use serde::Serialize;

use super::engine::Params;
use super::prices::PriceTable;
use super::recommend::{self, Ranked};
use super::{limits, SimError, VariantResult, Verdict};
use crate::diagnostic::Source;
use crate::model::{Desired, EndpointModel, ScalingMetric, VariantModel, DEFAULT_SAFETY_FACTOR};
use crate::spec::{self, Pos, Spec, TargetSpec};
use crate::validate::format_duration;

/// Why the spec's variant cannot be the starting point.
#[derive(Debug, thiserror::Error)]
pub enum CurrentError {
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error(
        "variant {variant} states no load test: add its `max_rps_per_instance` (requests per second one {instance_type} instance serves, from a load test), or pass --max-rps-per-instance (and --tested-on TYPE if the load test ran on another instance type)"
    )]
    NoLoadTest { variant: String, instance_type: String },
    #[error(
        "--max-rps-per-instance {flag} disagrees with the spec: variant {variant} has `{key}: {spec}` ({at}); drop the flag, or change the spec"
    )]
    RpsDisagrees { flag: String, spec: String, key: &'static str, variant: String, at: String },
    #[error(
        "--tested-on {flag} disagrees with the spec: the `{key}` of variant {variant} ({at}) is the load test of its own instance type, {instance_type}; drop the flag, or change the spec"
    )]
    TestedOnDisagrees { flag: String, key: &'static str, variant: String, at: String, instance_type: String },
    #[error(
        "the `{key}` of variant {variant} ({at}) is {value}; recommend searches from {range} requests per second",
        range = limits::range(&limits::MAX_RPS_PER_INSTANCE)
    )]
    RpsOutOfRange { key: &'static str, variant: String, at: String, value: String },
    #[error(
        "variant {variant} takes none of the endpoint's traffic (`initial_weight: 0`): there is nothing to recommend for it"
    )]
    NoTraffic { variant: String },
    #[error("the spec with the recommended variant does not validate ({0}); this is a bug in endpoint-scale")]
    Invalid(String),
}

/// The variant recommend works on, in the spec as written and as validated.
pub struct Subject<'a> {
    /// The spec's name, as the output labels it (its path).
    pub spec_name: &'a str,
    pub raw: &'a spec::Variant,
    pub endpoint: &'a EndpointModel,
    pub variant: &'a VariantModel,
    endpoint_index: usize,
    variant_index: usize,
}

/// Picks the variant: `--endpoint` when the spec has several endpoints, `--variant` when the
/// endpoint has several variants.
pub fn subject<'a>(
    spec_name: &'a str,
    raw: &'a Spec,
    desired: &'a Desired,
    endpoint: Option<&str>,
    variant: Option<&str>,
) -> Result<Subject<'a>, CurrentError> {
    let e = super::endpoint_of(desired, endpoint)?;
    let v = super::variant_of(e, variant)?;
    // The search simulates policies on invocations per instance and on concurrent requests per
    // model: a customized metric is a signal the simulator cannot derive from requests.
    if let Some(s) = v.scaling.as_ref().filter(|s| matches!(s.metric, ScalingMetric::Customized(_))) {
        return Err(SimError::UnsearchedMetric {
            endpoint: e.name.clone(),
            variant: v.name.clone(),
            metric: s.metric.describe(),
        }
        .into());
    }
    // A valid spec has one model endpoint and variant per written one, under the same names.
    let endpoint_index = raw
        .endpoints
        .iter()
        .position(|x| x.name.value == e.name)
        .ok_or_else(|| SimError::NoEndpoint(e.name.clone()))?;
    let variant_index =
        raw.endpoints[endpoint_index].variants.iter().position(|x| x.name.value == v.name).ok_or_else(|| {
            SimError::NoVariant { endpoint: e.name.clone(), variant: v.name.clone(), names: String::new() }
        })?;
    Ok(Subject {
        spec_name,
        raw: &raw.endpoints[endpoint_index].variants[variant_index],
        endpoint: e,
        variant: v,
        endpoint_index,
        variant_index,
    })
}

/// The load test capacity scales from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoadTest {
    pub max_rps_per_instance: f64,
    pub tested_on: String,
    /// Where the figure comes from: the variant's `max_rps_per_instance`, its
    /// `autoscaling.target.max_rps_per_instance`, or `--max-rps-per-instance`.
    pub source: String,
}

/// The load test the spec states for the variant (its `max_rps_per_instance`, else its
/// target's), on the variant's own instance type. Flags may repeat what the spec states but not
/// contradict it, as `--region` may only repeat the spec's `region:`: the spec is what gets
/// applied, so a recommendation made from another figure would not fit it. Without a figure in
/// the spec, the flags give it (`--tested-on` defaulting to the variant's type).
pub fn load_test(
    s: &Subject<'_>,
    flag_rps: Option<f64>,
    flag_tested_on: Option<&str>,
) -> Result<LoadTest, CurrentError> {
    let own_type = s.variant.instance_type.as_str();
    let target_rps = derived_target(s).and_then(|t| t.max_rps_per_instance.as_ref());
    let stated: Option<(&'static str, &Pos<f64>)> = match (&s.raw.max_rps_per_instance, target_rps) {
        (Some(r), _) => Some(("max_rps_per_instance", r)),
        (None, Some(r)) => Some(("autoscaling.target.max_rps_per_instance", r)),
        (None, None) => None,
    };
    let variant = format!("{}/{}", s.endpoint.name, s.variant.name);
    let Some((key, figure)) = stated else {
        let rps = flag_rps.ok_or_else(|| CurrentError::NoLoadTest { variant, instance_type: own_type.to_string() })?;
        return Ok(LoadTest {
            max_rps_per_instance: rps,
            tested_on: flag_tested_on.unwrap_or(own_type).to_string(),
            source: "--max-rps-per-instance".to_string(),
        });
    };
    let at = format!("{}:{}:{}", s.spec_name, figure.span.line, figure.span.column);
    if let Some(flag) = flag_rps.filter(|f| *f != figure.value) {
        return Err(CurrentError::RpsDisagrees {
            flag: limits::number(flag),
            spec: limits::number(figure.value),
            key,
            variant,
            at,
        });
    }
    if let Some(flag) = flag_tested_on.filter(|t| *t != own_type) {
        return Err(CurrentError::TestedOnDisagrees {
            flag: flag.to_string(),
            key,
            variant,
            at,
            instance_type: own_type.to_string(),
        });
    }
    if !limits::MAX_RPS_PER_INSTANCE.contains(&figure.value) {
        return Err(CurrentError::RpsOutOfRange { key, variant, at, value: limits::number(figure.value) });
    }
    Ok(LoadTest {
        max_rps_per_instance: figure.value,
        tested_on: own_type.to_string(),
        source: format!("`{key}` of {variant} ({at})"),
    })
}

/// Whether the variant scales on concurrent requests per model: the search then keeps that
/// metric (docs/simulation.md, "recommend on a concurrency policy").
pub fn on_concurrency(s: &Subject<'_>) -> bool {
    s.variant.scaling.as_ref().is_some_and(|a| a.metric == ScalingMetric::ConcurrentRequestsPerModel)
}

/// The load-tested concurrency of one `load_test.tested_on` instance that the search derives
/// concurrency targets from, and where it comes from: the variant's
/// `autoscaling.target.max_concurrency_per_instance` (a load test of its own type, scaled by
/// vCPUs if the requests per second were tested on another), else the load-tested requests per
/// second x `request_seconds` (Little's law: the requests in flight at that rate).
pub fn concurrency_load_test(
    s: &Subject<'_>,
    load_test: &LoadTest,
    request_seconds: f64,
    prices: &PriceTable,
) -> Result<(f64, String), CurrentError> {
    let variant = format!("{}/{}", s.endpoint.name, s.variant.name);
    let Some(figure) = derived_target(s).and_then(|t| t.max_concurrency_per_instance.as_ref()) else {
        let max = recommend::concurrency_of_rps(load_test.max_rps_per_instance, request_seconds);
        return Ok((
            max,
            format!(
                "max_rps_per_instance {} x {} s per request; variant {variant} states no `max_concurrency_per_instance`",
                limits::number(load_test.max_rps_per_instance),
                limits::number(request_seconds)
            ),
        ));
    };
    let at = format!("{}:{}:{}", s.spec_name, figure.span.line, figure.span.column);
    let own_type = s.variant.instance_type.as_str();
    let max = if load_test.tested_on == own_type {
        figure.value
    } else {
        let own = prices.get(own_type).map_err(SimError::from)?.vcpus.max(1);
        let tested = prices.get(&load_test.tested_on).map_err(SimError::from)?.vcpus;
        (figure.value * f64::from(tested) / f64::from(own) * 1e6).round() / 1e6
    };
    Ok((max, format!("the spec's `autoscaling.target.max_concurrency_per_instance` of {variant} ({at})")))
}

/// The safety factor the variant's target is derived with, for the search to try too; `None`
/// for a fixed variant or a target given directly.
pub fn safety_factor(s: &Subject<'_>) -> Option<f64> {
    let a = s.raw.autoscaling.as_ref()?;
    if matches!(a.target.as_ref().map(|t| &t.value), Some(TargetSpec::Value(_))) {
        return None;
    }
    let t = derived_target(s);
    if t.and_then(|t| t.invocations_per_instance.as_ref()).is_some() {
        return None;
    }
    Some(t.and_then(|t| t.safety_factor.as_ref()).map_or(DEFAULT_SAFETY_FACTOR, |f| f.value))
}

/// The variant's `autoscaling.target` when it is a mapping (`target: N` gives the value itself,
/// with no load test in it).
fn derived_target<'a>(s: &Subject<'a>) -> Option<&'a crate::spec::Target> {
    match &s.raw.autoscaling.as_ref()?.target.as_ref()?.value {
        TargetSpec::Derived(t) => Some(t),
        TargetSpec::Value(_) => None,
    }
}

/// The time zone of the variant's first scheduled action that names one: where its business
/// hours are.
pub fn timezone<'a>(s: &Subject<'a>) -> Option<&'a str> {
    s.variant.scaling.as_ref()?.schedules.iter().find_map(|a| a.timezone.as_deref())
}

/// The current configuration, simulated on the same traffic as the candidates.
#[derive(Debug, Clone, Serialize)]
pub struct Current {
    #[serde(flatten)]
    pub result: VariantResult,
    /// The variant's share of the endpoint's traffic (its weight over the sum of weights): the
    /// candidates run on that share too.
    pub traffic_share: f64,
    pub overload_share: f64,
    /// Its cost over a 30-day month.
    pub monthly_cost: f64,
    pub within_budget: bool,
    /// No configuration found beats it (see [`is_best`]): nothing to change.
    pub best: bool,
}

/// Simulates the variant as the spec has it on `traffic` (the endpoint's per minute, with its
/// 10-second `periods` when it has them), with the capacity the spec states, or else the load
/// test scaled by vCPUs to its type; a concurrency policy as `simulate` runs it (Little's law at
/// `params.request_seconds`, an error without one).
#[allow(clippy::too_many_arguments)]
pub fn simulate(
    s: &Subject<'_>,
    load_test: &LoadTest,
    prices: &PriceTable,
    traffic: &[f64],
    periods: Option<&[f64]>,
    start: chrono::DateTime<chrono::Utc>,
    params: &Params,
    max_overload: f64,
) -> Result<Current, CurrentError> {
    let rps = match s.variant.max_rps_per_instance {
        Some(rps) => rps,
        None => {
            let own = prices.get(s.variant.instance_type.as_str()).map_err(SimError::from)?.vcpus;
            let tested = prices.get(&load_test.tested_on).map_err(SimError::from)?.vcpus.max(1);
            load_test.max_rps_per_instance * f64::from(own) / f64::from(tested)
        }
    };
    let seconds = super::request_seconds_of(s.endpoint, s.variant, params.request_seconds)?;
    let mut prepared = super::prepare_variant(s.endpoint, s.variant, rps, prices, start, traffic.len() as u32)?;
    if let Some(seconds) = seconds {
        super::on_concurrency(&mut prepared, seconds);
    }
    if prepared.share <= 0.0 {
        return Err(CurrentError::NoTraffic { variant: format!("{}/{}", s.endpoint.name, s.variant.name) });
    }
    let traffic_share = prepared.share;
    let result = super::simulate(s.spec_name, &[prepared], traffic, periods, params, false).remove(0);
    let summary = &result.summary;
    let overload_share =
        if summary.invocations > 0.0 { summary.overload_invocations / summary.invocations } else { 0.0 };
    Ok(Current {
        traffic_share,
        overload_share,
        monthly_cost: recommend::monthly(summary.cost, summary.minutes),
        within_budget: overload_share <= max_overload,
        best: false,
        result,
    })
}

/// Whether the current configuration is already the best found: within the budget, and
/// cheaper than the winner to the cent a month, or as cheap with no more overload.
pub fn is_best(current: &Current, winner: &Ranked) -> bool {
    let cents = |monthly: f64| (monthly * 100.0).round() as i64;
    let (now, best) =
        (cents(current.monthly_cost), cents(recommend::monthly(winner.summary.cost, winner.summary.minutes)));
    current.within_budget && (now < best || (now == best && current.overload_share <= winner.overload_share))
}

/// One field of the variant that the recommendation changes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The spec's key, `autoscaling.min`, or `autoscaling.schedules[NAME].min` for a scheduled
    /// action's; `autoscaling.target` is the target value in the metric's unit (invocations per
    /// instance per minute, or concurrent requests per model).
    pub field: String,
    /// `update`, `create` or `delete`, as the plan's JSON names actions.
    pub action: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The winner as a change to the current spec.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub fields: Vec<FieldChange>,
    /// What the rewritten spec says about its assumptions (a type that was not load-tested).
    pub caveats: Vec<String>,
    pub monthly_cost: f64,
    pub current_monthly_cost: f64,
    /// Current minus recommended, over a 30-day month: negative when the recommendation costs
    /// more (the current configuration is over the budget).
    pub monthly_saving: f64,
    /// `monthly_saving` over the current monthly cost; null when that is 0.
    pub monthly_saving_share: Option<f64>,
    /// The recommendation against the current spec over a 30-day month, as `simulate --compare`
    /// gives it.
    pub verdict: Verdict,
    /// The unit of `autoscaling.target` in `fields`: the variant's metric's.
    #[serde(skip)]
    pub target_unit: &'static str,
    /// Whether the rewritten spec keeps every other line of the file as written (see
    /// `spec::write::replace_variant`).
    pub kept_layout: bool,
    /// The spec with the change, for `--write`.
    #[serde(skip)]
    pub spec_text: String,
    /// `spec_text` holds this run's variable values in place of the spec's `${var.NAME}`
    /// references (see `spec::write::Replaced::pins_variables`): `--write` refuses it.
    #[serde(skip)]
    pub pins_variables: bool,
}

/// The label of the recommendation in the verdict, and of the current spec.
pub const RECOMMENDED: &str = "The recommended configuration";
pub const CURRENT: &str = "the current spec";

/// The winner as a change to the variant in `source` (the spec `s` was read from): the spec
/// rewritten with it, validated, and compared with the current configuration.
#[allow(clippy::too_many_arguments)]
pub fn change(
    s: &Subject<'_>,
    source: &Source,
    inputs: &spec::vars::Inputs,
    current: &Current,
    winner: &Ranked,
    load_test: &LoadTest,
    timezone: &str,
    note: &str,
) -> Result<Change, CurrentError> {
    let c = &winner.candidate;
    let invalid = |d: Vec<crate::diagnostic::Diagnostic>| {
        CurrentError::Invalid(d.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join("; "))
    };
    // The variant as written, owned, for the fields the search leaves alone.
    let base = spec::parse_with(source, inputs)
        .map_err(invalid)?
        .spec
        .endpoints
        .swap_remove(s.endpoint_index)
        .variants
        .swap_remove(s.variant_index);
    let rps = recommend::rps_of(c, load_test.max_rps_per_instance, &load_test.tested_on);
    let replacement = recommend::recommended_variant(c, base, rps, timezone);
    let mut caveats = recommend::caveats(c, load_test.max_rps_per_instance, &load_test.tested_on);
    let mut header = vec![note.to_string()];
    header.extend(caveats.iter().cloned());
    let replaced = spec::write::replace_variant(
        source,
        inputs,
        s.endpoint_index,
        s.variant_index,
        replacement,
        &header.join("\n"),
    )
    .map_err(invalid)?;
    if !replaced.pinned.is_empty() {
        caveats.push(format!(
            "The change replaces variables with values, the same in every environment: {}.",
            replaced.pinned.join(", ")
        ));
    }
    let written =
        spec::parse_with(&Source::new(source.name.clone(), replaced.text.clone()), inputs).map_err(invalid)?.spec;
    let validated = crate::validate::validate(&written);
    let errors: Vec<_> = validated.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    let desired = validated.desired.ok_or_else(|| invalid(errors))?;
    let new = desired
        .endpoints
        .iter()
        .find(|e| e.name == s.endpoint.name)
        .and_then(|e| e.variants.iter().find(|v| v.name == s.variant.name))
        .ok_or_else(|| CurrentError::Invalid(format!("variant {}/{} is missing", s.endpoint.name, s.variant.name)))?;
    let monthly_cost = recommend::monthly(winner.summary.cost, winner.summary.minutes);
    let saving = current.monthly_cost - monthly_cost;
    // The verdict over a month: the same sentence as `simulate --compare`, in monthly money.
    let monthly = |r: &VariantResult, cost: f64| {
        let mut r = r.clone();
        r.summary.cost = cost;
        r
    };
    let recommended = VariantResult {
        label: RECOMMENDED.to_string(),
        instance_type: c.instance_type.clone(),
        price_per_hour: c.price_per_hour,
        price_provenance: c.price_provenance,
        summary: winner.summary.clone(),
        scalings: winner.scalings.clone(),
        ..current.result.clone()
    };
    let verdict = super::verdict(
        RECOMMENDED,
        &[monthly(&recommended, monthly_cost)],
        CURRENT,
        &[monthly(&current.result, current.monthly_cost)],
    );
    Ok(Change {
        fields: diff(s.variant, new),
        caveats,
        monthly_cost,
        current_monthly_cost: current.monthly_cost,
        monthly_saving: saving,
        monthly_saving_share: (current.monthly_cost > 0.0).then(|| saving / current.monthly_cost),
        verdict,
        kept_layout: replaced.kept_layout,
        target_unit: if on_concurrency(s) {
            "concurrent requests per model"
        } else {
            "invocations per instance per minute"
        },
        spec_text: replaced.text,
        pins_variables: replaced.pins_variables,
    })
}

/// A variant's settings as `key = value` pairs, in the spec's order and terms.
fn settings(v: &VariantModel) -> Vec<(String, String)> {
    let mut out = vec![
        ("instance_type".to_string(), v.instance_type.to_string()),
        ("initial_instance_count".to_string(), v.initial_instance_count.to_string()),
    ];
    if let Some(rps) = v.max_rps_per_instance {
        out.push(("max_rps_per_instance".to_string(), limits::number(rps)));
    }
    let Some(s) = &v.scaling else { return out };
    out.push(("autoscaling.min".to_string(), s.capacity.min().to_string()));
    out.push(("autoscaling.max".to_string(), s.capacity.max().to_string()));
    out.push(("autoscaling.target".to_string(), limits::number(s.target_value)));
    out.push(("autoscaling.scale_in_cooldown".to_string(), format_duration(u64::from(s.scale_in_cooldown_secs))));
    out.push(("autoscaling.scale_out_cooldown".to_string(), format_duration(u64::from(s.scale_out_cooldown_secs))));
    if s.disable_scale_in {
        out.push(("autoscaling.disable_scale_in".to_string(), "true".to_string()));
    }
    for a in &s.schedules {
        let key = |field: &str| format!("autoscaling.schedules[{}].{field}", a.name);
        out.push((key("schedule"), a.schedule.to_string()));
        let times = [("start_time", a.start_time), ("end_time", a.end_time)];
        let optional = [("timezone", a.timezone.clone())]
            .into_iter()
            .chain(times.map(|(k, t)| (k, t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)))))
            .chain([("min", a.min.map(|m| m.to_string())), ("max", a.max.map(|m| m.to_string()))]);
        for (field, value) in optional {
            if let Some(value) = value {
                out.push((key(field), value));
            }
        }
    }
    out
}

/// The fields that differ between the current and the recommended variant: those of the
/// current one first, in its order, then those only the recommended one has.
fn diff(before: &VariantModel, after: &VariantModel) -> Vec<FieldChange> {
    let (old, new) = (settings(before), settings(after));
    let find = |list: &[(String, String)], key: &str| list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let mut out = Vec::new();
    for (key, value) in &old {
        match find(&new, key) {
            Some(v) if v == *value => {}
            Some(v) => out.push(FieldChange {
                field: key.clone(),
                action: "update",
                before: Some(value.clone()),
                after: Some(v),
            }),
            None => {
                out.push(FieldChange { field: key.clone(), action: "delete", before: Some(value.clone()), after: None })
            }
        }
    }
    for (key, value) in &new {
        if find(&old, key).is_none() {
            out.push(FieldChange { field: key.clone(), action: "create", before: None, after: Some(value.clone()) });
        }
    }
    out
}
