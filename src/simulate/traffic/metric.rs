//! Traffic from CloudWatch metric periods read live (`simulate --traffic cloudwatch`): the
//! endpoint's `Invocations` sums per period, already summed over its variants, become minutes.
//!
//! Each period's invocations are spread evenly over its minutes (a 5-minute sum of 100 is 20 a
//! minute), as the file readers do. The traffic runs from the first period with a datapoint to
//! the end of the last one. A period between them without a datapoint is a gap: CloudWatch has
//! no datapoint for a period in which nothing was published, whether because there were no
//! requests or because data is missing, and the two cannot be told apart here. Gaps are
//! simulated as zero invocations, and [`Gaps`] says how many minutes that was, the longest gap
//! and where the first ones are, so the user sees it rather than a silent zero fill.

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use super::{Traffic, TrafficError};
use crate::simulate::limits::{number, MAX_INVOCATIONS_PER_MINUTE, MAX_MINUTES};

/// How many gaps the warning lists by their start.
const GAPS_LISTED: usize = 3;

/// Periods between the first and the last datapoint that had none.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Gaps {
    /// Minutes of the traffic in all.
    pub minutes: usize,
    /// Minutes without a datapoint.
    pub missing_minutes: usize,
    /// Each gap's first minute and length in minutes, in time order.
    pub ranges: Vec<(DateTime<Utc>, usize)>,
}

impl Gaps {
    pub fn longest(&self) -> usize {
        self.ranges.iter().map(|&(_, len)| len).max().unwrap_or(0)
    }

    /// One sentence for a warning, or `None` without gaps.
    pub fn describe(&self, start: DateTime<Utc>) -> Option<String> {
        if self.ranges.is_empty() {
            return None;
        }
        let end = start + TimeDelta::minutes(self.minutes as i64);
        let listed: Vec<String> = self
            .ranges
            .iter()
            .take(GAPS_LISTED)
            .map(|&(at, len)| format!("{} ({})", stamp(at), minutes(len)))
            .collect();
        let more = self.ranges.len().saturating_sub(GAPS_LISTED);
        let more = if more > 0 { format!(" and {more} more") } else { String::new() };
        Some(format!(
            "CloudWatch has no Invocations datapoint for {} of the {} from {} to {}, in {} (the longest {}): at {}{more}; they are simulated as 0 invocations (CloudWatch has no datapoint for a period without requests, nor for one whose data is missing)",
            self.missing_minutes,
            minutes(self.minutes),
            stamp(start),
            stamp(end),
            if self.ranges.len() == 1 { "1 gap".to_string() } else { format!("{} gaps", self.ranges.len()) },
            minutes(self.longest()),
            listed.join(", "),
        ))
    }
}

fn minutes(n: usize) -> String {
    if n == 1 {
        "1 minute".to_string()
    } else {
        format!("{n} minutes")
    }
}

