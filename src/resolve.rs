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

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use futures::StreamExt;

use crate::aws::Aws;
use crate::config::Selection;
use crate::error::{AwsFault, Hinted, classify, note, warn};
use crate::model::{LogGroup, Source, StackResource};
use crate::ratelimit::RateLimiter;

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
    add_stack_groups(aws, &mut res, &select.stack).await;
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
    let matching = |concrete: &str| crate::summary::match_route(&res.routes, concrete);
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
    let delivered = crate::delivery::execution_deliveries(aws, api_id, stage).await;
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

/// `arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*]` → (region, account, name).
fn parse_log_group_arn(s: &str) -> Option<(String, String, String)> {
    let rest = s.strip_prefix("arn:")?;
    let (head, name) = rest.split_once(":log-group:")?;
    let parts: Vec<&str> = head.split(':').collect();
    let [_partition, "logs", region, account] = parts.as_slice() else {
        return None;
    };
    let name = name.strip_suffix(":*").unwrap_or(name);
    (!region.is_empty() && !account.is_empty() && !name.is_empty())
        .then(|| (region.to_string(), account.to_string(), name.to_string()))
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

async fn rest_api_name(aws: &Aws, api_id: &str) -> Result<Option<String>> {
    match aws
        .apigateway()
        .get_rest_api()
        .rest_api_id(api_id)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.name().unwrap_or(api_id).to_string())),
        Err(e) => match classify(&e) {
            AwsFault::NotFound(_) => Ok(None),
            // An id with characters API Gateway rejects is simply not a REST API.
            AwsFault::Fatal(s) if s.starts_with("BadRequest") => Ok(None),
            f => Err(f.into_error(&format!("reading REST API {api_id}"))),
        },
    }
}

