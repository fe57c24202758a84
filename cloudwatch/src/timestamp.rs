//! Serde adapters for CloudWatch timestamps: written as RFC 3339, read from RFC 3339 strings or
//! epoch seconds (as the AWS CLI accepts both).

use serde::{de, Deserialize, Deserializer, Serializer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Seconds of an ISO 8601 duration `PnWnDTnHnMnS` as CloudWatch dashboards write relative times
/// (`-PT3H` without its sign): weeks, days, hours, minutes, seconds; no months or years, which
/// have no fixed length.
pub fn iso_duration_secs(text: &str) -> Option<i64> {
    let rest = text.strip_prefix('P')?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let mut total: i64 = 0;
    let mut any = false;
    for (part, units) in [
        (date, &[('W', 604_800), ('D', 86_400)][..]),
        (time, &[('H', 3_600), ('M', 60), ('S', 1)][..]),
    ] {
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
            } else {
                let mul = units.iter().find(|(u, _)| *u == c)?.1;
                total = total.checked_add(num.parse::<i64>().ok()?.checked_mul(mul)?)?;
                num.clear();
                any = true;
            }
        }
        if !num.is_empty() {
            return None;
        }
    }
    any.then_some(total)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Seconds(i64),
    Float(f64),
    Text(String),
}

fn from_raw<E: de::Error>(raw: Raw) -> Result<OffsetDateTime, E> {
    match raw {
        Raw::Seconds(s) => OffsetDateTime::from_unix_timestamp(s).map_err(E::custom),
        Raw::Float(f) if f.is_finite() => OffsetDateTime::from_unix_timestamp_nanos((f * 1e9) as i128).map_err(E::custom),
        Raw::Float(_) => Err(E::custom("timestamp is not a finite number")),
        Raw::Text(t) => {
            let t = t.trim();
            if let Ok(s) = t.parse::<i64>() {
                return OffsetDateTime::from_unix_timestamp(s).map_err(E::custom);
            }
            OffsetDateTime::parse(t, &Rfc3339).map_err(|_| {
                E::custom(format!(
                    "`{t}` is not an ISO 8601 timestamp (e.g. 2026-11-22T10:00:00Z) or epoch seconds"
                ))
            })
        }
    }
}

/// `#[serde(with = "cloudwatch::timestamp")]` for an `OffsetDateTime` field.
pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    let text = t.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
    s.serialize_str(&text)
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
    from_raw(Raw::deserialize(d)?)
}

/// The same for `Option<OffsetDateTime>` (use with `#[serde(default)]`).
pub mod option {
    use super::*;

    pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
        match Option::<Raw>::deserialize(d)? {
            Some(raw) => from_raw(raw).map(Some),
            None => Ok(None),
        }
    }
}

/// The same for `Vec<OffsetDateTime>`.
pub mod vec {
    use super::*;
    use serde::ser::SerializeSeq;

    pub fn serialize<S: Serializer>(ts: &[OffsetDateTime], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(ts.len()))?;
        for t in ts {
            let text = t.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
            seq.serialize_element(&text)?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<OffsetDateTime>, D::Error> {
        Vec::<Raw>::deserialize(d)?.into_iter().map(from_raw).collect()
    }
}
