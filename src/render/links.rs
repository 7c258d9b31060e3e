//! Links into the CloudWatch console (#21): a Logs Insights query, a log group, a log
//! stream, an X-Ray trace.
//!
//! The console keeps its state in the URL fragment, in two encodings:
//! - Logs Insights: `#logsV2:logs-insights$3FqueryDetail$3D` then the query as a JSURL
//!   object, `~(end~'…~start~'…~timeType~'ABSOLUTE~tz~'UTC~editorString~'…~source~(~'g1~'g2))`:
//!   `~(…)` an object (keys and values separated by `~`) or, when it starts with `~`, an
//!   array; `'` starts a string; numbers and booleans are bare. In strings every character
//!   but `A-Z a-z 0-9 _ - .` is `*` and two lowercase hex digits (`*20` space, `*2f` `/`,
//!   `*0a` newline, `*27` `'`), `**` and four for UTF-16 units above 0xff, and `$` is `!`
//!   (JSURL's rules). `$3F`/`$3D` are `?`/`=` percent-encoded with `$` for `%`.
//! - Log groups and streams: `#logsV2:log-groups/log-group/NAME/log-events/STREAM`, each
//!   name percent-encoded twice (encodeURIComponent) and then `%` written as `$`
//!   (`/aws/lambda/f` → `$252Faws$252Flambda$252Ff`).
//!
//! The tests below check the encoders against URLs taken from the console by others
//! (sources in the test comments).

use std::fmt::Write;

