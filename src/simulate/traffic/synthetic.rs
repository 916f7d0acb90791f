//! Synthetic traffic from a seeded generator: a weekday business-hours peak in a local time
//! zone, busier month starts, noise and bursts. It uses ChaCha8 and arithmetic without platform
//! math libraries, so a seed gives the same traffic on every machine.

use chrono::{DateTime, Datelike, SecondsFormat, TimeDelta, Timelike, Utc, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{minute_sum, Traffic, TrafficError, PERIODS_PER_MINUTE};
use crate::diagnostic::shorten;
use crate::schedule::parse_timezone;
use crate::simulate::limits::{
    generator as limits, number, MAX_DAYS, MAX_INVOCATIONS_PER_MINUTE, MINUTES_PER_DAY, YEARS,
};

/// Synthetic traffic, reproducible from a seed: a base rate, a weekday business-hours peak in
/// a local time zone with linear ramps, busier first days of the month, Gaussian noise and
/// short bursts. The same `Generator` gives bit-identical output on every run and platform.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Generator {
    /// Seed of the ChaCha8 random stream (noise and bursts).
    pub seed: u64,
    /// First minute (UTC; seconds are dropped). In files: RFC 3339, e.g. `2026-11-01T00:00:00Z`.
    #[serde(with = "serde_rfc3339")]
    pub start: DateTime<Utc>,
    /// How many days to generate (1440 minutes each; at most [`MAX_DAYS`]).
    pub days: u32,
    /// Invocations per minute outside peaks.
    pub base_rpm: f64,
    /// How many times `base_rpm` the traffic is during the peak.
    pub peak_multiplier: f64,
    /// Local hour (0-24) the full peak starts, on `peak_days`.
    pub peak_start_hour: u32,
    /// Local hour (0-24) the full peak ends; an hour at or before `peak_start_hour` ends the next day.
    pub peak_end_hour: u32,
    /// Local weekdays with a peak (the day the peak starts). In files: `["Mon", "Tue", ...]`.
    #[serde(with = "serde_weekdays")]
    pub peak_days: Vec<Weekday>,
    /// IANA time zone of the peak hours, peak days and month starts; follows daylight saving.
    pub timezone: String,
    /// Minutes over which the peak ramps linearly up before `peak_start_hour` and down after
    /// `peak_end_hour` (0 makes it a step).
    pub ramp_minutes: u32,
    /// The first this many days of each month (local time) get `month_start_multiplier`.
    pub month_start_days: u32,
    /// Multiplier on those month-start days, on top of everything else.
    pub month_start_multiplier: f64,
    /// Relative standard deviation of the multiplicative Gaussian noise per minute (the value
    /// is clamped at 0).
    pub noise: f64,
    /// Expected short bursts per day: each minute starts one with probability `bursts_per_day / 1440`.
    pub bursts_per_day: f64,
    /// Multiplier during a burst, on top of everything else.
    pub burst_multiplier: f64,
    /// Length of a burst in minutes (a burst starting during another extends it).
    pub burst_minutes: u32,
    /// One row a minute (`1m`) or one every 10 seconds (`10s`): the same minutes, each split
    /// into six periods with noise and spikes.
    pub resolution: Resolution,
    /// With `10s`: expected sub-minute spikes an hour, each 20 to 40 seconds within a minute.
    pub spikes_per_hour: f64,
    /// With `10s`: how many times the rest of its minute a spike's periods are, per period.
    pub spike_multiplier: f64,
}

/// How finely the generator writes traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Resolution {
    #[serde(rename = "1m")]
    OneMinute,
    #[serde(rename = "10s")]
    TenSeconds,
}

impl Default for Generator {
    fn default() -> Self {
        Generator {
            seed: 1,
            start: DateTime::from_timestamp(1_793_491_200, 0).unwrap_or_default(), // 2026-11-01T00:00:00Z
            days: 30,
            base_rpm: 300.0,
            peak_multiplier: 4.0,
            peak_start_hour: 8,
            peak_end_hour: 18,
            peak_days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            timezone: "America/New_York".to_string(),
            ramp_minutes: 30,
            month_start_days: 2,
            month_start_multiplier: 1.8,
            noise: 0.1,
            bursts_per_day: 0.5,
            burst_multiplier: 3.0,
            burst_minutes: 10,
            resolution: Resolution::OneMinute,
            spikes_per_hour: 6.0,
            spike_multiplier: 4.0,
        }
    }
}

