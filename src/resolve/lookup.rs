//! From what the user has in hand to an API id, a stage and a region (#21):
//!
//! - `--api NAME_OR_ID`: an id (REST, HTTP or WebSocket), else a name looked up across
//!   GetRestApis and GetApis of the region; a name shared by several APIs is an error
//!   listing them (id, type, created date).
//! - `--url URL`: `https://{id}.execute-api.{region}.amazonaws.com/{stage}/path` names the
//!   API, its region and (unless the API serves it from `$default`) its stage; any other
//!   host is a custom domain, resolved through its API mappings (apigatewayv2
//!   GetApiMappings) and base-path mappings (REST, GetBasePathMappings): the mapping with
//!   the longest key that prefixes the path wins.
//!
//! `--stage` may be left out when the API has exactly one stage. URL parsing is pure and
//! unit-tested below; the lookups run against the emulator in `tests/cli/lookup.rs`.

use anyhow::Result;

use crate::aws::Aws;
use crate::aws::paging::Pages;
use crate::config::Lookup;
use crate::ui::error::{AwsFault, Hinted, classify};

/// What a URL says by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlTarget {
    /// `{api_id}.execute-api.{region}.amazonaws.com[.cn]`; `segments` = the path.
    ExecuteApi {
        api_id: String,
        region: String,
        segments: Vec<String>,
    },
    /// Any other host: a custom domain name.
    Custom { host: String, segments: Vec<String> },
}

/// Split a URL (`https://`, `http://`, `wss://` or no scheme) into its target.
pub fn parse_url(url: &str) -> Result<UrlTarget, String> {
    let rest = url.trim();
    let rest = match rest.split_once("://") {
        Some((scheme, r)) => {
            if !matches!(
                scheme.to_ascii_lowercase().as_str(),
                "https" | "http" | "wss" | "ws"
            ) {
                return Err(format!("'{url}' is not an http(s) or wss URL"));
            }
            r
        }
        None => rest,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    // user@host:port → host
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let host = host.trim_end_matches('.').to_string();
    if host.is_empty() || !host.contains('.') {
        return Err(format!("'{url}' has no host name"));
    }
    let path = tail.split(['?', '#']).next().unwrap_or("");
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() >= 5
        && labels[1] == "execute-api"
        && labels[3] == "amazonaws"
        && labels[4] == "com"
        && (labels.len() == 5 || (labels.len() == 6 && labels[5] == "cn"))
    {
        return Ok(UrlTarget::ExecuteApi {
            api_id: labels[0].to_string(),
            region: labels[2].to_string(),
            segments,
        });
    }
    Ok(UrlTarget::Custom { host, segments })
}

/// `%7B` → `{`; invalid escapes are kept as written.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One mapping of a custom domain: `key` (`""` for the root, `v1`, `v1/orders`) → API and
/// stage (`None`: a REST base-path mapping to every stage, named by the next segment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub key: String,
    pub api_id: String,
    pub stage: Option<String>,
}

/// The mapping whose key is the longest whole-segment prefix of `segments`, and the
/// segments after it.
pub fn pick_mapping<'a>(
    mappings: &'a [Mapping],
    segments: &[String],
) -> Option<(&'a Mapping, Vec<String>)> {
    mappings
        .iter()
        .filter_map(|m| {
            let key: Vec<&str> = m.key.split('/').filter(|s| !s.is_empty()).collect();
            (key.len() <= segments.len() && key.iter().zip(segments).all(|(k, s)| k == s))
                .then_some((m, key.len()))
        })
        .max_by_key(|(_, n)| *n)
        .map(|(m, n)| (m, segments[n..].to_vec()))
}

/// An API as the listings show it (GetRestApis, GetApis).
#[derive(Debug, Clone)]
pub struct ApiInfo {
    pub id: String,
    pub name: String,
    /// `REST`, `HTTP` or `WEBSOCKET`.
    pub kind: String,
    pub created: Option<String>,
}

