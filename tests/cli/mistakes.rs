//! The mistakes a new user makes get an answer that says what to type instead: one
//! `apitrace: error:` line with a hint (or a warning where the rest still runs).

use crate::support::*;

fn error_and_hint(r: &Run) -> (&str, &str) {
    let line = |p: &str| {
        r.stderr
            .lines()
            .find_map(|l| l.strip_prefix(p))
            .unwrap_or_else(|| panic!("no '{p}' line: {}", r.stderr))
    };
    (line("apitrace: error: "), line("apitrace: hint: "))
}

fn get(extra: &[&str]) -> Run {
    run(apitrace()
        .args(["get", "--api-id", "x", "--stage", "y"])
        .args(extra))
}

#[test]
fn flag_mistakes_get_apitrace_errors_with_what_to_type() {
    let r = get(&["--start", "2h", "ago"]);
    assert_eq!(r.code, 2);
    let (e, h) = error_and_hint(&r);
    assert_eq!(e, "unexpected argument 'ago' found");
    assert!(h.contains("--start '2h ago'"), "{h}");
    let r = get(&["--since", "1h"]);
    assert_eq!(r.code, 2);
    assert!(
        error_and_hint(&r).1.contains("--start '1h'"),
        "{}",
        r.stderr
    );
    let r = get(&["--start", "-2h"]);
    assert_eq!(r.code, 2);
    assert!(error_and_hint(&r).1.contains("--start 2h"), "{}", r.stderr);
    // clap's own errors share the prefix, on one line, with no clap banner.
    let r = get(&["-o", "yaml"]);
    assert_eq!(r.code, 2);
    assert_eq!(error_and_hint(&r).1, "possible values: text, json");
    assert!(
        r.stderr.lines().all(|l| l.starts_with("apitrace: ")),
        "{}",
        r.stderr
    );
    // Help still prints as help, with exit 0.
    let r = run(apitrace().args(["get", "--help"]));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("--api-id"));
}

#[test]
fn an_undefined_profile_lists_the_defined_ones() {
    let dir = std::env::temp_dir().join(format!("apitrace-profiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config"),
        "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\n",
    )
    .unwrap();
    std::fs::write(dir.join("credentials"), "[ci]\naws_access_key_id = x\n").unwrap();
    let r = run(apitrace()
        .env("AWS_CONFIG_FILE", dir.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("credentials"))
        .args(["apis", "--profile", "prod"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (e, h) = error_and_hint(&r);
    assert!(
        e.contains("profile 'prod' (from --profile) is not defined"),
        "{e}"
    );
    assert_eq!(h, "the profiles defined are: ci, default, dev");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_log_group_alone_is_named_with_similar_ones() {
    let w = World::shared();
    let p = w.prefix();
    let real = format!("/aws/lambda/{p}-users");
    let typo = format!("/aws/lambda/{p}-usres");
    let r = Cmd::new(&["get", "--log-group", &typo])
        .args(w.window_args())
        .run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (e, h) = error_and_hint(&r);
    assert_eq!(e, format!("log group {typo} does not exist in us-east-1"));
    assert!(h.starts_with("similar names: ") && h.contains(&real), "{h}");
    assert!(
        !r.stderr.contains("logging"),
        "no stage-logging hint: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn a_function_not_behind_the_stage_is_warned_about_with_the_list() {
    let w = World::shared();
    let p = w.prefix();
    let users = format!("{p}-users");
    // Something is left to read (the stage's own groups): a warning, and the run goes on.
    let r = w.rest(&["get", "--function", "nope"]).window().ok();
    let warning = r
        .stderr
        .lines()
        .find(|l| l.contains("--function nope"))
        .unwrap_or_else(|| panic!("{}", r.stderr));
    assert!(
        warning
            .starts_with("apitrace: warning: --function nope: no function of that name is behind")
            && warning.contains(&users),
        "{warning}"
    );
    // Nothing left to read: the warning, then an error, exit 1.
    let r = w
        .rest(&["get", "--only", "lambda", "--function", "nope"])
        .window()
        .run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("--function nope: no function"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("apitrace: error: "), "{}", r.stderr);
}

#[test]
fn a_config_file_named_by_apitrace_config_must_exist() {
    let missing = std::env::temp_dir().join("apitrace-no-such-config.toml");
    let r = run(apitrace().env("APITRACE_CONFIG", &missing).args(["apis"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let (e, h) = error_and_hint(&r);
    assert_eq!(
        e,
        format!(
            "APITRACE_CONFIG names {}, which does not exist",
            missing.display()
        )
    );
    assert!(h.contains("--no-config"), "{h}");
    // A directory is an error too, not silence.
    let r = run(apitrace()
        .env("APITRACE_CONFIG", std::env::temp_dir())
        .args(["apis"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.starts_with("apitrace: error: "), "{}", r.stderr);
    // --no-config skips it.
    let r = run(apitrace()
        .env("APITRACE_CONFIG", &missing)
        .args(["apis", "--no-config"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
}
