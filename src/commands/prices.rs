//! `prices show`, `prices fetch` and `prices import`: the price table a run uses, and official
//! prices from the AWS Price List (the Query API, or a Price List file) written as a table that
//! `--prices` reads.

use std::path::Path;

use super::{write_stdout, CliError, Outcome};
use crate::aws::{self, pricing, AwsOptions};
use crate::cli::{AwsReadArgs, OutputFormat, RetryMode};
use crate::output;
use crate::simulate::prices::pricelist::{Collected, Collector};
use crate::simulate::prices::{self, PriceTable, RegionChoice, TableChoice, MARKS_LEGEND};

/// `prices show`: the table `simulate` would use for `--region` (or the environment's, or the
/// default), or the `--prices` file.
pub fn show(region: Option<&str>, path: Option<&Path>, format: OutputFormat) -> Result<Outcome, CliError> {
    let (table, choice) = PriceTable::select(&RegionChoice::resolve(None, region)?, path)?;
    match format {
        OutputFormat::Json => {
            // stdout is the table itself (to edit and pass to --prices); the assumption goes aside.
            if let Some(sentence) = choice.assumption(&table.region) {
                output::stderr(&format!("note: {sentence}\n"));
            }
            write_stdout(&table.to_json())
        }
        OutputFormat::Human => write_stdout(&human(&table, &choice)),
    }
}

