//! The metrics explorer's shapes, shared by browser and server: what a connection's metrics look
//! like when browsed (namespace → dimension set → metric), and the search that narrows them.

use serde::{Deserialize, Serialize};

/// The most metrics one browse answers with; a search narrows the rest.
pub const MAX_SHOWN: usize = 500;

/// One namespace and how many of its metrics were read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceCount {
    pub name: String,
    pub metrics: u32,
}

/// One metric: its name and its dimensions, in ListMetrics' order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetricEntry {
    pub namespace: String,
    pub name: String,
    pub dimensions: Vec<(String, String)>,
}

/// The metrics of one namespace that have the same dimension names (`ClusterName, ServiceName`),
/// as the CloudWatch console groups them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimensionGroup {
    /// Sorted dimension names; empty for metrics without dimensions.
    pub keys: Vec<String>,
    pub metrics: Vec<MetricEntry>,
}

/// A browse of a connection's metrics: its namespaces (always), and the chosen namespace's
/// metrics grouped by dimension set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct MetricBrowse {
    pub namespaces: Vec<NamespaceCount>,
    pub groups: Vec<DimensionGroup>,
    /// Metrics that matched the search (in the chosen namespace), shown or not.
    pub matched: u32,
    /// Metrics left out of `groups` past [`MAX_SHOWN`].
    pub hidden: u32,
    /// ListMetrics had more pages than one browse reads: the listing is partial.
    pub partial: bool,
}

/// A search over metrics: whitespace-separated terms that must all appear (any case) in the
/// namespace, the metric name, or a dimension's name or value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MetricSearch {
    terms: Vec<String>,
}

impl MetricSearch {
    pub fn parse(raw: &str) -> Self {
        Self {
            terms: raw.split_whitespace().take(16).map(str::to_lowercase).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, namespace: &str, name: &str, dimensions: &[(String, String)]) -> bool {
        self.terms
            .iter()
            .all(|t| contains(namespace, t) || contains(name, t) || dimensions.iter().any(|(k, v)| contains(k, t) || contains(v, t)))
    }
}

fn contains(haystack: &str, lower_needle: &str) -> bool {
    haystack.to_lowercase().contains(lower_needle)
}

/// Groups metrics by their dimension names (each metric's dimensions sorted by name, as a
/// table's columns); groups by fewer dimensions first (as the
/// console lists `Per-Service` before `Per-Service, Per-Task`), metrics by name then values.
pub fn group(metrics: Vec<MetricEntry>) -> Vec<DimensionGroup> {
    let mut groups: std::collections::BTreeMap<(usize, Vec<String>), Vec<MetricEntry>> = std::collections::BTreeMap::new();
    for mut m in metrics {
        m.dimensions.sort();
        let mut keys: Vec<String> = m.dimensions.iter().map(|(k, _)| k.clone()).collect();
        keys.sort();
        groups.entry((keys.len(), keys)).or_default().push(m);
    }
    groups
        .into_iter()
        .map(|((_, keys), mut metrics)| {
            metrics.sort_by(|a, b| (&a.dimensions, &a.name).cmp(&(&b.dimensions, &b.name)));
            DimensionGroup { keys, metrics }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str, dims: &[(&str, &str)]) -> MetricEntry {
        MetricEntry {
            namespace: "AWS/ECS".into(),
            name: name.into(),
            dimensions: dims.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn every_term_must_match_somewhere() {
        let dims = vec![("ServiceName".to_string(), "checkout".to_string())];
        assert!(MetricSearch::parse("cpu CHECKOUT").matches("AWS/ECS", "CPUUtilization", &dims));
        assert!(MetricSearch::parse("ecs servicename").matches("AWS/ECS", "CPUUtilization", &dims));
        assert!(!MetricSearch::parse("cpu cart").matches("AWS/ECS", "CPUUtilization", &dims));
        assert!(MetricSearch::parse("  ").matches("AWS/ECS", "x", &[]));
        assert!(MetricSearch::parse("  ").is_empty());
    }

    #[test]
    fn groups_are_by_dimension_names_fewest_first() {
        let groups = group(vec![
            m("CPUUtilization", &[("ServiceName", "b"), ("ClusterName", "c")]),
            m("CPUUtilization", &[("ClusterName", "c")]),
            m("MemoryUtilization", &[("ClusterName", "c"), ("ServiceName", "a")]),
        ]);
        let keys: Vec<_> = groups.iter().map(|g| g.keys.join(",")).collect();
        assert_eq!(keys, ["ClusterName", "ClusterName,ServiceName"]);
        // Within a group: by dimension values (dimensions sorted by name), then metric name.
        let services: Vec<_> = groups[1].metrics.iter().map(|m| m.dimensions[1].1.clone()).collect();
        assert_eq!(services, ["a", "b"]);
        assert_eq!(groups[1].metrics[0].dimensions[0].0, "ClusterName");
    }
}
