//! `simulate`, `recommend`, `traffic generate` and `traffic export`: on the validated model,
//! offline except for `--traffic cloudwatch` and `traffic export`, which read the endpoint's
//! Invocations history from CloudWatch ([`cloudwatch_traffic`], shared by both), with its
//! ConcurrentRequestsPerModel where present (simulate and export: the measured request duration
//! of a concurrency policy; recommend searches invocations policies only and does not read it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeDelta, Utc};

use super::{desired_from, load, read_text, var_inputs, write_stdout, CliError, Outcome, WithVars};
use crate::aws::{self, cloudwatch, AwsOptions};
use crate::cli::{AwsReadArgs, ConcurrencyArgs, ModelArgs, OutputFormat, RetryMode, VarArgs, DEFAULT_TRAFFIC_DAYS};
use crate::hint::CommandLine;
use crate::output::{self, ColorChoice};
use crate::render::{self, chart};
use crate::simulate::engine::Params;
use crate::simulate::prices::{PriceTable, RegionChoice, TableChoice};
use crate::simulate::traffic::concurrency::{self as measured, Estimate};
use crate::simulate::traffic::{self, Concurrency, Generator, Traffic};
use crate::simulate::{self, current, recommend, VariantResult};

/// Where traffic comes from: a file (CSV or CloudWatch JSON) or `synthetic[:key=value,...]`.
/// A file is read as a stream within the limits of `simulate::limits` (never whole into memory
/// first), so `/dev/zero` or a decade of rows is rejected after a bounded read.
pub fn load_traffic(source: &str) -> Result<(Traffic, String), CliError> {
    load_traffic_measured(source).map(|(traffic, label, _)| (traffic, label))
}

/// [`load_traffic`], with the concurrency of an exported CSV's `concurrency` column.
pub fn load_traffic_measured(source: &str) -> Result<(Traffic, String, Option<Concurrency>), CliError> {
    if source == CLOUDWATCH {
        return Err(CliError::Simulation(
            "--traffic cloudwatch reads the Invocations of a spec's endpoint: use it with `simulate SPEC` or `recommend SPEC`, or write the traffic with `traffic export SPEC --out traffic.csv` and pass that file".to_string(),
        ));
    }
    if let Some(rest) = source.strip_prefix("synthetic") {
        let generator = generator_from(rest.strip_prefix(':').unwrap_or(rest))?;
        let label = format!("synthetic (seed {})", generator.seed);
        return Ok((traffic::generate(&generator), label, None));
    }
    let file = std::fs::File::open(source).map_err(|err| CliError::Read { path: source.to_string(), err })?;
    let (traffic, concurrency) = traffic::read_measured(file)
        .map_err(|e| CliError::Traffic { path: source.to_string(), message: e.to_string() })?;
    Ok((traffic, source.to_string(), concurrency))
}

/// `seed=3,days=7,...` over the generator's defaults (keys are the generator's field names),
/// each setting checked against its range.
pub fn generator_from(overrides: &str) -> Result<Generator, CliError> {
    let mut value = serde_json::to_value(Generator::default()).unwrap_or_default();
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for piece in overrides.split(',').filter(|p| !p.trim().is_empty()) {
        match (piece.split_once('='), pairs.last_mut()) {
            (Some((key, raw)), _) => pairs.push((key, raw.to_string())),
            // `peak_days=Mon,Fri`: a piece without `=` continues the list before it.
            (None, Some((_, raw))) => {
                raw.push(',');
                raw.push_str(piece);
            }
            (None, None) => return Err(CliError::Generator(format!("`{piece}` is not key=value"))),
        }
    }
    for (key, raw) in &pairs {
        let key = key.trim().replace('-', "_");
        let Some(slot) = value.get_mut(&key) else {
            let keys: Vec<String> = value.as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
            return Err(CliError::Generator(format!(
                "unknown generator setting `{key}`; the settings are {}",
                keys.join(", ")
            )));
        };
        let raw = raw.trim();
        let parsed = match serde_json::from_str(raw) {
            Ok(parsed) => parsed,
            // A list setting written plainly: `Mon,Fri`.
            Err(_) if slot.is_array() => raw.split(',').map(|item| serde_json::Value::from(item.trim())).collect(),
            Err(_) => serde_json::Value::String(raw.to_string()),
        };
        // Checked alone (the other settings default), so a value of the wrong type is named.
        let alone = serde_json::json!({ key.as_str(): &parsed });
        if serde_json::from_value::<Generator>(alone).is_err() {
            let allowed = traffic::synthetic_allowed(&key).unwrap_or_default();
            return Err(CliError::Generator(format!(
                "setting `{key}` is `{}`; use {allowed}",
                crate::diagnostic::shorten(raw)
            )));
        }
        *slot = parsed;
    }
    let generator: Generator = serde_json::from_value(value).map_err(|e| CliError::Generator(e.to_string()))?;
    generator.validate().map_err(|e| CliError::Generator(e.to_string()))?;
    Ok(generator)
}

