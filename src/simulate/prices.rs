//! Instance prices: the tables shipped with the tool (one per region), `--prices FILE` tables in
//! the same format, and which table a run uses ([`PriceTable::select`]).
//!
//! A table (format 2, docs/simulation.md "Prices") names its region, currency, unit, date and
//! source, and gives per instance type the hourly price, vCPUs and memory with the price's
//! [`Provenance`], as-of date and source: a reader can always tell an official price from a copy
//! or an estimate. The region of a run comes from the spec's `region:`, else `--region`, else
//! AWS_REGION / AWS_DEFAULT_REGION, else us-east-1, and the output says so whenever it was not the
//! spec's ([`RegionChoice`]). A table is never used for another region than its own.
//!
//! [`pricelist`] turns AWS Price List documents (the Query API's GetProducts answers and the bulk
//! offer file) into a table, for `prices fetch` and `prices import`.

pub mod import;
pub mod pricelist;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The tables compiled into the binary, by region (data/prices-REGION.json).
const SHIPPED: &[(&str, &str)] = &[
    ("eu-west-1", include_str!("../../data/prices-eu-west-1.json")),
    ("us-east-1", include_str!("../../data/prices-us-east-1.json")),
    ("us-west-2", include_str!("../../data/prices-us-west-2.json")),
];

/// The format this build reads and writes.
pub const FORMAT: u32 = 2;

/// The region assumed when nothing names one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// What every price of a table is: the `unit` of the tables this tool writes.
pub const UNIT: &str = "per instance-hour, on-demand, SageMaker real-time inference (hosting)";

/// The largest price file read: a table of every hosting type in a region is about 100 KB.
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Bounds on a table's contents (a table is untrusted input: these keep the output sane).
const MAX_TYPES: usize = 10_000;
const MAX_TEXT: usize = 4_000;
const MAX_PER_HOUR: f64 = 100_000.0;
const MAX_VCPUS: u32 = 4_096;
const MAX_MEMORY_GIB: f64 = 1_000_000.0;

/// A price table, format 2. Field order is the order of the JSON a table is written in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    pub format: u32,
    pub region: String,
    pub currency: String,
    pub unit: String,
    /// When the table was compiled (YYYY-MM-DD).
    pub date: String,
    /// How the table was compiled.
    pub source: String,
    #[serde(default)]
    pub note: String,
    pub prices: BTreeMap<String, Price>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    pub per_hour: f64,
    pub vcpus: u32,
    #[serde(serialize_with = "whole_as_integer")]
    pub memory_gib: f64,
    pub provenance: Provenance,
    /// The date the price was read or took effect (YYYY-MM-DD).
    pub as_of: String,
    /// Where the price comes from.
    pub source: String,
}

/// Where a price comes from: what a reader may rely on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// Read from the AWS Price List (the Query API or the bulk offer file).
    Official,
    /// Copied from a public source that quotes the AWS Price List.
    ThirdParty,
    /// Derived (from other prices or sources that do not state it for hosting); the row's
    /// `source` says how.
    Estimate,
}

impl Provenance {
    /// The mark after an instance type in tables of results: none for official prices.
    pub fn mark(self) -> &'static str {
        match self {
            Provenance::Official => "",
            Provenance::ThirdParty => "*",
            Provenance::Estimate => "~",
        }
    }

    /// The name used in price files and JSON output.
    pub fn name(self) -> &'static str {
        match self {
            Provenance::Official => "official",
            Provenance::ThirdParty => "third-party",
            Provenance::Estimate => "estimate",
        }
    }
}

/// The legend of [`Provenance::mark`], for every output that shows marks.
pub const MARKS_LEGEND: &str = "Marks: * third-party price (copied from a public source that quotes the AWS Price List), ~ estimate (derived; see `endpoint-scale prices show`); unmarked prices are official (read from the AWS Price List).";

/// `4.0` as `4`, so a written table reads like a hand-written one.
fn whole_as_integer<S: serde::Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        s.serialize_i64(*x as i64)
    } else {
        s.serialize_f64(*x)
    }
}

