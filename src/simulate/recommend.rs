//! `recommend`: searches instance type, min, max, target and scheduled minimums for the cheapest
//! auto scaled configurations whose simulated overload stays within a budget, on all cores.
//!
//! Capacity per instance is load-tested on one reference type (the first in the list); other
//! types are assumed to scale with their vCPU count. That is an assumption, said in the output:
//! load-test the winner before relying on it.

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::engine::{self, Params, ScheduledEvent, Summary};
use super::limits;
use super::prices::{PriceError, PriceTable, Provenance};
use super::Scalings;
use crate::model::{concurrency_target, scaling_target, ScheduleModel};
use crate::schedule::Schedule;
use crate::spec::write::Document;
use crate::spec::{AutoScaling, MetricSpec, Pos, ScheduledAction, Target, TargetSpec, Variant};

/// The spec's name of the concurrency metric.
const CONCURRENCY_METRIC: &str = "concurrent_requests_per_model";

/// The search space and the budget.
#[derive(Debug, Clone)]
pub struct Search {
    /// Requests per second one instance of `tested_on` serves (load-tested).
    pub max_rps_per_instance: f64,
    /// The instance type the load test ran on; other types' capacity scales by vCPUs from it.
    pub tested_on: String,
    pub instance_types: Vec<String>,
    /// Largest acceptable share of invocations beyond capacity (0.001 for 0.1%).
    pub max_overload: f64,
    pub safety_factors: Vec<f64>,
    /// Time zone of the weekday business hours and the month start.
    pub timezone: chrono_tz::Tz,
    pub timezone_name: String,
    /// Set when the candidates scale on concurrent requests per model (the variant of `recommend
    /// SPEC` does); else they scale on invocations per instance.
    pub concurrency: Option<ConcurrencySearch>,
}

/// A search on concurrent requests per model: the candidates keep the variant's metric, with a
/// concurrency target derived as the spec derives one (`max_concurrency_per_instance` x safety
/// factor) and simulated as `simulate` simulates it (Little's law at `request_seconds`, the
/// high-resolution scale-out alarm).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConcurrencySearch {
    /// Mean seconds one request takes.
    pub request_seconds: f64,
    /// Concurrent requests one instance of `Search::tested_on` serves at its limit; other types
    /// scale by vCPUs, as requests per second do.
    pub max_concurrency_per_instance: f64,
}

/// The load-tested concurrency of one instance when only its requests per second are known:
/// at its limit an instance holds max RPS x seconds per request requests in flight (Little's
/// law), to 6 decimals as the spec's targets are.
pub fn concurrency_of_rps(max_rps_per_instance: f64, request_seconds: f64) -> f64 {
    (max_rps_per_instance * request_seconds * 1e6).round() / 1e6
}

/// One configuration tried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub instance_type: String,
    pub vcpus: u32,
    pub price_per_hour: f64,
    pub price_provenance: Provenance,
    /// Invocations per minute one instance serves (capacity).
    pub capacity_per_instance: f64,
    pub min: u32,
    pub max: u32,
    pub safety_factor: f64,
    /// Invocations per instance per minute (for a concurrency policy, the invocations that make
    /// its concurrency target, as the engine runs it).
    pub target: f64,
    /// On concurrent requests per model: the candidate type's load-tested concurrency per
    /// instance and the concurrency target derived from it (x `safety_factor`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency_per_instance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub concurrency_target: Option<f64>,
    /// Minimum raised for weekday business hours (07:30-18:00), if any.
    pub business_hours_min: Option<u32>,
    /// Minimum raised for the first two days of the month (07:45-18:00), if any.
    pub month_start_min: Option<u32>,
    /// A fixed number of instances (`min` = `max`) without auto scaling: what burstable types
    /// are limited to (`target` and `safety_factor` are 0).
    pub fixed_fleet: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    pub candidate: Candidate,
    pub summary: Summary,
    pub overload_share: f64,
    /// How often it scales, and whether that is oscillation; absent for a fixed fleet.
    pub scalings: Option<Scalings>,
}

/// Costs are compared over a month of 30 days, to the cent: closer than that, two
/// configurations cost the same.
pub const MONTH_MINUTES: f64 = 30.0 * 1440.0;

/// `cost` over `minutes` of traffic, scaled to a 30-day month.
pub fn monthly(cost: f64, minutes: u32) -> f64 {
    cost * MONTH_MINUTES / f64::from(minutes.max(1))
}

/// The monthly cost in whole cents: the ranking's first key. Rounding (not a tolerance) keeps the
/// order total, which sorting needs.
fn monthly_cents(r: &Ranked) -> i64 {
    (monthly(r.summary.cost, r.summary.minutes) * 100.0).round() as i64
}

/// Scale-outs plus scale-ins over the run.
fn scale_events(r: &Ranked) -> u32 {
    r.summary.scale_outs.saturating_add(r.summary.scale_ins)
}

