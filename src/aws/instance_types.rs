//! The SageMaker hosting instance types this build knows, from the SDK's
//! `ProductionVariantInstanceType` enum, so `validate` checks names against the API model without
//! touching the SDK itself. A newer SDK brings new types with it.

use aws_sdk_sagemaker::types::ProductionVariantInstanceType;

/// Every instance type a production variant may use, for example `ml.c5.large`.
pub fn hosting_instance_types() -> &'static [&'static str] {
    ProductionVariantInstanceType::values()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_hosting_types_only() {
        let types = hosting_instance_types();
        assert!(types.contains(&"ml.c5.large") && types.contains(&"ml.t2.medium"));
        // ml.t3 exists for notebooks, training and processing, not for hosting.
        assert!(!types.iter().any(|t| t.starts_with("ml.t3.")));
    }
}
