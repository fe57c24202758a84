//! Dashboard variables on the server: the values a variable offers (its `values`, or the
//! distinct values of its `populateFrom` dimension among the metrics its `search` finds), and the
//! body with the chosen values applied before any query is built (`render::data`).
//!
//! Listing goes through the connection's [`Conn`] (`ListMetrics`: authorised for the caller,
//! through the shared token bucket, accounted) and only when a value depends on it: a `select`
//! or `radio` value to check, or a `__FIRST` default. It never fails a page: when the values
//! cannot be listed, a chosen value is taken unchecked and `__FIRST` leaves the body as written.

use std::collections::{BTreeSet, HashMap, HashSet};

use cloudwatch::body::{self as cwbody, DashboardBody, InputType, Variable, VariableValues};
use cloudwatch::metrics::{DimensionFilter, ListMetricsInput};
use metricmath::search::{Cond, SearchQuery, Term};

use crate::backend::identity::Caller;
use crate::backend::sources::{Asker, Conn, Telemetry};
use crate::domain::variables::{VariableChoices, VariableInput, VariableOption, VariableView, VAR_PREFIX};
use crate::domain::{ConnectionId, Role};
use crate::error::{AppError, AppResult};

/// The most values a variable offers.
pub const MAX_OPTIONS: usize = 500;
/// The most ListMetrics pages (500 metrics each) one variable's search reads.
const MAX_PAGES: usize = 10;

/// The values a search found: sorted, at most [`MAX_OPTIONS`]; `cut` when there were more (or
/// more pages than were read).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub values: Vec<String>,
    pub cut: bool,
}

/// The ListMetrics input that narrows a search: its schema's namespace and dimension names, and
/// its metric name when the search names one exactly (`MetricName="CPUUtilization"`, alone or in
/// an `AND`). What ListMetrics cannot filter is matched afterwards, as SEARCH matches.
pub fn list_input(query: &SearchQuery) -> ListMetricsInput {
    fn exact_metric_name(c: &Cond) -> Option<&str> {
        match c {
            Cond::Term(Term::Exact { property: Some(p), text }) if p == "MetricName" => Some(text),
            Cond::And(all) => all.iter().find_map(exact_metric_name),
            _ => None,
        }
    }
    ListMetricsInput {
        namespace: query.schema.as_ref().map(|s| s.namespace.clone()),
        metric_name: query.term.as_ref().and_then(exact_metric_name).map(str::to_string),
        dimensions: query
            .schema
            .iter()
            .flat_map(|s| s.dimensions.iter())
            .map(|d| DimensionFilter {
                name: d.clone(),
                value: None,
            })
            .collect(),
        ..ListMetricsInput::default()
    }
}

/// What `v`'s `search` finds on the connection (see [`Found`]).
pub async fn found_values(conn: &Conn, v: &Variable) -> AppResult<Found> {
    let name = v.display_name();
    let field = format!("{VAR_PREFIX}{}", v.id);
    let search = v
        .search
        .as_deref()
        .ok_or_else(|| AppError::validation(&field, format!("“{name}” has no search to find its values")))?;
    let populate = v.populate_from.as_deref().filter(|p| !p.is_empty()).ok_or_else(|| {
        AppError::validation(
            &field,
            format!("“{name}” has a search but no populateFrom: the dimension to take its values from"),
        )
    })?;
    let query = metricmath::search::parse(search)
        .map_err(|e| AppError::validation(&field, format!("the search of “{name}” is not understood: {e}")))?;
    let mut input = list_input(&query);
    let mut values = BTreeSet::new();
    let mut cut = false;
    for page in 0..MAX_PAGES {
        let out = conn.list_metrics(input.clone()).await?;
        values.extend(
            out.metrics
                .iter()
                .filter(|m| query.matches(m, "LOCAL"))
                .filter_map(|m| m.dimension(populate))
                .map(str::to_string),
        );
        match out.next_token {
            Some(token) if page + 1 < MAX_PAGES => input.next_token = Some(token),
            Some(_) => cut = true,
            None => break,
        }
    }
    let mut values: Vec<String> = values.into_iter().collect();
    if values.len() > MAX_OPTIONS {
        values.truncate(MAX_OPTIONS);
        cut = true;
    }
    Ok(Found { values, cut })
}