impl Generator {
    /// Checks every field against its range in `simulate::limits::generator`; the first one out
    /// of range is the error. [`generate`] never panics on a generator that fails this, but it
    /// falls back (an unknown time zone is UTC, out-of-range numbers are clamped).
    pub fn validate(&self) -> Result<(), TrafficError> {
        let bad = |field: &'static str, shown: String| {
            Err(TrafficError::InvalidGenerator {
                field,
                problem: format!("is {shown}; use {}", allowed(field).unwrap_or_default()),
            })
        };
        if !YEARS.contains(&self.start.year()) {
            return bad("start", format!("`{}`", self.start.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
        }
        if !limits::DAYS.contains(&self.days) {
            return bad("days", self.days.to_string());
        }
        for (field, v, range) in [
            ("peak_start_hour", self.peak_start_hour, limits::HOUR),
            ("peak_end_hour", self.peak_end_hour, limits::HOUR),
            ("ramp_minutes", self.ramp_minutes, limits::RAMP_MINUTES),
            ("month_start_days", self.month_start_days, limits::MONTH_START_DAYS),
            ("burst_minutes", self.burst_minutes, limits::BURST_MINUTES),
        ] {
            if !range.contains(&v) {
                return bad(field, v.to_string());
            }
        }
        for (field, v, range) in [
            ("base_rpm", self.base_rpm, limits::BASE_RPM),
            ("peak_multiplier", self.peak_multiplier, limits::MULTIPLIER),
            ("month_start_multiplier", self.month_start_multiplier, limits::MULTIPLIER),
            ("noise", self.noise, limits::NOISE),
            ("bursts_per_day", self.bursts_per_day, limits::BURSTS_PER_DAY),
            ("burst_multiplier", self.burst_multiplier, limits::MULTIPLIER),
            ("spikes_per_hour", self.spikes_per_hour, limits::SPIKES_PER_HOUR),
            ("spike_multiplier", self.spike_multiplier, limits::MULTIPLIER),
        ] {
            // `contains` is false for NaN.
            if !range.contains(&v) {
                return bad(field, number(v));
            }
        }
        if let Err(e) = parse_timezone(&self.timezone) {
            let help = e.help.unwrap_or_else(|| format!("use {}", allowed("timezone").unwrap_or_default()));
            return Err(TrafficError::InvalidGenerator {
                field: "timezone",
                problem: format!("is `{}`, not a known time zone; {help}", shorten(&self.timezone)),
            });
        }
        let busiest = self.base_rpm
            * self.peak_multiplier.max(1.0)
            * self.month_start_multiplier.max(1.0)
            * self.burst_multiplier.max(1.0);
        if busiest > MAX_INVOCATIONS_PER_MINUTE {
            return Err(TrafficError::InvalidGenerator {
                field: "base_rpm",
                problem: format!(
                    "{} times the peak, month-start and burst multipliers is {} invocations a minute at the busiest, more than the {} accepted; lower one of them",
                    number(self.base_rpm),
                    number(busiest),
                    number(MAX_INVOCATIONS_PER_MINUTE)
                ),
            });
        }
        Ok(())
    }
}

/// Every generator setting with what it means, in the order `traffic generate --help` lists
/// them. A test checks it names exactly the fields of [`Generator`], so the help cannot drift
/// from the generator; defaults and ranges come from [`Generator::default`] and [`allowed`].
pub const SETTINGS: &[(&str, &str)] = &[
    ("seed", "seed of the random stream (noise and bursts): the same seed gives the same traffic"),
    ("start", "the first minute, UTC"),
    ("days", "how many days to generate"),
    ("base_rpm", "invocations a minute outside peaks"),
    ("peak_multiplier", "how many times base_rpm the traffic is during the peak"),
    ("peak_start_hour", "local hour the full peak starts, on peak_days"),
    ("peak_end_hour", "local hour the full peak ends (at or before peak_start_hour: the next day)"),
    ("peak_days", "local weekdays with a peak"),
    ("timezone", "time zone of the peak hours, peak days and month starts (follows daylight saving)"),
    ("ramp_minutes", "minutes the peak ramps up before its start and down after its end (0: a step)"),
    ("month_start_days", "the first this many days of each month get month_start_multiplier"),
    ("month_start_multiplier", "multiplier on those month-start days, on top of the rest"),
    ("noise", "relative standard deviation of the per-minute Gaussian noise (with 10s, of each period's share too)"),
    ("bursts_per_day", "expected short bursts a day"),
    ("burst_multiplier", "multiplier during a burst, on top of the rest"),
    ("burst_minutes", "length of a burst in minutes"),
    ("resolution", "1m writes a row a minute; 10s a row every 10 seconds, each minute's invocations (the same as with 1m) split over six periods with noise and spikes"),
    ("spikes_per_hour", "with 10s: expected spikes an hour, each 20 to 40 seconds inside one minute (a burst the minute total hides)"),
    ("spike_multiplier", "with 10s: a spike period's level, times the other periods of its minute"),
];

/// The generator's settings as a table for `--help`: each key with its default, what it means
/// and what it accepts. Values are written as `key=value` takes them (`peak_days=Mon,Fri`).
pub fn settings_help() -> String {
    let defaults = serde_json::to_value(Generator::default()).unwrap_or_default();
    let width = SETTINGS.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut out = String::from("Settings (key=value; default, meaning, accepted values):\n");
    for (key, meaning) in SETTINGS {
        let default = match defaults.get(key) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Array(items)) => {
                items.iter().map(|v| v.as_str().unwrap_or_default()).collect::<Vec<_>>().join(",")
            }
            Some(v) => v.to_string(),
            None => String::new(),
        };
        out.push_str(&format!(
            "  {key:<width$}  {default}\n  {:width$}  {meaning}; {}\n",
            "",
            allowed(key).unwrap_or_default()
        ));
    }
    out
}