fn params(model: &ModelArgs, concurrency: Option<&ConcurrencyArgs>) -> Params {
    let defaults = Params::default();
    // Stages given: their sum (the others at their assumed defaults) replaces --launch-delay.
    let launch_stages = model.launch.any().then(|| model.launch.stages());
    Params {
        launch_delay_minutes: launch_stages.map_or(model.launch_delay, |s| s.total()),
        launch_stages,
        credit_mode: model.credit_mode,
        hires_scale_out_periods: concurrency.map_or(defaults.hires_scale_out_periods, |c| c.hires_scale_out_periods),
        request_seconds: concurrency.and_then(|c| c.request_seconds),
        ..defaults
    }
}

/// The price table for a spec's region (or, without a spec, `--region`'s and so on), and how it
/// was chosen.
fn prices(
    spec_region: Option<&str>,
    region: Option<&str>,
    path: Option<&Path>,
) -> Result<(PriceTable, TableChoice), crate::simulate::prices::PriceError> {
    PriceTable::select(&RegionChoice::resolve(spec_region, region)?, path)
}

/// Cuts the traffic to `days` whole days when asked.
pub fn window(traffic: Traffic, days: Option<u32>) -> Result<Traffic, CliError> {
    let Some(days) = days else { return Ok(traffic) };
    if days == 0 {
        return Err(CliError::Simulation("--days 0 leaves nothing to simulate; give 1 or more".to_string()));
    }
    let minutes = days as usize * 1440;
    if traffic.per_minute.len() < minutes {
        return Err(CliError::Simulation(format!(
            "the traffic covers {:.1} days, fewer than --days {days}",
            traffic.per_minute.len() as f64 / 1440.0
        )));
    }
    Ok(traffic.first_minutes(minutes))
}

/// [`window`], cutting the concurrency measured beside the traffic to the same minutes.
pub fn window_measured(
    traffic: Traffic,
    concurrency: Option<Concurrency>,
    days: Option<u32>,
) -> Result<(Traffic, Option<Concurrency>), CliError> {
    let traffic = window(traffic, days)?;
    let concurrency = concurrency.map(|c| c.truncated(traffic.per_minute.len()));
    Ok((traffic, concurrency))
}

/// The request duration a concurrency policy is simulated with, and where it comes from: an
/// explicit `--request-seconds` wins; else the one measured from the traffic's concurrency, if
/// any. The estimate's line (and which one is used) goes to stderr.
fn request_seconds(params: &mut Params, traffic: &Traffic, concurrency: Option<&Concurrency>) -> Option<&'static str> {
    let estimate = concurrency.map_or(Estimate::Absent, |c| measured::estimate(traffic, c));
    if let Some(mut line) = estimate.describe() {
        if let (Some(given), Some(_)) = (params.request_seconds, estimate.seconds()) {
            line.push_str(&format!("; --request-seconds {given} is used instead"));
        }
        output::stderr(&format!("{line}\n"));
    }
    match (params.request_seconds, estimate.seconds()) {
        (Some(_), _) => Some("--request-seconds"),
        (None, Some(seconds)) => {
            params.request_seconds = Some(seconds);
            Some(render::simulation::REQUEST_SECONDS_MEASURED)
        }
        (None, None) => None,
    }
}

