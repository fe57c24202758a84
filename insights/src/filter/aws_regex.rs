//! AWS's restricted regular expressions (`%...%`), checked and translated without the `regex`
//! crate so that the parser works in WASM.
//!
//! AWS allows only: ASCII letters and digits; the symbols `:` `_` `#` `=` `@` `/` `;` `,` `-`
//! (and the space its own examples use); the operators `^ $ ? [ ] { } | \ * + .`; and the escapes
//! `\d \D \s \S \w \W \xhh`. `(` and `)` are not supported (match them with `\x28` and `\x29`),
//! nor are multi-byte characters.
//!
//! The translation spells every character that is not a letter or digit as `\x{hh}`, and the
//! class escapes as explicit ASCII classes (AWS defines `\d` as `[0-9]` and `\w` as
//! `[a-zA-Z_0-9]`; the `regex` crate's are Unicode-aware), so the output is always a valid
//! `regex` pattern with the documented meaning.

use super::FilterPatternError;

/// The largest count allowed in `{m,n}`.
pub(crate) const MAX_REPEAT: u32 = 1000;
/// Upper bound on the size of an expression once its counted repetitions are expanded, so that
/// every accepted expression compiles within the `regex` crate's default size limit (10 MB):
/// an item counts 1, or [`WIDE`] when it matches non-ASCII characters through a negation
/// (`[^...]`, `\D`, `\S`, `\W`), which compiles to many UTF-8 states.
pub(crate) const MAX_EXPANDED: u64 = 10_000;
const WIDE: u64 = 4;

const SYMBOLS: &str = ":_#=@/;,- ";

/// Checks `body` (the text between the `%` signs, starting at byte `base` of the pattern) and
/// returns its translation to `regex` syntax.
pub(crate) fn translate(body: &str, base: usize) -> Result<String, FilterPatternError> {
    if body.is_empty() {
        return Err(FilterPatternError::new(base, "empty regular expression between the '%' signs"));
    }
    let chars: Vec<(usize, char)> = body.char_indices().map(|(i, c)| (base + i, c)).collect();
    let mut out = String::with_capacity(body.len() * 2);
    let mut i = 0;
    // Whether the previous item can take a repetition operator, and whether it already has one.
    let mut can_repeat = false;
    let mut repeated = false;
    // Size estimate: the expanded size of the current alternative's items, and of the whole.
    let mut last_atom: u64 = 0;
    let mut total: u64 = 0;
    while let Some(&(at, c)) = chars.get(i) {
        check_char(at, c)?;
        let mut weight = 1;
        match c {
            '?' | '*' | '+' | '{' => {
                if repeated {
                    return Err(FilterPatternError::new(
                        at,
                        format!("'{c}' cannot follow another repetition operator"),
                    ));
                }
                if !can_repeat {
                    return Err(FilterPatternError::new(at, format!("nothing to repeat before '{c}'")));
                }
                if c == '{' {
                    let (text, max, next) = counted(&chars, i)?;
                    out.push_str(&text);
                    total = total - last_atom + last_atom.saturating_mul(max.max(1));
                    if total > MAX_EXPANDED {
                        return Err(FilterPatternError::new(
                            at,
                            "regular expression is too complex (too many repetitions)",
                        ));
                    }
                    i = next;
                } else {
                    out.push(c);
                    i += 1;
                }
                repeated = true;
                can_repeat = false;
                continue;
            }
            '^' | '$' | '|' => {
                out.push(c);
                can_repeat = false;
                repeated = false;
                last_atom = 0;
                i += 1;
                continue;
            }
            '.' => {
                out.push('.');
                i += 1;
            }
            '[' => {
                let (next, wide) = class(&chars, i, &mut out)?;
                weight = if wide { WIDE } else { 1 };
                i = next;
            }
            '\\' => {
                let (atom, next) = escape(&chars, i, false)?;
                out.push_str(&atom.outside());
                if let Atom::Class(_, true) = atom {
                    weight = WIDE;
                }
                i = next;
            }
            _ => {
                push_literal(&mut out, c);
                i += 1;
            }
        }
        can_repeat = true;
        repeated = false;
        last_atom = weight;
        total += weight;
        if total > MAX_EXPANDED {
            return Err(FilterPatternError::new(
                at,
                "regular expression is too complex (too many repetitions)",
            ));
        }
    }
    Ok(out)
}