/// Every REST, HTTP and WebSocket API of the region, REST first, each in listing order.
/// A refused v2 listing is a warning (the REST APIs still count) unless it is about
/// access. Shared by `apitrace apis` and the `--api NAME` lookup.
pub async fn list_apis(aws: &Aws) -> Result<Vec<ApiInfo>> {
    let mut apis = Vec::new();
    let gw = aws.apigateway();
    let mut pages = Pages::new("REST APIs");
    while let Some(position) = pages.next_page() {
        let out = gw
            .get_rest_apis()
            .limit(500)
            .set_position(position)
            .send()
            .await
            .map_err(|e| classify(&e).into_error("listing REST APIs"))?;
        apis.extend(out.items().iter().map(|a| ApiInfo {
            id: a.id().unwrap_or_default().to_string(),
            name: a.name().unwrap_or_default().to_string(),
            kind: "REST".into(),
            created: a.created_date().map(|d| d.to_string()),
        }));
        pages.turn(out.position());
    }
    let gw2 = aws.apigatewayv2();
    let mut pages = Pages::new("HTTP and WebSocket APIs");
    while let Some(token) = pages.next_page() {
        let out = match gw2.get_apis().set_next_token(token).send().await {
            Ok(o) => o,
            Err(e) => match classify(&e) {
                f @ AwsFault::Auth(_) => {
                    return Err(f.into_error("listing HTTP and WebSocket APIs"));
                }
                f => {
                    crate::ui::error::warn(format!(
                        "cannot list HTTP and WebSocket APIs: {}",
                        f.text()
                    ));
                    break;
                }
            },
        };
        apis.extend(out.items().iter().map(|a| {
            ApiInfo {
                id: a.api_id().unwrap_or_default().to_string(),
                name: a.name().unwrap_or_default().to_string(),
                kind: a
                    .protocol_type()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| "HTTP".into()),
                created: a.created_date().map(|d| d.to_string()),
            }
        }));
        pages.turn(out.next_token());
    }
    Ok(apis)
}

/// What the lookup settled: the API, the stage, the region (when a URL named another one)
/// and the request path after the stage (from a URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub api_id: String,
    pub stage: String,
    pub region: Option<String>,
    pub path: Option<String>,
}

/// Settle `lookup` into an API id and stage, in `aws`'s region (or the URL's).
pub async fn settle(aws: &Aws, lookup: &Lookup) -> Result<Settled> {
    if let Some(url) = &lookup.url {
        return settle_url(aws, url).await;
    }
    let name = lookup.api.as_deref().unwrap_or_default();
    let api_id = api_id_for(aws, name).await?;
    let stage = match &lookup.stage {
        Some(s) => s.clone(),
        None => only_stage(aws, &api_id).await?,
    };
    Ok(Settled {
        api_id,
        stage,
        region: None,
        path: None,
    })
}

