//! AWS Price List products, read: which are SageMaker real-time hosting prices, and the format-2
//! table they make (provenance "official"). Pure: `prices fetch` (src/aws/pricing.rs, the Query
//! API's GetProducts documents) and `prices import` ([`super::import`], the bulk offer file or
//! saved `aws pricing get-products` output) feed a [`Collector`], and the fuzz harness drives it.
//!
//! What is kept (docs/simulation.md, "Prices"): products whose `usagetype` attribute is exactly
//! `<CODE>-Host:ml.<type>` (AWS's usage type for real-time hosting instance hours, e.g.
//! `USE1-Host:ml.c5.large`; storage `Host:VolumeUsage.*`, asynchronous, serverless, training,
//! notebook and other usage types do not match), of service AmazonSageMaker, in an AWS Region (not
//! an Outpost), not a capacity block; from their OnDemand terms, the price dimensions in USD per
//! `Hrs` above 0 (a $0 dimension is a placeholder, not a price); vCPUs and memory from the `vCpu`
//! and `memory` attributes (`"16 GiB"`).
//!
//! The documents are untrusted (an answer from an endpoint URL, a file from anywhere), so every
//! field is checked and nothing panics. Decisions:
//! - a document that is not JSON, or has no `product` object with `attributes`, is an **error**:
//!   the answer is not what the Price List sends, so nothing from it is trusted;
//! - a hosting product that lacks what a row needs (a region, a positive USD hourly on-demand
//!   price, vCPUs, memory, a date), or whose values are out of bounds, is **skipped and
//!   reported** (a warning naming its usage type, SKU and why): the rest of the table is still
//!   official, and a spec using that type gets "no price" with how to add one;
//! - several products of one type in one region: kept once if they agree on the price (the lowest
//!   SKU is named), otherwise all are left out and reported, since picking one would be a guess.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{is_date, Price, PriceTable, Provenance, FORMAT, UNIT};

/// The service code of SageMaker in the Price List.
pub const SERVICE_CODE: &str = "AmazonSageMaker";

/// Bounds on what is believed (a price above this per hour is not an instance price).
const MAX_PER_HOUR: f64 = 100_000.0;
const MAX_VCPUS: u32 = 4_096;
const MAX_MEMORY_GIB: f64 = 1_000_000.0;
/// At most this many hosting rows are kept (a region has a few hundred hosting types).
pub const MAX_ROWS: usize = 200_000;
/// At most this many warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 100;

/// One official hosting price, before it becomes a table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub region: String,
    pub instance_type: String,
    pub per_hour: f64,
    pub vcpus: u32,
    pub memory_gib: f64,
    pub as_of: String,
    pub usage_type: String,
    pub sku: String,
}

/// A product, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum Product {
    /// A real-time hosting product, with what its attributes say (problems kept for the report).
    Hosting(Hosting),
    /// Anything else: other services, usage types, Outposts, capacity blocks.
    Other,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hosting {
    pub sku: String,
    pub usage_type: String,
    pub instance_type: String,
    pub region: Result<String, String>,
    pub vcpus: Result<u32, String>,
    pub memory_gib: Result<f64, String>,
}

/// A document or file that is not what the Price List sends.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PriceListError {
    #[error("{what} is not JSON: {message}")]
    NotJson { what: String, message: String },
    #[error("{what} is not a Price List product: {message}")]
    NotAProduct { what: String, message: String },
    #[error("{what} is larger than {limit} bytes: not a Price List document")]
    TooLarge { what: String, limit: usize },
    #[error("more than {limit} {what}: not an AmazonSageMaker price list")]
    TooMany { what: &'static str, limit: usize },
    #[error("{0}")]
    File(String),
    #[error(
        "no SageMaker real-time hosting price for {region} among the {read} products read{}",
        if regions.is_empty() { String::new() } else { format!(" (it has hosting prices for {})", regions.join(", ")) }
    )]
    NoPricesInRegion { region: String, read: usize, regions: Vec<String> },
    #[error("no SageMaker real-time hosting price among the {read} products read (usage types <CODE>-Host:ml.<type>)")]
    NoPrices { read: usize },
    #[error("it has hosting prices for {} regions ({}): pick one with --region", regions.len(), regions.join(", "))]
    SeveralRegions { regions: Vec<String> },
}