/// Whether `v`'s found values are needed to resolve it under `choices`.
fn needs_listing(v: &Variable, choices: &VariableChoices) -> bool {
    if v.search.is_none() || v.values.is_some() || v.target().is_none() {
        return false;
    }
    let chosen = !choices.get(&v.id).is_empty();
    (chosen && v.is_choice()) || (!chosen && v.defaults_to_first() && v.default_text().is_none())
}

/// The distinct variables (first of each id) that Watchpost applies.
fn applied(body: &DashboardBody) -> Vec<&Variable> {
    let mut seen = HashSet::new();
    body.variables
        .iter()
        .filter(|v| v.target().is_some() && seen.insert(v.id.as_str()))
        .collect()
}

/// Lists what the variables selected by `wanted` found, by id; a listing that fails is left out
/// (with its error, for the pickers).
async fn list_found(
    telemetry: &Telemetry,
    caller: Asker<'_>,
    connection: &ConnectionId,
    vars: &[&Variable],
    wanted: impl Fn(&Variable) -> bool,
) -> (HashMap<String, Found>, HashMap<String, AppError>) {
    let mut found = HashMap::new();
    let mut failed = HashMap::new();
    let wanted: Vec<&Variable> = vars.iter().copied().filter(|v| wanted(v)).collect();
    if wanted.is_empty() {
        return (found, failed);
    }
    let conn = match telemetry.conn(caller, connection, Role::Viewer).await {
        Ok(c) => c,
        Err(e) => {
            for v in wanted {
                failed.insert(v.id.clone(), e.clone());
            }
            return (found, failed);
        }
    };
    for v in wanted {
        match found_values(&conn, v).await {
            Ok(f) => {
                found.insert(v.id.clone(), f);
            }
            Err(e) => {
                tracing::debug!(variable = %v.id, error = %e, "a variable's values were not listed");
                failed.insert(v.id.clone(), e);
            }
        }
    }
    (found, failed)
}

fn values_of(found: &HashMap<String, Found>) -> HashMap<String, Vec<String>> {
    found.iter().map(|(k, f)| (k.clone(), f.values.clone())).collect()
}

/// The refusal of chosen values: the field is the first one's URL key (`var-<id>`), the message
/// each problem (the later ones with their variable's id).
fn refusal(errors: &[cwbody::VariableError]) -> AppError {
    let field = errors
        .first()
        .map_or_else(|| "vars".to_string(), |e| format!("{VAR_PREFIX}{}", e.id));
    let text: Vec<String> = errors
        .iter()
        .enumerate()
        .map(|(i, e)| if i == 0 { e.message.clone() } else { e.to_string() })
        .collect();
    AppError::validation(field, text.join("; "))
}

/// The body with the chosen values (else the defaults) applied. A chosen value the dashboard does
/// not take is refused with a message naming its variable.
pub async fn apply(
    telemetry: &Telemetry,
    caller: Asker<'_>,
    connection: &ConnectionId,
    body: DashboardBody,
    choices: &VariableChoices,
) -> AppResult<DashboardBody> {
    if body.variables.is_empty() && choices.is_empty() {
        return Ok(body);
    }
    let vars = applied(&body);
    let (found, _) = list_found(telemetry, caller, connection, &vars, |v| needs_listing(v, choices)).await;
    let values: VariableValues = cwbody::resolve(&body, choices.as_map(), &values_of(&found)).map_err(|e| refusal(&e))?;
    cwbody::apply_variables(&body, &values).map_err(|errors| {
        let text: Vec<String> = errors.iter().take(5).map(ToString::to_string).collect();
        AppError::validation("vars", format!("the chosen values do not fit the dashboard: {}", text.join("; ")))
    })
}

