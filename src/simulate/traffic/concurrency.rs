//! The endpoint's measured concurrency beside its traffic, and the mean request duration it
//! gives by Little's law (docs/simulation.md, "Measured request duration").
//!
//! [`Concurrency`] holds, for each minute of a [`Traffic`], the mean number of requests the
//! endpoint's model containers held in that minute (queued ones included), or `None` where
//! CloudWatch had no `ConcurrentRequestsPerModel` datapoint. It comes from CloudWatch
//! ([`from_periods`]) or from the third column of an exported CSV, so simulating the export
//! gives the same estimate as reading CloudWatch.
//!
//! Little's law: the mean number in a system equals the arrival rate times the mean time in it.
//! Over the minutes with a concurrency datapoint, the concurrency-seconds divided by the requests
//! that arrived is the mean time a request spends in the container, queueing included. Too few
//! requests give no estimate rather than a number dominated by noise or a division by zero.

use chrono::{DateTime, Utc};

use super::metric::stamp;
use super::{Traffic, TrafficError};
use crate::simulate::limits::{number, MAX_CONCURRENT_REQUESTS, MIN_MEASURED_REQUESTS, REQUEST_SECONDS};

/// Seconds between two `ConcurrentRequestsPerModel` samples (SageMaker developer guide, "Define a
/// scaling policy": the high-resolution metrics are emitted every 10 seconds). Each sample stands
/// for its 10 seconds, so a period's `Sum` times this is its concurrency-seconds.
pub const SAMPLE_SECONDS: f64 = 10.0;

/// Mean concurrent requests of the endpoint in each minute of a traffic, where measured.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Concurrency {
    pub per_minute: Vec<Option<f64>>,
}

impl Concurrency {
    /// The first `minutes` minutes (as `--days` cuts the traffic).
    pub fn truncated(&self, minutes: usize) -> Concurrency {
        Concurrency { per_minute: self.per_minute.iter().take(minutes).copied().collect() }
    }

    /// Whether any minute has a datapoint.
    pub fn any(&self) -> bool {
        self.per_minute.iter().any(Option::is_some)
    }
}

/// The mean concurrency of a period from the `Sum` of its 10-second samples over all the
/// endpoint's containers (assumed: every container publishes one sample each 10 seconds, see
/// docs/simulation.md).
pub fn mean_of_sum(sum: f64, period_seconds: i64) -> f64 {
    sum * SAMPLE_SECONDS / period_seconds.max(1) as f64
}

/// Lays `points` (each period's start and its mean concurrency, ascending) over the minutes of
/// `traffic`, each period's mean on each of its minutes; points outside the traffic are dropped
/// (the traffic's span is set by its invocations).
pub fn from_periods(
    traffic: &Traffic,
    period_minutes: u32,
    points: &[(DateTime<Utc>, f64)],
) -> Result<Concurrency, TrafficError> {
    let mut per_minute = vec![None; traffic.per_minute.len()];
    let step = i64::from(period_minutes.max(1));
    for &(at, mean) in points {
        if !(0.0..=MAX_CONCURRENT_REQUESTS).contains(&mean) {
            return Err(TrafficError::MetricConcurrency { at: stamp(at), mean: number(mean) });
        }
        let offset = (at - traffic.start).num_minutes();
        for minute in offset..offset.saturating_add(step) {
            if let Some(slot) = usize::try_from(minute).ok().and_then(|m| per_minute.get_mut(m)) {
                *slot = Some(mean + 0.0);
            }
        }
    }
    Ok(Concurrency { per_minute })
}

/// What the concurrency says about the mean request duration.
#[derive(Debug, Clone, PartialEq)]
pub enum Estimate {
    /// No minute has a concurrency datapoint.
    Absent,
    /// Fewer than [`MIN_MEASURED_REQUESTS`] requests arrived in the minutes with a datapoint.
    TooLittle { minutes: usize, requests: f64 },
    /// The estimate is outside what `--request-seconds` accepts.
    OutOfRange { minutes: usize, seconds: f64 },
    /// Mean seconds per request, time in the container (queueing included), over `minutes`
    /// minutes that saw `requests` requests.
    Measured { minutes: usize, requests: f64, seconds: f64 },
}

/// Little's law over the minutes of `traffic` that have a concurrency datapoint.
pub fn estimate(traffic: &Traffic, concurrency: &Concurrency) -> Estimate {
    let mut minutes = 0usize;
    let mut requests = 0.0;
    let mut concurrency_seconds = 0.0;
    for (&invocations, mean) in traffic.per_minute.iter().zip(&concurrency.per_minute) {
        let Some(mean) = mean else { continue };
        minutes += 1;
        requests += invocations;
        concurrency_seconds += mean * 60.0;
    }
    if minutes == 0 {
        return Estimate::Absent;
    }
    // NaN is not in the range either, so nothing below divides by zero or yields NaN.
    if !(MIN_MEASURED_REQUESTS..=f64::MAX).contains(&requests) {
        return Estimate::TooLittle { minutes, requests };
    }
    let seconds = concurrency_seconds / requests;
    if !REQUEST_SECONDS.contains(&seconds) {
        return Estimate::OutOfRange { minutes, seconds };
    }
    Estimate::Measured { minutes, requests, seconds }
}

