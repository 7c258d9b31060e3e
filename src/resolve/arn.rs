//! Pure parsing of what API Gateway hands back: log group ARNs, integration URIs, function names and ARNs, `${stageVariables.x}`.

use std::collections::HashMap;

use super::FunctionRef;

/// `arn:PARTITION:logs:REGION:ACCOUNT:log-group:NAME[:*]` → (region, account, name).
pub(super) fn parse_log_group_arn(s: &str) -> Option<(String, String, String)> {
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

pub(super) fn stage_variable_names(s: &str) -> Vec<String> {
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