/// The ranking, best first: the cheapest to the cent a month; at the same cost, less overload;
/// then fewer scale-outs plus scale-ins, so a stable configuration ranks before one that
/// oscillates at the same price; then the exact cost, the instance type, the simpler
/// configuration (absent schedules first) and the lower safety factor.
pub fn rank(a: &Ranked, b: &Ranked) -> std::cmp::Ordering {
    let simpler = |c: &Candidate| (c.min, c.max, c.business_hours_min, c.month_start_min);
    monthly_cents(a)
        .cmp(&monthly_cents(b))
        .then(a.overload_share.total_cmp(&b.overload_share))
        .then(scale_events(a).cmp(&scale_events(b)))
        .then(a.summary.cost.total_cmp(&b.summary.cost))
        .then(a.candidate.instance_type.cmp(&b.candidate.instance_type))
        .then_with(|| simpler(&a.candidate).cmp(&simpler(&b.candidate)))
        .then(a.candidate.safety_factor.total_cmp(&b.candidate.safety_factor))
}

pub struct Outcome {
    /// Configurations in the search space.
    pub considered: usize,
    /// Configurations simulated (the others were settled by the bounds without a run).
    pub evaluated: usize,
    /// Runs that went to the end within the budget (configurations settled without a run are
    /// not counted).
    pub feasible: usize,
    /// The cheapest configuration of each instance type, cheapest first.
    pub best: Vec<Ranked>,
    /// The runs that finished, cheapest first, each with less overload than every cheaper one.
    pub frontier: Vec<Ranked>,
}

/// The schedule templates the search uses, as the cron expressions the winning spec will carry.
pub const BUSINESS_RAISE: &str = "cron(30 7 ? * MON-FRI *)";
pub const BUSINESS_LOWER: &str = "cron(0 18 ? * MON-FRI *)";
pub const MONTH_RAISE: &str = "cron(45 7 1,2 * ? *)";
pub const MONTH_LOWER: &str = "cron(0 18 1,2 * ? *)";

fn fires(expr: &str, search: &Search, start: DateTime<Utc>, minutes: u32) -> Vec<u32> {
    let model = ScheduleModel {
        name: String::new(),
        schedule: expr.parse::<Schedule>().expect("the templates are valid AWS cron"),
        timezone: Some(search.timezone_name.clone()),
        tz: search.timezone,
        start_time: None,
        end_time: None,
        min: Some(1),
        max: None,
    };
    super::schedule_events(&[model], start, minutes).into_iter().map(|e| e.minute).collect()
}

/// Why no candidate list could be built.
#[derive(Debug, thiserror::Error)]
pub enum CandidateError {
    #[error(transparent)]
    Price(#[from] PriceError),
    #[error(
        "the peak of {peak} invocations a minute needs {need} instances of {instance_type} at {rps} requests per second each, more than the {max} the search tries (it goes up to twice the need, within the simulator's {limit}); check --max-rps-per-instance or list larger instance types",
        max = limits::MAX_INSTANCES / 2,
        limit = limits::MAX_INSTANCES
    )]
    TooManyInstances { peak: String, need: String, instance_type: String, rps: String },
    #[error(
        "the search would consider more than {max} configurations; list fewer or larger instance types (fewer instances at the peak), or check --max-rps-per-instance",
        max = limits::MAX_CANDIDATES
    )]
    TooManyCandidates,
}

