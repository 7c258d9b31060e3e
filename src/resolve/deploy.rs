//! `--since-deploy`: the time the stage's current deployment was made.
//!
//! REST: GetStage → `deploymentId` → GetDeployment → `createdDate`. HTTP/WebSocket: the
//! stage's deployment the same way through apigatewayv2, else the stage's
//! `lastUpdatedDate` (auto-deployed stages). The window then starts [`MARGIN_MS`] before it,
//! so requests in flight during the switch are included.

use anyhow::Result;

use crate::aws::Aws;
use crate::ui::error::{AwsFault, Hinted, classify};

/// How far before the deployment the window starts.
pub const MARGIN_MS: i64 = 60_000;

/// The current deployment of a stage.
#[derive(Debug, Clone)]
pub struct Deployment {
    pub id: Option<String>,
    pub created_ms: i64,
}

fn ms(d: &aws_smithy_types::DateTime) -> Option<i64> {
    d.to_millis().ok()
}

/// Find the stage's current deployment (REST first, then HTTP/WebSocket).
pub async fn current(aws: &Aws, api_id: &str, stage: &str) -> Result<Deployment> {
    let gw = aws.apigateway();
    match gw
        .get_stage()
        .rest_api_id(api_id)
        .stage_name(stage)
        .send()
        .await
    {
        Ok(st) => {
            let Some(id) = st.deployment_id().map(String::from) else {
                return Err(no_deployment(api_id, stage));
            };
            let d = gw
                .get_deployment()
                .rest_api_id(api_id)
                .deployment_id(&id)
                .send()
                .await
                .map_err(|e| {
                    classify(&e)
                        .into_error(&format!("reading deployment {id} of REST API {api_id}"))
                })?;
            let created = d
                .created_date()
                .and_then(ms)
                .or_else(|| st.last_updated_date().and_then(ms));
            return created
                .map(|created_ms| Deployment {
                    id: Some(id),
                    created_ms,
                })
                .ok_or_else(|| no_deployment(api_id, stage));
        }
        Err(e) => match classify(&e) {
            AwsFault::NotFound(_) => {}
            AwsFault::Fatal(s) if s.starts_with("BadRequest") => {}
            f => return Err(f.into_error(&format!("reading stage {stage} of API {api_id}"))),
        },
    }
    let gw2 = aws.apigatewayv2();
    let st = gw2
        .get_stage()
        .api_id(api_id)
        .stage_name(stage)
        .send()
        .await
        .map_err(|e| match classify(&e) {
            AwsFault::NotFound(_) => Hinted::new(
                format!(
                    "stage '{stage}' of API '{api_id}' not found in region {}",
                    aws.region
                ),
                "check --api-id, --stage and --region (`apitrace apis` lists them)",
            )
            .into(),
            f => f.into_error(&format!("reading stage {stage} of API {api_id}")),
        })?;
    if let Some(id) = st.deployment_id()
        && let Ok(d) = gw2
            .get_deployment()
            .api_id(api_id)
            .deployment_id(id)
            .send()
            .await
        && let Some(created_ms) = d.created_date().and_then(ms)
    {
        return Ok(Deployment {
            id: Some(id.to_string()),
            created_ms,
        });
    }
    st.last_updated_date()
        .and_then(ms)
        .or_else(|| st.created_date().and_then(ms))
        .map(|created_ms| Deployment {
            id: st.deployment_id().map(String::from),
            created_ms,
        })
        .ok_or_else(|| no_deployment(api_id, stage))
}

fn no_deployment(api_id: &str, stage: &str) -> anyhow::Error {
    Hinted::new(
        format!("stage {stage} of API {api_id} has no deployment time"),
        "use --start instead of --since-deploy",
    )
    .into()
}
/// The deployment of `api` made last before `current` (id, creation time), for `compare
/// --previous-deploy` (#22): REST GetDeployments, else apigatewayv2 GetDeployments.
pub async fn previous(aws: &Aws, api: &str, current: &Deployment) -> Result<Option<(String, i64)>> {
    use crate::aws::paging::Pages;
    let what = format!("the deployments of API {api}");
    let mut all: Vec<(String, i64)> = Vec::new();
    let mut pages = Pages::new(what.clone());
    let mut rest = true;
    while let Some(position) = pages.next_page() {
        match aws
            .apigateway()
            .get_deployments()
            .rest_api_id(api)
            .limit(500)
            .set_position(position)
            .send()
            .await
        {
            Ok(o) => {
                all.extend(o.items().iter().filter_map(|d| {
                    Some((d.id()?.to_string(), d.created_date()?.to_millis().ok()?))
                }));
                pages.turn(o.position());
            }
            Err(e) => match classify(&e) {
                AwsFault::NotFound(_) if all.is_empty() => {
                    rest = false;
                    break;
                }
                f => return Err(f.into_error(&format!("listing {what}"))),
            },
        }
    }
    if !rest {
        let mut pages = Pages::new(what.clone());
        while let Some(token) = pages.next_page() {
            let o = aws
                .apigatewayv2()
                .get_deployments()
                .api_id(api)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| classify(&e).into_error(&format!("listing {what}")))?;
            all.extend(o.items().iter().filter_map(|d| {
                Some((
                    d.deployment_id()?.to_string(),
                    d.created_date()?.to_millis().ok()?,
                ))
            }));
            pages.turn(o.next_token());
        }
    }
    Ok(all
        .into_iter()
        .filter(|(id, at)| Some(id) != current.id.as_ref() && *at < current.created_ms)
        .max_by_key(|(_, at)| *at))
}