/// What a generator setting accepts, as messages name it (the ranges are in
/// `simulate::limits::generator`); `None` for a name that is not a setting.
pub fn allowed(field: &str) -> Option<String> {
    use crate::simulate::limits::range;
    Some(match field {
        "seed" => format!("a whole number from 0 to {}", u64::MAX),
        "start" => {
            format!("an RFC 3339 time such as `2026-11-01T00:00:00Z` in the years {} to {}", YEARS.start(), YEARS.end())
        }
        "days" => format!("a whole number of days from {}", range(&limits::DAYS)),
        "base_rpm" => format!("a number of invocations a minute from {}", range(&limits::BASE_RPM)),
        "peak_multiplier" | "month_start_multiplier" | "burst_multiplier" | "spike_multiplier" => {
            format!("a number from {}", range(&limits::MULTIPLIER))
        }
        "peak_start_hour" | "peak_end_hour" => format!("an hour from {}", range(&limits::HOUR)),
        "peak_days" => "weekdays separated by commas, such as `Mon,Fri`".to_string(),
        "timezone" => "an IANA time zone such as `America/New_York` or `UTC`".to_string(),
        "ramp_minutes" => format!("a whole number of minutes from {}", range(&limits::RAMP_MINUTES)),
        "month_start_days" => format!("a whole number of days from {}", range(&limits::MONTH_START_DAYS)),
        "noise" => format!("a number from {}", range(&limits::NOISE)),
        "bursts_per_day" => format!("a number from {}", range(&limits::BURSTS_PER_DAY)),
        "burst_minutes" => format!("a whole number of minutes from {}", range(&limits::BURST_MINUTES)),
        "resolution" => "`1m` or `10s`".to_string(),
        "spikes_per_hour" => format!("a number from {}", range(&limits::SPIKES_PER_HOUR)),
        _ => return None,
    })
}

/// A finite non-negative number, or 0.
fn sane(v: f64) -> f64 {
    if v.is_finite() && v >= 0.0 {
        v
    } else {
        0.0
    }
}

/// Generates `g.days * 1440` minutes from `g.start` (truncated to the minute), each at most
/// [`MAX_INVOCATIONS_PER_MINUTE`].
///
/// Each minute is `base_rpm x peak x month start x burst x noise`, where the peak factor goes
/// from 1 to `peak_multiplier` (linearly over the ramps, evaluated at the middle of the minute)
/// in local time, and noise is `max(0, 1 + noise * z)` for a standard normal `z`. Every minute
/// draws exactly two numbers from `ChaCha8Rng::seed_from_u64(seed)` (burst, then noise), and
/// `z` comes from an inverse normal CDF built from `+ - * /` and `sqrt` alone, so the output is
/// bit-identical on every platform (no platform `ln`/`exp`).
pub fn generate(g: &Generator) -> Traffic {
    let start = g.start.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(g.start);
    let tz: chrono_tz::Tz = g.timezone.parse().unwrap_or(chrono_tz::UTC);
    let days = g.days.min(MAX_DAYS) as usize;
    let peak = Peak {
        start_minute: i64::from(g.peak_start_hour.min(24)) * 60,
        end_minute: i64::from(g.peak_end_hour.min(24)) * 60,
        ramp: i64::from(g.ramp_minutes.min(MINUTES_PER_DAY as u32)),
        days: g.peak_days.clone(),
    };
    let base = sane(g.base_rpm);
    let peak_extra = sane(g.peak_multiplier) - 1.0;
    let month_multiplier = sane(g.month_start_multiplier);
    let noise = sane(g.noise);
    let burst_probability = (sane(g.bursts_per_day) / MINUTES_PER_DAY as f64).min(1.0);
    let burst_multiplier = sane(g.burst_multiplier);

    let mut rng = ChaCha8Rng::seed_from_u64(g.seed);
    let mut burst_left = 0u32;
    let mut per_minute = Vec::with_capacity(days * MINUTES_PER_DAY);
    for i in 0..days * MINUTES_PER_DAY {
        // Always two draws per minute, whatever the branches below do.
        let burst_draw = unit(rng.next_u64());
        let noise_draw = unit(rng.next_u64());
        let Some(at) = TimeDelta::try_minutes(i as i64).and_then(|d| start.checked_add_signed(d)) else {
            break;
        };
        let local = at.with_timezone(&tz).naive_local();
        let local_minute = local.and_utc().timestamp().div_euclid(60);

        let mut rate = base * (1.0 + peak_extra * peak.weight(local_minute));
        if local.day() <= g.month_start_days {
            rate *= month_multiplier;
        }
        if burst_draw < burst_probability {
            burst_left = burst_left.max(g.burst_minutes);
        }
        if burst_left > 0 {
            rate *= burst_multiplier;
            burst_left -= 1;
        }
        rate *= (1.0 + noise * inverse_normal_cdf(noise_draw)).max(0.0);
        // Noise can lift the busiest level (bounded by `validate`) above the traffic limit.
        per_minute.push(rate.min(MAX_INVOCATIONS_PER_MINUTE));
    }
    match g.resolution {
        Resolution::OneMinute => Traffic::minutes(start, per_minute),
        Resolution::TenSeconds => Traffic::ten_seconds(start, split_minutes(g, &per_minute)),
    }
}

