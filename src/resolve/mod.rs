//! API id + stage → every log group that can hold a line about a request to that stage.
//!
//! REST APIs: the execution log group, the stage's access log group, the Lambda functions
//! behind every method integration (GetResources with embedded methods, all pages, and
//! GetIntegration where a method's integration was not embedded) and behind every Lambda
//! authorizer, with `${stageVariables.x}` replaced by the stage's variables, aliases and
//! versions kept as the qualifier, functions in another region read in that region, and
//! functions in another account marked with the account (their default group is read by
//! ARN through cross-account observability; see `LogGroup::cross_account_arn`).
//! HTTP and WebSocket APIs (apigatewayv2) are detected when the id is not a REST API.
//! Each function's log group comes from GetFunctionConfiguration (`LoggingConfig.LogGroup`),
//! else `/aws/lambda/NAME`. Finally DescribeLogGroups says which groups exist, so a missing
//! group is reported once, up front, with its likely cause.
//!
//! The parsing of URIs and ARNs is pure and unit-tested below; the SDK calls are exercised
//! against the emulator by the integration tests, and the paths the emulator cannot show
//! (integrations not embedded, several pages, custom or unreadable function log groups,
//! other accounts, failing authorizer listings, missing groups) by unit tests against
//! mocked clients (`tests::mocked`, through `Aws::from_clients`).
//!
//! Layer `resolve`: from an API to its log groups and facts. Here the shared flow; `rest`
//! (REST APIs) and `v2` (HTTP/WebSocket) read their API; `lambda` turns the functions they
//! name into groups; `arn` and `route` are pure parsing; `exist` checks the groups;
//! `deploy` (`--since-deploy`), `lookup` (`--api`, `--url`, `apis`), `sharing` (Lambda
//! resource policies), `delivery` (log deliveries).
//! May import: `aws`, `config`, `cli`, `ui`, `core`.

pub mod delivery;
pub mod deploy;
pub mod lookup;
pub mod route;

pub mod arn;
pub mod exist;
mod lambda;
mod rest;
mod v2;

use arn::{log_group_from_arn, parse_log_group_arn};
use exist::check_existence;
use rest::{resolve_rest, rest_api_name};
use v2::{resolve_v2, v2_api};
pub mod sharing;
pub mod stack;

use anyhow::Result;

use crate::aws::Aws;
use crate::aws::ratelimit::RateLimiter;
use crate::config::Selection;
use crate::core::model::{LogGroup, Source};
use crate::ui::error::{Hinted, note, warn};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    Rest,
    Http,
    WebSocket,
}

impl ApiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKind::Rest => "REST",
            ApiKind::Http => "HTTP",
            ApiKind::WebSocket => "WEBSOCKET",
        }
    }
}

/// What resolution found.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub api_id: String,
    pub api_name: String,
    pub kind: ApiKind,
    pub stage: String,
    pub region: String,
    pub groups: Vec<LogGroup>,
    /// The API's routes as it defines them (`GET /users/{id}`, `ANY /v2/{proxy+}`).
    pub routes: Vec<String>,
}

/// A Lambda function reached from the API, before its log group is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    pub qualifier: Option<String>,
    /// `None` = the API's region.
    pub region: Option<String>,
    pub account: Option<String>,
    /// `aws`, `aws-cn`, `aws-us-gov`; `None` when the URI gave no ARN.
    pub partition: Option<String>,
}

/// A function with the reasons it was chosen and the source (integration or authorizer).
#[derive(Debug, Clone)]
struct Found {
    func: FunctionRef,
    source: Source,
    reason: String,
}

/// Resolve the stage's log groups (none when no API is named and only `--log-group`
/// groups are read), apply the selection, and check which groups exist.
pub async fn resolve(
    aws: &Aws,
    target: Option<&(String, String)>,
    select: &Selection,
) -> Result<Resolution> {
    let mut res = match target {
        Some((api_id, stage)) => resolve_api(aws, api_id, stage).await?,
        None => Resolution {
            api_id: String::new(),
            api_name: String::new(),
            kind: ApiKind::Rest,
            stage: String::new(),
            region: aws.region.clone(),
            groups: Vec::new(),
            routes: Vec::new(),
        },
    };
    for g in &select.extra_groups {
        // A log group ARN names its region and account: another account's group is read
        // by ARN (cross-account observability), like another account's function's.
        let (name, region, reason) = match parse_log_group_arn(g) {
            Some((region, account, name)) => (
                name,
                region,
                LogGroup::other_account_reason("--log-group", &account),
            ),
            None => (g.clone(), aws.region.clone(), "--log-group".to_string()),
        };
        add_group(
            &mut res.groups,
            LogGroup {
                name,
                region,
                source: Source::Extra,
                function: None,
                reasons: vec![reason],
                exists: None,
                class: None,
            },
        );
    }
    stack::add_stack_groups(aws, &mut res, &select.stack).await;
    warn_unknown_functions(&res, select);
    res.groups
        .retain(|g| select.wants(g.source, g.function.as_deref()));
    if target.is_some() {
        narrow_to_routes(&mut res, select)?;
    }
    check_existence(aws, &mut res.groups).await;
    Ok(res)
}

/// `--route`, or a URL's path in a trace (#21): keep only the Lambda integration groups
/// behind the matching routes (a group's reasons name its routes: `GET /users/{id}
/// integration`, `GET /items, POST /items integration`).
fn narrow_to_routes(res: &mut Resolution, select: &Selection) -> Result<()> {
    let Some(chosen) = chosen_routes(res, select)? else {
        if let (None, Some(path)) = (&select.route, &select.route_path) {
            note(format!(
                "the URL's path {path} matches no route: every function is read"
            ));
        }
        return Ok(());
    };
    note(format!(
        "route {}: only the functions behind it",
        chosen.join(", ")
    ));
    let names_route = |why: &str, r: &str| {
        let keys = why.split(" integration").next().unwrap_or_default();
        keys.split(", ").any(|k| k == r)
    };
    res.groups.retain(|g| {
        g.source != Source::Lambda
            || g.reasons
                .iter()
                .any(|why| chosen.iter().any(|r| names_route(why, r)))
    });
    Ok(())
}

/// The API's routes that `--route` (or a URL's path) selects, as the API defines them
/// (`GET /orders/{id}`): `None` when nothing narrows; a `--route` that matches none of
/// them is a usage error listing them. `summary` and `errors` count only these routes'
/// requests (#21).
pub fn chosen_routes(res: &Resolution, select: &Selection) -> Result<Option<Vec<String>>> {
    if res.api_id.is_empty() {
        return Ok(None); // only --log-group groups: no API, no routes
    }
    let matching = |concrete: &str| crate::resolve::route::match_route(&res.routes, concrete);
    let chosen: Vec<String> = match (&select.route, &select.route_path) {
        (Some(r), _) => {
            let r = match r.trim().split_once(' ') {
                Some((m, p)) => format!("{} {}", m.to_ascii_uppercase(), p.trim()),
                None => r.trim().to_string(),
            };
            match res
                .routes
                .iter()
                .find(|x| **x == r)
                .cloned()
                .or_else(|| matching(&r))
            {
                Some(found) => vec![found],
                None => {
                    let mut all = res.routes.clone();
                    all.sort();
                    all.dedup();
                    return Err(Hinted::usage(
                        format!("no route of {} matches '{r}'", describe(res)),
                        format!("its routes: {}", all.join(", ")),
                    )
                    .into());
                }
            }
        }
        (None, Some(path)) => {
            let mut methods: Vec<&str> = res
                .routes
                .iter()
                .filter_map(|r| r.split_once(' ').map(|(m, _)| m))
                .collect();
            methods.sort();
            methods.dedup();
            let mut v: Vec<String> = Vec::new();
            for m in methods {
                if let Some(r) = matching(&format!("{m} {path}"))
                    && !v.contains(&r)
                {
                    v.push(r);
                }
            }
            if v.is_empty() {
                return Ok(None);
            }
            v
        }
        _ => return Ok(None),
    };
    Ok(Some(chosen))
}