/// Where the region of a run comes from, in the order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionFrom {
    /// The spec's `region:`.
    Spec,
    /// `--region`.
    Flag,
    /// AWS_REGION or AWS_DEFAULT_REGION (the spec has none and no `--region` was given).
    Env(&'static str),
    /// Nothing named one: [`DEFAULT_REGION`] is assumed.
    Default,
    /// Nothing explicit named one, and the `--prices` table names its own.
    File,
}

impl RegionFrom {
    /// The `region_from` of JSON output.
    pub fn key(self) -> &'static str {
        match self {
            RegionFrom::Spec => "spec",
            RegionFrom::Flag => "--region",
            RegionFrom::Env(var) => var,
            RegionFrom::Default => "default",
            RegionFrom::File => "--prices",
        }
    }
}

/// The region a run is priced in, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionChoice {
    pub region: String,
    pub from: RegionFrom,
}

impl RegionChoice {
    /// The spec's `region:`, else `--region`, else AWS_REGION, else AWS_DEFAULT_REGION, else
    /// [`DEFAULT_REGION`]. A `--region` that contradicts the spec is an error, as for `plan`.
    pub fn resolve(spec: Option<&str>, flag: Option<&str>) -> Result<Self, PriceError> {
        Self::resolve_with(spec, flag, |var| std::env::var(var).ok())
    }

    /// [`resolve`](Self::resolve) with the environment given, for tests.
    pub fn resolve_with(
        spec: Option<&str>,
        flag: Option<&str>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, PriceError> {
        let chosen = |region: &str, from| RegionChoice { region: region.to_string(), from };
        match (spec, flag) {
            (Some(spec), Some(flag)) if spec != flag => {
                Err(PriceError::RegionConflict { flag: flag.to_string(), spec: spec.to_string() })
            }
            (Some(spec), _) => Ok(chosen(spec, RegionFrom::Spec)),
            (None, Some(flag)) => Ok(chosen(flag, RegionFrom::Flag)),
            (None, None) => {
                // The order of aws-config's environment region provider.
                for var in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
                    if let Some(region) = env(var).filter(|r| !r.trim().is_empty()) {
                        return Ok(chosen(region.trim(), RegionFrom::Env(var)));
                    }
                }
                Ok(chosen(DEFAULT_REGION, RegionFrom::Default))
            }
        }
    }

    /// Whether the region was explicitly asked for (the spec or `--region`).
    fn explicit(&self) -> bool {
        matches!(self.from, RegionFrom::Spec | RegionFrom::Flag)
    }
}

/// How the table in use was chosen: for the output, which must say where prices come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableChoice {
    pub region_from: RegionFrom,
    /// The `--prices` file, if the table is not a shipped one.
    pub file: Option<PathBuf>,
}

impl TableChoice {
    /// "shipped table" or "table p.json", for headers.
    pub fn origin(&self) -> String {
        match &self.file {
            Some(path) => format!("table {}", path.display()),
            None => "shipped table".to_string(),
        }
    }

