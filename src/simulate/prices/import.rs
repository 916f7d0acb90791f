//! `prices import FILE`: reads one of the two files a user can get official prices in, as a
//! stream, into a [`Collector`]:
//!
//! - the public bulk **offer file** of AmazonSageMaker (`{"formatVersion", "offerCode",
//!   "publicationDate", "products": {SKU: product}, "terms": {"OnDemand": {SKU: {TERM: term}}}}`),
//!   all regions (`.../AmazonSageMaker/current/index.json`) or one;
//! - the JSON `aws pricing get-products --service-code AmazonSageMaker` prints
//!   (`{"PriceList": [document, ...], "FormatVersion": "aws_v1", "NextToken": ...}`), whose items
//!   are JSON texts as the API sends them, or objects if the output was transformed.
//!
//! An offer file is tens of MB: it is never held whole. serde visits its top-level map; each
//! product and each SKU's OnDemand terms is parsed alone and kept only if it is (or may be, when
//! the terms come before the products) a hosting price. The read is bounded in bytes
//! ([`MAX_FILE_BYTES`]) and in what is kept, so an endless or hostile file ends with an error.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::Value;

use super::pricelist::{self, Collector, Hosting, Offer, PriceListError, Product, SERVICE_CODE};

/// The largest file read. The all-regions AmazonSageMaker offer file is tens of MB; a region's
/// is a few MB.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

/// At most this many SKUs' terms are held while waiting for their products (terms before
/// products in the file); each is a price and a date.
const MAX_PENDING_TERMS: usize = 2_000_000;

/// At most this many PriceList items or offer-file products are read.
const MAX_PRODUCTS: usize = 5_000_000;

/// What the file was.
#[derive(Debug, Clone, PartialEq)]
pub enum FileKind {
    /// The bulk offer file, with its `publicationDate` and `offerCode`.
    OfferFile { published: Option<String> },
    /// `aws pricing get-products` output, with the number of PriceList items.
    GetProducts { items: usize },
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileKind::OfferFile { published: Some(date) } => {
                write!(f, "the AmazonSageMaker offer file published {date}")
            }
            FileKind::OfferFile { published: None } => write!(f, "the AmazonSageMaker offer file"),
            FileKind::GetProducts { items } => write!(f, "`aws pricing get-products` output ({items} products)"),
        }
    }
}

/// Reads `reader` (an offer file or get-products output) into `collector`.
pub fn read(reader: impl Read, collector: &mut Collector) -> Result<FileKind, PriceListError> {
    read_at_most(reader, collector, MAX_FILE_BYTES)
}

fn read_at_most(reader: impl Read, collector: &mut Collector, limit: u64) -> Result<FileKind, PriceListError> {
    let exceeded = Rc::new(Cell::new(false));
    let limited = Limited { inner: reader, left: limit, exceeded: Rc::clone(&exceeded) };
    let mut de = serde_json::Deserializer::from_reader(std::io::BufReader::new(limited));
    let mut state = State { collector: Some(collector), ..State::default() };
    let outcome = TopLevel { state: &mut state }.deserialize(&mut de).and_then(|()| de.end());
    if let Err(e) = outcome {
        if exceeded.get() {
            return Err(PriceListError::File(format!(
                "it is larger than {} MiB: use the offer file of one region (.../AmazonSageMaker/current/REGION/index.json)",
                limit / (1024 * 1024)
            )));
        }
        return Err(state.error.take().unwrap_or_else(|| PriceListError::File(format!("not valid JSON: {e}"))));
    }
    state.finish()
}

/// A reader that fails after `left` bytes, and says so through `exceeded` (the deserializer owns
/// the reader and gives no way back to it).
struct Limited<R> {
    inner: R,
    left: u64,
    exceeded: Rc<Cell<bool>>,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more tells a file of exactly the limit from a longer one.
            let mut probe = [0u8; 1];
            if self.exceeded.get() || self.inner.read(&mut probe)? > 0 {
                self.exceeded.set(true);
                return Err(std::io::Error::other("file too large"));
            }
            return Ok(0);
        }
        let max = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// What the visitors gather.