impl Estimate {
    /// The seconds per request, when measured.
    pub fn seconds(&self) -> Option<f64> {
        match self {
            Estimate::Measured { seconds, .. } => Some(*seconds),
            _ => None,
        }
    }

    /// One line for stderr; `None` when there is nothing to say (no concurrency data at all:
    /// where it comes from says that).
    pub fn describe(&self) -> Option<String> {
        match self {
            Estimate::Absent => None,
            Estimate::Measured { minutes, requests, seconds } => Some(format!(
                "note: measured from ConcurrentRequestsPerModel over {}: {} s per request (Little's law: mean concurrency / arrival rate, over {} requests; time in the container, queueing included)",
                plural_minutes(*minutes),
                format_seconds(*seconds),
                number(*requests),
            )),
            Estimate::TooLittle { minutes, requests } => Some(format!(
                "note: the request duration is not measured: the {} with a ConcurrentRequestsPerModel datapoint saw {} requests, fewer than the {} needed; give --request-seconds for a variant scaling on concurrency",
                plural_minutes(*minutes),
                number(*requests),
                number(MIN_MEASURED_REQUESTS),
            )),
            Estimate::OutOfRange { minutes, seconds } => Some(format!(
                "warning: ConcurrentRequestsPerModel over {} gives {} s per request, outside the {} to {} s accepted, so it is not used; check the data, or give --request-seconds",
                plural_minutes(*minutes),
                number(*seconds),
                number(*REQUEST_SECONDS.start()),
                number(*REQUEST_SECONDS.end()),
            )),
        }
    }
}

/// Seconds to three significant digits at least (0.123, 1.50, 12.3), for people; the
/// simulation uses the full value.
pub fn format_seconds(seconds: f64) -> String {
    if seconds >= 100.0 {
        format!("{seconds:.0}")
    } else if seconds >= 10.0 {
        format!("{seconds:.1}")
    } else if seconds >= 1.0 {
        format!("{seconds:.2}")
    } else {
        format!("{seconds:.3}")
    }
}

