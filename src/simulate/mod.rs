//! The traffic simulator: what a spec does with a traffic profile, minute by minute, before
//! anything is deployed. It works on the validated model only and never calls AWS.
//!
//! - [`traffic`]: invocations per minute from CSV, CloudWatch JSON or a seeded generator;
//! - [`engine`]: the minute-by-minute model of one variant (docs/simulation.md);
//! - [`prices`]: the shipped price table and `--prices` overrides;
//! - [`recommend`]: the cheapest configurations within an overload budget;
//! - [`limits`]: every bound on the simulator's input, with its reason.

pub mod engine;
pub mod limits;
pub mod prices;
pub mod recommend;
pub mod traffic;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::model::{Desired, ScheduleModel};
use engine::{Params, ScheduledEvent, Series, Summary};
use prices::{PriceError, PriceTable};

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("the spec has {count} endpoints ({names}); pick the one the traffic belongs to with --endpoint")]
    WhichEndpoint { count: usize, names: String },
    #[error("endpoint {0} is not in the spec")]
    NoEndpoint(String),
    #[error(
        "variant {endpoint}/{variant} has no `max_rps_per_instance`: the simulator needs the load-tested requests per second one instance serves"
    )]
    NoCapacity { endpoint: String, variant: String },
    #[error(
        "variant {endpoint}/{variant} has {what} {count}; the simulator models 1 to {max} instances per variant",
        max = limits::MAX_INSTANCES
    )]
    TooManyInstances { endpoint: String, variant: String, what: &'static str, count: u32 },
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
    pub price_verified: bool,
    pub model: engine::Variant,
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

/// Turns an endpoint's variants into engine inputs over `minutes` minutes from `start`.
pub fn prepare(
    desired: &Desired,
    endpoint: Option<&str>,
    prices: &PriceTable,
    start: DateTime<Utc>,
    minutes: u32,
) -> Result<Vec<Prepared>, SimError> {
    let e = endpoint_of(desired, endpoint)?;
    let total_weight: f64 = e.variants.iter().map(|v| v.initial_weight).sum();
    e.variants
        .iter()
        .map(|v| {
            let rps = v
                .max_rps_per_instance
                .ok_or_else(|| SimError::NoCapacity { endpoint: e.name.clone(), variant: v.name.clone() })?;
            let price = prices.get(v.instance_type.as_str())?;
            let too_many = |what, count| SimError::TooManyInstances {
                endpoint: e.name.clone(),
                variant: v.name.clone(),
                what,
                count,
            };
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
                events: schedule_events(&s.schedules, start, minutes),
            });
            Ok(Prepared {
                endpoint: e.name.clone(),
                variant: v.name.clone(),
                instance_type: v.instance_type.to_string(),
                share: if total_weight > 0.0 { v.initial_weight / total_weight } else { 0.0 },
                price_verified: price.verified,
                model: engine::Variant {
                    capacity_per_instance: rps * 60.0,
                    price_per_hour: price.per_hour,
                    burstable: engine::burstable(v.instance_type.as_str()),
                    initial_count: v.initial_instance_count,
                    scaling,
                },
            })
        })
        .collect()
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
    pub price_verified: bool,
    pub summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series: Option<Series>,
}

/// Simulates every prepared variant on its share of `traffic`.
pub fn simulate(
    label: &str,
    prepared: &[Prepared],
    traffic: &[f64],
    params: &Params,
    with_series: bool,
) -> Vec<VariantResult> {
    prepared
        .iter()
        .map(|p| {
            let invocations: Vec<f64> = traffic.iter().map(|t| t * p.share).collect();
            let mut series = with_series.then(Series::default);
            let summary = engine::run(&invocations, &p.model, params, series.as_mut());
            VariantResult {
                label: label.to_string(),
                endpoint: p.endpoint.clone(),
                variant: p.variant.clone(),
                instance_type: p.instance_type.clone(),
                price_per_hour: p.model.price_per_hour,
                price_verified: p.price_verified,
                summary,
                series,
            }
        })
        .collect()
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
