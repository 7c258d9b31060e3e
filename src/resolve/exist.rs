//! Whether the resolved log groups exist (DescribeLogGroups), and hints for the ones that do not.

use crate::aws::Aws;
use crate::core::model::{LogGroup, Source};
use crate::ui::error::{AwsFault, classify, warn};
use futures::StreamExt;

/// DescribeLogGroups by exact-name prefix, a few at a time; warn once per missing group.
pub(super) async fn check_existence(aws: &Aws, groups: &mut [LogGroup]) {
    let checks = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.exists.is_none() && !g.in_other_account())
        .map(|(i, g)| {
            let client = aws.logs(&g.region);
            let name = g.name.clone();
            async move {
                let mut token: Option<String> = None;
                let mut guard = crate::aws::paging::PageGuard::default();
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
                        tokio::time::sleep(crate::aws::retry::backoff(
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
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
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