/// A JSURL value (numbers and booleans appear in console URLs; the tests build them).
#[cfg_attr(not(test), allow(dead_code))]
pub enum J<'a> {
    Str(&'a str),
    Num(i64),
    Bool(bool),
    Arr(Vec<J<'a>>),
    Obj(Vec<(&'a str, J<'a>)>),
}

/// JSURL text of `v`.
pub fn jsurl(v: &J) -> String {
    let mut s = String::new();
    put(&mut s, v);
    s
}

/// Every value starts with `~`; object fields are separated by `~`, array items are not.
fn put(out: &mut String, v: &J) {
    out.push('~');
    match v {
        J::Str(t) => {
            out.push('\'');
            jsurl_chars(out, t);
        }
        J::Num(n) => {
            let _ = write!(out, "{n}");
        }
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Arr(items) => {
            out.push('(');
            for i in items {
                put(out, i);
            }
            out.push(')');
        }
        J::Obj(fields) => {
            out.push('(');
            for (n, (k, v)) in fields.iter().enumerate() {
                if n > 0 {
                    out.push('~');
                }
                jsurl_chars(out, k);
                put(out, v);
            }
            out.push(')');
        }
    }
}

fn jsurl_chars(out: &mut String, t: &str) {
    for unit in t.encode_utf16() {
        match unit {
            0x24 => out.push('!'), // `$`
            u if u < 0x80
                && ((u as u8).is_ascii_alphanumeric() || matches!(u as u8, b'_' | b'-' | b'.')) =>
            {
                out.push(u as u8 as char)
            }
            u if u < 0x100 => {
                let _ = write!(out, "*{u:02x}");
            }
            u => {
                let _ = write!(out, "**{u:04x}");
            }
        }
    }
}

/// encodeURIComponent: all but `A-Z a-z 0-9 - _ . ! ~ * ' ( )` as `%XX` of the UTF-8 bytes.
fn uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A log group or stream name as the console's log-group pages want it.
fn twice_dollar(s: &str) -> String {
    uri_component(&uri_component(s)).replace('%', "$")
}

/// `https://REGION.console.aws.amazon.com/cloudwatch/home?region=REGION` (and the China
/// and GovCloud consoles).
fn home(region: &str) -> String {
    let r = uri_component(region);
    if region.starts_with("cn-") {
        format!("https://{r}.console.amazonaws.cn/cloudwatch/home?region={r}")
    } else if region.starts_with("us-gov-") {
        format!("https://console.amazonaws-us-gov.com/cloudwatch/home?region={r}")
    } else {
        format!("https://{r}.console.aws.amazon.com/cloudwatch/home?region={r}")
    }
}

/// `2021-11-27T04:59:59.000Z`, as the console writes absolute times.
fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// Logs Insights with `query` over `groups` (at most 50 are shown) in `[start, end]` (ms).
pub fn insights(region: &str, groups: &[&str], query: &str, start_ms: i64, end_ms: i64) -> String {
    let (end, start) = (iso(end_ms), iso(start_ms));
    let detail = J::Obj(vec![
        ("end", J::Str(&end)),
        ("start", J::Str(&start)),
        ("timeType", J::Str("ABSOLUTE")),
        ("tz", J::Str("UTC")),
        ("editorString", J::Str(query)),
        (
            "source",
            J::Arr(groups.iter().take(50).map(|g| J::Str(g)).collect()),
        ),
    ]);
    format!(
        "{}#logsV2:logs-insights$3FqueryDetail$3D{}",
        home(region),
        jsurl(&detail)
    )
}

/// A log group's page.
pub fn log_group(region: &str, group: &str) -> String {
    format!(
        "{}#logsV2:log-groups/log-group/{}",
        home(region),
        twice_dollar(group)
    )
}

/// One stream's events.
pub fn log_stream(region: &str, group: &str, stream: &str) -> String {
    format!(
        "{}/log-events/{}",
        log_group(region, group),
        twice_dollar(stream)
    )
}

/// An X-Ray trace (in the CloudWatch console).
pub fn xray(region: &str, trace_id: &str) -> String {
    format!("{}#xray:traces/{}", home(region), uri_component(trace_id))
}

/// The Logs Insights query that finds every line mentioning one of `ids`.
pub fn ids_query(ids: &[&str]) -> String {
    let terms: Vec<String> = ids
        .iter()
        .map(|id| format!("@message like \"{}\"", id.replace(['"', '\\'], "")))
        .collect();
    format!(
        "fields @timestamp, @log, @logStream, @message\n| filter {}\n| sort @timestamp asc\n| limit 10000",
        terms.join(" or ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Taken from the console (2021) by the author of Pearcekieser/tampermonkey-scripts,
    /// `aws/cw-insights/cw-lambda-deep-dive.user.js` ("test url" in its header).
    #[test]
    fn jsurl_matches_a_console_insights_url() {
        let captured = "https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#logsV2:logs-insights$3FqueryDetail$3D~(end~'2021-11-27T04*3a59*3a59.000Z~start~'2021-11-26T05*3a00*3a00.000Z~timeType~'ABSOLUTE~tz~'LOCAL~editorString~'fields*20*40timestamp*2c*20*40message*0a*7c*20sort*20*40timestamp*20desc*0a*7c*20limit*2020*0a~queryId~'ead0409a1d8e7f70-d55cab82-4f2612a-1bb95f-e94a22a9d2582187f6f083d7~source~(~'*2faws*2flambda*2fHelloLambda1~'*2faws*2flambda*2fHelloLambda2))";
        let detail = J::Obj(vec![
            ("end", J::Str("2021-11-27T04:59:59.000Z")),
            ("start", J::Str("2021-11-26T05:00:00.000Z")),
            ("timeType", J::Str("ABSOLUTE")),
            ("tz", J::Str("LOCAL")),
            (
                "editorString",
                J::Str("fields @timestamp, @message\n| sort @timestamp desc\n| limit 20\n"),
            ),
            (
                "queryId",
                J::Str("ead0409a1d8e7f70-d55cab82-4f2612a-1bb95f-e94a22a9d2582187f6f083d7"),
            ),
            (
                "source",
                J::Arr(vec![
                    J::Str("/aws/lambda/HelloLambda1"),
                    J::Str("/aws/lambda/HelloLambda2"),
                ]),
            ),
        ]);
        let built = format!(
            "{}#logsV2:logs-insights$3FqueryDetail$3D{}",
            home("us-west-2"),
            jsurl(&detail)
        );
        assert_eq!(built, captured);
    }

    /// A console URL quoted in a public vitest file (a `createRequestIdQueryUrl` test, region
    /// ap-northeast-1), found by a full-text search of public code whose index did not name
    /// the repository. Relative time, so bare numbers; `'`/`=` in the query as `*27`/`*3d`.
    #[test]
    fn jsurl_numbers_quotes_and_equals() {
        let captured = "~(end~0~start~-10800~timeType~'RELATIVE~tz~'LOCAL~unit~'seconds~editorString~'fields*20*40timestamp*2c*20*40requestId*2c*20*40message*2c*20*40logStream*0a*7c*20filter*20*40reqeustId*20*3d*20*27c30266c2-6103-4912-8267-0843f9bfc5a2*27*0a*7c*20sort*20*40timestamp*20desc*0a*7c*20limit*2010000~queryId~'9aa5d271-27e0-4116-bcc3-00a2e215026a~source~(~'*2faws*2flambda*2fserverless-lambda-sandbox-dev-hello))";
        let detail = J::Obj(vec![
            ("end", J::Num(0)),
            ("start", J::Num(-10800)),
            ("timeType", J::Str("RELATIVE")),
            ("tz", J::Str("LOCAL")),
            ("unit", J::Str("seconds")),
            (
                "editorString",
                J::Str(
                    "fields @timestamp, @requestId, @message, @logStream\n| filter @reqeustId = 'c30266c2-6103-4912-8267-0843f9bfc5a2'\n| sort @timestamp desc\n| limit 10000",
                ),
            ),
            ("queryId", J::Str("9aa5d271-27e0-4116-bcc3-00a2e215026a")),
            (
                "source",
                J::Arr(vec![J::Str(
                    "/aws/lambda/serverless-lambda-sandbox-dev-hello",
                )]),
            ),
        ]);
        assert_eq!(jsurl(&detail), captured);
        // Booleans are bare too (`isLiveTail~false` in console URLs); `$` is JSURL's `!`.
        assert_eq!(
            jsurl(&J::Obj(vec![
                ("a", J::Bool(false)),
                ("b", J::Str("$default é €"))
            ])),
            "~(a~false~b~'!default*20*e9*20**20ac)"
        );
    }

    /// Stack Overflow question 60796991 ("Is there a way to generate the AWS Console URLs
    /// for CloudWatch Log Group filters?"): group names with `/` as `$252F`; a Lambda
    /// stream's `$`, `[`, `]`, `/` as `$2524`, `$255B`, `$255D`, `$252F` (an answer's
    /// replacements, from links it built to the console).
    #[test]
    fn log_group_and_stream_links() {
        assert_eq!(
            log_group("us-east-1", "/my/log/group/goes/here"),
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Fmy$252Flog$252Fgroup$252Fgoes$252Fhere"
        );
        assert_eq!(
            log_stream("eu-west-1", "/aws/lambda/f", "2026/12/06/[$LATEST]0123abcd"),
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Ff/log-events/2026$252F12$252F06$252F$255B$2524LATEST$255D0123abcd"
        );
        // Control characters (hostile names) end up encoded, never raw.
        assert!(!log_group("us-east-1", "g\u{1b}]0;x\u{7}").contains('\u{1b}'));
        assert_eq!(
            xray("cn-north-1", "1-6352641a-03093dcd66a913fd00a682ac"),
            "https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#xray:traces/1-6352641a-03093dcd66a913fd00a682ac"
        );
    }

    #[test]
    fn insights_link_for_ids() {
        let q = ids_query(&["abc", "d\"e"]);
        assert_eq!(
            q,
            "fields @timestamp, @log, @logStream, @message\n| filter @message like \"abc\" or @message like \"de\"\n| sort @timestamp asc\n| limit 10000"
        );
        let l = insights("us-east-1", &["/aws/lambda/f", "g"], "x y", 0, 1000);
        assert_eq!(
            l,
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights$3FqueryDetail$3D~(end~'1970-01-01T00*3a00*3a01.000Z~start~'1970-01-01T00*3a00*3a00.000Z~timeType~'ABSOLUTE~tz~'UTC~editorString~'x*20y~source~(~'*2faws*2flambda*2ff~'g))"
        );
    }
}
