//! Scalar functions, evaluated on [`Value`]s.

use super::time::{ceil_to, floor_to};
use super::value::{loose_cmp, Value};
use crate::lexer::TimeUnit;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::net::IpAddr;
use std::sync::Arc;

/// A compiled scalar function.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Func {
    Strlen,
    Toupper,
    Tolower,
    Trim,
    Ltrim,
    Rtrim,
    Concat,
    Substr,
    Replace,
    Strcontains,
    Split,
    If,
    ToNumber,
    ToInt,
    ToLong,
    ToDouble,
    Isempty,
    Isblank,
    Abs,
    Ceil,
    Floor,
    Greatest,
    Least,
    Log,
    Sqrt,
    Bin(u64, TimeUnit),
    /// A time moved by this many milliseconds (`stats ... by bin(5m) offset 1h`).
    Shift(i64),
    Datefloor(u64, TimeUnit),
    Dateceil(u64, TimeUnit),
    FromMillis,
    ToMillis,
    Now,
    Ispresent,
    Coalesce,
    Unmask,
    JsonParse,
    JsonStringify,
    Md5,
    Sha256,
    IsValidIp,
    IsValidIpV4,
    IsValidIpV6,
    IsIpInSubnet,
    IsIpv4InSubnet,
    IsIpv6InSubnet,
    Ipv4ToNumber,
    IsPrivateIp,
    IsPublicIp,
    IsReservedIp,
}

impl Func {
    /// The function for a canonical name (period-taking functions get their period separately).
    pub fn from_name(name: &str) -> Option<Func> {
        Some(match name {
            "strlen" => Func::Strlen,
            "toupper" => Func::Toupper,
            "tolower" => Func::Tolower,
            "trim" => Func::Trim,
            "ltrim" => Func::Ltrim,
            "rtrim" => Func::Rtrim,
            "concat" => Func::Concat,
            "substr" => Func::Substr,
            "replace" => Func::Replace,
            "strcontains" => Func::Strcontains,
            "split" => Func::Split,
            "if" => Func::If,
            "toNumber" => Func::ToNumber,
            "toInt" => Func::ToInt,
            "toLong" => Func::ToLong,
            "toDouble" => Func::ToDouble,
            "isempty" => Func::Isempty,
            "isblank" => Func::Isblank,
            "abs" => Func::Abs,
            "ceil" => Func::Ceil,
            "floor" => Func::Floor,
            "greatest" => Func::Greatest,
            "least" => Func::Least,
            "log" => Func::Log,
            "sqrt" => Func::Sqrt,
            "fromMillis" => Func::FromMillis,
            "toMillis" => Func::ToMillis,
            "now" => Func::Now,
            "ispresent" => Func::Ispresent,
            "coalesce" => Func::Coalesce,
            "unmask" => Func::Unmask,
            "jsonParse" => Func::JsonParse,
            "jsonStringify" => Func::JsonStringify,
            "md5" => Func::Md5,
            "sha256" => Func::Sha256,
            "isValidIp" => Func::IsValidIp,
            "isValidIpV4" => Func::IsValidIpV4,
            "isValidIpV6" => Func::IsValidIpV6,
            "isIpInSubnet" => Func::IsIpInSubnet,
            "isIpv4InSubnet" => Func::IsIpv4InSubnet,
            "isIpv6InSubnet" => Func::IsIpv6InSubnet,
            "ipv4ToNumber" => Func::Ipv4ToNumber,
            "isPrivateIP" => Func::IsPrivateIp,
            "isPublicIP" => Func::IsPublicIp,
            "isReservedIP" => Func::IsReservedIp,
            _ => return None,
        })
    }
}

fn num<'a>(v: Option<f64>) -> Value<'a> {
    v.filter(|n| n.is_finite()).map_or(Value::Null, Value::Num)
}

fn trim_with<'x>(s: &'x str, chars: Option<&str>, left: bool, right: bool) -> &'x str {
    let pred = |c: char| chars.map_or(c.is_whitespace(), |set| set.contains(c));
    let s = if left { s.trim_start_matches(pred) } else { s };
    if right {
        s.trim_end_matches(pred)
    } else {
        s
    }
}