/// Every variable the page shows or applies, with its options and the values in effect. A value
/// the URL gives that the variable refuses is reported in the variable's `note` (the variable
/// shows its default); ids the dashboard does not have are left to the widgets' answer.
pub async fn views(
    telemetry: &Telemetry,
    caller: &Caller,
    connection: &ConnectionId,
    body: &DashboardBody,
    choices: &VariableChoices,
) -> AppResult<Vec<VariableView>> {
    let vars = applied(body);
    let (found, failed) = list_found(telemetry, caller.into(), connection, &vars, |v| {
        (v.values.is_none() && v.search.is_some() && v.input_type != InputType::Input) || needs_listing(v, choices)
    })
    .await;
    let found_values = values_of(&found);
    // Only the ids the dashboard has; each refused one is dropped (and noted) until the rest resolve.
    let mut kept: VariableValues = choices
        .as_map()
        .iter()
        .filter(|(id, _)| vars.iter().any(|v| &v.id == *id))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut refused: HashMap<String, String> = HashMap::new();
    let resolved = loop {
        match cwbody::resolve(body, &kept, &found_values) {
            Ok(r) => break r,
            Err(errors) => {
                let before = kept.len();
                for e in errors {
                    kept.remove(&e.id);
                    refused.insert(e.id.clone(), e.message);
                }
                if kept.len() == before {
                    break VariableValues::new();
                }
            }
        }
    };
    Ok(vars
        .into_iter()
        .map(|v| {
            let input = match v.input_type {
                InputType::Select => VariableInput::Select,
                InputType::Radio => VariableInput::Radio,
                InputType::Input | InputType::Other(_) => VariableInput::Input,
            };
            let mut note = refused.get(&v.id).map(|m| format!("The link's value was not used: {m}."));
            let options: Vec<VariableOption> = match (v.listed_values(), found.get(&v.id)) {
                (Some(list), _) => list.into_iter().map(|(value, label)| VariableOption { value, label }).collect(),
                (None, Some(f)) => {
                    if f.cut {
                        note.get_or_insert_with(|| format!("Showing the first {MAX_OPTIONS} values found."));
                    }
                    f.values
                        .iter()
                        .map(|value| VariableOption {
                            value: value.clone(),
                            label: value.clone(),
                        })
                        .collect()
                }
                (None, None) => Vec::new(),
            };
            if let Some(e) = failed.get(&v.id) {
                note.get_or_insert_with(|| format!("Its values could not be listed: {e}"));
            }
            VariableView {
                id: v.id.clone(),
                label: v.display_name().to_string(),
                input: if options.is_empty() { VariableInput::Input } else { input },
                multi: v.is_multi_value() && !options.is_empty(),
                visible: v.visible != Some(false),
                options,
                selected: resolved.get(&v.id).cloned().unwrap_or_default(),
                note,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_narrows_list_metrics_by_schema_and_exact_metric_name() {
        let q = metricmath::search::parse(r#"{AWS/ECS,ClusterName,ServiceName} MetricName="CPUUtilization""#).expect("parses");
        let input = list_input(&q);
        assert_eq!(input.namespace.as_deref(), Some("AWS/ECS"));
        assert_eq!(input.metric_name.as_deref(), Some("CPUUtilization"));
        let names: Vec<&str> = input.dimensions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["ClusterName", "ServiceName"]);
        assert!(input.dimensions.iter().all(|d| d.value.is_none()));
        // A partial or alternative metric name is matched afterwards, not filtered by ListMetrics.
        let q = metricmath::search::parse(r#"{AWS/Lambda,FunctionName} MetricName=Dur OR Errors"#).expect("parses");
        assert_eq!(list_input(&q).metric_name, None);
        let q = metricmath::search::parse("prod").expect("parses");
        assert_eq!(list_input(&q), ListMetricsInput::default());
    }

    #[test]
    fn only_values_that_depend_on_the_list_make_it_listed() {
        let body = DashboardBody::parse(
            r#"{"variables":[
                {"type":"property","property":"ServiceName","inputType":"select","id":"a","search":"{AWS/ECS,ServiceName}","populateFrom":"ServiceName","defaultValue":"web"},
                {"type":"property","property":"ServiceName","inputType":"select","id":"b","search":"{AWS/ECS,ServiceName}","populateFrom":"ServiceName","defaultValue":"__FIRST"},
                {"type":"property","property":"ServiceName","inputType":"input","id":"c","search":"{AWS/ECS,ServiceName}","populateFrom":"ServiceName"}
            ],"widgets":[]}"#,
        )
        .expect("valid");
        let none = VariableChoices::default();
        let chosen = VariableChoices::from_query([("var-a", "api"), ("var-b", "api"), ("var-c", "api")]);
        let need = |c: &VariableChoices| body.variables.iter().map(|v| needs_listing(v, c)).collect::<Vec<_>>();
        assert_eq!(need(&none), [false, true, false]);
        assert_eq!(need(&chosen), [true, true, false]);
    }
}