async fn settle_url(aws: &Aws, url: &str) -> Result<Settled> {
    let target = parse_url(url).map_err(|e| {
        Hinted::usage(
            e,
            "give the URL that was called, e.g. --url https://abc123.execute-api.us-east-1.amazonaws.com/prod/orders/42",
        )
    })?;
    match target {
        UrlTarget::ExecuteApi {
            api_id,
            region,
            segments,
        } => {
            let aws = aws.in_region(&region);
            let stages = stages_of(&aws, &api_id).await?;
            let (stage, rest) = match segments.first() {
                Some(first) if stages.contains(first) => (first.clone(), segments[1..].to_vec()),
                _ if stages.iter().any(|s| s == "$default") => ("$default".into(), segments),
                first => {
                    return Err(Hinted::new(
                        format!(
                            "the URL names no stage of API {api_id}{}",
                            first
                                .map(|f| format!(" ('{f}' is none)"))
                                .unwrap_or_default()
                        ),
                        format!("its stages: {}", stages.join(", ")),
                    )
                    .into());
                }
            };
            Ok(Settled {
                api_id,
                stage,
                region: Some(region),
                path: Some(format!("/{}", rest.join("/"))),
            })
        }
        UrlTarget::Custom { host, segments } => {
            let mappings = domain_mappings(aws, &host).await?;
            let Some((m, rest)) = pick_mapping(&mappings, &segments) else {
                let hint = if mappings.is_empty() {
                    format!(
                        "no custom domain name {host} with API mappings in region {}; check --region, or use the execute-api URL",
                        aws.region
                    )
                } else {
                    format!(
                        "the mappings of {host}: {}",
                        mappings
                            .iter()
                            .map(|m| format!("/{} -> {}", m.key, m.api_id))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(Hinted::new(
                    format!("no API mapping of {host} matches the URL's path"),
                    hint,
                )
                .into());
            };
            let (stage, rest) = match &m.stage {
                Some(s) => (s.clone(), rest),
                None => match rest.split_first() {
                    Some((s, r)) => (s.clone(), r.to_vec()),
                    None => {
                        return Err(Hinted::new(
                            format!("the URL names no stage of API {}", m.api_id),
                            "this base-path mapping serves every stage: add the stage to the path",
                        )
                        .into());
                    }
                },
            };
            Ok(Settled {
                api_id: m.api_id.clone(),
                stage,
                region: None,
                path: Some(format!("/{}", rest.join("/"))),
            })
        }
    }
}

/// `--stack NAME`: its resources, and the API and stage to read (`None`: the stack has no
/// API, only functions). `--api` names one of the stack's APIs by logical id, id or name.
pub async fn settle_stack(
    aws: &Aws,
    lookup: &Lookup,
) -> Result<(Option<Settled>, Vec<crate::core::model::StackResource>)> {
    use super::stack;
    let name = lookup.stack.as_deref().unwrap_or_default();
    let resources = stack::resources(aws, name).await?;
    let api = match stack::pick_api(name, &resources, lookup.api.as_deref()) {
        Ok(a) => a,
        // Not a logical id or id of the stack's APIs: perhaps a name.
        Err(e) => match &lookup.api {
            Some(n) => match api_id_for(aws, n).await {
                Ok(id) => stack::pick_api(name, &resources, Some(&id))?,
                Err(_) => return Err(e),
            },
            None => return Err(e),
        },
    };
    let Some(api) = api else {
        if lookup.stage.is_some() {
            return Err(Hinted::usage(
                format!("stack {name} defines no API Gateway API, so --stage names nothing"),
                "leave out --stage to read the stack's functions",
            )
            .into());
        }
        return Ok((None, resources));
    };
    let api_id = api.physical_id.clone();
    let stage = match &lookup.stage {
        Some(s) => s.clone(),
        None => stack::pick_stage(&api_id, &stages_of(aws, &api_id).await?, &resources)?,
    };
    let settled = Settled {
        api_id,
        stage,
        region: None,
        path: None,
    };
    Ok((Some(settled), resources))
}

/// API mappings (apigatewayv2; on AWS they include REST APIs) and REST base-path
/// mappings of `host`; a domain unknown to one of the two APIs has none there.
async fn domain_mappings(aws: &Aws, host: &str) -> Result<Vec<Mapping>> {
    let mut out = Vec::new();
    let mut pages = Pages::new("API mappings");
    while let Some(token) = pages.next_page() {
        match aws
            .apigatewayv2()
            .get_api_mappings()
            .domain_name(host)
            .set_next_token(token)
            .send()
            .await
        {
            Ok(page) => {
                for m in page.items() {
                    out.push(Mapping {
                        key: m.api_mapping_key().unwrap_or_default().to_string(),
                        api_id: m.api_id().unwrap_or_default().to_string(),
                        stage: m.stage().map(String::from),
                    });
                }
                pages.turn(page.next_token());
            }
            Err(e) => match classify(&e) {
                AwsFault::NotFound(_) => break,
                f => return Err(f.into_error(&format!("reading the API mappings of {host}"))),
            },
        }
    }
    let mut pages = Pages::new("base-path mappings");
    while let Some(position) = pages.next_page() {
        match aws
            .apigateway()
            .get_base_path_mappings()
            .domain_name(host)
            .limit(500)
            .set_position(position)
            .send()
            .await
        {
            Ok(page) => {
                for m in page.items() {
                    let key = m.base_path().unwrap_or_default();
                    let m = Mapping {
                        key: if key == "(none)" { "" } else { key }.to_string(),
                        api_id: m.rest_api_id().unwrap_or_default().to_string(),
                        stage: m.stage().filter(|s| !s.is_empty()).map(String::from),
                    };
                    if !out.contains(&m) {
                        out.push(m);
                    }
                }
                pages.turn(page.position());
            }
            Err(e) => match classify(&e) {
                AwsFault::NotFound(_) => break,
                f => {
                    return Err(f.into_error(&format!("reading the base-path mappings of {host}")));
                }
            },
        }
    }
    Ok(out)
}

/// The id of the API named `name_or_id`: an existing id wins, else a unique name.
async fn api_id_for(aws: &Aws, name_or_id: &str) -> Result<String> {
    let apis = list_apis(aws).await?;
    let by_id = apis
        .iter()
        .find(|a| a.id == name_or_id)
        .map(|a| a.id.clone());
    let found: Vec<&ApiInfo> = apis.iter().filter(|a| a.name == name_or_id).collect();
    if let Some(id) = by_id {
        return Ok(id);
    }
    match found.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(Hinted::new(
            format!(
                "no API named or with the id '{name_or_id}' in region {}",
                aws.region
            ),
            "names are case-sensitive; check --region; `apitrace apis` lists the APIs",
        )
        .into()),
        many => Err(Hinted::usage(
            format!(
                "{} APIs are named '{name_or_id}' in region {}: {}",
                many.len(),
                aws.region,
                many.iter()
                    .map(|c| format!(
                        "{} ({}, created {})",
                        c.id,
                        c.kind,
                        c.created.as_deref().unwrap_or("?")
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "name one by its id: --api ID (or --api-id ID)",
        )
        .into()),
    }
}

/// The stage names of REST or v2 API `api_id`.
async fn stages_of(aws: &Aws, api_id: &str) -> Result<Vec<String>> {
    match aws
        .apigateway()
        .get_stages()
        .rest_api_id(api_id)
        .send()
        .await
    {
        Ok(s) => {
            return Ok(s
                .item()
                .iter()
                .filter_map(|s| s.stage_name().map(String::from))
                .collect());
        }
        Err(e) => match classify(&e) {
            AwsFault::NotFound(_) => {}
            f => return Err(f.into_error(&format!("listing the stages of {api_id}"))),
        },
    }
    match aws.apigatewayv2().get_stages().api_id(api_id).send().await {
        Ok(s) => Ok(s
            .items()
            .iter()
            .filter_map(|s| s.stage_name().map(String::from))
            .collect()),
        Err(e) => match classify(&e) {
            AwsFault::NotFound(_) => Err(Hinted::new(
                format!("API '{api_id}' not found in region {}", aws.region),
                "check the URL and --region; `apitrace apis` lists the APIs",
            )
            .into()),
            f => Err(f.into_error(&format!("listing the stages of {api_id}"))),
        },
    }
}

/// The one stage of `api_id`, or an error naming them.
async fn only_stage(aws: &Aws, api_id: &str) -> Result<String> {
    let stages = stages_of(aws, api_id).await?;
    match stages.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Hinted::new(
            format!("API {api_id} has no stages yet"),
            "deploy it to a stage first",
        )
        .into()),
        many => Err(Hinted::usage(
            format!(
                "API {api_id} has {} stages: name one with --stage",
                many.len()
            ),
            format!("its stages: {}", many.join(", ")),
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn execute_api_urls() {
        assert_eq!(
            parse_url("https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/orders/42?x=1"),
            Ok(UrlTarget::ExecuteApi {
                api_id: "abc123defg".into(),
                region: "eu-west-1".into(),
                segments: segs(&["prod", "orders", "42"]),
            })
        );
        assert_eq!(
            parse_url("wss://abc.execute-api.cn-north-1.amazonaws.com.cn/dev"),
            Ok(UrlTarget::ExecuteApi {
                api_id: "abc".into(),
                region: "cn-north-1".into(),
                segments: segs(&["dev"]),
            })
        );
        // No scheme, upper case host, a port, an encoded `{`.
        assert_eq!(
            parse_url("ABC.execute-api.us-east-1.amazonaws.com:443/$default/a%7Bb"),
            Ok(UrlTarget::ExecuteApi {
                api_id: "abc".into(),
                region: "us-east-1".into(),
                segments: segs(&["$default", "a{b"]),
            })
        );
    }

    #[test]
    fn custom_domains_and_bad_urls() {
        assert_eq!(
            parse_url("https://api.example.com/v1/orders/42#frag"),
            Ok(UrlTarget::Custom {
                host: "api.example.com".into(),
                segments: segs(&["v1", "orders", "42"]),
            })
        );
        assert!(parse_url("ftp://api.example.com/").is_err());
        assert!(parse_url("https:///v1").is_err());
        assert!(parse_url("localhost/x").is_err());
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }

    #[test]
    fn the_longest_mapping_key_wins() {
        let m = |key: &str, id: &str| Mapping {
            key: key.into(),
            api_id: id.into(),
            stage: Some("s".into()),
        };
        let maps = vec![m("", "root"), m("v1", "one"), m("v1/orders", "orders")];
        let pick =
            |p: &[&str]| pick_mapping(&maps, &segs(p)).map(|(m, rest)| (m.api_id.clone(), rest));
        assert_eq!(
            pick(&["v1", "orders", "42"]),
            Some(("orders".into(), segs(&["42"])))
        );
        assert_eq!(
            pick(&["v1", "users"]),
            Some(("one".into(), segs(&["users"])))
        );
        // `v1x` is not under `v1`: whole segments only.
        assert_eq!(pick(&["v1x"]), Some(("root".into(), segs(&["v1x"]))));
        assert_eq!(pick_mapping(&maps[1..], &segs(&["v2"])), None);
    }
}