    /// A sentence when the region was not asked for (taken from the environment or assumed),
    /// with how to change it; `None` when the spec, `--region` or the `--prices` file named it.
    pub fn assumption(&self, region: &str) -> Option<String> {
        match self.region_from {
            RegionFrom::Env(var) => Some(format!(
                "Region {region} is taken from {var}: no spec `region:` or --region names one; add `region:` to the spec or pass --region to price another region."
            )),
            RegionFrom::Default => Some(format!(
                "Region {region} is assumed: no spec `region:`, --region, AWS_REGION or AWS_DEFAULT_REGION names one; add `region:` to the spec or pass --region to price another region."
            )),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    #[error("cannot read price file {path}: {err}")]
    Read { path: String, err: std::io::Error },
    #[error("price file {path} is larger than {limit} MiB: a price table is a small JSON file (`endpoint-scale prices show --output json` prints one)", limit = MAX_FILE_BYTES / (1024 * 1024))]
    TooLarge { path: String },
    #[error("price file {path} is not a price table: {err} (`endpoint-scale prices show --output json` prints one to start from)")]
    Format { path: String, err: serde_json::Error },
    #[error(
        "price file {path} is in the old format (`verified` per price, no `\"format\": 2`). Format 2 replaces `verified` by `provenance` (\"official\": read from the AWS Price List; \"third-party\": copied from a public source that quotes it; \"estimate\": derived) and adds `as_of` (YYYY-MM-DD) per price. To convert it, add `\"format\": 2` at the top and, in each price, replace `\"verified\": true` by `\"provenance\": \"third-party\"` (\"official\" only if you read it from the Price List yourself) and `\"verified\": false` by `\"provenance\": \"estimate\"`, and add `\"as_of\"`; or start again from `endpoint-scale prices show --region REGION --output json`, or get official prices with `endpoint-scale prices fetch` or `prices import`"
    )]
    OldFormat { path: String },
    #[error("price file {path} has format {format}; this endpoint-scale reads format {FORMAT} (`endpoint-scale prices show --output json` prints one)")]
    UnsupportedFormat { path: String, format: String },
    #[error("price file {path}: {message}")]
    Invalid { path: String, message: String },
    #[error(
        "no price for {instance_type} in the {region} price table ({date}); add it to a copy (`endpoint-scale prices show --region {region} --output json > prices.json`) and pass it with --prices prices.json"
    )]
    Missing { instance_type: String, region: String, date: String },
    #[error(
        "no price table ships for region {region} (tables ship for {shipped}). Get official prices with `endpoint-scale prices fetch --region {region} --out prices-{region}.json` (needs the IAM action pricing:GetProducts), or from the AmazonSageMaker offer file or saved `aws pricing get-products` output with `endpoint-scale prices import FILE --region {region} --out prices-{region}.json`; then pass --prices prices-{region}.json",
        shipped = shipped_regions().join(", ")
    )]
    NoTable { region: String },
    #[error(
        "--prices {path} holds prices for {table}, but {} is {region}: pass a table for {region} (`endpoint-scale prices fetch --region {region}` writes one){}",
        if *from == RegionFrom::Spec { "the spec's region" } else { "--region" },
        if *from == RegionFrom::Spec { ", or change the spec's `region:`" } else { ", or drop --region" }
    )]
    RegionMismatch { path: String, table: String, region: String, from: RegionFrom },
    #[error("--region {flag} contradicts the spec's region {spec}: drop --region, or change `region:` in the spec")]
    RegionConflict { flag: String, spec: String },
}

/// The regions a table ships for, sorted.
pub fn shipped_regions() -> Vec<&'static str> {
    SHIPPED.iter().map(|(region, _)| *region).collect()
}

impl PriceTable {
    /// The shipped table of [`DEFAULT_REGION`].
    pub fn shipped() -> Self {
        Self::shipped_in(DEFAULT_REGION).expect("a table ships for the default region (a unit test checks it)")
    }

    /// The shipped table of `region`, if one ships.
    pub fn shipped_in(region: &str) -> Option<Self> {
        let (name, text) = SHIPPED.iter().find(|(r, _)| *r == region)?;
        let table = Self::parse(&format!("data/prices-{name}.json"), text)
            .expect("the shipped price tables are valid (a unit test checks them)");
        Some(table)
    }

    /// The table for `region`: the `--prices` file when given (which must be for that region
    /// when the spec or `--region` named it; otherwise the file's own region is used), else the
    /// shipped one. What the other engineers' commands call, with [`RegionChoice::resolve`].
    pub fn select(region: &RegionChoice, prices: Option<&Path>) -> Result<(PriceTable, TableChoice), PriceError> {
        match prices {
            Some(path) => {
                let table = Self::load(path)?;
                if table.region != region.region {
                    if region.explicit() {
                        return Err(PriceError::RegionMismatch {
                            path: path.display().to_string(),
                            table: table.region,
                            region: region.region.clone(),
                            from: region.from,
                        });
                    }
                    let choice = TableChoice { region_from: RegionFrom::File, file: Some(path.to_path_buf()) };
                    return Ok((table, choice));
                }
                // A file for the region that was assumed still names it itself.
                let from = if region.explicit() { region.from } else { RegionFrom::File };
                Ok((table, TableChoice { region_from: from, file: Some(path.to_path_buf()) }))
            }
            None => {
                let table = Self::shipped_in(&region.region)
                    .ok_or_else(|| PriceError::NoTable { region: region.region.clone() })?;
                Ok((table, TableChoice { region_from: region.from, file: None }))
            }
        }
    }

