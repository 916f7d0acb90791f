//! The traffic simulator: what a spec does with a traffic profile, minute by minute, before
//! anything is deployed. It works on the validated model only and never calls AWS.
//!
//! - [`traffic`]: invocations per minute from CSV, CloudWatch JSON or a seeded generator;
//! - [`engine`]: the minute-by-minute model of one variant (docs/simulation.md);
//! - [`prices`]: the shipped price tables, `--prices` tables and which one a run uses;
//! - [`recommend`]: the cheapest configurations within an overload budget;
//! - [`current`]: `recommend SPEC`: a spec's variant, its load test, and the winner as a change;
//! - [`limits`]: every bound on the simulator's input, with its reason.

pub mod current;
pub mod engine;
pub mod limits;
pub mod prices;
pub mod recommend;
pub mod traffic;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::model::{Desired, EndpointModel, ScalingMetric, ScheduleModel, VariantModel};
use engine::{Params, ScheduledEvent, Series, Summary};
use prices::{PriceError, PriceTable, Provenance};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the spec has {count} endpoints ({names}); pick the one the traffic belongs to with --endpoint")]
    WhichEndpoint { count: usize, names: String },
    #[error("endpoint {0} is not in the spec")]
    NoEndpoint(String),
    #[error("endpoint {endpoint} has {count} variants ({names}); pick one with --variant")]
    WhichVariant { endpoint: String, count: usize, names: String },
    #[error("variant {variant} is not in endpoint {endpoint} (its variants: {names})")]
    NoVariant { endpoint: String, variant: String, names: String },
    #[error(
        "variant {endpoint}/{variant} has no `max_rps_per_instance`: the simulator needs the load-tested requests per second one instance serves"
    )]
    NoCapacity { endpoint: String, variant: String },
    #[error(
        "variant {endpoint}/{variant} has {what} {count}; the simulator models 1 to {max} instances per variant",
        max = limits::MAX_INSTANCES
    )]
    TooManyInstances { endpoint: String, variant: String, what: &'static str, count: u32 },
    #[error(
        "variant {endpoint}/{variant} scales on {metric}: simulate models target tracking on invocations per instance and on concurrent requests per model only, and would show this policy wrongly; to compare capacity and cost, simulate a copy of the spec that scales this variant on one of them (`autoscaling.metric`, with `max_rps_per_instance` from a load test), knowing the real policy reacts differently"
    )]
    UnmodelledMetric { endpoint: String, variant: String, metric: String },
    #[error(
        "variant {endpoint}/{variant} scales on concurrent requests per model: give --request-seconds S, the mean seconds one request takes (from a load test or the ModelLatency metric), so the simulator can turn the traffic into concurrency (requests per second x seconds per request)"
    )]
    NoRequestSeconds { endpoint: String, variant: String },
    #[error(
        "variant {endpoint}/{variant} scales on {metric}: the simulator cannot derive a customized metric (such as CPU or GPU utilisation) from request counts, so recommend searches policies on invocations per instance and on concurrent requests per model only; run recommend on a copy of the spec that scales this variant on one of them (`autoscaling.metric`, with `max_rps_per_instance` from a load test), knowing the real policy reacts differently"
    )]
    UnsearchedMetric { endpoint: String, variant: String, metric: String },
    #[error(transparent)]
    Price(#[from] PriceError),
}

/// One variant ready to simulate.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub endpoint: String,
    pub variant: String,
    pub instance_type: String,
    /// This variant's share of the endpoint's traffic (weight / sum of weights).
    pub share: f64,
    /// The region of the price table, and where the price comes from.
    pub price_region: String,
    pub price_provenance: Provenance,
    pub model: engine::Variant,
    /// For a variant scaling on concurrency: its target in concurrent requests per instance
    /// (`model`'s target is the invocations per minute that make it).
    pub concurrency_target: Option<f64>,
}