/// The largest GetProducts document believed (a SageMaker product is a few KB).
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;

/// The instance type of a real-time hosting usage type: `USE1-Host:ml.c5.large` ->
/// `ml.c5.large`. The region code before the dash is letters and digits (`USE1`, `EU`, `APN2`);
/// the type is `ml.<family>.<size>`.
pub fn hosting_type(usage_type: &str) -> Option<&str> {
    let (code, instance_type) = usage_type.split_once("-Host:")?;
    let code_ok = (1..=16).contains(&code.len()) && code.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let mut parts = instance_type.split('.');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
    };
    let type_ok = parts.next() == Some("ml") && ok(parts.next()) && ok(parts.next()) && parts.next().is_none();
    (code_ok && type_ok && instance_type.len() <= 64).then_some(instance_type)
}

/// A string attribute, or `None` (absent, or not a string).
fn text<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// The date part of `2026-09-01T00:00:00Z`, if it is a date.
fn date_of(text: &str) -> Option<String> {
    text.get(..10).filter(|d| is_date(d)).map(str::to_string)
}

/// Classifies a `product` object (`sku`, `productFamily`, `attributes`). `sku_key` is the SKU the
/// offer file files it under, used when the product names none.
pub fn classify(product: &Value, sku_key: Option<&str>) -> Result<Product, String> {
    let attributes = product
        .get("attributes")
        .filter(|a| a.is_object())
        .ok_or_else(|| "no `attributes` object in `product`".to_string())?;
    if text(attributes, "servicecode").is_some_and(|s| s != SERVICE_CODE) {
        return Ok(Product::Other);
    }
    let Some(usage_type) = text(attributes, "usagetype") else { return Ok(Product::Other) };
    let Some(instance_type) = hosting_type(usage_type) else { return Ok(Product::Other) };
    // A capacity block carries a placeholder on-demand price; an Outpost is not the region's price.
    if text(attributes, "marketoption").is_some_and(|m| m.eq_ignore_ascii_case("CapacityBlock"))
        || text(attributes, "locationType").is_some_and(|l| l.contains("Outposts"))
    {
        return Ok(Product::Other);
    }
    let sku = text(product, "sku").or(sku_key).unwrap_or("(no SKU)");
    let region = match text(attributes, "regionCode") {
        Some(r) if super::is_region(r) => Ok(r.to_string()),
        Some(r) => Err(format!("regionCode {:?} is not a region name", crate::diagnostic::shorten(r))),
        None => Err("no regionCode attribute".to_string()),
    };
    let vcpus = match text(attributes, "vCpu") {
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if (1..=MAX_VCPUS).contains(&n) => Ok(n),
            _ => Err(format!("vCpu {:?} is not a number of vCPUs", crate::diagnostic::shorten(v))),
        },
        None => Err("no vCpu attribute".to_string()),
    };
    let memory_gib = match text(attributes, "memory") {
        Some(m) => memory(m).ok_or_else(|| format!("memory {:?} is not a size in GiB", crate::diagnostic::shorten(m))),
        None => Err("no memory attribute".to_string()),
    };
    Ok(Product::Hosting(Hosting {
        sku: crate::diagnostic::shorten(sku),
        usage_type: usage_type.to_string(),
        instance_type: instance_type.to_string(),
        region,
        vcpus,
        memory_gib,
    }))
}

/// `"16 GiB"`, `"0.5 GiB"`, `"1,024 GiB"`, `"16"` -> GiB.
fn memory(text: &str) -> Option<f64> {
    let number = text.trim();
    let number = number
        .strip_suffix("GiB")
        .or_else(|| number.strip_suffix("GB"))
        .or_else(|| number.strip_suffix("gib"))
        .unwrap_or(number);
    let n: f64 = number.trim().replace(',', "").parse().ok()?;
    (n.is_finite() && n > 0.0 && n <= MAX_MEMORY_GIB).then_some(n)
}