    /// Reads a `--prices` file (at most [`MAX_FILE_BYTES`]) and checks it.
    pub fn load(path: &Path) -> Result<Self, PriceError> {
        use std::io::Read;
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|err| PriceError::Read { path: name.clone(), err })?;
        let mut bytes = Vec::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|err| PriceError::Read { path: name.clone(), err })?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(PriceError::TooLarge { path: name });
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| PriceError::Invalid { path: name.clone(), message: "it is not UTF-8 text".to_string() })?;
        Self::parse(&name, &text)
    }

    /// Parses and checks a table; `path` names it in errors. A table of the old format (before
    /// provenance) gets an error that says what changed and how to convert it.
    pub fn parse(path: &str, text: &str) -> Result<Self, PriceError> {
        /// Just enough of any version to tell which one it is.
        #[derive(Deserialize)]
        struct Peek {
            format: Option<serde_json::Value>,
            #[serde(default)]
            prices: BTreeMap<String, serde_json::Map<String, serde_json::Value>>,
        }
        let peek: Peek =
            serde_json::from_str(text).map_err(|err| PriceError::Format { path: path.to_string(), err })?;
        let old = peek.prices.values().any(|p| p.contains_key("verified"));
        match peek.format {
            None => return Err(PriceError::OldFormat { path: path.to_string() }),
            Some(_) if old => return Err(PriceError::OldFormat { path: path.to_string() }),
            Some(serde_json::Value::Number(n)) if n.as_u64() == Some(u64::from(FORMAT)) => {}
            Some(other) => {
                return Err(PriceError::UnsupportedFormat { path: path.to_string(), format: other.to_string() })
            }
        }
        let table: PriceTable =
            serde_json::from_str(text).map_err(|err| PriceError::Format { path: path.to_string(), err })?;
        table.check().map_err(|message| PriceError::Invalid { path: path.to_string(), message })?;
        Ok(table)
    }

    /// What a table must hold to be used: a region, a date, sane numbers, bounded texts.
    pub fn check(&self) -> Result<(), String> {
        if !is_region(&self.region) {
            return Err(format!("`region` {:?} is not a region name like eu-west-1", shorten(&self.region)));
        }
        if self.currency.len() != 3 || !self.currency.chars().all(|c| c.is_ascii_uppercase()) {
            return Err(format!("`currency` {:?} is not a currency code like USD", shorten(&self.currency)));
        }
        if !is_date(&self.date) {
            return Err(format!("`date` {:?} is not a date YYYY-MM-DD", shorten(&self.date)));
        }
        for (field, text) in [("unit", &self.unit), ("source", &self.source), ("note", &self.note)] {
            if text.len() > MAX_TEXT {
                return Err(format!("`{field}` is longer than {MAX_TEXT} characters"));
            }
        }
        if self.prices.is_empty() {
            return Err("`prices` is empty".to_string());
        }
        if self.prices.len() > MAX_TYPES {
            return Err(format!("`prices` has more than {MAX_TYPES} instance types"));
        }
        for (name, p) in &self.prices {
            let bad = |what: String| Err(format!("the price of {}: {what}", shorten(name)));
            if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_graphic()) {
                return Err(format!("{:?} is not an instance type name", shorten(name)));
            }
            if !(p.per_hour.is_finite() && p.per_hour > 0.0 && p.per_hour <= MAX_PER_HOUR) {
                return bad(format!("`per_hour` {} is not a price above 0 and at most {MAX_PER_HOUR}", p.per_hour));
            }
            if !(1..=MAX_VCPUS).contains(&p.vcpus) {
                return bad(format!("`vcpus` {} is not from 1 to {MAX_VCPUS}", p.vcpus));
            }
            if !(p.memory_gib.is_finite() && (0.0..=MAX_MEMORY_GIB).contains(&p.memory_gib)) {
                return bad(format!("`memory_gib` {} is not from 0 to {MAX_MEMORY_GIB}", p.memory_gib));
            }
            if !is_date(&p.as_of) {
                return bad(format!("`as_of` {:?} is not a date YYYY-MM-DD", shorten(&p.as_of)));
            }
            if p.source.len() > MAX_TEXT {
                return bad(format!("`source` is longer than {MAX_TEXT} characters"));
            }
        }
        Ok(())
    }

    pub fn get(&self, instance_type: &str) -> Result<&Price, PriceError> {
        self.prices.get(instance_type).ok_or_else(|| PriceError::Missing {
            instance_type: instance_type.to_string(),
            region: self.region.clone(),
            date: self.date.clone(),
        })
    }

    /// The table as the JSON `--prices` reads, pretty-printed, with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// `eu-west-1`, `us-gov-west-1`, `cn-north-1`: lowercase letters, digits and dashes.