/// Picks the endpoint the traffic belongs to.
pub fn endpoint_of<'a>(
    desired: &'a Desired,
    wanted: Option<&str>,
) -> Result<&'a crate::model::EndpointModel, SimError> {
    match wanted {
        Some(name) => {
            desired.endpoints.iter().find(|e| e.name == name).ok_or_else(|| SimError::NoEndpoint(name.to_string()))
        }
        None if desired.endpoints.len() == 1 => Ok(&desired.endpoints[0]),
        None => Err(SimError::WhichEndpoint {
            count: desired.endpoints.len(),
            names: desired.endpoints.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// Picks the variant of `e` to work on: the one named, or the only one.
pub fn variant_of<'a>(e: &'a EndpointModel, wanted: Option<&str>) -> Result<&'a VariantModel, SimError> {
    let names = || e.variants.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ");
    match wanted {
        Some(name) => e.variants.iter().find(|v| v.name == name).ok_or_else(|| SimError::NoVariant {
            endpoint: e.name.clone(),
            variant: name.to_string(),
            names: names(),
        }),
        None if e.variants.len() == 1 => Ok(&e.variants[0]),
        None => Err(SimError::WhichVariant { endpoint: e.name.clone(), count: e.variants.len(), names: names() }),
    }
}

/// Turns an endpoint's variants into engine inputs over `minutes` minutes from `start`.
/// `request_seconds` (the mean request duration) is needed by variants scaling on concurrency.
pub fn prepare(
    desired: &Desired,
    endpoint: Option<&str>,
    prices: &PriceTable,
    start: DateTime<Utc>,
    minutes: u32,
    request_seconds: Option<f64>,
) -> Result<Vec<Prepared>, SimError> {
    let e = endpoint_of(desired, endpoint)?;
    e.variants
        .iter()
        .map(|v| {
            let seconds = request_seconds_of(e, v, request_seconds)?;
            let rps = v
                .max_rps_per_instance
                .ok_or_else(|| SimError::NoCapacity { endpoint: e.name.clone(), variant: v.name.clone() })?;
            let mut prepared = prepare_variant(e, v, rps, prices, start, minutes)?;
            if let Some(seconds) = seconds {
                on_concurrency(&mut prepared, seconds);
            }
            Ok(prepared)
        })
        .collect()
}

/// The request duration `v`'s policy is simulated with: none for invocations per instance (or a
/// fixed fleet), `request_seconds` for concurrent requests per model (an error without one), and
/// a customized metric refused: the engine models the one-minute invocations metric and the
/// high-resolution concurrency metric, and cannot derive a customized signal (CPU or GPU
/// utilisation, say) from requests. Shared by `simulate` and `recommend SPEC`.
pub fn request_seconds_of(
    e: &EndpointModel,
    v: &VariantModel,
    request_seconds: Option<f64>,
) -> Result<Option<f64>, SimError> {
    match v.scaling.as_ref().map(|s| &s.metric) {
        Some(m @ ScalingMetric::Customized(_)) => {
            Err(SimError::UnmodelledMetric { endpoint: e.name.clone(), variant: v.name.clone(), metric: m.describe() })
        }
        Some(ScalingMetric::ConcurrentRequestsPerModel) => request_seconds
            .map(Some)
            .ok_or_else(|| SimError::NoRequestSeconds { endpoint: e.name.clone(), variant: v.name.clone() }),
        _ => Ok(None),
    }
}

/// A variant prepared with its concurrency target (concurrent requests per instance) as the
/// engine's target: by Little's law, C concurrent requests per instance are C / seconds requests
/// per second, C x 60 / seconds invocations per instance per minute; its scale-out alarm is the
/// high-resolution one.
pub fn on_concurrency(prepared: &mut Prepared, seconds: f64) {
    if let Some(scaling) = prepared.model.scaling.as_mut() {
        prepared.concurrency_target = Some(scaling.target);
        scaling.target = concurrency_invocations(scaling.target, seconds);
        scaling.high_resolution = true;
    }
}

/// Invocations per instance per minute that make `concurrency` concurrent requests per instance
/// at `seconds` per request (Little's law); one expression for simulate and recommend, so both
/// run the same target to the last bit.
pub fn concurrency_invocations(concurrency: f64, seconds: f64) -> f64 {
    concurrency * 60.0 / seconds
}

/// One variant of `e` as an engine input, each instance serving `rps` requests per second.
pub fn prepare_variant(
    e: &EndpointModel,
    v: &VariantModel,
    rps: f64,
    prices: &PriceTable,
    start: DateTime<Utc>,
    minutes: u32,
) -> Result<Prepared, SimError> {
    let total_weight: f64 = e.variants.iter().map(|v| v.initial_weight).sum();
    let price = prices.get(v.instance_type.as_str())?;
    let too_many =
        |what, count| SimError::TooManyInstances { endpoint: e.name.clone(), variant: v.name.clone(), what, count };
    if v.initial_instance_count > limits::MAX_INSTANCES {
        return Err(too_many("initial_instance_count", v.initial_instance_count));
    }
    if let Some(s) = &v.scaling {
        if s.capacity.max() > limits::MAX_INSTANCES {
            return Err(too_many("autoscaling max", s.capacity.max()));
        }
        for bound in s.schedules.iter().flat_map(|s| [s.min, s.max]).flatten() {
            if bound > limits::MAX_INSTANCES {
                return Err(too_many("a schedule's min or max of", bound));
            }
        }
    }
    let scaling = v.scaling.as_ref().map(|s| engine::Scaling {
        min: s.capacity.min(),
        max: s.capacity.max(),
        target: s.target_value,
        scale_in_cooldown_minutes: s.scale_in_cooldown_secs.div_ceil(60),
        scale_out_cooldown_minutes: s.scale_out_cooldown_secs.div_ceil(60),
        disable_scale_in: s.disable_scale_in,
        high_resolution: false,
        events: schedule_events(&s.schedules, start, minutes),
    });
    Ok(Prepared {
        endpoint: e.name.clone(),
        variant: v.name.clone(),
        instance_type: v.instance_type.to_string(),
        share: if total_weight > 0.0 { v.initial_weight / total_weight } else { 0.0 },
        price_region: prices.region.clone(),
        price_provenance: price.provenance,
        model: engine::Variant {
            capacity_per_instance: rps * 60.0,
            price_per_hour: price.per_hour,
            burstable: engine::burstable(v.instance_type.as_str()),
            initial_count: v.initial_instance_count,
            scaling,
        },
        concurrency_target: None,
    })
}

/// When each scheduled action fires, as minutes from `start`, in its own time zone (so a
/// weekday 08:00 New York action moves from 12:00Z to 13:00Z across the November DST change).
/// Actions firing in the same minute keep spec order (AWS does not document an order).
pub fn schedule_events(schedules: &[ScheduleModel], start: DateTime<Utc>, minutes: u32) -> Vec<ScheduledEvent> {
    let end = start + Duration::minutes(i64::from(minutes));
    let mut events: Vec<(u32, usize, ScheduledEvent)> = Vec::new();
    for (order, s) in schedules.iter().enumerate() {
        let rate_origin = s.start_time.unwrap_or(start);
        let mut cursor = start - Duration::seconds(1);
        while let Some(at) = s.schedule.next_after(cursor, s.tz, rate_origin) {
            if at >= end || s.end_time.is_some_and(|e| at > e) {
                break;
            }
            cursor = at;
            if s.start_time.is_some_and(|st| at < st) {
                continue;
            }
            let minute = ((at - start).num_seconds() / 60) as u32;
            events.push((minute, order, ScheduledEvent { minute, min: s.min, max: s.max }));
        }
    }
    events.sort_by_key(|(minute, order, _)| (*minute, *order));
    events.into_iter().map(|(_, _, e)| e).collect()
}

/// The result of simulating one variant.
#[derive(Debug, Clone, Serialize)]
pub struct VariantResult {
    pub label: String,
    pub endpoint: String,
    pub variant: String,
    pub instance_type: String,
    pub price_per_hour: f64,
    /// The region of the price table the price comes from.
    pub price_region: String,
    pub price_provenance: Provenance,
    /// For a variant scaling on concurrency: its target in concurrent requests per instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency_target: Option<f64>,
    pub summary: Summary,
    /// How often an auto scaled variant scales; absent for a fixed fleet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scalings: Option<Scalings>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<Series>,
}

/// Simulates every prepared variant on its share of `traffic` (per minute), or of `periods` (its
/// 10-second periods) when the traffic has them: each variant's minutes are then the sums of
/// its share of the periods.
pub fn simulate(
    label: &str,
    prepared: &[Prepared],
    traffic: &[f64],
    periods: Option<&[f64]>,
    params: &Params,
    with_series: bool,
) -> Vec<VariantResult> {
    prepared
        .iter()
        .map(|p| {
            let mut series = with_series.then(Series::default);
            let summary = match periods {
                Some(periods) => {
                    let share: Vec<f64> = periods.iter().map(|t| t * p.share).collect();
                    let invocations: Vec<f64> =
                        share.chunks_exact(traffic::PERIODS_PER_MINUTE).map(traffic::minute_sum).collect();
                    engine::run_periods(&invocations, &share, &p.model, params, series.as_mut())
                }
                None => {
                    let invocations: Vec<f64> = traffic.iter().map(|t| t * p.share).collect();
                    engine::run(&invocations, &p.model, params, series.as_mut())
                }
            };
            VariantResult {
                label: label.to_string(),
                endpoint: p.endpoint.clone(),
                variant: p.variant.clone(),
                instance_type: p.instance_type.clone(),
                price_per_hour: p.model.price_per_hour,
                price_region: p.price_region.clone(),
                price_provenance: p.price_provenance,
                concurrency_target: p.concurrency_target,
                scalings: p.model.scaling.as_ref().map(|s| Scalings::of(&summary, s)),
                summary,
                series,
            }
        })
        .collect()
}

/// Scaling events (scale-outs plus scale-ins, scheduled actions apart) a day, on average over the
/// run, above which a variant is said to oscillate: more than one an hour. A daily pattern needs
/// a few moves up in the morning and a few down in the evening; beyond one an hour the count
/// follows the traffic's noise. Our threshold, not an AWS figure (docs/simulation.md).
pub const OSCILLATION_EVENTS_PER_DAY: f64 = 24.0;

/// How often a variant scales, and whether that is oscillation, with the knobs that set it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scalings {
    /// Scale-outs and scale-ins a day, on average (a run shorter than a day counts as one day).
    pub scale_outs_per_day: f64,
    pub scale_ins_per_day: f64,
    /// The most in one day (24-hour windows from the start of the run).
    pub worst_day_scale_outs: u32,
    pub worst_day_scale_ins: u32,
    /// More than [`OSCILLATION_EVENTS_PER_DAY`] on average.
    pub oscillates: bool,
    pub threshold_per_day: f64,
    /// The policy's knobs, for the warning.
    pub target: f64,
    pub min: u32,
    pub scale_in_cooldown_minutes: u32,
}