/// Rejects characters AWS does not allow in a regex.
fn check_char(at: usize, c: char) -> Result<(), FilterPatternError> {
    if c == '(' || c == ')' {
        return Err(FilterPatternError::new(
            at,
            format!(
                "'{c}' is not supported in regular expressions: subpatterns cannot be grouped; match a literal '{c}' with \\x{:02X}",
                c as u32
            ),
        ));
    }
    if !c.is_ascii() {
        return Err(FilterPatternError::new(
            at,
            "multi-byte characters are not supported in regular expressions",
        ));
    }
    if c.is_ascii_alphanumeric() || SYMBOLS.contains(c) || "^$?[]{}|\\*+.".contains(c) {
        return Ok(());
    }
    let shown = if c.is_ascii_graphic() {
        format!("'{c}'")
    } else {
        format!("\\x{:02X}", c as u32)
    };
    Err(FilterPatternError::new(
        at,
        format!(
            "Invalid character(s) in regular expression: {shown} is not supported; match it with \\x{:02X}",
            c as u32
        ),
    ))
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() {
        out.push(c);
    } else {
        out.push_str(&format!("\\x{{{:02X}}}", c as u32));
    }
}

/// `{m}`, `{m,}`, `{,n}` or `{m,n}` (spaces allowed around the numbers, as AWS writes
/// `{m, n}`), starting at `chars[i] == '{'`. Returns the translation, the largest count the
/// repetition allows (for the size estimate) and the index after the `}`.
fn counted(chars: &[(usize, char)], i: usize) -> Result<(String, u64, usize), FilterPatternError> {
    let at = chars[i].0;
    let invalid = || FilterPatternError::new(at, "invalid repetition: expected {m}, {m,}, {,n} or {m,n} with whole numbers");
    let mut j = i + 1;
    let mut inner = String::new();
    loop {
        let &(_, c) = chars.get(j).ok_or_else(invalid)?;
        if c == '}' {
            break;
        }
        if !(c.is_ascii_digit() || c == ',' || c == ' ') || inner.len() > 16 {
            return Err(invalid());
        }
        inner.push(c);
        j += 1;
    }
    let num = |s: &str| -> Result<Option<u32>, FilterPatternError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        if s.len() > 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let n: u32 = s.parse().map_err(|_| invalid())?;
        if n > MAX_REPEAT {
            return Err(FilterPatternError::new(
                at,
                format!("repetition count {n} is above the limit of {MAX_REPEAT}"),
            ));
        }
        Ok(Some(n))
    };
    let (text, max) = match inner.split_once(',') {
        None => {
            let n = num(&inner)?.ok_or_else(invalid)?;
            (format!("{{{n}}}"), u64::from(n))
        }
        Some((a, b)) => {
            if b.contains(',') {
                return Err(invalid());
            }
            match (num(a)?, num(b)?) {
                (None, None) => return Err(invalid()),
                (Some(m), None) => (format!("{{{m},}}"), u64::from(m.max(1))),
                (None, Some(n)) => (format!("{{0,{n}}}"), u64::from(n)),
                (Some(m), Some(n)) => {
                    if m > n {
                        return Err(FilterPatternError::new(
                            at,
                            format!("invalid repetition {{{m},{n}}}: the minimum is larger than the maximum"),
                        ));
                    }
                    (format!("{{{m},{n}}}"), u64::from(n))
                }
            }
        }
    };
    Ok((text, max, j + 1))
}

/// What a backslash escape stands for.
enum Atom {
    Char(char),
    /// A class such as `\d`: the ranges inside a class (`0-9`) and whether it is negated.
    Class(&'static str, bool),
}

impl Atom {
    fn outside(&self) -> String {
        match self {
            Atom::Char(c) => {
                let mut s = String::new();
                push_literal(&mut s, *c);
                s
            }
            Atom::Class(ranges, negated) => format!("[{}{ranges}]", if *negated { "^" } else { "" }),
        }
    }
}

const DIGIT: &str = "0-9";
const WORD: &str = "0-9A-Za-z_";
const SPACE: &str = "\\x{09}\\x{0A}\\x{0B}\\x{0C}\\x{0D}\\x{20}";

/// A backslash escape at `chars[i] == '\\'`; returns what it means and the index after it.
fn escape(chars: &[(usize, char)], i: usize, in_class: bool) -> Result<(Atom, usize), FilterPatternError> {
    let at = chars[i].0;
    let Some(&(next_at, c)) = chars.get(i + 1) else {
        return Err(FilterPatternError::new(at, "a regular expression cannot end with '\\'"));
    };
    check_char(next_at, c)?;
    let atom = match c {
        'd' => Atom::Class(DIGIT, false),
        'D' => Atom::Class(DIGIT, true),
        'w' => Atom::Class(WORD, false),
        'W' => Atom::Class(WORD, true),
        's' => Atom::Class(SPACE, false),
        'S' => Atom::Class(SPACE, true),
        'x' => {
            let hex: String = chars.iter().skip(i + 2).take(2).map(|&(_, c)| c).collect();
            if hex.len() != 2 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(FilterPatternError::new(
                    at,
                    "\\x must be followed by two hexadecimal digits, as in \\x3A",
                ));
            }
            let code = u32::from_str_radix(&hex, 16).map_err(|_| FilterPatternError::new(at, "invalid \\x escape"))?;
            let ch = char::from_u32(code).ok_or_else(|| FilterPatternError::new(at, "invalid \\x escape"))?;
            return Ok((Atom::Char(ch), i + 4));
        }
        c if c.is_ascii_alphanumeric() => {
            let what = if in_class {
                "in a character class"
            } else {
                "in a regular expression"
            };
            return Err(FilterPatternError::new(
                at,
                format!("unsupported escape '\\{c}' {what}: CloudWatch supports \\d \\D \\s \\S \\w \\W and \\xhh"),
            ));
        }
        // Any other allowed character escapes to itself.
        c => Atom::Char(c),
    };
    Ok((atom, i + 2))
}

