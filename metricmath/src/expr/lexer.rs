//! Tokens of a metric math expression. Positions are 1-based character offsets into the expression.

use super::SyntaxError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Number(f64),
    /// `m1`, `errors`, `AVG`, `SEARCH`, `AND`, `DESC` ...
    Ident(String),
    /// `"errors"` (also the typographic quotes the docs print: `“4xx”`).
    Text(String),
    /// `'...'`: the query and statistic of `SEARCH`. Kept raw (backslashes included).
    Quoted(String),
    /// `+ - * / ^ == != < > <= >= && ||`
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub pos: usize,
}

const OPERATORS: &[&str] = &["==", "!=", "<=", ">=", "&&", "||", "<", ">", "+", "-", "*", "/", "^"];

pub fn lex(text: &str) -> Result<Vec<Token>, SyntaxError> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(tok) = single {
            tokens.push(Token { tok, pos });
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let (n, next) = number(&chars, i)?;
            tokens.push(Token { tok: Tok::Number(n), pos });
            i = next;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            tokens.push(Token {
                tok: Tok::Ident(chars[start..i].iter().collect()),
                pos,
            });
            continue;
        }
        if c == '"' || c == '\u{201c}' || c == '\u{201d}' {
            let (s, next) = double_quoted(&chars, i)?;
            tokens.push(Token { tok: Tok::Text(s), pos });
            i = next;
            continue;
        }
        if c == '\'' {
            let (s, next) = single_quoted(&chars, i)?;
            tokens.push(Token { tok: Tok::Quoted(s), pos });
            i = next;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match OPERATORS.iter().find(|op| rest.starts_with(**op)) {
            Some(op) => {
                tokens.push(Token { tok: Tok::Op(op), pos });
                i += op.chars().count();
            }
            None if c == '=' => return Err(SyntaxError::new(pos, "Unexpected character '=' (equality is written ==)")),
            None => return Err(SyntaxError::new(pos, format!("Unexpected character '{c}'"))),
        }
    }
    Ok(tokens)
}

fn number(chars: &[char], start: usize) -> Result<(f64, usize), SyntaxError> {
    let mut i = start;
    let digits = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
    };
    digits(&mut i);
    if i < chars.len() && chars[i] == '.' {
        i += 1;
        digits(&mut i);
    }
    if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
        let mut j = i + 1;
        if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
            j += 1;
        }
        if j < chars.len() && chars[j].is_ascii_digit() {
            i = j;
            digits(&mut i);
        }
    }
    if i < chars.len() && (chars[i].is_ascii_alphabetic() || chars[i] == '_') {
        return Err(SyntaxError::new(
            start + 1,
            "Invalid number (identifiers start with a lower-case letter)",
        ));
    }
    let text: String = chars[start..i].iter().collect();
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok((n, i)),
        _ => Err(SyntaxError::new(start + 1, format!("Invalid number {text}"))),
    }
}

/// `"..."` (or `“...”`), with `\"` and `\\` escapes.
fn double_quoted(chars: &[char], start: usize) -> Result<(String, usize), SyntaxError> {
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '"' | '\u{201c}' | '\u{201d}' => return Ok((out, i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Err(SyntaxError::new(start + 1, "Unterminated string"))
}

/// `'...'`. A search query may itself hold single quotes (`:aws.AccountId = ("1" OR 'LOCAL')`), so a
/// quote closes the string only outside double quotes and outside parentheses opened within it.
fn single_quoted(chars: &[char], start: usize) -> Result<(String, usize), SyntaxError> {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut in_double = false;
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                out.push(c);
                out.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '"' => in_double = !in_double,
            '(' if !in_double => depth += 1,
            ')' if !in_double => depth = depth.saturating_sub(1),
            '\'' if !in_double && depth == 0 => return Ok((out, i + 1)),
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    Err(SyntaxError::new(start + 1, "Unterminated string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_positions() {
        let t = lex("m1 >= 1.5e2 AND “4xx”").unwrap_or_default();
        assert_eq!(
            t,
            vec![
                Token {
                    tok: Tok::Ident("m1".into()),
                    pos: 1
                },
                Token {
                    tok: Tok::Op(">="),
                    pos: 4
                },
                Token {
                    tok: Tok::Number(150.0),
                    pos: 7
                },
                Token {
                    tok: Tok::Ident("AND".into()),
                    pos: 13
                },
                Token {
                    tok: Tok::Text("4xx".into()),
                    pos: 17
                },
            ]
        );
    }

    #[test]
    fn search_query_quotes() {
        let t = lex(r#"SEARCH(' AWS/EC2 :aws.AccountId = ("1" OR 'LOCAL') ', 'Average')"#).unwrap_or_default();
        assert_eq!(t[2].tok, Tok::Quoted(r#" AWS/EC2 :aws.AccountId = ("1" OR 'LOCAL') "#.into()));
        assert_eq!(t[4].tok, Tok::Quoted("Average".into()));
    }

    #[test]
    fn errors_have_positions() {
        assert_eq!(lex("m1 = 2").err().map(|e| e.pos), Some(4));
        assert_eq!(lex("m1 + \"x").err().map(|e| e.pos), Some(6));
        assert_eq!(lex("2m").err().map(|e| e.pos), Some(1));
        assert_eq!(lex("m1 # 2").err().map(|e| e.pos), Some(4));
    }
}