#[derive(Default)]
struct State<'c> {
    collector: Option<&'c mut Collector>,
    /// Seen keys that tell the kind of file.
    offer_code: Option<String>,
    published: Option<String>,
    saw_offer_keys: bool,
    items: Option<usize>,
    products_done: bool,
    /// Hosting products of the offer file, by SKU, in file order.
    hosting: Vec<(String, Hosting)>,
    hosting_skus: HashMap<String, usize>,
    products_read: usize,
    /// OnDemand offers by SKU (only hosting SKUs once the products are known).
    offers: HashMap<String, Result<Offer, String>>,
    /// The error that stopped the read, when it is ours rather than serde's.
    error: Option<PriceListError>,
}

impl<'c> State<'c> {
    fn collector(&mut self) -> &mut Collector {
        self.collector.as_deref_mut().expect("the collector is set for the whole read")
    }

    /// Stops the read with `error` (serde needs an error of its own type to unwind).
    fn fail<E: de::Error>(&mut self, error: PriceListError) -> E {
        let message = error.to_string();
        self.error = Some(error);
        E::custom(message)
    }

    fn finish(mut self) -> Result<FileKind, PriceListError> {
        if let Some(items) = self.items {
            if self.saw_offer_keys {
                return Err(PriceListError::File(
                    "it has both a PriceList and offer-file keys: neither an offer file nor get-products output".into(),
                ));
            }
            return Ok(FileKind::GetProducts { items });
        }
        if !self.saw_offer_keys {
            return Err(PriceListError::File(
                "it is neither an offer file (`products`, `terms`) nor `aws pricing get-products` output (`PriceList`)"
                    .into(),
            ));
        }
        if let Some(code) = self.offer_code.as_deref().filter(|c| *c != SERVICE_CODE) {
            return Err(PriceListError::File(format!(
                "it is the offer file of {}, not of {SERVICE_CODE}",
                crate::diagnostic::shorten(code)
            )));
        }
        let published = self.published.clone();
        if let Some(date) = &published {
            self.collector().published_on(date);
        }
        let hosting = std::mem::take(&mut self.hosting);
        let mut offers = std::mem::take(&mut self.offers);
        // Products that are not hosting were counted as they streamed by.
        for (sku, product) in hosting {
            let offer = offers.remove(&sku).unwrap_or_else(|| Err("no OnDemand terms".to_string()));
            self.collector().product(Product::Hosting(product), offer, published.as_deref())?;
        }
        Ok(FileKind::OfferFile { published })
    }
}

/// The top-level object of either file.
struct TopLevel<'a, 'c> {
    state: &'a mut State<'c>,
}

impl<'de> DeserializeSeed<'de> for TopLevel<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object: an offer file or `aws pricing get-products` output")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.state;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "products" => {
                    state.saw_offer_keys = true;
                    map.next_value_seed(Products { state: &mut *state })?;
                    state.products_done = true;
                }
                "terms" => {
                    state.saw_offer_keys = true;
                    map.next_value_seed(Terms { state: &mut *state })?;
                }
                "PriceList" => {
                    let items = map.next_value_seed(PriceListItems { state: &mut *state })?;
                    state.items = Some(items);
                }
                "offerCode" => {
                    state.saw_offer_keys = true;
                    state.offer_code = map.next_value::<Value>()?.as_str().map(str::to_string);
                }
                "publicationDate" => {
                    let value = map.next_value::<Value>()?;
                    state.published =
                        value.as_str().and_then(|d| d.get(..10)).filter(|d| super::is_date(d)).map(str::to_string);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `products`: {SKU: product}; hosting products are kept, the others counted.
struct Products<'a, 'c> {
    state: &'a mut State<'c>,
}

impl<'de> DeserializeSeed<'de> for Products<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Products<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`products`: an object of products by SKU")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.state;
        while let Some(sku) = map.next_key::<String>()? {
            let product: Value = map.next_value()?;
            state.products_read += 1;
            if state.products_read > MAX_PRODUCTS {
                return Err(state.fail(PriceListError::TooMany { what: "products", limit: MAX_PRODUCTS }));
            }
            match pricelist::classify(&product, Some(&sku)) {
                Ok(Product::Hosting(h)) => {
                    if state.hosting.len() >= pricelist::MAX_ROWS {
                        return Err(state
                            .fail(PriceListError::TooMany { what: "hosting products", limit: pricelist::MAX_ROWS }));
                    }
                    state.hosting_skus.insert(sku.clone(), state.hosting.len());
                    state.hosting.push((sku, h));
                }
                Ok(Product::Other) => {
                    let c = state.collector();
                    c.read += 1;
                    c.other += 1;
                }
                Err(message) => {
                    let what = format!("product {}", crate::diagnostic::shorten(&sku));
                    return Err(state.fail(PriceListError::NotAProduct { what, message }));
                }
            }
        }
        // Terms read before the products were kept for every SKU: drop the ones not needed.
        let skus = &state.hosting_skus;
        state.offers.retain(|sku, _| skus.contains_key(sku));
        Ok(())
    }
}