fn plural_minutes(n: usize) -> String {
    if n == 1 {
        "1 minute".to_string()
    } else {
        format!("{n} minutes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::traffic::test_support::utc;
    use chrono::TimeDelta;

    fn traffic(per_minute: Vec<f64>) -> Traffic {
        Traffic::minutes(utc(2026, 11, 2, 8, 0), per_minute)
    }

    #[test]
    fn littles_law_over_the_minutes_with_a_datapoint() {
        // 600 requests a minute (10 a second) with 2 in the container on average: 0.2 s each.
        let t = traffic(vec![600.0, 600.0, 9999.0, 600.0]);
        let c = Concurrency { per_minute: vec![Some(2.0), Some(2.0), None, Some(2.0)] };
        assert_eq!(estimate(&t, &c), Estimate::Measured { minutes: 3, requests: 1800.0, seconds: 0.2 });
        assert_eq!(
            estimate(&t, &c).describe().unwrap(),
            "note: measured from ConcurrentRequestsPerModel over 3 minutes: 0.200 s per request (Little's law: mean concurrency / arrival rate, over 1800 requests; time in the container, queueing included)"
        );
        // Uneven load: the estimate weighs each minute by its requests, not each minute alike.
        let t = traffic(vec![60.0, 540.0]);
        let c = Concurrency { per_minute: vec![Some(0.5), Some(4.5)] };
        assert_eq!(estimate(&t, &c).seconds(), Some(0.5));
    }

    #[test]
    fn too_little_data_is_said_not_divided() {
        let t = traffic(vec![0.0, 0.0]);
        let c = Concurrency { per_minute: vec![Some(0.0), Some(0.0)] };
        assert_eq!(estimate(&t, &c), Estimate::TooLittle { minutes: 2, requests: 0.0 });
        assert_eq!(
            estimate(&t, &c).describe().unwrap(),
            "note: the request duration is not measured: the 2 minutes with a ConcurrentRequestsPerModel datapoint saw 0 requests, fewer than the 100 needed; give --request-seconds for a variant scaling on concurrency"
        );
        let c = Concurrency { per_minute: vec![None, None] };
        assert_eq!(estimate(&t, &c), Estimate::Absent);
        assert_eq!(Estimate::Absent.describe(), None);
        // Requests only where concurrency is missing count for nothing.
        let t = traffic(vec![5000.0, 50.0]);
        let c = Concurrency { per_minute: vec![None, Some(1.0)] };
        assert_eq!(estimate(&t, &c), Estimate::TooLittle { minutes: 1, requests: 50.0 });
        // Shorter concurrency than traffic (and the reverse) never panics.
        assert_eq!(estimate(&t, &Concurrency::default()), Estimate::Absent);
    }

    #[test]
    fn absurd_estimates_are_not_used() {
        // 100 requests in a minute with a million in flight: hours per request.
        let t = traffic(vec![100.0]);
        let c = Concurrency { per_minute: vec![Some(1e6)] };
        let e = estimate(&t, &c);
        assert_eq!(e, Estimate::OutOfRange { minutes: 1, seconds: 600_000.0 });
        assert_eq!(e.seconds(), None);
        assert_eq!(
            e.describe().unwrap(),
            "warning: ConcurrentRequestsPerModel over 1 minute gives 600000 s per request, outside the 0.001 to 3600 s accepted, so it is not used; check the data, or give --request-seconds"
        );
        // Zero concurrency under real traffic is below the range too.
        let c = Concurrency { per_minute: vec![Some(0.0)] };
        assert!(matches!(estimate(&t, &c), Estimate::OutOfRange { .. }));
    }

    #[test]
    fn periods_lay_over_their_minutes_and_bad_values_are_errors() {
        let t = traffic(vec![1.0; 10]);
        let m = |n| t.start + TimeDelta::minutes(n);
        let c = from_periods(&t, 5, &[(m(-5), 9.0), (m(5), 1.5), (m(10), 9.0)]).unwrap();
        assert_eq!(c.per_minute, [vec![None; 5], vec![Some(1.5); 5]].concat());
        assert_eq!(c.truncated(6).per_minute.len(), 6);
        assert_eq!(mean_of_sum(30.0, 60), 5.0);
        let err = |mean| from_periods(&t, 1, &[(m(0), mean)]).unwrap_err().to_string();
        assert_eq!(
            err(-1.0),
            "CloudWatch reports a mean of -1 concurrent requests at 2026-11-02T08:00:00Z; a mean of concurrent requests is 0 to 1000000000"
        );
        assert_eq!(
            err(f64::NAN),
            "CloudWatch reports a mean of NaN concurrent requests at 2026-11-02T08:00:00Z; a mean of concurrent requests is 0 to 1000000000"
        );
        assert!(err(2e9).starts_with("CloudWatch reports a mean of 2000000000 concurrent requests"));
    }

    #[test]
    fn seconds_are_shown_to_three_figures() {
        assert_eq!(format_seconds(0.1234), "0.123");
        assert_eq!(format_seconds(1.5), "1.50");
        assert_eq!(format_seconds(12.34), "12.3");
        assert_eq!(format_seconds(123.4), "123");
    }

    #[test]
    fn the_csv_column_round_trips_and_is_checked() {
        use crate::simulate::traffic::{read_measured, to_csv_with_concurrency};
        let t = traffic(vec![600.0, 0.30000000000000004, 7.0]);
        let c = Concurrency { per_minute: vec![Some(1.2345678901234567), None, Some(0.0)] };
        let text = to_csv_with_concurrency(&t, &c);
        assert_eq!(
            text,
            "timestamp,invocations,concurrency\n2026-11-02T08:00:00Z,600,1.2345678901234567\n2026-11-02T08:01:00Z,0.30000000000000004,\n2026-11-02T08:02:00Z,7,0\n"
        );
        let (back, back_c) = read_measured(text.as_bytes()).unwrap();
        assert_eq!((back, back_c), (t.clone(), Some(c)));
        // A coarser row's mean holds for each of its minutes; a missing row has none.
        let (t5, c5) = read_measured(
            "timestamp,invocations,concurrency\n2026-11-02T08:00:00Z,500,2\n2026-11-02T08:05:00Z,50,\n2026-11-02T08:15:00Z,5,3\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(t5.per_minute.len(), 20);
        assert_eq!(c5.unwrap().per_minute, [vec![Some(2.0); 5], vec![None; 10], vec![Some(3.0); 5]].concat());
        // Two columns: no concurrency.
        assert_eq!(read_measured("timestamp,invocations\n2026-11-02T08:00:00Z,1\n".as_bytes()).unwrap().1, None);
        let err = |text: &str| read_measured(text.as_bytes()).unwrap_err().to_string();
        let h = "timestamp,invocations,concurrency\n";
        assert_eq!(
            err(&format!("{h}2026-11-02T08:00:00Z,1\n")),
            "line 2: expected 3 columns (timestamp,invocations,concurrency) but found 2; write a timestamp, a number and a mean concurrency (or nothing) per row"
        );
        for bad in ["-1", "NaN", "inf", "2e9", "many"] {
            assert_eq!(
                err(&format!("{h}2026-11-02T08:00:00Z,1,{bad}\n")),
                format!("line 2: concurrency `{bad}` is not a mean of concurrent requests from 0 to 1000000000; write a number such as 2.5, or leave the cell empty where there was no datapoint")
            );
        }
    }
}
