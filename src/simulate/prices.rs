//! Instance prices: the table shipped with the tool (one region, with its date and sources, each
//! price marked verified or not) and `--prices FILE` overrides in the same format.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The table compiled into the binary.
const SHIPPED: &str = include_str!("../../data/prices-us-east-1.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTable {
    pub region: String,
    pub currency: String,
    pub unit: String,
    pub date: String,
    pub source: String,
    #[serde(default)]
    pub note: String,
    pub prices: BTreeMap<String, Price>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Price {
    pub per_hour: f64,
    pub vcpus: u32,
    #[serde(default)]
    pub memory_gib: f64,
    pub verified: bool,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    #[error("cannot read price file {path}: {err}")]
    Read { path: String, err: std::io::Error },
    #[error("price file {path} is not a price table: {err} (see data/prices-us-east-1.json for the format)")]
    Format { path: String, err: serde_json::Error },
    #[error(
        "no price for {instance_type} in the price table ({region}, {date}); add it to a copy of data/prices-us-east-1.json and pass it with --prices"
    )]
    Missing { instance_type: String, region: String, date: String },
}

impl PriceTable {
    pub fn shipped() -> Self {
        serde_json::from_str(SHIPPED).expect("the shipped price table is valid JSON (a unit test checks it)")
    }

    pub fn load(path: &std::path::Path) -> Result<Self, PriceError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| PriceError::Read { path: name.clone(), err })?;
        serde_json::from_str(&text).map_err(|err| PriceError::Format { path: name, err })
    }

    pub fn get(&self, instance_type: &str) -> Result<&Price, PriceError> {
        self.prices.get(instance_type).ok_or_else(|| PriceError::Missing {
            instance_type: instance_type.to_string(),
            region: self.region.clone(),
            date: self.date.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_table_names_region_date_source_and_covers_the_families() {
        let table = PriceTable::shipped();
        assert_eq!(table.region, "us-east-1");
        assert!(!table.date.is_empty() && !table.source.is_empty());
        for family in ["ml.t2.", "ml.c5.", "ml.m5.", "ml.c6i.", "ml.m6i."] {
            assert!(table.prices.keys().any(|k| k.starts_with(family)), "{family}");
        }
        for (name, p) in &table.prices {
            assert!(p.per_hour > 0.0 && p.vcpus > 0, "{name}");
            assert!(!p.verified || !p.source.is_empty(), "{name} is verified but names no source");
        }
    }
}