fn in_subnet(ip: &str, cidr: &str, v4: Option<bool>) -> bool {
    let Ok(ip) = ip.trim().parse::<IpAddr>() else { return false };
    let (net, bits) = match cidr.trim().split_once('/') {
        Some((n, b)) => (n, b.parse::<u32>().ok()),
        None => (cidr.trim(), None),
    };
    let Ok(net) = net.parse::<IpAddr>() else { return false };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if v4 != Some(false) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if v4 != Some(true) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// An address class of `isPrivateIP`, `isReservedIP` and `isPublicIP`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IpClass {
    Private,
    Reserved,
    Public,
}

/// Private: RFC 1918 and IPv6 unique local (RFC 4193). Reserved: the other special-purpose
/// blocks of the IANA registries (RFC 6890 and successors) that are not routed on the
/// internet. Every other valid address is public; so each valid address is in one class.
fn ip_class(ip: IpAddr) -> IpClass {
    const PRIVATE_V4: &[(u32, u32)] = &[(0x0A00_0000, 8), (0xAC10_0000, 12), (0xC0A8_0000, 16)];
    const RESERVED_V4: &[(u32, u32)] = &[
        (0x0000_0000, 8),  // "this network"
        (0x6440_0000, 10), // shared address space (carrier-grade NAT)
        (0x7F00_0000, 8),  // loopback
        (0xA9FE_0000, 16), // link-local
        (0xC000_0000, 24), // IETF protocol assignments
        (0xC000_0200, 24), // documentation TEST-NET-1
        (0xC058_6300, 24), // 6to4 relay anycast (deprecated)
        (0xC612_0000, 15), // benchmarking
        (0xC633_6400, 24), // documentation TEST-NET-2
        (0xCB00_7100, 24), // documentation TEST-NET-3
        (0xE000_0000, 4),  // multicast
        (0xF000_0000, 4),  // reserved for future use, and the limited broadcast
    ];
    const PRIVATE_V6: &[(u128, u32)] = &[(0xfc00 << 112, 7)];
    const RESERVED_V6: &[(u128, u32)] = &[
        (0, 128),                // unspecified
        (1, 128),                // loopback
        (0xffff << 32, 96),      // IPv4-mapped
        (0x0100 << 112, 64),     // discard-only
        (0x2001 << 112, 23),     // IETF protocol assignments
        (0x2001_0db8 << 96, 32), // documentation
        (0xfe80 << 112, 10),     // link-local
        (0xff00 << 112, 8),      // multicast
    ];
    fn within<T: Copy + Into<u128>>(x: T, blocks: &[(T, u32)], width: u32) -> bool {
        let x: u128 = x.into();
        blocks.iter().any(|&(net, bits)| {
            let shift = width - bits;
            let net: u128 = net.into();
            shift >= width || (x >> shift) == (net >> shift)
        })
    }
    let (private, reserved) = match ip {
        IpAddr::V4(a) => (within(u32::from(a), PRIVATE_V4, 32), within(u32::from(a), RESERVED_V4, 32)),
        IpAddr::V6(a) => (within(u128::from(a), PRIVATE_V6, 128), within(u128::from(a), RESERVED_V6, 128)),
    };
    if private {
        IpClass::Private
    } else if reserved {
        IpClass::Reserved
    } else {
        IpClass::Public
    }
}

/// A conversion's input as a number: numbers, booleans (1/0), times (epoch ms) and text that
/// reads as a decimal number.
fn scalar_num(v: Option<&Value<'_>>) -> Option<f64> {
    v.and_then(Value::as_num)
}