#[allow(clippy::too_many_arguments)]
pub fn simulate(
    spec: &Path,
    (traffic, label): (Traffic, String),
    measured_concurrency: Option<&Concurrency>,
    endpoint: Option<&str>,
    region: Option<&str>,
    prices_path: Option<&Path>,
    chart_path: Option<&Path>,
    format: OutputFormat,
    compare: &[PathBuf],
    vars: &VarArgs,
    model: &ModelArgs,
    concurrency: Option<&ConcurrencyArgs>,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    // With --compare, a value may be meant for some of the specs only: each takes the values it
    // declares, and a name none of them declares is refused once all are read.
    let mut inputs = var_inputs(vars)?;
    inputs.allow_undeclared = !compare.is_empty();
    let mut declared = std::collections::BTreeSet::new();
    let mut undeclared = Vec::new();
    let mut params = params(model, concurrency);
    let request_seconds_from = request_seconds(&mut params, &traffic, measured_concurrency);
    let minutes = traffic.per_minute.len() as u32;
    let with_series = format == OutputFormat::Json || chart_path.is_some();
    let mut results: Vec<VariantResult> = Vec::new();
    // Each spec's label and its variants' range in `results`, for the verdicts.
    let mut specs: Vec<(String, std::ops::Range<usize>)> = Vec::new();
    // Each spec is priced from the table of its own region: comparing the same workload in two
    // regions is a fair question, and pricing one region with another's table would be wrong.
    let mut tables: Vec<(PriceTable, TableChoice, Vec<String>)> = Vec::new();
    for path in std::iter::once(spec).chain(compare.iter().map(PathBuf::as_path)) {
        let source = read_text(path)?;
        let (desired, variables) = desired_from(&source, &inputs, colour)?;
        declared.extend(variables.declared().map(str::to_string));
        undeclared.extend(variables.undeclared().iter().cloned());
        let (table, choice) = prices(desired.region.as_deref(), region, prices_path)
            .map_err(|e| CliError::Simulation(format!("{}: {e}", source.name)))?;
        let used = match tables.iter().position(|(t, c, _)| *t == table && *c == choice) {
            Some(i) => i,
            None => {
                tables.push((table, choice, Vec::new()));
                tables.len() - 1
            }
        };
        tables[used].2.push(source.name.clone());
        let prepared =
            simulate::prepare(&desired, endpoint, &tables[used].0, traffic.start, minutes, params.request_seconds)
                .map_err(|e| CliError::Simulation(format!("{}: {e}", source.name)))?;
        let first = results.len();
        results.extend(simulate::simulate(
            &source.name,
            &prepared,
            &traffic.per_minute,
            traffic.periods.as_deref(),
            &params,
            with_series,
        ));
        specs.push((source.name, first..results.len()));
    }
    if let Some((name, given)) = undeclared.into_iter().find(|(name, _)| !declared.contains(name)) {
        return Err(CliError::UnknownVariable { name, given });
    }
    // Costs in two currencies cannot be compared (every AWS Price List table is in USD; an
    // edited one may not be).
    if let Some((first, rest)) = tables.split_first() {
        if let Some(other) = rest.iter().find(|t| t.0.currency != first.0.currency) {
            return Err(CliError::Simulation(format!(
                "the specs are priced in different currencies ({} for {}, {} for {}): give --prices tables in one currency",
                first.0.currency,
                first.2.join(", "),
                other.0.currency,
                other.2.join(", ")
            )));
        }
    }
    // The first spec given is the baseline: what the others would save or lose against it.
    let verdicts: Vec<simulate::Verdict> = match specs.split_first() {
        Some(((base_label, base), others)) => others
            .iter()
            .map(|(label, range)| simulate::verdict(label, &results[range.clone()], base_label, &results[base.clone()]))
            .collect(),
        None => Vec::new(),
    };
    if let Some(path) = chart_path {
        let runs: Vec<chart::ChartRun<'_>> = results
            .iter()
            .filter_map(|r| {
                r.series
                    .as_ref()
                    .map(|s| chart::ChartRun { label: format!("{} {}/{}", r.label, r.endpoint, r.variant), series: s })
            })
            .collect();
        let title = format!("endpoint-scale simulate: {label}");
        chart::write(path, traffic.start, &title, &runs).map_err(|e| CliError::Simulation(e.to_string()))?;
        output::stderr(&format!("Wrote the chart to {}.\n", path.display()));
    }
    let used: Vec<render::simulation::TableUse<'_>> = tables
        .iter()
        .map(|(table, choice, specs)| render::simulation::TableUse {
            table,
            choice,
            specs: specs.iter().map(String::as_str).collect(),
        })
        .collect();
    let context = render::simulation::Context {
        start: traffic.start,
        minutes,
        resolution_seconds: traffic.resolution_seconds(),
        traffic: &label,
        prices: &used,
        params: &params,
        request_seconds_from: params.request_seconds.and(request_seconds_from),
        verdicts: &verdicts,
    };
    let text = match format {
        OutputFormat::Human => render::simulation::table(&results, &context),
        OutputFormat::Json => render::simulation::json(&results, &context),
    };
    write_stdout(&text)
}

/// `recommend SPEC`: the spec, and which of its variants to improve.
pub struct SpecArgs<'a> {
    pub path: &'a Path,
    pub endpoint: Option<&'a str>,
    pub variant: Option<&'a str>,
    pub vars: &'a VarArgs,
    pub colour: ColorChoice,
    /// `simulate SPEC` on the same traffic, for the closing suggestion (the variables are added
    /// here).
    pub simulate: CommandLine,
}

/// Why `--write` refuses a change that `current::Change::pins_variables`.
const PINS_VARIABLES: &str = "its layout leaves no place to splice the variant (a flow-style `{...}` variant or `[...]` list), and writing the spec anew would put this run's values in place of its `${var.NAME}` references; write the variant block-style (`- name: ...`, one key per line) and run recommend again";

