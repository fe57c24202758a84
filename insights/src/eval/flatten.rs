//! JSON auto-discovery, lazily: CloudWatch flattens JSON messages into dotted fields
//! (`error.message`, arrays as `a.0`). Parsing every message fully would dominate the run time,
//! so this scanner walks the message once, descends only into objects that lead to a wanted
//! path, skips everything else without allocating, and borrows string values when they contain
//! no escapes. One walker serves both the selective scan and the full flattening; what differs
//! is a `Keep` policy, so the walker itself must never allocate for a value it skips or parse
//! a value nobody asked for.

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

    #[inline(always)]
    fn get(&self, path: &str) -> PathEntry {
        let bit = quick_bit(path);
        if self.quick[bit / 64] & (1 << (bit % 64)) == 0 {
            return PathEntry::default();
        }
        self.entries.get(path).copied().unwrap_or_default()
    }
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

struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// Leaves (scalar fields) passed so far, counted only when the message is long enough to
    /// have more than [`MAX_JSON_FIELDS`].
    leaves: usize,
    counting: bool,
}

/// "CloudWatch Logs Insights can extract a maximum of 200 log event fields from a JSON log"
/// (CWL_AnalyzeLogData-discoverable-fields): the leaves after the first 200, in the order the
/// message lists them, are not discovered (`parse` can still read them from `@message`).
pub const MAX_JSON_FIELDS: usize = 200;

/// A message shorter than this cannot hold more than [`MAX_JSON_FIELDS`] leaves (the densest
/// form, `{"":[0,0,...]}`, takes 2 bytes a leaf plus 6), so its leaves need no counting.
const COUNT_FROM_LEN: usize = 2 * (MAX_JSON_FIELDS + 1) + 6;

/// What the walk does with the value at a path.
enum Visit {
    /// Step over it without looking inside (no allocation).
    Skip,
    /// Walk into the object or array.
    Descend,
    /// Hand the value (a scalar, or a container's raw text) to [`Keep::take`] with this slot.
    Take(usize),
}

#[inline(always)]
fn is_container(first: u8) -> bool {
    first == b'{' || first == b'['
}

/// Which values a walk keeps: the only thing the selective ([`extract`]) and the full
/// ([`flatten_all`]) walks differ in. The walker is generic over it, so each walk is compiled
/// separately and the selective one pays for no dynamic dispatch. The implementations are
/// `inline(always)`: left out of line (as LLVM chose with plain `inline`), the selective walk ran
/// ~4% more instructions than the hand-written walker it replaced; inlined, it runs no more.
trait Keep<'a> {
    /// Decides for the value at `path`, given its first byte (`{` or `[` for a container).
    fn visit(&self, path: &str, first: u8) -> Visit;
    /// Receives a value `visit` chose to take. Returns false to end the walk.
    fn take(&mut self, path: &str, slot: usize, value: Value<'a>) -> bool;
}

/// The wanted paths of a [`PathSet`], into their record slots.
struct Selected<'p, 'o, 's, 'a> {
    paths: &'p PathSet,
    out: &'o mut [Value<'a>],
    found: usize,
    stop: Option<StopFn<'s, 'a>>,
}

impl<'a> Keep<'a> for Selected<'_, '_, '_, 'a> {
    #[inline(always)]
    fn visit(&self, path: &str, first: u8) -> Visit {
        let entry = self.paths.get(path);
        // `prefix` first: most keys are neither wanted nor on the way to a wanted path.
        let descend = entry.prefix && is_container(first);
        match entry.slot {
            // A container is not a leaf value; when deeper paths are wanted, look inside instead.
            Some(slot) if !descend => Visit::Take(slot),
            _ if descend => Visit::Descend,
            _ => Visit::Skip,
        }
    }

    #[inline(always)]
    fn take(&mut self, _path: &str, slot: usize, value: Value<'a>) -> bool {
        self.out[slot] = value;
        self.found += 1;
        self.found < self.paths.wanted && !self.stop.is_some_and(|f| f(self.out))
    }
}

/// Every leaf, under its flattened path.
struct Everything<'o, 'a>(&'o mut Vec<(String, Value<'a>)>);

