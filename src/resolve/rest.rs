//! REST APIs (apigateway): the API's name, the stage, its execution and access log groups and the Lambda functions behind its methods and authorizers.

use crate::aws::Aws;
use crate::aws::ratelimit::RateLimiter;
use crate::core::model::{LogGroup, Source};
use crate::ui::error::{AwsFault, classify, warn};
use anyhow::Result;
use std::collections::HashMap;

use super::lambda::{collect_function, function_groups};
use super::{
    ApiKind, Resolution, add_delivered_execution_groups, add_group, push_access_group,
    stage_not_found,
};
use crate::aws::paging::Pages;

pub(super) async fn rest_api_name(aws: &Aws, api_id: &str) -> Result<Option<String>> {
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

pub(super) async fn resolve_rest(
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
    let mut pages = Pages::new(format!("the resources of REST API {api_id}"));
    let mut count = 0;
    while let Some(position) = pages.next_page() {
        if count > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        }
        control.acquire().await;
        let out = gw
            .get_resources()
            .rest_api_id(api_id)
            .embed("methods")
            .limit(500)
            .set_position(position)
            .send()
            .await
            .map_err(|e| {
                classify(&e).into_error(&format!("listing resources of REST API {api_id}"))
            })?;
        count += 1;
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
        pages.turn(out.position());
        if count >= 1000 && pages.more() {
            warn(format!(
                "REST API {api_id}: stopped listing its resources after 1000 pages; \
                 functions behind the rest are not read"
            ));
            break;
        }
    }

    // Lambda authorizers (TOKEN / REQUEST), every page.
    let mut pages = Pages::new(format!("the authorizers of REST API {api_id}"));
    while let Some(position) = pages.next_page() {
        control.acquire().await;
        let out = match gw
            .get_authorizers()
            .rest_api_id(api_id)
            .limit(500)
            .set_position(position)
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
        pages.turn(out.position());
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