/// Applies `f` to evaluated arguments. `now_ms` is the query start time.
pub fn call<'r>(f: Func, args: Vec<Value<'r>>, now_ms: i64) -> Value<'r> {
    let text = |i: usize| args.get(i).and_then(|v| v.as_text());
    let n = |i: usize| args.get(i).and_then(Value::as_num);
    match f {
        Func::Strlen => text(0).map_or(Value::Null, |s| Value::Num(s.chars().count() as f64)),
        Func::Toupper => text(0).map_or(Value::Null, |s| Value::Str(Cow::Owned(s.to_uppercase()))),
        Func::Tolower => text(0).map_or(Value::Null, |s| Value::Str(Cow::Owned(s.to_lowercase()))),
        Func::Trim | Func::Ltrim | Func::Rtrim => {
            let Some(s) = text(0) else { return Value::Null };
            let set = text(1);
            let out = trim_with(&s, set.as_deref(), f != Func::Rtrim, f != Func::Ltrim).to_string();
            Value::Str(Cow::Owned(out))
        }
        Func::Concat => {
            let mut out = String::new();
            for a in &args {
                if let Some(t) = a.as_text() {
                    out.push_str(&t);
                }
            }
            Value::Str(Cow::Owned(out))
        }
        Func::Substr => {
            let Some(s) = text(0) else { return Value::Null };
            let len_chars = s.chars().count() as i64;
            let mut start = n(1).unwrap_or(0.0) as i64;
            if start < 0 {
                start = (len_chars + start).max(0);
            }
            let take = n(2).map_or(len_chars, |l| l.max(0.0) as i64);
            Value::Str(Cow::Owned(s.chars().skip(start as usize).take(take as usize).collect()))
        }
        Func::Replace => match (text(0), text(1), text(2)) {
            (Some(s), Some(from), Some(to)) if !from.is_empty() => Value::Str(Cow::Owned(s.replace(from.as_ref(), &to))),
            (Some(s), _, _) => Value::Str(Cow::Owned(s.into_owned())),
            _ => Value::Null,
        },
        // A true third argument searches without regard to case (AWS What's New, 2026-06-17:
        // "strcontains supporting case-insensitive search").
        Func::Strcontains => match (text(0), text(1)) {
            (Some(s), Some(sub)) => {
                let found = if args.get(2).is_some_and(Value::truthy) {
                    s.to_lowercase().contains(&sub.to_lowercase())
                } else {
                    s.contains(sub.as_ref())
                };
                Value::Num(if found { 1.0 } else { 0.0 })
            }
            _ => Value::Null,
        },
        Func::Split => match (text(0), text(1)) {
            (Some(s), Some(d)) => {
                let parts: Vec<serde_json::Value> = if d.is_empty() {
                    s.chars().map(|c| serde_json::Value::String(c.to_string())).collect()
                } else {
                    s.split(d.as_ref()).map(|p| serde_json::Value::String(p.to_string())).collect()
                };
                Value::Json(Arc::new(serde_json::Value::Array(parts)))
            }
            _ => Value::Null,
        },
        Func::If => {
            let mut it = args.into_iter();
            let cond = it.next().is_some_and(|c| c.truthy());
            let (then, otherwise) = (it.next(), it.next());
            if cond { then } else { otherwise }.unwrap_or(Value::Null)
        }
        // Conversions: text that does not read as a decimal number (or a structure) is missing;
        // integers cut fractions toward zero and must fit their width.
        Func::ToNumber | Func::ToDouble => num(scalar_num(args.first())),
        Func::ToInt => num(scalar_num(args.first())
            .map(f64::trunc)
            .filter(|x| (f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(x))),
        // 2^63 is the first f64 past i64::MAX.
        Func::ToLong => num(scalar_num(args.first())
            .map(f64::trunc)
            .filter(|x| (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(x))),
        Func::Isempty => Value::Bool(text(0).is_none_or(|s| s.is_empty())),
        Func::Isblank => Value::Bool(text(0).is_none_or(|s| s.trim().is_empty())),
        Func::Abs => num(n(0).map(f64::abs)),
        Func::Ceil => num(n(0).map(f64::ceil)),
        Func::Floor => num(n(0).map(f64::floor)),
        Func::Log => num(n(0).filter(|x| *x > 0.0).map(f64::ln)),
        Func::Sqrt => num(n(0).filter(|x| *x >= 0.0).map(f64::sqrt)),
        Func::Greatest | Func::Least => {
            let want = if f == Func::Greatest { Ordering::Greater } else { Ordering::Less };
            let mut best: Option<Value<'r>> = None;
            for a in args {
                if a.is_null() {
                    continue;
                }
                best = match best {
                    Some(b) if loose_cmp(&a, &b) != Some(want) => Some(b),
                    _ => Some(a),
                };
            }
            best.unwrap_or(Value::Null)
        }
        Func::Bin(k, u) | Func::Datefloor(k, u) => args
            .first()
            .and_then(Value::as_millis)
            .map_or(Value::Null, |t| Value::Time(floor_to(t, k, u))),
        Func::Dateceil(k, u) => args
            .first()
            .and_then(Value::as_millis)
            .map_or(Value::Null, |t| Value::Time(ceil_to(t, k, u))),
        Func::Shift(ms) => args
            .first()
            .and_then(Value::as_millis)
            .map_or(Value::Null, |t| Value::Time(t.saturating_add(ms))),
        Func::FromMillis => n(0).map_or(Value::Null, |x| Value::Time(x as i64)),
        Func::ToMillis => args
            .first()
            .and_then(Value::as_millis)
            .map_or(Value::Null, |t| Value::Num(t as f64)),
        // Epoch seconds, as the functions page uses it (CWL_QuerySyntax-operations-functions).
        Func::Now => Value::Num(now_ms.div_euclid(1000) as f64),
        Func::Ispresent => Value::Bool(args.first().is_some_and(|v| !v.is_null())),
        Func::Coalesce => args.into_iter().find(|v| !v.is_null()).unwrap_or(Value::Null),
        Func::Unmask => args.into_iter().next().unwrap_or(Value::Null),
        // Structure types (CWL_QuerySyntax-operations-functions): text that is not JSON, or a
        // JSON scalar, parses to itself as a scalar; objects and arrays become structures.
        Func::JsonParse => match args.into_iter().next() {
            Some(Value::Str(s)) => match serde_json::from_str::<serde_json::Value>(&s) {
                Ok(j) => Value::from_json(j),
                Err(_) => Value::Str(s),
            },
            Some(other) => other,
            None => Value::Null,
        },
        // Lowercase hex of the value's text (CWL_QuerySyntax-hash-functions); missing stays missing.
        Func::Md5 => text(0).map_or(Value::Null, |s| {
            use md5::Digest;
            Value::Str(Cow::Owned(format!("{:x}", md5::Md5::digest(s.as_bytes()))))
        }),
        Func::Sha256 => text(0).map_or(Value::Null, |s| {
            use sha2::Digest;
            Value::Str(Cow::Owned(format!("{:x}", sha2::Sha256::digest(s.as_bytes()))))
        }),
        Func::JsonStringify => match args.into_iter().next() {
            Some(Value::Json(j)) => Value::Str(Cow::Owned(j.to_string())),
            Some(Value::Str(s)) => Value::Str(Cow::Owned(serde_json::Value::String(s.into_owned()).to_string())),
            Some(other) => other,
            None => Value::Null,
        },
        Func::IsValidIp => Value::Bool(text(0).is_some_and(|s| s.trim().parse::<IpAddr>().is_ok())),
        Func::IsValidIpV4 => Value::Bool(text(0).is_some_and(|s| s.trim().parse::<std::net::Ipv4Addr>().is_ok())),
        Func::IsValidIpV6 => Value::Bool(text(0).is_some_and(|s| s.trim().parse::<std::net::Ipv6Addr>().is_ok())),
        Func::Ipv4ToNumber => text(0)
            .and_then(|s| s.trim().parse::<std::net::Ipv4Addr>().ok())
            .map_or(Value::Null, |a| Value::Num(f64::from(u32::from(a)))),
        Func::IsPrivateIp | Func::IsPublicIp | Func::IsReservedIp => {
            let want = match f {
                Func::IsPrivateIp => IpClass::Private,
                Func::IsReservedIp => IpClass::Reserved,
                _ => IpClass::Public,
            };
            Value::Bool(
                text(0)
                    .and_then(|s| s.trim().parse::<IpAddr>().ok())
                    .is_some_and(|ip| ip_class(ip) == want),
            )
        }
        Func::IsIpInSubnet | Func::IsIpv4InSubnet | Func::IsIpv6InSubnet => {
            let v4 = match f {
                Func::IsIpv4InSubnet => Some(true),
                Func::IsIpv6InSubnet => Some(false),
                _ => None,
            };
            match (text(0), text(1)) {
                (Some(ip), Some(c)) => Value::Bool(in_subnet(&ip, &c, v4)),
                _ => Value::Null,
            }
        }
    }
}
