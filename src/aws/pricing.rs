//! The AWS Price List Query API (aws-sdk-pricing), for `prices fetch`: GetProducts of
//! AmazonSageMaker filtered to one region, every page. The documents are handed on as the JSON
//! texts AWS sends; what they mean is decided by the pure parser in
//! `simulate::prices::pricelist`, which `prices import` shares.
//!
//! The API has endpoints in a few regions only (us-east-1, eu-central-1 and ap-south-1: AWS
//! Billing User Guide, "Using the AWS Price List Bulk API", Endpoints), unrelated to the region
//! priced: the client is configured for the API's region, and the priced region is a filter on
//! the products' `regionCode` attribute.

use aws_config::SdkConfig;
use aws_sdk_pricing as pricing;

use super::sdk::error;
use super::{AwsError, AwsErrorKind};

/// The service name of IAM actions and errors (`pricing:GetProducts`).
const PRICING: &str = "pricing";

/// The regions AWS documents a Price List API endpoint in.
pub const API_REGIONS: &[&str] = &["us-east-1", "eu-central-1", "ap-south-1"];

/// The most products GetProducts returns per page (API reference, GetProducts: MaxResults 1-100).
const PAGE_SIZE: i32 = 100;

/// At most this many pages are read: 100,000 products, far beyond the few thousand SageMaker
/// products of a region, so a server that never stops paging ends with an error.
pub const MAX_PAGES: usize = 1_000;

/// A failed fetch: the API call, or the caller's verdict on a document.
#[derive(Debug)]
pub enum FetchError<E> {
    Aws(AwsError),
    Document(E),
}

/// What was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fetched {
    pub pages: usize,
    pub documents: usize,
}

/// GetProducts of AmazonSageMaker whose `regionCode` is `region`, following NextToken; each
/// PriceList item goes to `document` (numbered from 1) as soon as its page arrives.
pub async fn get_products<E>(
    config: &SdkConfig,
    region: &str,
    mut document: impl FnMut(usize, &str) -> Result<(), E>,
) -> Result<Fetched, FetchError<E>> {
    let client = pricing::Client::new(config);
    let resource = format!("AmazonSageMaker prices of {region}");
    let filter = pricing::types::Filter::builder()
        .r#type(pricing::types::FilterType::TermMatch)
        .field("regionCode")
        .value(region)
        .build()
        .map_err(|e| {
            let mut err = bad_answer(
                &resource,
                format!("the request could not be built ({e}); this is a bug in endpoint-scale, please report it"),
            );
            err.kind = AwsErrorKind::Other;
            FetchError::Aws(err)
        })?;
    let mut fetched = Fetched { pages: 0, documents: 0 };
    let mut token: Option<String> = None;
    loop {
        if fetched.pages >= MAX_PAGES {
            return Err(FetchError::Aws(bad_answer(&resource, format!("still paging after {MAX_PAGES} pages"))));
        }
        let page = client
            .get_products()
            .service_code("AmazonSageMaker")
            .format_version("aws_v1")
            .filters(filter.clone())
            .max_results(PAGE_SIZE)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| FetchError::Aws(error(e, PRICING, "GetProducts", resource.clone())))?;
        fetched.pages += 1;
        for item in page.price_list() {
            fetched.documents += 1;
            document(fetched.documents, item).map_err(FetchError::Document)?;
        }
        match page.next_token().filter(|t| !t.is_empty()) {
            // A token that repeats would page forever.
            Some(next) if token.as_deref() == Some(next) => {
                return Err(FetchError::Aws(bad_answer(&resource, "the same NextToken twice".to_string())));
            }
            Some(next) => token = Some(next.to_string()),
            None => return Ok(fetched),
        }
    }
}

fn bad_answer(resource: &str, message: String) -> AwsError {
    AwsError {
        service: PRICING,
        operation: "GetProducts",
        resource: resource.to_string(),
        kind: AwsErrorKind::BadResponse,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;
    use pricing::operation::get_products::GetProductsError;

    #[test]
    fn access_denied_names_the_iam_action() {
        let meta = ErrorMetadata::builder()
            .code("AccessDeniedException")
            .message("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: pricing:GetProducts")
            .build();
        let raw = HttpResponse::new(400.try_into().unwrap(), SdkBody::empty());
        let err = SdkError::service_error(GetProductsError::generic(meta), raw);
        let e = error(err, PRICING, "GetProducts", "AmazonSageMaker prices of eu-west-1");
        assert_eq!(
            e.to_string(),
            "GetProducts on AmazonSageMaker prices of eu-west-1 was denied: the IAM action pricing:GetProducts is not allowed for these credentials (User: arn:aws:iam::123456789012:user/ci is not authorized to perform: pricing:GetProducts)"
        );
    }
}