/// The safety factors every search tries (a spec's own is added to them).
const SAFETY_FACTORS: [f64; 7] = [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/// The time zone of the business hours when neither `--timezone` nor the spec names one.
const DEFAULT_TIMEZONE: &str = "America/New_York";

#[allow(clippy::too_many_arguments)]
pub fn recommend(
    (traffic, label): (Traffic, String),
    max_rps: Option<f64>,
    tested_on: Option<&str>,
    instance_types: &[String],
    max_overload: f64,
    region: Option<&str>,
    prices_path: Option<&Path>,
    timezone: Option<&str>,
    top: usize,
    write: Option<&Path>,
    format: OutputFormat,
    model: &ModelArgs,
    concurrency: &ConcurrencyArgs,
    measured_concurrency: Option<&Concurrency>,
    spec: Option<SpecArgs<'_>>,
) -> Result<Outcome, CliError> {
    // With a spec: the file, its model, and the spec as written (for the rewritten copy).
    // Read as simulate reads a spec: its variables from --var, --var-file and the environment,
    // validated (warnings to stderr); `raw` is the spec with the same values, as written.
    // `simulate_again`: the simulate run a suggestion repeats (this spec, traffic and variables).
    let mut simulate_again = None;
    let loaded = match &spec {
        Some(args) => {
            let source = read_text(args.path)?;
            let inputs = var_inputs(args.vars)?;
            let (desired, variables) = desired_from(&source, &inputs, args.colour)?;
            simulate_again = Some((
                args.simulate.clone().vars(args.vars, &variables),
                CommandLine::new("plan").arg("FILE").vars(args.vars, &variables),
            ));
            let raw = crate::spec::parse_with(&source, &inputs)
                .map_err(|d| CliError::Invalid { path: source.name.clone(), errors: d.len(), warnings: 0 })?
                .spec;
            Some((source, desired, raw, inputs))
        }
        None => None,
    };
    // The price table as simulate picks it: the spec's `region:` (which --region may only
    // repeat), else --region, AWS_REGION, AWS_DEFAULT_REGION, us-east-1; --prices must be for it.
    let (table, price_choice) = match &loaded {
        Some((source, desired, _, _)) => prices(desired.region.as_deref(), region, prices_path)
            .map_err(|e| CliError::Simulation(format!("{}: {e}", source.name)))?,
        None => prices(None, region, prices_path)?,
    };
    // The request duration as simulate takes it: --request-seconds, else measured from the
    // traffic's concurrency (CloudWatch or an exported CSV's column).
    let mut params = params(model, Some(concurrency));
    let request_seconds_from = request_seconds(&mut params, &traffic, measured_concurrency);
    let sim = |e: current::CurrentError| CliError::Simulation(e.to_string());
    let subject = match (&loaded, &spec) {
        (Some((source, desired, raw, _)), Some(args)) => {
            Some(current::subject(&source.name, raw, desired, args.endpoint, args.variant).map_err(sim)?)
        }
        _ => None,
    };
    let (load_test, origin) = match &subject {
        Some(s) => {
            let test = current::load_test(s, max_rps, tested_on).map_err(sim)?;
            let origin = if test.source.starts_with('`') {
                format!("the spec's {}", test.source)
            } else if tested_on.is_some() {
                "--tested-on".to_string()
            } else {
                "--tested-on; default: the variant's instance type".to_string()
            };
            (test, origin)
        }
        None => {
            let rps = max_rps.ok_or_else(|| {
                CliError::Simulation(
                    "recommend needs --max-rps-per-instance (the load-tested requests per second of one instance), or a spec that states it".to_string(),
                )
            })?;
            let test = current::LoadTest {
                max_rps_per_instance: rps,
                // Default: the first listed type, said so in the output.
                tested_on: tested_on.unwrap_or(&instance_types[0]).to_string(),
                source: "--max-rps-per-instance".to_string(),
            };
            let origin =
                if tested_on.is_some() { "--tested-on" } else { "--tested-on; default: the first listed type" };
            (test, origin.to_string())
        }
    };
    let mut types = instance_types.to_vec();
    let mut safety_factors = SAFETY_FACTORS.to_vec();
    let mut timezone = timezone.map(str::to_string);
    if let Some(s) = &subject {
        // The variant's own type, and its own safety factor, are always tried.
        let own = s.variant.instance_type.to_string();
        if !types.contains(&own) {
            types.push(own);
        }
        if let Some(f) = current::safety_factor(s).filter(|f| !safety_factors.contains(f)) {
            safety_factors.push(f);
            safety_factors.sort_by(f64::total_cmp);
        }
        timezone = timezone.or_else(|| current::timezone(s).map(str::to_string));
    }
    let timezone = timezone.unwrap_or_else(|| DEFAULT_TIMEZONE.to_string());
    let tz = crate::schedule::parse_timezone(&timezone).map_err(|e| CliError::Simulation(e.message))?;
    let current = match &subject {
        Some(s) => Some(
            current::simulate(
                s,
                &load_test,
                &table,
                &traffic.per_minute,
                traffic.periods.as_deref(),
                traffic.start,
                &params,
                max_overload,
            )
            .map_err(sim)?,
        ),
        None => None,
    };
    // The candidates take the variant's place: they serve its share of the endpoint's traffic
    // (all of it for an only variant), as the current configuration does. 10-second traffic is
    // shared period by period and added up to minutes exactly as simulate does, so the winner's
    // figures are simulate's to the last bit.
    let share = current.as_ref().map_or(1.0, |c| c.traffic_share);
    let shared_periods: Option<Vec<f64>> =
        traffic.periods.as_ref().map(|periods| periods.iter().map(|t| t * share).collect());
    let shared: Vec<f64>;
    let per_minute: &[f64] = match &shared_periods {
        Some(periods) => {
            shared = periods.chunks_exact(traffic::PERIODS_PER_MINUTE).map(traffic::minute_sum).collect();
            &shared
        }
        None if share == 1.0 => &traffic.per_minute,
        None => {
            shared = traffic.per_minute.iter().map(|t| t * share).collect();
            &shared
        }
    };
    // A variant on concurrency: its candidates keep the metric (docs/simulation.md says why),
    // with targets from the load-tested concurrency. `current::simulate` has checked that a
    // request duration is known.
    let mut concurrency_source = None;
    let concurrency_search = match (&subject, params.request_seconds) {
        (Some(s), Some(seconds)) if current::on_concurrency(s) => {
            let (max, source) = current::concurrency_load_test(s, &load_test, seconds, &table).map_err(sim)?;
            concurrency_source = Some(source);
            Some(recommend::ConcurrencySearch { request_seconds: seconds, max_concurrency_per_instance: max })
        }
        _ => None,
    };
    let search = recommend::Search {
        max_rps_per_instance: load_test.max_rps_per_instance,
        tested_on: load_test.tested_on.clone(),
        instance_types: types,
        max_overload,
        safety_factors,
        timezone: tz,
        timezone_name: timezone.clone(),
        concurrency: concurrency_search,
    };
    let peak = per_minute.iter().copied().fold(0.0, f64::max);
    let candidates = recommend::candidates(&search, &table, peak).map_err(|e| CliError::Simulation(e.to_string()))?;
    let started = std::time::Instant::now();
    let outcome =
        recommend::search(&search, &candidates, per_minute, shared_periods.as_deref(), traffic.start, &params, top);
    let elapsed = started.elapsed();
    let winner = outcome.best.first();
    // With a spec: whether its configuration is already the best, else the winner as a change.
    let mut current = current;
    let mut change = None;
    if let (Some(s), Some(cur), Some(w), Some((source, _, _, inputs))) = (&subject, current.as_mut(), winner, &loaded) {
        cur.best = current::is_best(cur, w);
        if !cur.best {
            let note = format!(
                "Changed by `endpoint-scale recommend` (traffic: {label}, within {} overload).",
                render::simulation::percent(max_overload)
            );
            change = Some(current::change(s, source, inputs, cur, w, &load_test, &timezone, &note).map_err(sim)?);
        }
    }
    let fragment = match (&loaded, winner) {
        (None, Some(w)) => {
            Some(recommend::fragment(&w.candidate, load_test.max_rps_per_instance, &search.tested_on, &timezone))
        }
        _ => None,
    };
    if let Some(path) = write {
        let written = |err| CliError::WriteFile { path: path.display().to_string(), err };
        match (&loaded, &fragment, &current) {
            (None, Some(fragment), _) => {
                std::fs::write(path, fragment).map_err(written)?;
                output::stderr(&format!("Wrote the winning variant to {}.\n", path.display()));
            }
            (Some((source, _, _, _)), _, Some(cur)) if winner.is_some() => {
                if change.as_ref().is_some_and(|c| c.pins_variables) {
                    return Err(CliError::Simulation(format!(
                        "cannot write {} with the change: {PINS_VARIABLES}",
                        source.name
                    )));
                }
                let (text, what) = match &change {
                    Some(c) if c.kept_layout => (c.spec_text.as_str(), "with the recommended variant"),
                    Some(c) => (
                        c.spec_text.as_str(),
                        "with the recommended variant, written anew (its layout left no place to splice the variant, so its comments are not kept)",
                    ),
                    None if cur.best => (source.text.as_str(), "unchanged (its configuration is already the best found)"),
                    None => (source.text.as_str(), "unchanged"),
                };
                std::fs::write(path, text).map_err(written)?;
                output::stderr(&format!("Wrote {} {what} to {}.\n", source.name, path.display()));
            }
            _ => {}
        }
    }
    let context = render::simulation::RecommendContext {
        start: traffic.start,
        minutes: traffic.per_minute.len() as u32,
        resolution_seconds: traffic.resolution_seconds(),
        traffic: &label,
        prices: &table,
        price_choice: &price_choice,
        max_overload,
        evaluated: outcome.evaluated,
        feasible: outcome.feasible,
        elapsed,
        threads: rayon::current_num_threads(),
        params: &params,
        request_seconds_from: search.concurrency.as_ref().and(request_seconds_from),
        concurrency: search.concurrency.as_ref().zip(concurrency_source.as_deref()),
        tested_on: &search.tested_on,
    };
    let capacity_note = capacity_note(&search, &origin);
    let text = match format {
        OutputFormat::Human => {
            let mut text = render::simulation::recommendations(&outcome.best, &context, None);
            text.push_str(&recommend_notes(&outcome, &capacity_note));
            if let Some(fragment) = &fragment {
                text.push_str("\nThe winner as a spec fragment:\n\n");
                text.push_str(fragment);
            }
            if let Some(cur) = &current {
                text.push_str(&render::change::against_current(cur, change.as_ref(), max_overload));
                if change.as_ref().is_some_and(|c| c.pins_variables) {
                    text.push_str(&format!(
                        "\n{}: --write cannot write this change: {PINS_VARIABLES}.\n",
                        cur.result.label
                    ));
                } else if let (Some(_), None, Some((simulate, plan))) = (&change, write, &simulate_again) {
                    text.push_str(&format!(
                        "\nWrite the spec with this change with --write FILE, then `diff {} FILE`, `{}` and `{plan}`.\n",
                        crate::hint::quote(&cur.result.label),
                        simulate.clone().opt("--compare", "FILE"),
                    ));
                }
            }
            text
        }
        OutputFormat::Json => {
            // The shared view's document, with what the search adds; no timings, so the same
            // input gives the same document.
            let mut doc: serde_json::Value =
                serde_json::from_str(&render::simulation::recommendations_json(&outcome.best, &context))
                    .map_err(|e| CliError::Simulation(e.to_string()))?;
            if let Some(map) = doc.as_object_mut() {
                map.insert("tested_on".into(), search.tested_on.clone().into());
                map.insert("capacity_note".into(), capacity_note.into());
                map.insert("considered".into(), outcome.considered.into());
                map.insert("frontier".into(), serde_json::to_value(&outcome.frontier).unwrap_or_default());
                if let Some(cur) = &current {
                    map.insert("current".into(), serde_json::to_value(cur).unwrap_or_default());
                    map.insert("change".into(), serde_json::to_value(&change).unwrap_or_default());
                }
            }
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            text
        }
    };
    write_stdout(&text)?;
    if outcome.best.is_empty() {
        return Err(CliError::Simulation(format!(
            "no configuration of {} keeps overload within {}: raise --max-overload, add larger instance types, or check --max-rps-per-instance",
            search.instance_types.join(", "),
            render::simulation::percent(max_overload)
        )));
    }
    Ok(Outcome::Done)
}

/// Lines of the frontier the human output shows (the JSON has all of them).
const FRONTIER_LINES: usize = 10;

/// A configuration in a few words, for the lines under the ranking.
fn describe(c: &recommend::Candidate) -> String {
    use render::simulation::thousands;
    if c.fixed_fleet {
        return format!("{} fixed fleet of {}: burstable instances cannot be auto scaled", c.instance_type, c.min);
    }
    let target = match c.concurrency_target {
        Some(t) => format!("{} concurrent", render::simulation::trim(t)),
        None => thousands(c.target),
    };
    let mut text = format!("{} min {} max {} target {target} (x{})", c.instance_type, c.min, c.max, c.safety_factor);
    if let Some(m) = c.business_hours_min {
        text.push_str(&format!(" weekday min {m}"));
    }
    if let Some(m) = c.month_start_min {
        text.push_str(&format!(" month-start min {m}"));
    }
    text
}

/// Where capacity per instance comes from, as the output says it; `origin` says who named the
/// load-tested type.
fn capacity_note(search: &recommend::Search, origin: &str) -> String {
    format!(
        "Capacity per instance scaled by vCPUs from {} ({origin}): {} requests per second each; load-test the winner.",
        search.tested_on, search.max_rps_per_instance
    )
}

/// What the human output adds under the ranking: where capacity comes from, fixed fleets, the
/// search's work and the cost/overload frontier.
fn recommend_notes(outcome: &recommend::Outcome, capacity_note: &str) -> String {
    use render::simulation::{percent, thousands};
    let mut out = format!("\n{capacity_note}\n");
    for (i, r) in outcome.best.iter().enumerate().filter(|(_, r)| r.candidate.fixed_fleet) {
        out.push_str(&format!("Rank {}: {}.\n", i + 1, describe(&r.candidate)));
    }
    out.push_str(&format!(
        "Searched {} configurations: simulated {}, the other {} settled by the bounds without a run.\n",
        thousands(outcome.considered as f64),
        thousands(outcome.evaluated as f64),
        thousands((outcome.considered - outcome.evaluated) as f64),
    ));
    if !outcome.frontier.is_empty() {
        out.push_str("\nCost/overload frontier (each less overloaded than every cheaper one):\n");
        for r in outcome.frontier.iter().take(FRONTIER_LINES) {
            out.push_str(&format!(
                "  ${:.2}  {:>6}  {}\n",
                r.summary.cost,
                percent(r.overload_share),
                describe(&r.candidate)
            ));
        }
        if outcome.frontier.len() > FRONTIER_LINES {
            out.push_str(&format!("  ({} more in --output json)\n", outcome.frontier.len() - FRONTIER_LINES));
        }
    }
    // The ranking prefers stable configurations at the same cost, but the cheapest may still
    // oscillate: said as simulate says it, with the knobs.
    let warnings: Vec<String> = outcome
        .best
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let s = r.scalings.as_ref().filter(|s| s.oscillates)?;
            Some(render::simulation::oscillation_text(&format!("rank {} ({})", i + 1, describe(&r.candidate)), s))
        })
        .collect();
    if !warnings.is_empty() {
        out.push('\n');
        out.push_str(&warnings.concat());
    }
    out
}