/// Splits each minute into six 10-second periods that add up to it (up to rounding): each
/// period's weight is `max(0, 1 + noise * z)`, and with probability `spikes_per_hour / 60` the
/// minute holds a spike, 2 to 4 consecutive periods (20 to 40 s) whose weights are multiplied by
/// `spike_multiplier`. The draws come from a second ChaCha8 stream of the same seed (stream 1),
/// nine a minute whatever happens, so the minutes are those of the 1-minute generator.
fn split_minutes(g: &Generator, per_minute: &[f64]) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(g.seed);
    rng.set_stream(1);
    let noise = sane(g.noise);
    let spike_probability = (sane(g.spikes_per_hour) / 60.0).min(1.0);
    let spike_multiplier = sane(g.spike_multiplier);
    let mut periods = Vec::with_capacity(per_minute.len() * PERIODS_PER_MINUTE);
    for &total in per_minute {
        let spike_draw = unit(rng.next_u64());
        let length_draw = unit(rng.next_u64());
        let start_draw = unit(rng.next_u64());
        let mut weights = [0.0f64; PERIODS_PER_MINUTE];
        for w in &mut weights {
            *w = (1.0 + noise * inverse_normal_cdf(unit(rng.next_u64()))).max(0.0);
        }
        if spike_draw < spike_probability {
            // 2, 3 or 4 periods, placed anywhere they fit in the minute.
            let length = 2 + (length_draw * 3.0) as usize;
            let first = (start_draw * (PERIODS_PER_MINUTE + 1 - length) as f64) as usize;
            for w in &mut weights[first..first + length] {
                *w *= spike_multiplier;
            }
        }
        let sum = minute_sum(&weights);
        // Re-added, the periods may come to an ulp more than the minute: keep the ceiling.
        let total = total.min(MAX_INVOCATIONS_PER_MINUTE * (1.0 - 1e-12));
        for w in weights {
            periods.push(if sum > 0.0 { total * (w / sum) } else { total / PERIODS_PER_MINUTE as f64 });
        }
    }
    periods
}

/// The weekday peak in local wall-clock minutes.
struct Peak {
    /// Minutes after local midnight the full peak starts and ends.
    start_minute: i64,
    end_minute: i64,
    ramp: i64,
    days: Vec<Weekday>,
}

impl Peak {
    /// 0 (off peak) to 1 (full peak) for the local minute `m` (minutes since 1970-01-01 local).
    fn weight(&self, m: i64) -> f64 {
        if self.start_minute == self.end_minute {
            return 0.0;
        }
        let day = m.div_euclid(MINUTES_PER_DAY as i64);
        let mut best: f64 = 0.0;
        // A window that starts on day d spans at most [d - 1 day, d + 3 days), ramps included.
        for d in day - 3..=day + 1 {
            if !self.days.contains(&weekday(d)) {
                continue;
            }
            let s = d * MINUTES_PER_DAY as i64 + self.start_minute;
            let mut e = d * MINUTES_PER_DAY as i64 + self.end_minute;
            if e <= s {
                e += MINUTES_PER_DAY as i64;
            }
            let r = self.ramp;
            let w = if (s..e).contains(&m) {
                1.0
            } else if (s - r..s).contains(&m) {
                ((m - (s - r)) as f64 + 0.5) / r as f64
            } else if (e..e + r).contains(&m) {
                ((e + r - m) as f64 - 0.5) / r as f64
            } else {
                0.0
            };
            best = best.max(w);
        }
        best
    }
}