impl Scalings {
    pub(crate) fn of(summary: &Summary, scaling: &engine::Scaling) -> Scalings {
        let days = (f64::from(summary.minutes) / 1440.0).max(1.0);
        let per_day = f64::from(summary.scale_outs.saturating_add(summary.scale_ins)) / days;
        Scalings {
            scale_outs_per_day: f64::from(summary.scale_outs) / days,
            scale_ins_per_day: f64::from(summary.scale_ins) / days,
            worst_day_scale_outs: summary.worst_day_scale_outs,
            worst_day_scale_ins: summary.worst_day_scale_ins,
            oscillates: per_day > OSCILLATION_EVENTS_PER_DAY,
            threshold_per_day: OSCILLATION_EVENTS_PER_DAY,
            target: scaling.target,
            min: scaling.min,
            scale_in_cooldown_minutes: scaling.scale_in_cooldown_minutes,
        }
    }
}

/// One compared spec against the baseline (the first spec given), all its variants together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub label: String,
    pub baseline: String,
    pub cost: f64,
    pub baseline_cost: f64,
    /// Baseline cost minus this spec's: negative when this spec costs more.
    pub saving: f64,
    /// `saving` over the baseline's cost; null when the baseline costs nothing.
    pub saving_share: Option<f64>,
    /// Invocations over capacity (slow or failed requests) and their share of all invocations.
    pub overload_invocations: f64,
    pub baseline_overload_invocations: f64,
    pub overload_share: f64,
    pub baseline_overload_share: f64,
    /// Relative change of the invocations over capacity (-0.65 for 65% fewer); null when the
    /// baseline has none.
    pub overload_change: Option<f64>,
    /// The sum of the variants' peaks (variants peak independently, so an upper bound).
    pub peak_instances: u32,
    pub baseline_peak_instances: u32,
}

