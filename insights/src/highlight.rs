//! Highlighter: token kinds with spans for the editor.
//!
//! Works on any text, valid or not (it only lexes and looks at neighbouring tokens), so the editor
//! can colour a query while it is being typed.

use crate::error::Span;
use crate::functions;
use crate::lexer::{lex, Tok};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenKind {
    Command,
    Keyword,
    Function,
    Field,
    String,
    Number,
    Duration,
    Regex,
    Operator,
    Punctuation,
    Comment,
    Placeholder,
    Error,
}

/// A highlighted region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// Classifies every token of `src`.
#[must_use]
pub fn highlight(src: &str) -> Vec<Token> {
    let (toks, _) = lex(src);
    let mut out = Vec::with_capacity(toks.len());
    let mut at_command = true;
    // `diff previousDay`: the period after `diff` is a keyword, not a field.
    let mut after_diff = false;
    for (i, t) in toks.iter().enumerate() {
        // Only names look ahead (past comments), which keeps the whole pass linear.
        let next_is_paren = || {
            toks[i + 1..]
                .iter()
                .find(|t| t.tok != Tok::Comment)
                .is_some_and(|t| t.tok == Tok::LParen)
        };
        let kind = match &t.tok {
            Tok::Comment => {
                out.push(Token {
                    kind: TokenKind::Comment,
                    span: t.span,
                });
                continue;
            }
            Tok::Ident(name) if at_command => {
                if name.eq_ignore_ascii_case("source") || functions::command(name).is_some() {
                    TokenKind::Command
                } else {
                    TokenKind::Error
                }
            }
            Tok::Ident(name) if next_is_paren() => {
                if functions::lookup(name).is_some() || name.eq_ignore_ascii_case("logGroups") {
                    TokenKind::Function
                } else {
                    TokenKind::Error
                }
            }
            Tok::Ident(name) if functions::is_keyword(name) => TokenKind::Keyword,
            Tok::Ident(name) if after_diff && crate::ast::DiffPeriod::MODIFIERS.iter().any(|m| m.eq_ignore_ascii_case(name)) => {
                TokenKind::Keyword
            }
            Tok::Ident(_) | Tok::Backquoted(_) => TokenKind::Field,
            Tok::Str(_) => TokenKind::String,
            Tok::Number(_) => TokenKind::Number,
            Tok::Duration(..) => TokenKind::Duration,
            Tok::Regex { .. } => TokenKind::Regex,
            Tok::Placeholder(_) => TokenKind::Placeholder,
            Tok::Pipe | Tok::Comma | Tok::LParen | Tok::RParen | Tok::LBracket | Tok::RBracket | Tok::Colon => TokenKind::Punctuation,
            Tok::Eq
            | Tok::Ne
            | Tok::Lt
            | Tok::Le
            | Tok::Gt
            | Tok::Ge
            | Tok::Plus
            | Tok::Minus
            | Tok::Star
            | Tok::Slash
            | Tok::Percent
            | Tok::Caret
            | Tok::Match => TokenKind::Operator,
            Tok::Error => TokenKind::Error,
        };
        after_diff = at_command && matches!(&t.tok, Tok::Ident(n) if n.eq_ignore_ascii_case("diff"));
        at_command = t.tok == Tok::Pipe;
        out.push(Token { kind, span: t.span });
    }
    out
}