/// The weekday of day `d` counted from 1970-01-01 (a Thursday).
fn weekday(d: i64) -> Weekday {
    const WEEK: [Weekday; 7] =
        [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
    WEEK[(d + 3).rem_euclid(7) as usize]
}

/// A uniform number in the open interval (0, 1) from 52 random bits: `(2k + 1) / 2^53`, exact
/// in an `f64` (so never 0 or 1) and symmetric around 1/2.
fn unit(bits: u64) -> f64 {
    ((bits >> 12) as f64 * 2.0 + 1.0) * (1.0 / (1u64 << 53) as f64)
}

/// Natural log from `+ - * /` only (`f64::ln` may differ between platforms' math libraries):
/// `x = m * 2^e` with `m` in [sqrt(1/2), sqrt(2)), `ln m = 2 atanh((m - 1) / (m + 1))` by its
/// series. Accurate to a few units in the last place for the normal `x > 0` used here.
fn portable_ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // |s| <= 0.172, so s^2 <= 0.0295 and 13 terms leave an error below 1e-19.
    let mut series = 0.0;
    for k in (0..13).rev() {
        series = series * s2 + 1.0 / f64::from(2 * k + 1);
    }
    e as f64 * std::f64::consts::LN_2 + 2.0 * s * series
}

/// The standard normal quantile of `p` in (0, 1) (Acklam's rational approximation, relative
/// error below 1.2e-9), using only portable arithmetic and `sqrt` (correctly rounded by IEEE 754).
fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.38357751867269e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    const P_LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < P_LOW {
        tail((-2.0 * portable_ln(p)).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * portable_ln(1.0 - p)).sqrt())
    }
}