/// `traffic generate key=value ...`: the generator's CSV on stdout.
pub fn generate(settings: &[String]) -> Result<Outcome, CliError> {
    let g = generator_from(&settings.join(","))?;
    write_stdout(&traffic::to_csv(&traffic::generate(&g)))
}

/// `--traffic cloudwatch`.
pub const CLOUDWATCH: &str = "cloudwatch";

/// Days of one-minute data CloudWatch keeps, and of five-minute data (CloudWatch API Reference,
/// GetMetricData: "Data points with a period of 60 seconds (1-minute) are available for 15 days.
/// Data points with a period of 300 seconds (5-minute) are available for 63 days.").
const ONE_MINUTE_DAYS: u32 = 15;
const FIVE_MINUTE_DAYS: u32 = 63;

/// Sets the time the CloudWatch window ends at (RFC 3339) instead of the clock: for tests and
/// for repeating a read exactly.
pub const NOW_VAR: &str = "ENDPOINT_SCALE_NOW";

/// Traffic read from CloudWatch, and what to tell the user about it.
pub struct CloudWatchTraffic {
    pub traffic: Traffic,
    /// The traffic's name in the simulation's output.
    pub label: String,
    /// Notes and warnings for stderr (and, in `traffic export`, the CSV's comment lines).
    pub notes: Vec<String>,
    /// The endpoint's mean concurrency per minute, when asked for and CloudWatch has
    /// ConcurrentRequestsPerModel datapoints for every variant.
    pub concurrency: Option<Concurrency>,
}

