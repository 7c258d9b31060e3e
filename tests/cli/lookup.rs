//! `--api NAME_OR_ID` and `--url URL` (#21): names, execute-api URLs and custom domains
//! settle into the same stage as `--api-id ID --stage STAGE`.

use serde_json::Value;

use crate::support::*;

/// Run boto3 code against the emulator (`c(service)` makes a client).
fn boto(code: &str, args: &[&str]) {
    let script = format!(
        "import boto3, sys\n\
         def c(s): return boto3.client(s, endpoint_url=sys.argv[1], region_name='us-east-1')\n{code}"
    );
    python_c(&script, args, "boto3 setup");
}

fn groups_json(args: &[&str]) -> Value {
    let r = run(apitrace().arg("groups").args(args).args(["-o", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()
}

#[test]
fn api_by_name_finds_the_same_groups_as_by_id() {
    let w = World::shared();
    let by_id = groups_json(&["--api-id", w.rest_api(), "--stage", "prod"]);
    let name = format!("{}-api", w.prefix());
    assert_eq!(groups_json(&["--api", &name, "--stage", "prod"]), by_id);
    // An id given to --api works too.
    assert_eq!(
        groups_json(&["--api", w.rest_api(), "--stage", "prod"]),
        by_id
    );
}

#[test]
fn api_with_one_stage_needs_no_stage() {
    let w = World::shared();
    let by_id = groups_json(&["--api-id", w.http_api(), "--stage", "$default"]);
    let name = format!("{}-http", w.prefix());
    assert_eq!(groups_json(&["--api", &name]), by_id);
}

#[test]
fn api_with_several_stages_names_them() {
    let w = World::shared();
    let name = format!("{}-api", w.prefix());
    let r = run(apitrace().args(["groups", "--api", &name]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("has 2 stages"), "{}", r.stderr);
    assert!(
        r.stderr.contains("prod") && r.stderr.contains("dev"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_ambiguous_or_unknown_name_is_an_error_listing_candidates() {
    let w = World::shared();
    let twin = format!("{}-twin", w.prefix());
    boto(
        "n = sys.argv[2]\n\
         c('apigateway').create_rest_api(name=n)\n\
         c('apigatewayv2').create_api(Name=n, ProtocolType='WEBSOCKET', RouteSelectionExpression='$request.body.action')\n",
        &[&twin],
    );
    let r = run(apitrace().args(["groups", "--api", &twin, "--stage", "prod"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("2 APIs are named"), "{}", r.stderr);
    assert!(
        r.stderr.contains("REST, created") && r.stderr.contains("WEBSOCKET, created"),
        "{}",
        r.stderr
    );
    let r = run(apitrace().args(["groups", "--api", "no-such-api-anywhere", "--stage", "prod"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("no API named"), "{}", r.stderr);
}

#[test]
fn execute_api_urls_name_api_and_stage() {
    let w = World::shared();
    let rest = format!(
        "https://{}.execute-api.us-east-1.amazonaws.com/prod/users/42",
        w.rest_api()
    );
    assert_eq!(
        groups_json(&["--url", &rest]),
        groups_json(&["--api-id", w.rest_api(), "--stage", "prod"])
    );
    // An HTTP API's $default stage has no segment in the URL.
    let http = format!(
        "https://{}.execute-api.us-east-1.amazonaws.com/items?x=1",
        w.http_api()
    );
    assert_eq!(
        groups_json(&["--url", &http]),
        groups_json(&["--api-id", w.http_api(), "--stage", "$default"])
    );
    let bad = format!(
        "https://{}.execute-api.us-east-1.amazonaws.com/nostage/x",
        w.rest_api()
    );
    let r = run(apitrace().args(["groups", "--url", &bad]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("'nostage' is none"), "{}", r.stderr);
}

#[test]
fn custom_domain_urls_go_through_the_mappings() {
    let w = World::shared();
    let rest_host = format!("{}-rest.example.com", w.prefix());
    let http_host = format!("{}-http.example.com", w.prefix());
    boto(
        "g, g2 = c('apigateway'), c('apigatewayv2')\n\
         rh, hh, rest, http = sys.argv[2:6]\n\
         g.create_domain_name(domainName=rh, certificateArn='arn:aws:acm:us-east-1:123456789012:certificate/x')\n\
         g.create_base_path_mapping(domainName=rh, restApiId=rest, basePath='v1', stage='prod')\n\
         g.create_base_path_mapping(domainName=rh, restApiId=rest, basePath='any')\n\
         g2.create_domain_name(DomainName=hh)\n\
         g2.create_api_mapping(DomainName=hh, ApiId=http, ApiMappingKey='shop/v2', Stage='$default')\n",
        &[&rest_host, &http_host, w.rest_api(), w.http_api()],
    );
    let rest_groups = groups_json(&["--api-id", w.rest_api(), "--stage", "prod"]);
    let dev_groups = groups_json(&["--api-id", w.rest_api(), "--stage", "dev"]);
    assert_ne!(rest_groups, dev_groups);
    let url = format!("https://{rest_host}/v1/users/42");
    assert_eq!(groups_json(&["--url", &url]), rest_groups);
    // A mapping without a stage takes it from the next segment.
    let url = format!("https://{rest_host}/any/dev/users/42");
    assert_eq!(groups_json(&["--url", &url]), dev_groups);
    let url = format!("https://{http_host}/shop/v2/items");
    assert_eq!(
        groups_json(&["--url", &url]),
        groups_json(&["--api-id", w.http_api(), "--stage", "$default"])
    );
    let url = format!("https://{http_host}/shop/items");
    let r = run(apitrace().args(["groups", "--url", &url]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("/shop/v2 ->"), "{}", r.stderr);

    // trace finds a request through the custom domain, and its path's route keeps the
    // request's function (only the functions behind that route are read).
    let req = w
        .requests()
        .iter()
        .find(|r| r["api"] == "rest" && r["kind"] == "function_error")
        .unwrap();
    let rid = req["request_id"].as_str().unwrap();
    let path = req["path"].as_str().unwrap();
    let trace = |url: &str| {
        let r = run(apitrace()
            .args(["trace", rid, "--url", url, "-o", "json"])
            .args(w.window_args()));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let t: Value = r.json();
        assert_eq!(t["api_id"], w.rest_api());
        assert_eq!(t["stage"], "prod");
        assert_eq!(t["request_id"], rid);
        (t, r.stderr)
    };
    let by_id = w.rest(&["trace", rid, "-o", "json"]).window().run();
    let by_id: Value = by_id.json();
    assert!(!by_id["lambdas"].as_array().unwrap().is_empty());
    let (t, stderr) = trace(&format!("https://{rest_host}/v1{path}"));
    assert!(stderr.contains("only the functions behind it"), "{stderr}");
    assert_eq!(t["lambdas"], by_id["lambdas"]);
    // Another route's path: the request's function is not read.
    let other = if path.starts_with("/health") {
        "/users/1"
    } else {
        "/health"
    };
    let (t, _) = trace(&format!("https://{rest_host}/v1{other}"));
    assert_ne!(t["lambdas"], by_id["lambdas"]);
}

/// `get --stream-prefix` (#21): only the streams that start with a prefix, in every group;
/// the emulator ignores `logStreamNamePrefix`, so this checks the matching done here.
#[test]
fn stream_prefix_narrows_get_to_those_streams() {
    let w = World::shared();
    let groups = w.rest_groups();
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let all = w.expected(&groups);
    let mut streams: Vec<&str> = all
        .iter()
        .map(|t| t.1.as_str())
        .filter(|s| s.contains("[$LATEST]") || s.contains(']'))
        .collect();
    streams.sort();
    streams.dedup();
    assert!(streams.len() >= 2, "{streams:?}");
    // The whole name less its last 3 characters: a prefix of that stream (and maybe others).
    let prefixes: Vec<String> = [streams[0], streams[streams.len() - 1]]
        .iter()
        .map(|s| s[..s.len() - 3].to_string())
        .collect();
    for chosen in [&prefixes[..1], &prefixes[..]] {
        let want: Vec<_> = all
            .iter()
            .filter(|t| chosen.iter().any(|p| t.1.starts_with(p.as_str())))
            .cloned()
            .collect();
        assert!(!want.is_empty() && want.len() < all.len());
        let prefixes = chosen.iter().flat_map(|p| ["--stream-prefix", p.as_str()]);
        let r = w.rest(&["get", "-o", "json"]).window().args(prefixes).ok();
        assert_eq!(tuples(&json_lines(&r.stdout)), want, "prefixes {chosen:?}");
    }
}

/// Console links (#21): `trace` text and JSON, with the request's ids, groups, streams and
/// X-Ray trace; `--no-links` leaves them out of the text.
#[test]
fn trace_prints_console_links() {
    let w = World::shared();
    let req = w
        .requests()
        .iter()
        .find(|r| r["api"] == "rest" && r["kind"] == "function_error")
        .unwrap();
    let rid = req["request_id"].as_str().unwrap();
    let trace = |extra: &[&str]| w.rest(&["trace", rid]).window().args(extra).run();
    let r = trace(&["-o", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let t: Value = r.json();
    let links = &t["links"];
    let insights = links["insights"].as_str().unwrap();
    assert!(
        insights.starts_with(
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:logs-insights$3FqueryDetail$3D~(end~'"
        ),
        "{insights}"
    );
    // The request id and each invocation's id are in the query; every group is a source.
    assert!(
        insights.contains(&format!("like*20*22{rid}*22")),
        "{insights}"
    );
    for l in t["lambdas"].as_array().unwrap() {
        let id = l["request_id"].as_str().unwrap();
        assert!(insights.contains(id), "{id} not in {insights}");
    }
    let groups = links["log_groups"].as_array().unwrap();
    assert_eq!(groups.len(), w.rest_groups().len());
    for g in groups {
        let name = g["log_group"].as_str().unwrap();
        // A function of the world's second region: its own region's console, and not in
        // the query (Logs Insights reads one region).
        let region = name
            .strip_prefix("/aws/lambda/")
            .and_then(|f| w.m["function_regions"][f].as_str())
            .unwrap_or("us-east-1");
        let source = format!("~'{}", name.replace('/', "*2f"));
        assert_eq!(insights.contains(&source), region == "us-east-1", "{name}");
        let url = g["url"].as_str().unwrap();
        assert!(
            url.starts_with(&format!("https://{region}.console.aws.amazon.com/"))
                && url.ends_with(&format!("log-group/{}", name.replace('/', "$252F"))),
            "{g}"
        );
    }
    // The function's invocation: its stream, as the console encodes it.
    let streams = links["streams"].as_array().unwrap();
    assert!(!streams.is_empty(), "{links}");
    for s in streams {
        let stream = s["log_stream"].as_str().unwrap();
        let enc = stream
            .replace('/', "$252F")
            .replace('[', "$255B")
            .replace(']', "$255D")
            .replace('$', "$2524")
            .replace("$2524252F", "$252F")
            .replace("$2524255B", "$255B")
            .replace("$2524255D", "$255D");
        assert!(s["url"].as_str().unwrap().ends_with(&enc), "{s}");
    }
    if let Some(x) = t["xray_trace_id"].as_str() {
        assert!(
            links["xray"]
                .as_str()
                .unwrap()
                .ends_with(&format!("#xray:traces/{x}")),
            "{links}"
        );
    }
    let text = trace(&["--color", "never"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains(&format!("  insights  {insights}\n")),
        "{}",
        text.stdout
    );
    let none = trace(&["--color", "never", "--no-links"]);
    assert!(
        !none.stdout.contains("console.aws.amazon.com"),
        "{}",
        none.stdout
    );
}

/// `apitrace query` (#21) on the emulator, which understands `fields`, `sort` and `limit`:
/// JSON Lines of the asked fields, TSV in a pipe, `--query-file` the same as the argument.
#[test]
fn query_runs_the_users_query_over_the_stage() {
    let w = World::shared();
    let q = "fields @timestamp, @message | sort @timestamp asc | limit 3";
    let run_q = |extra: &[&str]| {
        w.rest(&[&["query"], extra].concat())
            // One region, so one query (a function of the world lives in another region).
            .args(["--only", "execution,access"])
            .window()
            .run()
    };
    let r = run_q(&[q, "-o", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("Logs Insights: 1 query"), "{}", r.stderr);
    let rows = json_lines(&r.stdout);
    assert_eq!(rows.len(), 3, "{}", r.stdout);
    let groups = w.rest_groups();
    let groups: Vec<&str> = groups.iter().map(String::as_str).collect();
    let messages: Vec<String> = w.expected(&groups).into_iter().map(|t| t.3).collect();
    for row in &rows {
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["@timestamp", "@message"], "{row}");
        assert!(messages.contains(&row["@message"].as_str().unwrap().to_string()));
    }
    let tsv = run_q(&[q]);
    assert_eq!(tsv.code, 0, "{}", tsv.stderr);
    let lines: Vec<&str> = tsv.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", tsv.stdout);
    assert_eq!(lines[0], "@timestamp\t@message");
    for (line, row) in lines[1..].iter().zip(&rows) {
        let msg = row["@message"].as_str().unwrap().replace('\n', "\\n");
        assert!(line.ends_with(&format!("\t{msg}")), "{line}");
    }
    let file = std::env::temp_dir().join(format!("apitrace-query-{}.txt", std::process::id()));
    std::fs::write(&file, q).unwrap();
    let from_file = run_q(&["--query-file", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(from_file.stdout, tsv.stdout);
    let empty = run_q(&[" "]);
    assert_eq!(empty.code, 2, "{}", empty.stderr);
}

/// `apitrace query @NAME` runs a query saved in the config file (`query.NAME = "…"`, with
/// `\"` inside), the same as typing it; an unknown name lists the saved ones.
#[test]
fn a_saved_query_runs_by_name() {
    let w = World::shared();
    let q = "fields @timestamp, @message | filter @message like \"Method completed\" | sort @timestamp asc | limit 3";
    let config = std::env::temp_dir().join(format!("apitrace-saved-{}.toml", std::process::id()));
    std::fs::write(
        &config,
        format!(
            "# saved queries\nquery.done = \"{}\"\nquery.other = \"fields @message\"\n",
            q.replace('"', "\\\"")
        ),
    )
    .unwrap();
    let run_q = |query: &str| {
        w.rest(&["query", query, "-o", "json"])
            .env("APITRACE_CONFIG", &config)
            .args(["--only", "execution,access"])
            .window()
            .run()
    };
    let typed = run_q(q);
    let saved = run_q("@done");
    let unknown = run_q("@nope");
    let _ = std::fs::remove_file(&config);
    assert_eq!(typed.code, 0, "{}", typed.stderr);
    assert_eq!(saved.code, 0, "{}", saved.stderr);
    assert_eq!(json_lines(&saved.stdout).len(), 3, "{}", saved.stdout);
    assert_eq!(saved.stdout, typed.stdout);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("there is no saved query '@nope'")
            && unknown
                .stderr
                .contains("the saved queries are @done, @other"),
        "{}",
        unknown.stderr
    );
}

/// More than 50 groups: one query per batch of 50 (the fake records each StartQuery and
/// returns every event of the window, whatever the query).
#[test]
fn query_runs_in_batches_of_fifty_groups() {
    let fake = Fake::start(&["--groups", "60", "--events", "5"]);
    let names: Vec<String> = (0..60).map(|i| format!("fake-{i}")).collect();
    let groups: Vec<&str> = names.iter().map(String::as_str).collect();
    let r = Cmd::new(&["query", "fields @timestamp, @message", "-o", "json"])
        .args(["--endpoint-url", &fake.url()])
        .args(["--start", &(fake.start_ms - 1000).to_string()])
        .args(["--end", "now"])
        .log_groups(&groups)
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Logs Insights: 2 queries"),
        "{}",
        r.stderr
    );
    let sizes: Vec<usize> = fake.stats()["insights_queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["groups"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [50, 10]);
    let rows = json_lines(&r.stdout);
    assert_eq!(rows.len(), 60 * 5);
    assert!(
        rows.iter()
            .all(|r| r.get("@ptr").is_none() && r.get("@log").is_some())
    );
}

/// `--route` (#21): only the Lambda functions behind the route; the API's own groups and
/// the authorizer stay. A concrete path finds its route; an unknown one lists them.
#[test]
fn route_narrows_the_functions() {
    let w = World::shared();
    let api = ["--api-id", w.rest_api(), "--stage", "prod"];
    let all = groups_json(&api);
    let lambda = |v: &Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|g| g["source"] == "lambda")
            .cloned()
            .collect()
    };
    let others = |v: &Value| -> Vec<Value> {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|g| g["source"] != "lambda")
            .cloned()
            .collect()
    };
    for route in ["GET /users/{id}", "get /users/42"] {
        let some = groups_json(&[&api[..], &["--route", route]].concat());
        assert_eq!(others(&some), others(&all), "{route}");
        let chosen = lambda(&some);
        assert!(
            !chosen.is_empty() && chosen.len() < lambda(&all).len(),
            "{some}"
        );
        for g in &chosen {
            assert!(
                g["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r.as_str().unwrap().starts_with("GET /users/{id} ")),
                "{g}"
            );
        }
    }
    let r = run(apitrace()
        .args(["groups"])
        .args(api)
        .args(["--route", "DELETE /nothing"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("its routes: ") && r.stderr.contains("GET /users/{id}"),
        "{}",
        r.stderr
    );
}

/// `--stream-prefix` against the fake, which honours `logStreamNamePrefix`: one prefix is
/// narrowed by the service (it returns only those events); two are matched here.
#[test]
fn one_stream_prefix_is_sent_to_the_service() {
    let fake = Fake::start(&[]);
    let groups = ["fake-0", "fake-1"];
    let content = fake.content(&groups);
    let mut streams: Vec<&str> = content.iter().map(|t| t.1.as_str()).collect();
    streams.sort();
    streams.dedup();
    let pick = [streams[0], streams[streams.len() - 1]];
    for prefixes in [&pick[..1], &pick[..]] {
        fake.reset_stats();
        let r = Cmd::new(&["get", "-o", "json", "--endpoint-url", &fake.url()])
            .args(["--start", &(fake.start_ms - 1000).to_string()])
            .args(["--end", "now"])
            .log_groups(&groups)
            .args(prefixes.iter().flat_map(|p| ["--stream-prefix", p]))
            .ok();
        let mut want: Vec<_> = content
            .iter()
            .filter(|t| prefixes.iter().any(|p| t.1.starts_with(p)))
            .cloned()
            .collect();
        want.sort();
        assert!(!want.is_empty());
        assert_eq!(tuples(&json_lines(&r.stdout)), want);
        let returned = fake.stats()["events_returned"].as_u64().unwrap() as usize;
        // (A page boundary may serve an event twice: "at least", not "exactly".)
        if prefixes.len() == 1 {
            assert!(
                returned >= want.len() && returned < content.len() / 2,
                "the service narrowed the streams: {returned} of {}",
                content.len()
            );
        } else {
            assert!(returned >= content.len(), "every stream read, matched here");
        }
    }
}

/// Ctrl-C during `apitrace query` stops the running query (it would bill on) and exits 130.
#[test]
fn ctrl_c_stops_a_running_query() {
    let server = crate::hostile::EndlessQueries::start();
    let child = Cmd::new(&["query", "fields @message", "--log-group", "g"])
        .args(["--start", "2h ago", "--endpoint-url", &server.url])
        .spawn();
    assert!(server.wait_for("GetQueryResults"), "no query started");
    kill("-INT", &child);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        server.wait_for("StopQuery q-1"),
        "the query was not stopped"
    );
}
