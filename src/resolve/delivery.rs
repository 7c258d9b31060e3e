//! Execution logs sent through a CloudWatch Logs log delivery (issue #15).
//!
//! What the current AWS documentation says (API Gateway developer guide, "Create a log
//! delivery for REST API execution logs", "Delete a log delivery…", "Verify execution log
//! delivery"; What's New 2026-09-10 "API Gateway supports 1 MB execution logs and
//! configurable delivery destinations"), checked while building this:
//! - A REST stage's execution logs can be routed to the user's own CloudWatch Logs log
//!   group, S3 bucket or Firehose stream — several at once — by a CloudWatch Logs
//!   *delivery*: a delivery source (the stage), a delivery destination, and the delivery
//!   linking them. Log events are then up to 1 MB (the managed group truncates at 1 KB).
//! - The delivery source has log type `EXECUTION_LOGS` and resource ARN
//!   `arn:aws:apigateway:{region}:{account-id}:/restapis/{rest-api-id}/stages/{stage-name}`
//!   (the guide shows the account id in it; API Gateway's own resource ARNs usually leave
//!   it empty, so only the region and the `/restapis/…/stages/…` part are matched here).
//! - While a delivery exists API Gateway does not write to the managed
//!   `API-Gateway-Execution-Logs_{rest-api-id}/{stage}` group; deleting the delivery makes
//!   it resume ("Delete a log delivery").
//! - The records' format in a log group is announced as structured JSON (What's New); the
//!   exact record layout is not documented in what was found, so records are printed as
//!   they come, not parsed.
//!
//! The chain read here: DescribeDeliverySources (the stage's `EXECUTION_LOGS` source) →
//! DescribeDeliveries (those of that source) → DescribeDeliveryDestinations (where each
//! goes: `destinationResourceArn`). A CloudWatch Logs destination is a log group apitrace
//! reads; S3 and Firehose destinations are named in a warning, as they cannot be read.
//! Callers without permission for these calls (or an endpoint without them) get nothing,
//! silently (`--debug` shows why): most stages have no delivery.

use std::collections::HashMap;

use crate::aws::Aws;
use crate::ui::error::classify;

/// One delivery of a stage's execution logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub delivery_id: String,
    /// `CWL`, `S3`, `FH` (DeliveryDestinationType), or what the service says.
    pub kind: String,
    /// The destination resource (log group, bucket or stream ARN), when known.
    pub resource_arn: Option<String>,
}

impl Delivered {
    /// The kind, for people.
    pub fn kind_name(&self) -> &str {
        match self.kind.as_str() {
            "CWL" => "CloudWatch Logs log group",
            "S3" => "S3 bucket",
            "FH" => "Firehose stream",
            other => other,
        }
    }
}

/// Pages of a Describe* call, at most this many.
const MAX_PAGES: usize = 50;

/// After a listing loop: a token still in hand means it stopped at [`MAX_PAGES`], which is
/// said (not a silent truncation); the token is dropped so the next listing starts fresh.
fn end_of_listing(token: &mut Option<String>, what: &str) {
    if token.take().is_some() {
        crate::ui::error::warn(format!(
            "listing {what}: stopped after {MAX_PAGES} pages; the list may be incomplete"
        ));
    }
}

/// The deliveries of the execution logs of REST `api_id`'s `stage` in the client's region.
pub async fn execution_deliveries(aws: &Aws, api_id: &str, stage: &str) -> Vec<Delivered> {
    match find(aws, api_id, stage).await {
        Ok(v) => v,
        Err(why) => {
            crate::aws::debug::log(format!("log deliveries not checked: {why}"));
            Vec::new()
        }
    }
}

/// Whether `arn` is the delivery source resource of this stage in `region`.
fn is_stage_resource(arn: &str, region: &str, api_id: &str, stage: &str) -> bool {
    let Some((head, path)) = arn.split_once(":/") else {
        return false;
    };
    let parts: Vec<&str> = head.split(':').collect();
    matches!(parts.as_slice(), ["arn", _, "apigateway", r, _] if *r == region)
        && path == format!("restapis/{api_id}/stages/{stage}")
}

