//! Views of simulation results: a side-by-side table for people and the full per-minute JSON for
//! machines (documented in docs/simulation.md), and the ranked recommendations.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::json;

use crate::simulate::engine::Params;
use crate::simulate::prices::{PriceTable, TableChoice, MARKS_LEGEND};
use crate::simulate::recommend::{ConcurrencySearch, Ranked};
use crate::simulate::traffic::resolution_name;
use crate::simulate::{Scalings, VariantResult, Verdict};

/// Bumped on any change that could break a consumer of the JSON (2.0: `price_provenance` and
/// `price_region` replace `price_verified`; `prices` lists the tables used, with their choice).
pub const FORMAT_VERSION: &str = "2.0";

/// A price table a run used, how it was chosen, and the specs priced from it (in order).
pub struct TableUse<'a> {
    pub table: &'a PriceTable,
    pub choice: &'a TableChoice,
    pub specs: Vec<&'a str>,
}

pub struct Context<'a> {
    pub start: DateTime<Utc>,
    pub minutes: u32,
    /// Seconds in one period of the traffic: 60, or 10 for 10-second traffic.
    pub resolution_seconds: u32,
    pub traffic: &'a str,
    /// One per table used: specs in different regions are priced from their own.
    pub prices: &'a [TableUse<'a>],
    pub params: &'a Params,
    /// Where `params.request_seconds` comes from: `--request-seconds`, or
    /// `ConcurrentRequestsPerModel` when measured from the traffic's concurrency.
    pub request_seconds_from: Option<&'static str>,
    /// Each compared spec against the first one, in `--compare` order.
    pub verdicts: &'a [Verdict],
}

pub struct RecommendContext<'a> {
    pub start: DateTime<Utc>,
    pub minutes: u32,
    /// Of the traffic given; the search itself runs on minutes.
    pub resolution_seconds: u32,
    pub traffic: &'a str,
    pub prices: &'a PriceTable,
    pub price_choice: &'a TableChoice,
    pub max_overload: f64,
    pub evaluated: usize,
    pub feasible: usize,
    pub elapsed: Duration,
    pub threads: usize,
    pub params: &'a Params,
    /// Where the request duration of a concurrency search comes from (as [`Context`]).
    pub request_seconds_from: Option<&'static str>,
    /// A search on concurrent requests per model, with where its load-tested concurrency comes
    /// from; none for invocations per instance.
    pub concurrency: Option<(&'a ConcurrencySearch, &'a str)>,
    /// The type capacity (and concurrency) scale from.
    pub tested_on: &'a str,
}

/// `1234567.8` -> `1,234,568`.
pub fn thousands(n: f64) -> String {
    let rounded = n.round() as i64;
    let digits = rounded.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0 {
        format!("-{out}")
    } else {
        out
    }
}

pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p == 0.0 {
        "0%".to_string()
    } else if p < 0.01 {
        "<0.01%".to_string()
    } else {
        format!("{p:.2}%")
    }
}

pub(crate) fn money(x: f64) -> String {
    let cents = (x * 100.0).round() as i64;
    format!("${}.{:02}", thousands((cents / 100) as f64), cents % 100)
}