struct Totals {
    cost: f64,
    invocations: f64,
    overload: f64,
    peak: u32,
}

fn totals(results: &[VariantResult]) -> Totals {
    Totals {
        cost: results.iter().map(|r| r.summary.cost).sum(),
        invocations: results.iter().map(|r| r.summary.invocations).sum(),
        overload: results.iter().map(|r| r.summary.overload_invocations).sum(),
        peak: results.iter().map(|r| r.summary.peak_instances).fold(0, u32::saturating_add),
    }
}

/// `results` (one spec's variants) against `baseline` (the first spec's), on the same traffic.
pub fn verdict(label: &str, results: &[VariantResult], baseline_label: &str, baseline: &[VariantResult]) -> Verdict {
    let (this, base) = (totals(results), totals(baseline));
    let share = |t: &Totals| if t.invocations > 0.0 { t.overload / t.invocations } else { 0.0 };
    let saving = base.cost - this.cost;
    Verdict {
        label: label.to_string(),
        baseline: baseline_label.to_string(),
        cost: this.cost,
        baseline_cost: base.cost,
        saving,
        saving_share: (base.cost > 0.0).then(|| saving / base.cost),
        overload_invocations: this.overload,
        baseline_overload_invocations: base.overload,
        overload_share: share(&this),
        baseline_overload_share: share(&base),
        overload_change: (base.overload > 0.0).then(|| (this.overload - base.overload) / base.overload),
        peak_instances: this.peak,
        baseline_peak_instances: base.peak,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::Schedule;
    use chrono::TimeZone;

    #[test]
    fn a_weekday_schedule_follows_its_time_zone_across_daylight_saving() {
        let s = ScheduleModel {
            name: "open".into(),
            schedule: "cron(0 8 ? * MON-FRI *)".parse::<Schedule>().unwrap(),
            timezone: Some("America/New_York".into()),
            tz: chrono_tz::America::New_York,
            start_time: None,
            end_time: None,
            min: Some(3),
            max: None,
        };
        let start = Utc.with_ymd_and_hms(2026, 10, 29, 0, 0, 0).unwrap();
        let events = schedule_events(&[s], start, 7 * 24 * 60);
        let at: Vec<String> = events
            .iter()
            .map(|e| (start + Duration::minutes(i64::from(e.minute))).format("%a %m-%d %H:%MZ").to_string())
            .collect();
        // EDT (UTC-4) until Sunday 2026-11-01, then EST (UTC-5).
        assert_eq!(
            at,
            ["Thu 10-29 12:00Z", "Fri 10-30 12:00Z", "Mon 11-02 13:00Z", "Tue 11-03 13:00Z", "Wed 11-04 13:00Z"]
        );
        // And the engine applies them at exactly those minutes.
        let v = engine::Variant {
            capacity_per_instance: 1000.0,
            price_per_hour: 1.0,
            burstable: None,
            initial_count: 1,
            scaling: Some(engine::Scaling {
                min: 1,
                max: 5,
                target: 100.0,
                scale_in_cooldown_minutes: 0,
                scale_out_cooldown_minutes: 0,
                disable_scale_in: true,
                high_resolution: false,
                events: events.clone(),
            }),
        };
        let mut series = Series::default();
        engine::run(&vec![1.0; 7 * 24 * 60], &v, &Params::default(), Some(&mut series));
        let first_raise = series.billed.iter().position(|&b| b == 3).unwrap();
        assert_eq!(first_raise as u32, events[0].minute);
        assert_eq!(events[2].minute - events[1].minute, 3 * 24 * 60 + 60);
    }
}