/// The end of the window: [`NOW_VAR`] if set, else the clock.
fn now() -> Result<DateTime<Utc>, CliError> {
    match std::env::var(NOW_VAR) {
        Ok(text) => DateTime::parse_from_rfc3339(text.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| {
            CliError::Simulation(format!(
                "{NOW_VAR} is {:?}, not an RFC 3339 time such as 2026-11-09T00:00:00Z",
                crate::diagnostic::shorten(&text)
            ))
        }),
        Err(_) => Ok(Utc::now()),
    }
}

/// The period to read `days` back at, in seconds, or why CloudWatch cannot give them.
fn period_for(days: u32) -> Result<i64, CliError> {
    match days {
        0 => Err(CliError::Simulation("--days 0 leaves nothing to read; give 1 or more".to_string())),
        d if d <= ONE_MINUTE_DAYS => Ok(60),
        d if d <= FIVE_MINUTE_DAYS => Ok(300),
        d => Err(CliError::Simulation(format!(
            "--days {d} reaches beyond what CloudWatch keeps at a resolution the simulator can use: one-minute data for {ONE_MINUTE_DAYS} days and five-minute data for {FIVE_MINUTE_DAYS} (older data is kept only as hourly sums); give --days {FIVE_MINUTE_DAYS} or less, or simulate a CSV of older traffic"
        ))),
    }
}