/// A character class at `chars[i] == '['`; appends its translation and returns the index after
/// its `]` and whether it reaches non-ASCII characters (negated, or holding `\D`, `\S`, `\W`).
/// A `]` right after `[` or `[^` is a literal, as in POSIX.
fn class(chars: &[(usize, char)], i: usize, out: &mut String) -> Result<(usize, bool), FilterPatternError> {
    let open_at = chars[i].0;
    let mut j = i + 1;
    let mut text = String::from("[");
    let mut wide = false;
    if chars.get(j).map(|&(_, c)| c) == Some('^') {
        text.push('^');
        wide = true;
        j += 1;
    }
    let mut first = true;
    loop {
        let Some(&(at, c)) = chars.get(j) else {
            return Err(FilterPatternError::new(open_at, "unterminated character class: expected ']'"));
        };
        check_char(at, c)?;
        if c == ']' && !first {
            j += 1;
            break;
        }
        first = false;
        let (start, next) = class_atom(chars, j)?;
        j = next;
        // A range `a-z`, unless the `-` is the last character of the class.
        let is_range = chars.get(j).map(|&(_, c)| c) == Some('-') && chars.get(j + 1).is_some_and(|&(_, c)| c != ']');
        match start {
            Atom::Class(ranges, negated) => {
                if is_range {
                    return Err(FilterPatternError::new(at, "a class escape such as \\d cannot start a range"));
                }
                if negated {
                    wide = true;
                    text.push_str(&format!("[^{ranges}]"));
                } else {
                    text.push_str(ranges);
                }
            }
            Atom::Char(lo) => {
                if is_range {
                    let (end_at, _) = chars[j + 1];
                    check_char(end_at, chars[j + 1].1)?;
                    let (end, next) = class_atom(chars, j + 1)?;
                    let Atom::Char(hi) = end else {
                        return Err(FilterPatternError::new(end_at, "a class escape such as \\d cannot end a range"));
                    };
                    if lo > hi {
                        return Err(FilterPatternError::new(
                            at,
                            format!("invalid range '{lo}-{hi}': the start is after the end"),
                        ));
                    }
                    push_literal(&mut text, lo);
                    text.push('-');
                    push_literal(&mut text, hi);
                    j = next;
                } else {
                    push_literal(&mut text, lo);
                }
            }
        }
    }
    text.push(']');
    out.push_str(&text);
    Ok((j, wide))
}

fn class_atom(chars: &[(usize, char)], j: usize) -> Result<(Atom, usize), FilterPatternError> {
    let (_, c) = chars[j];
    if c == '\\' {
        escape(chars, j, true)
    } else {
        Ok((Atom::Char(c), j + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    #[test]
    fn translations() {
        assert_eq!(translate("AUTHORIZED", 0).expect("AUTHORIZED"), "AUTHORIZED");
        assert_eq!(translate("a{3, 5}", 0).expect("a{3, 5}"), "a{3,5}");
        assert_eq!(translate("a{,5}", 0).expect("a{,5}"), "a{0,5}");
        assert_eq!(translate("\\d\\W", 0).expect("\\d\\W"), "[0-9][^0-9A-Za-z_]");
        assert_eq!(translate("[^\\dx-z]", 0).expect("[^\\dx-z]"), "[^0-9x-z]");
        assert_eq!(translate("10\\.1", 0).expect("10\\.1"), "10\\x{2E}1");
        assert_eq!(translate("\\x3A", 0).expect("\\x3A"), "\\x{3A}");
        assert_eq!(translate("[]a]", 0).expect("[]a]"), "[\\x{5D}a]");
    }

    #[test]
    fn rejections() {
        for (bad, at) in [
            ("something!", 9),
            ("(a)", 0),
            ("a**", 2),
            ("*a", 0),
            ("a{5,3}", 1),
            ("a{x}", 1),
            ("[abc", 0),
            ("\\b", 0),
            ("é", 0),
            ("a\\", 1),
            ("[z-a]", 1),
            ("\\x4", 0),
        ] {
            let e = translate(bad, 0).expect_err(bad);
            assert_eq!(e.position, at, "{bad}: {e}");
        }
    }
}
