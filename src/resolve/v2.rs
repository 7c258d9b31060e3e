//! HTTP and WebSocket APIs (apigatewayv2): the API, the stage, its access log group and the Lambda functions behind its routes and authorizers.

use crate::aws::Aws;
use crate::aws::ratelimit::RateLimiter;
use crate::core::model::{LogGroup, Source};
use crate::ui::error::{AwsFault, classify, note, warn};
use anyhow::Result;
use std::collections::HashMap;

use super::lambda::{collect_function, function_groups};
use super::{ApiKind, Resolution, add_group, push_access_group, stage_not_found};
use crate::aws::paging::Pages;

pub(super) async fn v2_api(aws: &Aws, api_id: &str) -> Result<Option<(String, ApiKind)>> {
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

pub(super) async fn resolve_v2(
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
    let mut pages = Pages::new(format!("the routes of API {api_id}"));
    while let Some(token) = pages.next_page() {
        control.acquire().await;
        let out = match gw
            .get_routes()
            .api_id(api_id)
            .set_next_token(token)
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
        pages.turn(out.next_token());
    }

    let mut found = Vec::new();
    let mut pages = Pages::new(format!("the integrations of API {api_id}"));
    while let Some(token) = pages.next_page() {
        control.acquire().await;
        let out = gw
            .get_integrations()
            .api_id(api_id)
            .set_next_token(token)
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
        pages.turn(out.next_token());
    }

    // Authorizers, every page; the call may fail (the emulator does not implement it for
    // HTTP APIs): then their functions are not read, with a warning.
    let mut pages = Pages::new(format!("the authorizers of API {api_id}"));
    while let Some(token) = pages.next_page() {
        control.acquire().await;
        let out = match gw
            .get_authorizers()
            .api_id(api_id)
            .set_next_token(token)
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
        pages.turn(out.next_token());
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