/// Reads the Invocations of the spec's endpoint (`--endpoint` picks it, as for simulate), summed
/// over its variants, for the last `days` days: one-minute sums within CloudWatch's one-minute
/// retention, five-minute sums (spread evenly over their minutes) beyond it. With
/// `with_concurrency`, also ConcurrentRequestsPerModel, in the same calls.
#[allow(clippy::too_many_arguments)]
pub async fn cloudwatch_traffic(
    spec: &Path,
    endpoint: Option<&str>,
    days: Option<u32>,
    with_concurrency: bool,
    region: Option<&str>,
    vars: &VarArgs,
    args: &AwsReadArgs,
    colour: ColorChoice,
) -> Result<CloudWatchTraffic, CliError> {
    let super::Loaded { source, desired, .. } = load(spec, vars, colour)?;
    let e =
        simulate::endpoint_of(&desired, endpoint).map_err(|e| CliError::Simulation(format!("{}: {e}", source.name)))?;
    let mut notes = Vec::new();
    let days = match days {
        Some(d) => d,
        None => {
            notes.push(format!("note: reading the last {DEFAULT_TRAFFIC_DAYS} days (the default; --days N to change)"));
            DEFAULT_TRAFFIC_DAYS
        }
    };
    let period = period_for(days)?;
    if period == 300 {
        notes.push(format!(
            "note: --days {days} reaches beyond the {ONE_MINUTE_DAYS} days CloudWatch keeps one-minute data, so the whole window is read in 5-minute sums, each spread evenly over its 5 minutes"
        ));
    }
    let end = now()?.timestamp().div_euclid(period) * period;
    let start = end - i64::from(days) * 86_400;
    let options = AwsOptions {
        profile: args.profile.clone(),
        region: region.map(str::to_string),
        spec_region: desired.region.clone(),
        endpoint_url: args.endpoint_url.clone(),
        max_attempts: Some(args.max_attempts),
        adaptive_retry: args.retry_mode == RetryMode::Adaptive,
        attempt_timeout: aws::sdk::attempt_timeout_from_env()?,
    };
    let loaded = aws::load(&options).await?;
    if let Some(ignored) = &loaded.ignored_region {
        output::stderr(&format!("note: {ignored}\n"));
    }
    let region_name = loaded.config.region().map(|r| r.to_string()).unwrap_or_default();
    let variants: Vec<String> = e.variants.iter().map(|v| v.name.clone()).collect();
    let query = cloudwatch::InvocationsQuery {
        endpoint: e.name.clone(),
        variants: variants.clone(),
        start,
        end,
        period_seconds: period,
        concurrency: with_concurrency,
    };
    let read = cloudwatch::invocations(&loaded.config, &query, None).await?;
    // The endpoint's traffic is the sum of its variants'.
    let mut sums: BTreeMap<i64, f64> = BTreeMap::new();
    for point in read.per_variant.iter().flatten() {
        *sums.entry(point.at).or_insert(0.0) += point.sum;
    }
    let stamp = |secs: i64| DateTime::from_timestamp(secs, 0).map_or(secs.to_string(), traffic::metric::stamp);
    let window = format!("{} to {}", stamp(start), stamp(end));
    let what = format!(
        "the Invocations of endpoint {} ({} {}) in {region_name}",
        e.name,
        if variants.len() == 1 { "variant" } else { "variants" },
        variants.join(", ")
    );
    let points: Vec<(DateTime<Utc>, f64)> =
        sums.iter().filter_map(|(&at, &v)| DateTime::from_timestamp(at, 0).map(|t| (t, v))).collect();
    if points.is_empty() {
        return Err(CliError::Simulation(format!(
            "CloudWatch has no datapoints for {what} from {window}: check that the endpoint served requests then, and the region and the spec's endpoint and variant names"
        )));
    }
    let (traffic, gaps) = traffic::metric::from_periods((period / 60) as u32, &points)
        .map_err(|err| CliError::Traffic { path: CLOUDWATCH.to_string(), message: err.to_string() })?;
    let traffic_end = traffic.start + TimeDelta::minutes(traffic.per_minute.len() as i64);
    notes.insert(
        0,
        format!(
            "note: read {} (Sum per {period} s) from {window} in {}: {} from {} to {}",
            what,
            super::plural(read.calls, "GetMetricData call"),
            super::plural(points.len(), "datapoint"),
            traffic::metric::stamp(traffic.start),
            traffic::metric::stamp(traffic_end),
        ),
    );
    if let Some(sentence) = gaps.describe(traffic.start) {
        notes.push(format!("warning: {sentence}"));
    }
    let concurrency = if with_concurrency {
        let (concurrency, note) = concurrency_of(&traffic, &variants, &e.name, &read.concurrency, period)?;
        notes.extend(note);
        concurrency
    } else {
        None
    };
    let label = format!("CloudWatch Invocations of {} in {region_name}, {}-minute sums", e.name, period / 60);
    Ok(CloudWatchTraffic { traffic, label, notes, concurrency })
}