async fn resolve_api(aws: &Aws, api_id: &str, stage: &str) -> Result<Resolution> {
    let control = RateLimiter::new(8.0);
    match rest_api_name(aws, api_id).await? {
        Some(name) => resolve_rest(aws, &control, api_id, &name, stage).await,
        None => match v2_api(aws, api_id).await? {
            Some((name, kind)) => resolve_v2(aws, &control, api_id, &name, kind, stage).await,
            None => Err(Hinted::new(
                format!("API '{api_id}' not found in region {}", aws.region),
                format!(
                    "run `apitrace apis --region {}` to list the APIs and their ids, or pass \
                     --region if the API lives in another region",
                    aws.region
                ),
            )
            .into()),
        },
    }
}

/// Execution logs sent through log deliveries (see `delivery.rs`): each CloudWatch Logs
/// destination is read as an execution group; S3 and Firehose destinations are named in a
/// warning (they cannot be read); the managed group's reason says it receives nothing
/// while a delivery exists (it still holds what was logged before).
async fn add_delivered_execution_groups(
    aws: &Aws,
    groups: &mut Vec<LogGroup>,
    api_id: &str,
    stage: &str,
) {
    let delivered = crate::resolve::delivery::execution_deliveries(aws, api_id, stage).await;
    if delivered.is_empty() {
        return;
    }
    if let Some(managed) = groups.iter_mut().find(|g| g.source == Source::Execution) {
        managed.reasons[0].push_str(
            " (a log delivery exists: API Gateway writes here only when none does, so this holds older lines)",
        );
    }
    for d in delivered {
        let group = d
            .resource_arn
            .as_deref()
            .filter(|_| d.kind == "CWL")
            .and_then(parse_log_group_arn);
        match group {
            Some((region, _account, name)) => add_group(
                groups,
                LogGroup {
                    name,
                    region,
                    source: Source::Execution,
                    function: None,
                    reasons: vec![format!(
                        "execution log of stage {stage}, delivered by log delivery {}",
                        d.delivery_id
                    )],
                    exists: None,
                    class: None,
                },
            ),
            None => warn(format!(
                "execution logs of stage {stage} also go to {} {} (log delivery {}), which apitrace cannot read",
                d.kind_name(),
                d.resource_arn.as_deref().unwrap_or("(destination unknown)"),
                d.delivery_id
            )),
        }
    }
}

/// Merge a group into the list: the same group reached twice keeps one entry with both
/// reasons (the first source wins).
fn add_group(groups: &mut Vec<LogGroup>, g: LogGroup) {
    if let Some(existing) = groups
        .iter_mut()
        .find(|x| x.name == g.name && x.region == g.region)
    {
        for r in g.reasons {
            if !existing.reasons.contains(&r) {
                existing.reasons.push(r);
            }
        }
        if existing.function.is_none() {
            existing.function = g.function;
        }
    } else {
        groups.push(g);
    }
}

fn stage_not_found(api_id: &str, kind: ApiKind, stage: &str, stages: &[String]) -> anyhow::Error {
    let hint = if stages.is_empty() {
        format!(
            "the {} API {api_id} has no stages yet; deploy it first",
            kind.as_str()
        )
    } else {
        format!("its stages: {} (see `apitrace apis`)", stages.join(", "))
    };
    Hinted::new(
        format!(
            "stage '{stage}' not found on {} API {api_id}",
            kind.as_str()
        ),
        hint,
    )
    .into()
}

/// Turn an access-log destination ARN into a group (Firehose destinations are noted).
fn push_access_group(groups: &mut Vec<LogGroup>, arn: &str, api_region: &str, stage: &str) {
    match log_group_from_arn(arn) {
        Some((name, region)) => groups.push(LogGroup {
            name,
            region: region.unwrap_or_else(|| api_region.to_string()),
            source: Source::Access,
            function: None,
            reasons: vec![format!("access log of stage {stage}")],
            exists: None,
            class: None,
        }),
        None => note(format!(
            "the access log of stage {stage} goes to {arn}, not to CloudWatch Logs: not read"
        )),
    }
}

/// `--function` names that are not behind the stage: one warning each, listing the
/// functions that are (the names come from the resolution, before the selection).
fn warn_unknown_functions(res: &Resolution, select: &Selection) {
    if select.functions.is_empty() || res.api_id.is_empty() {
        return;
    }
    let mut behind: Vec<&str> = res
        .groups
        .iter()
        .filter(|g| matches!(g.source, Source::Lambda | Source::Authorizer))
        .filter_map(|g| g.function.as_deref())
        .collect();
    behind.sort_unstable();
    behind.dedup();
    for f in &select.functions {
        if !behind.contains(&f.as_str()) {
            let list = if behind.is_empty() {
                "it has none".to_string()
            } else {
                format!("its functions: {}", behind.join(", "))
            };
            crate::ui::error::warn(format!(
                "--function {f}: no function of that name is behind {}; {list}",
                describe(res)
            ));
        }
    }
}

