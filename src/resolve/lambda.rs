//! From the functions an API names to their log groups: accounts, regions, aliases and versions (`Found` → `LogGroup`).

use crate::aws::Aws;
use crate::core::model::{LogGroup, Source};
use crate::ui::error::{AwsFault, classify, warn};
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap};

use super::arn::{lambda_target, parse_function, stage_variable_names, substitute_stage_variables};
use super::{Found, FunctionRef};

/// Record the Lambda function behind a URI (warning on undefined stage variables).
pub(super) fn collect_function(
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

/// One GetFunctionConfiguration per distinct function and qualifier (concurrently, a few
/// at a time) → its log group. GetFunctionConfiguration is version-specific and
/// `LoggingConfig` is part of a version (aws-notes.md §7; Lambda API reference
/// `Qualifier`): an alias (`fn:live`) or version (`fn:7`) from the integration URI is asked
/// for itself, so one whose version logs to a custom group is read from that group. Groups
/// shared by several functions or qualifiers are merged later. A denied or failed call
/// falls back to `/aws/lambda/NAME` with a warning.
pub(super) async fn function_groups(aws: &Aws, found: Vec<Found>) -> Vec<LogGroup> {
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

pub(super) async fn caller_account(aws: &Aws) -> Option<String> {
    match aws.sts().get_caller_identity().send().await {
        Ok(o) => o.account().map(String::from),
        Err(_) => None,
    }
}