/// One on-demand hourly USD price of a product, and when it took effect.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub per_hour: f64,
    pub effective: Option<String>,
}

/// The one on-demand price of a product from its OnDemand terms (`{TERM: {effectiveDate,
/// priceDimensions: {RATE: {unit, pricePerUnit: {USD}}}}}`). Several that disagree, or none, is
/// an error for this product.
pub fn on_demand(terms: &Value) -> Result<Offer, String> {
    let terms = terms.as_object().ok_or("its OnDemand terms are not an object")?;
    let mut offers: Vec<Offer> = Vec::new();
    for term in terms.values() {
        let dimensions = term
            .get("priceDimensions")
            .and_then(Value::as_object)
            .ok_or("an OnDemand term has no priceDimensions object")?;
        let effective = text(term, "effectiveDate").and_then(date_of);
        for dimension in dimensions.values() {
            if text(dimension, "unit") != Some("Hrs") {
                continue;
            }
            let Some(usd) = dimension.get("pricePerUnit").and_then(|p| p.get("USD")) else { continue };
            let usd = usd.as_str().ok_or("a USD price is not a string")?;
            let per_hour: f64 = usd
                .trim()
                .parse()
                .map_err(|_| format!("USD price {:?} is not a number", crate::diagnostic::shorten(usd)))?;
            if !per_hour.is_finite() || !(0.0..=MAX_PER_HOUR).contains(&per_hour) {
                return Err(format!("USD price {usd} is out of bounds (0 to {MAX_PER_HOUR} an hour)"));
            }
            if per_hour > 0.0 {
                offers.push(Offer { per_hour, effective: effective.clone() });
            }
        }
    }
    let Some(first) = offers.first().cloned() else {
        return Err("no on-demand price in USD per Hrs above 0".to_string());
    };
    if offers.iter().any(|o| o.per_hour != first.per_hour) {
        let prices: BTreeSet<String> = offers.iter().map(|o| o.per_hour.to_string()).collect();
        return Err(format!("several on-demand hourly prices ({})", prices.into_iter().collect::<Vec<_>>().join(", ")));
    }
    // The latest effective date of the agreeing terms.
    let effective = offers.iter().filter_map(|o| o.effective.clone()).max();
    Ok(Offer { per_hour: first.per_hour, effective })
}

/// Collects hosting rows from products, with what was skipped and why.
#[derive(Debug, Default)]
pub struct Collector {
    /// (region, instance type) -> the rows found for it.
    rows: BTreeMap<(String, String), Vec<Row>>,
    row_count: usize,
    /// Products read, hosting or not.
    pub read: usize,
    /// Products that are not real-time hosting prices.
    pub other: usize,
    warnings: Vec<String>,
    more_warnings: usize,
    /// The latest publication date of the documents read.
    pub published: Option<String>,
}

impl Collector {
    pub fn new() -> Self {
        Self::default()
    }