async fn v2_api(aws: &Aws, api_id: &str) -> Result<Option<(String, ApiKind)>> {
    match aws.apigatewayv2().get_api().api_id(api_id).send().await {
        Ok(out) => {
            let kind = match out.protocol_type().map(|p| p.as_str()) {
                Some("WEBSOCKET") => ApiKind::WebSocket,
                _ => ApiKind::Http,
            };
            Ok(Some((out.name().unwrap_or(api_id).to_string(), kind)))
        }
        Err(e) => match classify(&e) {
            AwsFault::NotFound(_) => Ok(None),
            AwsFault::Fatal(s) if s.starts_with("BadRequest") => Ok(None),
            f => Err(f.into_error(&format!("reading API {api_id}"))),
        },
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

async fn resolve_rest(
    aws: &Aws,
    control: &RateLimiter,
    api_id: &str,
    api_name: &str,
    stage: &str,
) -> Result<Resolution> {
    let gw = aws.apigateway();
    control.acquire().await;
    let st = match gw
        .get_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .send()
        .await
    {
        Ok(s) => s,
        Err(e) => match classify(&e) {
            AwsFault::NotFound(_) => {
                let stages: Vec<String> = gw
                    .get_stages()
                    .rest_api_id(api_id)
                    .send()
                    .await
                    .map(|o| {
                        o.item()
                            .iter()
                            .filter_map(|s| s.stage_name().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                return Err(stage_not_found(api_id, ApiKind::Rest, stage, &stages));
            }
            f => return Err(f.into_error(&format!("reading stage {stage} of REST API {api_id}"))),
        },
    };
    let vars: HashMap<String, String> = st.variables().cloned().unwrap_or_default();
    let mut groups = Vec::new();

    let logging_off = st.method_settings().is_some_and(|m| {
        !m.is_empty()
            && m.values().all(|s| {
                s.logging_level()
                    .is_none_or(|l| l.eq_ignore_ascii_case("OFF"))
            })
    });
    groups.push(LogGroup {
        name: format!("API-Gateway-Execution-Logs_{api_id}/{stage}"),
        region: aws.region.clone(),
        source: Source::Execution,
        function: None,
        reasons: vec![if logging_off {
            format!("execution log of stage {stage} (logging is OFF in its method settings)")
        } else {
            format!("execution log of stage {stage}")
        }],
        exists: None,
        class: None,
    });
    add_delivered_execution_groups(aws, &mut groups, api_id, stage).await;
    if let Some(arn) = st.access_log_settings().and_then(|a| a.destination_arn()) {
        push_access_group(&mut groups, arn, &aws.region, stage);
    }

    let mut found = Vec::new();
    let mut api_routes = Vec::new();
    // Resources with their methods embedded, every page (GetResources: 5 calls per 2 s).
    let mut position: Option<String> = None;
    let mut guard = crate::paging::PageGuard::default();
    let mut pages = 0;
    loop {
        if pages > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        }
        control.acquire().await;
        let out = gw
            .get_resources()
            .rest_api_id(api_id)
            .embed("methods")
            .limit(500)
            .set_position(position.clone())
            .send()
            .await
            .map_err(|e| {
                classify(&e).into_error(&format!("listing resources of REST API {api_id}"))
            })?;
        pages += 1;
        for r in out.items() {
            let path = r.path().unwrap_or("/");
            let Some(methods) = r.resource_methods() else {
                continue;
            };
            let mut verbs: Vec<_> = methods.iter().collect();
            verbs.sort_by(|a, b| a.0.cmp(b.0));
            for (verb, m) in verbs {
                let route = format!("{verb} {path}");
                api_routes.push(route.clone());
                let uri = match m.method_integration() {
                    Some(i) => i.uri().map(String::from),
                    None => {
                        // Not embedded (AWS omits it unless asked, and not always then).
                        control.acquire().await;
                        let rid = r.id().unwrap_or_default();
                        match gw
                            .get_integration()
                            .rest_api_id(api_id)
                            .resource_id(rid)
                            .http_method(verb)
                            .send()
                            .await
                        {
                            Ok(i) => i.uri().map(String::from),
                            Err(e) => match classify(&e) {
                                AwsFault::NotFound(_) => None,
                                f => {
                                    warn(format!(
                                        "{route}: cannot read its integration: {}",
                                        f.text()
                                    ));
                                    None
                                }
                            },
                        }
                    }
                };
                if let Some(uri) = uri {
                    collect_function(
                        &mut found,
                        &uri,
                        &vars,
                        Source::Lambda,
                        &route,
                        "integration",
                    );
                }
            }
        }
        position = guard.next(
            out.position(),
            &format!("the resources of REST API {api_id}"),
        );
        if position.is_none() {
            break;
        }
        if pages >= 1000 {
            warn(format!(
                "REST API {api_id}: stopped listing its resources after 1000 pages; \
                 functions behind the rest are not read"
            ));
            break;
        }
    }

    // Lambda authorizers (TOKEN / REQUEST), every page.
    let mut position: Option<String> = None;
    let mut guard = crate::paging::PageGuard::default();
    loop {
        control.acquire().await;
        let out = match gw
            .get_authorizers()
            .rest_api_id(api_id)
            .limit(500)
            .set_position(position.clone())
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                warn(format!(
                    "cannot list the authorizers of REST API {api_id}: {}",
                    classify(&e).text()
                ));
                break;
            }
        };
        for a in out.items() {
            if let Some(uri) = a.authorizer_uri() {
                let name = a.name().or(a.id()).unwrap_or("?");
                collect_function(
                    &mut found,
                    uri,
                    &vars,
                    Source::Authorizer,
                    name,
                    "authorizer",
                );
            }
        }
        position = guard.next(
            out.position(),
            &format!("the authorizers of REST API {api_id}"),
        );
        if position.is_none() {
            break;
        }
    }

    let lambda_groups = function_groups(aws, found).await;
    for g in lambda_groups {
        add_group(&mut groups, g);
    }
    Ok(Resolution {
        api_id: api_id.to_string(),
        api_name: api_name.to_string(),
        kind: ApiKind::Rest,
        stage: stage.to_string(),
        region: aws.region.clone(),
        groups,
        routes: api_routes,
    })
}

async fn resolve_v2(
    aws: &Aws,
    control: &RateLimiter,
    api_id: &str,
    api_name: &str,
    kind: ApiKind,
    stage: &str,
) -> Result<Resolution> {
    let gw = aws.apigatewayv2();
    control.acquire().await;
    let st = match gw.get_stage().api_id(api_id).stage_name(stage).send().await {
        Ok(s) => s,
        Err(e) => match classify(&e) {
            AwsFault::NotFound(_) => {
                let stages: Vec<String> = gw
                    .get_stages()
                    .api_id(api_id)
                    .send()
                    .await
                    .map(|o| {
                        o.items()
                            .iter()
                            .filter_map(|s| s.stage_name().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default();
                return Err(stage_not_found(api_id, kind, stage, &stages));
            }
            f => return Err(f.into_error(&format!("reading stage {stage} of API {api_id}"))),
        },
    };
    let vars: HashMap<String, String> = st.stage_variables().cloned().unwrap_or_default();
    let mut groups = Vec::new();
    if kind == ApiKind::WebSocket {
        groups.push(LogGroup {
            name: format!("API-Gateway-Execution-Logs_{api_id}/{stage}"),
            region: aws.region.clone(),
            source: Source::Execution,
            function: None,
            reasons: vec![format!("execution log of WebSocket stage {stage}")],
            exists: None,
            class: None,
        });
    } else {
        note(format!(
            "{api_id} is an HTTP API: HTTP APIs have no execution logs, reading its access log and functions"
        ));
    }
    if let Some(arn) = st.access_log_settings().and_then(|a| a.destination_arn()) {
        push_access_group(&mut groups, arn, &aws.region, stage);
    }

    // Route keys by integration id, for the reasons.
    let mut routes: HashMap<String, Vec<String>> = HashMap::new();
    let mut token: Option<String> = None;
    let mut guard = crate::paging::PageGuard::default();
    loop {
        control.acquire().await;
        let out = match gw
            .get_routes()
            .api_id(api_id)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                warn(format!(
                    "cannot list the routes of API {api_id}: {}",
                    classify(&e).text()
                ));
                break;
            }
        };
        for r in out.items() {
            if let (Some(key), Some(target)) = (r.route_key(), r.target())
                && let Some(id) = target.strip_prefix("integrations/")
            {
                routes
                    .entry(id.to_string())
                    .or_default()
                    .push(key.to_string());
            }
        }
        token = guard.next(out.next_token(), &format!("the routes of API {api_id}"));
        if token.is_none() {
            break;
        }
    }

    let mut found = Vec::new();
    let mut token: Option<String> = None;
    let mut guard = crate::paging::PageGuard::default();
    loop {
        control.acquire().await;
        let out = gw
            .get_integrations()
            .api_id(api_id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| {
                classify(&e).into_error(&format!("listing integrations of API {api_id}"))
            })?;
        for i in out.items() {
            let Some(uri) = i.integration_uri() else {
                continue;
            };
            let id = i.integration_id().unwrap_or_default();
            let route = match routes.get(id) {
                Some(keys) => {
                    let mut keys = keys.clone();
                    keys.sort();
                    keys.join(", ")
                }
                None => format!("integration {id}"),
            };
            collect_function(
                &mut found,
                uri,
                &vars,
                Source::Lambda,
                &route,
                "integration",
            );
        }
        token = guard.next(
            out.next_token(),
            &format!("the integrations of API {api_id}"),
        );
        if token.is_none() {
            break;
        }
    }

    // Authorizers, every page; the call may fail (the emulator does not implement it for
    // HTTP APIs): then their functions are not read, with a warning.
    let mut token: Option<String> = None;
    let mut guard = crate::paging::PageGuard::default();
    loop {
        control.acquire().await;
        let out = match gw
            .get_authorizers()
            .api_id(api_id)
            .set_next_token(token.clone())
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) => {
                warn(format!(
                    "cannot list the authorizers of API {api_id} ({}); their functions are not read",
                    classify(&e).text()
                ));
                break;
            }
        };
        for a in out.items() {
            if let Some(uri) = a.authorizer_uri() {
                let name = a.name().or(a.authorizer_id()).unwrap_or("?");
                collect_function(
                    &mut found,
                    uri,
                    &vars,
                    Source::Authorizer,
                    name,
                    "authorizer",
                );
            }
        }
        token = guard.next(
            out.next_token(),
            &format!("the authorizers of API {api_id}"),
        );
        if token.is_none() {
            break;
        }
    }

    for g in function_groups(aws, found).await {
        add_group(&mut groups, g);
    }
    Ok(Resolution {
        api_id: api_id.to_string(),
        api_name: api_name.to_string(),
        kind,
        stage: stage.to_string(),
        region: aws.region.clone(),
        groups,
        routes: routes.values().flatten().cloned().collect(),
    })
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

/// `arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]` → (NAME, REGION).
pub fn log_group_from_arn(arn: &str) -> Option<(String, Option<String>)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(6, ':');
    let _partition = parts.next()?;
    if parts.next()? != "logs" {
        return None;
    }
    let region = parts.next()?.to_string();
    let _account = parts.next()?;
    let resource = parts.next()?;
    if resource != "log-group" {
        return None;
    }
    let name = parts.next()?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    if name.is_empty() {
        return None;
    }
    Some((name.to_string(), (!region.is_empty()).then_some(region)))
}

/// The function part of an integration or authorizer URI, if it is a Lambda one:
/// `arn:aws:apigateway:R:lambda:path/2015-03-31/functions/FUNCTION/invocations`, a plain
/// Lambda ARN (HTTP APIs), or a bare `${stageVariables.x}` (the console allows that).
pub fn lambda_target(uri: &str) -> Option<&str> {
    if let Some(i) = uri.find(":lambda:path/")
        && let Some(j) = uri[i..].find("/functions/")
    {
        let rest = &uri[i + j + "/functions/".len()..];
        let rest = rest.strip_suffix("/invocations").unwrap_or(rest);
        return (!rest.is_empty()).then_some(rest);
    }
    if uri.starts_with("arn:") && uri.contains(":lambda:") && uri.contains(":function:") {
        return Some(uri);
    }
    if uri.starts_with("${stageVariables.") {
        return Some(uri);
    }
    None
}

/// Replace `${stageVariables.NAME}`; `Err(NAME)` names the first undefined variable.
pub fn substitute_stage_variables(
    s: &str,
    vars: &HashMap<String, String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("${stageVariables.") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "${stageVariables.".len()..];
        let Some(end) = after.find('}') else {
            return Err(after.to_string());
        };
        let name = &after[..end];
        match vars.get(name) {
            Some(v) => out.push_str(v),
            None => return Err(name.to_string()),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `arn:aws:lambda:R:A:function:NAME[:QUALIFIER]`, `NAME[:QUALIFIER]`, or a partial ARN
/// `A:function:NAME` → the function.
pub fn parse_function(s: &str) -> Option<FunctionRef> {
    let s = s.trim();
    if let Some(rest) = s.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.split(':').collect();
        // partition, lambda, region, account, function, name[, qualifier]
        if parts.len() < 6 || parts[1] != "lambda" || parts[4] != "function" {
            return None;
        }
        let name = parts[5];
        if name.is_empty() {
            return None;
        }
        return Some(FunctionRef {
            name: name.to_string(),
            qualifier: parts
                .get(6)
                .filter(|q| !q.is_empty())
                .map(|q| q.to_string()),
            region: Some(parts[2].to_string()).filter(|r| !r.is_empty()),
            account: Some(parts[3].to_string()).filter(|a| !a.is_empty()),
            partition: Some(parts[0].to_string()).filter(|p| !p.is_empty()),
        });
    }
    let parts: Vec<&str> = s.split(':').collect();
    let (name, qualifier, account) = match parts.as_slice() {
        [name] => (*name, None, None),
        [name, q] => (*name, Some(*q), None),
        [account, "function", name] => (*name, None, Some(*account)),
        [account, "function", name, q] => (*name, Some(*q), Some(*account)),
        _ => return None,
    };
    let valid = |n: &str| {
        !n.is_empty()
            && n.len() <= 140
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !valid(name) {
        return None;
    }
    Some(FunctionRef {
        name: name.to_string(),
        qualifier: qualifier.map(String::from),
        region: None,
        account: account.map(String::from),
        partition: None,
    })
}

/// Record the Lambda function behind a URI (warning on undefined stage variables).
fn collect_function(
    found: &mut Vec<Found>,
    uri: &str,
    vars: &HashMap<String, String>,
    source: Source,
    route: &str,
    what: &str,
) {
    let Some(target) = lambda_target(uri) else {
        return;
    };
    let uses_vars: Vec<String> = stage_variable_names(target);
    let target = match substitute_stage_variables(target, vars) {
        Ok(t) => t,
        Err(name) => {
            warn(format!(
                "{route} {what}: stage variable '{name}' is not defined on this stage; its function is not read"
            ));
            return;
        }
    };
    // A stage variable may hold a whole ARN: `...:function:${stageVariables.fn}` → `...:function:arn:...`.
    let target = match target.find(":function:arn:") {
        Some(i) => target[i + ":function:".len()..].to_string(),
        None => target,
    };
    let Some(func) = parse_function(&target) else {
        warn(format!(
            "{route} {what}: cannot read a Lambda function from '{target}'"
        ));
        return;
    };
    let mut reason = if source == Source::Authorizer {
        format!("authorizer {route}")
    } else {
        format!("{route} {what}")
    };
    if !uses_vars.is_empty() {
        reason.push_str(&format!(" (stage variable {})", uses_vars.join(", ")));
    }
    if let Some(q) = &func.qualifier {
        if q.bytes().all(|b| b.is_ascii_digit()) {
            reason.push_str(&format!(" (version {q})"));
        } else if q != "$LATEST" {
            reason.push_str(&format!(" (alias {q})"));
        }
    }
    found.push(Found {
        func,
        source,
        reason,
    });
}

fn stage_variable_names(s: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${stageVariables.") {
        let after = &rest[i + "${stageVariables.".len()..];
        let end = after.find('}').unwrap_or(after.len());
        names.push(after[..end].to_string());
        rest = &after[end..];
    }
    names
}

/// One GetFunctionConfiguration per distinct function and qualifier (concurrently, a few
/// at a time) → its log group. GetFunctionConfiguration is version-specific and
/// `LoggingConfig` is part of a version (aws-notes.md §7; Lambda API reference
/// `Qualifier`): an alias (`fn:live`) or version (`fn:7`) from the integration URI is asked
/// for itself, so one whose version logs to a custom group is read from that group. Groups
/// shared by several functions or qualifiers are merged later. A denied or failed call
/// falls back to `/aws/lambda/NAME` with a warning.
async fn function_groups(aws: &Aws, found: Vec<Found>) -> Vec<LogGroup> {
    // Distinct functions by (region, name, qualifier), keeping every reason and the first
    // source.
    type Key = (String, String, Option<String>);
    let mut distinct: BTreeMap<Key, (FunctionRef, Source, Vec<String>)> = BTreeMap::new();
    for f in found {
        let region = f.func.region.clone().unwrap_or_else(|| aws.region.clone());
        let e = distinct
            .entry((region, f.func.name.clone(), f.func.qualifier.clone()))
            .or_insert_with(|| (f.func.clone(), f.source, Vec::new()));
        if f.source == Source::Lambda {
            // An integration outranks an authorizer use of the same function.
            e.1 = Source::Lambda;
        }
        let reason = match &f.func.region {
            Some(r) if *r != aws.region => format!("{} (in {r})", f.reason),
            _ => f.reason,
        };
        if !e.2.contains(&reason) {
            e.2.push(reason);
        }
    }
    if distinct.is_empty() {
        return Vec::new();
    }
    let other_accounts: Vec<_> = distinct
        .values()
        .filter_map(|(f, _, _)| f.account.clone())
        .collect();
    let my_account = if other_accounts.is_empty() {
        None
    } else {
        caller_account(aws).await
    };
    let lookups = distinct.into_iter().map(|((region, name, _), (func, source, reasons))| {
        let aws = aws.clone();
        let my_account = my_account.clone();
        async move {
            let default = format!("/aws/lambda/{name}");
            // Another account's function: its configuration cannot be read from here; its
            // default group is read by ARN (cross-account observability), and reported
            // unreadable only if that read fails.
            if let (Some(mine), Some(theirs)) = (&my_account, &func.account)
                && mine != theirs
            {
                return LogGroup {
                    name: default,
                    region,
                    source,
                    function: Some(name),
                    reasons: reasons.into_iter().map(|r| LogGroup::other_account_reason(&r, theirs)).collect(),
                    exists: None,
                    class: None,
                };
            }
            let name_or_arn = match &func.account {
                Some(acct) => format!(
                    "arn:{}:lambda:{region}:{acct}:function:{name}",
                    func.partition.as_deref().unwrap_or("aws")
                ),
                None => name.clone(),
            };
            let group = match aws
                .lambda(&region)
                .get_function_configuration()
                .function_name(name_or_arn)
                .set_qualifier(func.qualifier.clone())
                .send()
                .await
            {
                Ok(out) => out
                    .logging_config()
                    .and_then(|l| l.log_group())
                    .filter(|g| !g.is_empty())
                    .map(String::from)
                    .unwrap_or(default),
                Err(e) => {
                    let f = classify(&e);
                    let why = match &f {
                        AwsFault::NotFound(_) => "it was not found".to_string(),
                        other => other.text(),
                    };
                    warn(format!(
                        "cannot read the configuration of function {name} ({why}); assuming its log group is {default}"
                    ));
                    default
                }
            };
            LogGroup {
                name: group,
                region,
                source,
                function: Some(name),
                reasons,
                exists: None,
                class: None,
            }
        }
    });
    futures::stream::iter(lookups).buffered(4).collect().await
}

async fn caller_account(aws: &Aws) -> Option<String> {
    match aws.sts().get_caller_identity().send().await {
        Ok(o) => o.account().map(String::from),
        Err(_) => None,
    }
}

/// DescribeLogGroups by exact-name prefix, a few at a time; warn once per missing group.
async fn check_existence(aws: &Aws, groups: &mut [LogGroup]) {
    let checks = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.exists.is_none() && !g.in_other_account())
        .map(|(i, g)| {
            let client = aws.logs(&g.region);
            let name = g.name.clone();
            async move {
                let mut token: Option<String> = None;
                let mut guard = crate::paging::PageGuard::default();
                let mut failures = 0u32;
                let mut pages = 0;
                while pages < 20 {
                    let out = client
                        .describe_log_groups()
                        .log_group_name_prefix(&name)
                        .set_next_token(token.clone())
                        .send()
                        .await;
                    // The logs client does not retry (fetch.rs does, for FilterLogEvents):
                    // retry throttling and 5xx here, a few times.
                    if let Err(e) = &out
                        && matches!(classify(e), AwsFault::Throttled | AwsFault::Transient(_))
                        && failures < 4
                    {
                        tokio::time::sleep(crate::fetch::backoff(
                            failures,
                            std::time::Duration::from_millis(200),
                            std::time::Duration::from_secs(3),
                        ))
                        .await;
                        failures += 1;
                        continue;
                    }
                    pages += 1;
                    match out {
                        Ok(o) => {
                            if let Some(g) = o
                                .log_groups()
                                .iter()
                                .find(|g| g.log_group_name() == Some(name.as_str()))
                            {
                                let class = g.log_group_class().map(|c| c.as_str().to_string());
                                return (i, Ok((true, class)));
                            }
                            token = o.next_token().filter(|t| !t.is_empty()).map(String::from);
                            match &token {
                                None => return (i, Ok((false, None))),
                                // A cycle: unknown, not missing.
                                Some(t) if !guard.fresh(t) => {
                                    return (
                                        i,
                                        Err(AwsFault::Fatal(
                                            "DescribeLogGroups handed back a page token it had already given (a cycle)"
                                                .into(),
                                        )),
                                    );
                                }
                                Some(_) => {}
                            }
                        }
                        Err(e) => return (i, Err(classify(&e))),
                    }
                }
                // Twenty pages of names sharing the prefix and no exact match: unknown.
                (
                    i,
                    Err(AwsFault::Fatal(
                        "too many log groups share this name's prefix".into(),
                    )),
                )
            }
        });
    let results: Vec<_> = futures::stream::iter(checks)
        .buffer_unordered(4)
        .collect()
        .await;
    let mut denied = None;
    for (i, r) in results {
        match r {
            Ok((exists, class)) => {
                groups[i].exists = Some(exists);
                groups[i].class = class;
            }
            Err(f) => denied = Some(f),
        }
    }
    if let Some(f) = denied {
        warn(format!(
            "cannot check which log groups exist ({}); reading them anyway",
            f.text()
        ));
    }
}

/// The likely cause of a missing group, for the warning.
pub fn missing_hint(g: &LogGroup) -> String {
    match g.source {
        Source::Execution => "is execution logging enabled for this stage?".into(),
        Source::Access => "has the stage logged any request since access logging was set up?".into(),
        Source::Lambda | Source::Authorizer => {
            "has the function been invoked yet? (Lambda creates its log group on the first invocation)".into()
        }
        Source::Extra => "check the name (log group names are case-sensitive)".into(),
    }
}

/// Up to five existing log groups whose names are close to `name` (a typo, another
/// case, another function of the same family): DescribeLogGroups under the name's parent
/// path (`/aws/lambda/`), at most three pages, ranked by edit distance. Empty when none is
/// close or the call fails (this only feeds a hint).
pub async fn similar_groups(aws: &Aws, region: &str, name: &str) -> Vec<String> {
    let parent = match name.rfind('/') {
        Some(i) if i > 0 => &name[..=i],
        _ => "",
    };
    let client = aws.logs(region);
    let mut token: Option<String> = None;
    let mut scored: Vec<(usize, String)> = Vec::new();
    let want = name.to_lowercase();
    for _ in 0..3 {
        let mut call = client.describe_log_groups().set_next_token(token.clone());
        if !parent.is_empty() {
            call = call.log_group_name_prefix(parent);
        }
        let Ok(out) = call.send().await else { break };
        for g in out.log_groups() {
            let Some(n) = g.log_group_name() else {
                continue;
            };
            let d = edit_distance(&want, &n.to_lowercase());
            let leaf = &name[parent.len()..];
            let close = d <= (name.len() / 4).max(2)
                || (leaf.len() >= 4 && n.to_lowercase().contains(&leaf.to_lowercase()));
            if close && n != name {
                scored.push((d, n.to_string()));
            }
        }
        token = out.next_token().filter(|t| !t.is_empty()).map(String::from);
        if token.is_none() {
            break;
        }
    }
    scored.sort();
    scored.into_iter().take(5).map(|(_, n)| n).collect()
}

/// Levenshtein distance over chars (names are short: quadratic is fine).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `--stack` (#21): read the stack's functions that are not behind the stage (their log
/// groups found as an integration's are), and name in each group's reasons the stack
/// resource it came from: the function, the API (its execution and access groups), or an
/// `AWS::Logs::LogGroup` that is the group itself.
async fn add_stack_groups(aws: &Aws, res: &mut Resolution, resources: &[StackResource]) {
    use crate::stack::{FUNCTION, LOG_GROUP, REST_API, V2_API, label};
    let found: Vec<Found> = resources
        .iter()
        .filter(|r| r.kind == FUNCTION)
        .filter(|r| {
            !res.groups
                .iter()
                .any(|g| g.function.as_deref() == Some(r.physical_id.as_str()))
        })
        .map(|r| Found {
            func: FunctionRef {
                name: r.physical_id.clone(),
                qualifier: None,
                region: None,
                account: None,
                partition: None,
            },
            source: Source::Lambda,
            reason: if res.api_id.is_empty() {
                label(r)
            } else {
                format!("{}, not behind the stage", label(r))
            },
        })
        .collect();
    for g in function_groups(aws, found).await {
        add_group(&mut res.groups, g);
    }
    let api_id = res.api_id.clone();
    for g in res.groups.iter_mut() {
        for r in resources {
            let came_from = match r.kind.as_str() {
                FUNCTION => g.function.as_deref() == Some(r.physical_id.as_str()),
                LOG_GROUP => g.name == r.physical_id,
                REST_API | V2_API => {
                    r.physical_id == api_id
                        && matches!(g.source, Source::Execution | Source::Access)
                }
                _ => false,
            };
            let l = label(r);
            if came_from && !g.reasons.iter().any(|x| x.starts_with(&l)) {
                g.reasons.push(l);
            }
        }
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
            crate::error::warn(format!(
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
