//! `apitrace --version` names the version and, for a build from a git checkout, the commit
//! (build.rs; issue #20).

use std::process::Command;

/// What build.rs should have found: the checkout's short commit, if this is a checkout.
fn checkout_commit() -> Option<String> {
    let dir = env!("CARGO_MANIFEST_DIR");
    if !std::path::Path::new(dir).join(".git").exists() {
        return None;
    }
    let out = Command::new("git")
        .args(["-C", dir, "rev-parse", "--short", "HEAD"])
        .output()
        .ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

#[test]
fn version_names_the_commit_of_a_git_build() {
    let version = env!("CARGO_PKG_VERSION");
    let expected = match checkout_commit() {
        Some(c) => format!("apitrace {version} ({c})\n"),
        None => format!("apitrace {version}\n"),
    };
    for args in [&["--version"][..], &["-V"], &["get", "--version"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_apitrace"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let expected = if args[0] == "get" {
            expected.replacen("apitrace ", "apitrace-get ", 1)
        } else {
            expected.clone()
        };
        assert_eq!(stdout, expected, "{args:?}");
    }
}