    /// One GetProducts PriceList item, as the JSON text AWS sends (`what` names it in errors).
    pub fn document(&mut self, what: &str, text: &str) -> Result<(), PriceListError> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(PriceListError::TooLarge { what: what.to_string(), limit: MAX_DOCUMENT_BYTES });
        }
        let value: Value = serde_json::from_str(text)
            .map_err(|e| PriceListError::NotJson { what: what.to_string(), message: e.to_string() })?;
        self.document_value(what, &value)
    }

    /// One GetProducts PriceList item, parsed: `{product, serviceCode, terms, publicationDate}`.
    pub fn document_value(&mut self, what: &str, doc: &Value) -> Result<(), PriceListError> {
        let not_a_product =
            |message: &str| PriceListError::NotAProduct { what: what.to_string(), message: message.into() };
        let product =
            doc.get("product").filter(|p| p.is_object()).ok_or_else(|| not_a_product("no `product` object"))?;
        let published = text(doc, "publicationDate").and_then(date_of);
        if let Some(date) = &published {
            self.published_on(date);
        }
        if text(doc, "serviceCode").is_some_and(|s| s != SERVICE_CODE) {
            self.read += 1;
            self.other += 1;
            return Ok(());
        }
        let kind = classify(product, None).map_err(|m| not_a_product(&m))?;
        let offer = match doc.get("terms").and_then(|t| t.get("OnDemand")) {
            Some(terms) => on_demand(terms),
            None => Err("no OnDemand terms".to_string()),
        };
        self.product(kind, offer, published.as_deref())
    }

    /// Notes a document's or file's publication date.
    pub fn published_on(&mut self, date: &str) {
        if self.published.as_deref().is_none_or(|p| p < date) {
            self.published = Some(date.to_string());
        }
    }

    /// A classified product with its on-demand offer; `published` dates it when its term does not.
    pub fn product(
        &mut self,
        kind: Product,
        offer: Result<Offer, String>,
        published: Option<&str>,
    ) -> Result<(), PriceListError> {
        self.read += 1;
        let Product::Hosting(h) = kind else {
            self.other += 1;
            return Ok(());
        };
        let row = (|| {
            let offer = offer?;
            let as_of = offer
                .effective
                .or_else(|| published.map(str::to_string))
                .ok_or("neither its term's effectiveDate nor a publicationDate dates it")?;
            Ok::<Row, String>(Row {
                region: h.region.clone()?,
                instance_type: h.instance_type.clone(),
                per_hour: offer.per_hour,
                vcpus: h.vcpus.clone()?,
                memory_gib: h.memory_gib.clone()?,
                as_of,
                usage_type: h.usage_type.clone(),
                sku: h.sku.clone(),
            })
        })();
        match row {
            Ok(row) => {
                if self.row_count >= MAX_ROWS {
                    return Err(PriceListError::TooMany { what: "hosting products", limit: MAX_ROWS });
                }
                self.row_count += 1;
                self.rows.entry((row.region.clone(), row.instance_type.clone())).or_default().push(row);
            }
            Err(reason) => self.warn(format!("skipped {} (SKU {}): {reason}", h.usage_type, h.sku)),
        }
        Ok(())
    }

    fn warn(&mut self, warning: String) {
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(warning);
        } else {
            self.more_warnings += 1;
        }
    }

    /// The regions with at least one hosting row, sorted.
    pub fn regions(&self) -> Vec<String> {
        let set: BTreeSet<&String> = self.rows.keys().map(|(r, _)| r).collect();
        set.into_iter().cloned().collect()
    }

    /// The region's prices (the only region when `region` is `None`), and every warning.
    pub fn finish(mut self, region: Option<&str>) -> Result<Collected, PriceListError> {
        let regions = self.regions();
        let region = match (region, regions.as_slice()) {
            (Some(r), _) if regions.iter().any(|x| x == r) => r.to_string(),
            (Some(r), _) => {
                return Err(PriceListError::NoPricesInRegion { region: r.to_string(), read: self.read, regions })
            }
            (None, [only]) => only.clone(),
            (None, []) => return Err(PriceListError::NoPrices { read: self.read }),
            (None, _) => return Err(PriceListError::SeveralRegions { regions }),
        };
        let mut prices = BTreeMap::new();
        let rows = std::mem::take(&mut self.rows);
        for ((r, instance_type), mut found) in rows {
            if r != region {
                continue;
            }
            found.sort_by(|a, b| a.sku.cmp(&b.sku));
            // The same product read twice (a file that repeats an item) is one product.
            found.dedup_by(|a, b| a == b);
            let first = &found[0];
            if found.iter().any(|x| x.per_hour != first.per_hour) {
                let skus: Vec<String> = found.iter().take(5).map(|x| format!("{} at {}", x.sku, x.per_hour)).collect();
                self.warn(format!(
                    "left out {instance_type}: {} products with different prices ({})",
                    found.len(),
                    skus.join(", ")
                ));
                continue;
            }
            let mut source = format!("AWS Price List: usage type {}, SKU {}", first.usage_type, first.sku);
            if found.len() > 1 {
                let mut others: Vec<&str> = found[1..].iter().take(3).map(|x| x.sku.as_str()).collect();
                let more = format!("{} more", found.len().saturating_sub(4));
                if found.len() > 4 {
                    others.push(&more);
                }
                source.push_str(&format!(" (also SKU {} at the same price)", others.join(", ")));
            }
            let as_of = found.iter().map(|x| x.as_of.clone()).max().unwrap_or_default();
            prices.insert(
                instance_type,
                Price {
                    per_hour: first.per_hour,
                    vcpus: first.vcpus,
                    memory_gib: first.memory_gib,
                    provenance: Provenance::Official,
                    as_of,
                    source,
                },
            );
        }
        if prices.is_empty() {
            return Err(PriceListError::NoPricesInRegion { region, read: self.read, regions: Vec::new() });
        }
        let mut warnings = std::mem::take(&mut self.warnings);
        if self.more_warnings > 0 {
            warnings.push(format!("... and {} more skipped products", self.more_warnings));
        }
        Ok(Collected { region, prices, read: self.read, other: self.other, warnings, published: self.published })
    }
}

