//! Dashboard variables as the URL and the page carry them.
//!
//! The URL holds each chosen value as `var-<id>=<value>`, repeated for a multi-value variable
//! (`var-service=web&var-service=api`), so a link shows a teammate the same view. The page hands
//! them to the server functions as JSON (`{"service": ["web", "api"]}`); the server checks them
//! against the dashboard's variables (`cloudwatch::body::resolve`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The prefix of a variable's query key.
pub const VAR_PREFIX: &str = "var-";
/// The most variables a dashboard has (CloudWatch allows 25), and so the most a URL may name.
pub const MAX_VARIABLES: usize = 25;
/// The most values one variable may be given at once.
pub const MAX_VALUES: usize = 100;
/// The longest JSON text of choices a server function reads.
const MAX_JSON: usize = 64 * 1024;

/// The values chosen in the URL, by variable id (in the order given, empty values dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableChoices(BTreeMap<String, Vec<String>>);

impl VariableChoices {
    /// From a URL's query pairs: every `var-<id>` key, repeated keys collected in order.
    pub fn from_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            if let Some(id) = k.strip_prefix(VAR_PREFIX) {
                if !id.is_empty() && !v.is_empty() {
                    map.entry(id.to_string()).or_default().push(v.to_string());
                }
            }
        }
        Self(map)
    }

    /// The JSON the server functions take (`""` when nothing is chosen).
    pub fn to_json(&self) -> String {
        if self.0.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&self.0).unwrap_or_default()
        }
    }

    /// Parses a server function's `vars` argument: `""` or a JSON object of id → values.
    pub fn parse_json(text: &str) -> Result<Self, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Self::default());
        }
        if text.len() > MAX_JSON {
            return Err(AppError::validation("vars", format!("at most {MAX_JSON} bytes of variable values")));
        }
        let map: BTreeMap<String, Vec<String>> = serde_json::from_str(text).map_err(|e| {
            AppError::validation(
                "vars",
                format!("expected variable values as JSON like {{\"service\": [\"web\"]}}: {e}"),
            )
        })?;
        if map.len() > MAX_VARIABLES {
            return Err(AppError::validation("vars", format!("at most {MAX_VARIABLES} variables")));
        }
        if let Some((id, _)) = map.iter().find(|(_, v)| v.len() > MAX_VALUES) {
            return Err(AppError::validation(
                format!("{VAR_PREFIX}{id}"),
                format!("at most {MAX_VALUES} values of one variable"),
            ));
        }
        Ok(Self(
            map.into_iter()
                .map(|(k, v)| (k, v.into_iter().filter(|s| !s.is_empty()).collect()))
                .collect(),
        ))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, id: &str) -> &[String] {
        self.0.get(id).map_or(&[], Vec::as_slice)
    }

    pub fn as_map(&self) -> &BTreeMap<String, Vec<String>> {
        &self.0
    }

    /// The URL's query pairs for these choices, in id order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .flat_map(|(id, values)| values.iter().map(move |v| (format!("{VAR_PREFIX}{id}"), v.clone())))
            .collect()
    }
}

/// How a variable's value is picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VariableInput {
    /// Free text.
    Input,
    /// A drop-down list.
    Select,
    /// Radio buttons.
    Radio,
}

/// One value a variable offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableOption {
    pub value: String,
    pub label: String,
}

/// A dashboard variable as its picker shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableView {
    pub id: String,
    /// The variable's `label`, else its id.
    pub label: String,
    pub input: VariableInput,
    /// Several values may be chosen (Watchpost's `multiValue`).
    pub multi: bool,
    /// `visible: false` variables are applied but not shown.
    pub visible: bool,
    /// What may be chosen (empty for free text): the `values` list, or the values the variable's
    /// `search` found (ListMetrics), sorted.
    pub options: Vec<VariableOption>,
    /// The values in effect: the URL's, else the default (empty: the body as written).
    pub selected: Vec<String>,
    /// Something the person should know: the values could not be listed, the list was cut, or
    /// the URL's value was refused.
    pub note: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_come_from_var_keys_and_go_back_to_them() {
        let c = VariableChoices::from_query([
            ("from", "now-3h"),
            ("var-service", "web"),
            ("var-service", "api"),
            ("var-region", ""),
            ("var-", "x"),
            ("varnish", "no"),
        ]);
        assert_eq!(c.get("service"), ["web".to_string(), "api".to_string()]);
        assert!(c.get("region").is_empty());
        assert_eq!(c.as_map().len(), 1);
        assert_eq!(
            c.query_pairs(),
            vec![
                ("var-service".to_string(), "web".to_string()),
                ("var-service".to_string(), "api".to_string())
            ]
        );
        assert_eq!(VariableChoices::parse_json(&c.to_json()).expect("round trip"), c);
        assert_eq!(VariableChoices::parse_json("").expect("empty"), VariableChoices::default());
        assert_eq!(VariableChoices::default().to_json(), "");
    }

    #[test]
    fn bad_json_and_too_many_values_are_refused_with_a_message() {
        for bad in ["[1]", "{\"a\": \"b\"}", "{"] {
            let e = VariableChoices::parse_json(bad).expect_err(bad);
            assert!(e.to_string().contains("vars"), "{e}");
        }
        let many: Vec<String> = (0..=MAX_VALUES).map(|i| i.to_string()).collect();
        let e = VariableChoices::parse_json(&serde_json::json!({ "svc": many }).to_string()).expect_err("too many");
        assert!(e.to_string().contains("var-svc"), "{e}");
    }
}