/// `DateTime<Utc>` as an RFC 3339 string (chrono's own serde support is not enabled).
mod serde_rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::super::parse_timestamp(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{}` is not a timestamp; write RFC 3339 such as `2026-11-01T00:00:00Z`",
                crate::diagnostic::shorten(&text)
            ))
        })
    }
}

/// `Vec<Weekday>` as `["Mon", "Tue", ...]` (full names and any case are read too).
mod serde_weekdays {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(days.iter().map(|d| d.to_string()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|name| {
                name.trim().parse::<Weekday>().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{}` is not a weekday; use Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                        crate::diagnostic::shorten(name)
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::traffic::test_support::utc;
    use crate::simulate::traffic::{to_cloudwatch_json, to_csv};

    fn quiet(days: u32) -> Generator {
        Generator { days, noise: 0.0, bursts_per_day: 0.0, ..Generator::default() }
    }

    /// The value of `t` at the minute starting `at`.
    fn at(t: &Traffic, at: DateTime<Utc>) -> f64 {
        t.per_minute[usize::try_from((at - t.start).num_minutes()).unwrap()]
    }

    #[test]
    fn generator_errors_name_the_field_and_the_fix() {
        let cases = [
            (Generator { timezone: "Mars/Olympus".into(), ..Generator::default() }, "setting `timezone` is `Mars/Olympus`, not a known time zone; use an IANA name such as `UTC` or `America/New_York`"),
            (Generator { timezone: "America/NewYork".into(), ..Generator::default() }, "setting `timezone` is `America/NewYork`, not a known time zone; did you mean `America/New_York`?"),
            (Generator { peak_start_hour: 25, ..Generator::default() }, "setting `peak_start_hour` is 25; use an hour from 0 to 24"),
            (Generator { peak_end_hour: 25, ..Generator::default() }, "setting `peak_end_hour` is 25; use an hour from 0 to 24"),
            (Generator { base_rpm: -5.0, ..Generator::default() }, "setting `base_rpm` is -5; use a number of invocations a minute from 0 to 1000000000"),
            (Generator { base_rpm: 1e13, ..Generator::default() }, "setting `base_rpm` is 10000000000000; use a number of invocations a minute from 0 to 1000000000"),
            (Generator { base_rpm: f64::NAN, ..Generator::default() }, "setting `base_rpm` is NaN; use a number of invocations a minute from 0 to 1000000000"),
            (Generator { base_rpm: 1e8, ..Generator::default() }, "setting `base_rpm` 100000000 times the peak, month-start and burst multipliers is 2160000000 invocations a minute at the busiest, more than the 1000000000 accepted; lower one of them"),
            (Generator { days: 0, ..Generator::default() }, "setting `days` is 0; use a whole number of days from 1 to 366"),
            (Generator { days: 367, ..Generator::default() }, "setting `days` is 367; use a whole number of days from 1 to 366"),
            (Generator { peak_multiplier: 101.0, ..Generator::default() }, "setting `peak_multiplier` is 101; use a number from 0 to 100"),
            (Generator { month_start_multiplier: -1.0, ..Generator::default() }, "setting `month_start_multiplier` is -1; use a number from 0 to 100"),
            (Generator { burst_multiplier: f64::INFINITY, ..Generator::default() }, "setting `burst_multiplier` is inf; use a number from 0 to 100"),
            (Generator { noise: -0.5, ..Generator::default() }, "setting `noise` is -0.5; use a number from 0 to 1"),
            (Generator { bursts_per_day: 1441.0, ..Generator::default() }, "setting `bursts_per_day` is 1441; use a number from 0 to 1440"),
            (Generator { ramp_minutes: 1441, ..Generator::default() }, "setting `ramp_minutes` is 1441; use a whole number of minutes from 0 to 1440"),
            (Generator { burst_minutes: u32::MAX, ..Generator::default() }, "setting `burst_minutes` is 4294967295; use a whole number of minutes from 0 to 1440"),
            (Generator { month_start_days: 32, ..Generator::default() }, "setting `month_start_days` is 32; use a whole number of days from 0 to 31"),
            (Generator { spikes_per_hour: 61.0, ..Generator::default() }, "setting `spikes_per_hour` is 61; use a number from 0 to 60"),
            (Generator { spike_multiplier: -2.0, ..Generator::default() }, "setting `spike_multiplier` is -2; use a number from 0 to 100"),
            (Generator { start: DateTime::<Utc>::MAX_UTC, ..Generator::default() }, "setting `start` is `+262142-12-31T23:59:59.999999999Z`; use an RFC 3339 time such as `2026-11-01T00:00:00Z` in the years 1970 to 9999"),
        ];
        for (g, message) in cases {
            assert_eq!(g.validate().unwrap_err().to_string(), message);
        }
        assert_eq!(Generator::default().validate(), Ok(()));
        // The busiest level exactly at the limit is accepted.
        let g = Generator {
            base_rpm: 1e9,
            peak_multiplier: 1.0,
            month_start_multiplier: 1.0,
            burst_multiplier: 0.5,
            ..Generator::default()
        };
        assert_eq!(g.validate(), Ok(()));
        assert!(generate(&Generator { days: 1, ..g }).per_minute.iter().all(|&v| v <= MAX_INVOCATIONS_PER_MINUTE));
    }

    #[test]
    fn the_help_table_names_every_setting_once() {
        let fields: Vec<String> =
            serde_json::to_value(Generator::default()).unwrap().as_object().unwrap().keys().cloned().collect();
        let listed: Vec<&str> = SETTINGS.iter().map(|(k, _)| *k).collect();
        assert_eq!(listed, fields);
        assert!(SETTINGS.iter().all(|(k, _)| allowed(k).is_some()));
        assert!(settings_help().contains("\n  peak_days               Mon,Tue,Wed,Thu,Fri\n"));
    }

    #[test]
    fn generator_is_deterministic_and_seeded() {
        let g = Generator { days: 3, ..Generator::default() };
        let a = generate(&g);
        let b = generate(&g);
        assert_eq!(
            a.per_minute.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.per_minute.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        let c = generate(&Generator { seed: 2, ..g.clone() });
        assert_ne!(a, c);
        assert_eq!(a.start, c.start);
        // Pinned: a change here changes every user's generated traffic (ChaCha8 stream, the
        // order of draws, or the arithmetic); update it only on purpose.
        let first: Vec<u64> = a.per_minute[..3].iter().map(|v| v.to_bits()).collect();
        assert_eq!(first, PINNED_FIRST_MINUTES);
        let total: f64 = a.per_minute.iter().sum();
        assert_eq!(total.to_bits(), PINNED_TOTAL);
    }

    #[test]
    fn ten_second_resolution_splits_the_same_minutes_with_spikes() {
        let g = Generator { days: 2, ..Generator::default() };
        let minutes = generate(&g);
        let ten = Generator { resolution: Resolution::TenSeconds, ..g.clone() };
        let t = generate(&ten);
        assert_eq!(generate(&ten), t);
        assert_eq!(t.start, minutes.start);
        let periods = t.periods.as_ref().unwrap();
        assert_eq!(periods.len(), 6 * minutes.per_minute.len());
        // Each minute is its six periods re-added, and the 1-minute generator's minute to
        // within rounding.
        for (i, (&m, &one)) in t.per_minute.iter().zip(&minutes.per_minute).enumerate() {
            assert_eq!(m.to_bits(), minute_sum(&periods[6 * i..6 * i + 6]).to_bits());
            assert!((m - one).abs() <= one * 1e-12, "minute {i}: {m} against {one}");
        }
        // Spikes: about 6 an hour, a minute whose busiest period is well above its quietest
        // (4 times without noise; noise of 0.1 alone rarely makes it 1.5).
        let spiky = periods
            .chunks_exact(6)
            .filter(|p| p.iter().copied().fold(0.0, f64::max) > 2.5 * p.iter().copied().fold(f64::INFINITY, f64::min));
        let spikes = spiky.count();
        assert!((230..=350).contains(&spikes), "{spikes} spikes in 48 hours");
        // No noise and no spikes: six equal periods.
        let flat = generate(&Generator { noise: 0.0, spikes_per_hour: 0.0, days: 1, ..ten.clone() });
        assert!(flat
            .periods
            .unwrap()
            .chunks_exact(6)
            .zip(&flat.per_minute)
            .all(|(p, m)| p.iter().all(|&x| x == m / 6.0)));
        // Written as 10-second rows and read back the same.
        assert_eq!(crate::simulate::traffic::parse_csv(&to_csv(&t)).unwrap(), t);
        // The setting by name, as `traffic generate resolution=10s` gives it.
        let parsed: Generator = serde_json::from_value(serde_json::json!({"resolution": "10s"})).unwrap();
        assert_eq!(parsed.resolution, Resolution::TenSeconds);
        assert!(settings_help().contains("\n  resolution              1m\n"));
    }

    const PINNED_TOTAL: u64 = 4704972092987417440;
    const PINNED_FIRST_MINUTES: [u64; 3] = [4643245083301087590, 4643576530055334036, 4644278270723329051];

    #[test]
    fn generator_length_and_defaults() {
        let g = Generator::default();
        let t = generate(&g);
        assert_eq!(t.per_minute.len(), 30 * 1440);
        assert_eq!(t.start, utc(2026, 11, 1, 0, 0));
        assert!(t.per_minute.iter().all(|v| v.is_finite() && *v >= 0.0));
        assert_eq!(generate(&Generator { days: 2, ..g }).per_minute.len(), 2 * 1440);
        // Seconds in the start are dropped.
        let t = generate(&Generator { days: 1, start: utc(2026, 11, 2, 8, 0) + TimeDelta::seconds(59), ..quiet(1) });
        assert_eq!(t.start, utc(2026, 11, 2, 8, 0));
    }

    #[test]
    fn peak_over_off_peak_is_the_multiplier() {
        // Wednesday 2026-11-04 in New York (EST, UTC-5): peak 08:00-18:00 local = 13:00-23:00Z.
        let t = generate(&quiet(7));
        assert_eq!(at(&t, utc(2026, 11, 4, 15, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 4, 8, 0)), 300.0);
        // The ramps: half way at the middle of the 30 minutes, symmetric around the peak.
        let up = at(&t, utc(2026, 11, 4, 12, 45));
        assert!((up - 300.0 * (1.0 + 3.0 * 15.5 / 30.0)).abs() < 1e-9, "{up}");
        assert_eq!(at(&t, utc(2026, 11, 4, 12, 30)), 300.0 * (1.0 + 3.0 * 0.5 / 30.0));
        assert_eq!(at(&t, utc(2026, 11, 4, 12, 29)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 4, 23, 0)), at(&t, utc(2026, 11, 4, 12, 59)));
        assert_eq!(at(&t, utc(2026, 11, 4, 23, 30)), 300.0);
        // Weekends have no peak.
        assert_eq!(at(&t, utc(2026, 11, 7, 15, 0)), 300.0);

        // With noise, the mean peak over the mean night is roughly the multiplier.
        let t = generate(&Generator { days: 14, bursts_per_day: 0.0, ..Generator::default() });
        let mean = |hour_utc: u32| {
            let values: Vec<f64> = (3..14)
                .filter(|d| ![7, 8].contains(d) && ![1, 2].contains(d))
                .flat_map(|d| (0..60).map(move |m| utc(2026, 11, d, hour_utc, m)))
                .filter(|&when| {
                    matches!(when.weekday(), Weekday::Mon | Weekday::Tue | Weekday::Wed | Weekday::Thu | Weekday::Fri)
                })
                .map(|when| at(&t, when))
                .collect();
            values.iter().sum::<f64>() / values.len() as f64
        };
        let ratio = mean(16) / mean(7);
        assert!((3.8..4.2).contains(&ratio), "{ratio}");
    }

    #[test]
    fn month_start_multiplier_applies_on_local_days() {
        // 2026-11-01 00:00 New York (EST... still EDT until 02:00) is 04:00Z.
        let t = generate(&quiet(4));
        assert_eq!(at(&t, utc(2026, 11, 1, 3, 59)), 300.0); // Sat Oct 31 23:59 local
        assert_eq!(at(&t, utc(2026, 11, 1, 4, 0)), 300.0 * 1.8); // Sun Nov 1 00:00 local
        assert_eq!(at(&t, utc(2026, 11, 3, 4, 59)), 300.0 * 1.8); // Mon Nov 2 23:59 local (EST)
        assert_eq!(at(&t, utc(2026, 11, 3, 5, 0)), 300.0); // Tue Nov 3 00:00 local
                                                           // On top of the peak: Monday Nov 2, 10:00 local.
        assert_eq!(at(&t, utc(2026, 11, 2, 15, 0)), 300.0 * 4.0 * 1.8);
        assert!(generate(&Generator { month_start_days: 0, ..quiet(1) }).per_minute.iter().all(|&v| v == 300.0));
    }

    #[test]
    fn the_peak_follows_daylight_saving() {
        let g = Generator { start: utc(2026, 10, 26, 0, 0), ramp_minutes: 0, month_start_days: 0, ..quiet(14) };
        let t = generate(&g);
        // Friday 2026-10-30, EDT (UTC-4): 08:00 local is 12:00Z.
        assert_eq!(at(&t, utc(2026, 10, 30, 11, 59)), 300.0);
        assert_eq!(at(&t, utc(2026, 10, 30, 12, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 10, 30, 21, 59)), 1200.0);
        assert_eq!(at(&t, utc(2026, 10, 30, 22, 0)), 300.0);
        // Monday 2026-11-02, EST (UTC-5): 08:00 local is 13:00Z.
        assert_eq!(at(&t, utc(2026, 11, 2, 12, 0)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 12, 59)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 13, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 22, 59)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 23, 0)), 300.0);
        // UTC has no such shift.
        let t = generate(&Generator { timezone: "UTC".into(), ..g });
        assert_eq!(at(&t, utc(2026, 11, 2, 8, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 7, 59)), 300.0);
    }

    #[test]
    fn bursts_and_overnight_peaks() {
        let t = generate(&Generator { bursts_per_day: 100.0, ..quiet(1) });
        // Saturday 20:00 to Sunday 20:00 New York: no peak, month start from local midnight.
        let levels = [300.0, 300.0 * 3.0, 300.0 * 1.8, 300.0 * 1.8 * 3.0];
        assert!(t.per_minute.iter().all(|v| levels.contains(v)));
        let bursts = t.per_minute.iter().filter(|&&v| v == levels[1] || v == levels[3]).count();
        assert!((300..1440).contains(&bursts), "{bursts}");
        // A peak from 22:00 to 06:00 UTC on Mondays runs into Tuesday.
        let g = Generator {
            start: utc(2026, 11, 2, 0, 0),
            timezone: "UTC".into(),
            peak_start_hour: 22,
            peak_end_hour: 6,
            peak_days: vec![Weekday::Mon],
            ramp_minutes: 0,
            month_start_days: 0,
            ..quiet(3)
        };
        let t = generate(&g);
        assert_eq!(at(&t, utc(2026, 11, 2, 5, 0)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 23, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 3, 5, 59)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 3, 6, 0)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 3, 23, 0)), 300.0);
    }

    #[test]
    fn generator_serde() {
        let g = Generator::default();
        let json = serde_json::to_value(&g).unwrap();
        assert_eq!(json["start"], "2026-11-01T00:00:00Z");
        assert_eq!(json["peak_days"], serde_json::json!(["Mon", "Tue", "Wed", "Thu", "Fri"]));
        assert_eq!(serde_json::from_value::<Generator>(json).unwrap(), g);
        let partial: Generator =
            serde_json::from_str(r#"{"seed": 7, "peak_days": ["saturday", "Sun"], "start": "2026-12-01 00:00:00"}"#)
                .unwrap();
        assert_eq!(
            partial,
            Generator { seed: 7, peak_days: vec![Weekday::Sat, Weekday::Sun], start: utc(2026, 12, 1, 0, 0), ..g }
        );
        let e = serde_json::from_str::<Generator>(r#"{"peak_days": ["Funday"]}"#).unwrap_err().to_string();
        assert!(e.starts_with("`Funday` is not a weekday; use Mon, Tue, Wed, Thu, Fri, Sat or Sun"), "{e}");
    }

    #[test]
    fn invalid_generators_do_not_panic() {
        let g = Generator {
            timezone: "nowhere".into(),
            days: u32::MAX,
            base_rpm: f64::NAN,
            peak_multiplier: f64::INFINITY,
            peak_start_hour: 99,
            peak_end_hour: 99,
            ramp_minutes: u32::MAX,
            noise: -1.0,
            bursts_per_day: 1e300,
            burst_minutes: u32::MAX,
            start: DateTime::<Utc>::MAX_UTC,
            ..Generator::default()
        };
        assert!(g.validate().is_err());
        let t = generate(&g);
        assert!(t.per_minute.len() <= MAX_DAYS as usize * 1440);
        assert!(t.per_minute.iter().all(|v| v.is_finite() && *v >= 0.0));
        let _ = to_csv(&t);
        let _ = to_cloudwatch_json(&t);
    }

    #[test]
    fn portable_math_is_accurate() {
        for x in [1e-16, 1e-3, 0.02425, 0.3, 0.5, 0.7, 0.99, 1.0, 1.414, 1.415, 2.0, 123.456] {
            let (a, b) = (portable_ln(x), f64::ln(x));
            assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0), "{x}: {a} vs {b}");
        }
        assert_eq!(inverse_normal_cdf(0.5), 0.0);
        assert!((inverse_normal_cdf(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((inverse_normal_cdf(0.001) + 3.090232306167814).abs() < 1e-8);
        assert!(unit(0) > 0.0 && unit(u64::MAX) < 1.0 && unit(0) == 1.0 - unit(u64::MAX));
        assert!(inverse_normal_cdf(unit(0)).is_finite() && inverse_normal_cdf(unit(u64::MAX)).is_finite());
    }
}