/// Builds the candidates: every listed type x min x max x safety factor x scheduled minimums,
/// at most [`limits::MAX_CANDIDATES`] (their number grows with the square of the instances the
/// peak needs, each bounded by [`limits::MAX_INSTANCES`]).
pub fn candidates(
    search: &Search,
    prices: &PriceTable,
    peak_per_minute: f64,
) -> Result<Vec<Candidate>, CandidateError> {
    let reference = prices.get(&search.tested_on)?.vcpus.max(1);
    let mut out = Vec::new();
    for t in &search.instance_types {
        let price = prices.get(t)?;
        let capacity = search.max_rps_per_instance * 60.0 * f64::from(price.vcpus) / f64::from(reference);
        let rps = search.max_rps_per_instance * f64::from(price.vcpus) / f64::from(reference);
        // Enough instances to serve the peak at full load, and some headroom above it (up to
        // twice as many, so the need itself is bounded by half the instance limit).
        let need_f = (peak_per_minute / capacity).ceil().max(1.0);
        if !(1.0..=f64::from(limits::MAX_INSTANCES / 2)).contains(&need_f) {
            return Err(CandidateError::TooManyInstances {
                peak: limits::number(peak_per_minute.round()),
                need: limits::number(need_f),
                instance_type: t.clone(),
                rps: limits::number(rps),
            });
        }
        let need = need_f as u32;
        // What every candidate of this type shares; each sets its own levers over it.
        let base = Candidate {
            instance_type: t.clone(),
            vcpus: price.vcpus,
            price_per_hour: price.per_hour,
            price_provenance: price.provenance,
            capacity_per_instance: capacity,
            min: 1,
            max: 1,
            safety_factor: 0.0,
            target: 0.0,
            max_concurrency_per_instance: None,
            concurrency_target: None,
            business_hours_min: None,
            month_start_min: None,
            fixed_fleet: false,
        };
        // On concurrency: this type's concurrency per instance, the load test's on its own type
        // and scaled by vCPUs on the others (as capacity is), to 6 decimals.
        let concurrency = search.concurrency.as_ref().map(|c| {
            let max = if *t == search.tested_on {
                c.max_concurrency_per_instance
            } else {
                (c.max_concurrency_per_instance * f64::from(price.vcpus) / f64::from(reference) * 1e6).round() / 1e6
            };
            (max, c.request_seconds)
        });
        // The target of a safety factor, in the engine's invocations per instance per minute,
        // with the concurrency target it stands for.
        let target = |sf: f64| match concurrency {
            Some((max, seconds)) => {
                let c = concurrency_target(max, sf);
                (super::concurrency_invocations(c, seconds), Some(max), Some(c))
            }
            None => (scaling_target(rps, sf), None, None),
        };
        if engine::burstable(t).is_some() {
            // AWS refuses to register a burstable variant as a scalable target (SageMaker guide,
            // endpoint-auto-scaling-add-console): such types compete only as fixed fleets, from
            // one instance up to twice the peak's need, run with the CPU-credit model.
            for n in 1..=need * 2 {
                push(&mut out, Candidate { min: n, max: n, fixed_fleet: true, ..base.clone() })?;
            }
            continue;
        }
        let mut maxes = vec![need, need + 1, need * 2];
        maxes.dedup();
        for min in 1..=need.min(3) {
            for &max in maxes.iter().filter(|m| **m >= min) {
                for &sf in &search.safety_factors {
                    let (target, max_concurrency_per_instance, concurrency_target) = target(sf);
                    let raised: Vec<Option<u32>> =
                        std::iter::once(None).chain((min + 1..=max.min(need + 1)).map(Some)).collect();
                    for &business in &raised {
                        // The month-start action fires after the weekday one; a month-start
                        // minimum below the weekday one would lower capacity on busy days.
                        for &month in raised.iter().filter(|m| business.is_none() || **m >= business) {
                            push(
                                &mut out,
                                Candidate {
                                    min,
                                    max,
                                    safety_factor: sf,
                                    target,
                                    max_concurrency_per_instance,
                                    concurrency_target,
                                    business_hours_min: business,
                                    month_start_min: month,
                                    ..base.clone()
                                },
                            )?;
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Adds a candidate, within [`limits::MAX_CANDIDATES`].
fn push(out: &mut Vec<Candidate>, candidate: Candidate) -> Result<(), CandidateError> {
    if out.len() == limits::MAX_CANDIDATES {
        return Err(CandidateError::TooManyCandidates);
    }
    out.push(candidate);
    Ok(())
}

/// The scheduled events of a candidate, from the template fire times.
fn events(c: &Candidate, business: &(Vec<u32>, Vec<u32>), month: &(Vec<u32>, Vec<u32>)) -> Vec<ScheduledEvent> {
    let mut ev = Vec::new();
    if let Some(m) = c.business_hours_min {
        ev.extend(business.0.iter().map(|&minute| (minute, 0, ScheduledEvent { minute, min: Some(m), max: None })));
        ev.extend(business.1.iter().map(|&minute| (minute, 1, ScheduledEvent { minute, min: Some(c.min), max: None })));
    }
    if let Some(m) = c.month_start_min {
        ev.extend(month.0.iter().map(|&minute| (minute, 2, ScheduledEvent { minute, min: Some(m), max: None })));
        ev.extend(month.1.iter().map(|&minute| (minute, 3, ScheduledEvent { minute, min: Some(c.min), max: None })));
    }
    ev.sort_by_key(|(minute, order, _)| (*minute, *order));
    ev.into_iter().map(|(_, _, e)| e).collect()
}

pub fn variant_of(c: &Candidate, events: Vec<ScheduledEvent>) -> engine::Variant {
    engine::Variant {
        capacity_per_instance: c.capacity_per_instance,
        price_per_hour: c.price_per_hour,
        burstable: engine::burstable(&c.instance_type),
        initial_count: c.min,
        scaling: (!c.fixed_fleet).then_some(engine::Scaling {
            min: c.min,
            max: c.max,
            target: c.target,
            scale_in_cooldown_minutes: 5,
            scale_out_cooldown_minutes: 5,
            disable_scale_in: false,
            high_resolution: c.concurrency_target.is_some(),
            events,
        }),
    }
}

/// A candidate's levers, each oriented so that a larger value means more capacity: min, max,
/// the weekday and month-start minimums in force (absent = min), and the target's inverse (a
/// lower safety factor scales out sooner). Within one instance type, raising any lever cannot
/// raise the overload nor lower the bill: that is the monotonicity the search prunes with.
fn levers(c: &Candidate) -> [f64; 5] {
    let business = c.business_hours_min.unwrap_or(c.min);
    [
        f64::from(c.min),
        f64::from(c.max),
        f64::from(business),
        f64::from(c.month_start_min.unwrap_or(c.min)),
        -c.safety_factor,
    ]
}

fn at_least(a: &[f64; 5], b: &[f64; 5]) -> bool {
    a.iter().zip(b).all(|(x, y)| x >= y)
}

/// Adds `l` to an antichain of levers: `covers(x, y)` means x settles all that y settles. Only
/// the elements nothing else covers are kept, so checking a candidate stays cheap.
fn keep_extreme(list: &mut Vec<[f64; 5]>, l: [f64; 5], covers: impl Fn(&[f64; 5], &[f64; 5]) -> bool) {
    if list.iter().any(|x| covers(x, &l)) {
        return;
    }
    list.retain(|x| !covers(&l, x));
    list.push(l);
}

/// The levers of the runs that settle others, within one group of candidates.
#[derive(Default)]
struct Settled {
    /// Levers of runs within the budget: anything with at least these levers costs at least as
    /// much, so it cannot beat them. (It could tie to the cent and scale less often, which
    /// [`rank`] prefers; it is still not run: its extra capacity would have to cost less than a
    /// cent a month, and running everything above a finished run would undo the pruning.)
    feasible: Vec<[f64; 5]>,
    /// Levers of runs over the budget: anything with at most these levers is over it too.
    infeasible: Vec<[f64; 5]>,
}

/// Evaluates the candidates on `traffic` (in parallel) and returns the best configuration of
/// each instance type within the overload budget, best first in the order of [`rank`] (at most
/// `top`), and the cost/overload frontier of the runs that finished.
///
/// With `periods` (10-second traffic, `traffic` holding their per-minute sums), every run counts
/// overload per 10-second period and a concurrency policy's alarm sees each period, exactly as
/// `simulate` runs the same configuration: the figures reported are the ones simulate gives.
/// Overload per period is never less than per minute, so the pruning below holds unchanged.
///
/// A candidate is skipped when it has at least the levers of a run within budget in its group
/// (it cannot be cheaper) or at most those of a run over budget (it cannot be within it); a run
/// stops as soon as its overload exceeds the budget. The result is the same for any number of
/// threads (a bound shared by threads while they updated it made the counts and the ranking vary
/// from run to run).
pub fn search(
    search: &Search,
    candidates: &[Candidate],
    traffic: &[f64],
    periods: Option<&[f64]>,
    start: DateTime<Utc>,
    params: &Params,
    top: usize,
) -> Outcome {
    let minutes = traffic.len() as u32;
    let business = (fires(BUSINESS_RAISE, search, start, minutes), fires(BUSINESS_LOWER, search, start, minutes));
    let month = (fires(MONTH_RAISE, search, start, minutes), fires(MONTH_LOWER, search, start, minutes));
    let total: f64 = traffic.iter().sum();
    let budget = search.max_overload * total;
    // Groups that differ only in the scheduled minimums (or, for a fixed fleet, its size).
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index: std::collections::HashMap<(String, u64, u32, u32), usize> = std::collections::HashMap::new();
    for (i, c) in candidates.iter().enumerate() {
        let key = if c.fixed_fleet {
            (c.instance_type.clone(), 0, 0, 0)
        } else {
            (c.instance_type.clone(), c.safety_factor.to_bits(), c.min, c.max)
        };
        let g = *index.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    // Within a group: weekday minimum ascending, month-start minimum descending (a fixed fleet
    // largest first). Each run over the budget settles all below it, each within it all above,
    // so the walk follows the feasibility boundary: about as many runs as the two minimums have
    // values, not their product.
    for g in &mut groups {
        g.sort_by(|&x, &y| {
            let (lx, ly) = (levers(&candidates[x]), levers(&candidates[y]));
            lx[2].total_cmp(&ly[2]).then(ly[3].total_cmp(&lx[3])).then(ly[0].total_cmp(&lx[0])).then(x.cmp(&y))
        });
    }
    // One instance type's groups walk in turn, those with fewer levers first, so what their
    // runs settle carries to the next groups; types walk in parallel, each alone, so nothing
    // depends on the thread count or on timing.
    let mut by_type: Vec<Vec<&Vec<usize>>> = search.instance_types.iter().map(|_| Vec::new()).collect();
    for g in &groups {
        let c = &candidates[g[0]];
        let t = search.instance_types.iter().position(|t| *t == c.instance_type).unwrap_or(0);
        by_type[t].push(g);
    }
    for groups in &mut by_type {
        groups.sort_by(|x, y| {
            let (a, b) = (&candidates[x[0]], &candidates[y[0]]);
            (a.min, a.max).cmp(&(b.min, b.max)).then(b.safety_factor.total_cmp(&a.safety_factor))
        });
    }
    let walks: Vec<(usize, Vec<Ranked>)> = by_type
        .par_iter()
        .map(|groups| {
            let mut b = Settled::default();
            let (mut runs, mut finished) = (0usize, Vec::new());
            for &i in groups.iter().copied().flatten() {
                let c = &candidates[i];
                let l = levers(c);
                if b.feasible.iter().any(|f| at_least(&l, f)) || b.infeasible.iter().any(|f| at_least(f, &l)) {
                    continue;
                }
                runs += 1;
                let variant = variant_of(c, events(c, &business, &month));
                // No limit on the bill: a run stopped for it would settle nothing, and the walk
                // needs to know which side of the boundary each run is on.
                let limits = engine::Limits { max_overload: budget, max_instance_minutes: u64::MAX };
                // None: stopped as soon as the overload went over the budget.
                let run = match periods {
                    Some(periods) => engine::run_periods_within(traffic, periods, &variant, params, limits),
                    None => engine::run_within(traffic, &variant, params, limits),
                };
                match run {
                    Some(summary) => {
                        // A run settles those with at least its levers: the least ones most.
                        keep_extreme(&mut b.feasible, l, |x, y| at_least(y, x));
                        let share = if total > 0.0 { summary.overload_invocations / total } else { 0.0 };
                        let scalings = variant.scaling.as_ref().map(|s| Scalings::of(&summary, s));
                        finished.push(Ranked { candidate: c.clone(), summary, overload_share: share, scalings });
                    }
                    None => keep_extreme(&mut b.infeasible, l, at_least),
                }
            }
            (runs, finished)
        })
        .collect();
    let evaluated = walks.iter().map(|(runs, _)| runs).sum();
    let mut finished: Vec<Ranked> = walks.into_iter().flat_map(|(_, f)| f).collect();
    let feasible = finished.len();
    finished.sort_by(rank);
    let mut best: Vec<Ranked> = Vec::new();
    for r in &finished {
        if !best.iter().any(|b| b.candidate.instance_type == r.candidate.instance_type) {
            best.push(r.clone());
        }
    }
    best.truncate(top.max(1));
    // Cheapest first, each less overloaded than every cheaper one.
    let mut frontier: Vec<Ranked> = Vec::new();
    for r in finished {
        if frontier.last().is_none_or(|f| r.overload_share < f.overload_share) {
            frontier.push(r);
        }
    }
    Outcome { considered: candidates.len(), evaluated, feasible, best, frontier }
}

/// Requests per second one instance of the candidate's type serves, as a spec says it: the
/// load-tested figure itself on the tested type, else scaled by vCPUs (to 3 decimals).
pub fn rps_of(c: &Candidate, max_rps_reference: f64, tested_on: &str) -> f64 {
    if c.instance_type == tested_on {
        max_rps_reference
    } else {
        (c.capacity_per_instance / 60.0 * 1000.0).round() / 1000.0
    }
}

/// What a spec carrying the candidate should say about it, one line each: the capacity
/// assumption for a type that was not load-tested, and a burstable type's fixed fleet.
pub fn caveats(c: &Candidate, max_rps_reference: f64, tested_on: &str) -> Vec<String> {
    let mut out = Vec::new();
    if c.instance_type != tested_on {
        out.push(format!(
            "max_rps_per_instance {} is scaled by vCPU count from {max_rps_reference} load-tested on {tested_on}: load-test it.",
            rps_of(c, max_rps_reference, tested_on)
        ));
    }
    if c.fixed_fleet {
        out.push("Fixed fleet: burstable instances cannot be auto scaled.".to_string());
    }
    out
}

/// `base` (a variant's name, weight, model and hosting settings, which the search leaves alone)
/// with the candidate's instance type, count, capacity figure and scaling. Its schedules follow
/// the search's templates in `timezone`; its cooldowns are the 5 minutes the engine ran it with
/// (`variant_of`), said rather than left to the default, so the spec simulates as ranked.
///
/// A candidate on concurrency keeps the metric as `base` spells it, with its target derived from
/// `max_concurrency_per_instance` as the spec derives one.
pub fn recommended_variant(c: &Candidate, base: Variant, rps: f64, timezone: &str) -> Variant {
    let schedule = |name: &str, expr: &str, min: u32| ScheduledAction {
        name: Pos::new(name.to_string()),
        schedule: Pos::new(expr.to_string()),
        timezone: Some(Pos::new(timezone.to_string())),
        start_time: None,
        end_time: None,
        min: Some(Pos::new(min)),
        max: None,
    };
    let mut schedules = Vec::new();
    if let Some(m) = c.business_hours_min {
        schedules.push(schedule("business-hours-start", BUSINESS_RAISE, m));
        schedules.push(schedule("business-hours-end", BUSINESS_LOWER, c.min));
    }
    if let Some(m) = c.month_start_min {
        schedules.push(schedule("month-start-peak", MONTH_RAISE, m));
        schedules.push(schedule("month-start-end", MONTH_LOWER, c.min));
    }
    let cooldown = || Some(Pos::new("5m".to_string()));
    let metric = c.max_concurrency_per_instance.map(|_| {
        base.autoscaling
            .as_ref()
            .and_then(|a| a.metric.clone())
            .unwrap_or_else(|| Pos::new(MetricSpec::Named(CONCURRENCY_METRIC.to_string())))
    });
    Variant {
        instance_type: Pos::new(c.instance_type.clone()),
        initial_instance_count: Some(Pos::new(c.min)),
        max_rps_per_instance: Some(Pos::new(rps)),
        autoscaling: (!c.fixed_fleet).then(|| AutoScaling {
            min: Pos::new(c.min),
            max: Pos::new(c.max),
            metric,
            target: Some(Pos::new(TargetSpec::Derived(Target {
                max_concurrency_per_instance: c.max_concurrency_per_instance.map(Pos::new),
                safety_factor: Some(Pos::new(c.safety_factor)),
                ..Target::default()
            }))),
            scale_in_cooldown: cooldown(),
            scale_out_cooldown: cooldown(),
            disable_scale_in: None,
            schedules,
        }),
        ..base
    }
}

/// The winner as a spec fragment: a variant to paste under an endpoint's `variants:`.
pub fn fragment(c: &Candidate, max_rps_reference: f64, tested_on: &str, timezone: &str) -> String {
    let mut header =
        vec!["Recommended by `endpoint-scale recommend`. Paste under an endpoint's `variants:`.".to_string()];
    header.extend(caveats(c, max_rps_reference, tested_on));
    let base = Variant {
        name: Pos::new("primary".to_string()),
        instance_type: Pos::new(String::new()),
        initial_instance_count: None,
        initial_weight: None,
        volume_size_in_gb: None,
        model_data_download_timeout: None,
        container_startup_health_check_timeout: None,
        model: None,
        max_rps_per_instance: None,
        autoscaling: None,
    };
    let variant = recommended_variant(c, base, rps_of(c, max_rps_reference, tested_on), timezone);
    Document::variants(&[variant]).header(&header.join("\n")).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Source;

    fn winner() -> Candidate {
        Candidate {
            instance_type: "ml.c5.xlarge".into(),
            vcpus: 4,
            price_per_hour: 0.238,
            price_provenance: Provenance::Official,
            capacity_per_instance: 40.0 * 60.0,
            min: 1,
            max: 4,
            safety_factor: 0.6,
            target: scaling_target(40.0, 0.6),
            max_concurrency_per_instance: None,
            concurrency_target: None,
            business_hours_min: Some(2),
            month_start_min: Some(3),
            fixed_fleet: false,
        }
    }

    /// The fragment pasted under `variants:` of a minimal spec, as the CLI test does.
    fn in_a_spec(fragment: &str) -> String {
        let indented: String = fragment.lines().map(|l| format!("      {l}\n")).collect();
        format!(
            "version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {{existing: m}}\n    variants:\n{indented}"
        )
    }

    #[test]
    fn the_fragment_is_a_variant_that_reads_back_to_the_candidate() {
        let text = fragment(&winner(), 20.0, "ml.c5.large", "America/New_York");
        assert_eq!(
            text,
            "# Recommended by `endpoint-scale recommend`. Paste under an endpoint's `variants:`.
# max_rps_per_instance 40 is scaled by vCPU count from 20 load-tested on ml.c5.large: load-test it.
- name: primary
  instance_type: ml.c5.xlarge
  initial_instance_count: 1
  max_rps_per_instance: 40
  autoscaling:
    min: 1
    max: 4
    target:
      safety_factor: 0.6
    scale_in_cooldown: 5m
    scale_out_cooldown: 5m
    schedules:
      - name: business-hours-start
        schedule: cron(30 7 ? * MON-FRI *)
        timezone: America/New_York
        min: 2
      - name: business-hours-end
        schedule: cron(0 18 ? * MON-FRI *)
        timezone: America/New_York
        min: 1
      - name: month-start-peak
        schedule: cron(45 7 1,2 * ? *)
        timezone: America/New_York
        min: 3
      - name: month-start-end
        schedule: cron(0 18 1,2 * ? *)
        timezone: America/New_York
        min: 1
"
        );
        let parse = |t: &str| crate::spec::parse(&Source::new("s.yaml", t)).unwrap_or_else(|d| panic!("{d:?}\n{t}"));
        let spec = parse(&in_a_spec(&text));
        // Round trip: the parsed variant written again reads back the same.
        let again = parse(&in_a_spec(&Document::variants(&spec.endpoints[0].variants).to_string()));
        assert_eq!(format!("{:?}", spec.endpoints[0].variants), format!("{:?}", again.endpoints[0].variants));
        // And it means the candidate: same target, bounds and cooldowns as the engine ran.
        let desired = crate::validate::validate(&spec).desired.expect("valid");
        let scaling = desired.endpoints[0].variants[0].scaling.clone().expect("scaled");
        assert_eq!(scaling.target_value, winner().target);
        assert_eq!((scaling.capacity.min(), scaling.capacity.max()), (1, 4));
        assert_eq!((scaling.scale_in_cooldown_secs, scaling.scale_out_cooldown_secs), (300, 300));
        assert_eq!(scaling.schedules.len(), 4);
    }

    #[test]
    fn no_scaling_note_for_the_reference_type() {
        let c = Candidate { business_hours_min: None, month_start_min: None, ..winner() };
        let text = fragment(&c, 40.0, "ml.c5.xlarge", "UTC");
        assert!(text.starts_with(
            "# Recommended by `endpoint-scale recommend`. Paste under an endpoint's `variants:`.\n- name: primary\n"
        ));
        assert!(!text.contains("schedules"));
    }

    fn ranked(min: u32, cost: f64, events: u32) -> Ranked {
        let summary = Summary {
            minutes: 30 * 1440,
            cost,
            scale_outs: events / 2,
            scale_ins: events - events / 2,
            ..Summary::default()
        };
        Ranked {
            candidate: Candidate { min, business_hours_min: None, month_start_min: None, ..winner() },
            summary,
            overload_share: 0.001,
            scalings: None,
        }
    }

    #[test]
    fn at_the_same_cost_to_the_cent_fewer_scalings_rank_first() {
        let oscillating = ranked(1, 100.001, 1200);
        let stable = ranked(2, 100.004, 40);
        assert_eq!(rank(&stable, &oscillating), std::cmp::Ordering::Less);
        // A cent or more apart, the cheaper one wins however often it scales.
        let dearer = ranked(2, 100.02, 40);
        assert_eq!(rank(&oscillating, &dearer), std::cmp::Ordering::Less);
        // Costs are compared per 30-day month: over 3 days, $0.004 apart is $0.04 a month.
        let short = |r: Ranked, cost: f64| Ranked { summary: Summary { minutes: 3 * 1440, cost, ..r.summary }, ..r };
        let (a, b) = (short(ranked(1, 0.0, 1200), 10.000), short(ranked(2, 0.0, 40), 10.004));
        assert_eq!(rank(&a, &b), std::cmp::Ordering::Less);
    }

    /// Two configurations that cost the same to the cent a month and turn nothing away: one
    /// oscillates between one and two instances, the other holds two. The old order (exact cost
    /// first) put the oscillating one first, as it is a fraction of a cent cheaper.
    #[test]
    fn the_search_prefers_the_stable_configuration_at_the_same_cost() {
        // 20-minute blocks just above the target of one instance (600), then well below it.
        let traffic: Vec<f64> = (0..3 * 1440).map(|t| if (t / 20) % 2 == 0 { 640.0 } else { 500.0 }).collect();
        let start = chrono::DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z").unwrap().with_timezone(&Utc);
        let base = Candidate {
            instance_type: "ml.c5.large".into(),
            vcpus: 2,
            // A price so low that every configuration here costs the same to the cent.
            price_per_hour: 0.00001,
            price_provenance: Provenance::Official,
            capacity_per_instance: 1200.0,
            min: 1,
            max: 3,
            safety_factor: 0.5,
            target: scaling_target(20.0, 0.5),
            max_concurrency_per_instance: None,
            concurrency_target: None,
            business_hours_min: None,
            month_start_min: None,
            fixed_fleet: false,
        };
        // Neither has all the levers of the other (min up, max and target down), so both run.
        let oscillating = base.clone();
        let stable = Candidate { min: 2, max: 2, safety_factor: 0.6, target: scaling_target(20.0, 0.6), ..base };
        let search = Search {
            max_rps_per_instance: 20.0,
            tested_on: "ml.c5.large".into(),
            instance_types: vec!["ml.c5.large".into()],
            max_overload: 0.001,
            safety_factors: vec![0.5, 0.6],
            timezone: chrono_tz::UTC,
            timezone_name: "UTC".into(),
            concurrency: None,
        };
        let params = Params::default();
        let outcome = super::search(&search, &[oscillating.clone(), stable.clone()], &traffic, None, start, &params, 5);
        assert_eq!(outcome.evaluated, 2);
        assert_eq!(outcome.best.len(), 1);
        let best = &outcome.best[0];
        assert_eq!(best.candidate, stable);
        assert_eq!(best.scalings.as_ref().map(|s| s.oscillates), Some(false));
        // The oscillating one is cheaper (by less than a cent a month) and oscillates.
        let run = |c: &Candidate| {
            let v = variant_of(c, Vec::new());
            let summary = engine::run(&traffic, &v, &params, None);
            let scalings = Scalings::of(&summary, v.scaling.as_ref().unwrap());
            (summary, scalings)
        };
        let (osc, osc_scalings) = run(&oscillating);
        assert!(osc.cost < best.summary.cost, "{} vs {}", osc.cost, best.summary.cost);
        assert_eq!(
            (monthly(osc.cost, osc.minutes) * 100.0).round(),
            (monthly(best.summary.cost, best.summary.minutes) * 100.0).round()
        );
        assert_eq!((osc.overload_invocations, best.summary.overload_invocations), (0.0, 0.0));
        assert!(osc_scalings.oscillates, "{osc_scalings:?}");
    }

    /// A search on concurrency: each type's concurrency scales by vCPUs from the load-tested
    /// one, the concurrency target is the spec's recipe (x safety factor, 6 decimals), and the
    /// engine runs it as simulate does (Little's law, the high-resolution alarm).
    #[test]
    fn concurrency_candidates_carry_the_targets_simulate_would_run() {
        let search = Search {
            max_rps_per_instance: 40.0,
            tested_on: "ml.c5.xlarge".into(),
            instance_types: vec!["ml.c5.xlarge".into(), "ml.c5.large".into()],
            max_overload: 0.001,
            safety_factors: vec![0.3, 0.7],
            timezone: chrono_tz::UTC,
            timezone_name: "UTC".into(),
            concurrency: Some(ConcurrencySearch {
                request_seconds: 0.3,
                max_concurrency_per_instance: concurrency_of_rps(40.0, 0.3),
            }),
        };
        assert_eq!(concurrency_of_rps(40.0, 0.3), 12.0);
        let all = candidates(&search, &PriceTable::shipped(), 5000.0).unwrap();
        for c in all.iter().filter(|c| !c.fixed_fleet) {
            let max = if c.instance_type == "ml.c5.xlarge" { 12.0 } else { 6.0 };
            assert_eq!(c.max_concurrency_per_instance, Some(max), "{c:?}");
            let target = crate::model::concurrency_target(max, c.safety_factor);
            assert_eq!(c.concurrency_target, Some(target));
            assert_eq!(c.target, crate::simulate::concurrency_invocations(target, 0.3));
            let scaling = variant_of(c, Vec::new()).scaling.unwrap();
            assert!(scaling.high_resolution);
        }
        // Without it, the invocations recipe and the one-minute alarm.
        let plain = Search { concurrency: None, ..search };
        let c = &candidates(&plain, &PriceTable::shipped(), 5000.0).unwrap()[0];
        assert_eq!((c.max_concurrency_per_instance, c.concurrency_target), (None, None));
        assert_eq!(c.target, scaling_target(40.0, c.safety_factor));
        assert!(!variant_of(c, Vec::new()).scaling.unwrap().high_resolution);
    }

    /// The written variant keeps the base's spelling of the metric and derives its target from
    /// the candidate's concurrency.
    #[test]
    fn a_concurrency_winner_is_written_on_its_metric() {
        let c = Candidate {
            max_concurrency_per_instance: Some(12.0),
            concurrency_target: Some(crate::model::concurrency_target(12.0, 0.6)),
            business_hours_min: None,
            month_start_min: None,
            ..winner()
        };
        let text = fragment(&c, 40.0, "ml.c5.xlarge", "UTC");
        assert!(
            text.contains("    metric: concurrent_requests_per_model\n    target:\n      max_concurrency_per_instance: 12\n      safety_factor: 0.6\n"),
            "{text}"
        );
        let spec = crate::spec::parse(&Source::new("s.yaml", in_a_spec(&text))).unwrap();
        let desired = crate::validate::validate(&spec).desired.expect("valid");
        let scaling = desired.endpoints[0].variants[0].scaling.clone().expect("scaled");
        assert_eq!(scaling.metric, crate::model::ScalingMetric::ConcurrentRequestsPerModel);
        assert_eq!(Some(scaling.target_value), c.concurrency_target);
    }

    /// The pruning relies on monotonicity; on a small search it must find what trying every
    /// candidate to the end finds: the same cheapest cost per instance type.
    #[test]
    fn pruning_finds_what_an_exhaustive_search_finds() {
        use super::super::traffic::{generate, Generator};
        let traffic = generate(&Generator { days: 3, ..Generator::default() });
        let search = Search {
            max_rps_per_instance: 20.0,
            tested_on: "ml.c5.large".into(),
            instance_types: vec!["ml.c5.large".into(), "ml.c5.xlarge".into(), "ml.t2.medium".into()],
            max_overload: 0.001,
            safety_factors: vec![0.4, 0.6, 0.8],
            timezone: chrono_tz::America::New_York,
            timezone_name: "America/New_York".into(),
            concurrency: None,
        };
        let prices = PriceTable::shipped();
        let peak = traffic.per_minute.iter().copied().fold(0.0, f64::max);
        let all = candidates(&search, &prices, peak).unwrap();
        let params = Params::default();
        let outcome = super::search(&search, &all, &traffic.per_minute, None, traffic.start, &params, 5);
        let minutes = traffic.per_minute.len() as u32;
        let business = (
            fires(BUSINESS_RAISE, &search, traffic.start, minutes),
            fires(BUSINESS_LOWER, &search, traffic.start, minutes),
        );
        let month =
            (fires(MONTH_RAISE, &search, traffic.start, minutes), fires(MONTH_LOWER, &search, traffic.start, minutes));
        let budget = search.max_overload * traffic.per_minute.iter().sum::<f64>();
        for t in &search.instance_types {
            let exhaustive = all
                .iter()
                .filter(|c| &c.instance_type == t)
                .map(|c| engine::run(&traffic.per_minute, &variant_of(c, events(c, &business, &month)), &params, None))
                .filter(|s| s.overload_invocations <= budget)
                .map(|s| s.cost)
                .fold(f64::INFINITY, f64::min);
            let found = outcome.best.iter().find(|r| &r.candidate.instance_type == t).map(|r| r.summary.cost);
            assert_eq!(found, Some(exhaustive), "{t}");
        }
        assert!(outcome.evaluated < all.len(), "{} of {}", outcome.evaluated, all.len());
    }
}
