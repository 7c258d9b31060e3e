//! Which of a stage's Lambda functions other callers share, read from each function's
//! resource policy (Lambda GetPolicy, one call per distinct function).
//!
//! API Gateway may only invoke a function that a resource-policy statement allows
//! (`Principal` `apigateway.amazonaws.com`, usually with an `AWS:SourceArn` condition
//! `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH`); other services (S3,
//! EventBridge, SNS, …) and other accounts need a statement too. So the policy names the
//! callers that can reach the function without IAM credentials of this account: another
//! API id, another explicit stage of this API, an API Gateway statement with no source ARN
//! (any API), another service, another account. A stage wildcard (`API/*/…`) on this API
//! is not counted as sharing (it is how the console writes the permission for one stage).
//! What the policy cannot show: direct `Invoke` calls by this account's own IAM identities
//! (tests, scripts), and integrations that call the function with an IAM role instead of a
//! permission. `summary` adds what the logs show: invocations that no request of the stage
//! names (see `summary.rs`).

use std::collections::BTreeMap;

use futures::StreamExt;
use serde_json::Value;

use crate::aws::Aws;
use crate::core::model::{LogGroup, Source};
use crate::ui::error::{AwsFault, classify};

/// Per function name: `Some(callers other than this stage)` (empty: none in its policy),
/// `None` when the policy could not be read (no permission, another account).
pub type Shared = BTreeMap<String, Option<Vec<String>>>;

/// GetPolicy for every distinct function of `groups` (a few at a time).
pub async fn other_callers(aws: &Aws, api_id: &str, stage: &str, groups: &[LogGroup]) -> Shared {
    let mut functions: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for g in groups {
        if let (Some(f), Source::Lambda | Source::Authorizer) = (&g.function, g.source) {
            functions
                .entry(f.clone())
                .or_insert_with(|| (g.region.clone(), g.in_other_account()));
        }
    }
    let lookups = functions
        .into_iter()
        .map(|(name, (region, other_account))| {
            let aws = aws.clone();
            async move {
                if other_account || api_id.is_empty() {
                    return (name, None);
                }
                let got = aws
                    .lambda(&region)
                    .get_policy()
                    .function_name(&name)
                    .send()
                    .await;
                let callers = match got {
                    Ok(out) => Some(callers_from_policy(
                        out.policy().unwrap_or_default(),
                        api_id,
                        stage,
                    )),
                    // No resource policy: nothing but this account's own identities calls it.
                    Err(e) if matches!(classify(&e), AwsFault::NotFound(_)) => Some(Vec::new()),
                    Err(e) => {
                        crate::aws::debug::log(format_args!(
                            "GetPolicy {name}: {} (shared: unknown)",
                            classify(&e).text()
                        ));
                        None
                    }
                };
                (name, callers)
            }
        });
    futures::stream::iter(lookups).buffered(4).collect().await
}

/// The callers other than `api_id`/`stage` that a Lambda resource policy (JSON) allows,
/// in the order found, each once: `API abc123`, `stage dev of this API`, `any API Gateway
/// API`, `service events.amazonaws.com`, `account 111122223333`.
pub fn callers_from_policy(policy: &str, api_id: &str, stage: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let Ok(v) = serde_json::from_str::<Value>(policy) else {
        return out;
    };
    let statements = match v.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(s @ Value::Object(_)) => vec![s.clone()],
        _ => Vec::new(),
    };
    for s in statements {
        if s.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        for principal in principals(s.get("Principal")) {
            if principal != "apigateway.amazonaws.com" {
                add(if principal.ends_with(".amazonaws.com") {
                    format!("service {principal}")
                } else if principal == "*" {
                    "any principal".to_string()
                } else {
                    let account = principal
                        .strip_prefix("arn:aws:iam::")
                        .and_then(|r| r.split(':').next())
                        .unwrap_or(&principal);
                    format!("account {account}")
                });
                continue;
            }
            let arns = source_arns(s.get("Condition"));
            if arns.is_empty() {
                add("any API Gateway API".to_string());
            }
            for arn in arns {
                // arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH
                let resource = arn.splitn(6, ':').nth(5).unwrap_or("");
                let mut parts = resource.split('/');
                let (api, st) = (parts.next().unwrap_or(""), parts.next().unwrap_or("*"));
                if api == api_id {
                    if st != "*" && st != stage && st != "authorizers" && !st.is_empty() {
                        add(format!("stage {st} of this API"));
                    }
                } else if api.is_empty() || api.contains('*') {
                    add("any API Gateway API".to_string());
                } else {
                    add(format!("API {api}"));
                }
            }
        }
    }
    out
}

fn principals(p: Option<&Value>) -> Vec<String> {
    let strings = |v: &Value| -> Vec<String> {
        match v {
            Value::String(s) => vec![s.clone()],
            Value::Array(a) => a
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    };
    match p {
        Some(Value::Object(m)) => m.values().flat_map(strings).collect(),
        Some(v) => strings(v),
        None => Vec::new(),
    }
}

/// Every `AWS:SourceArn` value under any condition operator (ArnLike, ArnEquals, …).
fn source_arns(c: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(Value::Object(ops)) = c {
        for keys in ops.values() {
            if let Value::Object(keys) = keys {
                for (k, v) in keys {
                    if k.eq_ignore_ascii_case("aws:SourceArn") {
                        match v {
                            Value::String(s) => out.push(s.clone()),
                            Value::Array(a) => {
                                out.extend(a.iter().filter_map(|x| x.as_str().map(String::from)))
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_statements_name_the_other_callers() {
        // The shape Lambda's GetPolicy returns (Lambda developer guide, "Viewing
        // resource-based IAM policies in Lambda").
        let policy = r#"{"Version":"2012-10-17","Id":"default","Statement":[
          {"Sid":"a","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:mine/*/GET/users"}}},
          {"Sid":"b","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:other1/*/*/items"}}},
          {"Sid":"c","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:mine/dev/GET/users"}}},
          {"Sid":"d","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:mine/prod/GET/users"}}},
          {"Sid":"e","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f"},
          {"Sid":"f","Effect":"Deny","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"x"},
          {"Sid":"g","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::210987654321:root"},"Action":"lambda:InvokeFunction","Resource":"x"},
          {"Sid":"h","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"x","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:mine/authorizers/abc"}}}
        ]}"#;
        assert_eq!(
            callers_from_policy(policy, "mine", "prod"),
            vec![
                "API other1",
                "stage dev of this API",
                "service events.amazonaws.com",
                "account 210987654321"
            ]
        );
        let only_mine = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:1:mine/*/GET/users"}}}]}"#;
        assert!(callers_from_policy(only_mine, "mine", "prod").is_empty());
        let any = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"}}]}"#;
        assert_eq!(
            callers_from_policy(any, "mine", "prod"),
            vec!["any API Gateway API"]
        );
        assert!(callers_from_policy("not json", "mine", "prod").is_empty());
    }
}
