//! `apitrace man`: print or write the manual pages.

use super::finish_write;
use crate::ui::error::Hinted;
use anyhow::{Context, Result};
use std::io::{self, Write};

/// `apitrace man [COMMAND]` prints one page; `--dir DIR` writes them all and lists them.
pub fn man(page: Option<&str>, dir: Option<&std::path::Path>) -> Result<u8> {
    let mut out = io::stdout().lock();
    let Some(dir) = dir else {
        let page = crate::cli::manpage::one(page).map_err(|names| {
            Hinted::usage(
                format!("there is no manual page '{}'", page.unwrap_or_default()),
                format!("the pages are apitrace, {}", names.join(", ")),
            )
        })?;
        return finish_write(out.write_all(&page.text).and_then(|_| out.flush()));
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the directory {}", dir.display()))?;
    for page in crate::cli::manpage::all() {
        let path = dir.join(&page.file_name);
        std::fs::write(&path, &page.text).with_context(|| format!("writing {}", path.display()))?;
        if let Err(e) = writeln!(out, "{}", path.display()) {
            return finish_write(Err(e));
        }
    }
    finish_write(out.flush())
}