/// `2026-11-02T08:00:00Z`.
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Turns `points` (each period's start and invocations, sorted ascending, one per period, on
/// multiples of `period_minutes` from the first) into minutes, with the gaps between them.
pub fn from_periods(period_minutes: u32, points: &[(DateTime<Utc>, f64)]) -> Result<(Traffic, Gaps), TrafficError> {
    let (Some(&(first, _)), Some(&(last, _))) = (points.first(), points.last()) else {
        return Err(TrafficError::NoDatapoints);
    };
    let step = i64::from(period_minutes.max(1));
    let offset = |at: DateTime<Utc>| (at - first).num_minutes();
    let span = offset(last).saturating_add(step);
    let len = usize::try_from(span)
        .ok()
        .filter(|&m| m <= MAX_MINUTES)
        .ok_or(TrafficError::MetricTooLong { minutes: span })?;
    let divisor = step as f64;
    let mut per_minute = vec![0.0; len];
    let mut covered = vec![false; len];
    let mut previous: Option<i64> = None;
    for &(at, value) in points {
        let o = offset(at);
        let share = value / divisor;
        if !(0.0..=MAX_INVOCATIONS_PER_MINUTE).contains(&share) {
            return Err(TrafficError::MetricTooMany { at: stamp(at), per_minute: number(share) });
        }
        if o < 0 || o % step != 0 || previous.is_some_and(|p| o <= p) {
            return Err(TrafficError::MetricOrder { at: stamp(at) });
        }
        previous = Some(o);
        // 0 <= o and o + step <= span = len, so the range is in bounds.
        let range = o as usize..(o + step) as usize;
        per_minute[range.clone()].fill(share + 0.0);
        covered[range].fill(true);
    }
    let mut gaps = Gaps { minutes: len, ..Gaps::default() };
    let mut i = 0;
    while i < len {
        if covered[i] {
            i += 1;
            continue;
        }
        let begin = i;
        while i < len && !covered[i] {
            i += 1;
        }
        gaps.missing_minutes += i - begin;
        gaps.ranges.push((first + TimeDelta::minutes(begin as i64), i - begin));
    }
    Ok((Traffic::minutes(first, per_minute), gaps))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::traffic::test_support::utc;

    #[test]
    fn one_minute_periods_with_gaps() {
        let t0 = utc(2026, 11, 2, 8, 0);
        let m = |n| t0 + TimeDelta::minutes(n);
        let points = [(m(0), 3.0), (m(1), 4.0), (m(4), 5.0), (m(6), 1.0)];
        let (traffic, gaps) = from_periods(1, &points).unwrap();
        assert_eq!(traffic, Traffic::minutes(t0, vec![3.0, 4.0, 0.0, 0.0, 5.0, 0.0, 1.0]));
        assert_eq!(gaps, Gaps { minutes: 7, missing_minutes: 3, ranges: vec![(m(2), 2), (m(5), 1)] });
        assert_eq!(
            gaps.describe(t0).unwrap(),
            "CloudWatch has no Invocations datapoint for 3 of the 7 minutes from 2026-11-02T08:00:00Z to 2026-11-02T08:07:00Z, in 2 gaps (the longest 2 minutes): at 2026-11-02T08:02:00Z (2 minutes), 2026-11-02T08:05:00Z (1 minute); they are simulated as 0 invocations (CloudWatch has no datapoint for a period without requests, nor for one whose data is missing)"
        );
    }

    #[test]
    fn five_minute_periods_are_spread_and_gaps_listed_up_to_three() {
        let t0 = utc(2026, 11, 2, 8, 0);
        let m = |n| t0 + TimeDelta::minutes(n);
        let points = [(m(0), 100.0), (m(10), 5.0), (m(20), 5.0), (m(30), 5.0), (m(40), 5.0), (m(50), 5.0)];
        let (traffic, gaps) = from_periods(5, &points).unwrap();
        assert_eq!(traffic.per_minute.len(), 55);
        assert_eq!(traffic.per_minute[..6], [20.0, 20.0, 20.0, 20.0, 20.0, 0.0]);
        assert_eq!(traffic.per_minute[54], 1.0);
        assert_eq!(gaps.missing_minutes, 25);
        assert!(gaps.describe(t0).unwrap().contains(
            "in 5 gaps (the longest 5 minutes): at 2026-11-02T08:05:00Z (5 minutes), 2026-11-02T08:15:00Z (5 minutes), 2026-11-02T08:25:00Z (5 minutes) and 2 more;"
        ));
        // Without gaps, nothing to say.
        let (_, gaps) = from_periods(5, &points[..1]).unwrap();
        assert_eq!(gaps.describe(t0), None);
    }

    #[test]
    fn bad_periods_are_errors() {
        let t0 = utc(2026, 11, 2, 8, 0);
        let m = |n| t0 + TimeDelta::minutes(n);
        let err = |period, points: &[(DateTime<Utc>, f64)]| from_periods(period, points).unwrap_err().to_string();
        assert_eq!(
            err(1, &[]),
            "the CloudWatch output has no datapoints; check the endpoint name, variant and time range (CloudWatch omits periods without invocations)"
        );
        assert_eq!(err(5, &[(m(0), 1.0), (m(3), 1.0)]), "CloudWatch returned a datapoint at 2026-11-02T08:03:00Z out of time order or off the period; run again, and report it if it persists");
        assert_eq!(err(1, &[(m(1), 1.0), (m(1), 1.0)]), "CloudWatch returned a datapoint at 2026-11-02T08:01:00Z out of time order or off the period; run again, and report it if it persists");
        assert_eq!(
            err(1, &[(m(0), 2e9)]),
            "CloudWatch reports 2000000000 invocations a minute at 2026-11-02T08:00:00Z, more than the 1000000000 accepted"
        );
        assert_eq!(
            err(1, &[(m(0), 1.0), (m(600_000), 1.0)]),
            "the CloudWatch data spans 600001 minutes, more than the 527040 (366 days) accepted; ask for fewer --days"
        );
    }
}
