//! Packing units into `GetMetricData` calls.
//!
//! Units are grouped by (aligned range, period, label zone) and packed first-fit, largest first,
//! into calls of at most [`MAX_QUERIES`] queries and [`MAX_POINTS`] data points. Within a call a
//! metric that several units ask for in the same way (same metric, statistic, period, unit,
//! label) is asked once: it costs one metric, not one per unit. Every unit's queries get a
//! call-local prefix (`u3_q0`), so no two units' ids collide.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use cloudwatch::metrics::MetricDataQuery;

use super::units::{rewrite, Unit, MAX_POINTS, MAX_QUERIES};

/// Where a call's result goes: (index of the unit in the call's `units`).
#[derive(Debug, Clone)]
pub struct Call {
    pub units: Vec<Arc<Unit>>,
    pub queries: Vec<MetricDataQuery>,
    /// Call id of each unit's root, by position in `units`.
    pub roots: Vec<String>,
    pub start: i64,
    pub end: i64,
    pub period: i64,
    pub label_timezone: Option<String>,
    /// Points the call can return (before de-duplication: an upper bound).
    pub points: u64,
}

impl Call {
    /// Metrics this call requests (what CloudWatch bills): its `MetricStat` queries.
    pub fn metrics(&self) -> u64 {
        self.queries.iter().filter(|q| q.metric_stat.is_some()).count() as u64
    }
}

type Group = (i64, i64, i64, Option<String>);

/// Packs `units` into calls. A unit alone above a limit still gets a call of its own (the
/// upstream pages or refuses it; a unit's queries cannot be split across calls).
pub fn pack(units: Vec<Arc<Unit>>) -> Vec<Call> {
    let mut groups: BTreeMap<Group, Vec<Arc<Unit>>> = BTreeMap::new();
    for u in units {
        groups
            .entry((u.start, u.end, u.period, u.label_timezone.clone()))
            .or_default()
            .push(u);
    }
    let mut calls = Vec::new();
    for ((start, end, period, tz), mut members) in groups {
        members.sort_by(|a, b| b.points.cmp(&a.points).then(b.queries.len().cmp(&a.queries.len())));
        // Bins: (queries, points, units).
        let mut bins: Vec<(usize, u64, Vec<Arc<Unit>>)> = Vec::new();
        for u in members {
            let q = u.queries.len();
            let p = u.points;
            match bins.iter_mut().find(|(bq, bp, _)| bq + q <= MAX_QUERIES && bp + p <= MAX_POINTS) {
                Some(bin) => {
                    bin.0 += q;
                    bin.1 += p;
                    bin.2.push(u);
                }
                None => bins.push((q, p, vec![u])),
            }
        }
        for (_, points, units) in bins {
            calls.push(assemble(units, start, end, period, tz.clone(), points));
        }
    }
    calls
}

fn assemble(units: Vec<Arc<Unit>>, start: i64, end: i64, period: i64, tz: Option<String>, points: u64) -> Call {
    let mut queries: Vec<MetricDataQuery> = Vec::new();
    // Shared metrics: canonical form (without id and ReturnData) → position in `queries`.
    let mut shared: HashMap<String, usize> = HashMap::new();
    let mut roots = Vec::with_capacity(units.len());
    for (k, unit) in units.iter().enumerate() {
        let mut ids: HashMap<String, String> = HashMap::new();
        for q in &unit.queries {
            if q.metric_stat.is_some() {
                let mut form = q.clone();
                form.id.clear();
                form.return_data = None;
                let form = serde_json::to_string(&form).unwrap_or_default();
                if let Some(&at) = shared.get(&form) {
                    let existing: &mut MetricDataQuery = &mut queries[at];
                    if q.return_data == Some(true) {
                        existing.return_data = Some(true);
                    }
                    ids.insert(q.id.clone(), existing.id.clone());
                    continue;
                }
                let id = format!("m{}", queries.len());
                let mut c = q.clone();
                c.id.clone_from(&id);
                shared.insert(form, queries.len());
                ids.insert(q.id.clone(), id);
                queries.push(c);
            } else {
                let id = format!("u{k}_{}", q.id);
                ids.insert(q.id.clone(), id.clone());
                let mut c = q.clone();
                c.id = id;
                queries.push(c);
            }
        }
        // Expressions refer to the unit's canonical ids: point them at the call's.
        for q in queries.iter_mut().filter(|q| q.id.starts_with(&format!("u{k}_"))) {
            if let Some(e) = &q.expression {
                let renamed = rewrite(e, &|id: &str| ids.get(id).cloned(), &|_| Vec::new());
                if let Ok(r) = renamed {
                    q.expression = Some(r);
                }
            }
        }
        roots.push(ids.get(&unit.root).cloned().unwrap_or_default());
    }
    Call {
        units,
        queries,
        roots,
        start,
        end,
        period,
        label_timezone: tz,
        points,
    }
}