pub fn is_region(text: &str) -> bool {
    (2..=32).contains(&text.len())
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// `YYYY-MM-DD`, a real date.
pub fn is_date(text: &str) -> bool {
    text.len() == 10 && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok()
}

/// At most 60 characters of an untrusted text, for error messages.
fn shorten(text: &str) -> String {
    crate::diagnostic::shorten(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_tables_are_format_2_and_name_their_region_date_and_sources() {
        assert!(shipped_regions().contains(&DEFAULT_REGION));
        for region in shipped_regions() {
            let table = PriceTable::shipped_in(region).unwrap();
            assert_eq!(table.region, region);
            assert_eq!(table.format, FORMAT);
            assert!(!table.source.is_empty(), "{region}");
            for family in ["ml.t2.", "ml.c5.", "ml.m5."] {
                assert!(table.prices.keys().any(|k| k.starts_with(family)), "{region} {family}");
            }
            for (name, p) in &table.prices {
                assert!(!p.source.is_empty(), "{region} {name} names no source");
            }
            // What `prices show --output json` writes, `--prices` reads back unchanged.
            assert_eq!(PriceTable::parse("again", &table.to_json()).unwrap(), table);
        }
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn the_spec_region_wins_then_the_flag_then_the_environment_then_the_default() {
        let r = |spec, flag, vars: &[(&str, &str)]| RegionChoice::resolve_with(spec, flag, env(vars)).unwrap();
        let both = [("AWS_REGION", "ap-south-1"), ("AWS_DEFAULT_REGION", "eu-central-1")];
        assert_eq!(
            r(Some("eu-west-1"), None, &both),
            RegionChoice { region: "eu-west-1".into(), from: RegionFrom::Spec }
        );
        assert_eq!(
            r(Some("eu-west-1"), Some("eu-west-1"), &both),
            RegionChoice { region: "eu-west-1".into(), from: RegionFrom::Spec }
        );
        assert_eq!(
            r(None, Some("us-west-2"), &both),
            RegionChoice { region: "us-west-2".into(), from: RegionFrom::Flag }
        );
        assert_eq!(r(None, None, &both).from, RegionFrom::Env("AWS_REGION"));
        let default_only = [("AWS_REGION", ""), ("AWS_DEFAULT_REGION", "eu-central-1")];
        assert_eq!(
            r(None, None, &default_only),
            RegionChoice { region: "eu-central-1".into(), from: RegionFrom::Env("AWS_DEFAULT_REGION") }
        );
        assert_eq!(r(None, None, &[]), RegionChoice { region: "us-east-1".into(), from: RegionFrom::Default });
        let err = RegionChoice::resolve_with(Some("eu-west-1"), Some("us-east-1"), env(&[])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "--region us-east-1 contradicts the spec's region eu-west-1: drop --region, or change `region:` in the spec"
        );
    }

    #[test]
    fn a_region_without_a_table_says_how_to_get_prices() {
        let choice = RegionChoice { region: "ap-south-1".into(), from: RegionFrom::Spec };
        let err = PriceTable::select(&choice, None).unwrap_err();
        assert!(err.to_string().starts_with("no price table ships for region ap-south-1 (tables ship for "), "{err}");
    }

    fn table_text(price: &str) -> String {
        format!(
            r#"{{"format": 2, "region": "eu-west-1", "currency": "USD", "unit": "u", "date": "2026-11-30", "source": "s",
                "prices": {{"ml.c5.large": {{{price}}}}}}}"#
        )
    }

    const GOOD: &str = r#""per_hour": 0.119, "vcpus": 2, "memory_gib": 4, "provenance": "official", "as_of": "2026-09-28", "source": "x""#;

    #[test]
    fn a_table_is_checked_before_use() {
        let table = PriceTable::parse("p.json", &table_text(GOOD)).unwrap();
        assert_eq!(table.prices["ml.c5.large"].provenance, Provenance::Official);
        let cases = [
            (
                GOOD.replace("0.119", "-1"),
                "the price of ml.c5.large: `per_hour` -1 is not a price above 0 and at most 100000",
            ),
            (GOOD.replace("\"vcpus\": 2", "\"vcpus\": 0"), "the price of ml.c5.large: `vcpus` 0 is not from 1 to 4096"),
            (
                GOOD.replace("2026-09-28", "yesterday"),
                "the price of ml.c5.large: `as_of` \"yesterday\" is not a date YYYY-MM-DD",
            ),
        ];
        for (price, message) in cases {
            let err = PriceTable::parse("p.json", &table_text(&price)).unwrap_err();
            assert_eq!(err.to_string(), format!("price file p.json: {message}"));
        }
        let err = PriceTable::parse("p.json", &table_text(&GOOD.replace("official", "verified"))).unwrap_err();
        assert!(
            err.to_string().starts_with("price file p.json is not a price table: unknown variant `verified`"),
            "{err}"
        );
        let err = PriceTable::parse("p.json", &table_text(&format!("{GOOD}, \"per_hr\": 1"))).unwrap_err();
        assert!(err.to_string().contains("unknown field `per_hr`"), "{err}");
    }

    #[test]
    fn an_old_table_is_told_what_changed_and_how_to_convert_it() {
        let old = r#"{"region": "us-east-1", "currency": "USD", "unit": "u", "date": "2026-11-29", "source": "s",
            "prices": {"ml.c5.large": {"per_hour": 0.102, "vcpus": 2, "memory_gib": 4, "verified": false, "source": "x"}}}"#;
        let err = PriceTable::parse("old.json", old).unwrap_err();
        assert!(matches!(err, PriceError::OldFormat { .. }), "{err}");
        assert!(err.to_string().contains("replace `\"verified\": true` by `\"provenance\": \"third-party\"`"), "{err}");
        let future = table_text(GOOD).replace("\"format\": 2", "\"format\": 3");
        assert_eq!(
            PriceTable::parse("f.json", &future).unwrap_err().to_string(),
            "price file f.json has format 3; this endpoint-scale reads format 2 (`endpoint-scale prices show --output json` prints one)"
        );
    }

    #[test]
    fn a_prices_file_must_be_for_the_region_asked_for() {
        let dir = std::env::temp_dir().join(format!("es-prices-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.json");
        std::fs::write(&path, table_text(GOOD)).unwrap();
        let spec = RegionChoice { region: "us-east-1".into(), from: RegionFrom::Spec };
        let err = PriceTable::select(&spec, Some(&path)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("--prices {} holds prices for eu-west-1, but the spec's region is us-east-1: pass a table for us-east-1 (`endpoint-scale prices fetch --region us-east-1` writes one), or change the spec's `region:`", path.display())
        );
        // An assumed region gives way to the file's own.
        let assumed = RegionChoice { region: "us-east-1".into(), from: RegionFrom::Default };
        let (table, choice) = PriceTable::select(&assumed, Some(&path)).unwrap();
        assert_eq!((table.region.as_str(), choice.region_from), ("eu-west-1", RegionFrom::File));
        assert_eq!(choice.assumption(&table.region), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
