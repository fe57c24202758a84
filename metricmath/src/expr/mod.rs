//! Metric math: lexer, parser and evaluator.

pub mod eval;
pub mod lexer;
pub mod parser;
pub mod series;

pub use parser::{parse, BinOp, Expr, Node};
pub use series::{Series, Source, Value};

/// A syntax error at a 1-based character position of the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub pos: usize,
    pub message: String,
}

impl SyntaxError {
    pub fn new(pos: usize, message: impl Into<String>) -> Self {
        SyntaxError {
            pos,
            message: message.into(),
        }
    }
}