/// The table for people: its header, one row per type with its mark, the legend, the sources.
fn human(table: &PriceTable, choice: &TableChoice) -> String {
    let mut out = format!(
        "Prices: {} {} {}\n{} of {}\n",
        table.region,
        table.currency,
        table.unit,
        capitalized(&choice.origin()),
        table.date
    );
    if let Some(sentence) = choice.assumption(&table.region) {
        out.push_str(&sentence);
        out.push('\n');
    }
    out.push_str(&format!("Source: {}\n", table.source));
    if !table.note.is_empty() {
        out.push_str(&format!("Note: {}\n", table.note));
    }
    let mut rows = vec![["instance type", "per hour", "vCPUs", "memory GiB", "provenance", "as of"].map(String::from)];
    for (name, p) in &table.prices {
        rows.push([
            format!("{name}{}", p.provenance.mark()),
            p.per_hour.to_string(),
            p.vcpus.to_string(),
            p.memory_gib.to_string(),
            p.provenance.name().to_string(),
            p.as_of.clone(),
        ]);
    }
    let widths: Vec<usize> = (0..6).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    out.push('\n');
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, cell)| match i {
                0 | 4 | 5 => format!("{cell:<w$}", w = widths[i]),
                _ => format!("{cell:>w$}", w = widths[i]),
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out.push_str(&format!("\n{MARKS_LEGEND}\n\nSources:\n"));
    for (name, p) in &table.prices {
        out.push_str(&format!("  {name}: {}\n", p.source));
    }
    out
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// `prices fetch --region R`: GetProducts of AmazonSageMaker for R through the Price List API in
/// `api_region`, every hosting price kept as an official row.
pub async fn fetch(
    region: &str,
    out: Option<&Path>,
    api_region: &str,
    args: &AwsReadArgs,
) -> Result<Outcome, CliError> {
    if !prices::is_region(region) {
        return Err(CliError::Prices(format!("--region {region:?} is not a region name like eu-west-1")));
    }
    if !pricing::API_REGIONS.contains(&api_region) && args.endpoint_url.is_none() {
        output::stderr(&format!(
            "note: AWS documents Price List API endpoints in {} only; --api-region {api_region} may have none\n",
            pricing::API_REGIONS.join(", ")
        ));
    }
    let options = AwsOptions {
        profile: args.profile.clone(),
        region: Some(api_region.to_string()),
        spec_region: None,
        endpoint_url: args.endpoint_url.clone(),
        max_attempts: Some(args.max_attempts),
        adaptive_retry: args.retry_mode == RetryMode::Adaptive,
        attempt_timeout: aws::sdk::attempt_timeout_from_env()?,
    };
    let loaded = aws::load(&options).await?;
    let mut collector = Collector::new();
    let fetched = pricing::get_products(&loaded.config, region, |n, text| {
        collector.document(&format!("GetProducts item {n}"), text)
    })
    .await
    .map_err(|e| match e {
        pricing::FetchError::Aws(e) => CliError::Aws(e),
        pricing::FetchError::Document(e) => CliError::Prices(format!(
            "the Price List answer for {region} is not what AWS sends: {e}; nothing was written"
        )),
    })?;
    let collected = collector
        .finish(Some(region))
        .map_err(|e| CliError::Prices(format!("prices fetch --region {region}: {e}; nothing was written")))?;
    let source = format!(
        "AWS Price List Query API: GetProducts of AmazonSageMaker with regionCode {region}, {} products in {}, of which the real-time hosting usage types (<CODE>-Host:ml.<type>) were kept; fetched with `{}`.",
        fetched.documents,
        super::plural(fetched.pages, "page"),
        crate::hint::prices_fetch(region, None)
    );
    let summary = format!(
        "Read AmazonSageMaker prices for {region} from the Price List API in {}",
        super::plural(fetched.pages, "page")
    );
    write_table(collected, source, &summary, out)
}

/// `prices import FILE`: the offer file or get-products output, streamed.
pub fn import(file: &Path, region: Option<&str>, out: Option<&Path>) -> Result<Outcome, CliError> {
    let name = file.display().to_string();
    let reader = std::fs::File::open(file).map_err(|err| CliError::Read { path: name.clone(), err })?;
    let mut collector = Collector::new();
    let kind = prices::import::read(reader, &mut collector)
        .map_err(|e| CliError::Prices(format!("{name}: {e}; nothing was written")))?;
    let collected =
        collector.finish(region).map_err(|e| CliError::Prices(format!("{name}: {e}; nothing was written")))?;
    let published = collected.published.clone().unwrap_or_else(|| "no publication date".to_string());
    // The file by its name alone: the table is shared, the directory it was read from is not
    // its provenance.
    let base = file.file_name().map_or(name.clone(), |n| n.to_string_lossy().into_owned());
    let imported = crate::hint::prices_import(&base, Some(&collected.region), None);
    let source = match &kind {
        prices::import::FileKind::OfferFile { .. } => format!(
            "AWS Price List bulk offer file of AmazonSageMaker, publicationDate {published}: the real-time hosting usage types (<CODE>-Host:ml.<type>) of {}, {} products read; imported with `{imported}`.",
            collected.region, collected.read
        ),
        prices::import::FileKind::GetProducts { items } => format!(
            "AWS Price List Query API answer saved by `aws pricing get-products` (AmazonSageMaker), latest publicationDate {published}: the real-time hosting usage types (<CODE>-Host:ml.<type>) of {}, {items} products read; imported with `{imported}`.",
            collected.region
        ),
    };
    let summary = format!("Read {kind} from {name}");
    write_table(collected, source, &summary, out)
}

/// Reports on stderr what was kept and skipped, then writes the table to `out` or stdout.
fn write_table(collected: Collected, source: String, summary: &str, out: Option<&Path>) -> Result<Outcome, CliError> {
    let mut report = format!(
        "{summary}: {} products, of which {} real-time hosting prices for {} are kept.\n",
        collected.read,
        collected.prices.len(),
        collected.region
    );
    for warning in &collected.warnings {
        report.push_str(&format!("warning: {warning}\n"));
    }
    let table = collected.into_table(source);
    let text = table.to_json();
    match out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|err| CliError::WriteFile { path: path.display().to_string(), err })?;
            report.push_str(&format!(
                "Wrote the {} table to {}; use it with --prices {}.\n",
                table.region,
                path.display(),
                path.display()
            ));
            output::stderr(&report);
            Ok(Outcome::Done)
        }
        None => {
            output::stderr(&report);
            write_stdout(&text)
        }
    }
}
