//! Sets `APITRACE_VERSION` for `apitrace --version`: the package version and, for a build
//! from a git checkout, the commit (`0.1.0 (1a2b3c4)`). A build from the published package
//! takes the commit cargo recorded in `.cargo_vcs_info.json`; with neither (no git, no
//! record) it is the bare version. Nothing here fails the build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = git_commit(&dir).or_else(|| packaged_commit(&dir));
    let full = match commit {
        Some(c) => format!("{version} ({c})"),
        None => version,
    };
    println!("cargo:rustc-env=APITRACE_VERSION={full}");
}

/// `git rev-parse --short HEAD`, only when the crate's own directory is a checkout (so a
/// package unpacked inside some other repository does not take that repository's commit).
fn git_commit(dir: &Path) -> Option<String> {
    if !dir.join(".git").exists() {
        return None;
    }
    let commit = git(dir, &["rev-parse", "--short", "HEAD"])?;
    // Rebuild when HEAD moves: a commit, a checkout, a branch update. Only paths that
    // exist are named (a missing one would make cargo rerun this script on every build);
    // a branch that is only in packed-refs is watched through the directory its loose ref
    // will be written to.
    let head = git(dir, &["rev-parse", "--git-path", "HEAD"]).map(|p| dir.join(p));
    let packed = git(dir, &["rev-parse", "--git-path", "packed-refs"]).map(|p| dir.join(p));
    let branch = git(dir, &["rev-parse", "--symbolic-full-name", "HEAD"])
        .filter(|r| r.starts_with("refs/heads/"))
        .and_then(|r| git(dir, &["rev-parse", "--git-path", &r]))
        .map(|p| dir.join(p))
        .and_then(|p| {
            if p.exists() {
                Some(p)
            } else {
                p.parent().filter(|d| d.is_dir()).map(Path::to_path_buf)
            }
        });
    for path in [
        head.filter(|p| p.exists()),
        packed.filter(|p| p.exists()),
        branch,
    ]
    .into_iter()
    .flatten()
    {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    Some(commit)
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !s.is_empty()).then_some(s)
}

/// The commit `cargo package` wrote into `.cargo_vcs_info.json` (`"sha1": "…"`), shortened.
fn packaged_commit(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let rest = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let rest = rest
        .trim_start()
        .strip_prefix(':')?
        .trim_start()
        .strip_prefix('"')?;
    let sha = &rest[..rest.find('"')?];
    (sha.len() >= 7 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then(|| sha[..7].to_string())
}
