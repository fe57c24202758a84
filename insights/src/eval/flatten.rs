//! JSON auto-discovery, lazily: CloudWatch flattens JSON messages into dotted fields
//! (`error.message`, arrays as `a.0`). Parsing every message fully would dominate the run time,
//! so this scanner walks the message once, descends only into objects that lead to a wanted
//! path, skips everything else without allocating, and borrows string values when they contain
//! no escapes.

use super::value::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash: a fast hash for short keys (paths, group keys); not DoS-resistant, which is fine for
/// per-query state.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }
}

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

pub type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

#[derive(Debug, Default, Clone, Copy)]
struct PathEntry {
    slot: Option<usize>,
    prefix: bool,
}

/// The JSON paths a query reads, each with its record slot.
#[derive(Debug, Default, Clone)]
pub struct PathSet {
    entries: FxMap<String, PathEntry>,
    wanted: usize,
    /// Bit (len % 16) * 16 + (last byte % 16) of every entry: most keys are rejected by this
    /// test without hashing.
    quick: [u64; 4],
}

fn quick_bit(path: &str) -> usize {
    (path.len() % 16) * 16 + usize::from(path.as_bytes().last().copied().unwrap_or(0) % 16)
}

impl PathSet {
    pub fn insert(&mut self, path: &str, slot: usize) {
        let bit = quick_bit(path);
        self.quick[bit / 64] |= 1 << (bit % 64);
        let e = self.entries.entry(path.to_string()).or_default();
        if e.slot.is_none() {
            self.wanted += 1;
        }
        e.slot = Some(slot);
        for (i, c) in path.char_indices() {
            if c == '.' && i > 0 {
                let bit = quick_bit(&path[..i]);
                self.quick[bit / 64] |= 1 << (bit % 64);
                self.entries.entry(path[..i].to_string()).or_default().prefix = true;
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.wanted == 0
    }

    fn get(&self, path: &str) -> PathEntry {
        let bit = quick_bit(path);
        if self.quick[bit / 64] & (1 << (bit % 64)) == 0 {
            return PathEntry::default();
        }
        self.entries.get(path).copied().unwrap_or_default()
    }
}

thread_local! {
    /// The path buffer, reused across events (one per worker thread).
    static PATH: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Index of the first `"` or `\\` at or after `i` (8 bytes at a time).
#[inline]
fn find_quote_or_backslash(b: &[u8], mut i: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    const Q: u64 = LO * b'"' as u64;
    const BS: u64 = LO * b'\\' as u64;
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let v = u64::from_le_bytes(w);
        let x = v ^ Q;
        let y = v ^ BS;
        let m = (x.wrapping_sub(LO) & !x & HI) | (y.wrapping_sub(LO) & !y & HI);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != b'"' && b[i] != b'\\' {
        i += 1;
    }
    i
}

/// A condition checked on the extracted values to end a scan early.
pub type StopFn<'s, 'a> = &'s dyn Fn(&[Value<'a>]) -> bool;

struct Scanner<'a, 's> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    found: usize,
    stop: Option<StopFn<'s, 'a>>,
}

/// Fills `out[slot]` for every wanted path present in `msg` (if `msg` is a JSON object).
/// Malformed JSON stops the scan; whatever was found before stays. The scan ends as soon as
/// every wanted path was found.
pub fn extract<'a>(msg: &'a str, paths: &PathSet, out: &mut [Value<'a>]) {
    extract_until(msg, paths, out, None);
}

/// [`extract`] that also ends the scan once `stop(out)` holds (checked after each found path).
pub fn extract_until<'a>(msg: &'a str, paths: &PathSet, out: &mut [Value<'a>], stop: Option<StopFn<'_, 'a>>) {
    if paths.is_empty() {
        return;
    }
    let t = msg.trim_start();
    if !t.starts_with('{') {
        return;
    }
    let mut sc = Scanner {
        s: t,
        b: t.as_bytes(),
        i: 0,
        found: 0,
        stop,
    };
    let mut path = String::new();
    let _ = sc.object(&mut path, paths, out);
}