/// The endpoint's mean concurrency per minute from each variant's ConcurrentRequestsPerModel
/// sums: a period counts only where every variant has a datapoint, since the traffic it is set
/// against is the sum of all of them. A variant without any datapoint (a container that does
/// not publish the metric) is normal: a note says so and the traffic is used without it.
fn concurrency_of(
    traffic: &Traffic,
    variants: &[String],
    endpoint: &str,
    per_variant: &[Vec<cloudwatch::Datapoint>],
    period: i64,
) -> Result<(Option<Concurrency>, Option<String>), CliError> {
    let missing: Vec<&str> =
        variants.iter().zip(per_variant).filter(|(_, points)| points.is_empty()).map(|(v, _)| v.as_str()).collect();
    if !missing.is_empty() || per_variant.len() != variants.len() {
        let which = if missing.len() == 1 { "variant" } else { "variants" };
        let why = if missing.len() == variants.len() {
            "the request duration is not measured; only Invocations are used"
        } else {
            "the request duration needs every variant's (the traffic is their sum), so it is not measured; only Invocations are used"
        };
        return Ok((
            None,
            Some(format!(
                "note: CloudWatch has no {} datapoints for {which} {} of endpoint {endpoint} (containers that do not publish it, such as older ones): {why}",
                cloudwatch::CONCURRENCY_METRIC,
                missing.join(", "),
            )),
        ));
    }
    let mut sums: BTreeMap<i64, (usize, f64)> = BTreeMap::new();
    for point in per_variant.iter().flatten() {
        let entry = sums.entry(point.at).or_insert((0, 0.0));
        entry.0 += 1;
        entry.1 += point.sum;
    }
    let points: Vec<(DateTime<Utc>, f64)> = sums
        .iter()
        .filter(|(_, &(count, _))| count == variants.len())
        .filter_map(|(&at, &(_, sum))| DateTime::from_timestamp(at, 0).map(|t| (t, measured::mean_of_sum(sum, period))))
        .collect();
    let concurrency = measured::from_periods(traffic, (period / 60) as u32, &points)
        .map_err(|err| CliError::Traffic { path: CLOUDWATCH.to_string(), message: err.to_string() })?;
    Ok((Some(concurrency), None))
}

/// `traffic export SPEC`: what `--traffic cloudwatch` would simulate, as CSV, with the notes as
/// comment lines at the top (which the CSV reader skips).
#[allow(clippy::too_many_arguments)]
pub async fn export(
    spec: &Path,
    days: u32,
    endpoint: Option<&str>,
    out: Option<&Path>,
    region: Option<&str>,
    vars: &VarArgs,
    args: &AwsReadArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let read = cloudwatch_traffic(spec, endpoint, Some(days), true, region, vars, args, colour).await?;
    for note in &read.notes {
        output::stderr(&format!("{note}\n"));
    }
    let mut text = String::from("# endpoint-scale traffic export\n");
    for note in &read.notes {
        text.push_str(&format!("# {note}\n"));
    }
    match read.concurrency.as_ref().filter(|c| c.any()) {
        Some(concurrency) => text.push_str(&traffic::to_csv_with_concurrency(&read.traffic, concurrency)),
        None => text.push_str(&traffic::to_csv(&read.traffic)),
    }
    match out {
        Some(path) => {
            std::fs::write(path, text).map_err(|err| CliError::WriteFile { path: path.display().to_string(), err })?;
            output::stderr(&format!(
                "Wrote {} minutes of traffic to {}.\n",
                read.traffic.per_minute.len(),
                path.display()
            ));
            Ok(Outcome::Done)
        }
        None => write_stdout(&text),
    }
}