/// The first lines: span, traffic and its resolution (`resolution` says how it was used),
/// invocations, prices.
fn header(
    start: DateTime<Utc>,
    minutes: u32,
    traffic: &str,
    resolution: &str,
    invocations: Option<f64>,
    prices: &[TableUse<'_>],
) -> String {
    let end = start + chrono::Duration::minutes(i64::from(minutes));
    let mut out = format!(
        "Simulated {:.1} days, {} to {}, of {resolution}: {traffic}",
        f64::from(minutes) / 1440.0,
        start.format("%Y-%m-%d %H:%M UTC"),
        end.format("%Y-%m-%d %H:%M UTC")
    );
    if let Some(total) = invocations {
        out.push_str(&format!(" ({} {})", thousands(total), crate::diagnostic::noun(total as u64, "invocation")));
    }
    out.push('\n');
    out.push_str(&price_lines(prices));
    out
}

/// Where the prices come from: per table its region, currency, origin and date, a sentence when
/// the region was taken from the environment or assumed, and what the marks mean.
pub fn price_lines(uses: &[TableUse<'_>]) -> String {
    let mut out = String::new();
    for u in uses {
        let t = u.table;
        if uses.len() > 1 {
            out.push_str(&format!("Prices for {}: ", u.specs.join(", ")));
        } else {
            out.push_str("Prices: ");
        }
        out.push_str(&format!("{} {} per instance-hour, {} of {}\n", t.region, t.currency, u.choice.origin(), t.date));
        if let Some(sentence) = u.choice.assumption(&t.region) {
            out.push_str(&sentence);
            out.push('\n');
        }
    }
    out.push_str(MARKS_LEGEND);
    out.push('\n');
    out
}

/// Left-aligns the first `left` columns (names), right-aligns the others (numbers).
fn layout(rows: &[Vec<String>], left: usize) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r.get(c).map_or(0, |s| s.chars().count())).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(
                |(i, cell)| {
                    if i < left {
                        format!("{cell:<w$}", w = widths[i])
                    } else {
                        format!("{cell:>w$}", w = widths[i])
                    }
                },
            )
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub fn table(results: &[VariantResult], ctx: &Context<'_>) -> String {
    // Every spec sees the same traffic: the first spec's variants add up to all of it.
    let first = results.first().map(|r| r.label.as_str());
    let invocations = results.iter().filter(|r| Some(r.label.as_str()) == first).map(|r| r.summary.invocations).sum();
    let resolution = format!("{} traffic", resolution_name(ctx.resolution_seconds));
    let mut out = header(ctx.start, ctx.minutes, ctx.traffic, &resolution, Some(invocations), ctx.prices);
    if ctx.resolution_seconds == 10 {
        out.push_str("Requests over capacity are counted per 10-second period (a sixth of a minute's capacity each); scaling decisions, launches and the series stay on whole minutes.\n");
    }
    out.push_str(&concurrency_lines(results, ctx.params, ctx.request_seconds_from, ctx.resolution_seconds));
    out.push_str(&launch_line(ctx.params));
    out.push('\n');
    let mut rows = vec![vec![
        "spec".to_string(),
        "variant".to_string(),
        "instance type".to_string(),
        "cost".to_string(),
        "instance-h".to_string(),
        "peak".to_string(),
        "mean".to_string(),
        "overload".to_string(),
        "overload min".to_string(),
        "lowest credits".to_string(),
        "at baseline".to_string(),
        "out/in/sched".to_string(),
    ]];
    for r in results {
        let s = &r.summary;
        let share = if s.invocations > 0.0 { s.overload_invocations / s.invocations } else { 0.0 };
        rows.push(vec![
            r.label.clone(),
            format!("{}/{}", r.endpoint, r.variant),
            format!("{}{}", r.instance_type, r.price_provenance.mark()),
            money(s.cost),
            format!("{:.1}", s.instance_hours),
            s.peak_instances.to_string(),
            format!("{:.2}", s.mean_instances),
            format!("{} ({})", thousands(s.overload_invocations), percent(share)),
            s.overload_minutes.to_string(),
            s.lowest_credit_balance.map_or("-".to_string(), |b| format!("{b:.1}")),
            if s.lowest_credit_balance.is_some() { format!("{} min", s.minutes_at_baseline) } else { "-".to_string() },
            format!("{}/{}/{}", s.scale_outs, s.scale_ins, s.scheduled_actions),
        ]);
    }
    out.push_str(&layout(&rows, 3));
    out.push_str(&verdicts(ctx.verdicts));
    let warnings: Vec<String> = results.iter().filter_map(oscillation_warning).collect();
    if !warnings.is_empty() {
        out.push('\n');
        out.push_str(&warnings.concat());
    }
    out
}

/// How the variants scaling on concurrency were simulated, with the assumptions (AWS does not
/// document the high-resolution alarms); nothing when no variant does.
fn concurrency_lines(
    results: &[VariantResult],
    params: &Params,
    from: Option<&str>,
    resolution_seconds: u32,
) -> String {
    let mut out = String::new();
    let seconds = params.request_seconds.unwrap_or(0.0);
    let from = seconds_from(from);
    for r in results {
        let Some(target) = r.concurrency_target else { continue };
        out.push_str(&format!(
            "{} {}/{} scales on concurrent requests per model: target {} concurrent requests per instance, {} invocations per instance per minute at {} s per request ({from}; concurrency = requests per second x seconds per request).\n",
            r.label,
            r.endpoint,
            r.variant,
            trim(target),
            trim(target * 60.0 / seconds),
            trim(seconds),
        ));
    }
    if !out.is_empty() {
        out.push_str(&hires_line(params, resolution_seconds));
    }
    out
}

/// The high-resolution alarm as the engine assumes it, shared by simulate and recommend.
fn hires_line(params: &Params, resolution_seconds: u32) -> String {
    format!(
        "Assumed (AWS does not document the high-resolution alarm): it scales out after {} consecutive 10-second datapoints above the target (--hires-scale-out-periods), {}; it scales in like the one-minute policy ({} minutes below {:.0}% of the target).\n",
        params.hires_scale_out_periods,
        if resolution_seconds == 10 {
            "each datapoint from one 10-second period of the traffic"
        } else {
            "each minute's traffic spread evenly over its six 10-second periods"
        },
        params.scale_in_datapoints,
        params.scale_in_ratio * 100.0,
    )
}

/// Where `request_seconds_from` says the request duration comes from, in words.
fn seconds_from(from: Option<&str>) -> String {
    match from {
        Some(REQUEST_SECONDS_MEASURED) => format!("measured from {REQUEST_SECONDS_MEASURED}"),
        _ => "--request-seconds".to_string(),
    }
}

/// What recommend's candidates scale on and how their overload is counted: the lines under its
/// header.
fn search_lines(ctx: &RecommendContext<'_>) -> String {
    let mut out = String::new();
    if ctx.resolution_seconds == 10 {
        out.push_str("Requests over capacity are counted per 10-second period (a sixth of a minute's capacity each), as simulate counts them; scaling decisions and launches stay on whole minutes.\n");
    }
    match ctx.concurrency {
        None => out.push_str(
            "Candidates scale on invocations per instance: target = requests per second x safety factor x 60 (a minute).\n",
        ),
        Some((c, source)) => {
            out.push_str(&format!(
                "Candidates scale on concurrent requests per model, as the variant does: target = {} concurrent requests per {} instance ({source}; scaled by vCPUs on other types) x safety factor, run as invocations at {} s per request ({}; concurrency = requests per second x seconds per request).\n",
                trim(c.max_concurrency_per_instance),
                ctx.tested_on,
                trim(c.request_seconds),
                seconds_from(ctx.request_seconds_from),
            ));
            out.push_str(&hires_line(ctx.params, ctx.resolution_seconds));
        }
    }
    out
}

/// [`Context::request_seconds_from`] when the request duration was measured.
pub const REQUEST_SECONDS_MEASURED: &str = "ConcurrentRequestsPerModel";

/// The launch delay in its stages, when given so; nothing otherwise.
fn launch_line(params: &Params) -> String {
    let Some(s) = params.launch_stages else { return String::new() };
    format!(
        "Launch delay: {} minutes = provision {} + image pull {} + model load {} (--provision-minutes, --image-pull-minutes, --model-load-minutes; a stage not given is assumed: AWS documents no launch durations).\n",
        params.launch_delay_minutes, s.provision_minutes, s.image_pull_minutes, s.model_load_minutes
    )
}

/// A number with at most three decimals, without trailing zeros: `4`, `0.25`, `533.333`.
pub(crate) fn trim(x: f64) -> String {
    let text = format!("{x:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One sentence on a compared spec against the baseline. Amounts are compared as displayed
/// (cents, whole percents), so "the same" never sits next to two different figures.
pub fn verdict_sentence(v: &Verdict) -> String {
    let (cost, base_cost) = (money(v.cost), money(v.baseline_cost));
    let money_part = if cost == base_cost {
        format!("costs the same as {} ({cost})", v.baseline)
    } else {
        let direction = if v.saving > 0.0 { "less" } else { "more" };
        // Without a share (a baseline costing nothing) or below 0.05%, no percentage is given.
        match v.saving_share.map(|share| format!("{:.1}", share.abs() * 100.0)).filter(|p| p != "0.0") {
            Some(share) => format!("costs {share}% {direction} than {} ({cost} vs {base_cost})", v.baseline),
            None => format!("costs {direction} than {} ({cost} vs {base_cost})", v.baseline),
        }
    };
    let shares = format!(
        "({} vs {} of invocations over capacity)",
        percent(v.overload_share),
        percent(v.baseline_overload_share)
    );
    let overload_part = match v.overload_change {
        None if v.overload_invocations > 0.0 => {
            format!("turns away requests where the baseline turns away none {shares}")
        }
        None => "turns away no requests, like the baseline".to_string(),
        Some(_) if v.overload_invocations == 0.0 => format!("turns away no requests {shares}"),
        Some(change) => {
            let whole = (change.abs() * 100.0).round();
            if change >= 1.0 {
                // "+2419%" reads worse than "25.2 times as many".
                format!("turns away {:.1} times as many requests {shares}", change + 1.0)
            } else if whole == 0.0 {
                format!("turns away about as many requests {shares}")
            } else {
                let direction = if change < 0.0 { "fewer" } else { "more" };
                format!("turns away {whole:.0}% {direction} requests {shares}")
            }
        }
    };
    format!("{} {money_part} and {overload_part}.", v.label)
}

fn signed_money(x: f64) -> String {
    if (x * 100.0).round() < 0.0 {
        format!("-{}", money(-x))
    } else {
        money(x)
    }
}

fn verdicts(verdicts: &[Verdict]) -> String {
    let Some(first) = verdicts.first() else { return String::new() };
    let mut out = format!("\nVerdict, against the first spec ({}):\n\n", first.baseline);
    let mut rows = vec![vec![
        "spec".to_string(),
        "saving".to_string(),
        "over capacity".to_string(),
        "change".to_string(),
        "peak".to_string(),
    ]];
    for v in verdicts {
        rows.push(vec![
            v.label.clone(),
            match v.saving_share {
                Some(share) => format!("{} ({:+.1}%)", signed_money(v.saving), share * 100.0),
                None => signed_money(v.saving),
            },
            format!("{} vs {}", percent(v.overload_share), percent(v.baseline_overload_share)),
            v.overload_change.map_or("-".to_string(), |c| format!("{:+.0}%", c * 100.0)),
            format!("{} vs {}", v.peak_instances, v.baseline_peak_instances),
        ]);
    }
    out.push_str(&layout(&rows, 2));
    out.push('\n');
    for v in verdicts {
        out.push_str(&verdict_sentence(v));
        out.push('\n');
    }
    out
}

/// The warning for a variant that scales more than the oscillation threshold, with the knobs.
pub fn oscillation_warning(r: &VariantResult) -> Option<String> {
    let s = r.scalings.as_ref().filter(|s| s.oscillates)?;
    Some(oscillation_text(&format!("{} {}/{}", r.label, r.endpoint, r.variant), s))
}

/// The oscillation warning about `subject` (a simulated variant, or a ranked configuration of
/// `recommend`).
pub fn oscillation_text(subject: &str, s: &Scalings) -> String {
    format!(
        "Warning: {subject} oscillates: it scales out {:.1} and in {:.1} times a day on average (worst day: {} out, {} in), more than the {:.0} scaling events a day taken as oscillation. \
Likely causes, and the knob for each: the traffic per instance sits near the target ({} invocations per instance per minute), so its noise crosses the scale-out and scale-in levels: change `target` (or `safety_factor`) so the usual level is clear of both; \
the scale-in cooldown ({} min) may be too short to ride out dips: lengthen `scale_in_cooldown`; the minimum ({}) may be below the usual traffic's need: raise `min`, or raise it for the busy hours with a schedule.\n",
        s.scale_outs_per_day,
        s.scale_ins_per_day,
        s.worst_day_scale_outs,
        s.worst_day_scale_ins,
        s.threshold_per_day,
        thousands(s.target),
        s.scale_in_cooldown_minutes,
        s.min,
    )
}

/// The document of `simulate --output json`, serialized straight from the results. Going through
/// `serde_json::Value` (the `json!` macro) would hold every per-minute number of every series as
/// a boxed value first: 16 times the size of the text (2.8 GB for 5 million minutes).
#[derive(Serialize)]
struct SimulationDoc<'a> {
    format_version: &'static str,
    start: String,
    minutes: u32,
    /// Of the series (per minute).
    step_seconds: u32,
    /// Of the traffic simulated: 60, or 10 for 10-second traffic.
    traffic_resolution_seconds: u32,
    traffic: &'a str,
    prices: Vec<PricesDoc<'a>>,
    params: &'a Params,
    /// `--request-seconds` or `ConcurrentRequestsPerModel` (measured), when a request duration
    /// is used.
    #[serde(skip_serializing_if = "Option::is_none")]
    request_seconds_from: Option<&'static str>,
    results: &'a [VariantResult],
    verdicts: &'a [Verdict],
}

/// A price table in JSON output: what it is and how it was chosen.
#[derive(Serialize)]
struct PricesDoc<'a> {
    region: &'a str,
    /// `spec`, `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, `default` (assumed) or `--prices`.
    region_from: &'static str,
    /// The `--prices` file; null for a shipped table.
    file: Option<String>,
    currency: &'a str,
    unit: &'a str,
    date: &'a str,
    source: &'a str,
    /// The specs priced from it (simulate only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    specs: Vec<&'a str>,
}

impl<'a> PricesDoc<'a> {
    fn of(table: &'a PriceTable, choice: &TableChoice, specs: Vec<&'a str>) -> Self {
        PricesDoc {
            region: &table.region,
            region_from: choice.region_from.key(),
            file: choice.file.as_ref().map(|f| f.display().to_string()),
            currency: &table.currency,
            unit: &table.unit,
            date: &table.date,
            source: &table.source,
            specs,
        }
    }
}

pub fn json(results: &[VariantResult], ctx: &Context<'_>) -> String {
    let doc = SimulationDoc {
        format_version: FORMAT_VERSION,
        start: ctx.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        minutes: ctx.minutes,
        step_seconds: 60,
        traffic_resolution_seconds: ctx.resolution_seconds,
        traffic: ctx.traffic,
        prices: ctx.prices.iter().map(|u| PricesDoc::of(u.table, u.choice, u.specs.clone())).collect(),
        params: ctx.params,
        request_seconds_from: ctx.request_seconds_from,
        results,
        verdicts: ctx.verdicts,
    };
    let mut text = serde_json::to_string(&doc).unwrap_or_default();
    text.push('\n');
    text
}

pub fn recommendations(best: &[Ranked], ctx: &RecommendContext<'_>, winner: Option<&str>) -> String {
    let used = [TableUse { table: ctx.prices, choice: ctx.price_choice, specs: Vec::new() }];
    let resolution = format!("{} traffic", resolution_name(ctx.resolution_seconds));
    let mut out = header(ctx.start, ctx.minutes, ctx.traffic, &resolution, None, &used);
    out.push_str(&search_lines(ctx));
    out.push_str(&launch_line(ctx.params));
    let rate = ctx.evaluated as f64 / ctx.elapsed.as_secs_f64().max(1e-9);
    out.push_str(&format!(
        "Evaluated {} {} in {:.2} s on {} ({} per second); {} ran to the end within {} overload\n(runs that went over the overload budget were stopped there).\n\n",
        thousands(ctx.evaluated as f64),
        crate::diagnostic::noun(ctx.evaluated, "configuration"),
        ctx.elapsed.as_secs_f64(),
        crate::diagnostic::plural(ctx.threads, "thread"),
        thousands(rate),
        thousands(ctx.feasible as f64),
        percent(ctx.max_overload)
    ));
    let mut rows = vec![vec![
        "rank".to_string(),
        "instance type".to_string(),
        "min".to_string(),
        "max".to_string(),
        if ctx.concurrency.is_some() { "concurrency target" } else { "target/min" }.to_string(),
        "weekday min".to_string(),
        "month-start min".to_string(),
        "cost".to_string(),
        "instance-h".to_string(),
        "peak".to_string(),
        "overload".to_string(),
    ]];
    for (i, r) in best.iter().enumerate() {
        let c = &r.candidate;
        rows.push(vec![
            (i + 1).to_string(),
            format!("{}{}", c.instance_type, c.price_provenance.mark()),
            c.min.to_string(),
            c.max.to_string(),
            match c.concurrency_target {
                Some(t) => format!("{} (x{})", trim(t), c.safety_factor),
                None => format!("{} (x{})", thousands(c.target), c.safety_factor),
            },
            c.business_hours_min.map_or("-".to_string(), |m| m.to_string()),
            c.month_start_min.map_or("-".to_string(), |m| m.to_string()),
            money(r.summary.cost),
            format!("{:.1}", r.summary.instance_hours),
            r.summary.peak_instances.to_string(),
            percent(r.overload_share),
        ]);
    }
    out.push_str(&layout(&rows, 2));
    if let Some(fragment) = winner {
        out.push_str("\nThe winner as a spec fragment:\n\n");
        out.push_str(fragment);
    }
    out
}

pub fn recommendations_json(best: &[Ranked], ctx: &RecommendContext<'_>) -> String {
    let doc = json!({
        "format_version": FORMAT_VERSION,
        "start": ctx.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "minutes": ctx.minutes,
        "traffic": ctx.traffic,
        "traffic_resolution_seconds": ctx.resolution_seconds,
        "overload_counted_per_seconds": ctx.resolution_seconds,
        "metric": if ctx.concurrency.is_some() { "concurrent_requests_per_model" } else { "invocations_per_instance" },
        "concurrency": ctx.concurrency.map(|(c, source)| json!({
            "max_concurrency_per_instance": c.max_concurrency_per_instance,
            "max_concurrency_from": source,
            "request_seconds": c.request_seconds,
            "request_seconds_from": ctx.request_seconds_from,
        })),
        "params": ctx.params,
        "prices": PricesDoc::of(ctx.prices, ctx.price_choice, Vec::new()),
        "max_overload": ctx.max_overload,
        "evaluated": ctx.evaluated,
        "feasible": ctx.feasible,
        "recommendations": best,
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(1234567.8), "1,234,568");
        assert_eq!(thousands(12.0), "12");
        assert_eq!(money(152.345), "$152.35");
        assert_eq!(money(1234.0), "$1,234.00");
        assert_eq!(money(152.999), "$153.00");
        assert_eq!(percent(0.000_05), "<0.01%");
        assert_eq!(percent(0.0123), "1.23%");
    }

    fn verdict(cost: f64, baseline_cost: f64, overload: f64, baseline_overload: f64) -> Verdict {
        let base = |cost: f64, overload: f64| VariantResult {
            label: "base.yaml".into(),
            endpoint: "e".into(),
            variant: "v".into(),
            instance_type: "ml.c5.large".into(),
            price_per_hour: 1.0,
            price_region: "us-east-1".into(),
            price_provenance: crate::simulate::prices::Provenance::Official,
            summary: crate::simulate::engine::Summary {
                invocations: 1000.0,
                cost,
                overload_invocations: overload,
                peak_instances: 2,
                ..Default::default()
            },
            concurrency_target: None,
            scalings: None,
            series: None,
        };
        let this = VariantResult { label: "new.yaml".into(), ..base(cost, overload) };
        crate::simulate::verdict("new.yaml", &[this], "base.yaml", &[base(baseline_cost, baseline_overload)])
    }

    #[test]
    fn verdict_sentences_never_divide_by_zero() {
        let cases = [
            (
                verdict(70.0, 100.0, 10.0, 20.0),
                "new.yaml costs 30.0% less than base.yaml ($70.00 vs $100.00) and turns away 50% fewer requests (1.00% vs 2.00% of invocations over capacity).",
            ),
            (
                verdict(100.0, 100.001, 20.0, 20.01),
                "new.yaml costs the same as base.yaml ($100.00) and turns away about as many requests (2.00% vs 2.00% of invocations over capacity).",
            ),
            (
                verdict(100.02, 100.0, 30.0, 20.0),
                "new.yaml costs more than base.yaml ($100.02 vs $100.00) and turns away 50% more requests (3.00% vs 2.00% of invocations over capacity).",
            ),
            (
                verdict(5.0, 0.0, 10.0, 0.0),
                "new.yaml costs more than base.yaml ($5.00 vs $0.00) and turns away requests where the baseline turns away none (1.00% vs 0% of invocations over capacity).",
            ),
            (
                verdict(5.0, 5.0, 0.0, 0.0),
                "new.yaml costs the same as base.yaml ($5.00) and turns away no requests, like the baseline.",
            ),
            (
                verdict(50.0, 5.0, 0.0, 10.0),
                "new.yaml costs 900.0% more than base.yaml ($50.00 vs $5.00) and turns away no requests (0% vs 1.00% of invocations over capacity).",
            ),
        ];
        for (v, sentence) in cases {
            assert_eq!(verdict_sentence(&v), sentence);
        }
        let v = verdict(5.0, 0.0, 10.0, 0.0);
        assert_eq!((v.saving_share, v.overload_change), (None, None));
    }
}
