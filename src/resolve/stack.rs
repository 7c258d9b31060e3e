//! `--stack NAME` (#21): the APIs and functions of a CloudFormation stack (SAM and CDK
//! deploy through CloudFormation), like `sam logs --stack-name`.
//!
//! ListStackResources (paged; DescribeStackResources stops at 100 resources) lists the
//! stack's resources, and those of its nested stacks (`AWS::CloudFormation::Stack`, whose
//! physical id is the nested stack's ARN), breadth-first, each stack once. From them:
//!
//! - the API: the one `AWS::ApiGateway::RestApi` or `AWS::ApiGatewayV2::Api` (SAM's
//!   `AWS::Serverless::Api`/`HttpApi` become these); several are an error listing them,
//!   unless `--api`/`--api-id` names one; none reads only the functions;
//! - the stage: `--stage`, else the API's only stage, else the one of its stages that the
//!   stack defines (`AWS::ApiGateway::Stage`, `AWS::ApiGatewayV2::Stage`, physical id =
//!   stage name);
//! - every `AWS::Lambda::Function` (physical id = its name): those behind the stage are
//!   resolved as always and get the stack's name for them among their reasons; the others
//!   (a queue consumer, a scheduled job) are read too, as `lambda`, "not behind the stage";
//! - `AWS::Logs::LogGroup` resources label the resolved groups they are (an access log
//!   group, a function's custom group); others are not read, as `sam logs` does not.
//!
//! The resources are plain data (`core::model::StackResource`) so that the selection can carry
//! them to `resolve` without importing this module.

use std::collections::{BTreeSet, VecDeque};

use anyhow::Result;

use super::lambda::function_groups;
use super::{Found, FunctionRef, Resolution, add_group};
use crate::aws::Aws;
use crate::core::model::{Source, StackResource};
use crate::ui::error::{AwsFault, Hinted, classify};

/// At most this many stacks (the root and its nested stacks) are listed: a bound against a
/// service that names stacks in a cycle.
const MAX_STACKS: usize = 100;

pub const REST_API: &str = "AWS::ApiGateway::RestApi";
pub const V2_API: &str = "AWS::ApiGatewayV2::Api";
pub const FUNCTION: &str = "AWS::Lambda::Function";
pub const LOG_GROUP: &str = "AWS::Logs::LogGroup";
const NESTED: &str = "AWS::CloudFormation::Stack";
const STAGES: [&str; 2] = ["AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"];

/// A stack's name from its name or ARN (`arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID`).
pub fn stack_name(name_or_arn: &str) -> &str {
    match name_or_arn.strip_prefix("arn:") {
        Some(rest) => rest
            .split_once(":stack/")
            .map(|(_, t)| t.split('/').next().unwrap_or(t))
            .unwrap_or(name_or_arn),
        None => name_or_arn,
    }
}

/// Every resource of stack `name` and of its nested stacks, the root's first. Resources
/// not created yet (no physical id) are left out.
pub async fn resources(aws: &Aws, name: &str) -> Result<Vec<StackResource>> {
    let cf = aws.cloudformation();
    let mut out = Vec::new();
    let mut queue = VecDeque::from([name.to_string()]);
    let mut seen = BTreeSet::new();
    while let Some(stack) = queue.pop_front() {
        if !seen.insert(stack_name(&stack).to_string()) {
            continue;
        }
        if seen.len() > MAX_STACKS {
            crate::ui::error::warn(format!(
                "stack {name} has more than {MAX_STACKS} nested stacks: only the first {MAX_STACKS} are read"
            ));
            break;
        }
        let mut pages = crate::aws::paging::Pages::new(format!(
            "the resources of stack {}",
            stack_name(&stack)
        ));
        while let Some(token) = pages.next_page() {
            let page = cf
                .list_stack_resources()
                .stack_name(&stack)
                .set_next_token(token)
                .send()
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) => return Err(list_error(aws, &stack, name, classify(&e))),
            };
            for r in page.stack_resource_summaries() {
                let Some(physical) = r.physical_resource_id().filter(|p| !p.is_empty()) else {
                    continue;
                };
                let kind = r.resource_type().unwrap_or_default();
                if kind == NESTED {
                    queue.push_back(physical.to_string());
                }
                out.push(StackResource {
                    stack: stack_name(&stack).to_string(),
                    logical_id: r.logical_resource_id().unwrap_or_default().to_string(),
                    physical_id: physical.to_string(),
                    kind: kind.to_string(),
                });
            }
            pages.turn(page.next_token());
        }
    }
    Ok(out)
}

fn list_error(aws: &Aws, stack: &str, root: &str, fault: AwsFault) -> anyhow::Error {
    // CloudFormation answers an unknown stack with ValidationError "Stack with id X does
    // not exist" (not a NotFound code).
    let missing =
        matches!(&fault, AwsFault::NotFound(_)) || fault.text().contains("does not exist");
    if missing && stack == root {
        return Hinted::new(
            format!("no stack '{root}' in region {}", aws.region),
            "stack names are case-sensitive; check --region (a stack lives in one region); \
             `aws cloudformation list-stacks` lists them",
        )
        .into();
    }
    fault.into_error(&format!(
        "listing the resources of stack {}",
        stack_name(stack)
    ))
}

