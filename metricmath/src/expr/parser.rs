//! Metric math syntax: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html#metric-math-syntax>.
//!
//! Precedence, loosest first: `OR`/`||`, `AND`/`&&`, comparisons (`== != < > <= >=`), `+ -`, `* /`,
//! unary `-`, `^` (right-associative, so `-2^2` is `-(2^2)` and `2^-1` is `2^(-1)`). Function names
//! are upper case (`AVG`), ids start with a lower-case letter (`m1`); a bare upper-case word is a
//! keyword argument (`SORT(METRICS(), AVG, DESC)`, `FILL(m1, REPEAT)`). Nesting (parentheses, calls,
//! arrays, unary minus, `^`) is capped at [`MAX_DEPTH`] so that neither parsing nor evaluation can exhaust
//! the stack; chains of binary operators (`a+b+c+...`) build left-deep trees that the evaluator walks
//! iteratively, and the expression itself is at most 2,048 characters long.

use super::lexer::{lex, Tok, Token};
use super::SyntaxError;

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Pow => "^",
            BinOp::Eq => "==",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Gt => ">",
            BinOp::Le => "<=",
            BinOp::Ge => ">=",
            BinOp::And => "AND",
            BinOp::Or => "OR",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    /// `"errors"` (the filter of `METRICS`).
    Text(String),
    /// `'...'` (the arguments of `SEARCH`).
    Quoted(String),
    /// The id of another query.
    Ref(String),
    /// A bare upper-case word: `AVG`, `DESC`, `REPEAT`, `LINEAR` ...
    Keyword(String),
    Array(Vec<Node>),
    Neg(Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
    Call(String, Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub expr: Expr,
    /// 1-based character position where the node starts.
    pub pos: usize,
}

impl Node {
    fn new(expr: Expr, pos: usize) -> Node {
        Node { expr, pos }
    }

    /// Every id this expression refers to, with its position.
    pub fn refs(&self, out: &mut Vec<(String, usize)>) {
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            match &node.expr {
                Expr::Ref(id) => out.push((id.clone(), node.pos)),
                Expr::Array(items) | Expr::Call(_, items) => stack.extend(items.iter()),
                Expr::Neg(inner) => stack.push(inner),
                Expr::Binary(_, l, r) => {
                    stack.push(l);
                    stack.push(r);
                }
                Expr::Number(_) | Expr::Text(_) | Expr::Quoted(_) | Expr::Keyword(_) => {}
            }
        }
    }

    /// Every function call in the expression, with its position.
    pub fn calls(&self, out: &mut Vec<(String, usize)>) {
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            match &node.expr {
                Expr::Call(name, items) => {
                    out.push((name.clone(), node.pos));
                    stack.extend(items.iter());
                }
                Expr::Array(items) => stack.extend(items.iter()),
                Expr::Neg(inner) => stack.push(inner),
                Expr::Binary(_, l, r) => {
                    stack.push(l);
                    stack.push(r);
                }
                _ => {}
            }
        }
    }
}

pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let tokens = lex(text)?;
    if tokens.is_empty() {
        return Err(SyntaxError::new(1, "The expression is empty"));
    }
    let end = text.chars().count() + 1;
    let mut p = Parser {
        tokens,
        at: 0,
        end,
        nesting: 0,
    };
    let node = p.or()?;
    match p.peek() {
        None => Ok(node),
        Some(t) => Err(SyntaxError::new(t.pos, format!("Unexpected {}", describe(&t.tok)))),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    end: usize,
    nesting: usize,
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Number(n) => format!("number {n}"),
        Tok::Ident(s) => format!("'{s}'"),
        Tok::Text(s) => format!("string \"{s}\""),
        Tok::Quoted(s) => format!("string '{s}'"),
        Tok::Op(op) => format!("'{op}'"),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::LBracket => "'['".into(),
        Tok::RBracket => "']'".into(),
        Tok::Comma => "','".into(),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        if t.is_some() {
            self.at += 1;
        }
        t
    }

    fn pos(&self) -> usize {
        self.peek().map_or(self.end, |t| t.pos)
    }

    fn eat(&mut self, tok: &Tok) -> bool {
        if self.peek().is_some_and(|t| &t.tok == tok) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, tok: Tok, what: &str) -> Result<(), SyntaxError> {
        if self.eat(&tok) {
            return Ok(());
        }
        let pos = self.pos();
        Err(match self.peek() {
            Some(t) => SyntaxError::new(pos, format!("Expected {what} but found {}", describe(&t.tok))),
            None => SyntaxError::new(pos, format!("Expected {what} but the expression ended")),
        })
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.nesting += 1;
        if self.nesting > MAX_DEPTH {
            return Err(SyntaxError::new(
                self.pos(),
                format!("Expression is nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn binary_level(
        &mut self,
        next: fn(&mut Parser) -> Result<Node, SyntaxError>,
        op_of: fn(&Tok) -> Option<BinOp>,
    ) -> Result<Node, SyntaxError> {
        let mut left = next(self)?;
        while let Some(op) = self.peek().and_then(|t| op_of(&t.tok)) {
            self.at += 1;
            let right = next(self)?;
            let pos = left.pos;
            left = Node::new(Expr::Binary(op, Box::new(left), Box::new(right)), pos);
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Node, SyntaxError> {
        self.binary_level(Parser::and, |t| match t {
            Tok::Op("||") => Some(BinOp::Or),
            Tok::Ident(s) if s == "OR" => Some(BinOp::Or),
            _ => None,
        })
    }

    fn and(&mut self) -> Result<Node, SyntaxError> {
        self.binary_level(Parser::comparison, |t| match t {
            Tok::Op("&&") => Some(BinOp::And),
            Tok::Ident(s) if s == "AND" => Some(BinOp::And),
            _ => None,
        })
    }

    fn comparison(&mut self) -> Result<Node, SyntaxError> {
        self.binary_level(Parser::additive, |t| match t {
            Tok::Op("==") => Some(BinOp::Eq),
            Tok::Op("!=") => Some(BinOp::Ne),
            Tok::Op("<") => Some(BinOp::Lt),
            Tok::Op(">") => Some(BinOp::Gt),
            Tok::Op("<=") => Some(BinOp::Le),
            Tok::Op(">=") => Some(BinOp::Ge),
            _ => None,
        })
    }

    fn additive(&mut self) -> Result<Node, SyntaxError> {
        self.binary_level(Parser::multiplicative, |t| match t {
            Tok::Op("+") => Some(BinOp::Add),
            Tok::Op("-") => Some(BinOp::Sub),
            _ => None,
        })
    }

    fn multiplicative(&mut self) -> Result<Node, SyntaxError> {
        self.binary_level(Parser::unary, |t| match t {
            Tok::Op("*") => Some(BinOp::Mul),
            Tok::Op("/") => Some(BinOp::Div),
            _ => None,
        })
    }

    fn unary(&mut self) -> Result<Node, SyntaxError> {
        self.enter()?;
        let result = if self.peek().is_some_and(|t| t.tok == Tok::Op("-")) {
            let pos = self.pos();
            self.at += 1;
            self.unary().map(|inner| Node::new(Expr::Neg(Box::new(inner)), pos))
        } else {
            self.power()
        };
        self.nesting -= 1;
        result
    }

    fn power(&mut self) -> Result<Node, SyntaxError> {
        let base = self.primary()?;
        if self.eat(&Tok::Op("^")) {
            let exponent = self.unary()?;
            let pos = base.pos;
            return Ok(Node::new(Expr::Binary(BinOp::Pow, Box::new(base), Box::new(exponent)), pos));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Node, SyntaxError> {
        let pos = self.pos();
        let Some(token) = self.next() else {
            return Err(SyntaxError::new(pos, "Expected a value but the expression ended"));
        };
        match token.tok {
            Tok::Number(n) => Ok(Node::new(Expr::Number(n), pos)),
            Tok::Text(s) => Ok(Node::new(Expr::Text(s), pos)),
            Tok::Quoted(s) => Ok(Node::new(Expr::Quoted(s), pos)),
            Tok::LParen => {
                self.enter()?;
                let inner = self.or()?;
                self.expect(Tok::RParen, "')'")?;
                self.nesting -= 1;
                Ok(inner)
            }
            Tok::LBracket => {
                self.enter()?;
                let items = self.list(Tok::RBracket, "']'")?;
                self.nesting -= 1;
                Ok(Node::new(Expr::Array(items), pos))
            }
            Tok::Ident(name) => {
                if name == "AND" || name == "OR" {
                    return Err(SyntaxError::new(pos, format!("Unexpected operator {name}")));
                }
                if self.eat(&Tok::LParen) {
                    if !name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
                        return Err(SyntaxError::new(
                            pos,
                            format!("Unknown function {name} (function names are written in upper case)"),
                        ));
                    }
                    self.enter()?;
                    let args = self.list(Tok::RParen, "')'")?;
                    self.nesting -= 1;
                    return Ok(Node::new(Expr::Call(name, args), pos));
                }
                if name.starts_with(|c: char| c.is_ascii_lowercase()) {
                    Ok(Node::new(Expr::Ref(name), pos))
                } else if name.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_') {
                    Ok(Node::new(Expr::Keyword(name), pos))
                } else {
                    Err(SyntaxError::new(
                        pos,
                        format!("Invalid identifier {name}: ids start with a lower-case letter"),
                    ))
                }
            }
            other => Err(SyntaxError::new(pos, format!("Unexpected {}", describe(&other)))),
        }
    }

    /// Comma-separated expressions up to `close` (which may come at once: `METRICS()`, `[]`).
    fn list(&mut self, close: Tok, what: &str) -> Result<Vec<Node>, SyntaxError> {
        let mut items = Vec::new();
        if self.eat(&close) {
            return Ok(items);
        }
        loop {
            items.push(self.or()?);
            if self.eat(&close) {
                return Ok(items);
            }
            self.expect(Tok::Comma, &format!("',' or {what}"))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(n: &Node) -> String {
        match &n.expr {
            Expr::Number(v) => format!("{v}"),
            Expr::Text(s) => format!("\"{s}\""),
            Expr::Quoted(s) => format!("'{s}'"),
            Expr::Ref(s) | Expr::Keyword(s) => s.clone(),
            Expr::Array(items) => format!("[{}]", items.iter().map(shape).collect::<Vec<_>>().join(",")),
            Expr::Neg(i) => format!("(-{})", shape(i)),
            Expr::Binary(op, l, r) => format!("({} {} {})", shape(l), op.symbol(), shape(r)),
            Expr::Call(f, a) => format!("{f}({})", a.iter().map(shape).collect::<Vec<_>>().join(",")),
        }
    }

    fn p(s: &str) -> String {
        parse(s)
            .map(|n| shape(&n))
            .unwrap_or_else(|e| format!("error at {}: {}", e.pos, e.message))
    }

    #[test]
    fn precedence() {
        assert_eq!(p("m1/m2*100"), "((m1 / m2) * 100)");
        assert_eq!(p("-2^2"), "(-(2 ^ 2))");
        assert_eq!(p("2^3^2"), "(2 ^ (3 ^ 2))");
        assert_eq!(p("2^-1"), "(2 ^ (-1))");
        assert_eq!(p("m1 > 15 AND m2 > 15 || m3"), "(((m1 > 15) AND (m2 > 15)) OR m3)");
        assert_eq!(p("SUM(-[m1, m2])"), "SUM((-[m1,m2]))");
        assert_eq!(p("SORT(METRICS(), AVG, DESC, 10)"), "SORT(METRICS(),AVG,DESC,10)");
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(p("m1 +"), "error at 5: Expected a value but the expression ended");
        assert_eq!(p("(m1"), "error at 4: Expected ')' but the expression ended");
        assert_eq!(p("m1 m2"), "error at 4: Unexpected 'm2'");
        assert!(p("avg(m1)").starts_with("error at 1: Unknown function avg"));
        assert!(p("").starts_with("error at 1"));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}m1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(p(&deep).contains("nested more than"));
        let long = vec!["m1"; 1000].join("+");
        assert!(p(&long).starts_with("((((")); // a chain, not nesting: evaluated iteratively
        let neg = format!("{}m1", "-".repeat(5000));
        assert!(p(&neg).contains("nested more than"));
        let calls = format!("{}m1{}", "ABS(".repeat(3000), ")".repeat(3000));
        assert!(p(&calls).contains("nested more than"));
    }
}