/// What a [`Collector`] found for one region.
#[derive(Debug, Clone, PartialEq)]
pub struct Collected {
    pub region: String,
    pub prices: BTreeMap<String, Price>,
    pub read: usize,
    pub other: usize,
    pub warnings: Vec<String>,
    pub published: Option<String>,
}

impl Collected {
    /// The table: dated by the latest publication date (else the latest as-of date), with the
    /// caller's account of where it comes from.
    pub fn into_table(self, source: String) -> PriceTable {
        let date =
            self.published.clone().or_else(|| self.prices.values().map(|p| p.as_of.clone()).max()).unwrap_or_default();
        PriceTable {
            format: FORMAT,
            region: self.region,
            currency: "USD".to_string(),
            unit: UNIT.to_string(),
            date,
            source,
            note: "Official on-demand prices from the AWS Price List. Prices change: get them again with `endpoint-scale prices fetch` or `prices import`.".to_string(),
            prices: self.prices,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(usage_type: &str, region: &str, sku: &str, usd: &str) -> Value {
        json!({
            "product": {
                "productFamily": "ML Instance",
                "sku": sku,
                "attributes": {
                    "servicecode": "AmazonSageMaker", "regionCode": region, "usagetype": usage_type,
                    "locationType": "AWS Region", "vCpu": "2", "memory": "4 GiB", "instanceName": "ml.c5.large"
                }
            },
            "serviceCode": "AmazonSageMaker",
            "terms": {"OnDemand": {format!("{sku}.JRTCKXETXF"): {
                "effectiveDate": "2026-09-01T00:00:00Z",
                "priceDimensions": {format!("{sku}.JRTCKXETXF.6YS6EN2CT7"): {"unit": "Hrs", "pricePerUnit": {"USD": usd}}}
            }}},
            "version": "20261101000000",
            "publicationDate": "2026-11-01T00:00:00Z"
        })
    }

    #[test]
    fn only_real_time_hosting_usage_types_are_hosting() {
        assert_eq!(hosting_type("USE1-Host:ml.c5.large"), Some("ml.c5.large"));
        assert_eq!(hosting_type("EU-Host:ml.p4de.24xlarge"), Some("ml.p4de.24xlarge"));
        for other in [
            "Host:ml.c5.large",
            "USE1-Host:VolumeUsage.gp2",
            "USE1-AsyncInf:ml.c5.large",
            "USE1-ServerlessInf:Mem-4GB",
            "USE1-Train:ml.c5.large",
            "USE1-Notebk:ml.t2.medium",
            "USE1-Host:ml.c5.large.extra",
            "use1-Host:ml.c5.large",
            "USE1-Host:ml.C5.large",
        ] {
            assert_eq!(hosting_type(other), None, "{other}");
        }
    }

    #[test]
    fn a_document_gives_a_row_and_the_rest_is_counted() {
        let mut c = Collector::new();
        c.document_value("item 1", &doc("EU-Host:ml.c5.large", "eu-west-1", "SKU1", "0.1190000000")).unwrap();
        c.document_value("item 2", &doc("EU-Train:ml.c5.large", "eu-west-1", "SKU2", "0.1")).unwrap();
        c.document_value("item 3", &doc("EU-Host:ml.m5.large", "eu-west-1", "SKU3", "0.0000000000")).unwrap();
        let got = c.finish(None).unwrap();
        assert_eq!((got.read, got.other), (3, 1));
        assert_eq!(got.warnings, ["skipped EU-Host:ml.m5.large (SKU SKU3): no on-demand price in USD per Hrs above 0"]);
        let p = &got.prices["ml.c5.large"];
        assert_eq!((p.per_hour, p.vcpus, p.memory_gib, p.as_of.as_str()), (0.119, 2, 4.0, "2026-09-01"));
        assert_eq!(p.source, "AWS Price List: usage type EU-Host:ml.c5.large, SKU SKU1");
        assert_eq!(got.into_table("s".into()).date, "2026-11-01");
    }

    #[test]
    fn disagreeing_duplicates_are_left_out_and_agreeing_ones_kept_once() {
        let mut c = Collector::new();
        for (sku, usd) in [("B", "0.2"), ("A", "0.2"), ("C", "0.1"), ("D", "0.3")] {
            let usage = if sku <= "B" { "USE1-Host:ml.c5.large" } else { "USE1-Host:ml.m5.large" };
            c.document_value(sku, &doc(usage, "us-east-1", sku, usd)).unwrap();
        }
        let got = c.finish(Some("us-east-1")).unwrap();
        assert_eq!(
            got.prices["ml.c5.large"].source,
            "AWS Price List: usage type USE1-Host:ml.c5.large, SKU A (also SKU B at the same price)"
        );
        assert!(!got.prices.contains_key("ml.m5.large"));
        assert_eq!(got.warnings, ["left out ml.m5.large: 2 products with different prices (C at 0.1, D at 0.3)"]);
    }

    #[test]
    fn malformed_documents_are_errors_and_malformed_products_are_skipped() {
        let mut c = Collector::new();
        assert!(matches!(c.document("item 1", "{"), Err(PriceListError::NotJson { .. })));
        assert_eq!(
            c.document("item 2", "{\"product\": {}}").unwrap_err().to_string(),
            "item 2 is not a Price List product: no `attributes` object in `product`"
        );
        let mut bad = doc("USE1-Host:ml.c5.large", "us-east-1", "S", "abc");
        c.document_value("x", &bad).unwrap();
        bad["product"]["attributes"]["vCpu"] = json!("NA");
        bad["terms"]["OnDemand"]["S.JRTCKXETXF"]["priceDimensions"]["S.JRTCKXETXF.6YS6EN2CT7"]["pricePerUnit"]["USD"] =
            json!("1");
        c.document_value("y", &bad).unwrap();
        assert_eq!(
            c.warnings,
            [
                "skipped USE1-Host:ml.c5.large (SKU S): USD price \"abc\" is not a number",
                "skipped USE1-Host:ml.c5.large (SKU S): vCpu \"NA\" is not a number of vCPUs"
            ]
        );
        assert_eq!(c.finish(None).unwrap_err(), PriceListError::NoPrices { read: 2 });
    }

    #[test]
    fn several_regions_need_a_choice() {
        let mut c = Collector::new();
        c.document_value("a", &doc("USE1-Host:ml.c5.large", "us-east-1", "A", "0.1")).unwrap();
        c.document_value("b", &doc("EU-Host:ml.c5.large", "eu-west-1", "B", "0.2")).unwrap();
        assert_eq!(c.regions(), ["eu-west-1", "us-east-1"]);
        assert_eq!(
            c.finish(None).unwrap_err().to_string(),
            "it has hosting prices for 2 regions (eu-west-1, us-east-1): pick one with --region"
        );
    }
}
