//! The text formats `parse` reads besides globs and regexes (CWL_QuerySyntax-Parse): logfmt
//! lines and CSV lines.
//!
//! AWS documents what the modes produce but not the fine points of either format, so these
//! follow the formats' common definitions (logfmt as Go's `kr/logfmt` and `go-logfmt` read it,
//! CSV as RFC 4180) with the choices listed in the crate docs. Both return `None` for text that
//! is not in the format, so the record keeps its fields missing, like a failed glob; neither may
//! panic or allocate more than the line's size.

use serde_json::{Map, Value as Json};

/// The `key=value` pairs of a logfmt line, as a map of strings.
///
/// Pairs are separated by spaces; a value is bare (up to the next space) or double-quoted with
/// `\"`, `\\`, `\n`, `\t` and `\r` escapes. A key without `=` has the empty value; a later
/// pair with the same key replaces the earlier one. A line without any `key=value` pair, or with
/// an unclosed quote, is not logfmt (`None`).
#[must_use]
pub fn logfmt(line: &str) -> Option<Map<String, Json>> {
    let b = line.as_bytes();
    let mut map = Map::new();
    let mut pairs = 0usize;
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' {
            i += 1;
        }
        let key = &line[start..i];
        if i < b.len() && b[i] == b'=' {
            i += 1;
            let value = if b.get(i) == Some(&b'"') {
                let (v, next) = quoted(line, i)?;
                i = next;
                v
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                line[vs..i].to_string()
            };
            if key.is_empty() {
                continue;
            }
            pairs += 1;
            map.insert(key.to_string(), Json::String(value));
        } else if !key.is_empty() {
            map.insert(key.to_string(), Json::String(String::new()));
        }
    }
    (pairs > 0).then_some(map)
}

/// A double-quoted logfmt value starting at `b[at] == '"'`: its text and the index after it.
fn quoted(line: &str, at: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = line[at + 1..].char_indices();
    while let Some((off, c)) = chars.next() {
        match c {
            '"' => return Some((out, at + 1 + off + 1)),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// The values of one CSV line (RFC 4180): comma-separated, a value in double quotes may hold
/// commas, line breaks and `""` for a quote. Spaces around an unquoted value are trimmed (as
/// `parse` globs trim their captures); a quoted value is kept as written. An unclosed quote or
/// text between a closing quote and the next comma makes the line not CSV (`None`).
#[must_use]
pub fn csv_line(line: &str) -> Option<Vec<String>> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    let mut out = Vec::new();
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t']);
        if let Some(body) = trimmed.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = body.char_indices();
            let after = loop {
                let (off, c) = chars.next()?;
                if c == '"' {
                    if body[off + 1..].starts_with('"') {
                        value.push('"');
                        chars.next();
                    } else {
                        break &body[off + 1..];
                    }
                } else {
                    value.push(c);
                }
            };
            out.push(value);
            let after = after.trim_start_matches([' ', '\t']);
            match after.strip_prefix(',') {
                Some(next) => rest = next,
                None if after.is_empty() => return Some(out),
                None => return None,
            }
        } else {
            match trimmed.find(',') {
                Some(comma) => {
                    out.push(trimmed[..comma].trim().to_string());
                    rest = &trimmed[comma + 1..];
                }
                None => {
                    out.push(trimmed.trim().to_string());
                    return Some(out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lf(line: &str) -> Option<Vec<(String, String)>> {
        logfmt(line).map(|m| {
            let mut v: Vec<(String, String)> = m
                .into_iter()
                .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                .collect();
            v.sort();
            v
        })
    }

    #[test]
    fn logfmt_pairs_quotes_and_bare_keys() {
        assert_eq!(
            lf(r#"level=error msg="connection \"db\" failed" duration=42 tls"#),
            Some(vec![
                ("duration".into(), "42".into()),
                ("level".into(), "error".into()),
                ("msg".into(), "connection \"db\" failed".into()),
                ("tls".into(), String::new()),
            ])
        );
        assert_eq!(lf("a=1 a=2"), Some(vec![("a".into(), "2".into())]));
        assert_eq!(lf("a= b=x"), Some(vec![("a".into(), String::new()), ("b".into(), "x".into())]));
        assert_eq!(lf("just some words"), None);
        assert_eq!(lf(r#"msg="unclosed"#), None);
        assert_eq!(lf(""), None);
        assert_eq!(lf("=x"), None);
        assert_eq!(lf("é=ü ü=\"é\""), Some(vec![("é".into(), "ü".into()), ("ü".into(), "é".into())]));
    }

    #[test]
    fn csv_quotes_commas_and_trimming() {
        let v = |s: &[&str]| Some(s.iter().map(|x| (*x).to_string()).collect::<Vec<_>>());
        assert_eq!(csv_line("a,b,c"), v(&["a", "b", "c"]));
        assert_eq!(csv_line(" a , b ,c\r\n"), v(&["a", "b", "c"]));
        assert_eq!(csv_line(r#""x, y","say ""hi""",z"#), v(&["x, y", "say \"hi\"", "z"]));
        assert_eq!(csv_line("a,,"), v(&["a", "", ""]));
        assert_eq!(csv_line(""), v(&[""]));
        assert_eq!(csv_line(r#""open,b"#), None);
        assert_eq!(csv_line(r#""a"x,b"#), None);
        assert_eq!(csv_line("\"multi\nline\",2"), v(&["multi\nline", "2"]));
    }
}