impl<'a> Keep<'a> for Everything<'_, 'a> {
    #[inline(always)]
    fn visit(&self, _path: &str, first: u8) -> Visit {
        if is_container(first) {
            Visit::Descend
        } else {
            Visit::Take(0)
        }
    }

    #[inline(always)]
    fn take(&mut self, path: &str, _slot: usize, value: Value<'a>) -> bool {
        self.0.push((path.to_string(), value));
        true
    }
}

/// Walks the JSON object `msg` (if it is one) with `keep` choosing what to keep. Malformed JSON
/// ends the walk; whatever was kept before stays.
fn walk<'a>(msg: &'a str, keep: &mut impl Keep<'a>) {
    let t = msg.trim_start();
    if !t.starts_with('{') {
        return;
    }
    let mut sc = Scanner {
        s: t,
        b: t.as_bytes(),
        i: 0,
        leaves: 0,
        counting: t.len() >= COUNT_FROM_LEN,
    };
    let mut path = String::new();
    let _ = sc.object(&mut path, keep);
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
    walk(
        msg,
        &mut Selected {
            paths,
            out,
            found: 0,
            stop,
        },
    );
}

/// Every leaf of a JSON object, flattened (used where all fields are wanted).
pub fn flatten_all(msg: &str) -> Vec<(String, Value<'_>)> {
    let mut out = Vec::new();
    walk(msg, &mut Everything(&mut out));
    out
}