/// `terms`: {"OnDemand": {...}, "Reserved": {...}}; only OnDemand is read.
struct Terms<'a, 'c> {
    state: &'a mut State<'c>,
}

impl<'de> DeserializeSeed<'de> for Terms<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Terms<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`terms`: an object of term types")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.state;
        while let Some(kind) = map.next_key::<String>()? {
            if kind == "OnDemand" {
                map.next_value_seed(OnDemand { state: &mut *state })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `terms.OnDemand`: {SKU: {TERM: term}}.
struct OnDemand<'a, 'c> {
    state: &'a mut State<'c>,
}

impl<'de> DeserializeSeed<'de> for OnDemand<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for OnDemand<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`terms.OnDemand`: an object of terms by SKU")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.state;
        while let Some(sku) = map.next_key::<String>()? {
            // Once the products are known, only hosting SKUs' terms are worth parsing.
            if state.products_done && !state.hosting_skus.contains_key(&sku) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let terms: Value = map.next_value()?;
            if state.offers.len() >= MAX_PENDING_TERMS {
                return Err(state.fail(PriceListError::TooMany { what: "SKUs with terms", limit: MAX_PENDING_TERMS }));
            }
            state.offers.insert(sku, pricelist::on_demand(&terms));
        }
        Ok(())
    }
}

/// `PriceList`: [document text or object, ...], each handed to the collector as it is read.
struct PriceListItems<'a, 'c> {
    state: &'a mut State<'c>,
}

