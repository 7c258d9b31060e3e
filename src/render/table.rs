//! Tables on stdout (`groups`, `apis`): columns padded to their widest cell.

use std::io::{self, Write};

/// Left-aligned columns separated by two spaces; the last column is not padded. On a
/// terminal every cell (names from AWS and routes from the logs) is neutralised.
pub fn write_table(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
    terminal: bool,
) -> io::Result<()> {
    let safe: Vec<Vec<String>>;
    let rows = if terminal {
        safe = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| crate::core::text::sanitize_field(c).into_owned())
                    .collect()
            })
            .collect();
        &safe
    } else {
        rows
    };
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let mut line = |cells: Vec<&str>| -> io::Result<()> {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(c);
            } else {
                s.push_str(c);
                s.push_str(&" ".repeat(widths[i] - c.chars().count() + 2));
            }
        }
        writeln!(out, "{}", s.trim_end())
    };
    line(header.to_vec())?;
    for r in rows {
        line(r.iter().map(String::as_str).collect())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align() {
        let mut v = Vec::new();
        write_table(
            &mut v,
            &["ID", "NAME", "X"],
            &[
                vec!["a".into(), "longer".into(), "1".into()],
                vec!["bbb".into(), "n".into(), "".into()],
            ],
            false,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "ID   NAME    X\na    longer  1\nbbb  n\n"
        );
        let rows = [vec!["a\u{1b}[2J".into(), "b\nc".into()]];
        let mut v = Vec::new();
        write_table(&mut v, &["ID", "NAME"], &rows, true).unwrap();
        assert_eq!(
            String::from_utf8(v).unwrap(),
            "ID          NAME\na\\u{1b}[2J  b\\u{a}c\n"
        );
        let mut v = Vec::new();
        write_table(&mut v, &["ID", "NAME"], &rows, false).unwrap();
        assert!(String::from_utf8(v).unwrap().contains("a\u{1b}[2J"));
    }
}