impl<'a> Scanner<'a> {
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
            b'"' => {
                self.leaves += usize::from(self.counting);
                self.skip_string()
            }
            b'{' | b'[' if self.counting => self.skip_container_counting(),
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
                self.leaves += usize::from(self.counting);
                while self.i < self.b.len() && !matches!(self.b[self.i], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    self.i += 1;
                }
                Some(())
            }
        }
    }

    /// [`Scanner::skip_value`] of a container, counting its leaves: a string not followed by
    /// `:` (a key is), and each literal (number, `true`, `false`, `null`). Outside strings only
    /// literals start with these bytes, so no stack of object/array states is needed.
    fn skip_container_counting(&mut self) -> Option<()> {
        let mut depth = 0usize;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'"' => {
                    self.skip_string()?;
                    let mut j = self.i;
                    while j < self.b.len() && matches!(self.b[j], b' ' | b'\t' | b'\n' | b'\r') {
                        j += 1;
                    }
                    if self.b.get(j) != Some(&b':') {
                        self.leaves += 1;
                    }
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        self.i += 1;
                        return Some(());
                    }
                }
                b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => {
                    self.leaves += 1;
                    while self.i + 1 < self.b.len()
                        && (self.b[self.i + 1].is_ascii_alphanumeric() || matches!(self.b[self.i + 1], b'.' | b'+' | b'-'))
                    {
                        self.i += 1;
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        None
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

    fn object<K: Keep<'a>>(&mut self, path: &mut String, keep: &mut K) -> Option<()> {
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
            self.member(path, keep)?;
            path.truncate(len);
        }
    }

    /// Handles the value of `path`. Returns `None` to end the scan (malformed, or `keep` is done).
    fn member<K: Keep<'a>>(&mut self, path: &mut String, keep: &mut K) -> Option<()> {
        self.ws();
        let c = *self.b.get(self.i)?;
        // Past the 200th leaf nothing more is discovered: end the walk.
        if self.counting && self.leaves >= MAX_JSON_FIELDS {
            return None;
        }
        match keep.visit(path, c) {
            Visit::Skip => self.skip_value(),
            Visit::Descend if c == b'{' => self.object(path, keep),
            Visit::Descend => self.array(path, keep),
            Visit::Take(slot) => {
                if self.counting && !is_container(c) {
                    self.leaves += 1;
                }
                let value = if is_container(c) {
                    let start = self.i;
                    self.skip_value()?;
                    Value::str(&self.s[start..self.i])
                } else {
                    self.scalar()?
                };
                keep.take(path, slot, value).then_some(())
            }
        }
    }

    fn array<K: Keep<'a>>(&mut self, path: &mut String, keep: &mut K) -> Option<()> {
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
            self.member(path, keep)?;
            path.truncate(len);
            idx += 1;
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

    #[test]
    fn containers_stop_and_malformed_input() {
        // `o` is wanted whole (raw text); `p` only leads to `p.q`, so it is walked, not kept.
        let mut ps = PathSet::default();
        ps.insert("o", 0);
        ps.insert("p", 1);
        ps.insert("p.q", 2);
        let mut out = vec![Value::Null; 3];
        extract(r#"{"o":{"k":[1, 2]},"p":{"q":"x"}}"#, &ps, &mut out);
        assert_eq!(out, vec![Value::str(r#"{"k":[1, 2]}"#), Value::Null, Value::str("x")]);

        // The stop condition ends the scan after the first hit.
        let mut ps = PathSet::default();
        ps.insert("a", 0);
        ps.insert("b", 1);
        let mut out = vec![Value::Null; 2];
        extract_until(r#"{"a":1,"b":2}"#, &ps, &mut out, Some(&|v: &[Value<'_>]| !v[0].is_null()));
        assert_eq!(out, vec![Value::Num(1.0), Value::Null]);

        // Whatever was found before malformed JSON stays, in both walks.
        let mut out = vec![Value::Null; 2];
        extract(r#"{"a":1,"b":}"#, &ps, &mut out);
        assert_eq!(out, vec![Value::Num(1.0), Value::Null]);
        let all = flatten_all(r#"{"a":1,"b":[true,}"#);
        assert_eq!(
            all,
            vec![("a".to_string(), Value::Num(1.0)), ("b.0".to_string(), Value::Bool(true))]
        );
        assert!(flatten_all("not json").is_empty());
    }

    /// CWL_AnalyzeLogData-discoverable-fields: at most 200 fields of a JSON log are discovered,
    /// counted in the message's order, whether or not the query reads the ones before.
    #[test]
    fn at_most_200_fields() {
        // 150 leaves in an array nobody asks for, then `x` (leaf 151), 60 more, then `y` (212).
        let nums = vec!["1"; 150].join(",");
        let pairs: Vec<String> = (0..60).map(|i| format!("\"k{i}\":\"v\"")).collect();
        let msg = format!(r#"{{"skip":[{nums}],"x":"yes",{},"y":"no","z":{{"a":true}}}}"#, pairs.join(","));
        let mut ps = PathSet::default();
        ps.insert("x", 0);
        ps.insert("y", 1);
        ps.insert("k48", 2);
        ps.insert("k49", 3);
        let mut out = vec![Value::Null; 4];
        extract(&msg, &ps, &mut out);
        // x is leaf 151, k48 leaf 200 (the last one), k49 leaf 201.
        assert_eq!(out, vec![Value::str("yes"), Value::Null, Value::str("v"), Value::Null]);
        let all = flatten_all(&msg);
        assert_eq!(all.len(), MAX_JSON_FIELDS);
        assert_eq!(all.last().map(|(p, _)| p.as_str()), Some("k48"));
        // Keys, strings with `:` after them inside strings, nested objects and literals count
        // right in a skipped container.
        let msg = format!(
            r#"{{"o":{{"a":"b:c","d":[null,false,-1.5e3,{{"e":"f"}}],"g":{{}},{}}},"p":[{nums}],"q":1}}"#,
            pairs[..40].join(",")
        );
        let all = flatten_all(&msg);
        let mut ps = PathSet::default();
        ps.insert("q", 0);
        let mut out = vec![Value::Null; 1];
        extract(&msg, &ps, &mut out);
        // o has 45 leaves (and 44 keys, which are not fields), p 150, q is leaf 196: found by
        // both walks.
        assert_eq!(all.len(), 196);
        assert_eq!(out, vec![Value::Num(1.0)]);
        // The densest message with 201 leaves is just long enough to be counted.
        let dense = format!("{{\"\":[{}]}}", vec!["0"; MAX_JSON_FIELDS + 1].join(","));
        assert_eq!(dense.len(), COUNT_FROM_LEN);
        assert_eq!(flatten_all(&dense).len(), MAX_JSON_FIELDS);
    }
}