impl<'de> DeserializeSeed<'de> for PriceListItems<'_, '_> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for PriceListItems<'_, '_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`PriceList`: a list of product documents")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let state = self.state;
        let mut n = 0usize;
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            n += 1;
            if n > MAX_PRODUCTS {
                return Err(state.fail(PriceListError::TooMany { what: "PriceList items", limit: MAX_PRODUCTS }));
            }
            let what = format!("PriceList item {n}");
            let text = raw.get();
            // The API sends each item as a JSON text; transformed output may hold objects.
            let result = if text.starts_with('"') {
                match serde_json::from_str::<String>(text) {
                    Ok(inner) => state.collector().document(&what, &inner),
                    Err(e) => Err(PriceListError::NotJson { what, message: e.to_string() }),
                }
            } else {
                state.collector().document(&what, text)
            };
            if let Err(e) = result {
                return Err(state.fail(e));
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = r#"{
      "formatVersion": "v1.0", "disclaimer": "d", "offerCode": "AmazonSageMaker", "version": "20261101000000",
      "publicationDate": "2026-11-01T00:00:00Z",
      "terms": {"OnDemand": {
        "SKU1": {"SKU1.JRTCKXETXF": {"offerTermCode": "JRTCKXETXF", "sku": "SKU1", "effectiveDate": "2026-10-01T00:00:00Z",
          "priceDimensions": {"SKU1.JRTCKXETXF.6YS6EN2CT7": {"unit": "Hrs", "pricePerUnit": {"USD": "0.1190000000"}}}}},
        "SKU2": {"SKU2.JRTCKXETXF": {"effectiveDate": "2026-10-01T00:00:00Z",
          "priceDimensions": {"SKU2.JRTCKXETXF.6YS6EN2CT7": {"unit": "Hrs", "pricePerUnit": {"USD": "0.5"}}}}}
      }, "Reserved": {"SKU1": {}}},
      "products": {
        "SKU1": {"sku": "SKU1", "productFamily": "ML Instance", "attributes": {"servicecode": "AmazonSageMaker",
          "regionCode": "eu-west-1", "usagetype": "EU-Host:ml.c5.large", "vCpu": "2", "memory": "4 GiB"}},
        "SKU2": {"sku": "SKU2", "productFamily": "ML Instance", "attributes": {"servicecode": "AmazonSageMaker",
          "regionCode": "eu-west-1", "usagetype": "EU-Train:ml.c5.large", "vCpu": "2", "memory": "4 GiB"}}
      }
    }"#;

    #[test]
    fn an_offer_file_streams_into_hosting_rows_whatever_the_key_order() {
        let mut c = Collector::new();
        let kind = read(OFFER.as_bytes(), &mut c).unwrap();
        assert_eq!(kind, FileKind::OfferFile { published: Some("2026-11-01".into()) });
        let got = c.finish(None).unwrap();
        assert_eq!((got.read, got.other), (2, 1));
        assert_eq!(got.prices["ml.c5.large"].per_hour, 0.119);
        assert_eq!(got.prices["ml.c5.large"].as_of, "2026-10-01");
    }

    #[test]
    fn get_products_output_takes_texts_and_objects() {
        let item = r#"{"product": {"sku": "S", "attributes": {"regionCode": "us-east-1", "usagetype": "USE1-Host:ml.m5.large", "vCpu": "2", "memory": "8 GiB"}},
            "serviceCode": "AmazonSageMaker", "publicationDate": "2026-11-02T00:00:00Z",
            "terms": {"OnDemand": {"S.T": {"priceDimensions": {"S.T.R": {"unit": "Hrs", "pricePerUnit": {"USD": "0.115"}}}}}}}"#;
        let text = serde_json::to_string(item).unwrap();
        let file = format!(r#"{{"FormatVersion": "aws_v1", "PriceList": [{text}, {item}], "NextToken": null}}"#);
        let mut c = Collector::new();
        assert_eq!(read(file.as_bytes(), &mut c).unwrap(), FileKind::GetProducts { items: 2 });
        let got = c.finish(Some("us-east-1")).unwrap();
        assert_eq!(got.prices["ml.m5.large"].as_of, "2026-11-02");
        assert_eq!(got.prices["ml.m5.large"].source, "AWS Price List: usage type USE1-Host:ml.m5.large, SKU S");
    }

    #[test]
    fn other_files_are_errors_that_say_what_they_are() {
        let err = |text: &str| read(text.as_bytes(), &mut Collector::new()).unwrap_err().to_string();
        assert_eq!(
            err(r#"{"a": 1}"#),
            "it is neither an offer file (`products`, `terms`) nor `aws pricing get-products` output (`PriceList`)"
        );
        assert_eq!(
            err(r#"{"offerCode": "AmazonEC2", "products": {}}"#),
            "it is the offer file of AmazonEC2, not of AmazonSageMaker"
        );
        assert!(err("[1, 2]").starts_with("not valid JSON: invalid type: sequence"), "{}", err("[1, 2]"));
        assert!(
            err(r#"{"PriceList": ["{"]}"#).starts_with("PriceList item 1 is not JSON"),
            "{}",
            err(r#"{"PriceList": ["{"]}"#)
        );
        assert!(err(r#"{"products": {"X": {"sku": "X"}}}"#)
            .starts_with("product X is not a Price List product: no `attributes`"));
        assert!(err(r#"{"PriceList": []} trailing"#).starts_with("not valid JSON: trailing characters"));
    }

    #[test]
    fn an_endless_file_ends_at_the_limit() {
        let endless = std::io::Read::chain(&b"{\"PriceList\": ["[..], std::io::repeat(b' '));
        let err = read_at_most(endless, &mut Collector::new(), 4 * 1024 * 1024).unwrap_err();
        assert!(err.to_string().starts_with("it is larger than 4 MiB"), "{err}");
        // Exactly the limit is still read.
        let file = br#"{"PriceList": []}"#;
        let kind = read_at_most(&file[..], &mut Collector::new(), file.len() as u64).unwrap();
        assert_eq!(kind, FileKind::GetProducts { items: 0 });
    }
}