/// Context helper for callers that want the resolution's region in messages.
pub fn describe(res: &Resolution) -> String {
    if res.api_id.is_empty() {
        return format!("the --log-group groups in {}", res.region);
    }
    format!(
        "{} API {} ({}) stage {} in {}",
        res.kind.as_str(),
        res.api_id,
        res.api_name,
        res.stage,
        res.region
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use super::{arn::*, exist::*, lambda::*};
    use std::collections::HashMap;

    #[test]
    fn cross_account_arn_of_a_function_in_another_account() {
        assert_eq!(
            parse_log_group_arn("arn:aws:logs:eu-west-1:222222222222:log-group:/aws/lambda/f:*"),
            Some((
                "eu-west-1".to_string(),
                "222222222222".to_string(),
                "/aws/lambda/f".to_string()
            ))
        );
        assert_eq!(parse_log_group_arn("/aws/lambda/f"), None);
        assert_eq!(
            parse_log_group_arn("arn:aws:lambda:eu-west-1:1:function:f"),
            None
        );
        let mut g = LogGroup {
            name: "/aws/lambda/partner-fn".into(),
            region: "cn-north-1".into(),
            source: Source::Lambda,
            function: Some("partner-fn".into()),
            reasons: vec![LogGroup::other_account_reason(
                "GET /p integration",
                "222222222222",
            )],
            exists: None,
            class: None,
        };
        assert_eq!(
            g.cross_account_arn().as_deref(),
            Some("arn:aws-cn:logs:cn-north-1:222222222222:log-group:/aws/lambda/partner-fn")
        );
        g.reasons = vec!["GET /p integration".into()];
        assert_eq!(g.cross_account_arn(), None);
    }

    #[test]
    fn lambda_targets() {
        let u = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:shop-users/invocations";
        assert_eq!(
            lambda_target(u),
            Some("arn:aws:lambda:us-east-1:123456789012:function:shop-users")
        );
        let u = "arn:aws-us-gov:apigateway:us-gov-west-1:lambda:path/2015-03-31/functions/arn:aws-us-gov:lambda:us-gov-west-1:1:function:f:live/invocations";
        assert_eq!(
            lambda_target(u),
            Some("arn:aws-us-gov:lambda:us-gov-west-1:1:function:f:live")
        );
        assert_eq!(
            lambda_target("arn:aws:lambda:us-west-2:123:function:hello12"),
            Some("arn:aws:lambda:us-west-2:123:function:hello12")
        );
        assert_eq!(
            lambda_target("${stageVariables.fn}"),
            Some("${stageVariables.fn}")
        );
        assert_eq!(lambda_target("https://example.com/x"), None);
        assert_eq!(
            lambda_target("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"),
            None
        );
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("/aws/lambda/users", "/aws/lambda/users"), 0);
        assert_eq!(edit_distance("/aws/lambda/usres", "/aws/lambda/users"), 2);
        assert_eq!(edit_distance("/aws/lambda/user", "/aws/lambda/users"), 1);
        assert_eq!(edit_distance("abc", "xyz"), 3);
    }

    #[test]
    fn functions() {
        let f = parse_function("arn:aws:lambda:eu-west-1:123456789012:function:shop-users:live")
            .unwrap();
        assert_eq!(f.name, "shop-users");
        assert_eq!(f.qualifier.as_deref(), Some("live"));
        assert_eq!(f.region.as_deref(), Some("eu-west-1"));
        assert_eq!(f.account.as_deref(), Some("123456789012"));
        let f = parse_function("arn:aws:lambda:us-east-1:1:function:fn:7").unwrap();
        assert_eq!((f.name.as_str(), f.qualifier.as_deref()), ("fn", Some("7")));
        let f = parse_function("my_fn").unwrap();
        assert_eq!(
            (f.name.as_str(), f.region, f.account),
            ("my_fn", None, None)
        );
        let f = parse_function("my-fn:prod").unwrap();
        assert_eq!(f.qualifier.as_deref(), Some("prod"));
        let f = parse_function("123:function:x").unwrap();
        assert_eq!((f.name.as_str(), f.account.as_deref()), ("x", Some("123")));
        assert!(parse_function("arn:aws:s3:::bucket").is_none());
        assert!(parse_function("bad name").is_none());
        assert!(parse_function("").is_none());
    }

    #[test]
    fn stage_variables() {
        let vars: HashMap<String, String> = [
            ("backend".to_string(), "shop-backend".to_string()),
            ("v".into(), "7".into()),
        ]
        .into();
        assert_eq!(
            substitute_stage_variables(
                "arn:aws:lambda:r:1:function:${stageVariables.backend}:${stageVariables.v}",
                &vars
            ),
            Ok("arn:aws:lambda:r:1:function:shop-backend:7".to_string())
        );
        assert_eq!(
            substitute_stage_variables("${stageVariables.nope}", &vars),
            Err("nope".into())
        );
        assert_eq!(
            substitute_stage_variables("plain", &vars),
            Ok("plain".into())
        );
        assert_eq!(
            stage_variable_names("a${stageVariables.x}b${stageVariables.y}"),
            vec!["x", "y"]
        );
    }

    #[test]
    fn collect_through_stage_variables_and_arns() {
        let vars: HashMap<String, String> = [
            ("backend".to_string(), "shop-backend".to_string()),
            (
                "full".to_string(),
                "arn:aws:lambda:eu-west-1:123:function:far".to_string(),
            ),
        ]
        .into();
        let mut found = Vec::new();
        let u = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123:function:${stageVariables.backend}/invocations";
        collect_function(
            &mut found,
            u,
            &vars,
            Source::Lambda,
            "ANY /backend",
            "integration",
        );
        let u = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123:function:${stageVariables.full}/invocations";
        collect_function(
            &mut found,
            u,
            &vars,
            Source::Lambda,
            "GET /far",
            "integration",
        );
        let u = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123:function:${stageVariables.missing}/invocations";
        collect_function(
            &mut found,
            u,
            &vars,
            Source::Lambda,
            "GET /legacy",
            "integration",
        );
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].func.name, "shop-backend");
        assert_eq!(
            found[0].reason,
            "ANY /backend integration (stage variable backend)"
        );
        assert_eq!(found[1].func.name, "far");
        assert_eq!(found[1].func.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn access_log_arns() {
        assert_eq!(
            log_group_from_arn("arn:aws:logs:us-east-1:123:log-group:shop-access"),
            Some(("shop-access".into(), Some("us-east-1".into())))
        );
        assert_eq!(
            log_group_from_arn("arn:aws:logs:eu-west-1:123:log-group:/a/b:*"),
            Some(("/a/b".into(), Some("eu-west-1".into())))
        );
        assert_eq!(
            log_group_from_arn("arn:aws:firehose:us-east-1:123:deliverystream/amazon-apigateway-x"),
            None
        );
        assert_eq!(log_group_from_arn("nonsense"), None);
    }

    #[test]
    fn same_group_twice_keeps_both_reasons() {
        let mut v = Vec::new();
        let g = |r: &str, f: Option<&str>| LogGroup {
            name: "/aws/lambda/x".into(),
            region: "us-east-1".into(),
            source: Source::Lambda,
            function: f.map(String::from),
            reasons: vec![r.into()],
            exists: None,
            class: None,
        };
        add_group(&mut v, g("GET /a integration", None));
        add_group(&mut v, g("GET /b integration", Some("x")));
        add_group(&mut v, g("GET /a integration", None));
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].reasons,
            vec!["GET /a integration", "GET /b integration"]
        );
        assert_eq!(v[0].function.as_deref(), Some("x"));
    }

    /// Resolution against mocked SDK clients (aws-smithy-mocks): the paths the emulator
    /// cannot show. Each test serves the calls it expects from rules; a call that no rule
    /// matches panics inside the SDK and fails the test.
    mod mocked {
        use super::*;
        use std::sync::{Arc, Mutex};

        use aws_config::{BehaviorVersion, Region};
        use aws_credential_types::Credentials;
        use aws_sdk_apigateway::types::{Integration, Method, Resource};
        use aws_smithy_mocks::{
            MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock,
        };
        use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        use aws_smithy_runtime_api::http::StatusCode;
        use aws_smithy_types::body::SdkBody;
        use aws_smithy_types::retry::RetryConfig;

        use crate::aws::Clients;

        const REGION: &str = "us-east-1";
        const ACCOUNT: &str = "111111111111";
        const API: &str = "a1b2c3d4e5";
        const STAGE: &str = "prod";

        /// What the mocks were asked, in order (function names, log group prefixes).
        type Seen = Arc<Mutex<Vec<String>>>;

        fn seen() -> Seen {
            Arc::default()
        }

        fn taken(s: &Seen) -> Vec<String> {
            s.lock().unwrap().clone()
        }

        /// An `Aws` whose clients (Lambda and Logs in us-east-1 and eu-west-1) all answer
        /// from `rules`: the first matching rule serves a call. SDK retries are off, so
        /// an error rule is asked exactly once per call.
        fn mock_aws(rules: &[&Rule]) -> Aws {
            let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
            for r in rules {
                interceptor = interceptor.with_rule(r);
            }
            let interceptor = SharedInterceptor::new(interceptor);
            macro_rules! client {
                ($krate:ident, $region:expr) => {
                    $krate::Client::from_conf(
                        $krate::Config::builder()
                            .behavior_version(BehaviorVersion::latest())
                            .region(Region::new($region))
                            .credentials_provider(Credentials::new(
                                "test", "test", None, None, "test",
                            ))
                            .retry_config(RetryConfig::disabled())
                            .http_client(create_mock_http_client())
                            .interceptor(interceptor.clone())
                            .build(),
                    )
                };
            }
            let regions = [REGION, "eu-west-1"];
            Aws::from_clients(
                REGION,
                Clients {
                    apigateway: client!(aws_sdk_apigateway, REGION),
                    apigatewayv2: client!(aws_sdk_apigatewayv2, REGION),
                    sts: client!(aws_sdk_sts, REGION),
                    logs: regions
                        .iter()
                        .map(|r| (r.to_string(), client!(aws_sdk_cloudwatchlogs, *r)))
                        .collect(),
                    lambda: regions
                        .iter()
                        .map(|r| (r.to_string(), client!(aws_sdk_lambda, *r)))
                        .collect(),
                },
            )
        }

        async fn run(aws: &Aws) -> Resolution {
            resolve(
                aws,
                Some(&(API.to_string(), STAGE.to_string())),
                &Selection::default(),
            )
            .await
            .expect("resolution succeeds")
        }

        /// An error response as AWS sends it (restJson1: the type in `x-amzn-ErrorType`).
        fn http_error(status: u16, error_type: Option<&'static str>, body: &str) -> HttpResponse {
            let mut r = HttpResponse::new(
                StatusCode::try_from(status).unwrap(),
                SdkBody::from(body.to_string()),
            );
            if let Some(t) = error_type {
                r.headers_mut().insert("x-amzn-errortype", t);
            }
            r
        }

        fn function_arn(account: &str, name: &str) -> String {
            format!("arn:aws:lambda:{REGION}:{account}:function:{name}")
        }

        fn lambda_uri(function_arn: &str) -> String {
            format!(
                "arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
            )
        }

        /// A resource whose methods have their integration embedded (`Some(function)`)
        /// or not (`None`: AWS omitted `methodIntegration`).
        fn resource(id: &str, path: &str, methods: &[(&str, Option<&str>)]) -> Resource {
            let mut r = Resource::builder().id(id).path(path);
            for (verb, function) in methods {
                let mut m = Method::builder().http_method(*verb);
                if let Some(f) = function {
                    m = m.method_integration(
                        Integration::builder()
                            .uri(lambda_uri(&function_arn(ACCOUNT, f)))
                            .build(),
                    );
                }
                r = r.resource_methods(*verb, m.build());
            }
            r.build()
        }

        /// One page of GetResources (with `position` when more follow), served once:
        /// matched only by a request with methods embedded and carrying `position_in`.
        fn resources_page(
            position_in: Option<&'static str>,
            items: Vec<Resource>,
            position_out: Option<&'static str>,
        ) -> Rule {
            mock!(aws_sdk_apigateway::Client::get_resources)
                .match_requests(move |req| {
                    req.rest_api_id() == Some(API)
                        && req.embed() == ["methods"]
                        && req.position() == position_in
                })
                .sequence()
                .output(move || {
                    aws_sdk_apigateway::operation::get_resources::GetResourcesOutput::builder()
                        .set_items(Some(items.clone()))
                        .set_position(position_out.map(String::from))
                        .build()
                })
                .build()
        }

        /// GetRestApi, GetStage (no access log) and an empty GetAuthorizers for `API`.
        fn rest_api() -> Vec<Rule> {
            vec![
                mock!(aws_sdk_apigateway::Client::get_rest_api)
                    .match_requests(|req| req.rest_api_id() == Some(API))
                    .then_output(|| {
                        aws_sdk_apigateway::operation::get_rest_api::GetRestApiOutput::builder()
                            .id(API)
                            .name("shop")
                            .build()
                    }),
                mock!(aws_sdk_apigateway::Client::get_stage)
                    .match_requests(|req| {
                        req.rest_api_id() == Some(API) && req.stage_name() == Some(STAGE)
                    })
                    .then_output(|| {
                        aws_sdk_apigateway::operation::get_stage::GetStageOutput::builder()
                            .stage_name(STAGE)
                            .build()
                    }),
                mock!(aws_sdk_apigateway::Client::get_authorizers)
                    .match_requests(|req| req.rest_api_id() == Some(API))
                    .then_output(|| {
                        aws_sdk_apigateway::operation::get_authorizers::GetAuthorizersOutput::builder()
                            .build()
                    }),
                // No log delivery (issue #15; `execution_log_delivery_is_followed`).
                mock!(aws_sdk_cloudwatchlogs::Client::describe_delivery_sources).then_output(
                    || aws_sdk_cloudwatchlogs::operation::describe_delivery_sources::DescribeDeliverySourcesOutput::builder().build(),
                ),
            ]
        }

        fn caller_account() -> Rule {
            mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
                aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
                    .account(ACCOUNT)
                    .build()
            })
        }

        /// GetFunctionConfiguration: `LoggingConfig.LogGroup` = `custom` for the functions
        /// named in it, nothing (the default group) for the others. Records the names asked.
        fn function_configs(custom: &'static [(&'static str, &'static str)], seen: &Seen) -> Rule {
            let seen = seen.clone();
            mock!(aws_sdk_lambda::Client::get_function_configuration).then_compute_output(
                move |req| {
                    let asked = req.function_name().unwrap_or_default().to_string();
                    seen.lock().unwrap().push(asked.clone());
                    let mut out = aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput::builder()
                        .function_name(asked.rsplit(':').next().unwrap_or_default());
                    if let Some((_, group)) = custom
                        .iter()
                        .find(|(f, _)| asked.ends_with(&format!(":function:{f}")))
                    {
                        out = out.logging_config(
                            aws_sdk_lambda::types::LoggingConfig::builder()
                                .log_group(*group)
                                .build(),
                        );
                    }
                    out.build()
                },
            )
        }

        /// DescribeLogGroups by prefix: every group exists except those in `missing`, for
        /// which only a longer name sharing the prefix is listed. Records the prefixes.
        fn log_groups(missing: &'static [&'static str], seen: &Seen) -> Rule {
            let seen = seen.clone();
            mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups).then_compute_output(
                move |req| {
                    let prefix = req.log_group_name_prefix().unwrap_or_default().to_string();
                    seen.lock().unwrap().push(prefix.clone());
                    let listed = if missing.contains(&prefix.as_str()) {
                        format!("{prefix}-old")
                    } else {
                        prefix
                    };
                    aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput::builder()
                        .log_groups(
                            aws_sdk_cloudwatchlogs::types::LogGroup::builder()
                                .log_group_name(listed)
                                .build(),
                        )
                        .build()
                },
            )
        }

        fn execution_group(exists: Option<bool>) -> LogGroup {
            LogGroup {
                name: format!("API-Gateway-Execution-Logs_{API}/{STAGE}"),
                region: REGION.into(),
                source: Source::Execution,
                function: None,
                reasons: vec![format!("execution log of stage {STAGE}")],
                exists,
                class: None,
            }
        }

        fn lambda_group(
            name: &str,
            function: &str,
            reasons: &[&str],
            exists: Option<bool>,
        ) -> LogGroup {
            LogGroup {
                name: name.into(),
                region: REGION.into(),
                source: Source::Lambda,
                function: Some(function.into()),
                reasons: reasons.iter().map(|r| r.to_string()).collect(),
                exists,
                class: None,
            }
        }

        /// 1. A method whose integration GetResources did not embed is read with
        /// GetIntegration (and only that one); a method without integration is skipped.
        #[tokio::test]
        async fn integration_not_embedded_is_read_with_get_integration() {
            let page = resources_page(
                None,
                vec![
                    resource("root", "/", &[("OPTIONS", None)]),
                    resource("r1", "/users", &[("GET", Some("users-fn")), ("POST", None)]),
                ],
                None,
            );
            let post = mock!(aws_sdk_apigateway::Client::get_integration)
                .match_requests(|req| {
                    req.rest_api_id() == Some(API)
                        && req.resource_id() == Some("r1")
                        && req.http_method() == Some("POST")
                })
                .then_output(|| {
                    aws_sdk_apigateway::operation::get_integration::GetIntegrationOutput::builder()
                        .uri(lambda_uri(&function_arn(ACCOUNT, "orders-fn")))
                        .build()
                });
            let options = mock!(aws_sdk_apigateway::Client::get_integration)
                .match_requests(|req| {
                    req.resource_id() == Some("root") && req.http_method() == Some("OPTIONS")
                })
                .then_http_response(|| {
                    http_error(
                        404,
                        Some("NotFoundException"),
                        r#"{"message":"Invalid Integration identifier specified"}"#,
                    )
                });
            let (lambdas, prefixes) = (seen(), seen());
            let mut rules = rest_api();
            rules.extend([
                page.clone(),
                post.clone(),
                options.clone(),
                caller_account(),
                function_configs(&[], &lambdas),
                log_groups(&[], &prefixes),
            ]);
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            assert_eq!((res.kind, res.api_name.as_str()), (ApiKind::Rest, "shop"));
            assert_eq!(
                res.groups,
                vec![
                    execution_group(Some(true)),
                    lambda_group(
                        "/aws/lambda/orders-fn",
                        "orders-fn",
                        &["POST /users integration"],
                        Some(true)
                    ),
                    lambda_group(
                        "/aws/lambda/users-fn",
                        "users-fn",
                        &["GET /users integration"],
                        Some(true)
                    ),
                ]
            );
            assert_eq!(page.num_calls(), 1);
            assert_eq!(post.num_calls(), 1, "GetIntegration for POST /users");
            assert_eq!(options.num_calls(), 1, "GetIntegration for OPTIONS /");
            assert_eq!(
                taken(&lambdas),
                vec![
                    function_arn(ACCOUNT, "orders-fn"),
                    function_arn(ACCOUNT, "users-fn")
                ]
            );
        }

        /// 2. GetResources returned `position`: the second page is asked for with it, and
        /// the functions of both pages are found.
        #[tokio::test]
        async fn every_page_of_resources_is_read() {
            let first = resources_page(
                None,
                vec![resource("r1", "/a", &[("GET", Some("fn-a"))])],
                Some("page-2"),
            );
            let second = resources_page(
                Some("page-2"),
                vec![resource("r2", "/b", &[("GET", Some("fn-b"))])],
                None,
            );
            let (lambdas, prefixes) = (seen(), seen());
            let mut rules = rest_api();
            rules.extend([
                first.clone(),
                second.clone(),
                caller_account(),
                function_configs(&[], &lambdas),
                log_groups(&[], &prefixes),
            ]);
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
            assert_eq!(
                res.groups,
                vec![
                    execution_group(Some(true)),
                    lambda_group(
                        "/aws/lambda/fn-a",
                        "fn-a",
                        &["GET /a integration"],
                        Some(true)
                    ),
                    lambda_group(
                        "/aws/lambda/fn-b",
                        "fn-b",
                        &["GET /b integration"],
                        Some(true)
                    ),
                ]
            );
        }

        /// 3. `LoggingConfig.LogGroup` replaces `/aws/lambda/NAME`; two functions logging
        /// to one custom group give one entry with both reasons (checked once).
        #[tokio::test]
        async fn custom_log_group_is_used_and_shared_groups_merge() {
            let page = resources_page(
                None,
                vec![
                    resource("r1", "/a", &[("GET", Some("fn-a"))]),
                    resource("r2", "/b", &[("GET", Some("fn-b"))]),
                    resource("r3", "/c", &[("GET", Some("fn-c"))]),
                ],
                None,
            );
            let (lambdas, prefixes) = (seen(), seen());
            let mut rules = rest_api();
            rules.extend([
                page,
                caller_account(),
                function_configs(
                    &[
                        ("fn-a", "/custom/shared-group"),
                        ("fn-b", "/custom/shared-group"),
                    ],
                    &lambdas,
                ),
                log_groups(&[], &prefixes),
            ]);
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            assert_eq!(
                res.groups,
                vec![
                    execution_group(Some(true)),
                    lambda_group(
                        "/custom/shared-group",
                        "fn-a",
                        &["GET /a integration", "GET /b integration"],
                        Some(true)
                    ),
                    lambda_group(
                        "/aws/lambda/fn-c",
                        "fn-c",
                        &["GET /c integration"],
                        Some(true)
                    ),
                ]
            );
            assert_eq!(
                taken(&lambdas).len(),
                3,
                "one GetFunctionConfiguration each"
            );
            let mut asked = taken(&prefixes);
            asked.sort();
            assert_eq!(
                asked,
                vec![
                    "/aws/lambda/fn-c".to_string(),
                    "/custom/shared-group".to_string(),
                    format!("API-Gateway-Execution-Logs_{API}/{STAGE}"),
                ]
            );
        }

        /// Issue #15 item 4: GetFunctionConfiguration is per version. An alias in the
        /// integration URI (`fn-a:live`) is asked for with its `Qualifier`, so the custom
        /// group its version logs to is read; the unqualified use of the same function is
        /// asked for separately and keeps the default group.
        #[tokio::test]
        async fn alias_is_resolved_with_its_qualifier() {
            let page = resources_page(
                None,
                vec![
                    resource("r1", "/a", &[("GET", Some("fn-a:live"))]),
                    resource("r2", "/b", &[("GET", Some("fn-a"))]),
                ],
                None,
            );
            let asked = seen();
            let asked_in = asked.clone();
            let configs = mock!(aws_sdk_lambda::Client::get_function_configuration)
                .then_compute_output(move |req| {
                    let q = req.qualifier().map(String::from);
                    asked_in.lock().unwrap().push(format!(
                        "{}@{}",
                        req.function_name().unwrap_or_default(),
                        q.as_deref().unwrap_or("-")
                    ));
                    let mut out = aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput::builder()
                        .function_name("fn-a");
                    if q.as_deref() == Some("live") {
                        out = out.logging_config(
                            aws_sdk_lambda::types::LoggingConfig::builder()
                                .log_group("/custom/fn-a-live")
                                .build(),
                        );
                    }
                    out.build()
                });
            let prefixes = seen();
            let mut rules = rest_api();
            rules.extend([page, caller_account(), configs, log_groups(&[], &prefixes)]);
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            let mut a = taken(&asked);
            a.sort();
            assert_eq!(
                a,
                vec![
                    format!("{}@-", function_arn(ACCOUNT, "fn-a")),
                    format!("{}@live", function_arn(ACCOUNT, "fn-a")),
                ]
            );
            let names: Vec<&str> = res.groups.iter().map(|g| g.name.as_str()).collect();
            assert!(names.contains(&"/custom/fn-a-live"), "{names:?}");
            assert!(names.contains(&"/aws/lambda/fn-a"), "{names:?}");
            let live = res
                .groups
                .iter()
                .find(|g| g.name == "/custom/fn-a-live")
                .unwrap();
            assert_eq!(
                live.reasons,
                vec!["GET /a integration (alias live)".to_string()]
            );
        }

        /// Issue #15 item 3: a stage whose execution logs go through log deliveries
        /// (DescribeDeliverySources → DescribeDeliveries → DescribeDeliveryDestinations):
        /// the CloudWatch Logs destination is read as an execution group; the S3 one is
        /// named in a warning; another stage's source is ignored.
        #[tokio::test]
        async fn execution_log_delivery_is_followed() {
            use aws_sdk_cloudwatchlogs::operation as cwl;
            use aws_sdk_cloudwatchlogs::types::{
                Delivery, DeliveryDestination, DeliveryDestinationConfiguration,
                DeliveryDestinationType, DeliverySource,
            };
            let stage_arn =
                format!("arn:aws:apigateway:{REGION}:{ACCOUNT}:/restapis/{API}/stages/{STAGE}");
            let dest_arn =
                |n: &str| format!("arn:aws:logs:{REGION}:{ACCOUNT}:delivery-destination:{n}");
            let sources = mock!(aws_sdk_cloudwatchlogs::Client::describe_delivery_sources)
                .then_output(move || {
                    cwl::describe_delivery_sources::DescribeDeliverySourcesOutput::builder()
                        .delivery_sources(
                            DeliverySource::builder()
                                .name("apigw-exec")
                                .log_type("EXECUTION_LOGS")
                                .resource_arns(stage_arn.clone())
                                .build(),
                        )
                        .delivery_sources(
                            DeliverySource::builder()
                                .name("other-stage")
                                .log_type("EXECUTION_LOGS")
                                .resource_arns(format!(
                                    "arn:aws:apigateway:{REGION}::/restapis/{API}/stages/dev"
                                ))
                                .build(),
                        )
                        .build()
                });
            let (d1, d2) = (dest_arn("to-cwl"), dest_arn("to-s3"));
            let deliveries = mock!(aws_sdk_cloudwatchlogs::Client::describe_deliveries)
                .then_output(move || {
                    let d = |id: &str, src: &str, dest: &str, t: DeliveryDestinationType| {
                        Delivery::builder()
                            .id(id)
                            .delivery_source_name(src)
                            .delivery_destination_arn(dest)
                            .delivery_destination_type(t)
                            .build()
                    };
                    cwl::describe_deliveries::DescribeDeliveriesOutput::builder()
                        .deliveries(d("del-1", "apigw-exec", &d1, DeliveryDestinationType::Cwl))
                        .deliveries(d("del-2", "apigw-exec", &d2, DeliveryDestinationType::S3))
                        .deliveries(d("del-3", "other-stage", &d1, DeliveryDestinationType::Cwl))
                        .build()
                });
            let (d1, d2) = (dest_arn("to-cwl"), dest_arn("to-s3"));
            let destinations = mock!(
                aws_sdk_cloudwatchlogs::Client::describe_delivery_destinations
            )
            .then_output(move || {
                let d = |arn: &str, target: &str| {
                    DeliveryDestination::builder()
                        .arn(arn)
                        .delivery_destination_configuration(
                            DeliveryDestinationConfiguration::builder()
                                .destination_resource_arn(target)
                                .build()
                                .unwrap(),
                        )
                        .build()
                };
                cwl::describe_delivery_destinations::DescribeDeliveryDestinationsOutput::builder()
                    .delivery_destinations(d(
                        &d1,
                        &format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/custom/apigw-exec:*"),
                    ))
                    .delivery_destinations(d(&d2, "arn:aws:s3:::exec-logs-bucket"))
                    .build()
            });
            let page = resources_page(None, vec![], None);
            let prefixes = seen();
            let mut rules = vec![sources, deliveries, destinations];
            rules.extend(rest_api());
            rules.extend([page, log_groups(&[], &prefixes)]);
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            let names: Vec<&str> = res.groups.iter().map(|g| g.name.as_str()).collect();
            assert_eq!(
                names,
                vec![
                    format!("API-Gateway-Execution-Logs_{API}/{STAGE}").as_str(),
                    "/custom/apigw-exec"
                ]
            );
            let delivered = &res.groups[1];
            assert_eq!(delivered.source, Source::Execution);
            assert_eq!(
                delivered.reasons,
                vec![format!(
                    "execution log of stage {STAGE}, delivered by log delivery del-1"
                )]
            );
            assert!(res.groups[0].reasons[0].contains("a log delivery exists"));
        }

        /// 4. GetFunctionConfiguration denied (403 AccessDeniedException): the function's
        /// group is assumed to be `/aws/lambda/NAME` and resolution goes on.
        #[tokio::test]
        async fn denied_function_configuration_falls_back_to_the_default_group() {
            let page = resources_page(
                None,
                vec![
                    resource("r1", "/a", &[("GET", Some("fn-a"))]),
                    resource("r2", "/b", &[("GET", Some("fn-b"))]),
                ],
                None,
            );
            let denied = mock!(aws_sdk_lambda::Client::get_function_configuration)
                .match_requests(|req| {
                    req.function_name()
                        .is_some_and(|n| n.ends_with(":function:fn-a"))
                })
                .then_http_response(|| {
                    http_error(
                        403,
                        Some("AccessDeniedException"),
                        r#"{"Message":"User: arn:aws:sts::111111111111:assumed-role/dev/me is not authorized to perform: lambda:GetFunctionConfiguration"}"#,
                    )
                });
            let (lambdas, prefixes) = (seen(), seen());
            let mut rules = rest_api();
            rules.extend([
                page,
                caller_account(),
                denied.clone(),
                function_configs(&[("fn-b", "/custom/b")], &lambdas),
                log_groups(&[], &prefixes),
            ]);
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            assert_eq!(denied.num_calls(), 1);
            assert_eq!(taken(&lambdas), vec![function_arn(ACCOUNT, "fn-b")]);
            assert_eq!(
                res.groups,
                vec![
                    execution_group(Some(true)),
                    lambda_group(
                        "/aws/lambda/fn-a",
                        "fn-a",
                        &["GET /a integration"],
                        Some(true)
                    ),
                    lambda_group("/custom/b", "fn-b", &["GET /b integration"], Some(true)),
                ]
            );
        }

        /// 5. A function in another account than the caller's: reported with the account,
        /// existence not checked, and no GetFunctionConfiguration for it (its group is then
        /// read by ARN, see `cross_account_arn_of_a_function_in_another_account`).
        #[tokio::test]
        async fn function_in_another_account_is_reported_not_read() {
            let partner = function_arn("222222222222", "partner-fn");
            let page = resources_page(
                None,
                vec![
                    Resource::builder()
                        .id("r1")
                        .path("/partner")
                        .resource_methods(
                            "GET",
                            Method::builder()
                                .http_method("GET")
                                .method_integration(
                                    Integration::builder().uri(lambda_uri(&partner)).build(),
                                )
                                .build(),
                        )
                        .build(),
                    resource("r2", "/users", &[("GET", Some("users-fn"))]),
                ],
                None,
            );
            let sts = caller_account();
            let (lambdas, prefixes) = (seen(), seen());
            let mut rules = rest_api();
            rules.extend([
                page,
                sts.clone(),
                function_configs(&[], &lambdas),
                log_groups(&[], &prefixes),
            ]);
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            assert_eq!(sts.num_calls(), 1);
            assert_eq!(
                res.groups,
                vec![
                    execution_group(Some(true)),
                    lambda_group(
                        "/aws/lambda/partner-fn",
                        "partner-fn",
                        &["GET /partner integration, account 222222222222"],
                        None
                    ),
                    lambda_group(
                        "/aws/lambda/users-fn",
                        "users-fn",
                        &["GET /users integration"],
                        Some(true)
                    ),
                ]
            );
            assert_eq!(taken(&lambdas), vec![function_arn(ACCOUNT, "users-fn")]);
            assert!(
                !taken(&prefixes).iter().any(|p| p.contains("partner-fn")),
                "{:?}",
                taken(&prefixes)
            );
        }

        /// 6. An HTTP API (GetRestApi says NotFound) whose GetAuthorizers fails with a 500:
        /// a warning, and the integrations' functions are still resolved.
        #[tokio::test]
        async fn http_api_survives_failing_authorizers() {
            use aws_sdk_apigatewayv2::operation as v2;
            use aws_sdk_apigatewayv2::types::{
                AccessLogSettings, Integration, ProtocolType, Route,
            };
            let not_rest =
                mock!(aws_sdk_apigateway::Client::get_rest_api).then_http_response(|| {
                    http_error(
                        404,
                        Some("NotFoundException"),
                        r#"{"message":"Invalid API identifier specified 111111111111:a1b2c3d4e5"}"#,
                    )
                });
            let authorizers = mock!(aws_sdk_apigatewayv2::Client::get_authorizers)
                .then_http_response(|| {
                    http_error(500, None, r#"{"message":"Internal server error"}"#)
                });
            let rules = [
                not_rest.clone(),
                mock!(aws_sdk_apigatewayv2::Client::get_api)
                    .match_requests(|req| req.api_id() == Some(API))
                    .then_output(|| {
                        v2::get_api::GetApiOutput::builder()
                            .api_id(API)
                            .name("shop-http")
                            .protocol_type(ProtocolType::Http)
                            .build()
                    }),
                mock!(aws_sdk_apigatewayv2::Client::get_stage)
                    .match_requests(|req| req.stage_name() == Some(STAGE))
                    .then_output(|| {
                        v2::get_stage::GetStageOutput::builder()
                            .stage_name(STAGE)
                            .access_log_settings(
                                AccessLogSettings::builder()
                                    .destination_arn(format!(
                                        "arn:aws:logs:{REGION}:{ACCOUNT}:log-group:shop-http-access"
                                    ))
                                    .build(),
                            )
                            .build()
                    }),
                mock!(aws_sdk_apigatewayv2::Client::get_routes).then_output(|| {
                    v2::get_routes::GetRoutesOutput::builder()
                        .items(
                            Route::builder()
                                .route_key("GET /users")
                                .target("integrations/i1")
                                .build(),
                        )
                        .items(
                            Route::builder()
                                .route_key("POST /users")
                                .target("integrations/i1")
                                .build(),
                        )
                        .build()
                }),
                mock!(aws_sdk_apigatewayv2::Client::get_integrations).then_output(|| {
                    v2::get_integrations::GetIntegrationsOutput::builder()
                        .items(
                            Integration::builder()
                                .integration_id("i1")
                                .integration_uri(function_arn(ACCOUNT, "users-fn"))
                                .build(),
                        )
                        .build()
                }),
                authorizers.clone(),
                caller_account(),
                function_configs(&[], &seen()),
                log_groups(&[], &seen()),
            ];
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            assert_eq!(not_rest.num_calls(), 1);
            assert_eq!(authorizers.num_calls(), 1);
            assert_eq!(
                (res.kind, res.api_name.as_str()),
                (ApiKind::Http, "shop-http")
            );
            assert_eq!(
                res.groups,
                vec![
                    LogGroup {
                        name: "shop-http-access".into(),
                        region: REGION.into(),
                        source: Source::Access,
                        function: None,
                        reasons: vec![format!("access log of stage {STAGE}")],
                        exists: Some(true),
                        class: None,
                    },
                    lambda_group(
                        "/aws/lambda/users-fn",
                        "users-fn",
                        &["GET /users, POST /users integration"],
                        Some(true)
                    ),
                ]
            );
        }

        /// 7. DescribeLogGroups lists only a longer name for one group: that group is
        /// missing (`Some(false)`), the others exist; each group is asked about once.
        #[tokio::test]
        async fn missing_group_is_marked() {
            let page = resources_page(
                None,
                vec![resource(
                    "r1",
                    "/a",
                    &[("GET", Some("fn-a")), ("PUT", Some("fn-b"))],
                )],
                None,
            );
            let prefixes = seen();
            let mut rules = rest_api();
            rules.extend([
                page,
                caller_account(),
                function_configs(&[], &seen()),
                log_groups(&["/aws/lambda/fn-b"], &prefixes),
            ]);
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            assert_eq!(
                res.groups,
                vec![
                    execution_group(Some(true)),
                    lambda_group(
                        "/aws/lambda/fn-a",
                        "fn-a",
                        &["GET /a integration"],
                        Some(true)
                    ),
                    lambda_group(
                        "/aws/lambda/fn-b",
                        "fn-b",
                        &["PUT /a integration"],
                        Some(false)
                    ),
                ]
            );
            let mut asked = taken(&prefixes);
            asked.sort();
            assert_eq!(
                asked,
                vec![
                    "/aws/lambda/fn-a".to_string(),
                    "/aws/lambda/fn-b".to_string(),
                    format!("API-Gateway-Execution-Logs_{API}/{STAGE}"),
                ]
            );
        }

        /// 8. Page tokens that go round in a cycle (A→B→A: GetResources' and
        /// GetAuthorizers' `position`) end the listing at the repeated token, with a
        /// warning, instead of reading the same pages forever (or up to a page cap): each
        /// page is asked for once, and the functions of every page are found.
        #[tokio::test]
        async fn paging_that_goes_round_in_a_cycle_ends() {
            use std::sync::atomic::{AtomicUsize, Ordering};
            // position in → (function, position out); after 6 calls the cycle ends, so
            // that a loop without a guard ends too (and shows in the call count).
            fn cycle(
                calls: &Arc<AtomicUsize>,
                position: Option<&str>,
                pages: &[(Option<&'static str>, &'static str, &'static str)],
            ) -> (&'static str, Option<String>) {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                let (_, f, next) = pages.iter().find(|(p, _, _)| *p == position).unwrap();
                (f, (n < 6).then(|| next.to_string()))
            }
            const RESOURCES: [(Option<&str>, &str, &str); 3] = [
                (None, "fn-a", "A"),
                (Some("A"), "fn-b", "B"),
                (Some("B"), "fn-c", "A"),
            ];
            const AUTHORIZERS: [(Option<&str>, &str, &str); 2] =
                [(None, "fn-x", "X"), (Some("X"), "fn-y", "X")];
            let (rc, ac) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
            let resources = {
                let rc = rc.clone();
                mock!(aws_sdk_apigateway::Client::get_resources).then_compute_output(move |req| {
                    let (f, next) = cycle(&rc, req.position(), &RESOURCES);
                    aws_sdk_apigateway::operation::get_resources::GetResourcesOutput::builder()
                        .items(resource(f, &format!("/{f}"), &[("GET", Some(f))]))
                        .set_position(next)
                        .build()
                })
            };
            let authorizers = {
                let ac = ac.clone();
                mock!(aws_sdk_apigateway::Client::get_authorizers).then_compute_output(move |req| {
                    let (f, next) = cycle(&ac, req.position(), &AUTHORIZERS);
                    aws_sdk_apigateway::operation::get_authorizers::GetAuthorizersOutput::builder()
                        .items(
                            aws_sdk_apigateway::types::Authorizer::builder()
                                .name(f)
                                .authorizer_uri(lambda_uri(&function_arn(ACCOUNT, f)))
                                .build(),
                        )
                        .set_position(next)
                        .build()
                })
            };
            let mut rules = vec![resources, authorizers];
            rules.extend(rest_api());
            rules.extend([
                caller_account(),
                function_configs(&[], &seen()),
                log_groups(&[], &seen()),
            ]);
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            assert_eq!(rc.load(Ordering::SeqCst), 3, "GetResources calls");
            assert_eq!(ac.load(Ordering::SeqCst), 2, "GetAuthorizers calls");
            let mut names: Vec<&str> = res.groups.iter().map(|g| g.name.as_str()).collect();
            names.sort();
            assert_eq!(
                names,
                [
                    "/aws/lambda/fn-a",
                    "/aws/lambda/fn-b",
                    "/aws/lambda/fn-c",
                    "/aws/lambda/fn-x",
                    "/aws/lambda/fn-y",
                    format!("API-Gateway-Execution-Logs_{API}/{STAGE}").as_str(),
                ]
            );
        }

        /// 9. The same for an HTTP API: GetRoutes', GetIntegrations' and GetAuthorizers'
        /// `nextToken` going round (A→B→A) end each listing at the repeated token.
        #[tokio::test]
        async fn v2_paging_that_goes_round_in_a_cycle_ends() {
            use aws_sdk_apigatewayv2::operation as v2;
            use aws_sdk_apigatewayv2::types::{Authorizer, Integration, ProtocolType, Route};
            use std::sync::atomic::{AtomicUsize, Ordering};
            // token in → (page number, token out): A→B→A; after 6 calls the tokens end.
            fn step(calls: &AtomicUsize, token: Option<&str>) -> (usize, Option<String>) {
                let n = calls.fetch_add(1, Ordering::SeqCst);
                let (page, next) = match token {
                    None => (0, "A"),
                    Some("A") => (1, "B"),
                    _ => (2, "A"),
                };
                (page, (n < 6).then(|| next.to_string()))
            }
            let calls: [Arc<AtomicUsize>; 3] = Default::default();
            let [rc, ic, ac] = calls.clone();
            let rules = [
                mock!(aws_sdk_apigateway::Client::get_rest_api).then_http_response(|| {
                    http_error(404, Some("NotFoundException"), r#"{"message":"no"}"#)
                }),
                mock!(aws_sdk_apigatewayv2::Client::get_api).then_output(|| {
                    v2::get_api::GetApiOutput::builder()
                        .api_id(API)
                        .name("shop-http")
                        .protocol_type(ProtocolType::Http)
                        .build()
                }),
                mock!(aws_sdk_apigatewayv2::Client::get_stage).then_output(|| {
                    v2::get_stage::GetStageOutput::builder()
                        .stage_name(STAGE)
                        .build()
                }),
                mock!(aws_sdk_apigatewayv2::Client::get_routes).then_compute_output(move |r| {
                    let (p, next) = step(&rc, r.next_token());
                    v2::get_routes::GetRoutesOutput::builder()
                        .items(
                            Route::builder()
                                .route_key(format!("GET /r{p}"))
                                .target(format!("integrations/i{p}"))
                                .build(),
                        )
                        .set_next_token(next)
                        .build()
                }),
                mock!(aws_sdk_apigatewayv2::Client::get_integrations).then_compute_output(
                    move |r| {
                        let (p, next) = step(&ic, r.next_token());
                        v2::get_integrations::GetIntegrationsOutput::builder()
                            .items(
                                Integration::builder()
                                    .integration_id(format!("i{p}"))
                                    .integration_uri(function_arn(ACCOUNT, &format!("fn-{p}")))
                                    .build(),
                            )
                            .set_next_token(next)
                            .build()
                    },
                ),
                mock!(aws_sdk_apigatewayv2::Client::get_authorizers).then_compute_output(
                    move |r| {
                        let (p, next) = step(&ac, r.next_token());
                        v2::get_authorizers::GetAuthorizersOutput::builder()
                            .items(
                                Authorizer::builder()
                                    .name(format!("auth-{p}"))
                                    .authorizer_uri(lambda_uri(&function_arn(
                                        ACCOUNT,
                                        &format!("auth-{p}"),
                                    )))
                                    .build(),
                            )
                            .set_next_token(next)
                            .build()
                    },
                ),
                caller_account(),
                function_configs(&[], &seen()),
                log_groups(&[], &seen()),
            ];
            let aws = mock_aws(&rules.iter().collect::<Vec<_>>());

            let res = run(&aws).await;
            let n: Vec<usize> = calls.iter().map(|c| c.load(Ordering::SeqCst)).collect();
            assert_eq!(
                n,
                [3, 3, 3],
                "GetRoutes, GetIntegrations, GetAuthorizers calls"
            );
            let mut names: Vec<&str> = res.groups.iter().map(|g| g.name.as_str()).collect();
            names.sort();
            assert_eq!(
                names,
                [
                    "/aws/lambda/auth-0",
                    "/aws/lambda/auth-1",
                    "/aws/lambda/auth-2",
                    "/aws/lambda/fn-0",
                    "/aws/lambda/fn-1",
                    "/aws/lambda/fn-2",
                ]
            );
            // Every route page was read: the reasons name them.
            let reasons: Vec<&str> = res
                .groups
                .iter()
                .flat_map(|g| g.reasons.iter().map(String::as_str))
                .collect();
            assert!(reasons.contains(&"GET /r2 integration"), "{reasons:?}");
        }
    }
}