async fn find(aws: &Aws, api_id: &str, stage: &str) -> Result<Vec<Delivered>, String> {
    let client = aws.logs(&aws.region);
    // 1. The stage's EXECUTION_LOGS delivery sources.
    let mut sources = Vec::new();
    let mut token: Option<String> = None;
    let mut guard = crate::aws::paging::PageGuard::default();
    for _ in 0..MAX_PAGES {
        let out = client
            .describe_delivery_sources()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| format!("DescribeDeliverySources: {}", classify(&e).text()))?;
        for s in out.delivery_sources() {
            if s.log_type() == Some("EXECUTION_LOGS")
                && s.resource_arns()
                    .iter()
                    .any(|a| is_stage_resource(a, &aws.region, api_id, stage))
                && let Some(name) = s.name()
            {
                sources.push(name.to_string());
            }
        }
        token = guard.next(out.next_token(), "the log delivery sources");
        if token.is_none() {
            break;
        }
    }
    end_of_listing(&mut token, "the log delivery sources");
    if sources.is_empty() {
        return Ok(Vec::new());
    }
    // 2. Their deliveries.
    let mut deliveries = Vec::new();
    let mut guard = crate::aws::paging::PageGuard::default();
    for _ in 0..MAX_PAGES {
        let out = client
            .describe_deliveries()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| format!("DescribeDeliveries: {}", classify(&e).text()))?;
        for d in out.deliveries() {
            if d.delivery_source_name()
                .is_some_and(|n| sources.iter().any(|s| s == n))
            {
                deliveries.push(d.clone());
            }
        }
        token = guard.next(out.next_token(), "the log deliveries");
        if token.is_none() {
            break;
        }
    }
    end_of_listing(&mut token, "the log deliveries");
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    // 3. Where they go.
    let mut destinations: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    let mut guard = crate::aws::paging::PageGuard::default();
    for _ in 0..MAX_PAGES {
        let out = client
            .describe_delivery_destinations()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| format!("DescribeDeliveryDestinations: {}", classify(&e).text()))?;
        for d in out.delivery_destinations() {
            if let Some(arn) = d.arn() {
                destinations.insert(
                    arn.to_string(),
                    (
                        d.delivery_destination_type()
                            .map(|t| t.as_str().to_string()),
                        d.delivery_destination_configuration()
                            .map(|c| c.destination_resource_arn().to_string())
                            .filter(|a| !a.is_empty()),
                    ),
                );
            }
        }
        token = guard.next(out.next_token(), "the log delivery destinations");
        if token.is_none() {
            break;
        }
    }
    end_of_listing(&mut token, "the log delivery destinations");
    Ok(deliveries
        .iter()
        .map(|d| {
            let dest = d
                .delivery_destination_arn()
                .and_then(|a| destinations.get(a));
            Delivered {
                delivery_id: d.id().unwrap_or("?").to_string(),
                kind: d
                    .delivery_destination_type()
                    .map(|t| t.as_str().to_string())
                    .or_else(|| dest.and_then(|x| x.0.clone()))
                    .unwrap_or_else(|| "?".into()),
                resource_arn: dest.and_then(|x| x.1.clone()),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listing cut at the page cap is said, and its token never reaches the next
    /// listing (it did: DescribeDeliveries was sent DescribeDeliverySources' token).
    #[test]
    fn a_listing_cut_at_the_page_cap_is_said_and_its_token_dropped() {
        crate::ui::error::take_captured();
        let mut token = Some("t".to_string());
        end_of_listing(&mut token, "the log deliveries");
        assert!(token.is_none());
        let said = crate::ui::error::take_captured();
        assert!(
            said.contains("listing the log deliveries: stopped after 50 pages"),
            "{said}"
        );
        let mut done = None;
        end_of_listing(&mut done, "the log deliveries");
        assert_eq!(crate::ui::error::take_captured(), "");
    }

    #[test]
    fn stage_resources() {
        for arn in [
            "arn:aws:apigateway:eu-west-1:123456789012:/restapis/abc123/stages/prod",
            "arn:aws:apigateway:eu-west-1::/restapis/abc123/stages/prod",
        ] {
            assert!(
                is_stage_resource(arn, "eu-west-1", "abc123", "prod"),
                "{arn}"
            );
        }
        for arn in [
            "arn:aws:apigateway:us-east-1::/restapis/abc123/stages/prod",
            "arn:aws:apigateway:eu-west-1::/restapis/abc123/stages/prod2",
            "arn:aws:apigateway:eu-west-1::/restapis/abc1234/stages/prod",
            "arn:aws:logs:eu-west-1:1:log-group:x",
        ] {
            assert!(
                !is_stage_resource(arn, "eu-west-1", "abc123", "prod"),
                "{arn}"
            );
        }
    }
}