/// The API to read from a stack's resources: `named` (an id, a name the caller resolved to
/// an id, or a logical id) when given, else the only one. `Ok(None)`: the stack has none.
pub fn pick_api<'a>(
    root: &str,
    resources: &'a [StackResource],
    named: Option<&str>,
) -> Result<Option<&'a StackResource>> {
    let apis: Vec<&StackResource> = resources
        .iter()
        .filter(|r| r.kind == REST_API || r.kind == V2_API)
        .collect();
    if let Some(n) = named {
        return match apis
            .iter()
            .find(|r| r.physical_id == n || r.logical_id == n)
        {
            Some(r) => Ok(Some(r)),
            None => Err(Hinted::usage(
                format!("stack {root} has no API '{n}'"),
                api_list_hint(&apis),
            )
            .into()),
        };
    }
    match apis.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => Err(Hinted::usage(
            format!("stack {root} has {} APIs", many.len()),
            format!("name one with --api LOGICAL_ID_OR_ID: {}", list(many)),
        )
        .into()),
    }
}

fn api_list_hint(apis: &[&StackResource]) -> String {
    if apis.is_empty() {
        "the stack defines no API Gateway API; leave out --api to read its functions".into()
    } else {
        format!("its APIs: {}", list(apis))
    }
}

fn list(apis: &[&StackResource]) -> String {
    apis.iter()
        .map(|r| {
            format!(
                "{} ({}, {})",
                r.logical_id,
                r.physical_id,
                kind_word(&r.kind)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn kind_word(kind: &str) -> &'static str {
    if kind == REST_API {
        "REST"
    } else {
        "HTTP/WebSocket"
    }
}

/// The stage among `stages` (the API's) to read: the only one, else the only one the stack
/// defines; an error listing them otherwise.
pub fn pick_stage(api_id: &str, stages: &[String], resources: &[StackResource]) -> Result<String> {
    if let [one] = stages {
        return Ok(one.clone());
    }
    let defined: Vec<&String> = stages
        .iter()
        .filter(|s| {
            resources
                .iter()
                .any(|r| STAGES.contains(&r.kind.as_str()) && r.physical_id == **s)
        })
        .collect();
    match (stages, defined.as_slice()) {
        ([], _) => Err(Hinted::new(
            format!("API {api_id} has no stages yet"),
            "deploy it to a stage first",
        )
        .into()),
        (_, [one]) => Ok((*one).clone()),
        (many, _) => Err(Hinted::usage(
            format!(
                "API {api_id} has {} stages: name one with --stage",
                many.len()
            ),
            format!("its stages: {}", many.join(", ")),
        )
        .into()),
    }
}

/// How a group's reasons name the resource it came from.
pub fn label(r: &StackResource) -> String {
    format!("stack {}: {}", r.stack, r.logical_id)
}

/// `--stack` (#21): read the stack's functions that are not behind the stage (their log
/// groups found as an integration's are), and name in each group's reasons the stack
/// resource it came from: the function, the API (its execution and access groups), or an
/// `AWS::Logs::LogGroup` that is the group itself.
pub(super) async fn add_stack_groups(aws: &Aws, res: &mut Resolution, resources: &[StackResource]) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn res(stack: &str, logical: &str, physical: &str, kind: &str) -> StackResource {
        StackResource {
            stack: stack.into(),
            logical_id: logical.into(),
            physical_id: physical.into(),
            kind: kind.into(),
        }
    }

    #[test]
    fn stack_names_from_arns() {
        assert_eq!(
            stack_name(
                "arn:aws:cloudformation:eu-west-1:123456789012:stack/shop-Orders-1AB2/6f1e-44"
            ),
            "shop-Orders-1AB2"
        );
        assert_eq!(stack_name("shop"), "shop");
        assert_eq!(
            stack_name("arn:aws-cn:cloudformation:cn-north-1:1:stack/s/x"),
            "s"
        );
    }

    #[test]
    fn one_api_is_picked_several_need_a_name() {
        let one = [
            res("s", "Fn", "s-fn", FUNCTION),
            res("s", "Api", "abc123", REST_API),
        ];
        assert_eq!(
            pick_api("s", &one, None).unwrap().unwrap().physical_id,
            "abc123"
        );
        assert!(pick_api("s", &one[..1], None).unwrap().is_none());
        let two = [
            res("s", "Api", "abc123", REST_API),
            res("s-N", "Http", "def456", V2_API),
        ];
        let e = pick_api("s", &two, None).unwrap_err();
        let h = e.downcast_ref::<Hinted>().unwrap();
        assert_eq!(h.message, "stack s has 2 APIs");
        let hint = h.hint.as_deref().unwrap();
        assert!(hint.contains("Api (abc123, REST)"), "{hint}");
        assert!(hint.contains("Http (def456, HTTP/WebSocket)"), "{hint}");
        assert_eq!(
            pick_api("s", &two, Some("Http"))
                .unwrap()
                .unwrap()
                .physical_id,
            "def456"
        );
        assert_eq!(
            pick_api("s", &two, Some("abc123"))
                .unwrap()
                .unwrap()
                .logical_id,
            "Api"
        );
        assert!(pick_api("s", &two, Some("nope")).is_err());
    }

    #[test]
    fn the_stage_the_stack_defines() {
        let r = [res("s", "ProdStage", "prod", "AWS::ApiGateway::Stage")];
        let stages = vec!["dev".to_string(), "prod".to_string()];
        assert_eq!(pick_stage("a", &stages, &r).unwrap(), "prod");
        assert_eq!(pick_stage("a", &stages[..1], &[]).unwrap(), "dev");
        assert!(pick_stage("a", &stages, &[]).is_err());
        assert!(pick_stage("a", &[], &r).is_err());
    }
}