/// Every leaf of a JSON object, flattened (used where all fields are wanted).
pub fn flatten_all(msg: &str) -> Vec<(String, Value<'_>)> {
    let t = msg.trim_start();
    let mut out = Vec::new();
    if !t.starts_with('{') {
        return out;
    }
    let mut sc = Scanner {
        s: t,
        b: t.as_bytes(),
        i: 0,
        found: 0,
        stop: None,
    };
    let mut path = String::new();
    let _ = sc.all(&mut path, &mut out);
    out
}

impl<'a> Scanner<'a, '_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn string(&mut self) -> Option<Cow<'a, str>> {
        // at '"'
        self.i += 1;
        let start = self.i;
        let mut escaped = false;
        while self.i < self.b.len() {
            self.i = find_quote_or_backslash(self.b, self.i);
            if self.i >= self.b.len() {
                break;
            }
            match self.b[self.i] {
                b'"' => {
                    let raw = &self.s[start..self.i];
                    self.i += 1;
                    return Some(if escaped {
                        Cow::Owned(unescape_json(raw))
                    } else {
                        Cow::Borrowed(raw)
                    });
                }
                b'\\' => {
                    escaped = true;
                    self.i += 2;
                }
                _ => self.i += 1,
            }
        }
        None
    }

    fn skip_string(&mut self) -> Option<()> {
        self.i += 1;
        while self.i < self.b.len() {
            self.i = find_quote_or_backslash(self.b, self.i);
            if self.i >= self.b.len() {
                break;
            }
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                b'\\' => self.i += 2,
                _ => self.i += 1,
            }
        }
        None
    }

    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match *self.b.get(self.i)? {
            b'"' => self.skip_string(),
            b'{' | b'[' => {
                let mut depth = 0usize;
                while self.i < self.b.len() {
                    match self.b[self.i] {
                        b'"' => {
                            self.skip_string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
                None
            }
            _ => {
                while self.i < self.b.len() && !matches!(self.b[self.i], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    self.i += 1;
                }
                Some(())
            }
        }
    }

    fn scalar(&mut self) -> Option<Value<'a>> {
        self.ws();
        match *self.b.get(self.i)? {
            b'"' => self.string().map(Value::Str),
            b't' if self.s[self.i..].starts_with("true") => {
                self.i += 4;
                Some(Value::Bool(true))
            }
            b'f' if self.s[self.i..].starts_with("false") => {
                self.i += 5;
                Some(Value::Bool(false))
            }
            b'n' if self.s[self.i..].starts_with("null") => {
                self.i += 4;
                Some(Value::Null)
            }
            _ => {
                let start = self.i;
                while self.i < self.b.len() && matches!(self.b[self.i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E') {
                    self.i += 1;
                }
                self.s[start..self.i].parse::<f64>().ok().map(Value::Num)
            }
        }
    }

    fn push_key(path: &mut String, key: &str) -> usize {
        let len = path.len();
        if len > 0 {
            path.push('.');
        }
        path.push_str(key);
        len
    }

    fn object(&mut self, path: &mut String, paths: &PathSet, out: &mut [Value<'a>]) -> Option<()> {
        self.i += 1; // '{'
        loop {
            self.ws();
            match *self.b.get(self.i)? {
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                b',' => {
                    self.i += 1;
                    continue;
                }
                b'"' => {}
                _ => return None,
            }
            let key = self.string()?;
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return None;
            }
            self.i += 1;
            let len = Self::push_key(path, &key);
            self.member(path, paths, out)?;
            path.truncate(len);
        }
    }

    /// Handles the value of `path`. Returns `None` to end the scan (malformed, or all found).
    fn member(&mut self, path: &mut String, paths: &PathSet, out: &mut [Value<'a>]) -> Option<()> {
        self.ws();
        let c = *self.b.get(self.i)?;
        let entry = paths.get(path);
        if let Some(slot) = entry.slot {
            if c == b'{' || c == b'[' {
                // A container is not a leaf value; still look inside for deeper paths.
                if entry.prefix {
                    return if c == b'{' {
                        self.object(path, paths, out)
                    } else {
                        self.array(path, paths, out)
                    };
                }
                let start = self.i;
                self.skip_value()?;
                out[slot] = Value::str(&self.s[start..self.i]);
            } else {
                out[slot] = self.scalar()?;
            }
            self.found += 1;
            if self.found >= paths.wanted || self.stop.is_some_and(|f| f(out)) {
                return None;
            }
            return Some(());
        }
        if entry.prefix {
            return match c {
                b'{' => self.object(path, paths, out),
                b'[' => self.array(path, paths, out),
                _ => self.skip_value(),
            };
        }
        self.skip_value()
    }

    fn array(&mut self, path: &mut String, paths: &PathSet, out: &mut [Value<'a>]) -> Option<()> {
        self.i += 1;
        let mut idx = 0usize;
        loop {
            self.ws();
            match *self.b.get(self.i)? {
                b']' => {
                    self.i += 1;
                    return Some(());
                }
                b',' => {
                    self.i += 1;
                    continue;
                }
                _ => {}
            }
            let len = Self::push_key(path, &idx.to_string());
            self.member(path, paths, out)?;
            path.truncate(len);
            idx += 1;
        }
    }

    fn all(&mut self, path: &mut String, out: &mut Vec<(String, Value<'a>)>) -> Option<()> {
        self.ws();
        match *self.b.get(self.i)? {
            b'{' => {
                self.i += 1;
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        b'"' => {}
                        _ => return None,
                    }
                    let key = self.string()?;
                    self.ws();
                    if self.b.get(self.i) != Some(&b':') {
                        return None;
                    }
                    self.i += 1;
                    let len = Self::push_key(path, &key);
                    self.all(path, out)?;
                    path.truncate(len);
                }
            }
            b'[' => {
                self.i += 1;
                let mut idx = 0usize;
                loop {
                    self.ws();
                    match *self.b.get(self.i)? {
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' => {
                            self.i += 1;
                            continue;
                        }
                        _ => {}
                    }
                    let len = Self::push_key(path, &idx.to_string());
                    self.all(path, out)?;
                    path.truncate(len);
                    idx += 1;
                }
            }
            _ => {
                let v = self.scalar()?;
                out.push((path.clone(), v));
                Some(())
            }
        }
    }
}

/// Resolves JSON string escapes (`\n`, `\"`, `\uXXXX` with surrogate pairs, ...).
pub fn unescape_json(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let hi = u32::from_str_radix(&hex, 16).unwrap_or(0xFFFD);
                let cp = if (0xD800..0xDC00).contains(&hi) {
                    let rest = chars.as_str();
                    if rest.starts_with("\\u") {
                        let lo = rest.get(2..6).and_then(|h| u32::from_str_radix(h, 16).ok()).unwrap_or(0);
                        if (0xDC00..0xE000).contains(&lo) {
                            for _ in 0..6 {
                                chars.next();
                            }
                            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                        } else {
                            0xFFFD
                        }
                    } else {
                        0xFFFD
                    }
                } else {
                    hi
                };
                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_nested_and_arrays() {
        let mut ps = PathSet::default();
        ps.insert("error.message", 0);
        ps.insert("a.1", 1);
        ps.insert("n", 2);
        ps.insert("s", 3);
        let mut out = vec![Value::Null; 4];
        extract(
            r#"{"x":{"y":[1,2]},"error":{"message":"boom \"x\"","code":5},"a":[10,"b"],"n":3.5,"s":"plain"}"#,
            &ps,
            &mut out,
        );
        assert_eq!(out[0], Value::Str(Cow::Owned("boom \"x\"".into())));
        assert_eq!(out[1], Value::str("b"));
        assert_eq!(out[2], Value::Num(3.5));
        assert_eq!(out[3], Value::str("plain"));
        let all = flatten_all(r#"{"a":{"b":1},"c":[true,null]}"#);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].0, "a.b");
        assert_eq!(all[1].0, "c.0");
    }
}
